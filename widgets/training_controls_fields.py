"""Small input widgets of the training controls: a log-scale slider, checked text and number fields.

Bad input is shown on the field itself (:func:`mark_field`: a tinted background and the reason in
its tooltip) and through a ``sigInvalid(message)`` signal whose message names the field and its
allowed range. The field keeps its last valid value.
"""
from __future__ import annotations

import math
import re

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QValidator
from PySide6.QtWidgets import QDoubleSpinBox, QHBoxLayout, QLineEdit, QSlider, QSpinBox, QWidget

from widgets.field_errors import field_error, mark_field

# What a number can look like while it is being typed ("1e", "-", "2.") or when it is complete.
_NUMBER_LIKE = re.compile(r"^\s*[+-]?[0-9]*[.,]?[0-9]*([eE][+-]?[0-9]*)?\s*$")


class LogSlider(QWidget):
    """A slider over a log scale with an editable value beside it (for the learning rate).

    Parameters
    ----------
    low, high : float
        Range of the value (both positive); the slider moves in equal ratios.
    value : float
        Initial value.

    Signals
    -------
    sigValueChanged(float)
        The value changed (slider released or text confirmed).
    sigInvalid(str)
        Typed text that is not a number in the allowed range (the value is kept).

    The typed value may go beyond the slider (up to what :meth:`set_check` allows): a learning
    rate of 50 that diverges is worth showing.
    """

    sigValueChanged = Signal(float)
    sigInvalid = Signal(str)
    _TICKS = 300

    def __init__(self, low: float, high: float, value: float, parent=None, name: str = "value"):
        super().__init__(parent)
        self._lo, self._hi = math.log10(low), math.log10(high)
        self._value = float(value)
        self._name = name
        self._tip = ""
        self._check = None
        self.slider = QSlider(Qt.Horizontal)
        self.slider.setRange(0, self._TICKS)
        self.edit = QLineEdit()
        self.edit.setFixedWidth(64)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.slider, 1)
        lay.addWidget(self.edit)
        self.set_value(value)
        self.slider.valueChanged.connect(self._on_slider_moved)
        self.slider.sliderReleased.connect(self._on_slider_released)
        self.edit.editingFinished.connect(self._on_edit_finished)

    def value(self) -> float:
        """The current value."""
        return self._value

    def set_value(self, value: float) -> None:
        """Set the value without emitting ``sigValueChanged``."""
        self._value = float(value)
        t = (math.log10(max(value, 1e-300)) - self._lo) / (self._hi - self._lo)
        self.slider.blockSignals(True)
        self.slider.setValue(int(round(min(max(t, 0.0), 1.0) * self._TICKS)))
        self.slider.blockSignals(False)
        self.edit.setText(f"{value:.3g}")
        mark_field(self.edit, None, self._tip)

    def setToolTip(self, tip: str) -> None:  # noqa: N802 - Qt override: the help stays under an error
        self._tip = tip
        super().setToolTip(tip)
        self.slider.setToolTip(tip)
        mark_field(self.edit, field_error(self.edit) or None, tip)

    def set_check(self, check) -> None:
        """Also check typed values with ``check(value)``, which raises ValueError with the reason."""
        self._check = check

    def _slider_to_value(self) -> float:
        v = 10 ** (self._lo + (self._hi - self._lo) * self.slider.value() / self._TICKS)
        return float(f"{v:.2g}")  # round numbers read better on a projector

    def _on_slider_moved(self, _pos: int) -> None:
        self.edit.setText(f"{self._slider_to_value():.3g}")
        if not self.slider.isSliderDown():  # keyboard or click: commit at once
            self._commit(self._slider_to_value())

    def _on_slider_released(self) -> None:
        self._commit(self._slider_to_value())

    def _on_edit_finished(self) -> None:
        text = self.edit.text().strip()
        try:
            try:
                v = float(text)
            except ValueError:
                raise ValueError(f"{self._name} must be a positive number such as 0.003, got {text!r}") from None
            if not (math.isfinite(v) and v > 0):
                raise ValueError(f"{self._name} must be a positive number such as 0.003, got {text}")
            if self._check is not None:
                self._check(v)
        except ValueError as exc:
            mark_field(self.edit, str(exc), self._tip)
            self.sigInvalid.emit(str(exc))
            return
        mark_field(self.edit, None, self._tip)
        if v != self._value:
            self.set_value(v)
            self.sigValueChanged.emit(v)

    def _commit(self, v: float) -> None:
        mark_field(self.edit, None, self._tip)  # the slider's value replaces a refused text
        if v != self._value:
            self._value = v
            self.edit.setText(f"{v:.3g}")
            self.sigValueChanged.emit(v)


