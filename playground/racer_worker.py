"""Racer trajectories in chunks: the runs, the chunk size, and the synchronous path.

The live page computes in a subprocess (``playground.racer_process``, which uses these helpers).
It used to be a QThread here, but eight racers stepping torch.optim held the GIL so much that the
GUI timer stalled far past a frame. ``compute_all`` computes on the calling thread (offscreen
renders and tests) exactly what the subprocess computes.
"""
from __future__ import annotations

CHUNK = 25  # steps per racer between updates: small enough that the first frames arrive at once


def make_runs(surface, racers, start, total_steps: int = 1000):
    """One ``TrajectoryRun`` per racer (a racer that cannot be built raises ValueError)."""
    from core.trajectories import TrajectoryRun

    return [TrajectoryRun(surface, r, tuple(start), total_steps=max(int(total_steps), 1)) for r in racers]


def run_done(run, traj, target: int) -> bool:
    """True when a run has reached ``target`` steps or stopped (diverged)."""
    return traj is not None and (len(traj.xy) - 1 >= target or traj.diverged_at is not None)


def compute_all(surface, racers, start, steps: int) -> list:
    """Compute every racer to ``steps`` on this thread (for offscreen renders and tests)."""
    runs = make_runs(surface, racers, start, steps)
    out = []
    for run in runs:
        traj = run.trajectory()
        while not run_done(run, traj, steps):
            before = len(traj.xy)
            run.advance(min(CHUNK * 8, steps - (len(traj.xy) - 1)))
            traj = run.trajectory()
            if len(traj.xy) == before:  # the engine stopped on its own
                break
        out.append(traj)
    return out
