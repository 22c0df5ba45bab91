"""A training scene as a standalone PyTorch program that prints what ``optimizer-playground train`` prints.

The script holds the scene's settings as constants, the app's seeded random streams and data
functions as embedded source, and the network, optimizer, schedule and loop written with torch.nn,
torch.optim and torch.optim.lr_scheduler directly. Only the parts a scene uses are written out.
"""
from __future__ import annotations

from pathlib import Path

from core.training import augment, data, model, penalties, streams, trainer
from core.training.augment import parse_augment
from core.training.config import RELU_FAMILY, TrainConfig, parse_activation, parse_init, per_layer
from core.training.init import _leaky_slope
from core.training.model import resolve_loss
from core.training.penalties import weight_decay_kind

from playground.exports import optimizer_code, schedule_code
from playground.exports.embed import section, source_of, tidy
from playground.exports.training_pieces import LOOP, METRICS, MODEL

_ACTIVATION = {"sigmoid": "nn.Sigmoid()", "tanh": "nn.Tanh()", "relu": "nn.ReLU()", "elu": "nn.ELU()",
               "gelu": "nn.GELU()", "silu": "nn.SiLU()", "linear": "nn.Identity()", "prelu": "nn.PReLU()"}

_INIT = {  # the weight line of core.training.init.init_linear per scheme
    "zeros": "nn.init.zeros_(W)",
    "constant": "nn.init.constant_(W, {arg!r})",
    "normal": "nn.init.normal_(W, 0.0, {arg!r}, generator=g)",
    "uniform": "nn.init.uniform_(W, -{arg!r}, {arg!r}, generator=g)",
    "xavier-uniform": "nn.init.xavier_uniform_(W, generator=g)",
    "xavier-normal": "nn.init.xavier_normal_(W, generator=g)",
    "he-uniform": "nn.init.kaiming_uniform_(W, a=slope, nonlinearity=\"leaky_relu\", generator=g)",
    "he-normal": "nn.init.kaiming_normal_(W, a=slope, nonlinearity=\"leaky_relu\", generator=g)",
    "lecun-normal": "nn.init.kaiming_normal_(W, nonlinearity=\"linear\", generator=g)  # N(0, 1/fan_in)",
    "orthogonal": "nn.init.orthogonal_(W, generator=g)",
    "lsuv": "nn.init.orthogonal_(W, generator=g)  # then rescaled layer by layer (below)",
}

_LOSS = {
    "bce": "nn.functional.binary_cross_entropy_with_logits(logits[:, 0], target)",
    "ce": "nn.functional.cross_entropy(logits, target)",
    "mse": "nn.functional.mse_loss(logits[:, 0], target)",
    "mae": "nn.functional.l1_loss(logits[:, 0], target)",
    "huber": "nn.functional.huber_loss(logits[:, 0], target)",
}
_PREDICT = {"bce": "(logits[:, 0] > 0).long()", "ce": "logits.argmax(1)"}


