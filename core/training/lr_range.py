"""Learning-rate range test (Smith 2017, "Cyclical learning rates"; the fast.ai "lr finder").

Train for ``steps`` mini-batches while the lr grows exponentially,

.. math:: \\eta_k = \\eta_{min} \\left(\\frac{\\eta_{max}}{\\eta_{min}}\\right)^{k/(K-1)},

and record the training-batch loss. Too small an lr: the loss hardly moves; a good range: it
falls fastest; too large: it rises and blows up. Plotted against log lr the curve is the U the
lectures describe.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .config import TrainConfig
from .model import data_loss
from .penalties import penalty
from .trainer import _Run, make_batches


@dataclass
class LRRange:
    """lrs, losses, smoothed : (K,) float64 (K may be shorter than asked if the loss blew up).

    min_lr : lr at the smallest smoothed loss. suggested_lr : min_lr / 10 (a common rule: a bit
    before the bottom of the U, where the loss still falls steeply).
    """

    lrs: np.ndarray
    losses: np.ndarray
    smoothed: np.ndarray
    min_lr: float
    suggested_lr: float


def lr_range_test(config: TrainConfig, lr_min: float = 1e-5, lr_max: float = 10.0, steps: int = 100,
                  beta: float = 0.9, diverge_factor: float = 4.0, stop_event=None) -> LRRange:
    """Run the range test with the model, data and optimizer of ``config`` (its lr and schedule
    are ignored). Stops early when the smoothed loss exceeds ``diverge_factor`` x its minimum or
    becomes non-finite.

    ``smoothed`` is the bias-corrected exponential moving average
    :math:`\\bar L_k = (\\beta v_{k-1} + (1-\\beta) L_k) / (1-\\beta^{k+1})`.
    """
    if not (0 < lr_min < lr_max) or not all(map(math.isfinite, (lr_min, lr_max))):
        raise ValueError(f"lr range needs 0 < lr-min < lr-max (got {lr_min}, {lr_max})")
    if steps < 2:
        raise ValueError(f"lr range needs at least 2 steps (got {steps})")
    run = _Run(config.replace(lr=lr_min, schedule=None, epochs=1, early_stopping=None), None)
    model, opt = run.model, run.opt
    X, T = run.X["train"], run.T["train"]
    lrs = lr_min * (lr_max / lr_min) ** (np.arange(steps) / (steps - 1))
    losses, smoothed = [], []
    avg, best = 0.0, math.inf
    batches: list = []
    for k, lr in enumerate(lrs):
        if stop_event is not None and stop_event.is_set():
            break
        if not batches:
            batches = make_batches(run.n_train, run.batch_size, run.shuffle_rng.permutation(run.n_train),
                                   config.last_batch, model.has_batchnorm)
        idx = batches.pop(0)
        for g in opt.param_groups:
            g["lr"] = float(lr)
        model.train()
        loss = data_loss(model(X[idx]), T.t[idx], run.loss_name)
        total = loss + penalty(model, run.l1, run.l2) if (run.l1 or run.l2) else loss
        value = float(loss.detach())
        losses.append(value)
        avg = beta * avg + (1 - beta) * value
        sm = avg / (1 - beta ** (k + 1))
        smoothed.append(sm)
        if not math.isfinite(sm) or (k > 5 and sm > diverge_factor * best):
            break
        best = min(best, sm)
        opt.zero_grad(set_to_none=False)
        total.backward()
        if run.needs_closure:
            opt.step(lambda: run._closure(X[idx], T.t[idx]))
        else:
            opt.step()
    n = len(losses)
    sm_arr = np.asarray(smoothed, dtype=np.float64)
    finite = np.where(np.isfinite(sm_arr), sm_arr, np.inf)
    min_lr = float(lrs[int(np.argmin(finite))])
    return LRRange(lrs[:n].astype(np.float64), np.asarray(losses, dtype=np.float64), sm_arr, min_lr, min_lr / 10)
