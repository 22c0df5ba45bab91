"""Every knob of a training run in one picklable dataclass, plus the parsers for its text forms.

The CLI and the training page both build a :class:`TrainConfig`; the trainer only reads it.
Values that the user types as text (``"60/20/20"``, ``"relu,tanh"``, ``"0.2,0.5"``) have a parser
here so the GUI and the CLI accept exactly the same spelling.
"""
from __future__ import annotations

import dataclasses
import math
import numbers
from dataclasses import dataclass, field

from .augment import parse_augment

CLASSIFICATION_DATASETS = ("circles", "xor", "gaussian", "spiral", "moons", "blobs")
REGRESSION_DATASETS = ("plane", "multigauss", "sine")
DATASETS = CLASSIFICATION_DATASETS + REGRESSION_DATASETS
FEATURES = ("x1", "x2", "x1sq", "x2sq", "x1x2", "sinx1", "sinx2")
ACTIVATIONS = ("sigmoid", "tanh", "relu", "leaky-relu", "elu", "prelu", "gelu", "silu", "linear")
RELU_FAMILY = ("relu", "leaky-relu", "prelu")
INITS = ("default", "zeros", "constant", "normal", "uniform", "xavier-uniform", "xavier-normal",
         "he-uniform", "he-normal", "lecun-normal", "orthogonal", "lsuv")
LOSSES = ("auto", "bce", "ce", "mse", "mae", "huber")
BATCHNORM = (None, "before", "after")
LAST_BATCH = ("auto", "keep", "merge", "drop")
EARLY_METRICS = ("val_loss", "val_acc")
# A run whose network needs more than this (weights, gradients, Adam's two moments and the
# activations of its largest forward pass) is refused before anything is allocated: torch would
# otherwise fail inside a step with an allocator error, or swap the machine to a halt.
MEMORY_LIMIT_BYTES = 2_000_000_000