def _settings(c: TrainConfig, loss: str, n_out: int) -> str:
    n = len(c.layers)
    acts = per_layer(c.activation, n, "activation")
    relu = tuple(parse_activation(a)[0] in RELU_FAMILY for a in acts)
    bns = tuple(None if b in (None, "none") else b for b in per_layer(c.batchnorm, n, "batchnorm"))
    lines = [
        f"SEED = {int(c.seed)!r}  # the master seed: every random stream below derives from it",
        f"DATA_SEED = {int(c.seed if c.data_seed is None else c.data_seed)!r}  # seed of the points and the split",
    ]
    if c.dataset != "user":
        lines += [f"DATASET = {c.dataset!r}", f"N = {int(c.n)!r}", f"NOISE = {float(c.noise)!r}"]
        if c.dataset == "blobs":
            lines.append(f"CLASSES = {int(c.classes)!r}")
    lines += [
        f"SPLIT = {tuple(float(v) for v in c.split)!r}  # train / validation / test fractions",
        f"FEATURES_USED = {tuple(c.features)!r}",
        f"NORMALIZE = {bool(c.normalize)!r}  # standardize with the train split's mean and std",
        f"LAYERS = {tuple(int(w) for w in c.layers)!r}  # hidden widths",
        f"DROPOUT = {tuple(float(p) for p in per_layer(c.dropout, n, 'dropout'))!r}  # drop probability per hidden layer",
        f"BATCHNORM = {bns!r}  # BatchNorm before or after each hidden activation (None: off)",
        f"RELU_FAMILY = {relu!r}  # layers whose dead units are counted",
        f"HAS_BATCHNORM = {any(b is not None for b in bns)!r}",
        f"LOSS = {loss!r}",
        f"N_OUT = {n_out!r}  # outputs: 1 logit (BCE), K logits (CE) or 1 value (regression)",
        f"L1 = {float(c.l1)!r}",
        f"L2 = {float(c.l2)!r}  # penalty (L2 / 2) * sum w^2 on the weights",
        f"L1_PROXIMAL = {bool(c.l1_proximal)!r}  # L1 as a soft-threshold step after each update",
        f"EPOCHS = {int(c.epochs)!r}",
        f"BATCH_SIZE = {c.batch_size if c.batch_size else None!r}  # None: the whole train split",
        f"LAST_BATCH = {c.last_batch!r}  # what happens to a trailing batch of one (see make_batches)",
        f"EARLY_STOPPING = {int(c.early_stopping) if c.early_stopping else None!r}  # patience in epochs (None: off)",
        f"EARLY_STOPPING_METRIC = {c.early_stopping_metric!r}",
        f"RESTORE_BEST = {bool(c.restore_best)!r}",
        f"SCHEDULE_PER = {c.schedule_per!r}  # the schedule steps once per epoch or per iteration",
        f"SPARSITY_TOL = {float(c.sparsity_tol)!r}  # |w| at most this counts as zero in 'sparsity'",
    ]
    return "\n".join(lines) + "\n"


def _data(c: TrainConfig) -> str:
    out = [source_of(streams._seed_words), source_of(streams.numpy_stream), source_of(streams.torch_stream)]
    out.insert(0, f"# From core.training.streams: fixed ids, one independent stream per purpose.\n"
                  f"STREAM_IDS = {streams.STREAM_IDS!r}\n")
    if c.dataset == "user":
        out += [source_of(data.points_to_arrays), source_of(data.labels_to_task),
                f"POINTS = {[tuple(p) for p in c.points]!r}\nTASK = {c.task!r}\n"]
        make = "    X, raw = points_to_arrays(POINTS)\n    y, _task, _k = labels_to_task(raw, TASK)\n    return X, y"
    else:
        gen = getattr(data, f"_{c.dataset}")
        out.append(source_of(gen))
        extra = ", CLASSES" if c.dataset == "blobs" else ""
        make = f"    return _{c.dataset}(N, NOISE, numpy_stream(DATA_SEED, \"data\"){extra})"
    out.append('def parse_split(split):\n    """SPLIT holds fractions already normalized by '
               'core.training.config.parse_split."""\n    return tuple(split)\n')
    out += [source_of(data.split_indices), f"FEATURES = {tuple(data.FEATURES)!r}\n",
            source_of(data.compute_features)]
    out.append('def make_data():\n    """The points and labels (core.training.data.load_data / make_dataset)."""\n'
               + make + "\n")
    out.append('''X_all, y_all = make_data()
train_idx, val_idx, test_idx = split_indices(len(X_all), SPLIT, DATA_SEED)
X_raw = {"train": X_all[train_idx], "val": X_all[val_idx], "test": X_all[test_idx]}
Y = {"train": y_all[train_idx], "val": y_all[val_idx], "test": y_all[test_idx]}
# Normalization is fitted on the TRAIN split only (core.training.data.load_data; the app also guards
# against values so huge that their std overflows, which generated data never reach).
F_train = compute_features(X_raw["train"], FEATURES_USED)
if NORMALIZE:
    mean, std = F_train.mean(0), F_train.std(0)
    std = np.where(std > 1e-12, std, 1.0)  # a constant feature stays as it is
else:
    mean, std = np.zeros(F_train.shape[1]), np.ones(F_train.shape[1])


def transform(points):
    """Raw points (N, 2) -> normalized features (N, F) float32 (core.training.data.Prepared.transform)."""
    with np.errstate(over="ignore", invalid="ignore"):
        return ((compute_features(points, FEATURES_USED) - mean) / std).astype(np.float32)
''')
    return "\n\n".join(out)


