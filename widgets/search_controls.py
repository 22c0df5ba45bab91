"""The search page's controls: method, trials, objective, pruner, seed, study and storage, the buttons
Start, Cancel and Resume, and the progress bar. Every field has a one-sentence tool tip; the page
binds them to its model.
"""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QComboBox, QFormLayout, QHBoxLayout, QLabel, QLineEdit, QProgressBar, QPushButton,
                               QSpinBox, QVBoxLayout, QWidget)

from widgets.theme import LIGHT, Theme

METHOD_TIPS = {
    "grid": "Every combination of the knobs' grid values, once each: the grid's size is the product of their points.",
    "random": "Independent random points: uniform on a linear range, log-uniform on a log range.",
    "coarse-to-fine": "Rounds of random points, each round in a box shrunk around the best trials so far.",
    "tpe": "Tree-structured Parzen Estimator: samples where the density of good trials beats that of the rest.",
    "bayes": "Bayesian optimization: a Gaussian-process surrogate and expected improvement pick each next point.",
}


class SearchControls(QWidget):
    """The fields and buttons of a search (no search engine here: the page reads and sets them).

    Signals
    -------
    sigStart(), sigCancel(), sigResume(), sigAround()
        The buttons Start, Cancel, Resume and "Search around this".
    sigEdited(str)
        A field changed (its name: method, trials, objective, pruner, sampler_seed, startup_trials,
        study, storage).
    """

    sigStart = Signal()
    sigCancel = Signal()
    sigResume = Signal()
    sigAround = Signal()
    sigEdited = Signal(str)

    def __init__(self, methods, objectives, pruners, theme: Theme = LIGHT, parent=None):
        super().__init__(parent)
        self.method = QComboBox()
        for m in methods:
            self.method.addItem(m)
            self.method.setItemData(self.method.count() - 1, METHOD_TIPS.get(m, m), Qt.ToolTipRole)
        self.method.setToolTip("The sampler that picks each trial's knob values.")
        self.trials = QSpinBox()
        self.trials.setRange(0, 10_000)
        self.trials.setSpecialValueText("whole grid")
        self.trials.setToolTip("How many trials the study holds in all (a resumed study runs the rest).")
        self.objective = QComboBox()
        self.objective.addItems(list(objectives))
        self.objective.setToolTip("What a trial is scored by on the validation split: loss (lower) or accuracy (higher).")
        self.pruner = QComboBox()
        self.pruner.addItems(list(pruners))
        self.pruner.setToolTip("Stop poor trials early from their epoch-by-epoch values (median or successive halving).")
        self.seed = QSpinBox()
        self.seed.setRange(0, 2**31 - 1)
        self.seed.setToolTip("Seed of the sampler: the same seed draws the same trials.")
        self.startup = QSpinBox()
        self.startup.setRange(0, 1000)
        self.startup.setSpecialValueText("Optuna's 10")
        self.startup.setToolTip("tpe and bayes: how many random trials come before the model chooses "
                                "(2 shows the surrogate after 2 evaluations).")
        self.study = QLineEdit()
        self.study.setToolTip("The study's name in the storage: Resume continues the study of this name.")
        self.storage = QLineEdit()
        self.storage.setPlaceholderText("default: search.db in the home folder")
        self.storage.setToolTip("Where the study is kept: empty for the home folder's SQLite file, or an "
                                "sqlite:/// or journal: URL.")
        form = QFormLayout()
        form.setContentsMargins(0, 0, 0, 0)
        form.setVerticalSpacing(2)
        for label, w in (("method", self.method), ("trials", self.trials), ("objective", self.objective),
                         ("pruner", self.pruner), ("sampler seed", self.seed),
                         ("start-up trials", self.startup), ("study", self.study),
                         ("storage", self.storage)):
            form.addRow(label, w)
        self.start_button = QPushButton("Start")
        self.start_button.setToolTip("Run a new study of this name from its first trial.")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop the search; every finished trial stays in the study.")
        self.resume_button = QPushButton("Resume")
        self.resume_button.setToolTip("Continue the stored study of this name up to its number of trials.")
        self.around_button = QPushButton("Search around this")
        self.around_button.setToolTip("Take the training page's current settings as the fixed set-up and "
                                      "centre the ranges on its values.")
        buttons = QHBoxLayout()
        buttons.setSpacing(4)
        for b in (self.start_button, self.cancel_button, self.resume_button):
            buttons.addWidget(b)
        self.grid_label = QLabel("")
        self.grid_label.setWordWrap(True)  # "coarse-to-fine: N trials from the space" is wider than the column
        self.grid_label.setToolTip("How many points a grid search of this space trains: the product of "
                                   "every knob's number of values.")
        self.progress = QProgressBar()
        self.progress.setTextVisible(True)
        self.progress.setFormat("no trials yet")
        self.progress.setToolTip("Trials done of the study's total, the best value so far and the time left.")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(4)
        outer.addLayout(form)
        outer.addWidget(self.grid_label)
        outer.addLayout(buttons)
        outer.addWidget(self.around_button)
        outer.addWidget(self.progress)
        self.start_button.clicked.connect(self.sigStart)
        self.cancel_button.clicked.connect(self.sigCancel)
        self.resume_button.clicked.connect(self.sigResume)
        self.around_button.clicked.connect(self.sigAround)
        self.method.currentTextChanged.connect(lambda _t: self.sigEdited.emit("method"))
        self.objective.currentTextChanged.connect(lambda _t: self.sigEdited.emit("objective"))
        self.pruner.currentTextChanged.connect(lambda _t: self.sigEdited.emit("pruner"))
        self.trials.valueChanged.connect(lambda _v: self.sigEdited.emit("trials"))
        self.seed.valueChanged.connect(lambda _v: self.sigEdited.emit("sampler_seed"))
        self.startup.valueChanged.connect(lambda _v: self.sigEdited.emit("startup_trials"))
        self.study.editingFinished.connect(lambda: self.sigEdited.emit("study"))
        self.storage.editingFinished.connect(lambda: self.sigEdited.emit("storage"))
        self.set_theme(theme)

    def set_theme(self, theme: Theme) -> None:
        """Text at the theme's size."""
        font = self.font()
        font.setPointSize(max(theme.font_pt - 2, 9))
        self.setFont(font)

    def set_values(self, method: str, trials: int, objective: str, pruner: str, seed: int, study: str,
                   storage: str, startup: int = 0) -> None:
        """Show the model's settings (no signals)."""
        fields = (self.method, self.trials, self.objective, self.pruner, self.seed, self.startup, self.study,
                  self.storage)
        for w in fields:
            w.blockSignals(True)
        self.method.setCurrentText(method)
        self.trials.setValue(int(trials))
        self.objective.setCurrentText(objective)
        self.pruner.setCurrentText(pruner)
        self.seed.setValue(int(seed))
        self.startup.setValue(int(startup))
        self.study.setText(study)
        self.storage.setText(storage)
        for w in fields:
            w.blockSignals(False)

    def set_running(self, running: bool) -> None:
        """Enable the buttons and fields that make sense while a search runs or not."""
        for w in (self.start_button, self.resume_button, self.around_button, self.method, self.trials,
                  self.objective, self.pruner, self.seed, self.startup, self.study, self.storage):
            w.setEnabled(not running)
        self.cancel_button.setEnabled(running)

    def set_progress(self, done: int, total: int, text: str) -> None:
        """The bar at ``done`` of ``total`` with ``text`` written on it."""
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(min(done, max(total, 1)))
        self.progress.setFormat(text)