@dataclass
class TrainConfig:
    """Configuration of one training run (all plain Python values: picklable, comparable).

    Data
    ----
    dataset : one of ``DATASETS`` or ``"user"`` (then ``points`` or ``csv_path`` holds the data).
    n, noise : number of generated points and noise level (std of Gaussian noise in data units;
        for regression sets it is added to the target).
    classes : number of classes of ``blobs`` (3-5).
    points : user points ``[(x1, x2, label), ...]``; csv_path : a CSV ``x1,x2,label`` file.
    task : ``"auto"`` (from the dataset), ``"classification"`` or ``"regression"`` (user data).
    split : (train, val, test) fractions, summing to 1.
    data_seed : seed of the generated points and of the split (``None``: ``seed``). Changing it
        regenerates the data without touching initialization or batch order.
    features : input features computed from (x1, x2), a subset of ``FEATURES``.
    normalize : standardize features with the mean/std of the TRAIN split only.

    Model
    -----
    layers : hidden widths, e.g. ``(16, 16)``; ``()`` is logistic/linear regression.
    activation : one name for all hidden layers or one per layer (``"leaky-relu:0.1"``).
    init : weight initialization (``INITS``, with ``constant:C``, ``normal:STD``, ``uniform:A``).
    dropout : drop probability p per hidden layer (a float for all); keep_prob = 1 - p.
    batchnorm : ``None``, ``"before"`` or ``"after"`` the activation (or one per layer).
    loss : ``"auto"`` (bce for 2 classes, ce for more, mse for regression) or a name in ``LOSSES``.

    Regularization
    --------------
    l1, l2 : loss penalties on weights (not biases):
        :math:`\\Omega(w) = \\lambda_1 \\sum |w| + \\tfrac{\\lambda_2}{2} \\sum w^2`.
    l1_proximal : apply L1 as a soft-threshold step after each update instead of through autograd
        (weights then become exactly zero).
    weight_decay : the optimizer's own ``weight_decay`` (``None``: the optimizer's default, 0 except
        adamw's 0.01; see :func:`core.training.penalties.weight_decay_kind`).
    augment : augmentation spec of the train split, e.g. ``"jitter:0.05,rotate:15"``.
    early_stopping : patience in epochs (``None``: off); early_stopping_metric ``val_loss``/``val_acc``;
        restore_best : reload the best epoch's weights at the end.

    Optimization
    ------------
    optimizer, lr, hparams : registry name, learning rate and extra hyperparameters.
    schedule : schedule spec (``NAME[:k=v,...]`` chained with ``+``), schedule_per ``epoch``/``iteration``.
    batch_size : examples per step; ``None`` or ``0`` = whole training set (batch GD), 1 = SGD.
    last_batch : ``auto`` keeps a short trailing batch, except a batch of one under BatchNorm is merged
        into the previous one; ``keep``, ``merge`` or ``drop`` force a policy.
    epochs, seed : epochs to run and the master seed (all random streams derive from it).

    Reporting
    ---------
    report_every : a ``kind="step"`` Metrics every this many optimizer steps (0: none).
    snapshot_every : attach a Snapshot to every k-th epoch Metrics (0: only on request).
    grid_size : G of the decision grid (G x G). hist_bins : bins of the histograms.
    neuron_grid : G of each unit's own heatmap (G x G) in a Snapshot; 0: none (they cost a
        forward pass, so only a page that shows the network diagram asks for them).
    sparsity_tol : |w| below this counts as zero in the reported sparsity.
    """

    # data
    dataset: str = "circles"
    n: int = 500
    noise: float = 0.0
    classes: int = 3
    points: list | None = None
    csv_path: str | None = None
    task: str = "auto"
    split: tuple[float, float, float] = (0.6, 0.2, 0.2)
    data_seed: int | None = None
    features: tuple[str, ...] = ("x1", "x2")
    normalize: bool = False
    # model
    layers: tuple[int, ...] = (4, 2)
    activation: str | tuple[str, ...] = "tanh"
    init: str = "default"
    dropout: float | tuple[float, ...] = 0.0
    batchnorm: str | None | tuple = None
    loss: str = "auto"
    # regularization
    l1: float = 0.0
    l2: float = 0.0
    l1_proximal: bool = False
    weight_decay: float | None = None
    augment: str = ""
    early_stopping: int | None = None
    early_stopping_metric: str = "val_loss"
    restore_best: bool = True
    # optimization
    optimizer: str = "sgd"
    lr: float = 0.03
    hparams: dict = field(default_factory=dict)
    schedule: str | None = None
    schedule_per: str = "epoch"
    batch_size: int | None = 10
    last_batch: str = "auto"
    epochs: int = 100
    seed: int = 0
    # reporting
    report_every: int = 10
    snapshot_every: int = 0
    grid_size: int = 100
    hist_bins: int = 30
    neuron_grid: int = 0
    sparsity_tol: float = 1e-3

    def replace(self, **changes) -> "TrainConfig":
        """A copy with some fields changed (``dataclasses.replace``)."""
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict:
        """Plain dict of the fields (JSON-friendly: tuples become lists)."""
        return dataclasses.asdict(self)


# --------------------------------------------------------------------------- text parsers

def parse_split(text: str | tuple | list) -> tuple[float, float, float]:
    """``"60/20/20"`` or ``"0.7/0.15/0.15"`` or a 3-sequence -> fractions summing to 1.

    >>> parse_split("70/15/15")
    (0.7, 0.15, 0.15)
    """
    if isinstance(text, str):
        parts = [p for p in text.replace(",", "/").split("/")]
        try:
            vals = [float(p) for p in parts]
        except ValueError:
            raise ValueError(f"bad split {text!r}: expected TRAIN/VAL/TEST such as 60/20/20") from None
    else:
        bad = [v for v in text if not _is_number(v)]
        if bad:
            raise ValueError(f"split: every part must be a number, got {bad[0]!r}")
        vals = [float(v) for v in text]
    if len(vals) == 2:  # "80/20": no test split
        vals.append(0.0)
    if len(vals) != 3 or any(not math.isfinite(v) or v < 0 for v in vals) or sum(vals) <= 0:
        raise ValueError(f"bad split {text!r}: expected three non-negative parts such as 60/20/20")
    total = sum(vals)
    if vals[0] <= 0:
        raise ValueError(f"bad split {text!r}: the training part must be positive")
    return tuple(v / total for v in vals)  # type: ignore[return-value]


