r"""One path (or a few) stepped by the REAL ``torch.optim`` optimizer, recorded at every step.

:class:`TrajectoryRun` builds the optimizer with :func:`core.optim.make_optimizer` on a (1, 2) or
(N, 2) parameter whose ``.grad`` is the surface gradient (:class:`~core.trajectories.gradients.Gradients`),
steps the real scheduler once per step, and writes each step into a
:class:`~core.trajectories.record.StepRecord`. Step :math:`t = 1, 2, \dots`:

.. math::
    g_{t-1} = \nabla L(x_{t-1}) + \sigma\, \xi_{t}, \qquad
    x_t = \mathrm{update}(x_{t-1}, g_{t-1}, \mathrm{lr}_t)
"""
from __future__ import annotations

import torch

from core.optim import build_scheduler, make_optimizer, optimizer_info, validate_hparams
from core.trajectories.gradients import Gradients
from core.trajectories.outcomes import OutcomeRules, OutcomeTracker
from core.trajectories.racer import Racer, as_row_ids, as_starts, check_steps
from core.trajectories.record import StepRecord, Trajectory, velocity_key

__all__ = ["TrajectoryRun", "run_trajectory"]


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
    Advancing in chunks gives exactly the record of one :func:`run_trajectory` of the same length.
    """

    def __init__(self, surface, racer: Racer, start, *, total_steps: int = 1000, row_ids=None,
                 rules: OutcomeRules = OutcomeRules()):
        self.surface, self.racer, self.rules = surface, racer, rules
        racer.check(surface)
        x0, self.single = as_starts(start)
        n = x0.shape[0]
        ids = as_row_ids(row_ids, n)
        self.name = optimizer_info(racer.optimizer).name
        info = optimizer_info(self.name)
        self.param = x0.clone().requires_grad_(True)  # (N, 2) the torch.optim parameter
        kw = {"hessian_fn": surface.hessian} if info.needs_hessian else {}
        self.opt = make_optimizer(self.name, [self.param], **racer.hparams, **kw)
        self.needs_closure = info.needs_closure
        self.sched = build_scheduler(racer.schedule, self.opt, check_steps(total_steps) or 1) \
            if racer.schedule else None
        self.grads = Gradients(surface, racer, ids)
        self._vel_key = velocity_key(self.name, validate_hparams(self.name, **racer.hparams))
        self.t = 0
        with torch.no_grad():
            x = self.param.detach()
            loss, clean, g = self.grads(x, 1)
            self.tracker = OutcomeTracker(surface.domain, surface.minima, loss, rules)
            shown = self._shown_loss(x, loss)
            self._next = (clean, g)
            # many starts: start smaller and let the record grow, rather than reserve total_steps rows up front
            self._record = StepRecord(min(check_steps(total_steps) + 1, max(64, (1 << 20) // n)), n)
            self._record.write(0, x, shown, g, torch.zeros(n, 2, dtype=torch.float64) if self._vel_key else None,
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
        """Take up to ``n`` more steps.

        Returns
        -------
        int
            Steps taken (fewer than ``n`` once every row has diverged).
        """
        n = check_steps(n)
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
        self._record.write(t, x, shown, g,
                           st[self._vel_key].detach() if self._vel_key and self._vel_key in st else None, lr)

    def trajectory(self) -> Trajectory:
        """The record so far (copies); see :class:`~core.trajectories.record.Trajectory`."""
        return self._record.trajectory(self.t, self.tracker, self.rules, self.single)


def run_trajectory(surface, racer: Racer, start, steps: int, *, row_ids=None,
                   rules: OutcomeRules = OutcomeRules()) -> Trajectory:
    """Run ``steps`` steps of the real torch.optim optimizer from ``start``.

    Parameters
    ----------
    surface : core.surfaces.Surface
    racer : Racer
    start : (x, y) or array (N, 2)
    steps : int
    row_ids : array (N,), optional
        Noise stream ids (see :class:`TrajectoryRun`).
    rules : OutcomeRules

    Returns
    -------
    Trajectory
        Row t = after t steps; a diverged single run ends at its last finite row.
    """
    run = TrajectoryRun(surface, racer, start, total_steps=max(1, check_steps(steps)), row_ids=row_ids, rules=rules)
    run.advance(steps)
    return run.trajectory()
