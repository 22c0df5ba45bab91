"""Training core: data, model, trainer, diagnostics. Numerics only (numpy, torch; never Qt).

Public API (stable; the training page builds on it)
---------------------------------------------------
::

    from core.training import TrainConfig, TrainControls, Metrics, LayerStats, Snapshot, DataView, train

    cfg = TrainConfig(dataset="moons", n=1000, noise=0.1, layers=(16, 16), activation="relu",
                      init="he-normal", optimizer="adam", lr=0.01, batch_size=32, epochs=100, seed=0)
    stop = threading.Event(); controls = TrainControls()
    for m in train(cfg, stop_event=stop, controls=controls):   # plain generator, no Qt
        m.kind  # "epoch" (epoch 0 = before training, carries m.data) | "step" | "final" (last, once)

    controls.lr = 0.003            # applied at the next step; rebases a schedule (see controls.py)
    controls.set(l1=0.0, l2=1e-3, dropout=0.2, augment="jitter:0.05")
    controls.request_snapshot()    # a Snapshot in the next report
    controls.neuron_grid = 20      # snapshots then carry each unit's 20 x 20 heatmap (Snapshot.neurons)
    m.to_json_dict()               # JSON-friendly dict; Metrics pickles (numpy/python values only)

Run ``train`` off the GUI thread (docs/traps.md: call ``torch.set_num_threads(1)`` in that worker, or host
it in a subprocess: everything in Metrics crosses a pipe).

Other entry points::

    load_data(cfg) -> Prepared                       # split, features, train-only normalization
    make_dataset(name, n, noise, seed, classes) -> (X (n,2), y (n,))
    read_csv(path) -> (X, raw labels)                 # ValueError "path, line N: ..."
    parse_split("70/15/15"), parse_layers("16,16"), parse_augment("jitter:0.05,rotate:15")
    weight_decay_kind(optimizer) -> "coupled" | "decoupled" | "none"
    gradient_check(model, loss_fn, X, y) / gradient_check_config(cfg) -> GradCheck
    bias_variance(train_error, val_error) -> Verdict(code, text, headline, evidence, ...)
    diagnose(train_error, val_error, losses=..., layers=..., lr=..., input_scale=...) -> Verdict
                                                     # the recipe, after the lr / data / gradient evidence
    memory_estimate(cfg) -> (state bytes, activation bytes); validate refuses > MEMORY_LIMIT_BYTES
    lr_range_test(cfg, lr_min, lr_max, steps) -> LRRange(lrs, losses, smoothed, min_lr, suggested_lr)
    INIT_DESCRIPTIONS[name] -> one-line description of each init scheme
"""
from .augment import parse_augment
from .config import MEMORY_LIMIT_BYTES, TrainConfig, memory_estimate, parse_layers, parse_split, validate
from .controls import TrainControls
from .data import load_data, make_dataset, read_csv
from .diagnostics import Verdict, bias_variance, diagnose, nan_message
from .gradcheck import GradCheck, gradient_check, gradient_check_config
from .init import DESCRIPTIONS as INIT_DESCRIPTIONS
from .lr_range import LRRange, lr_range_test
from .metrics import DataView, LayerStats, Metrics, Snapshot
from .penalties import weight_decay_kind
from .trainer import train

__all__ = [
    "TrainConfig", "TrainControls", "Metrics", "LayerStats", "Snapshot", "DataView", "train",
    "load_data", "make_dataset", "read_csv", "parse_split", "parse_layers", "parse_augment", "validate",
    "weight_decay_kind", "gradient_check", "gradient_check_config", "GradCheck", "bias_variance",
    "Verdict", "nan_message", "INIT_DESCRIPTIONS", "lr_range_test", "LRRange", "diagnose", "memory_estimate",
    "MEMORY_LIMIT_BYTES",
]