def parse_layers(text: str | tuple | list) -> tuple[int, ...]:
    """``"16,16"`` -> (16, 16); ``""`` or ``"0"`` -> () (no hidden layer)."""
    if isinstance(text, str):
        text = text.strip()
        if text in ("", "0", "none"):
            return ()
        try:
            vals = [int(p) for p in text.split(",")]
        except ValueError:
            raise ValueError(f"bad layers {text!r}: expected widths such as 16,16") from None
    else:
        bad = [v for v in text if not _is_whole(v)]
        if bad:
            raise ValueError(f"layers: every width must be a whole number, got {bad[0]!r}")
        vals = [int(v) for v in text]
    if any(v < 1 for v in vals):
        raise ValueError(f"bad layers {text!r}: every width must be at least 1")
    return tuple(vals)


def _is_number(v) -> bool:
    """A real number (bool is not one, though Python says it is an int)."""
    return isinstance(v, numbers.Real) and not isinstance(v, bool)


def _is_whole(v) -> bool:
    return _is_number(v) and math.isfinite(v) and float(v) == int(v)


def parse_float_list(text: str | float | tuple | list, what: str) -> float | tuple[float, ...]:
    """``"0.2"`` -> 0.2 ; ``"0.2,0.5"`` -> (0.2, 0.5)."""
    if isinstance(text, (int, float)):
        return float(text)
    if isinstance(text, (tuple, list)):
        return tuple(float(v) for v in text)
    try:
        vals = tuple(float(p) for p in text.split(","))
    except ValueError:
        raise ValueError(f"bad {what} {text!r}: expected a number or a comma-separated list") from None
    return vals[0] if len(vals) == 1 else vals


def per_layer(value, n_layers: int, what: str) -> list:
    """Broadcast one value to every hidden layer, or check a per-layer list has the right length."""
    if isinstance(value, (tuple, list)):
        if len(value) == 1:
            return list(value) * n_layers
        if len(value) != n_layers:
            raise ValueError(f"{what}: {len(value)} values given for {n_layers} hidden layers")
        return list(value)
    return [value] * n_layers


def check_neuron_grid(value) -> int:
    """``value`` as the G of the per-unit heatmaps: 0 (off) or 2..100; ValueError naming the field."""
    g = int(value)
    if g != 0 and not 2 <= g <= 100:
        raise ValueError(f"neuron_grid: must be 0 (off) or between 2 and 100 (got {value})")
    return g


def parse_activation(spec: str) -> tuple[str, float | None]:
    """``"leaky-relu:0.1"`` -> ("leaky-relu", 0.1); ``"relu"`` -> ("relu", None)."""
    name, _, arg = spec.strip().lower().partition(":")
    name = {"leaky_relu": "leaky-relu", "leakyrelu": "leaky-relu", "swish": "silu", "identity": "linear"}.get(name, name)
    if name not in ACTIVATIONS:
        raise ValueError(f"unknown activation {spec!r}: choose from {', '.join(ACTIVATIONS)}")
    if arg:
        if name != "leaky-relu":
            raise ValueError(f"activation {name!r} takes no parameter (got {spec!r})")
        try:
            return name, float(arg)
        except ValueError:
            raise ValueError(f"bad leaky-relu slope in {spec!r}") from None
    return name, (0.01 if name == "leaky-relu" else None)


def parse_init(spec: str) -> tuple[str, float | None]:
    """``"normal:0.01"`` -> ("normal", 0.01); ``"he-normal"`` -> ("he-normal", None)."""
    name, _, arg = spec.strip().lower().partition(":")
    name = name.replace("_", "-")
    name = {"glorot-uniform": "xavier-uniform", "glorot-normal": "xavier-normal", "kaiming-uniform": "he-uniform",
            "kaiming-normal": "he-normal", "lecun": "lecun-normal", "zero": "zeros"}.get(name, name)
    if name not in INITS:
        raise ValueError(f"unknown init {spec!r}: choose from {', '.join(INITS)}")
    defaults = {"constant": None, "normal": 0.01, "uniform": 0.05}
    if name in defaults:
        if not arg:
            if defaults[name] is None:
                raise ValueError("constant init needs a value: constant:C")
            return name, defaults[name]
        try:
            value = float(arg)
        except ValueError:
            raise ValueError(f"bad init parameter in {spec!r}") from None
        if name != "constant" and not value > 0:
            raise ValueError(f"init {spec!r}: the scale must be positive")
        return name, value
    if arg:
        raise ValueError(f"init {name!r} takes no parameter (got {spec!r})")
    return name, None


