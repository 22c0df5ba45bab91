r"""Trajectories on a 2-D surface: one path or a map of many, outcomes, per-row noise, curvature.

Public API::

    from core.trajectories import Racer, run_trajectory, run_map, replay_row, TrajectoryRun

    tr = run_trajectory(get_surface("rosenbrock"), Racer("adam", {"lr": 0.01}), (-1.2, 1.0), 500)
    m = run_map(surface, racer, starts, steps)          # every start at once; outcomes per row

Two modes share one definition of a step and of an outcome. One step :math:`t = 1, 2, \dots` of one row:

.. math::
    g_{t-1} = \nabla L(x_{t-1}) + \sigma\, \xi_{t}, \qquad
    x_t = \mathrm{update}(x_{t-1}, g_{t-1}, \mathrm{lr}_t)

with :math:`\xi_t` drawn per row from a counter-based stream (or a seeded mini-batch), so a row sees
the same noise alone or inside any map.

Modules:

* ``racer`` -- :class:`Racer` (one optimizer set-up) and the checks of starts, steps and row ids;
* ``gradients`` -- the gradient a step sees (surface + seeded noise, or a seeded mini-batch);
* ``record`` -- :class:`Trajectory` and the growing per-step record that fills it; :data:`VELOCITY_STATE`;
* ``trajectory_run`` -- :class:`TrajectoryRun` (incremental, real torch.optim) and :func:`run_trajectory`;
* ``row_hparams`` -- a map's per-row hyperparameters: validation, per-row schedules, torch.optim groups;
* ``map_loop`` -- :class:`MapResult` and the batched loop that steps, freezes and parks a map's rows;
* ``maps`` -- :func:`run_map` and :func:`replay_row`;
* ``outcomes`` (converged to minimum k, elsewhere, diverged, not converged), ``rng`` (counter-based
  noise, one stream per row), ``curvature`` (the Hessian's verdict and the rates gradient descent
  and the heavy ball can reach).
"""
from __future__ import annotations

from core.trajectories.curvature import (CurvatureReport, HeavyBall, best_gd_lr, best_gd_rate, best_heavy_ball,
                                         curvature_report, gd_rate, heavy_ball_rate, measured_rate)
from core.trajectories.map_loop import MapResult
from core.trajectories.maps import replay_row, run_map
from core.trajectories.outcomes import OutcomeRules, OutcomeTracker, classify, outcome_labels
from core.trajectories.racer import Racer
from core.trajectories.record import VELOCITY_STATE, Trajectory
from core.trajectories.trajectory_run import TrajectoryRun, run_trajectory

__all__ = ["Racer", "Trajectory", "TrajectoryRun", "run_trajectory", "MapResult", "run_map", "replay_row",
           "VELOCITY_STATE", "OutcomeRules", "OutcomeTracker", "outcome_labels", "classify", "CurvatureReport",
           "HeavyBall", "curvature_report", "gd_rate", "best_gd_lr", "best_gd_rate", "best_heavy_ball",
           "heavy_ball_rate", "measured_rate"]
