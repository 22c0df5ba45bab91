"""Pick a surface (or type a formula) and move its parameters; batch size for the data surface."""
from __future__ import annotations

import math

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (QCheckBox, QComboBox, QHBoxLayout, QLabel, QLineEdit, QSlider, QSpinBox,
                               QVBoxLayout, QWidget)

from core.surfaces import get_surface, list_surfaces, surface_params
from widgets.theme import LIGHT, Theme
from widgets.field_errors import mark_field, style_error_label

CUSTOM = "custom formula…"
FORMULA_TIP = "Your own f(x, y): + - * / ^, sin, cos, exp, log, sqrt, abs ...; press Enter."
STEPS = 200


class _ParamSlider(QWidget):
    """One surface parameter: name, slider (log where the spec says so) and value; a 0/1 switch is a checkbox."""

    sigChanged = Signal()

    def __init__(self, key: str, spec, value: float, parent=None):
        super().__init__(parent)
        self.key, self.spec = key, spec
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.check = None
        self.slider = None
        tip = spec.help
        if spec.integer and spec.low == 0 and spec.high == 1:
            self.check = QCheckBox(key)
            self.check.setChecked(bool(value))
            self.check.setToolTip(tip)
            self.check.toggled.connect(self.sigChanged)
            lay.addWidget(self.check)
            return
        name = QLabel(key)
        name.setToolTip(tip)
        self.slider = QSlider(Qt.Horizontal)
        self.slider.setMinimumWidth(60)
        self.slider.setToolTip(tip)
        self.integer = spec.integer
        self.log = spec.log and spec.low > 0
        n = int(spec.high - spec.low) if spec.integer and spec.high - spec.low <= STEPS else STEPS
        self.slider.setRange(0, n)
        self.value_label = QLabel()
        # A fixed size: a label that may resize re-lays out the whole page on every slider step.
        fm = self.value_label.fontMetrics()
        self.value_label.setFixedSize(max(48, fm.horizontalAdvance("-0.0001") + 8), fm.height() + 4)
        lay.addWidget(name)
        lay.addWidget(self.slider, 1)
        lay.addWidget(self.value_label)
        self.set_value(value)
        self.slider.valueChanged.connect(self._on_slider_changed)

    def _from_slider(self, i: int) -> float:
        s, t = self.spec, i / max(self.slider.maximum(), 1)
        if self.log:
            v = 10 ** (math.log10(s.low) + t * (math.log10(s.high) - math.log10(s.low)))
        else:
            v = s.low + t * (s.high - s.low)
        return float(round(v)) if self.integer else float(f"{v:.3g}")

    def set_value(self, v: float) -> None:
        if self.check is not None:
            self.check.blockSignals(True)
            self.check.setChecked(bool(v))
            self.check.blockSignals(False)
            return
        s = self.spec
        if self.log:
            t = (math.log10(v) - math.log10(s.low)) / (math.log10(s.high) - math.log10(s.low))
        else:
            t = (v - s.low) / (s.high - s.low) if s.high > s.low else 0.0
        self.slider.blockSignals(True)
        self.slider.setValue(int(round(t * self.slider.maximum())))
        self.slider.blockSignals(False)
        self._value = float(v)
        self.value_label.setText(f"{v:g}")

    def value(self) -> float:
        if self.check is not None:
            return 1.0 if self.check.isChecked() else 0.0
        return self._value

    def _on_slider_changed(self, i: int) -> None:
        self._value = self._from_slider(i)
        self.value_label.setText(f"{self._value:g}")
        self.sigChanged.emit()


