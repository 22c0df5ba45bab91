"""The axes of a hyperparameter map: which two hyperparameters, their ranges, the grid size and the metric."""
from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QGridLayout, QHBoxLayout, QLabel, QLineEdit, QSpinBox, QWidget

from core.trajectories.map_axes import default_axes, numeric_hparams, racer_value
from widgets.hparam_map_view import axis_values

METRICS = ("final loss", "steps to converge")
KEYS = ("hp_res", "metric", "x", "y", "x_range", "y_range")


class HparamAxes(QWidget):
    """Two hyperparameter combos with a from/to range each, the cells per side and the metric.

    Four short rows, so that it fits the side column at 1280x720 without scrolling sideways.

    Signals
    -------
    sigEdited()
        The user changed a combo, a range, the grid size or the metric.

    Attributes
    ----------
    x_combo, y_combo : QComboBox
    x_lo, x_hi, y_lo, y_hi : QLineEdit
    res : QSpinBox
        Cells per side.
    metric_combo : QComboBox
    """

    sigEdited = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._specs: dict[str, tuple[float, float, float, bool]] = {}
        self._hparams: dict = {}
        self._curvature: Callable[[], float | None] = lambda: None
        self.x_combo, self.y_combo = QComboBox(), QComboBox()
        self.x_lo, self.x_hi, self.y_lo, self.y_hi = (QLineEdit() for _ in range(4))
        for e in (self.x_lo, self.x_hi, self.y_lo, self.y_hi):
            e.setMinimumWidth(50)
        self.res = QSpinBox()
        self.res.setRange(5, 120)
        self.res.setValue(40)
        self.metric_combo = QComboBox()
        self.metric_combo.addItems(METRICS)
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        for r, (name, combo, lo, hi) in enumerate(self._axes()):
            grid.addWidget(QLabel(name), r, 0)
            combo.setMinimumContentsLength(7)  # with the icon room: "momentum" whole, not "moment"
            combo.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
            grid.addWidget(combo, r, 1)
            lo.setToolTip(f"The {name} axis starts at this value.")
            hi.setToolTip(f"The {name} axis ends at this value.")
            grid.addWidget(lo, r, 2)
            grid.addWidget(QLabel("to"), r, 3)
            grid.addWidget(hi, r, 4)
        grid.addWidget(QLabel("Grid"), 2, 0)
        size_and_metric = QHBoxLayout()  # one cell across the combo and range columns: no column grows for it
        size_and_metric.addWidget(self.res)
        size_and_metric.addWidget(self.metric_combo, 1)
        grid.addLayout(size_and_metric, 2, 1, 1, 4)
        for col in (1, 2, 4):
            grid.setColumnStretch(col, 1)
        self.x_combo.currentTextChanged.connect(lambda key: self._suggest(key, self.x_lo, self.x_hi))
        self.y_combo.currentTextChanged.connect(lambda key: self._suggest(key, self.y_lo, self.y_hi))
        for sig in (self.res.valueChanged, self.metric_combo.currentTextChanged, self.x_combo.currentTextChanged,
                    self.y_combo.currentTextChanged, self.x_lo.editingFinished, self.x_hi.editingFinished,
                    self.y_lo.editingFinished, self.y_hi.editingFinished):
            sig.connect(self._on_edited)

    # -- public API ---------------------------------------------------------------------------
    def set_racer(self, optimizer: str, hparams: dict, curvature: Callable[[], float | None]) -> None:
        """Offer ``optimizer``'s numeric hyperparameters, on its default axes, with suggested ranges; no signal.

        ``curvature()`` is the largest |curvature| the racer meets (None if unknown): the lr axis then
        reaches past the edge of divergence.
        """
        self._specs = {k: (d, lo, hi, log) for k, d, lo, hi, log in numeric_hparams(optimizer)}
        self._hparams = dict(hparams)
        self._curvature = curvature
        for (_, combo, lo, hi), key in zip(self._axes(), default_axes(optimizer)):
            combo.blockSignals(True)
            combo.clear()
            combo.addItems(list(self._specs))
            combo.setCurrentText(key)
            combo.blockSignals(False)
            self._suggest(combo.currentText(), lo, hi)

    def metric_name(self) -> str:  # not "metric": that name overrides QPaintDevice.metric (a crash)
        """"final loss" or "steps to converge"."""
        return self.metric_combo.currentText()

    def grid(self):
        """``(xkey, ykey, xvalues, yvalues, xlog, ylog)`` of the map to run.

        Raises
        ------
        ValueError
            A range that is not a number, empty, or outside the hyperparameter's valid range.
        """
        n = int(self.res.value())
        out = []
        for _, combo, lo_e, hi_e in self._axes():
            key = combo.currentText()
            if key not in self._specs:
                raise ValueError("choose two hyperparameters")
            try:
                lo, hi = float(lo_e.text()), float(hi_e.text())
            except ValueError:
                raise ValueError(f"the range of {key} is not a number") from None
            _, vlo, vhi, log = self._specs[key]
            if not (lo < hi):
                raise ValueError(f"{key}: 'from' must be below 'to'")
            if lo < vlo or hi > vhi or (log and lo <= 0):
                raise ValueError(f"{key} must stay within [{vlo:g}, {vhi:g}]")
            out.append((key, axis_values(lo, hi, n, log), log))
        (xk, xv, xl), (yk, yv, yl) = out
        return xk, yk, xv, yv, xl, yl

    def settings(self) -> dict:
        """``{"hp_res", "metric", "x", "y", "x_range", "y_range"}`` as plain values (a range that is not
        a number is kept as its text)."""
        def rng(lo: QLineEdit, hi: QLineEdit) -> list:
            out = []
            for e in (lo, hi):
                try:
                    out.append(float(e.text()))
                except ValueError:
                    out.append(e.text())
            return out

        return {"hp_res": int(self.res.value()), "metric": self.metric_name(), "x": self.x_combo.currentText(),
                "y": self.y_combo.currentText(), "x_range": rng(self.x_lo, self.x_hi),
                "y_range": rng(self.y_lo, self.y_hi)}

    def check_settings(self, d: dict) -> None:
        """ValueError naming the first key of ``d`` (keys of :meth:`settings`) whose value does not fit."""
        checks = (("hp_res", lambda v: _whole(v, self.res), f"a whole number in [{self.res.minimum()}, {self.res.maximum()}]"),
                  ("metric", lambda v: v in METRICS, f"one of {', '.join(METRICS)}"),
                  ("x", lambda v: isinstance(v, str), "a hyperparameter name"),
                  ("y", lambda v: isinstance(v, str), "a hyperparameter name"),
                  ("x_range", _pair, "[from, to]"), ("y_range", _pair, "[from, to]"))
        for key, ok, allowed in checks:
            if key in d and not ok(d[key]):
                raise ValueError(f"map settings: {key} must be {allowed}, got {d[key]!r}")

    def set_settings(self, d: dict) -> None:
        """Show ``d`` (any keys of :meth:`settings`; check it first with :meth:`check_settings`); no signal.

        An axis the current optimizer does not have is left as it is.
        """
        widgets = (self.res, self.metric_combo, self.x_combo, self.y_combo, self.x_lo, self.x_hi, self.y_lo, self.y_hi)
        for w in widgets:
            w.blockSignals(True)
        try:
            if "hp_res" in d:
                self.res.setValue(int(d["hp_res"]))
            if "metric" in d:
                self.metric_combo.setCurrentText(d["metric"])
            for key, combo, lo, hi in self._axes():
                if key in d and combo.findText(d[key]) >= 0 and d[key] != combo.currentText():
                    combo.setCurrentText(d[key])
                    self._suggest(d[key], lo, hi)
                if f"{key}_range" in d and combo.currentText() == d.get(key, combo.currentText()):
                    for edit, v in zip((lo, hi), d[f"{key}_range"]):
                        edit.setText(v if isinstance(v, str) else f"{float(v):.6g}")
                        edit.setCursorPosition(0)
        finally:
            for w in widgets:
                w.blockSignals(False)

    # -- helpers ------------------------------------------------------------------------------
    def _axes(self):
        return (("x", self.x_combo, self.x_lo, self.x_hi), ("y", self.y_combo, self.y_lo, self.y_hi))

    def _suggest(self, key: str, lo_edit: QLineEdit, hi_edit: QLineEdit) -> None:
        if key not in self._specs:
            return
        lo, hi = self._suggested_range(key)
        for edit, v in ((lo_edit, lo), (hi_edit, hi)):
            edit.setText(f"{v:.3g}")
            edit.setCursorPosition(0)  # a narrow field shows the leading digits, not "000463"

    def _suggested_range(self, key: str) -> tuple[float, float]:
        d, lo, hi, log = self._specs[key]
        if key == "lr":
            lam = self._curvature()
            if lam is not None:
                top = 10.0 / lam  # beyond 2(1+beta)/lambda_max: the map shows the edge of divergence
                return max(lo, top * 1e-4), min(hi, top)
            cur = racer_value(self._hparams, key, d)
            return max(lo, cur * 1e-3), min(hi, cur * 1e2)
        if log:
            return lo, hi
        return lo, (0.99 if hi == 1.0 else hi)

    def _on_edited(self, *_) -> None:
        self.sigEdited.emit()


def _whole(v, box: QSpinBox) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and box.minimum() <= v <= box.maximum()


def _pair(v) -> bool:
    return (isinstance(v, (list, tuple)) and len(v) == 2
            and all(isinstance(x, str) or (isinstance(x, (int, float)) and not isinstance(x, bool)) for x in v))
