r"""What a trajectory records: the :class:`Trajectory` type and the per-step record that fills it.

Row :math:`t` of a record is the state after :math:`t` steps:

* ``xy`` :math:`x_t`; ``loss`` :math:`L(x_t)` (full batch on a stochastic surface);
* ``grad`` the gradient at :math:`x_t` as step :math:`t+1` sees it (noise included);
* ``lr`` the rate used by the step that produced row :math:`t` (row 0: the starting rate);
* ``velocity`` the optimizer's momentum state after step :math:`t` (:data:`VELOCITY_STATE`; NaN
  where the optimizer keeps none).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from core.trajectories.outcomes import classify, outcome_labels

__all__ = ["VELOCITY_STATE", "velocity_key", "Trajectory", "StepRecord"]

#: Optimizer state shown as "velocity" (torch.optim / core.optim.textbook state key). sgd and rmsprop
#: have it only with momentum > 0. Others (adagrad, adadelta, asgd, rprop, rmsprop-lecture,
#: adagrad-lecture, newton) keep no first-moment state: their velocity is NaN.
VELOCITY_STATE = {"sgd": "momentum_buffer", "rmsprop": "momentum_buffer", "adam": "exp_avg",
                  "adamw": "exp_avg", "adamax": "exp_avg", "nadam": "exp_avg", "radam": "exp_avg",
                  "adam-nobias": "exp_avg", "momentum-ema": "velocity", "nesterov-lookahead": "velocity"}


def velocity_key(name: str, hparams: dict) -> str | None:
    """The optimizer state key recorded as velocity, or None (velocity NaN).

    Parameters
    ----------
    name : str
        Canonical optimizer name.
    hparams : dict
        Its full hyperparameters (``momentum`` 0 means sgd / rmsprop keep no buffer).
    """
    if name in ("sgd", "rmsprop") and hparams["momentum"] == 0:
        return None
    return VELOCITY_STATE.get(name)


@dataclass
class Trajectory:
    """Per-step record of a run (row t = after t steps).

    With one start: ``xy`` (T+1, 2), ``loss`` (T+1,), ``lr`` (T+1,), ``grad`` (T+1, 2),
    ``velocity`` (T+1, 2), ``diverged_at`` int or None, ``converged_at`` int or None, ``outcome`` str.
    With N starts: a row axis after the step axis ((T+1, N, 2) ...), and per-row lists.
    A diverged single run ends at its last finite row (``diverged_at`` is the step it was caught).
    """

    xy: np.ndarray
    loss: np.ndarray
    lr: np.ndarray
    grad: np.ndarray
    velocity: np.ndarray
    diverged_at: int | None | list
    converged_at: int | None | list
    outcome: str | list
    labels: list[str]


class StepRecord:
    """Preallocated per-step arrays of N rows, grown by doubling.

    A step writes one row; :meth:`trajectory` copies the filled part. There are no per-step objects
    to re-stack, and nothing for the garbage collector to scan (the GUI worker snapshots every chunk).

    Parameters
    ----------
    capacity : int
        Rows reserved up front (steps + 1 when the run length is known).
    n : int
        Starts stepped together.
    """

    _FIELDS = ("xy", "loss", "grad", "vel", "lr")

    def __init__(self, capacity: int, n: int):
        self.xy = np.empty((capacity, n, 2))  # (cap, N, 2)
        self.loss = np.empty((capacity, n))  # (cap, N)
        self.grad = np.empty((capacity, n, 2))
        self.vel = np.empty((capacity, n, 2))
        self.lr = np.empty(capacity)  # (cap,)

    def write(self, t: int, x: torch.Tensor, loss: torch.Tensor, g: torch.Tensor, vel: torch.Tensor | None,
              lr: float) -> None:
        """Write row ``t`` (``vel`` None: NaN, no momentum state); grows past the capacity."""
        if t >= len(self.lr):  # total_steps was exceeded: double the capacity
            cap = max(2 * len(self.lr), t + 1)
            for key in self._FIELDS:
                old = getattr(self, key)
                new = np.empty((cap,) + old.shape[1:])
                new[:t] = old[:t]
                setattr(self, key, new)
        self.xy[t] = x.numpy()
        self.loss[t] = loss.numpy()
        self.grad[t] = g.numpy()
        if vel is None:
            self.vel[t] = math.nan
        else:
            self.vel[t] = vel.numpy()
        self.lr[t] = lr

    def trajectory(self, t: int, tracker, rules, single: bool) -> Trajectory:
        """Rows ``0 .. t`` as a :class:`Trajectory` (copies), with each row's outcome.

        Parameters
        ----------
        t : int
            Steps taken so far.
        tracker : core.trajectories.outcomes.OutcomeTracker
            The run's tracker (convergence / divergence steps, minima, width).
        rules : core.trajectories.outcomes.OutcomeRules
        single : bool
            One start: drop the row axis and cut a diverged run at its first non-finite row.
        """
        end = t + 1
        cols = slice(None) if not single else 0  # one start: drop the row axis (copy only that)
        xy = self.xy[:end, cols].copy()  # (T+1, N, 2) or (T+1, 2)
        loss = self.loss[:end, cols].copy()  # (T+1, N) or (T+1,)
        grad = self.grad[:end, cols].copy()
        vel = self.vel[:end, cols].copy()
        lr = self.lr[:end].copy()  # (T+1,)
        conv, div = tracker.conv_step.clone(), tracker.div_step.clone()
        at = torch.where(conv >= 0, conv, torch.full_like(conv, t)).clamp(max=t)
        final = torch.from_numpy(self.xy[at.numpy(), np.arange(len(at))])  # (N, 2) where each row ended
        labels = outcome_labels(len(tracker.minima))
        codes = classify(final, conv, div, tracker.minima, tracker.width, rules)
        out = [labels[c] for c in codes]
        conv_l = [int(c) if c >= 0 else None for c in conv.tolist()]
        div_l = [int(d) if d >= 0 else None for d in div.tolist()]
        if not single:
            return Trajectory(xy, loss, lr, grad, vel, div_l, conv_l, out, labels)
        finite = np.isfinite(xy).all(1) & np.isfinite(loss)
        keep = len(finite) if finite.all() else int(np.argmin(finite))  # cut at the first non-finite row
        keep = max(keep, 1)
        return Trajectory(xy[:keep], loss[:keep], lr[:keep], grad[:keep], vel[:keep], div_l[0], conv_l[0],
                          out[0], labels)
