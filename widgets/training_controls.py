"""Every knob of a training run, grouped as the lectures group them.

Data, architecture, initialization, optimization and regularization each get a box. The panel
keeps a dict of :class:`core.training.config.TrainConfig` field values and emits
``sigChanged(field, value)`` for every valid edit; the page decides whether the running
training takes the change live (babysitting) or must restart.
"""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QFileDialog, QFormLayout, QGridLayout, QGroupBox,
                               QHBoxLayout, QLabel, QPushButton, QScrollArea, QSlider, QSpinBox, QVBoxLayout,
                               QWidget)

from core.training import config as cfg
from core.training.augment import parse_augment
from widgets.theme import LIGHT, Theme
from widgets.training_controls_fields import CheckedDoubleSpinBox, CheckedEdit, CheckedSpinBox, LogSlider

# Changes the running training can take without a restart ("babysitting").
LIVE_FIELDS = ("lr", "l1", "l2", "dropout", "augment")


def _optimizer_names() -> list[str]:
    try:
        from core.optim import list_optimizers

        return [n for n, _ in list_optimizers() if n != "newton"]  # newton needs a 2-D surface
    except ImportError:  # pragma: no cover - registry not installed
        return ["sgd", "adam", "rmsprop"]


def _parse_schedule(text: str):
    if not text or text == "none":
        return None
    from core.optim import parse_schedule

    parse_schedule(text)  # raises ValueError with the reason
    return text


def _parse_augment(text: str) -> str:
    parse_augment(text)
    return text