_WHOLE = ("n", "classes", "epochs", "seed", "report_every", "snapshot_every", "grid_size", "hist_bins",
          "neuron_grid")
_WHOLE_OR_NONE = ("data_seed", "batch_size", "early_stopping")
_REAL = ("noise", "lr", "l1", "l2", "sparsity_tol")
_REAL_OR_NONE = ("weight_decay",)


def _check_types(c: TrainConfig) -> None:
    """Numbers must be numbers: a text such as ``'x'`` would otherwise fail deep inside with a
    message that names no field ("must be real number, not str")."""
    for name in _WHOLE + _WHOLE_OR_NONE:
        v = getattr(c, name)
        if v is None and name in _WHOLE_OR_NONE:
            continue
        if not _is_whole(v):
            what = "a whole number" if _is_number(v) else "a number"
            raise ValueError(f"{name}: must be {what}, got {v!r}")
    for name in _REAL + _REAL_OR_NONE:
        v = getattr(c, name)
        if v is None and name in _REAL_OR_NONE:
            continue
        if not _is_number(v):
            raise ValueError(f"{name}: must be a number, got {v!r}")
    for name in ("dropout",):
        v = getattr(c, name)
        for p in (v if isinstance(v, (tuple, list)) else (v,)):
            if not _is_number(p):
                raise ValueError(f"{name}: must be a number (or one per hidden layer), got {p!r}")
    for name in ("activation",):
        v = getattr(c, name)
        for a in (v if isinstance(v, (tuple, list)) else (v,)):
            if not isinstance(a, str):
                raise ValueError(f"{name}: must be a name such as 'relu' (or one per hidden layer), got {a!r}")
    for name in ("init", "dataset", "loss", "optimizer", "augment", "schedule", "schedule_per", "last_batch"):
        v = getattr(c, name)
        if not isinstance(v, str) and not (v is None and name in ("augment", "schedule")):
            raise ValueError(f"{name}: must be a text, got {v!r}")
    if not isinstance(c.features, (tuple, list)) or not all(isinstance(f, str) for f in c.features):
        raise ValueError(f"features: must be a list of names, got {c.features!r}")


def format_bytes(b: float) -> str:
    """``184e9`` -> ``"184 GB"`` (decimal units, three significant digits)."""
    for unit, size in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6)):
        if b >= size:
            return f"{b / size:.3g} {unit}"
    return f"{b / 1e3:.3g} kB"


def memory_estimate(config: TrainConfig) -> tuple[int, int]:
    """Bytes a run needs, roughly: (weights, gradients and Adam's state, activations).

    .. math::
        M = 16 P + 12 R \\sum_l w_l

    with :math:`P` the parameters (float32: the weight, its gradient and Adam's two moments) and
    :math:`R` the rows of the largest forward pass (a batch, the train + val evaluation or the
    decision grid) times the widths :math:`w_l` (pre-activation, activation and its gradient).
    """
    c = config
    n_in = len(c.features)
    n_out = int(c.classes) if c.dataset == "blobs" and int(c.classes) > 2 else 1
    if c.dataset == "user":
        n_out = 10  # the labels are not read yet: an upper bound (and the output layer is small)
    widths = [n_in, *[int(w) for w in c.layers], n_out]
    params = sum((a + 1) * b for a, b in zip(widths, widths[1:]))
    n = len(c.points) if c.dataset == "user" and c.points is not None else int(c.n)
    split = parse_split(c.split)
    n_trval = int(math.ceil(n * (split[0] + split[1])))
    rows = max(n_trval, int(c.grid_size) ** 2, int(c.batch_size or 0))
    return 16 * params, 12 * rows * sum(widths[1:])


def _check_memory(c: TrainConfig) -> None:
    state, acts = memory_estimate(c)
    if state + acts <= MEMORY_LIMIT_BYTES:
        return
    shape = " x ".join(str(int(w)) for w in c.layers)
    n = len(c.points) if c.dataset == "user" and c.points is not None else int(c.n)
    what = "" if state >= acts else f" on {n} points"
    raise ValueError(f"layers: {shape} needs about {format_bytes(state + acts)}{what} (weights, gradients, "
                     f"Adam's state and activations); the limit is {format_bytes(MEMORY_LIMIT_BYTES)}: "
                     "use fewer or narrower layers")


