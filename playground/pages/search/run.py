"""The GUI side of the page's search: a worker host child running the "search" job, read by a QTimer.

:class:`SearchLink` owns the page's :class:`~playground.workers.host.WorkerHost` (spawned for the
first search, ended by :meth:`close`), submits the search, and turns the job's messages into Qt
signals. Nothing here waits for the child; the timer reads at most ``BUDGET_S`` of messages a tick.
"""
from __future__ import annotations

import functools

from PySide6.QtCore import QObject, QTimer, Signal

from playground.workers.messages import Failed, Finished, Progress, Result

HOST_NAME = "optimizer-playground-search"
CHILD_NICE = 10  # below the GUI (docs/traps.md: a compute child at normal priority stalls it)
POLL_MS = 30
BUDGET_S = 0.004


class SearchLink(QObject):
    """Runs one search at a time in the page's worker host child.

    Signals
    -------
    sigSnapshot(dict)
        The study so far (``playground.workers.jobs_search``'s snapshot).
    sigResult(dict)
        The final test of a finished search.
    sigFailed(str)
        One line: the search could not run, or failed.
    sigFinished(str)
        The job's end: "completed", "cancelled", "failed" or "died".
    """

    sigSnapshot = Signal(dict)
    sigResult = Signal(dict)
    sigFailed = Signal(str)
    sigFinished = Signal(str)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.host = None
        self.job: int | None = None
        self._timer = QTimer(self)
        self._timer.setObjectName("search-poll")
        self._timer.timeout.connect(self._poll)

    def ensure_host(self):
        """The page's host (made on first use; its child spawns with the first job)."""
        if self.host is None:
            from playground.workers.host import WorkerHost

            self.host = WorkerHost(HOST_NAME, nice=CHILD_NICE, title="search")
        return self.host

    @property
    def pid(self) -> int | None:
        return None if self.host is None else self.host.pid

    @property
    def running(self) -> bool:
        return self.job is not None

    def start(self, spec, mode: str = "start") -> bool:
        """Submit a search (``mode`` "start" or "resume"); False with :attr:`sigFailed` when it cannot start."""
        if self.job is not None:
            return False
        host = self.ensure_host()
        try:
            job = host.submit("search", {"spec": spec, "mode": mode}, functools.partial(_route, self))
        except ValueError as exc:
            self.sigFailed.emit(str(exc).splitlines()[0])
            return False
        if job is None:
            self.sigFailed.emit(host.last_error or "the search process could not start")
            return False
        self.job = job
        self._timer.start(POLL_MS)
        return True

    def cancel(self) -> None:
        """Ask the search to stop at its next epoch (its Finished comes later)."""
        if self.job is not None and self.host is not None:
            self.host.cancel(self.job)

    def submit_call(self, fn, handler) -> int | None:
        """Run ``fn(progress, stop)`` as a "call" job in the same child (refits, importances)."""
        host = self.ensure_host()
        job = host.submit("call", fn, handler)
        if job is not None:
            self._timer.start(POLL_MS)
        return job

    def poll(self) -> None:
        """Read what came (the timer calls this; tests may too)."""
        self._poll()

    def _poll(self) -> None:
        if self.host is None:
            self._timer.stop()
            return
        self.host.poll(BUDGET_S)
        if not self.host.live_jobs:
            self._timer.stop()

    def handle(self, msg) -> None:
        if msg.job_id != self.job:
            return
        if isinstance(msg, Progress):
            self.sigSnapshot.emit(msg.data)
        elif isinstance(msg, Result):
            self.sigResult.emit(msg.value)
        elif isinstance(msg, Failed):
            self.sigFailed.emit(msg.text)
        elif isinstance(msg, Finished):
            self.job = None
            self.sigFinished.emit(msg.reason)

    def close(self, timeout: float = 3.0) -> None:
        """Stop the search and end the child (finished trials stay in the storage); safe to call twice."""
        self._timer.stop()
        if self.host is not None:
            if self.job is not None:
                self.host.cancel(self.job)
            self.host.close(timeout)
            self.host = None
        self.job = None


def _route(link_ref, msg) -> None:
    link_ref.handle(msg)