def _targets(loss: str, ops) -> str:
    dtype = "np.int64" if loss == "ce" else "np.float32"
    text = (f"def targets(y):\n    \"\"\"Targets as the loss wants them (core.training.trainer._Targets).\"\"\"\n"
            f"    return torch.from_numpy(y.astype({dtype}))\n\n\n"
            "X = {s: torch.from_numpy(transform(X_raw[s])) for s in X_raw}\n"
            "T = {s: targets(Y[s]) for s in Y}\n"
            "n_train = len(Y[\"train\"])\n"
            "X_trval = torch.cat([X[\"train\"], X[\"val\"]])  # evaluated together, as in the app\n"
            "shuffle_rng = numpy_stream(SEED, \"shuffle\")\n"
            "dropout_generator = torch_stream(SEED, \"dropout\")\n")
    if not ops:
        return text + ('\n\ndef training_batch(idx):\n    """The batch of train rows `idx` (no augmentation)."""\n'
                       '    return X["train"][idx], T["train"][idx]\n')
    if loss == "ce":
        rows = ('    y = T["train"][idx].numpy()\n    out = np.zeros((len(idx), N_OUT), np.float32)\n'
                '    out[np.arange(len(idx)), y] = 1.0\n    return out\n')
        back = "    return torch.from_numpy(np.ascontiguousarray(Y_rows, dtype=np.float32))\n"
    else:
        rows = '    return T["train"][idx].numpy().astype(np.float32)[:, None]\n'
        back = "    return torch.from_numpy(np.ascontiguousarray(Y_rows, dtype=np.float32))[:, 0]\n"
    return (text + "aug_rng = numpy_stream(SEED, \"augment\")\n"
            f"AUGMENT_OPS = {ops!r}  # core.training.augment.parse_augment of the scene's spec\n\n\n"
            + source_of(augment.augment_batch) + "\n\n"
            'def target_rows(idx):\n    """Float rows (B, T) of the targets: what mixup mixes (core.training.trainer._Targets.rows)."""\n'
            + rows + "\n\n"
            'def rows_to_targets(Y_rows):\n    """Back to the loss\'s form (core.training.trainer._Targets.from_rows)."""\n'
            + back + "\n\n"
            'def training_batch(idx):\n    """The augmented batch of train rows `idx`: the raw points move, then the features are made."""\n'
            '    Xb, Yb = augment_batch(X_raw["train"][idx], target_rows(idx), AUGMENT_OPS, aug_rng)\n'
            '    return torch.from_numpy(transform(Xb)), rows_to_targets(Yb)\n')