def validate(config: TrainConfig) -> None:
    """Raise ``ValueError`` with one clear sentence for any impossible setting.

    Each message starts with the field it is about, or names it, and says what is allowed.
    """
    c = config
    _check_types(c)
    if c.dataset != "user" and c.dataset not in DATASETS:
        raise ValueError(f"unknown dataset {c.dataset!r}: choose from {', '.join(DATASETS)} (or user data)")
    if c.dataset == "user" and c.points is None and c.csv_path is None:
        raise ValueError("dataset 'user' needs points or a CSV file")
    if c.dataset != "user" and not 10 <= int(c.n) <= 1_000_000:
        raise ValueError(f"n must be between 10 and 1000000 (got {c.n})")
    if not (math.isfinite(c.noise) and c.noise >= 0):
        raise ValueError(f"noise must be >= 0 (got {c.noise})")
    if c.dataset == "blobs" and not 2 <= c.classes <= 10:
        raise ValueError(f"blobs needs 2-10 classes (got {c.classes})")
    parse_split(c.split)
    bad = [f for f in c.features if f not in FEATURES]
    if bad or not c.features:
        raise ValueError(f"unknown feature {bad[0] if bad else '(none)'!r}: choose from {', '.join(FEATURES)}")
    parse_layers(c.layers)
    n_layers = len(c.layers)
    for a in per_layer(c.activation, n_layers, "activation"):
        parse_activation(a)
    for p in per_layer(c.dropout, n_layers, "dropout"):
        if not 0.0 <= float(p) < 1.0:
            raise ValueError(f"dropout is a drop probability p in [0, 1) (got {p}); keep_prob = 1 - p")
    for b in per_layer(c.batchnorm, n_layers, "batchnorm"):
        if b not in BATCHNORM and b != "none":
            raise ValueError(f"batchnorm must be 'before', 'after' or none (got {b!r})")
    parse_init(c.init)
    if c.loss not in LOSSES:
        raise ValueError(f"unknown loss {c.loss!r}: choose from {', '.join(LOSSES)}")
    for name in ("l1", "l2", "weight_decay"):
        v = getattr(c, name)
        if v is None:
            continue
        if not (math.isfinite(v) and v >= 0):
            raise ValueError(f"{name} must be >= 0 (got {v})")
    if c.early_stopping is not None and int(c.early_stopping) < 1:
        raise ValueError(f"early-stopping patience must be at least 1 (got {c.early_stopping})")
    if c.early_stopping_metric not in EARLY_METRICS:
        raise ValueError(f"early-stopping metric must be val_loss or val_acc (got {c.early_stopping_metric!r})")
    if not (math.isfinite(c.lr) and c.lr > 0):
        raise ValueError(f"learning rate must be positive (got {c.lr})")
    if c.schedule_per not in ("epoch", "iteration"):
        raise ValueError(f"schedule-per must be 'epoch' or 'iteration' (got {c.schedule_per!r})")
    if c.batch_size is not None and int(c.batch_size) < 0:
        raise ValueError(f"batch size must be positive (got {c.batch_size})")
    if c.last_batch not in LAST_BATCH:
        raise ValueError(f"last_batch must be one of {', '.join(LAST_BATCH)} (got {c.last_batch!r})")
    if int(c.epochs) < 0:
        raise ValueError(f"epochs must be >= 0 (got {c.epochs})")
    if int(c.report_every) < 0 or int(c.snapshot_every) < 0:
        raise ValueError("report_every and snapshot_every must be >= 0")
    if not 2 <= int(c.grid_size) <= 1000:
        raise ValueError(f"grid size must be between 2 and 1000 (got {c.grid_size})")
    check_neuron_grid(c.neuron_grid)
    if c.optimizer == "newton":
        raise ValueError("optimizer 'newton' needs the exact Hessian of a 2-parameter surface; "
                         "it cannot train a network (choose another optimizer)")
    parse_augment(c.augment)
    _check_memory(c)
