"""What the trainer reports: plain dataclasses of Python/numpy values (picklable, JSON-able)."""
from __future__ import annotations

import math
from dataclasses import dataclass, field, fields

import numpy as np


def confusion_counts(true: np.ndarray, pred: np.ndarray, k: int) -> np.ndarray:
    """(k, k) int64 counts: row = true class, column = predicted class.

    The same matrix as ``sklearn.metrics.confusion_matrix(true, pred, labels=range(k))``
    (``tests/test_training_snapshot.py`` checks it). The trainer counts with one ``bincount``
    because it does so at every snapshot in the training child, which then needs neither
    scikit-learn's import time nor its per-call overhead.
    """
    true, pred = np.asarray(true, dtype=np.int64), np.asarray(pred, dtype=np.int64)
    return np.bincount(true * k + pred, minlength=k * k).reshape(k, k).astype(np.int64)


def _jsonable(v):
    """numpy -> lists, non-finite floats -> None (JSON has no NaN), dataclasses -> dicts."""
    if v is None or isinstance(v, (bool, str, int)):
        return v
    if isinstance(v, float):
        return v if math.isfinite(v) else None
    if isinstance(v, np.generic):
        return _jsonable(v.item())
    if isinstance(v, np.ndarray):
        if v.dtype.kind == "f" and not np.isfinite(v).all():
            return _jsonable(v.astype(object).tolist())  # element-wise NaN -> None
        return v.tolist()
    if isinstance(v, (list, tuple)):
        return [_jsonable(x) for x in v]
    if isinstance(v, dict):
        return {str(k): _jsonable(x) for k, x in v.items()}
    if hasattr(v, "__dataclass_fields__"):
        return {f.name: _jsonable(getattr(v, f.name)) for f in fields(v)}
    return v


@dataclass
class LayerStats:
    """Statistics of one layer (hidden layers, then the output layer).

    act_mean, act_std : mean and std of the layer's output after activation, over the whole
        train split in eval mode (all units and examples); None for the output layer.
    dead_frac : fraction of units whose activation is <= 0 on every training example
        (ReLU family only, else None).
    grad_norm : :math:`\\|\\partial \\tilde J / \\partial W\\|_F` of the last step (None before training).
    weight_norm : :math:`\\|W\\|_F`.
    update_ratio : :math:`\\|\\Delta W\\|_F / \\|W\\|_F` of the last step (healthy: around 1e-3).
    """

    name: str
    width: int
    activation: str | None
    act_mean: float | None
    act_std: float | None
    dead_frac: float | None
    grad_norm: float | None
    weight_norm: float
    update_ratio: float | None

    def to_json_dict(self) -> dict:
        return _jsonable(self)


@dataclass
class Snapshot:
    """The network's state for the GUI's pictures.

    grid_x (G,), grid_y (G,) : cell centres over the data extent (raw x1, x2).
    grid : float32 (G, G) = P(class 1) for BCE or the regression output; (G, G, K) class
        probabilities for softmax. Row-major: ``grid[iy, ix]``.
    weights, biases : per Linear layer, float32 arrays (out, in) and (out,).
    act_hist : per hidden layer ``(counts, edges)`` of its activations on the train split.
    grad_hist : per Linear layer ``(counts, edges)`` of the last weight gradient (None before training).
    dropout_masks : per hidden layer, one training example's keep mask (bool (width,)) of the
        last step, or None where dropout is off. keep_probs : 1 - p per hidden layer.
    neurons : per layer after the input, (units, g, g) float32: each hidden unit's activation and
        the output's logit (or value) over a g x g grid of the data extent, from the model in eval
        mode (None unless ``neuron_grid`` is set). Row-major like ``grid``.
    confusion : (K, K) int64 counts of the validation split, true class (rows) vs predicted
        (columns), from the same forward pass as ``val_acc`` (None for regression or no val split).
    """

    epoch: int
    step: int
    grid_x: np.ndarray
    grid_y: np.ndarray
    grid: np.ndarray
    weights: list
    biases: list
    act_hist: list
    grad_hist: list
    dropout_masks: list
    keep_probs: list
    neurons: list | None = None
    confusion: np.ndarray | None = None

    def to_json_dict(self) -> dict:
        return _jsonable(self)


@dataclass
class DataView:
    """The data the run trains on (sent once, with the epoch-0 Metrics)."""

    X: dict          # split -> (N, 2) float64 raw points
    y: dict          # split -> (N,) labels / targets
    task: str
    n_classes: int
    features: tuple
    extent: tuple    # (xmin, xmax, ymin, ymax)

    def to_json_dict(self) -> dict:
        return _jsonable(self)


@dataclass
class Metrics:
    """One report of the trainer.

    kind : ``"epoch"`` (after each epoch; epoch 0 = before training), ``"step"`` (every
        ``report_every`` steps) or ``"final"`` (last, once).
    epoch : completed epochs (for a step report: the epoch in progress); step : optimizer steps
        done; examples_seen : training examples used so far; epoch_fraction : epochs done as a float.
    lr : learning rate in effect for the latest step.
    train_loss, val_loss : data loss without the penalty, eval mode, on the whole split.
    train_acc, val_acc : accuracy in [0, 1] (None for regression or an empty split).
    penalty : the L1/L2 penalty on its own. sparsity : fraction of |w| < sparsity_tol.
    batch_loss : step reports: mean training-batch data loss since the previous step report.
    layers : per-layer :class:`LayerStats` (epoch and final reports).
    snapshot : a :class:`Snapshot` when requested. data : a :class:`DataView` in the epoch-0 report.
    verdict_code, verdict_text, verdict_headline : the diagnosis so far
        (:func:`core.training.diagnostics.diagnose`), in every epoch report after epoch 0 and in the
        final one; headline is its short form for a status line.
    test_loss, test_acc, best_epoch, stopped, message, timing :
        final report only. ``stopped`` is "completed", "early_stopping", "stopped" (stop event) or
        "nan"; ``message`` explains a NaN stop; ``timing`` has ``total_s``, ``metrics_s``.
    """

    kind: str
    epoch: int
    step: int
    examples_seen: int
    epoch_fraction: float
    lr: float
    train_loss: float | None = None
    val_loss: float | None = None
    train_acc: float | None = None
    val_acc: float | None = None
    penalty: float | None = None
    sparsity: float | None = None
    batch_loss: float | None = None
    layers: list = field(default_factory=list)
    snapshot: Snapshot | None = None
    data: DataView | None = None
    test_loss: float | None = None
    test_acc: float | None = None
    best_epoch: int | None = None
    stopped: str | None = None
    message: str | None = None
    verdict_code: str | None = None
    verdict_text: str | None = None
    verdict_headline: str | None = None
    timing: dict | None = None

    def to_json_dict(self) -> dict:
        """All fields as JSON-compatible values (NaN/inf -> None, arrays -> lists)."""
        return _jsonable(self)
