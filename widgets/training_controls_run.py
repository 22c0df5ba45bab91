"""The run bar of the training page: play/pause, one epoch, reset, compare, lr range test, view options."""
from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QHBoxLayout, QPushButton, QWidget

from widgets.theme import LIGHT, Theme


class RunBar(QWidget):
    """Buttons that drive a run, and the options of the curves and decision views.

    Signals
    -------
    sigPlay(), sigPause(), sigEpoch(), sigReset(), sigCompare(), sigLrRange()
        The buttons.
    sigXMode(str)
        Curves against "epoch", "iteration" or "examples".
    sigLogY(bool), sigShowTest(bool)
        View options.
    """

    sigPlay = Signal()
    sigPause = Signal()
    sigEpoch = Signal()
    sigReset = Signal()
    sigCompare = Signal()
    sigLrRange = Signal()
    sigXMode = Signal(str)
    sigLogY = Signal(bool)
    sigShowTest = Signal(bool)

    def __init__(self, theme: Theme = LIGHT, parent=None):
        super().__init__(parent)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.play = QPushButton("▶ Play")
        self.play.setToolTip("Train (or continue a paused run).")
        self.play.clicked.connect(self._on_play_clicked)
        self.epoch = QPushButton("+1 epoch")
        self.epoch.setToolTip("Train exactly one more epoch, then pause.")
        self.epoch.clicked.connect(self.sigEpoch)
        self.reset = QPushButton("Reset")
        self.reset.setToolTip("Stop, and start over from a freshly initialized network.")
        self.reset.clicked.connect(self.sigReset)
        self.compare = QPushButton("Keep as ghost")
        self.compare.setToolTip("Keep this run's curves (dashed) to compare with the next run; change one setting and press Play.")
        self.compare.clicked.connect(self.sigCompare)
        self.lr_range = QPushButton("LR range test")
        self.lr_range.setToolTip("Train briefly while the learning rate grows exponentially: pick an lr a bit below the bottom of the U.")
        self.lr_range.clicked.connect(self.sigLrRange)
        self.x_mode = QComboBox()
        for text, data in (("x: epochs", "epoch"), ("x: iterations", "iteration"), ("x: examples", "examples")):
            self.x_mode.addItem(text, data)
        self.x_mode.setToolTip("What the curves' horizontal axis counts.")
        self.x_mode.currentIndexChanged.connect(lambda _i: self.sigXMode.emit(self.x_mode.currentData()))
        self.log_y = QCheckBox("log loss")
        self.log_y.setToolTip("Logarithmic loss axis: late progress and divergence read better.")
        self.log_y.toggled.connect(self.sigLogY)
        self.show_test = QCheckBox("held-out points")
        self.show_test.setChecked(True)
        self.show_test.setToolTip("Show the validation and test points (rings) the network never trains on.")
        self.show_test.toggled.connect(self.sigShowTest)
        for w in (self.play, self.epoch, self.reset, self.compare, self.lr_range):
            lay.addWidget(w)
        lay.addStretch(1)
        for w in (self.x_mode, self.log_y, self.show_test):
            lay.addWidget(w)
        self._running = False
        self.set_theme(theme)

    def set_running(self, running: bool) -> None:
        """Show Pause while training runs, Play otherwise."""
        self._running = bool(running)
        self.play.setText("❚❚ Pause" if running else "▶ Play")

    def _on_play_clicked(self) -> None:
        (self.sigPause if self._running else self.sigPlay).emit()

    def set_theme(self, theme: Theme) -> None:
        """Use the theme's font size."""
        font = self.font()
        font.setPointSize(theme.font_pt - 1)
        self.setFont(font)