def _model(c: TrainConfig, loss: str) -> str:
    n = len(c.layers)
    acts = per_layer(c.activation, n, "activation")
    exprs = []
    for a in acts:
        name, arg = parse_activation(a)
        exprs.append(f"nn.LeakyReLU({arg!r})" if name == "leaky-relu" else _ACTIVATION[name])
    if len(set(exprs)) <= 1:
        act = f"    return {exprs[0] if exprs else 'nn.Identity()'}\n"
    else:
        act = "    return [" + ", ".join(f"lambda: {e}" for e in exprs) + "][layer]()\n"
    name, arg = parse_init(c.init)
    lines = ["@torch.no_grad()", "def init_linear(layer, g, slope):",
             f'    """Scheme {c.init!r} (core.training.init.init_linear), drawn from the init stream `g`;'
             '\n    `slope` is the negative slope of the activation that follows (He\'s gain)."""',
             "    W, b = layer.weight, layer.bias"]
    if name == "default":
        lines += ["    # What nn.Linear.reset_parameters does, but from the run's own stream.",
                  "    nn.init.kaiming_uniform_(W, a=math.sqrt(5), generator=g)",
                  "    bound = 1.0 / math.sqrt(W.shape[1])", "    nn.init.uniform_(b, -bound, bound, generator=g)"]
    else:
        lines += ["    " + _INIT[name].format(arg=arg), "    nn.init.zeros_(b)"]
    slopes = tuple(_leaky_slope(a) for a in acts) + (0.0,)
    build = ['def build_model():', '    """The network with its initial weights (core.training.init.initialize)."""',
             "    model = MLP(len(FEATURES_USED))", '    g = torch_stream(SEED, "init")',
             f"    for layer, slope in zip(model.linears(), {slopes!r}):", "        init_linear(layer, g, slope)"]
    if name == "lsuv":
        build += ["    # LSUV (Mishkin & Matas): scale each layer in turn until its output variance on a batch",
                  "    # of training inputs is 1 within 0.02, at most 20 trials (eval mode: no dropout).",
                  "    X_batch = X[\"train\"][:512]", "    model.eval()", "    with torch.no_grad():",
                  "        for layer in model.linears():", "            for _ in range(20):",
                  "                out = []",
                  "                hook = layer.register_forward_hook(lambda m, i, o: out.append(o))",
                  "                model(X_batch)", "                hook.remove()",
                  "                var = float(out[0].var())",
                  "                if not math.isfinite(var) or var < 1e-12 or abs(var - 1.0) < 0.02:",
                  "                    break", "                layer.weight /= math.sqrt(var)",
                  "    model.train()"]
    build.append("    return model")
    loss_fn = (f'def data_loss(logits, target):\n    """Mean {loss} data loss, without the penalty '
               f'(core.training.model.data_loss)."""\n    return {_LOSS[loss]}\n\n\n'
               f'def predict(logits):\n    """Predicted classes (None for regression)."""\n'
               f"    return {_PREDICT.get(loss, 'None')}\n")
    return "\n\n".join([
        source_of(model.SeededDropout),
        'def make_activation(layer):\n    """The activation of hidden layer `layer` (core.training.model.make_activation)."""\n' + act,
        MODEL.strip() + "\n", "\n".join(lines) + "\n", "\n".join(build) + "\n", loss_fn,
        source_of(trainer.make_batches),
        "batch_size = n_train if not BATCH_SIZE or BATCH_SIZE >= n_train else BATCH_SIZE\n"
        "steps_per_epoch = len(make_batches(n_train, batch_size, np.arange(n_train), LAST_BATCH, HAS_BATCHNORM))\n"])


def _optimizer(c: TrainConfig) -> str:
    hp = dict(c.hparams)
    hp["lr"] = float(c.lr)
    kind = weight_decay_kind(c.optimizer, hp)
    if c.weight_decay is not None and kind != "none":
        hp["weight_decay"] = float(c.weight_decay)
    cls, kwargs = optimizer_code.class_and_kwargs(c.optimizer, hp)
    lines = ["def make_optimizer(model):"]
    if kind == "none":
        lines += ['    """The optimizer (it has no weight decay)."""', f"    return {cls}(list(model.parameters()), {kwargs})"]
    else:
        lines += ['    """The optimizer, as core.training.trainer.make_optimizer_for builds it: weight decay acts on',
                  '    the Linear weights only; biases, BatchNorm and PReLU parameters sit in a group without it."""',
                  "    weights = [layer.weight for layer in model.linears()]",
                  "    others = [p for p in model.parameters() if all(p is not w for w in weights)]",
                  "    groups = [{\"params\": weights}] + ([{\"params\": others, \"weight_decay\": 0.0}] if others else [])",
                  f"    return {cls}(groups, {kwargs})"]
    if optimizer_code.needs_closure(c.optimizer):
        step = ('def optimizer_step(optimizer, model, xb, tb):\n'
                '    """This optimizer takes the gradient at its look-ahead point: it calls the closure there."""\n'
                "    def closure():\n        optimizer.zero_grad(set_to_none=False)\n"
                "        total = data_loss(model(xb), tb)\n        if L1 or L2:\n"
                "            total = total + penalty(model, L1, L2, include_l1=not L1_PROXIMAL)\n"
                "        total.backward()\n        return total\n\n    optimizer.step(closure)\n")
    else:
        step = "def optimizer_step(optimizer, model, xb, tb):\n    optimizer.step()\n"
    total = "EPOCHS" if c.schedule_per == "epoch" else "EPOCHS * steps_per_epoch"
    metric = schedule_code.needs_metric(c.schedule)
    sched_step = ("def schedule_step(scheduler, metric):\n"
                  + ('    """plateau watches the loss (the validation loss per epoch, else the batch loss)."""\n'
                     "    scheduler.step(metric)\n" if metric else "    scheduler.step()\n"))
    out = [optimizer_code.textbook_source([c.optimizer]), "\n".join(lines) + "\n", step,
           schedule_code.scheduler_source(c.schedule).replace(
               "def make_scheduler(optimizer, total):", "def _scheduler(optimizer, total):"),
           f"def make_scheduler(optimizer):\n    return _scheduler(optimizer, max(int({total}), 1))\n", sched_step]
    return "\n\n".join(p for p in out if p)


