"""Play / pause, single steps, reset, speed and a timeline to scrub through computed steps."""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSlider, QSpinBox, QWidget

from widgets.theme import LIGHT, Theme


class PlaybackBar(QWidget):
    """Transport controls for a race.

    Signals
    -------
    sigPlayToggled(bool)
        Play (True) or pause (False).
    sigStep(int)
        Move by +1 or -1 step.
    sigReset()
        Back to step 0 (the start point).
    sigSpeedChanged(int)
        Steps advanced per drawn frame.
    sigScrubbed(int)
        The user dragged the timeline to this step.
    """

    sigPlayToggled = Signal(bool)
    sigStep = Signal(int)
    sigReset = Signal()
    sigSpeedChanged = Signal(int)
    sigScrubbed = Signal(int)

    def __init__(self, theme: Theme = LIGHT, parent=None):
        super().__init__(parent)
        self.play_button = QPushButton("▶ Play")
        self.play_button.setCheckable(True)
        self.play_button.setToolTip("Run the race, or pause it (space).")
        self.play_button.setShortcut(Qt.Key_Space)
        self.back_button = QPushButton("◀ Step")
        self.back_button.setToolTip("Go back one step (left arrow).")
        self.back_button.setShortcut(Qt.Key_Left)
        self.step_button = QPushButton("Step ▶")
        self.step_button.setToolTip("Advance every racer by one step (right arrow).")
        self.step_button.setShortcut(Qt.Key_Right)
        self.reset_button = QPushButton("⟲ Reset")
        self.reset_button.setToolTip("Back to the start point, step 0.")
        self.speed = QSpinBox()
        self.speed.setRange(1, 100)
        self.speed.setValue(1)
        self.speed.setPrefix("speed ")
        self.speed.setSuffix(" /frame")
        self.speed.setToolTip("How many optimizer steps each drawn frame advances.")
        self.timeline = QSlider(Qt.Horizontal)
        self.timeline.setRange(0, 0)
        self.timeline.setToolTip("Scrub through the steps computed so far.")
        self.step_label = QLabel("step 0")
        self._fix_label_size()
        lay = QHBoxLayout(self)
        lay.setContentsMargins(4, 2, 4, 2)
        for w in (self.play_button, self.back_button, self.step_button, self.reset_button, self.speed):
            lay.addWidget(w)
        lay.addWidget(self.timeline, 1)
        lay.addWidget(self.step_label)
        self.play_button.toggled.connect(self._on_play_button_toggled)
        self.back_button.clicked.connect(lambda: self.sigStep.emit(-1))
        self.step_button.clicked.connect(lambda: self.sigStep.emit(1))
        self.reset_button.clicked.connect(self.sigReset)
        self.speed.valueChanged.connect(self.sigSpeedChanged)
        self.timeline.sliderMoved.connect(self.sigScrubbed)
        self.set_theme(theme)

    def set_playing(self, playing: bool) -> None:
        """Show the play state without emitting ``sigPlayToggled``."""
        self.play_button.blockSignals(True)
        self.play_button.setChecked(playing)
        self.play_button.setText("❚❚ Pause" if playing else "▶ Play")
        self.play_button.blockSignals(False)

    def set_speed(self, n: int) -> None:
        """Show the playback speed (steps a frame) without emitting ``sigSpeedChanged``."""
        self.speed.blockSignals(True)
        self.speed.setValue(int(n))
        self.speed.blockSignals(False)

    def set_position(self, step: int, computed: int, total: int) -> None:
        """Show the current step and how far the timeline reaches (steps computed so far)."""
        self.timeline.blockSignals(True)
        self.timeline.setRange(0, max(computed, 0))
        if not self.timeline.isSliderDown():
            self.timeline.setValue(step)
        self.timeline.blockSignals(False)
        self.step_label.setText(f"step {step} / {total}")

    def set_theme(self, theme: Theme) -> None:
        """Use ``theme``'s font size."""
        font = QFont()
        font.setPointSize(theme.font_pt)
        self.setFont(font)
        self._fix_label_size()

    def _fix_label_size(self) -> None:
        # Fixed width AND height: a label whose text changes posts a layout request up to the page on
        # every frame unless its minimum and maximum sizes are equal (a relayout of the whole page
        # on every playing frame).
        fm = self.step_label.fontMetrics()
        self.step_label.setFixedSize(fm.horizontalAdvance("step 100000 / 100000") + 8,
                                     max(fm.height() + 4, self.step_label.sizeHint().height()))

    def _on_play_button_toggled(self, on: bool) -> None:
        self.play_button.setText("❚❚ Pause" if on else "▶ Play")
        self.sigPlayToggled.emit(on)
