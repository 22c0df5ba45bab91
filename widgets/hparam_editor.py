"""A form for one optimizer's hyperparameters, built from ``optimizer_info(name).hparams``."""
from __future__ import annotations

import math

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QCheckBox, QDoubleSpinBox, QFormLayout, QHBoxLayout, QLabel, QSlider,
                               QWidget)

from core.optim import optimizer_info, validate_hparams
from widgets.field_errors import style_error_label

SLIDER_STEPS = 400


class SciSpinBox(QDoubleSpinBox):
    """A spin box that shows ``1e-05`` rather than ``0.00001000``, and steps by a factor on a log scale."""

    def __init__(self, low: float, high: float, log: bool, parent=None):
        super().__init__(parent)
        self._log = log
        self.setDecimals(12)  # internal rounding only; the text comes from textFromValue
        self.setRange(low, high)
        self.setSingleStep(0.01 if not log else 1.0)
        self.setKeyboardTracking(False)

    def textFromValue(self, value: float) -> str:  # noqa: N802 - Qt override
        return f"{value:.4g}"

    def valueFromText(self, text: str) -> float:  # noqa: N802 - Qt override
        try:
            return float(text)
        except ValueError:
            return self.value()

    def validate(self, text: str, pos: int):  # noqa: D401 - Qt override
        from PySide6.QtGui import QValidator

        stripped = text.strip()
        if stripped in ("", "-", ".", "e", "-.") or stripped.endswith(("e", "e-", "e+")):
            return QValidator.Intermediate, text, pos
        try:
            float(stripped)
        except ValueError:
            return QValidator.Invalid, text, pos
        return QValidator.Acceptable, text, pos

    def stepBy(self, steps: int) -> None:  # noqa: N802 - Qt override
        if self._log and self.value() > 0:
            self.setValue(self.value() * 10 ** (0.1 * steps))  # ten clicks = one decade
        else:
            super().stepBy(steps)


class _FloatControl(QWidget):
    """A slider (log or linear) tied to a spin box; ``value()`` reads the spin box."""

    sigChanged = Signal()

    def __init__(self, spec, parent=None):
        super().__init__(parent)
        lo, hi = spec.slider_range()
        self._log = bool(spec.log) and lo > 0
        self._lo, self._hi = lo, hi
        self.slider = QSlider(Qt.Horizontal)
        self.slider.setRange(0, SLIDER_STEPS)
        self.spin = SciSpinBox(spec.low, spec.high, self._log)
        self.spin.setMinimumWidth(110)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.slider, 1)
        lay.addWidget(self.spin)
        self.slider.valueChanged.connect(self._on_slider_changed)
        self.spin.valueChanged.connect(self._on_spin_changed)

    def _to_slider(self, v: float) -> int:
        if self._log:
            v = min(max(v, self._lo), self._hi)
            t = (math.log10(v) - math.log10(self._lo)) / (math.log10(self._hi) - math.log10(self._lo))
        else:
            t = (v - self._lo) / (self._hi - self._lo) if self._hi > self._lo else 0.0
        return int(round(min(max(t, 0.0), 1.0) * SLIDER_STEPS))

    def _from_slider(self, i: int) -> float:
        t = i / SLIDER_STEPS
        if self._log:
            v = 10 ** (math.log10(self._lo) + t * (math.log10(self._hi) - math.log10(self._lo)))
            return float(f"{v:.3g}")  # round numbers read better on a projector
        return float(f"{self._lo + t * (self._hi - self._lo):.4g}")

    def set_value(self, v: float) -> None:
        for w in (self.slider, self.spin):
            w.blockSignals(True)
        self.spin.setValue(float(v))
        self.slider.setValue(self._to_slider(float(v)))
        for w in (self.slider, self.spin):
            w.blockSignals(False)

    def value(self) -> float:
        return float(self.spin.value())

    def _on_slider_changed(self, i: int) -> None:
        self.spin.blockSignals(True)
        self.spin.setValue(self._from_slider(i))
        self.spin.blockSignals(False)
        self.sigChanged.emit()

    def _on_spin_changed(self, v: float) -> None:
        self.slider.blockSignals(True)
        self.slider.setValue(self._to_slider(v))
        self.slider.blockSignals(False)
        self.sigChanged.emit()


