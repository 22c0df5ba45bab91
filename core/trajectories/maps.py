r"""Maps: N starts (or N hyperparameter settings) stepped at once, keeping only how each row ended.

Optimizers in :data:`core.optim.ROWWISE_OPTIMIZERS` use the vectorised row-wise update
(:class:`core.optim.RowwiseOptimizer`; hyperparameters may differ per row); the others step
torch.optim on one tensor per group of rows sharing their values
(:class:`~core.trajectories.row_hparams.GroupedTorch`). Both walk the path
:func:`~core.trajectories.trajectory_run.run_trajectory` records for the same row, noise stream included.
"""
from __future__ import annotations

import threading
from collections.abc import Callable

import numpy as np
import torch

from core.optim import ROWWISE_OPTIMIZERS, RowwiseOptimizer, optimizer_info, validate_hparams
from core.trajectories.gradients import Gradients
from core.trajectories.map_loop import MapResult, map_loop
from core.trajectories.outcomes import OutcomeRules
from core.trajectories.racer import Racer, as_row_ids, as_starts, check_steps
from core.trajectories.row_hparams import GroupedTorch, row_rates, row_table

__all__ = ["run_map", "replay_row"]


def run_map(surface, racer: Racer, starts, steps: int, row_hparams: dict | None = None, row_ids=None,
            progress: Callable[[float], None] | None = None, stop=None, *, record: bool = False,
            rules: OutcomeRules = OutcomeRules(), check_every: int = 20, num_threads: int | None = 1) -> MapResult:
    r"""Run N starts at once and keep only each row's ending (a basin / hyperparameter map).

    Parameters
    ----------
    surface : core.surfaces.Surface
    racer : Racer
        Optimizer, shared hyperparameters, schedule, noise, batch size, seed.
    starts : array (N, 2)
    steps : int
    row_hparams : dict[str, array (N,)], optional
        Per-row values that override ``racer.hparams`` (``betas``, ``etas``: (N, 2)). ``lr`` per row
        follows the schedule scaled to each row's lr (schedule values are computed per distinct lr).
    row_ids : array (N,) int, optional
        Noise stream of each row (default 0..N-1). A row replayed with the same id, seed and
        hyperparameters (:func:`replay_row`) repeats exactly what it did in the map.
    progress : callable(fraction), optional
        Called every ``check_every`` steps and at the end.
    stop : threading.Event or callable() -> bool, optional
        Checked every ``check_every`` steps; when set, the run ends early (``stopped=True``).
    record : bool
        Keep every position (``paths``): for small N only (replay, tests).
    rules : OutcomeRules
    check_every : int
        Steps between ``stop`` / ``progress`` calls.
    num_threads : int or None
        torch intra-op threads during the run (restored after). 1 is fastest here: the tensors are
        below torch's parallel grain, and on 2 shared cores OpenMP threads that spin-wait make a
        large map many times slower (bench/bench_drawing.py). None leaves the setting alone.

    Returns
    -------
    MapResult

    Notes
    -----
    A row that diverges or converges (:mod:`core.trajectories.outcomes`) is frozen: its step is multiplied by 0
    from then on, so the map costs the same per step but ``final_xy`` is where the row ended
    (:mod:`core.trajectories.map_loop`). Memory is O(N) (a few (N, 2) buffers), not O(N * steps).
    """
    racer.check(surface)
    name = optimizer_info(racer.optimizer).name
    base = validate_hparams(name, **racer.hparams)
    x, _ = as_starts(starts)
    x = x.T.contiguous().T  # (N, 2) view of a (2, N) block: each coordinate contiguous (faster columns)
    n = x.shape[0]
    steps = check_steps(steps)
    ids = as_row_ids(row_ids, n)
    table = row_table(name, base, row_hparams, n)
    is_set = stop.is_set if isinstance(stop, threading.Event) else stop
    lr_at = row_rates(racer.schedule, base["lr"], table, n, steps)

    grads = Gradients(surface, racer, ids, fast=True)
    cur_t = [1]  # the step being taken: the row-wise look-ahead gradient draws that step's noise
    if name in ROWWISE_OPTIMIZERS:
        hp_rows = {**base, **{k: v for k, v in table.items() if k != "lr"}}
        opt = RowwiseOptimizer(name, hp_rows, n, hessian_fn=surface.hessian,
                               grad_fn=lambda p: grads(p, cur_t[0])[2])
        step_fn, rowwise = opt.step, opt
    else:
        grouped = GroupedTorch(name, base, table, x, racer.schedule, max(steps, 1))

        def step_fn(x, g, lr, act):
            return grouped.step(x, g, cur_t[0], act)

        rowwise = None

    threads = torch.get_num_threads()
    if num_threads:
        torch.set_num_threads(num_threads)
    try:
        with torch.no_grad():
            return map_loop(surface, racer, x, steps, grads, step_fn, lr_at, cur_t, progress=progress,
                            is_set=is_set, record=record, rules=rules, check_every=check_every, rowwise=rowwise)
    finally:
        torch.set_num_threads(threads)


def replay_row(surface, racer: Racer, start, steps: int, row_id: int, row_hparams: dict | None = None,
               *, rules: OutcomeRules = OutcomeRules()) -> MapResult:
    """Replay one map cell alone, with its full path: same engine path, same noise stream.

    Parameters
    ----------
    surface : core.surfaces.Surface
    racer : Racer
        The map's racer.
    start : (x, y)
        The cell's start.
    steps : int
    row_id : int
        The cell's row in the map (its noise stream).
    row_hparams : dict[str, scalar or pair], optional
        The cell's own values of the map's per-row hyperparameters (same keys as the map).
    rules : OutcomeRules

    Returns
    -------
    MapResult
        N = 1, with ``paths`` (T+1, 1, 2).
    """
    rh = None
    if row_hparams:
        rh = {k: np.asarray([v]) for k, v in row_hparams.items()}
    return run_map(surface, racer, np.asarray(start, dtype=np.float64).reshape(1, 2), steps, rh, [row_id],
                   record=True, rules=rules)
