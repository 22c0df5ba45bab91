"""Racer trajectories computed in a worker host's child; the GUI process only polls and draws.

Why a process: each racer steps a real ``torch.optim`` optimizer on a (1, 2) tensor, Python that
holds the GIL at every step. In a QThread eight racers at playback speed 10 held the GIL so much
that the GUI timer stalled far past a frame, whatever the switch interval
(bench/bench_optimizer_page.py measures the stalls now). A subprocess has its own interpreter:
computing and drawing each get a core. The training page does the same (``playground.train_process``).

:class:`RacerProcess` is a client of one :class:`~playground.workers.host.WorkerHost` (job kind
"racers", ``playground.workers.jobs_racers``). Its API is the one the optimizer page has always
used: ``set_job``, ``extend``, ``snapshot`` (never blocks: it reads what arrived within a small
time budget), ``shutdown``, ``busy_ms``, and ``on_error(generation, text)``.

The host's child ends after ``idle_s`` without a job (all racers computed), and a later ``extend``
resubmits the job to a fresh child with the rows this side holds: the runs are seeded and
deterministic, so the child recomputes those rows and sends only the ones after them. The trails
already drawn stay, and stay right.
"""
from __future__ import annotations

import logging

import numpy as np

from playground.workers.host import IDLE_S, WorkerHost
from playground.workers.messages import Failed, Finished, Notice, Progress

log = logging.getLogger(__name__)

BUDGET_S = 0.004  # the GUI spends at most this long per snapshot() reading the pipe
CHILD_NICE = 10  # the subprocess runs at a lower priority than the GUI
DIED = "the racer process ended unexpectedly; change anything to restart it"


class _Rows:
    """One racer's trajectory as received: preallocated arrays grown by doubling."""

    def __init__(self):
        self.n = 0
        self.xy = np.empty((64, 2))
        self.loss = np.empty(64)
        self.lr = np.empty(64)
        self.grad = np.empty((64, 2))
        self.vel = np.empty((64, 2))

    def append(self, first: int, xy, loss, lr, grad, vel) -> None:
        end = first + len(xy)
        if end > len(self.lr):
            cap = max(2 * len(self.lr), end)
            for key in ("xy", "loss", "lr", "grad", "vel"):
                old = getattr(self, key)
                new = np.empty((cap,) + old.shape[1:])
                new[: self.n] = old[: self.n]
                setattr(self, key, new)
        self.xy[first:end] = xy
        self.loss[first:end] = loss
        self.lr[first:end] = lr
        self.grad[first:end] = grad
        self.vel[first:end] = vel
        self.n = end

    def trajectory(self, diverged_at, converged_at, outcome, labels):
        """A Trajectory of views of the rows so far (rows already received never change)."""
        from core.trajectories import Trajectory

        n = self.n
        return Trajectory(self.xy[:n], self.loss[:n], self.lr[:n], self.grad[:n], self.vel[:n],
                          diverged_at, converged_at, outcome, labels)


class RacerProcess:
    """The GUI side of the racers; every method returns at once.

    Parameters
    ----------
    on_error : callable(generation, text), optional
        Called (from ``snapshot`` or the host's housekeeping, on the GUI thread) when a racer could
        not be built or stepped, or the child died.
    idle_s : float, optional
        The host ends its child after this long without a job (default ``IDLE_S``).

    Attributes
    ----------
    busy_ms : float
        Longest single chunk the subprocess computed for the current job (status line, benchmarks).
    host : WorkerHost
        The host the jobs run in.
    """

    def __init__(self, on_error=None, idle_s: float | None = None):
        self.host = WorkerHost("optimizer-playground-racers", nice=CHILD_NICE, title="racer",
                               idle_s=IDLE_S if idle_s is None else idle_s, start=True)
        self.on_error = on_error
        self.busy_ms = 0.0
        self._gen = -1
        self._target = 0
        self._version = 0
        self._job: int | None = None  # the live job of the current generation
        self._payload: dict | None = None  # the current generation's job, without target and rows
        self._failed: str | None = None  # the current job's failure, reported with its Finished
        self._done_at: int | None = None  # the target the current job says it computed to
        self._rows: list[_Rows] = []
        self._trajs: list = []

    # -- lifecycle -------------------------------------------------------------
    @property
    def alive(self) -> bool:
        """True while the child process exists."""
        return self.host.alive

    @property
    def pid(self) -> int | None:
        """The child's process id (None while there is none)."""
        return self.host.pid

    def shutdown(self, timeout: float = 1.0) -> None:
        """End the subprocess: ask it to quit, then terminate it (safe to call twice)."""
        self._job = None
        self.host.close(timeout)

    stop = shutdown

    # -- commands --------------------------------------------------------------
    def set_job(self, generation: int, surface, racers, start, target: int) -> None:
        """Replace the job; results of older generations are dropped."""
        if self._job is not None:
            self.host.cancel(self._job)
        self._gen, self._target = int(generation), int(target)
        self._rows = [_Rows() for _ in racers]
        self._trajs = [None] * len(racers)
        self._version += 1
        self.busy_ms = 0.0
        spec = getattr(surface, "spec", None) or surface
        self._payload = {"surface": spec, "racers": list(racers), "start": tuple(float(v) for v in start),
                         "total_steps": self._target}
        self._submit()

    def extend(self, target: int) -> None:
        """Compute further, up to ``target`` steps."""
        if target <= self._target:
            return
        self._target = int(target)
        if self._job is not None:
            self.host.command(self._job, "extend", self._target)  # a dead child fails the job: reported
        elif self._payload is not None:
            self._submit()  # the job had ended (its child may be gone): on from the rows held

    def _submit(self) -> None:
        payload = dict(self._payload, target=self._target, have=[r.n for r in self._rows])
        self._failed = self._done_at = None
        self._job = job = self.host.submit("racers", payload, lambda msg: self._on_message(job, msg))
        if job is None and self.on_error is not None:
            self.on_error(self._gen, self.host.last_error or DIED)

    # -- receiving -------------------------------------------------------------
    def snapshot(self, budget_s: float = BUDGET_S) -> tuple[int, int, list]:
        """(generation, version, trajectories): what has arrived (a trajectory is None until its first chunk).

        Reads the pipe without blocking, for at most ``budget_s``.
        """
        self.host.poll(budget_s)
        return self._gen, self._version, list(self._trajs)

    def _on_message(self, job: int, msg) -> None:
        if job != self._job:
            return  # a job that was replaced
        if isinstance(msg, Progress):
            busy, items = msg.data
            self.busy_ms = max(self.busy_ms, busy)
            for i, first, xy, loss, lr, grad, vel, div, conv, outcome, labels in items:
                rows = self._rows[i]
                rows.append(first, xy, loss, lr, grad, vel)
                self._trajs[i] = rows.trajectory(div, conv, outcome, labels)
            self._version += 1
        elif isinstance(msg, Notice):
            if msg.name == "error":
                self._report(msg.value)
            elif msg.name == "done":
                self._done_at = int(msg.value)
        elif isinstance(msg, Failed):
            self._failed = msg.text
        elif isinstance(msg, Finished):
            self._job = None
            if msg.reason == "died":
                self._report(DIED)
            elif self._failed is not None:
                self._report(self._failed)
            elif msg.reason == "completed" and self._done_at is not None and self._done_at < self._target:
                self._submit()  # an extend came after the child had finished the job

    def _report(self, text: str) -> None:
        if self.on_error is not None:
            self.on_error(self._gen, text)
