"""The GUI side of a worker host: one child process, several jobs, and an end after an idle spell.

:class:`WorkerHost` spawns its child (``playground.workers.child.child_main``) when the first job
comes, hands jobs to it, reads what the child sends within a time budget, and calls each job's
handler with that job's messages (``playground.workers.messages``). Every method returns at once:
nothing here waits for the child, except :meth:`close` (it joins a child that was asked to quit).

Lifecycle: spawn (never fork) -> :class:`Ready` (torch imported, one thread, warmed up) -> jobs ->
quit (the child ``os._exit``\\s) -> terminate -> kill. A host whose jobs have all finished ends its
child after ``idle_s`` seconds and spawns a fresh one for the next job; a job that never finished
(a paused training run) keeps the child. A child that dies fails each of its jobs (``Failed`` with
one line, ``Finished("died")``); the next job gets a fresh child.
"""
from __future__ import annotations

import logging
import os
import pickle
import time
from dataclasses import dataclass
from multiprocessing.reduction import ForkingPickler

from playground.child_process import ChildProcess
from playground.workers.child import child_main
from playground.workers.messages import (Ack, Cancel, Command, Failed, Finished, Notice, Progress, Quit, Ready,
                                         Submit)

log = logging.getLogger(__name__)

#: A host with no live job ends its child after this long (s). The environment variable
#: OPTIMIZER_PLAYGROUND_IDLE_S sets another default (benchmarks: see a host go away sooner).
def _idle_default() -> float:
    text = os.environ.get("OPTIMIZER_PLAYGROUND_IDLE_S", "")
    try:
        value = float(text) if text else 30.0
    except ValueError:
        value = -1.0
    if not value > 0:  # also NaN
        log.warning("OPTIMIZER_PLAYGROUND_IDLE_S=%r is not a number of seconds > 0; using 30", text)
        return 30.0
    return value


IDLE_S = _idle_default()
BUDGET_S = 0.004  # default time a poll() may spend reading the pipe
TICK_MS = 250  # housekeeping: read what came, end an idle child, reap ended ones
RETIRE_S = 2.0  # a child asked to quit that is still there after this long is terminated


@dataclass
class _Entry:
    handler: object  # callable(message)
    auto_ack: bool
    kind: str


