r"""Learning-rate schedules, run by torch.optim.lr_scheduler.

Grammar (see ``core.optim.schedule_grammar``): ``NAME[:key=value,...]``, with a warm-up chained in front
by ``+``: ``warmup:steps=50+cosine:T_max=500``. ``lr0`` below is the optimizer's lr when the
schedule is built (``--lr``); ``t`` counts optimizer steps from 0, and a value is the lr *used by*
step ``t``.

==========  ==========================================================  ==============================
name        lr used at step t                                           torch
==========  ==========================================================  ==============================
constant    :math:`\mathrm{lr}_0`                                       LambdaLR
time        :math:`\mathrm{lr}_0/(1 + d t)`                             LambdaLR
step        :math:`\mathrm{lr}_0 \gamma^{\lfloor t/s \rfloor}`          StepLR
exp         :math:`\mathrm{lr}_0 e^{-k t}`                              ExponentialLR(gamma=e^{-k})
invsqrt     :math:`\mathrm{lr}_0/\sqrt{t+1}`                            LambdaLR
cosine      :math:`\eta_{min} + (\mathrm{lr}_0-\eta_{min})(1+\cos(\pi t/T))/2`  CosineAnnealingLR
cyclic      triangle between base_lr and lr0, period 2*step_size       CyclicLR(cycle_momentum=False)
onecycle    lr0/div up to lr0 at pct_start*T, cos down to lr0/(div*final_div)  OneCycleLR(cycle_momentum=False)
warmup      :math:`\mathrm{lr}_0 (f + (1-f) t/W)` for t < W, then the next schedule at t - W  LinearLR + SequentialLR
plateau     lr times factor after patience steps without improvement    ReduceLROnPlateau
==========  ==========================================================  ==============================

Traps handled (docs/traps.md): CyclicLR and OneCycleLR get ``cycle_momentum=False`` (otherwise they
overwrite SGD's momentum / Adam's beta1 and raise on Adagrad); OneCycleLR holds its final lr when
stepped past its total instead of raising. A schedule's ``step()`` overwrites an lr changed by hand.
"""
from __future__ import annotations

import math

import numpy as np
import torch
from torch.optim import lr_scheduler as L

from core.optim.schedule_grammar import (SCHEDULE_NAMES, SCHEDULES, ScheduleKey, format_schedule, parse_schedule,
                                         schedule_keys)

__all__ = ["list_schedules", "parse_schedule", "format_schedule", "schedule_keys", "ScheduleKey",
           "build_scheduler", "schedule_values", "Scheduler", "SCHEDULE_NAMES"]


def list_schedules() -> list[tuple[str, str]]:
    """All schedules as ``(name, one-line description)``."""
    return [(name, desc) for name, (desc, _) in SCHEDULES.items()]


class _OneCycleHold(L.OneCycleLR):
    """OneCycleLR that holds its final lr past ``total_steps`` (torch raises ValueError there)."""

    def get_lr(self):
        t = self.last_epoch
        self.last_epoch = min(t, self.total_steps - 1)
        try:
            return super().get_lr()
        finally:
            self.last_epoch = t