class CheckedEdit(QLineEdit):
    """A text field parsed on Enter or focus-out; bad input is outlined and explained in place.

    Parameters
    ----------
    parse : callable
        ``text -> value``; raises ``ValueError`` with a message for bad input.
    text : str
        Initial text.

    Signals
    -------
    sigValueChanged(object)
        A new valid value. On bad input the previous value is kept and ``sigInvalid`` says why.
    sigInvalid(str)
        The error message.
    """

    sigValueChanged = Signal(object)
    sigInvalid = Signal(str)

    def __init__(self, parse, text: str = "", parent=None):
        super().__init__(text, parent)
        self._parse = parse
        self._tip = ""
        self._last = text
        self.editingFinished.connect(self._on_self_editing_finished)

    def setToolTip(self, tip: str) -> None:  # noqa: N802 - Qt override keeps the help under the error
        self._tip = tip
        super().setToolTip(tip)

    def set_text(self, text: str) -> None:
        """Set the text without emitting."""
        self._last = text
        self.setText(text)
        self._mark(None)

    def error(self) -> str:
        """The error shown on the field ("" when its text is valid)."""
        return field_error(self)

    def _mark(self, error: str | None) -> None:
        mark_field(self, error, self._tip)

    def _on_self_editing_finished(self) -> None:
        text = self.text().strip()
        if text == self._last:
            self._mark(None)
            return
        try:
            value = self._parse(text)
        except ValueError as exc:
            self._mark(str(exc))
            self.sigInvalid.emit(str(exc))
            return
        self._last = text
        self._mark(None)
        self.sigValueChanged.emit(value)


class _CheckedSpinMixin:
    """Typed numbers outside the range are explained, not silently refused.

    A plain spin box drops a key that would leave its range ("1e6" in a 0-5 box loses the "e")
    and, on Enter, quietly puts the old value back. Here such text is let through while typing;
    on Enter or focus-out the old value is kept, the field is marked and ``sigInvalid`` names the
    field and its range. The concrete classes declare ``sigInvalid(str)``.
    """

    def _init_checked(self, name: str) -> None:
        self._name = name
        self._tip = ""
        self._rejected: str | None = None
        self.editingFinished.connect(self._on_self_editing_finished)
        self.valueChanged.connect(self._on_self_value_changed)

    def setToolTip(self, tip: str) -> None:  # noqa: N802 - Qt override: the help stays under an error
        self._tip = tip
        mark_field(self, field_error(self) or None, tip)

    def error(self) -> str:
        """The error shown on the field ("" when none)."""
        return field_error(self)

    def range_text(self) -> str:
        """The allowed range as text, e.g. ``[0, 5]``."""
        return f"[{self.minimum():g}, {self.maximum():g}]"

    def validate(self, text: str, pos: int):  # noqa: D102 - Qt override
        state = super().validate(text, pos)
        if state[0] == QValidator.Invalid and _NUMBER_LIKE.match(text):
            return (QValidator.Intermediate, text, pos)
        return state

    def fixup(self, text: str):  # noqa: D102 - Qt override: called on Enter / focus-out with bad text
        self._rejected = text.strip()
        return super().fixup(text)

    def _on_self_editing_finished(self) -> None:
        if self._rejected is None:
            mark_field(self, None, self._tip)
            return
        text, self._rejected = self._rejected, None
        message = f"{self._name} must be a number in {self.range_text()}, got {text}"
        mark_field(self, message, self._tip)
        self.sigInvalid.emit(message)

    def _on_self_value_changed(self, _value) -> None:
        self._rejected = None
        mark_field(self, None, self._tip)


class CheckedSpinBox(_CheckedSpinMixin, QSpinBox):
    """A QSpinBox that explains typed values outside its range (see ``_CheckedSpinMixin``)."""

    sigInvalid = Signal(str)

    def __init__(self, name: str = "value", parent=None):
        super().__init__(parent)
        self._init_checked(name)


class CheckedDoubleSpinBox(_CheckedSpinMixin, QDoubleSpinBox):
    """A QDoubleSpinBox that explains typed values outside its range (see ``_CheckedSpinMixin``)."""

    sigInvalid = Signal(str)

    def __init__(self, name: str = "value", parent=None):
        super().__init__(parent)
        self._init_checked(name)