class TrainingControls(QScrollArea):
    """The control panel of the training page.

    Parameters
    ----------
    theme : Theme
        Fonts.

    Signals
    -------
    sigChanged(str, object)
        A TrainConfig field got a new valid value.
    sigDrawToggled(bool)
        "Draw points" switched on or off.
    sigClearPoints()
        The user wants an empty canvas.
    sigLoadCsv(str)
        A CSV file of x1,x2,label rows was chosen.
    sigInvalid(str)
        Bad input (shown in place; the page also shows it in its status line).
    """

    sigChanged = Signal(str, object)
    sigDrawToggled = Signal(bool)
    sigClearPoints = Signal()
    sigLoadCsv = Signal(str)
    sigInvalid = Signal(str)

    def __init__(self, theme: Theme = LIGHT, parent=None):
        super().__init__(parent)
        self._theme = theme
        self._values = cfg.TrainConfig().to_dict()
        self._updating = False
        self.setWidgetResizable(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        inner = QWidget()
        self._layout = QVBoxLayout(inner)
        self._layout.setContentsMargins(4, 4, 4, 4)
        self._build_data()
        self._build_architecture()
        self._build_init()
        self._build_optimization()
        self._build_regularization()
        self._layout.addStretch(1)
        self.setWidget(inner)
        self.set_theme(theme)

    # -- building ------------------------------------------------------------
    def _box(self, title: str) -> QFormLayout:
        box = QGroupBox(title)
        form = QFormLayout(box)
        form.setContentsMargins(6, 4, 6, 4)
        form.setFieldGrowthPolicy(QFormLayout.AllNonFixedFieldsGrow)
        self._layout.addWidget(box)
        return form

    def _combo(self, items, field: str, tip: str) -> QComboBox:
        box = QComboBox()
        for text, data in items:
            box.addItem(text, data)
        box.setToolTip(tip)
        box.currentIndexChanged.connect(lambda _i, f=field, b=box: self._emit(f, b.currentData()))
        return box

    def _spin(self, lo, hi, field: str, tip: str, step=1, decimals=None, name: str | None = None):
        name = name or field
        box = CheckedSpinBox(name) if decimals is None else CheckedDoubleSpinBox(name)
        box.sigInvalid.connect(self.sigInvalid)
        if decimals is not None:
            box.setDecimals(decimals)
        box.setRange(lo, hi)
        box.setSingleStep(step)
        box.setToolTip(tip)
        box.setKeyboardTracking(False)  # emit on Enter / arrows, not on every typed digit
        box.valueChanged.connect(lambda v, f=field: self._emit(f, v))
        return box

    def _edit(self, parse, field: str, tip: str) -> CheckedEdit:
        edit = CheckedEdit(parse)
        edit.setToolTip(tip)
        edit.sigValueChanged.connect(lambda v, f=field: self._emit(f, v))
        edit.sigInvalid.connect(self.sigInvalid)
        return edit

    def _build_data(self) -> None:
        f = self._box("Data")
        items = [(d, d) for d in cfg.CLASSIFICATION_DATASETS] + [(f"{d} (regression)", d) for d in cfg.REGRESSION_DATASETS]
        items.append(("your points / CSV", "user"))
        self.dataset = self._combo(items, "dataset", "The toy dataset to learn; 'your points' trains on the points you draw or load.")
        f.addRow("dataset", self.dataset)
        self.n = self._spin(10, 100000, "n", "How many points to generate (more data reduces variance).", step=100,
                           name="points")
        f.addRow("points", self.n)
        self.noise = self._spin(0.0, 5.0, "noise", "Gaussian noise added to the points (or to the target for regression).", step=0.05, decimals=2)
        f.addRow("noise", self.noise)
        self.classes = self._spin(2, 10, "classes", "Number of classes of the blobs dataset.")
        f.addRow("classes", self.classes)
        self.split = self._edit(cfg.parse_split, "split", "Train/validation/test percentages, e.g. 60/20/20; the model only learns from train.")
        f.addRow("split", self.split)
        feats = QWidget()
        lay = QHBoxLayout(feats)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        self.feature_boxes = {}
        for name in cfg.FEATURES:
            cb = QCheckBox(name.replace("sq", "²").replace("sin", "sin "))
            cb.setToolTip(f"Feed {name} to the network (hand-made features can replace hidden layers).")
            cb.toggled.connect(self._on_feature_toggled)
            self.feature_boxes[name] = cb
        grid = QGridLayout()
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(4)
        for i, cb in enumerate(self.feature_boxes.values()):
            grid.addWidget(cb, i // 3, i % 3)
        lay.addLayout(grid)
        f.addRow("features", feats)
        self.normalize = QCheckBox("standardize (train mean/std)")
        self.normalize.setToolTip("Subtract the training mean and divide by the training std, so every feature has the same scale.")
        self.normalize.toggled.connect(lambda v: self._emit("normalize", bool(v)))
        f.addRow("", self.normalize)
        self.regen = QPushButton("New sample")
        self.regen.setToolTip("Draw a fresh sample of the dataset (a new data seed), keeping everything else.")
        self.regen.clicked.connect(self._on_regen_clicked)
        self.data_seed = QLabel()
        row = QHBoxLayout()
        row.addWidget(self.regen)
        row.addWidget(self.data_seed, 1)
        f.addRow("", self._wrap(row))
        self.draw = QCheckBox("draw")
        self.draw.setToolTip("Click the decision plot to add points of the selected class to your own dataset.")
        self.draw.toggled.connect(self.sigDrawToggled)
        self.draw_class = QSpinBox()
        self.draw_class.setRange(0, 9)
        self.draw_class.setPrefix("class ")
        self.draw_class.setToolTip("Label of the points you click (0, 1, ...).")
        clear = QPushButton("Clear")
        clear.setToolTip("Remove every drawn point.")
        clear.clicked.connect(self.sigClearPoints)
        csv = QPushButton("CSV…")
        csv.setToolTip("Load points from a CSV file with columns x1,x2,label.")
        csv.clicked.connect(self._on_csv_clicked)
        row = QHBoxLayout()
        row.addWidget(self.draw)
        row.addWidget(self.draw_class, 1)
        f.addRow("your data", self._wrap(row))
        row = QHBoxLayout()
        row.addWidget(clear)
        row.addWidget(csv)
        f.addRow("", self._wrap(row))

    def _build_architecture(self) -> None:
        f = self._box("Architecture")
        self.layers = self._edit(cfg.parse_layers, "layers", "Hidden layer widths, e.g. 16,16; empty = logistic/linear regression.")
        f.addRow("hidden", self.layers)
        self.activation = self._combo([(a, a) for a in cfg.ACTIVATIONS], "activation", "Non-linearity of the hidden units (sigmoid saturates, ReLU can die).")
        f.addRow("activation", self.activation)
        self.batchnorm = self._combo([("off", None), ("before activation", "before"), ("after activation", "after")],
                                     "batchnorm", "Batch normalization standardizes each unit over the mini-batch, before or after the activation.")
        f.addRow("batch norm", self.batchnorm)

    def _build_init(self) -> None:
        f = self._box("Initialization")
        self.init = self._combo([(i, i) for i in cfg.INITS], "init", "How the weights start: Xavier keeps activations alive for tanh, He for ReLU.")
        self.init.currentIndexChanged.disconnect()
        self.init.currentIndexChanged.connect(self._on_init_changed)
        self.init_scale = CheckedDoubleSpinBox("init scale")
        self.init_scale.sigInvalid.connect(self.sigInvalid)
        self.init_scale.setDecimals(4)
        self.init_scale.setRange(-10, 10)
        self.init_scale.setSingleStep(0.01)
        self.init_scale.setKeyboardTracking(False)
        self.init_scale.setToolTip("The constant, std (normal) or bound (uniform) of the simple initializations.")
        self.init_scale.valueChanged.connect(self._on_init_changed)
        f.addRow("init", self.init)
        f.addRow("scale", self.init_scale)

    def _build_optimization(self) -> None:
        f = self._box("Optimization")
        self.optimizer = self._combo([(o, o) for o in _optimizer_names()], "optimizer", "The update rule (SGD, momentum, RMSprop, Adam...).")
        f.addRow("optimizer", self.optimizer)
        self.lr = LogSlider(1e-5, 10.0, 0.03, name="learning rate")
        self.lr.setToolTip("Learning rate (log scale): too small crawls, too large diverges to NaN; changes apply live.")
        self.lr.set_check(self._check_lr)
        self.lr.sigValueChanged.connect(lambda v: self._emit("lr", v))
        self.lr.sigInvalid.connect(self.sigInvalid)
        f.addRow("learning rate", self.lr)
        self.schedule = self._edit(_parse_schedule, "schedule", "Learning-rate schedule, e.g. cosine, step:step_size=10,gamma=0.5, warmup:steps=50+cosine; empty = constant.")
        self.schedule.setPlaceholderText("constant")
        f.addRow("schedule", self.schedule)
        self.schedule_per = self._combo([("per epoch", "epoch"), ("per iteration", "iteration")], "schedule_per",
                                        "Whether the schedule counts epochs or optimizer steps.")
        f.addRow("", self.schedule_per)
        self.batch_size = self._spin(0, 100000, "batch_size", "Examples per step: 1 = SGD, 0 = the whole training set (batch gradient descent).",
                                     name="batch size")
        self.batch_size.setSpecialValueText("full batch")
        f.addRow("batch size", self.batch_size)
        self.epochs = self._spin(1, 100000, "epochs", "Passes over the training set before the run stops.", step=10)
        f.addRow("epochs", self.epochs)

    def _build_regularization(self) -> None:
        f = self._box("Regularization")
        self.l1 = self._spin(0.0, 1.0, "l1", "L1 penalty λ₁·Σ|w|: pushes weights to exactly zero (sparse); applies live.", step=0.0005, decimals=4)
        f.addRow("L1", self.l1)
        self.l2 = self._spin(0.0, 1.0, "l2", "L2 penalty λ₂/2·Σw²: shrinks all weights smoothly; applies live.", step=0.0005, decimals=4)
        f.addRow("L2", self.l2)
        self.weight_decay = self._spin(0.0, 1.0, "weight_decay", "The optimizer's own weight decay (coupled = L2 in the gradient, decoupled = AdamW).",
                                       step=0.0005, decimals=4, name="weight decay")
        self.wd_kind = QLabel()
        row = QHBoxLayout()
        row.addWidget(self.weight_decay, 1)
        row.addWidget(self.wd_kind)
        f.addRow("weight decay", self._wrap(row))
        self.dropout = QSlider(Qt.Horizontal)
        self.dropout.setRange(0, 90)
        self.dropout.setToolTip("Drop probability p of each hidden unit in training (keep_prob = 1 − p); applies live.")
        self.dropout.valueChanged.connect(self._on_dropout_moved)
        self.keep_label = QLabel()
        f.addRow("dropout", self.dropout)
        f.addRow("", self.keep_label)
        self.augment = self._edit(_parse_augment, "augment", "Augment the training points, e.g. jitter:0.1,rotate:15,flipx; applies live.")
        self.augment.setPlaceholderText("none")
        f.addRow("augment", self.augment)
        self.early = QCheckBox("early stopping")
        self.early.setToolTip("Stop when validation loss has not improved for this many epochs and keep the best weights.")
        self.patience = CheckedSpinBox("patience")
        self.patience.sigInvalid.connect(self.sigInvalid)
        self.patience.setRange(1, 1000)
        self.patience.setPrefix("patience ")
        self.patience.setToolTip("Epochs without improvement of the validation loss before stopping.")
        self.early.toggled.connect(self._on_early_changed)
        self.patience.valueChanged.connect(self._on_early_changed)
        f.addRow("", self.early)
        f.addRow("", self.patience)

    @staticmethod
    def _wrap(layout) -> QWidget:
        w = QWidget()
        layout.setContentsMargins(0, 0, 0, 0)
        w.setLayout(layout)
        return w

    # -- values ----------------------------------------------------------------
    def values(self) -> dict:
        """The TrainConfig field values shown (a copy)."""
        return dict(self._values)

    def set_values(self, values: dict) -> None:
        """Show ``values`` (TrainConfig fields) without emitting ``sigChanged``."""
        self._values.update(values)
        v = self._values
        self._updating = True
        try:
            self._select(self.dataset, v["dataset"])
            self.n.setValue(int(v["n"]))
            self.noise.setValue(float(v["noise"]))
            self.classes.setValue(int(v["classes"]))
            self.split.set_text("/".join(f"{100 * x:g}" for x in cfg.parse_split(v["split"])))
            for name, cb in self.feature_boxes.items():
                cb.setChecked(name in v["features"])
            self.normalize.setChecked(bool(v["normalize"]))
            self.data_seed.setText(f"data seed {v['data_seed'] if v['data_seed'] is not None else v['seed']}")
            self.layers.set_text(",".join(str(w) for w in v["layers"]))
            act = v["activation"] if isinstance(v["activation"], str) else v["activation"][0]
            self._select(self.activation, cfg.parse_activation(act)[0])
            bn = v["batchnorm"] if not isinstance(v["batchnorm"], (list, tuple)) else v["batchnorm"][0]
            self._select(self.batchnorm, None if bn in (None, "none") else bn)
            name, scale = cfg.parse_init(v["init"]) if not v["init"].startswith("constant") or ":" in v["init"] else ("constant", 0.0)
            self._select(self.init, name)
            self.init_scale.setValue(scale if scale is not None else 0.0)
            self.init_scale.setEnabled(scale is not None)
            self._select(self.optimizer, v["optimizer"])
            self.lr.set_value(float(v["lr"]))
            self.schedule.set_text(v["schedule"] or "")
            self._select(self.schedule_per, v["schedule_per"])
            self.batch_size.setValue(int(v["batch_size"] or 0))
            self.epochs.setValue(int(v["epochs"]))
            self.l1.setValue(float(v["l1"]))
            self.l2.setValue(float(v["l2"]))
            self.weight_decay.setValue(float(v["weight_decay"] or 0.0))
            p = v["dropout"] if not isinstance(v["dropout"], (list, tuple)) else max(v["dropout"])
            self.dropout.setValue(int(round(100 * float(p))))
            self.augment.set_text(v["augment"] or "")
            self.early.setChecked(v["early_stopping"] is not None)
            self.patience.setValue(int(v["early_stopping"] or 10))
        finally:
            self._updating = False
        self._refresh_labels()

    @staticmethod
    def _select(box: QComboBox, data) -> None:
        i = box.findData(data)
        if i >= 0:
            box.setCurrentIndex(i)

    def _refresh_labels(self) -> None:
        from core.training.penalties import weight_decay_kind

        kind = weight_decay_kind(self._values["optimizer"], self._values.get("hparams"))
        self.wd_kind.setText(kind)
        self.weight_decay.setEnabled(kind != "none")
        p = self.dropout.value() / 100
        self.keep_label.setText(f"p={p:.2f}, keep_prob={1 - p:.2f}")
        self.classes.setEnabled(self._values["dataset"] == "blobs")
        self.n.setEnabled(self._values["dataset"] != "user")

    def _emit(self, field: str, value) -> None:
        if self._updating:
            return
        if field == "batch_size":
            value = None if not value else int(value)
        self._values[field] = value
        self._refresh_labels()
        self.sigChanged.emit(field, value)

    # -- slots -----------------------------------------------------------------
    def _check_lr(self, lr: float) -> None:
        """The optimizer's own range for lr (what the trainer would refuse at Play), lr > 0."""
        from core.optim import optimizer_info

        try:
            spec = optimizer_info(self._values["optimizer"]).hparams.get("lr")
        except ValueError:
            return
        if spec is not None and not 0 < lr <= spec.high:
            raise ValueError(f"learning rate must be in (0, {spec.high:g}] for {self._values['optimizer']}, got {lr:g}")

    def _on_feature_toggled(self, _on: bool) -> None:
        if self._updating:
            return
        feats = tuple(n for n, cb in self.feature_boxes.items() if cb.isChecked())
        if not feats:
            # The last one stays on, and its box says so: training still uses it.
            kept = [n for n in self._values["features"] if n in self.feature_boxes] or [next(iter(self.feature_boxes))]
            for n in kept:
                box = self.feature_boxes[n]
                box.blockSignals(True)
                box.setChecked(True)
                box.blockSignals(False)
            self.sigInvalid.emit(f"features: keep at least one input feature ({', '.join(kept)} is still used)")
            return
        self._emit("features", feats)

    def _on_regen_clicked(self) -> None:
        v = self._values
        seed = (v["data_seed"] if v["data_seed"] is not None else v["seed"]) + 1
        self.data_seed.setText(f"data seed {seed}")
        self._emit("data_seed", seed)

    def _on_csv_clicked(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Load points", "", "CSV (*.csv *.txt)")
        if path:
            self.sigLoadCsv.emit(path)

    def _on_init_changed(self, *_args) -> None:
        name = self.init.currentData()
        takes = name in ("constant", "normal", "uniform")
        self.init_scale.setEnabled(takes)
        if takes and self.init_scale.value() == 0 and name != "constant":
            self.init_scale.blockSignals(True)
            self.init_scale.setValue({"normal": 0.01, "uniform": 0.05}[name])
            self.init_scale.blockSignals(False)
        self._emit("init", f"{name}:{self.init_scale.value():g}" if takes else name)

    def _on_dropout_moved(self, pos: int) -> None:
        self._emit("dropout", pos / 100)

    def _on_early_changed(self, *_args) -> None:
        self._emit("early_stopping", self.patience.value() if self.early.isChecked() else None)

    def set_theme(self, theme: Theme) -> None:
        """Use the theme's font size (readable on a projector)."""
        self._theme = theme
        font = self.font()
        font.setPointSize(theme.font_pt - 2)
        self.setFont(font)