def _header(name: str, scene: dict, c: TrainConfig, notes: list[str], file_name: str) -> str:
    title = scene.get("title") or Path(name).stem
    differs = "\n".join(f"- {n}" for n in notes)
    return f'''#!/usr/bin/env python3
"""{title}: the training run of the Optimizer Playground scene {name!r}, as a plain PyTorch program.

It trains the same network on the same data as `optimizer-playground train` does for this scene
(seed {int(c.seed)}, {int(c.epochs)} epochs) and prints the same JSON lines: epoch 0 (before training), one
object per epoch, then {{"final": true, ...}} with the test split evaluated once. With the same seed
the numbers equal the app's (to rounding).

Run it with
    python {file_name}            # needs torch and numpy only
Change the constants under "Settings" to try other runs.

What differs from the app:
{differs}
"""
'''


def training_script(name: str, scene: dict, config: TrainConfig, file_name: str = "run.py") -> str:
    """The program text for training ``config`` (the scene's TrainConfig).

    Raises
    ------
    ValueError
        For a run the script cannot reproduce (data read from a CSV file).
    """
    c = config
    if c.dataset == "user" and c.points is None:
        raise ValueError("a run on a CSV file cannot be exported: put its points in the scene")
    prepared = data.load_data(c)
    loss = resolve_loss(prepared.task, prepared.n_classes, c.loss)
    n_out = 1 if prepared.task == "regression" or loss != "ce" else prepared.n_classes
    ops = parse_augment(c.augment)
    notes = ['"verdict" and "verdict_text" of the final line are null: the app\'s diagnosis '
             "(core.training.diagnostics) explains a run, it is not part of it.",
             "A loss that turns NaN stops the run as in the app, with a shorter message."]
    if optimizer_code.is_textbook(c.optimizer):
        notes.append(f"{c.optimizer!r} is a lecture form, not a torch.optim class: its source is embedded "
                     "below (from core.optim.textbook).")
    imports = ["import copy", "import json", "import math"]
    if optimizer_code.is_textbook(c.optimizer):
        imports.append("import numbers")
    imports += ["", "import numpy as np", "import torch", "from torch import nn"]
    if optimizer_code.is_textbook(c.optimizer):
        imports.append("from torch.optim import Optimizer")
    if c.schedule:
        imports.append("from torch.optim import lr_scheduler")
    parts = [_header(name, scene, c, notes, file_name), "\n".join(imports) + "\n",
             section("Settings (the scene's, see core.training.config.TrainConfig)"), _settings(c, loss, n_out),
             section("Random streams and data (embedded from core.training)"), _data(c),
             section("Targets and batches"), _targets(loss, ops),
             section("The network"), _model(c, loss),
             section("Optimizer and learning-rate schedule"), _optimizer(c),
             section("Metrics (as core.training.trainer reports them)"), source_of(penalties.penalty),
             METRICS.strip() + "\n",
             section("The loop (core.training.trainer._Run.run)"), LOOP.strip() + "\n"]
    return tidy("".join(p if p.endswith("\n") else p + "\n" for p in parts))