class _PairControl(QWidget):
    """Two spin boxes (Adam's betas)."""

    sigChanged = Signal()

    def __init__(self, spec, parent=None):
        super().__init__(parent)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.spins = []
        for _ in range(2):
            s = SciSpinBox(spec.low, spec.high, False)
            s.setSingleStep(0.01)
            s.valueChanged.connect(self.sigChanged)
            lay.addWidget(s)
            self.spins.append(s)

    def set_value(self, v) -> None:
        for s, x in zip(self.spins, v):
            s.blockSignals(True)
            s.setValue(float(x))
            s.blockSignals(False)

    def value(self):
        return [float(s.value()) for s in self.spins]


class _BoolControl(QCheckBox):
    sigChanged = Signal()

    def __init__(self, spec, parent=None):
        super().__init__(parent)
        self.toggled.connect(self.sigChanged)

    def set_value(self, v) -> None:
        self.blockSignals(True)
        self.setChecked(bool(v))
        self.blockSignals(False)

    def value(self) -> bool:
        return self.isChecked()


class HParamEditor(QWidget):
    """Controls for every hyperparameter of one optimizer, validated as the user types.

    Learning rates and other ``log`` parameters get a log-scale slider plus a spin box.
    A value ``validate_hparams`` rejects is shown in red under the form and not applied:
    the last good values stay in force.

    Signals
    -------
    sigChanged(dict)
        The full, validated hyperparameter dict after a change by the user.
    """

    sigChanged = Signal(dict)

    def __init__(self, parent=None):
        super().__init__(parent)
        self._name = None
        self._controls: dict[str, QWidget] = {}
        self._good: dict = {}
        self.form = QFormLayout()
        self.form.setContentsMargins(0, 0, 0, 0)
        self.error = QLabel("")
        self.error.setWordWrap(True)
        style_error_label(self.error)  # not a style sheet: it dropped the panel's font
        self.error.hide()
        outer = QHBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        box = QWidget()
        from PySide6.QtWidgets import QVBoxLayout

        v = QVBoxLayout(box)
        v.setContentsMargins(0, 0, 0, 0)
        v.addLayout(self.form)
        v.addWidget(self.error)
        outer.addWidget(box)

    def set_optimizer(self, name: str, values: dict | None = None) -> dict:
        """Rebuild the form for optimizer ``name`` with ``values`` (defaults filled in); return them."""
        info = optimizer_info(name)
        while self.form.rowCount():
            self.form.removeRow(0)
        self._controls = {}
        self._name = name
        good = validate_hparams(name, **(values or {}))
        for key, spec in info.hparams.items():
            if spec.kind == "bool":
                ctl = _BoolControl(spec)
            elif spec.kind == "pair":
                ctl = _PairControl(spec)
            else:
                ctl = _FloatControl(spec)
            ctl.set_value(good[key])
            tip = f"{spec.help} Valid: {spec.range_text()}."
            ctl.setToolTip(tip)
            label = QLabel(key)
            label.setToolTip(tip)
            ctl.sigChanged.connect(self._on_control_changed)
            self.form.addRow(label, ctl)
            self._controls[key] = ctl
        self._good = dict(good)
        self.error.hide()
        return dict(good)

    def values(self) -> dict:
        """The last valid hyperparameters."""
        return dict(self._good)

    def _on_control_changed(self) -> None:
        raw = {k: c.value() for k, c in self._controls.items()}
        try:
            good = validate_hparams(self._name, **raw)
        except ValueError as exc:
            self.error.setText(str(exc))
            self.error.show()
            return
        self.error.hide()
        self._good = dict(good)
        self.sigChanged.emit(dict(good))
