"""The run bar of the training page: play/pause, one epoch, reset, compare, lr range test, speed, view options."""
from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QHBoxLayout, QProgressBar, QPushButton, QWidget

from widgets.theme import LIGHT, Theme

# (label, epochs per second; 0 = as fast as the trainer goes). The last is slow motion.
SPEEDS = (("speed: max", 0.0), ("10 epochs/s", 10.0), ("3 epochs/s", 3.0), ("1 epoch/s", 1.0),
          ("slow motion", 0.25))


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
    sigSpeed(object)
        Epochs per second to train at, or None for as fast as possible.
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
    sigSpeed = Signal(object)

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
        self.speed = QComboBox()
        for text, eps in SPEEDS:
            self.speed.addItem(text, eps)
        self.speed.setToolTip("How many epochs a second to train: slow it down to watch and explain each step.")
        self.speed.currentIndexChanged.connect(lambda _i: self.sigSpeed.emit(self.speed.currentData() or None))
        # Busy while the trainer starts (its first epoch can take a second or two to arrive).
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)
        self.busy.setTextVisible(False)
        self.busy.setFixedWidth(80)
        self.busy.setToolTip("The trainer is starting: the first epoch is on its way.")
        keep = self.busy.sizePolicy()
        keep.setRetainSizeWhenHidden(True)  # showing it never re-lays out the bar
        self.busy.setSizePolicy(keep)
        self.busy.hide()
        for w in (self.play, self.epoch, self.reset, self.compare, self.lr_range, self.speed, self.busy):
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

    def set_busy(self, busy: bool) -> None:
        """Show (or hide) the busy bar: work is under way but nothing has arrived yet."""
        self.busy.setVisible(bool(busy))

    def set_speed(self, eps) -> None:
        """Show the speed ``eps`` (epochs per second, None = max) without emitting ``sigSpeed``."""
        i = next((k for k, (_t, v) in enumerate(SPEEDS) if v == float(eps or 0.0)), -1)
        if i < 0:
            return
        self.speed.blockSignals(True)
        self.speed.setCurrentIndex(i)
        self.speed.blockSignals(False)

    def _on_play_clicked(self) -> None:
        (self.sigPause if self._running else self.sigPlay).emit()

    def set_theme(self, theme: Theme) -> None:
        """Use the theme's font size."""
        font = self.font()
        font.setPointSize(theme.font_pt - 1)
        self.setFont(font)
        # Play becomes "❚❚ Pause" while training: as wide as the wider text from the start, or the
        # page (and the window's minimum) widened when a run began.
        widths = []
        for text in ("▶ Play", "❚❚ Pause"):
            self.play.setText(text)
            widths.append(self.play.sizeHint().width())
        self.set_running(self._running)
        self.play.setMinimumWidth(max(widths))
