r"""The trajectory engine: optimizers racing on a 2-D surface, one path or a map of 10,000.

Two modes share one definition of a step and of an outcome:

* :class:`TrajectoryRun` / :func:`run_trajectory` step the REAL ``torch.optim`` optimizer (from
  :func:`core.optim.make_optimizer`) on a (1, 2) or (N, 2) parameter whose ``.grad`` is the
  surface gradient, with the real scheduler stepped once per step, and record everything per step.
* :func:`run_map` steps N starts together and records only what a map needs. Optimizers in
  :data:`core.optim.rowwise.ROWWISE_OPTIMIZERS` use the vectorised row-wise update (hyperparameters may
  differ per row); the others step torch.optim on one tensor per group of rows that share their
  hyperparameter values.

One step :math:`t = 1, 2, \dots` of one row:

.. math::
    g_{t-1} = \nabla L(x_{t-1}) + \sigma\, \xi_{t}, \qquad
    x_t = \mathrm{update}(x_{t-1}, g_{t-1}, \mathrm{lr}_t)

with :math:`\xi_t \sim N(0, I)` drawn from the counter-based generator ``core.trajectories.rng`` keyed by
``(seed, row_id, t)`` (``grad_noise`` :math:`\sigma`), or, on a stochastic surface with
``batch_size`` B, :math:`g` the mean over B sample indices drawn (with replacement) from the same
keys. A row therefore sees the same noise alone or inside any map (docs/traps.md).

Recorded per row of a :class:`Trajectory` (row t = the state after t steps):
``xy`` :math:`x_t`, ``loss`` :math:`L(x_t)` (full-batch on a stochastic surface), ``grad`` the
gradient at :math:`x_t` as step t+1 sees it (noise included), ``lr`` the rate used by the step that
produced row t (row 0: the starting rate), ``velocity`` the optimizer's momentum state after step t
(:data:`VELOCITY_STATE`; NaN where the optimizer has none).
"""
from __future__ import annotations

import math
import numbers
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch

from core.optim import (ROWWISE_OPTIMIZERS, RowwiseOptimizer, build_scheduler, make_optimizer, optimizer_info,
                        schedule_values, validate_hparams)
from core.trajectories.outcomes import OutcomeRules, OutcomeTracker, classify, outcome_labels
from core.trajectories.rng import normals, randint, row_keys

__all__ = ["Racer", "Trajectory", "TrajectoryRun", "run_trajectory", "MapResult", "run_map",
           "replay_row", "VELOCITY_STATE"]

F64 = torch.float64

#: Optimizer state shown as "velocity" (torch.optim / core.optim.textbook state key). sgd and rmsprop
#: have it only with momentum > 0. Others (adagrad, adadelta, asgd, rprop, rmsprop-lecture,
#: adagrad-lecture, newton) keep no first-moment state: their velocity is NaN.
VELOCITY_STATE = {"sgd": "momentum_buffer", "rmsprop": "momentum_buffer", "adam": "exp_avg",
                  "adamw": "exp_avg", "adamax": "exp_avg", "nadam": "exp_avg", "radam": "exp_avg",
                  "adam-nobias": "exp_avg", "momentum-ema": "velocity", "nesterov-lookahead": "velocity"}