class WorkerHost(ChildProcess):
    """One child process that runs jobs; GUI side, every call returns at once.

    Parameters
    ----------
    name : str
        The child's process name (shows in ``ps``) and the word the messages use.
    nice : int
        Added to the child's niceness (compute children run below the GUI; 0 keeps it level).
    idle_s : float
        With no live job for this long, the child ends; the next job starts a new one.
    start : bool
        Spawn the child now (its torch import then happens before the first job comes).
    title : str, optional
        What the user's messages call the process ("the training process ended unexpectedly");
        default ``name``.
    """

    def __init__(self, name: str, *, nice: int = 0, idle_s: float = IDLE_S, start: bool = False,
                 title: str | None = None):
        super().__init__(child_main, name, args=(int(nice),))
        self.title = title or name
        self.idle_s = float(idle_s)
        self.last_error: str | None = None  # why the latest job or command could not be sent
        self._jobs: dict[int, _Entry] = {}  # live jobs: submitted and not finished
        self._next_id = 0
        self._queue: list[bytes] = []  # pickled messages waiting for "ready"
        self._local: list = []  # messages this side made up (a dead child), delivered by poll()
        self._idle_since: float | None = None
        self._retired: list = []  # (process, since): children asked to quit, not yet gone
        self._timer = None
        if start:
            self._start_child()

    # -- lifecycle -------------------------------------------------------------
    @property
    def pid(self) -> int | None:
        """The child's process id (None while there is none)."""
        return self._proc.pid if self._proc is not None else None

    @property
    def live_jobs(self) -> tuple[int, ...]:
        """Ids of the jobs submitted and not yet finished (a cancelled job stays until its Finished)."""
        return tuple(self._jobs)

    def _start_child(self) -> bool:
        if self._conn is not None and not self.alive:
            self._died()  # it ended behind our back: its jobs are failed first
        try:
            fresh = not self.alive
            self.ensure_started()
        except OSError as exc:
            log.exception("could not start the %s process", self.title)
            self.last_error = f"could not start the {self.title} process: {exc}"
            return False
        if fresh:
            self._queue.clear()
            if not self._jobs:
                self._idle_since = time.monotonic()
        self._tick_on()
        return True

    def close(self, timeout: float = 1.0) -> None:
        """End the child (quit, then terminate, then kill) and every retired one; safe to call twice."""
        if self._timer is not None:
            self._timer.stop()
        self._jobs.clear()
        self._queue.clear()
        self._local.clear()
        self._end_child((Quit(),), timeout)
        for proc, _ in self._retired:
            proc.join(timeout)
            if proc.is_alive():
                proc.terminate()
                proc.join(timeout)
            if proc.is_alive():
                proc.kill()
                proc.join(timeout)
        self._retired.clear()

    def _retire(self) -> None:
        """Ask the child to quit without waiting for it (housekeeping reaps it)."""
        proc, conn, ready = self._proc, self._conn, self._ready
        self._proc = self._conn = None
        self._ready = False
        if conn is not None:
            try:
                if ready:
                    conn.send(Quit())
            except (OSError, ValueError) as exc:
                log.debug("%s: quit not sent: %s", self._name, exc)
            conn.close()
        if proc is not None:
            if not ready:
                proc.terminate()  # still importing torch: nothing to lose
            self._retired.append((proc, time.monotonic()))

    def _reap(self) -> None:
        keep = []
        for proc, since in self._retired:
            if not proc.is_alive():  # is_alive() reaps an ended child
                continue
            if time.monotonic() - since > RETIRE_S:
                proc.terminate() if time.monotonic() - since < 2 * RETIRE_S else proc.kill()
            keep.append((proc, since))
        self._retired = keep

    # -- the housekeeping timer (only where a Qt application exists) -------------
    def _tick_on(self) -> None:
        from PySide6.QtCore import QCoreApplication, QTimer

        if QCoreApplication.instance() is None:
            return  # no event loop: poll() does the housekeeping
        if self._proc is None and not self._retired and not self._local:
            return  # nothing to look after
        if self._timer is None:
            self._timer = QTimer()
            self._timer.setObjectName(f"{self._name}-housekeeping")
            self._timer.timeout.connect(self._on_tick)
        if not self._timer.isActive():
            self._timer.start(TICK_MS)

    def _on_tick(self) -> None:
        self.poll()
        if self._proc is None and not self._retired and not self._local:
            self._timer.stop()

    def _check_idle(self) -> None:
        if self._jobs or self._proc is None or self._idle_since is None:
            return
        if time.monotonic() - self._idle_since >= self.idle_s:
            log.info("%s: no job for %.0f s; ending its process (the next job starts a new one)",
                     self._name, self.idle_s)
            self._retire()

    # -- jobs -------------------------------------------------------------------
    def submit(self, kind: str, payload, handler, *, auto_ack: bool = True) -> int | None:
        """Start a job; returns its id, or None when no child could be started (:attr:`last_error`).

        Parameters
        ----------
        kind : str
            A job kind of ``playground.workers.child.JOB_KINDS``.
        payload
            Picklable; what the job kind expects.
        handler : callable(message)
            Called from :meth:`poll` with each message of the job, its :class:`Finished` last.
        auto_ack : bool
            Ack each Progress as it is read (False: the caller acks with :meth:`ack` when it has used it).

        Raises
        ------
        ValueError
            The payload cannot be pickled (a lambda or a local function: use a module-level one).
        """
        self._next_id += 1
        job_id = self._next_id
        msg = Submit(job_id, kind, payload)
        try:
            data = bytes(ForkingPickler.dumps(msg))
        except (pickle.PicklingError, TypeError, AttributeError) as exc:
            raise ValueError(f"a {kind} job must be picklable to run in a child process: {exc}") from exc
        if not self._send_bytes(data, job=True):
            return None
        self._jobs[job_id] = _Entry(handler, auto_ack, kind)
        self._idle_since = None
        return job_id

    def command(self, job_id: int, name: str, *args) -> bool:
        """Send a command to a live job; False when its child is gone (the job then fails, see :meth:`poll`)."""
        if job_id not in self._jobs:
            return False
        return self._send_bytes(bytes(ForkingPickler.dumps(Command(job_id, name, tuple(args)))))

    def cancel(self, job_id: int) -> None:
        """Ask a live job to end; its Finished("cancelled") comes through :meth:`poll`."""
        if job_id in self._jobs:
            self._send_bytes(bytes(ForkingPickler.dumps(Cancel(job_id))))

    def ack(self, job_id: int, seqs) -> None:
        """Give back the credit of the Progress messages ``seqs`` of ``job_id`` (jobs with ``auto_ack=False``)."""
        seqs = tuple(int(s) for s in seqs)
        if seqs and job_id in self._jobs and self._ready:
            self._send_bytes(bytes(ForkingPickler.dumps(Ack(job_id, seqs))))

    def _send_bytes(self, data: bytes, job: bool = False) -> bool:
        """Send (or queue until ready); a job goes to a fresh child if the old one turns out dead."""
        for _attempt in range(2):
            if self._conn is None or not self.alive:
                if self._conn is not None:
                    self._died()  # it ended behind our back: its jobs are failed
                if not job:
                    return False  # a command for a child that is gone: its jobs were failed
                if not self._start_child():
                    return False
            if not self._ready:
                self._queue.append(data)
                return True
            try:
                self._conn.send_bytes(data)
                return True
            except (OSError, ValueError) as exc:  # BrokenPipe / ConnectionReset, or a closed handle
                log.warning("%s process gone (%s)", self._name, exc)
                self._died()
                if not job:
                    return False
        return False

    # -- receiving ----------------------------------------------------------------
    def poll(self, budget_s: float = BUDGET_S) -> int:
        """Read what the child sent, for at most ``budget_s``, and hand each message to its job's handler.

        Returns the number of messages handled. Also ends an idle child and reaps retired ones.
        """
        n = 0
        while self._local:
            msg = self._local.pop(0)
            self._dispatch(msg, {})
            n += 1
        conn = self._conn
        acks: dict[int, list[int]] = {}
        if conn is not None:
            t0 = time.perf_counter()
            try:
                while self._conn is conn and time.perf_counter() - t0 < budget_s and conn.poll():
                    msg = conn.recv()
                    n += 1
                    if isinstance(msg, Ready):
                        self._on_ready()
                    else:
                        self._dispatch(msg, acks)
            except (EOFError, OSError) as exc:
                if self._conn is conn:
                    log.warning("%s process ended unexpectedly (%s, exit code %s)", self._name, exc,
                                self._proc.exitcode if self._proc is not None else None)
                    self._died()
                    return n + self.poll(0)
            if self._conn is conn and self._ready:
                for job_id, seqs in acks.items():
                    if job_id in self._jobs:
                        self._send_bytes(bytes(ForkingPickler.dumps(Ack(job_id, tuple(seqs)))))
        self._check_idle()
        self._reap()
        return n

    def _on_ready(self) -> None:
        self._ready = True
        queued, self._queue = self._queue, []
        for data in queued:
            if not self._send_bytes(data):
                break

    def _dispatch(self, msg, acks: dict) -> None:
        entry = self._jobs.get(msg.job_id)
        if isinstance(msg, Failed) and msg.details:
            # The child's traceback goes to this process's log; the one line names the log.
            from playground.log import details_hint

            log.error("%s process: %s\n%s", self._name, msg.text, msg.details.rstrip())
            msg = Failed(msg.job_id, f"{msg.text} ({details_hint()})", msg.details)
        elif isinstance(msg, Notice) and msg.details:
            from playground.log import details_hint

            log.error("%s process: %s\n%s", self._name, msg.value, msg.details.rstrip())
            msg = Notice(msg.job_id, msg.name, f"{msg.value} ({details_hint()})", msg.details)
        if entry is None:
            return  # a job this side has forgotten (closed host)
        if isinstance(msg, Progress) and entry.auto_ack:
            acks.setdefault(msg.job_id, []).append(msg.seq)
        if isinstance(msg, Finished):
            del self._jobs[msg.job_id]
            if not self._jobs:
                self._idle_since = time.monotonic()
        entry.handler(msg)

    def dispatch(self, msg) -> None:
        """Hand one child message to its job's handler as :meth:`poll` does (tests, replays)."""
        self._dispatch(msg, {})

    def _died(self) -> None:
        """The child is gone: end what is left of it and fail each live job (delivered by poll())."""
        if self._conn is None and self._proc is None:
            return
        self._end_child((), timeout=0.5)
        self._queue.clear()
        text = f"the {self.title} process ended unexpectedly"
        for job_id in list(self._jobs):
            self._local.append(Failed(job_id, text))
            self._local.append(Finished(job_id, "died"))
        self._tick_on()
