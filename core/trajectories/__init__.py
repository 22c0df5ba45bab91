"""Trajectories on a 2-D surface: the engine (one path or a map of many), outcomes, per-row noise, curvature.

Public API::

    from core.trajectories import Racer, run_trajectory, run_map, replay_row, TrajectoryRun

    tr = run_trajectory(get_surface("rosenbrock"), Racer("adam", {"lr": 0.01}), (-1.5, 2.0), 500)
    m = run_map(surface, racer, starts, steps)          # every start at once; outcomes per row

Modules: ``engine`` (the step loop shared by paths and maps), ``outcomes`` (converged to minimum k,
elsewhere, diverged, not converged), ``rng`` (counter-based noise, one stream per row),
``curvature`` (the Hessian's verdict and the rates gradient descent and the heavy ball can reach).
"""
from __future__ import annotations

from core.trajectories.curvature import (CurvatureReport, HeavyBall, best_gd_lr, best_gd_rate, best_heavy_ball,
                                         curvature_report, gd_rate, heavy_ball_rate, measured_rate)
from core.trajectories.engine import (VELOCITY_STATE, MapResult, Racer, Trajectory, TrajectoryRun, replay_row,
                                      run_map, run_trajectory)
from core.trajectories.outcomes import OutcomeRules, OutcomeTracker, classify, outcome_labels

__all__ = ["Racer", "Trajectory", "TrajectoryRun", "run_trajectory", "MapResult", "run_map", "replay_row",
           "VELOCITY_STATE", "OutcomeRules", "OutcomeTracker", "outcome_labels", "classify", "CurvatureReport",
           "HeavyBall", "curvature_report", "gd_rate", "best_gd_lr", "best_gd_rate", "best_heavy_ball",
           "heavy_ball_rate", "measured_rate"]