@dataclass
class Racer:
    """One optimizer configuration: what a racer on the surface is.

    Attributes
    ----------
    optimizer : str
        Registry name (``core.optim.list_optimizers``).
    hparams : dict
        Only the hyperparameters to set; the rest take the optimizer's defaults.
    schedule : str or None
        Learning-rate schedule spec (``core.optim.schedules``), None for a constant rate.
    grad_noise : float
        :math:`\\sigma` of the Gaussian noise added to every gradient component.
    batch_size : int or None
        Mini-batch size on a stochastic (data) surface; None uses the full batch.
    seed : int
        Seed of the per-row noise / batch streams.
    """

    optimizer: str
    hparams: dict = field(default_factory=dict)
    schedule: str | None = None
    grad_noise: float = 0.0
    batch_size: int | None = None
    seed: int = 0

    def check(self, surface) -> dict:
        """Validate against ``surface``; returns the full hyperparameter dict. ValueError if bad."""
        hp = validate_hparams(self.optimizer, **self.hparams)
        sigma = self.grad_noise
        if not isinstance(sigma, numbers.Real) or isinstance(sigma, bool) or not math.isfinite(sigma) or sigma < 0:
            raise ValueError(f"grad_noise must be a finite number >= 0, got {sigma!r}")
        if self.batch_size is not None:
            b = self.batch_size
            if isinstance(b, bool) or not isinstance(b, numbers.Integral) or b < 1:
                raise ValueError(f"batch_size must be a whole number >= 1, got {b!r}")
            if not getattr(surface, "stochastic", False):
                raise ValueError(f"batch_size needs a data surface; {surface.name!r} has no samples "
                                 "(use grad_noise for noisy gradients)")
        if isinstance(self.seed, bool) or not isinstance(self.seed, numbers.Integral):
            raise ValueError(f"seed must be a whole number, got {self.seed!r}")
        return hp


class _Gradients:
    """The gradient as the optimizer sees it, per row: surface + seeded noise or a mini-batch."""

    def __init__(self, surface, racer: Racer, row_ids: torch.Tensor, fast: bool = False):
        self.surface = surface
        self.sigma = float(racer.grad_noise)
        self.batch = racer.batch_size
        self.keys = row_keys(racer.seed, row_ids) if (self.sigma or self.batch) else None  # (N,)
        self.fast = None
        if fast and not self.batch:
            # The closed form (f, df/dx, df/dy) of core.surfaces.base, called on the two coordinate
            # columns: skips the (N, 2) re-stacking. Only where value_and_grad is the base version, so
            # this is exactly what value_and_grad computes.
            from core.surfaces import Surface

            if type(surface).value_and_grad is Surface.value_and_grad and hasattr(surface, "_vg"):
                self.fast = surface._vg

    def __call__(self, xy: torch.Tensor, t: int, rows: torch.Tensor | None = None):
        """(loss (N,), clean gradient (N, 2), gradient used (N, 2)) at ``xy`` for step ``t``.

        ``rows`` selects the keys when ``xy`` holds a subset of the rows.
        """
        keys = self.keys if rows is None or self.keys is None else self.keys[rows]
        if self.fast is not None:
            out = self.fast(xy[:, 0], xy[:, 1])
            if out is not None and all(isinstance(v, torch.Tensor) and v.shape == xy.shape[:1] for v in out):
                loss, gx, gy = out
                g = torch.stack((gx, gy)).T  # (N, 2) view of a (2, N) block: same layout as a map's x
                return (loss, g, g + self.sigma * normals(keys, t)) if self.sigma else (loss, g, g)
        if self.batch:
            loss, g = self.surface.value_and_grad(xy, randint(keys, t, self.surface.n_samples, self.batch))
        else:
            loss, g = self.surface.value_and_grad(xy)
        if self.sigma:
            return loss, g, g + self.sigma * normals(keys, t)
        return loss, g, g


def _as_starts(start) -> tuple[torch.Tensor, bool]:
    arr = np.asarray(start, dtype=np.float64)
    single = arr.ndim == 1
    arr = arr.reshape(-1, 2) if arr.size % 2 == 0 and arr.ndim <= 2 else None
    if arr is None or arr.shape[0] < 1 or (single and arr.shape[0] != 1):
        raise ValueError(f"start must be (x, y) or an (N, 2) array, got shape {np.shape(start)}")
    if not np.isfinite(arr).all():
        raise ValueError("start must be finite")
    return torch.tensor(arr, dtype=F64), single


def _check_steps(steps) -> int:
    if isinstance(steps, bool) or not isinstance(steps, numbers.Integral) or steps < 0:
        raise ValueError(f"steps must be a whole number >= 0, got {steps!r}")
    return int(steps)


# ----------------------------------------------------------------------------- trajectories
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


