"""Racer trajectories computed off the GUI thread, in chunks, into a buffer the GUI polls.

The worker is a ``QObject`` living in a ``QThread``. It loops (so ``quit()`` alone cannot stop it:
TRAPS.md), advancing every racer's ``core.engine.TrajectoryRun`` a chunk at a time and publishing a
snapshot after each chunk. The GUI never waits on it: a ``QTimer`` reads ``snapshot()``.
Stopping: ``stop()`` sets the stop event, then ``quit()`` + ``wait()`` on the thread.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from PySide6.QtCore import QObject, QThread, Signal, Slot

from playground.warmup import warm_up

CHUNK = 25  # steps per racer between snapshots: small enough that the first frames arrive at once


@dataclass
class RaceJob:
    """What to compute: one run per racer, all from ``start``, up to ``target`` steps."""

    generation: int
    surface: object
    racers: list  # core.engine.Racer
    start: tuple[float, float]
    target: int
    runs: list = field(default_factory=list)


def make_runs(surface, racers, start, total_steps: int = 1000):
    """One ``TrajectoryRun`` per racer (a racer that cannot be built raises ValueError)."""
    from core.engine import TrajectoryRun

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


class RacerWorker(QObject):
    """Computes racer trajectories ahead of playback.

    Signals
    -------
    sigError(int, str)
        Generation and message when a racer could not be built or stepped.
    """

    sigError = Signal(int, str)

    def __init__(self):
        super().__init__()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._job: RaceJob | None = None
        self._snap: tuple[int, list] = (-1, [])
        self._version = 0
        self.busy_ms = 0.0  # longest single chunk, for the status line

    # -- called from the GUI thread ------------------------------------------------
    def set_job(self, generation: int, surface, racers, start, target: int) -> None:
        """Replace the job; older results are dropped (their generation no longer matches)."""
        with self._lock:
            self._job = RaceJob(generation, surface, list(racers), tuple(start), int(target))
            self._snap = (generation, [None] * len(racers))
            self._version += 1
        self._wake.set()

    def extend(self, target: int) -> None:
        """Compute further, up to ``target`` steps."""
        with self._lock:
            if self._job is not None and target > self._job.target:
                self._job.target = int(target)
        self._wake.set()

    def snapshot(self) -> tuple[int, int, list]:
        """(generation, version, trajectories) — a trajectory is None until its first chunk is in."""
        with self._lock:
            gen, trajs = self._snap
            return gen, self._version, list(trajs)

    def stop(self) -> None:
        """Ask the loop to end (then ``quit()`` and ``wait()`` the thread)."""
        self._stop.set()
        self._wake.set()

    # -- the thread ----------------------------------------------------------------
    @Slot()
    def run(self) -> None:
        """The worker loop (connected to ``QThread.started``)."""
        import torch

        torch.set_num_threads(1)  # torch's pool on 2 cores fights the GUI thread (TRAPS.md)
        while not self._stop.is_set():
            with self._lock:
                job = self._job
            if job is None or not self._step_job(job):
                self._wake.wait(0.1)
                self._wake.clear()
        self.thread().quit()

    def _step_job(self, job: RaceJob) -> bool:
        """Advance each unfinished racer by one chunk; return False when nothing was left to do."""
        if not job.runs:
            try:
                job.runs = make_runs(job.surface, job.racers, job.start, job.target)
            except Exception as exc:  # a bad racer: report, do not kill the thread
                self.sigError.emit(job.generation, str(exc).splitlines()[0] if str(exc) else repr(exc))
                with self._lock:
                    if self._job is job:
                        self._job = None
                return False
        worked = False
        for i, run in enumerate(job.runs):
            if self._stop.is_set() or self._job is not job:
                return True
            with self._lock:
                target = job.target
                traj = self._snap[1][i] if self._snap[0] == job.generation else None
            if traj is not None and run_done(run, traj, target):
                continue
            t0 = time.perf_counter()
            try:
                done_before = len(traj.xy) - 1 if traj is not None else 0
                n = min(CHUNK, target - done_before)
                if n > 0:
                    run.advance(n)
                traj = run.trajectory()
            except Exception as exc:
                self.sigError.emit(job.generation, f"racer {i + 1}: {exc}".splitlines()[0])
                continue
            self.busy_ms = max(self.busy_ms, (time.perf_counter() - t0) * 1000.0)
            with self._lock:
                if self._job is job and self._snap[0] == job.generation:
                    self._snap[1][i] = traj
                    self._version += 1
            worked = worked or n > 0
        return worked


class RacerThread:
    """Owns a ``RacerWorker`` and its ``QThread``; ``shutdown()`` is always safe to call."""

    def __init__(self):
        warm_up()
        self.worker = RacerWorker()
        self.thread = QThread()
        self.thread.setObjectName("racer-worker")
        self.worker.moveToThread(self.thread)
        self.thread.started.connect(self.worker.run)
        self.thread.start()

    def shutdown(self) -> None:
        """Stop the loop, end the thread and wait for it (a running QThread must not be destroyed)."""
        if self.thread is None:
            return
        self.worker.stop()
        self.thread.quit()
        self.thread.wait()
        self.thread = None
