"""A :class:`MapRunner`: runs the maps' jobs in a worker host child, with progress, result and cancel as Qt signals.

The job is a picklable ``fn(progress=callable(frac), stop=callable() -> bool)`` (a ``functools.partial``
of a module-level function), run as job kind "call" (``playground.workers.jobs_call``). Starting a
job cancels the current one without waiting for it (its late messages are dropped by job id);
:meth:`MapRunner.shutdown` cancels every job and gives the host back (the last user's release ends
the child, which also ends a job that ignores its stop). The runners of one page share one child by
default (``HOST_NAME``); it ends after the host's ``idle_s`` with no job.
"""
from __future__ import annotations

import logging
import math

from PySide6.QtCore import QObject, QTimer, Signal

from playground.workers import shared as hosts
from playground.workers.messages import Failed, Finished, Notice, Progress, Result

log = logging.getLogger(__name__)

HOST_NAME = "optimizer-playground-maps"
CHILD_NICE = 10  # below the GUI, as the racers
POLL_MS = 15  # how often a runner with a job reads the pipe
BUDGET_S = 0.004


class MapRunner(QObject):
    """Runs map jobs in a worker host's child; only the newest job reports.

    Parameters
    ----------
    name : str
        The runner's name (for the log).
    parent : QObject, optional
    host : WorkerHost, optional
        The host to use; default the process's shared ``HOST_NAME`` host (released by :meth:`shutdown`).

    Signals
    -------
    sigProgress(float)
        Fraction done of the current job.
    sigResult(object)
        The current job's result.
    sigFailed(str)
        The current job failed (one line; a traceback goes to the log, whose file it names).
    sigBusy(bool)
        A current job started (True) or ended (False).
    """

    sigProgress = Signal(float)
    sigResult = Signal(object)
    sigFailed = Signal(str)
    sigBusy = Signal(bool)

    def __init__(self, name: str = "map", parent: QObject | None = None, host=None):
        super().__init__(parent)
        self.name = name
        self._own_host = host is None
        self.host = hosts.acquire(HOST_NAME, nice=CHILD_NICE, title="map") if host is None else host
        self._current: int | None = None
        self._jobs: set[int] = set()  # this runner's jobs not finished (cancelled ones included)
        self._elapsed = math.nan
        self.last_elapsed_s = math.nan
        self._timer = QTimer(self)
        self._timer.setObjectName(f"{name}-poll")
        self._timer.timeout.connect(self._poll)
        self._closed = False

    def is_running(self) -> bool:
        """True while the current job has not finished."""
        return self._current is not None

    def job_count(self) -> int:
        """Jobs of this runner not yet finished in the child (cancelled ones included)."""
        return len(self._jobs)

    thread_count = job_count  # MapJobRunner's name

    def start(self, job) -> int:
        """Cancel the current job (without waiting) and start ``job`` in the host's child; return its id.

        A job that cannot be pickled, or a child that cannot start, is reported by ``sigFailed``
        (and the id is -1).
        """
        self.cancel()
        try:
            job_id = self.host.submit("call", job, self._on_message)
        except ValueError as exc:
            log.error("map %s: %s", self.name, exc)
            self.sigFailed.emit(str(exc).splitlines()[0])
            return -1
        if job_id is None:
            self.sigFailed.emit(self.host.last_error or "the map process could not start")
            return -1
        self._jobs.add(job_id)
        self._current = job_id
        self._elapsed = math.nan
        self._timer.start(POLL_MS)
        self.sigBusy.emit(True)
        return job_id

    def cancel(self) -> None:
        """Stop the current job; it ends in the child on its own and its result is dropped."""
        if self._current is None:
            return
        self.host.cancel(self._current)
        self._current = None
        self.sigBusy.emit(False)

    def shutdown(self, timeout_ms: int | None = None) -> None:
        """Cancel every job of this runner and give the host back; never raises, safe to call twice."""
        if self._closed:
            return
        self._closed = True
        self.cancel()
        for job_id in list(self._jobs):
            self.host.cancel(job_id)
        self._jobs.clear()
        self._timer.stop()
        timeout = 1.0 if timeout_ms is None else timeout_ms / 1000.0
        if self._own_host:
            hosts.release(self.host, timeout)

    def _poll(self) -> None:
        self.host.poll(BUDGET_S)
        if not self._jobs:
            self._timer.stop()

    def _on_message(self, msg) -> None:
        job_id = msg.job_id
        if isinstance(msg, Finished):
            self._jobs.discard(job_id)
            if job_id == self._current:  # ended without a result or a failure (should not happen)
                self._current = None
                self.sigBusy.emit(False)
            return
        if job_id != self._current:
            return
        if isinstance(msg, Progress):
            self.sigProgress.emit(float(msg.data))
        elif isinstance(msg, Notice) and msg.name == "elapsed":
            self._elapsed = float(msg.value)
        elif isinstance(msg, Result):
            self.last_elapsed_s = self._elapsed
            self._current = None
            self.sigResult.emit(msg.value)
            self.sigBusy.emit(False)
        elif isinstance(msg, Failed):
            self._current = None
            self.sigFailed.emit(msg.text)
            self.sigBusy.emit(False)
