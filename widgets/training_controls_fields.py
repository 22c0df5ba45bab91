"""Small input widgets of the training controls: a log-scale slider and a checked text field."""
from __future__ import annotations

import math

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLineEdit, QSlider, QWidget


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
    """

    sigValueChanged = Signal(float)
    _TICKS = 300

    def __init__(self, low: float, high: float, value: float, parent=None):
        super().__init__(parent)
        self._lo, self._hi = math.log10(low), math.log10(high)
        self._value = float(value)
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
        self.edit.setStyleSheet("")

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
        try:
            v = float(self.edit.text())
            if not (math.isfinite(v) and v > 0):
                raise ValueError
        except ValueError:
            self.edit.setStyleSheet("border: 2px solid #D55E00;")
            self.edit.setToolTip("Type a positive number, e.g. 0.003")
            return
        self.edit.setStyleSheet("")
        if v != self._value:
            self.set_value(v)
            self.sigValueChanged.emit(v)

    def _commit(self, v: float) -> None:
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

    def _mark(self, error: str | None) -> None:
        self.setStyleSheet("border: 2px solid #D55E00;" if error else "")
        super().setToolTip(f"{error}\n\n{self._tip}" if error else self._tip)

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