class SurfaceChooser(QWidget):
    """Surface combo, custom formula line, parameter sliders and (data surface) batch size.

    A formula that does not parse is shown in red under the line edit, and the
    previous surface stays.

    Signals
    -------
    sigSurfaceChanged(object)
        A new ``core.surfaces.Surface`` was chosen or one of its parameters moved.
    sigBatchSizeChanged(int)
        Mini-batch size for the data surface (0 = the full batch).
    sigDragFinished()
        A parameter slider was let go (a view may then refine what it drew coarsely meanwhile).
    """

    sigSurfaceChanged = Signal(object)
    sigBatchSizeChanged = Signal(int)
    sigDragFinished = Signal()

    def __init__(self, theme: Theme = LIGHT, parent=None):
        super().__init__(parent)
        self._surface = None
        self._sliders: list[_ParamSlider] = []
        self.combo = QComboBox()
        for name, desc in list_surfaces():
            self.combo.addItem(name)
            self.combo.setItemData(self.combo.count() - 1, desc, Qt.ToolTipRole)
        self.combo.addItem(CUSTOM)
        self.combo.setToolTip("The loss surface the racers run on.")
        self.formula = QLineEdit()
        self.formula.setPlaceholderText("e.g. x^2 + 10*y^2")
        self.formula.setToolTip(FORMULA_TIP)
        self.formula.hide()
        self.error = QLabel("")
        style_error_label(self.error)
        self.error.setWordWrap(True)
        self.error.hide()
        self.batch = QSpinBox()
        self.batch.setRange(0, 100000)
        self.batch.setSpecialValueText("full batch")
        self.batch.setPrefix("batch ")
        self.batch.setToolTip("Examples per mini-batch gradient; smaller batches give noisier steps (0 = all).")
        self.batch.hide()
        # Few parameters sit beside the combo; many (the data surface) get a row of their own,
        # so the page never grows wider than a 1280-pixel projector.
        self.params_row = QHBoxLayout()
        self.params_row.setContentsMargins(0, 0, 0, 0)
        self.params_row2 = QHBoxLayout()
        self.params_row2.setContentsMargins(0, 0, 0, 0)
        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(QLabel("surface"))
        top.addWidget(self.combo)
        top.addWidget(self.formula, 2)
        top.addLayout(self.params_row, 3)
        top.addWidget(self.batch)
        top.addStretch(0)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        lay.addLayout(top)
        lay.addLayout(self.params_row2)
        lay.addWidget(self.error)
        self.combo.currentTextChanged.connect(self._on_combo_changed)
        self.formula.returnPressed.connect(self._on_formula_entered)
        self.batch.valueChanged.connect(self._on_batch_changed)
        self.set_theme(theme)

    # -- public API --------------------------------------------------------------
    def surface(self):
        """The current surface."""
        return self._surface

    def set_spec(self, spec: str) -> object:
        """Show the surface ``spec`` (raises ValueError and keeps the state if it is bad); no signal."""
        surf = get_surface(spec)
        self._apply(surf, emit=False)
        return surf

    def set_surface(self, surface) -> None:
        """Show ``surface`` (a ``core.surfaces.Surface`` already built: nothing is parsed); no signal."""
        self._apply(surface, emit=False)

    def param_sliders(self) -> list:
        """The current surface's parameter controls, in order (each has ``key``, and ``slider``: a
        QSlider, or None for a 0/1 switch shown as a checkbox)."""
        return list(self._sliders)

    def set_batch_size(self, n: int | None) -> None:
        """Show the batch size without emitting (None or 0 = full batch)."""
        self.batch.blockSignals(True)
        self.batch.setValue(int(n or 0))
        self.batch.blockSignals(False)

    def batch_size(self) -> int | None:
        """The chosen mini-batch size, or None for the full batch."""
        return self.batch.value() or None

    def set_theme(self, theme: Theme) -> None:
        """Use ``theme``'s font size."""
        font = QFont()
        font.setPointSize(theme.font_pt)
        self.setFont(font)

    # -- helpers ---------------------------------------------------------------------
    def _apply(self, surf, emit: bool) -> None:
        self._surface = surf
        name = surf.name
        self.combo.blockSignals(True)
        self.combo.setCurrentText(CUSTOM if name == "formula" else name)
        self.combo.blockSignals(False)
        self.formula.setVisible(name == "formula")
        if name == "formula":
            expr = surf.spec.split(":", 1)[1] if ":" in surf.spec else ""
            if self.formula.text() != expr:
                self.formula.setText(expr)
        self.error.hide()
        mark_field(self.formula, None, FORMULA_TIP)  # no style sheet: it shrank the font
        self._build_sliders(surf)
        self.batch.setVisible(bool(getattr(surf, "stochastic", False)))
        if getattr(surf, "n_samples", 0):
            self.batch.setMaximum(int(surf.n_samples))
        if emit:
            self.sigSurfaceChanged.emit(surf)

    def _build_sliders(self, surf) -> None:
        specs = surface_params(surf.name)
        if [s.key for s in self._sliders] == list(specs):
            for s in self._sliders:
                s.set_value(surf.params[s.key])
            return
        for s in self._sliders:
            s.setParent(None)
            s.deleteLater()
        self._sliders = []
        row = self.params_row if len(specs) <= 3 else self.params_row2
        for key, spec in specs.items():
            s = _ParamSlider(key, spec, surf.params.get(key, spec.default))
            s.sigChanged.connect(self._on_param_changed)
            if s.slider is not None:
                s.slider.sliderReleased.connect(self.sigDragFinished)
            row.addWidget(s, 1)
            self._sliders.append(s)

    def _show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.show()

    # -- slots -------------------------------------------------------------------------
    def _on_combo_changed(self, name: str) -> None:
        if name == CUSTOM:
            self.formula.show()
            self.formula.setFocus()
            if self.formula.text().strip():
                self._on_formula_entered()
            return
        try:
            surf = get_surface(name)
        except ValueError as exc:
            self._show_error(str(exc))
            return
        self._apply(surf, emit=True)

    def _on_formula_entered(self) -> None:
        expr = self.formula.text().strip()
        try:
            surf = get_surface("formula:" + expr)
        except ValueError as exc:
            mark_field(self.formula, str(exc), FORMULA_TIP)
            self._show_error(str(exc))  # the previous surface stays
            return
        self._apply(surf, emit=True)

    def _on_param_changed(self) -> None:
        if self._surface is None:
            return
        values = {s.key: s.value() for s in self._sliders}
        try:
            surf = self._surface.with_params(**values)
        except ValueError as exc:
            self._show_error(str(exc))
            return
        self._surface = surf
        self.error.hide()
        self.sigSurfaceChanged.emit(surf)

    def _on_batch_changed(self, n: int) -> None:
        self.sigBatchSizeChanged.emit(int(n))