def _one(name: str, kv: dict, optimizer, total: int, lr0: list[float]):
    """Build the torch scheduler for one part; ``total`` is the number of steps it will run.

    ``lr0`` is taken before any scheduler exists: a warm-up has already lowered the groups' lr.
    """
    keys = schedule_keys(name)
    a = {k: kv.get(k, spec.default) for k, spec in keys.items()}
    if name == "constant":
        return L.LambdaLR(optimizer, lambda t: 1.0)
    if name == "time":
        d = a["d"]
        return L.LambdaLR(optimizer, lambda t: 1.0 / (1.0 + d * t))
    if name == "invsqrt":
        return L.LambdaLR(optimizer, lambda t: 1.0 / math.sqrt(t + 1.0))
    if name == "step":
        return L.StepLR(optimizer, step_size=a["step_size"], gamma=a["gamma"])
    if name == "exp":
        return L.ExponentialLR(optimizer, gamma=math.exp(-a["k"]))
    if name == "cosine":
        return L.CosineAnnealingLR(optimizer, T_max=a["T_max"] or total, eta_min=a["eta_min"])
    if name == "cyclic":
        base = [x / 10.0 for x in lr0] if a["base_lr"] is None else a["base_lr"]
        return L.CyclicLR(optimizer, base_lr=base, max_lr=lr0, step_size_up=a["step_size"] or max(1, total // 4),
                          mode="triangular", cycle_momentum=False)
    if name == "onecycle":
        return _OneCycleHold(optimizer, max_lr=lr0, total_steps=max(total, 2), pct_start=a["pct_start"],
                             div_factor=a["div_factor"], final_div_factor=a["final_div_factor"],
                             anneal_strategy="cos", cycle_momentum=False)
    if name == "plateau":
        return L.ReduceLROnPlateau(optimizer, mode="min", factor=a["factor"], patience=a["patience"],
                                   threshold=a["threshold"], threshold_mode="rel")
    raise AssertionError(name)  # parse_schedule only lets registered names through


class Scheduler:
    """A built schedule: one interface over the torch schedulers.

    Attributes
    ----------
    spec : str
        The normalized spec.
    needs_metric : bool
        ``plateau``: :meth:`step` must be given the metric (the loss).
    torch_scheduler : torch.optim.lr_scheduler.LRScheduler | ReduceLROnPlateau
    """

    def __init__(self, spec: str, torch_scheduler, optimizer: torch.optim.Optimizer, needs_metric: bool):
        self.spec = spec
        self.torch_scheduler = torch_scheduler
        self.optimizer = optimizer
        self.needs_metric = needs_metric

    def step(self, metric: float | None = None) -> None:
        """Advance one optimizer step; call it after ``optimizer.step()``.

        ``metric`` is required by ``plateau`` (ValueError without it) and ignored by the others.
        """
        if self.needs_metric:
            if metric is None:
                raise ValueError("schedule plateau needs the metric: scheduler.step(metric=loss)")
            self.torch_scheduler.step(float(metric))
        else:
            self.torch_scheduler.step()

    def get_last_lr(self) -> list[float]:
        """The lr of each parameter group, i.e. the lr the next optimizer step will use."""
        return [float(g["lr"]) for g in self.optimizer.param_groups]

    def state_dict(self) -> dict:
        return self.torch_scheduler.state_dict()

    def load_state_dict(self, state: dict) -> None:
        self.torch_scheduler.load_state_dict(state)


def build_scheduler(spec: str | None, optimizer: torch.optim.Optimizer, total_steps: int) -> Scheduler:
    """Build the schedule ``spec`` on ``optimizer`` for a run of ``total_steps`` optimizer steps.

    Parameters
    ----------
    spec : str or None
        See :mod:`core.optim.schedule_grammar`; ``None`` means ``constant``.
    optimizer : torch.optim.Optimizer
        Its current lr of each group is ``lr0`` (the peak for cyclic and onecycle). Any optimizer:
        momentum and betas are never touched.
    total_steps : int
        Length of the run; sets the defaults of cosine's ``T_max``, cyclic's ``step_size``,
        warmup's ``steps`` and onecycle's total. After a warm-up of W steps the next schedule runs
        ``total_steps - W`` steps with its own t starting at 0.

    Returns
    -------
    Scheduler
        ``.step(metric=None)`` after each optimizer step, ``.get_last_lr() -> list[float]``.
    """
    if spec is None:
        spec = "constant"
    parts = parse_schedule(spec)
    if isinstance(total_steps, bool) or not isinstance(total_steps, (int, np.integer)) or total_steps < 1:
        raise ValueError(f"total_steps must be a whole number >= 1, got {total_steps!r}")
    total = int(total_steps)
    for g in optimizer.param_groups:
        g.pop("initial_lr", None)  # stale from an earlier scheduler: torch would take it as lr0
    lr0 = [float(g["lr"]) for g in optimizer.param_groups]
    name, kv = parts[0]
    if name != "warmup":
        return Scheduler(format_schedule(parts), _one(name, kv, optimizer, total, lr0), optimizer,
                         name == "plateau")
    w = kv.get("steps") or max(1, total // 10)
    first = L.LinearLR(optimizer, start_factor=kv.get("start_factor", 0.01), end_factor=1.0, total_iters=w)
    second = _one(*parts[1], optimizer, max(1, total - w), lr0)
    return Scheduler(format_schedule(parts), L.SequentialLR(optimizer, [first, second], milestones=[w]),
                     optimizer, False)


def schedule_values(spec: str | None, lr0: float, steps: int, metrics=None) -> np.ndarray:
    """The lr used for each step t = 0..steps, from the real torch scheduler on a dummy optimizer.

    Parameters
    ----------
    spec : str or None
        Schedule spec; ``total_steps`` is ``steps``.
    lr0 : float
        Starting (or peak, for cyclic/onecycle) learning rate.
    steps : int
    metrics : array_like (steps,), optional
        Required by ``plateau``: ``metrics[t]`` is the loss seen after step t.

    Returns
    -------
    numpy.ndarray (steps + 1,) float64
        Entry 0 is the starting rate; entry t is what ``optimizer.step()`` number t (from 0) uses.
    """
    if not (isinstance(lr0, (int, float)) and math.isfinite(lr0) and lr0 >= 0):
        raise ValueError(f"lr0 must be a finite number >= 0, got {lr0!r}")
    w = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([w], lr=float(lr0))
    sched = build_scheduler(spec, opt, steps)
    if sched.needs_metric:
        if metrics is None:
            raise ValueError("schedule plateau needs metrics: one loss value per step")
        metrics = np.asarray(metrics, dtype=float).reshape(-1)
        if metrics.size < steps:
            raise ValueError(f"schedule plateau needs {steps} metrics, got {metrics.size}")
    out = np.empty(steps + 1)
    out[0] = sched.get_last_lr()[0]
    for t in range(steps):
        opt.step()  # no gradient, so a no-op; keeps torch's "scheduler before optimizer" check quiet
        sched.step(None if metrics is None or not sched.needs_metric else metrics[t])
        out[t + 1] = sched.get_last_lr()[0]
    return out