class TrajectoryRun:
    """An incremental run (for the GUI): build once, then :meth:`advance` as frames allow.

    Parameters
    ----------
    surface : core.surfaces.Surface
    racer : Racer
    start : (x, y) or array (N, 2)
    total_steps : int, default 1000
        The run length the schedule is built for (cosine's T_max default, warm-up ...).
    row_ids : array (N,), optional
        Noise stream ids (default 0..N-1): a run with ``row_ids=[r]`` sees the noise of map row r.
    rules : OutcomeRules

    Notes
    -----
    A single run stops at divergence. With N starts a diverged row is frozen and the run stops
    when every row has diverged. Convergence does not stop a run (the path keeps being drawn);
    ``converged_at`` and the outcome come from the first step that met the test.
    ``plateau`` schedules get the mean loss of the rows as their metric.
    """

    def __init__(self, surface, racer: Racer, start, *, total_steps: int = 1000, row_ids=None,
                 rules: OutcomeRules = OutcomeRules()):
        self.surface, self.racer, self.rules = surface, racer, rules
        racer.check(surface)
        x0, self.single = _as_starts(start)
        n = x0.shape[0]
        ids = torch.arange(n) if row_ids is None else torch.as_tensor(np.asarray(row_ids), dtype=torch.int64).reshape(-1)
        if ids.shape != (n,):
            raise ValueError(f"row_ids must have shape ({n},), got {tuple(ids.shape)}")
        self.name = optimizer_info(racer.optimizer).name
        info = optimizer_info(self.name)
        self.param = x0.clone().requires_grad_(True)  # (N, 2) the torch.optim parameter
        kw = {"hessian_fn": surface.hessian} if info.needs_hessian else {}
        self.opt = make_optimizer(self.name, [self.param], **racer.hparams, **kw)
        self.needs_closure = info.needs_closure
        self.sched = build_scheduler(racer.schedule, self.opt, _check_steps(total_steps) or 1) \
            if racer.schedule else None
        self.grads = _Gradients(surface, racer, ids)
        hp = validate_hparams(self.name, **racer.hparams)
        self._vel_key = VELOCITY_STATE.get(self.name)
        if self.name in ("sgd", "rmsprop") and hp["momentum"] == 0:
            self._vel_key = None
        self.t = 0
        with torch.no_grad():
            x = self.param.detach()
            loss, clean, g = self.grads(x, 1)
            self.tracker = OutcomeTracker(surface.domain, surface.minima, loss, rules)
            shown = self._shown_loss(x, loss)
            self._next = (clean, g)
            # The record: preallocated numpy arrays (row t = after t steps), grown by doubling. A step
            # writes one row; trajectory() copies the filled part (no per-step objects to re-stack,
            # and nothing for the garbage collector to scan: the GUI worker snapshots every chunk).
            # (many starts: start smaller and let it grow, rather than reserve total_steps rows up front)
            cap = min(_check_steps(total_steps) + 1, max(64, (1 << 20) // n))
            self._xy = np.empty((cap, n, 2))  # (cap, N, 2)
            self._loss = np.empty((cap, n))  # (cap, N)
            self._grad = np.empty((cap, n, 2))
            self._vel = np.empty((cap, n, 2))
            self._lr = np.empty(cap)  # (cap,)
            self._record(0, x, shown, g, torch.zeros(n, 2, dtype=F64) if self._vel_key else None,
                         self.opt.param_groups[0]["lr"])
            self._div_frozen = torch.zeros(n, dtype=torch.bool)  # (N,)
            self._freeze(self.tracker.check_loss(0, loss))

    def _shown_loss(self, x, loss):
        if self.racer.batch_size:  # record the full-batch loss, not the mini-batch's
            return self.surface.value_and_grad(x)[0]
        return loss

    def _freeze(self, hit):
        if hit is not None:
            self._div_frozen |= hit & (self.tracker.div_step >= 0)

    @property
    def done(self) -> bool:
        """True once every row has diverged (nothing left to step)."""
        return bool(self._div_frozen.all())

    def advance(self, n: int) -> int:
        """Take up to ``n`` more steps; returns how many were taken (fewer once diverged)."""
        n = _check_steps(n)
        done = 0
        with torch.no_grad():
            for _ in range(n):
                if self.done:
                    break
                self._step()
                done += 1
        return done

    def _step(self):
        t = self.t + 1
        p = self.param
        clean, g = self._next
        lr = self.opt.param_groups[0]["lr"]  # the rate this step uses
        old = p.detach().clone()  # (N, 2)
        p.grad = g.clone()

        def closure():  # nesterov-lookahead: the gradient at the look-ahead point, same step's noise
            p.grad = self.grads(p.detach(), t)[2]
            return None

        self.opt.step(closure if self.needs_closure else None)
        if self._div_frozen.any():
            p.data = torch.where(self._div_frozen[:, None], old, p.detach())
        x = p.detach()
        if self._div_frozen.any():  # NaN in a frozen row must not reach the tracker's one-number tests
            clean = torch.where(self._div_frozen[:, None], 0.0, clean)
        self._freeze(self.tracker.check_step(t, x, x - old, clean)[0])
        loss, clean, g = self.grads(x, t + 1)
        self._next = (clean, g)
        shown = self._shown_loss(x, loss)
        if self.sched is not None:
            self.sched.step(float(shown.mean()) if self.sched.needs_metric else None)
        self._freeze(self.tracker.check_loss(t, loss))
        self.t = t
        st = self.opt.state[p]
        self._record(t, x, shown, g, st[self._vel_key].detach() if self._vel_key and self._vel_key in st else None,
                     lr)

    def _record(self, t: int, x, loss, g, vel, lr) -> None:
        """Write row ``t`` of the record (``vel`` None: NaN, no momentum state)."""
        if t >= len(self._lr):  # total_steps was exceeded: double the capacity
            cap = max(2 * len(self._lr), t + 1)
            for key in ("_xy", "_loss", "_grad", "_vel", "_lr"):
                old = getattr(self, key)
                new = np.empty((cap,) + old.shape[1:])
                new[:t] = old[:t]
                setattr(self, key, new)
        self._xy[t] = x.numpy()
        self._loss[t] = loss.numpy()
        self._grad[t] = g.numpy()
        if vel is None:
            self._vel[t] = math.nan
        else:
            self._vel[t] = vel.numpy()
        self._lr[t] = lr

    def trajectory(self) -> Trajectory:
        """The record so far (copies); see :class:`Trajectory`."""
        end = self.t + 1
        cols = slice(None) if not self.single else 0  # one start: drop the row axis (copy only that)
        xy = self._xy[:end, cols].copy()  # (T+1, N, 2) or (T+1, 2)
        loss = self._loss[:end, cols].copy()  # (T+1, N) or (T+1,)
        grad = self._grad[:end, cols].copy()
        vel = self._vel[:end, cols].copy()
        lr = self._lr[:end].copy()  # (T+1,)
        tr = self.tracker
        conv, div = tr.conv_step.clone(), tr.div_step.clone()
        at = torch.where(conv >= 0, conv, torch.full_like(conv, self.t)).clamp(max=self.t)
        final = torch.from_numpy(self._xy[at.numpy(), np.arange(len(at))])  # (N, 2) where each row ended
        labels = outcome_labels(len(tr.minima))
        codes = classify(final, conv, div, tr.minima, tr.width, self.rules)
        out = [labels[c] for c in codes]
        conv_l = [int(c) if c >= 0 else None for c in conv.tolist()]
        div_l = [int(d) if d >= 0 else None for d in div.tolist()]
        if not self.single:
            return Trajectory(xy, loss, lr, grad, vel, div_l, conv_l, out, labels)
        finite = np.isfinite(xy).all(1) & np.isfinite(loss)
        keep = len(finite) if finite.all() else int(np.argmin(finite))  # cut at the first non-finite row
        keep = max(keep, 1)
        return Trajectory(xy[:keep], loss[:keep], lr[:keep], grad[:keep], vel[:keep], div_l[0], conv_l[0],
                          out[0], labels)


def run_trajectory(surface, racer: Racer, start, steps: int, *, row_ids=None,
                   rules: OutcomeRules = OutcomeRules()) -> Trajectory:
    """Run ``steps`` steps of the real torch.optim optimizer from ``start``; see :class:`TrajectoryRun`."""
    run = TrajectoryRun(surface, racer, start, total_steps=max(1, _check_steps(steps)), row_ids=row_ids, rules=rules)
    run.advance(steps)
    return run.trajectory()


# ----------------------------------------------------------------------------- maps
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


def _row_table(name: str, base: dict, row_hparams: dict | None, n: int) -> dict:
    """Validate per-row hyperparameters; returns name -> (N,) array ((N, 2) for pairs)."""
    if not row_hparams:
        return {}
    info = optimizer_info(name)
    table = {}
    for k, v in row_hparams.items():
        if k not in info.hparams:
            raise ValueError(f"{name}: unknown hyperparameter {k!r}; valid: {', '.join(info.hparams)}")
        arr = np.asarray(v)
        want = (n, 2) if info.hparams[k].kind == "pair" else (n,)
        if arr.shape != want:
            raise ValueError(f"row hyperparameter {k!r} must have shape {want}, got {arr.shape}")
        table[k] = arr
    # validate each distinct combination once (10,000 rows usually hold a few dozen)
    cols = [table[k].reshape(n, -1).astype(np.float64) for k in table]
    uniq = np.unique(np.concatenate(cols, axis=1), axis=0)
    for row in uniq:
        hp, j = dict(base), 0
        for k in table:
            spec = info.hparams[k]
            if spec.kind == "pair":
                hp[k] = (float(row[j]), float(row[j + 1]))
                j += 2
            else:
                hp[k] = float(row[j])  # a switch as 1.0/0.0: validate_hparams refuses 0.5 here, not later
                j += 1
        validate_hparams(name, **hp)
    return table


class _GroupedTorch:
    """torch.optim on one tensor per group of rows sharing hyperparameters (non-row-wise optimizers)."""

    def __init__(self, name: str, base: dict, table: dict, x: torch.Tensor, schedule, steps: int):
        n = x.shape[0]
        self.groups = []
        if table:
            cols = [table[k].reshape(n, -1).astype(np.float64) for k in table]
            uniq, inv = np.unique(np.concatenate(cols, axis=1), axis=0, return_inverse=True)
            inv = inv.reshape(-1)
        else:
            uniq, inv = [None], np.zeros(n, dtype=np.int64)
        for gi, row in enumerate(uniq):
            hp = dict(base)
            if row is not None:
                j = 0
                for k in table:
                    if table[k].ndim == 2:
                        hp[k] = (float(row[j]), float(row[j + 1]))
                        j += 2
                    else:
                        hp[k] = bool(row[j]) if table[k].dtype == bool else float(row[j])
                        j += 1
            idx = torch.from_numpy(np.nonzero(inv == gi)[0])
            p = x[idx].clone().requires_grad_(False)  # (n_g, 2)
            opt = make_optimizer(name, [p], **hp)
            lrs = schedule_values(schedule, float(hp["lr"]), steps) if schedule else None  # (steps+1,)
            self.groups.append((idx, p, opt, float(hp["lr"]), lrs))

    def step(self, x, g, t, act):
        old = x.clone()  # (N, 2)
        for idx, p, opt, lr0, lrs in self.groups:
            for group in opt.param_groups:
                group["lr"] = lr0 if lrs is None else float(lrs[t - 1])  # the rate of step t
            p.grad = g[idx]
            opt.step()
            x[idx] = p
        if act is not None:
            torch.where(act.bool(), x, old, out=x)
        return x - old  # (N, 2)


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
    from then on, so the map costs the same per step but ``final_xy`` is where the row ended.
    Memory is O(N) (a few (N, 2) buffers), not O(N * steps).
    """
    racer.check(surface)
    name = optimizer_info(racer.optimizer).name
    base = validate_hparams(name, **racer.hparams)
    x, _ = _as_starts(starts)
    x = x.T.contiguous().T  # (N, 2) view of a (2, N) block: each coordinate contiguous (faster columns)
    n = x.shape[0]
    steps = _check_steps(steps)
    ids = torch.arange(n) if row_ids is None else torch.as_tensor(np.asarray(row_ids), dtype=torch.int64).reshape(-1)
    if ids.shape != (n,):
        raise ValueError(f"row_ids must have shape ({n},), got {tuple(ids.shape)}")
    table = _row_table(name, base, row_hparams, n)
    is_set = stop.is_set if isinstance(stop, threading.Event) else stop

    # Learning rates: one schedule per distinct lr value, read per step.
    # (steps+1,) entry t-1 = the rate of step t; from lr0 itself (cosine's eta_min, cyclic's base_lr
    # are absolute: a schedule is not always proportional to lr0)
    sched_vals = schedule_values(racer.schedule, float(base["lr"]), max(steps, 1)) if racer.schedule else None
    if racer.schedule and "lr" in table:
        lr_u, lr_inv = np.unique(table["lr"].astype(np.float64), return_inverse=True)
        lr_tab = torch.from_numpy(np.stack([schedule_values(racer.schedule, float(v), max(steps, 1))
                                            for v in lr_u]))  # (K, steps+1)
        lr_inv = torch.from_numpy(lr_inv.reshape(-1))
    lr_rows = torch.from_numpy(table["lr"].astype(np.float64)).reshape(n, 1) if "lr" in table else None  # (N, 1)

    def lr_at(t: int):  # the rate of step t (1-based) = schedule entry t-1
        if lr_rows is None:
            return float(sched_vals[t - 1]) if sched_vals is not None else base["lr"]
        if sched_vals is None:
            return lr_rows
        return lr_tab[:, t - 1][lr_inv].reshape(n, 1)

    grads = _Gradients(surface, racer, ids, fast=True)
    cur_t = [1]
    if name in ROWWISE_OPTIMIZERS:
        hp_rows = {**base, **{k: v for k, v in table.items() if k != "lr"}}
        opt = RowwiseOptimizer(name, hp_rows, n, hessian_fn=surface.hessian,
                               grad_fn=lambda p: grads(p, cur_t[0])[2])
        step_fn = opt.step
    else:
        grouped = _GroupedTorch(name, base, table, x, racer.schedule, max(steps, 1))

        def step_fn(x, g, lr, act):
            return grouped.step(x, g, cur_t[0], act)

    threads = torch.get_num_threads()
    if num_threads:
        torch.set_num_threads(num_threads)
    try:
        with torch.no_grad():
            return _map_loop(surface, racer, x, steps, grads, step_fn, lr_at, cur_t, progress, is_set, record,
                             rules, check_every, getattr(step_fn, "__self__", None))
    finally:
        torch.set_num_threads(threads)


def _map_loop(surface, racer, x, steps, grads, step_fn, lr_at, cur_t, progress, is_set, record, rules,
              check_every, rowwise) -> MapResult:
    n = x.shape[0]
    loss, clean, g = grads(x, 1)
    tracker = OutcomeTracker(surface.domain, surface.minima, loss, rules)
    act = torch.ones(n, 1, dtype=F64)  # (N, 1) 1 = moving, 0 = frozen
    parked = torch.zeros(n, dtype=torch.bool)  # (N,) diverged rows, moved to the view's centre
    saved_xy = torch.zeros(n, 2, dtype=F64)  # (N, 2) where parked rows really ended
    saved_loss = torch.zeros(n, dtype=F64)  # (N,)
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


def replay_row(surface, racer: Racer, start, steps: int, row_id: int, row_hparams: dict | None = None,
               *, rules: OutcomeRules = OutcomeRules()) -> MapResult:
    """Replay one map cell alone, with its full path: same engine path, same noise stream.

    Parameters
    ----------
    start : (x, y)
        The cell's start.
    row_id : int
        The cell's row in the map (its noise stream).
    row_hparams : dict[str, scalar or pair], optional
        The cell's own values of the map's per-row hyperparameters (same keys as the map).

    Returns
    -------
    MapResult with N = 1 and ``paths`` (T+1, 1, 2).
    """
    rh = None
    if row_hparams:
        rh = {k: np.asarray([v]) for k, v in row_hparams.items()}
    return run_map(surface, racer, np.asarray(start, dtype=np.float64).reshape(1, 2), steps, rh, [row_id],
                   record=True, rules=rules)
