r"""The batched loop of a map: N rows stepped together, frozen when they end, and what it keeps per row.

Every step costs the same for every row: a row that converges or diverges
(:mod:`core.trajectories.outcomes`) is frozen, its step multiplied by :math:`a_i = 0` from then on,

.. math::
    x_{i,t} = x_{i,t-1} + a_i\, u_i(x_{t-1}, g_{t-1}, \mathrm{lr}_t), \qquad a_i \in \{0, 1\},

so ``final_xy`` is where the row ended. A diverged row is also parked (its point replaced by the
view's centre, its gradient and optimizer state zeroed) so that no inf/NaN reaches a reduction
over the rows. Memory is O(N) (a few (N, 2) buffers), not O(N * steps), unless ``record`` is set.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from core.trajectories.outcomes import OutcomeRules, OutcomeTracker, outcome_labels

__all__ = ["MapResult", "map_loop"]


@dataclass
class MapResult:
    """What a map keeps per row (no per-step history unless ``record=True``).

    Attributes
    ----------
    final_xy : ndarray (N, 2)
        Where each row stopped (frozen at convergence / divergence).
    outcome : ndarray (N,) int
        Index into ``labels``.
    steps : ndarray (N,) int
        Step of convergence, step of divergence, or the steps run.
    final_loss : ndarray (N,)
        Loss at ``final_xy`` (full batch).
    labels : list[str]
        ``min0..minK-1, elsewhere, diverged, not-converged``.
    converged_at, diverged_at : ndarray (N,) int, -1 where it did not happen
    steps_run : int
        Steps taken (less than asked when stopped or when every row froze early).
    stopped : bool
        True if ``stop`` ended the run early.
    paths : ndarray (steps_run+1, N, 2) or None
        Only with ``record=True``.
    """

    final_xy: np.ndarray
    outcome: np.ndarray
    steps: np.ndarray
    final_loss: np.ndarray
    labels: list[str]
    converged_at: np.ndarray
    diverged_at: np.ndarray
    steps_run: int
    stopped: bool = False
    paths: np.ndarray | None = None

    def label(self, i: int) -> str:
        """Outcome label of row ``i``."""
        return self.labels[int(self.outcome[i])]


def map_loop(surface, racer, x: torch.Tensor, steps: int, grads, step_fn, lr_at, cur_t: list, *,
             progress: Callable[[float], None] | None, is_set: Callable[[], bool] | None, record: bool,
             rules: OutcomeRules, check_every: int, rowwise) -> MapResult:
    """Step the rows of ``x`` (N, 2) in place for up to ``steps`` steps (call under ``torch.no_grad``).

    Parameters
    ----------
    surface : core.surfaces.Surface
    racer : core.trajectories.racer.Racer
        Its ``batch_size`` decides whether the final loss is recomputed on the full batch.
    x : Tensor (N, 2)
        Starting points; updated in place.
    steps : int
    grads : core.trajectories.gradients.Gradients
    step_fn : callable(x, g, lr, act) -> Tensor (N, 2)
        One update of every row in place; returns the step taken. ``act`` (N, 1) is None until a
        row has frozen.
    lr_at : callable(t)
        The rate(s) of step ``t`` (:func:`core.trajectories.row_hparams.row_rates`).
    cur_t : list[int]
        ``cur_t[0]`` is set to the step being taken (read by the step function's own gradient calls).
    progress, is_set : callables or None
        Called every ``check_every`` steps: progress fraction; stop request.
    record : bool
        Keep every position in ``paths``.
    rules : OutcomeRules
    check_every : int
    rowwise : core.optim.RowwiseOptimizer or None
        Its state is zeroed for parked rows.

    Returns
    -------
    MapResult
    """
    n = x.shape[0]
    loss, clean, g = grads(x, 1)
    tracker = OutcomeTracker(surface.domain, surface.minima, loss, rules)
    act = torch.ones(n, 1, dtype=torch.float64)  # (N, 1) 1 = moving, 0 = frozen
    parked = torch.zeros(n, dtype=torch.bool)  # (N,) diverged rows, moved to the view's centre
    saved_xy = torch.zeros(n, 2, dtype=torch.float64)  # (N, 2) where parked rows really ended
    saved_loss = torch.zeros(n, dtype=torch.float64)  # (N,)
    frozen_any = False

    def freeze(hit):
        nonlocal frozen_any
        if hit is not None:
            act.masked_fill_(hit[:, None], 0.0)
            frozen_any = True

    def park(hit, loss, clean, g):
        # A diverged row's point (maybe inf/NaN) is saved and replaced by the view's centre, its state
        # zeroed and its gradient set to 0: NaN * 0 is NaN, so freezing alone would let non-finite
        # values leak into every later reduction (and defeat the one-reduction quick tests).
        if hit is None:
            return
        saved_xy[hit] = x[hit]
        saved_loss[hit] = loss[hit]
        parked.logical_or_(hit)
        x[hit] = tracker.centre
        g[hit] = 0.0
        clean[hit] = 0.0
        if rowwise is not None:
            rowwise.reset_rows(hit)

    def reported():
        return torch.where(parked[:, None], saved_xy, x) if frozen_any else x.clone()

    hit = tracker.check_loss(0, loss)
    freeze(hit)
    park(hit, loss, clean, g)
    paths = [reported()] if record else None
    stopped, t_done = False, 0
    for t in range(1, steps + 1):
        if t % check_every == 0:
            if is_set is not None and is_set():
                stopped = True
                break
            if progress is not None:
                progress((t - 1) / steps)
            if frozen_any and not bool(tracker.active.any()):
                break  # every row has ended
        cur_t[0] = t
        u = step_fn(x, g, lr_at(t), act if frozen_any else None)  # (N, 2) the step taken
        hit_div, hit_conv = tracker.check_step(t, x, u, clean)
        freeze(hit_div)
        freeze(hit_conv)
        loss, clean, g = grads(x, t + 1)
        hit = tracker.check_loss(t, loss)
        freeze(hit)
        if hit_div is not None or hit is not None:
            park(hit_div if hit is None else (hit if hit_div is None else hit | hit_div), loss, clean, g)
        t_done = t
        if record:
            paths.append(reported())
    if racer.batch_size:
        loss = surface.value_and_grad(x)[0]  # full-batch loss for the report
    if progress is not None:
        progress(1.0)
    final = reported()
    final_loss = torch.where(parked, saved_loss, loss)
    codes = tracker.codes(final)
    conv, div = tracker.conv_step.numpy(), tracker.div_step.numpy()
    steps_col = np.where(conv >= 0, conv, np.where(div >= 0, div, t_done))
    return MapResult(final_xy=final.numpy(), outcome=codes, steps=steps_col, final_loss=final_loss.numpy(),
                     labels=outcome_labels(len(tracker.minima)), converged_at=conv.copy(),
                     diverged_at=div.copy(), steps_run=t_done, stopped=stopped,
                     paths=torch.stack(paths).numpy() if record else None)
