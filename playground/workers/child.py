"""The child process of a worker host: it runs several jobs at once, a slice of each in turn.

A job is an object of a class named in :data:`JOB_KINDS` (imported in the child only when a job of
that kind first comes). The loop reads every command that is there, then gives each runnable job
one :meth:`Job.step`; it waits on the pipe only when no job has work (a paused training run,
racers out of credit), so a command is read within one slice of every job.
"""
from __future__ import annotations

import importlib
import logging
import os
import time
import traceback

from playground.workers.messages import Ack, Cancel, Command, Failed, Finished, Outbox, Quit, Ready, Submit

log = logging.getLogger(__name__)

#: Job kinds: name -> "module:Class" of a :class:`Job` subclass.
JOB_KINDS = {
    "racers": "playground.workers.jobs_racers:RacerJob",
    "train": "playground.workers.jobs_training:TrainJob",
    "lr_range": "playground.workers.jobs_training:LrRangeJob",
    "call": "playground.workers.jobs_call:CallJob",
    "search": "playground.workers.jobs_search:SearchJob",
}
IDLE_WAIT_S = 0.5  # the longest wait on the pipe: nothing is lost by waking now and then


def first_line(exc: BaseException) -> str:
    """The exception's message in one line (its repr when it has none)."""
    text = str(exc)
    return text.splitlines()[0] if text.strip() else repr(exc)


def details(exc: BaseException) -> str:
    """The traceback for the GUI's log; "" for a ValueError (bad input: its message says it all)."""
    if isinstance(exc, ValueError):
        return ""
    return "".join(traceback.format_exception(exc))


class Job:
    """Base of the job kinds, child side.

    Parameters
    ----------
    out : Outbox
        The job's messages go out through it (credit, Progress, Notice, Result, Failed, Finished).
    payload
        What :class:`~playground.workers.messages.Submit` carried.

    A subclass sets :attr:`CREDIT` and overrides :meth:`wake` and :meth:`step` (and
    :meth:`command` and :meth:`cancel` where it takes them). It ends by ``out.finish(reason)``.
    """

    CREDIT = 4

    def __init__(self, out: Outbox, payload):
        self.out = out

    def wake(self) -> float | None:
        """Seconds until the job can do work: 0 now, None when it waits for a command or an ack."""
        return None

    def step(self) -> None:
        """Do one slice of work (a few ms at most: commands are read between slices)."""

    def command(self, name: str, args: tuple) -> None:
        """A :class:`~playground.workers.messages.Command` for this job (unknown names are logged)."""
        log.warning("job %d: unknown command %r", self.out.job_id, name)

    def cancel(self) -> None:
        """Stop; the default finishes at once."""
        self.out.finish("cancelled")

    def close(self) -> None:
        """Release what the job holds (the child quits, or the job ended)."""


def child_main(conn, nice: int = 0) -> None:  # pragma: no cover - runs in the subprocess
    """Entry point of a host's child: one torch thread, ``nice``, warm-up, "ready", the loop, ``os._exit``."""
    import torch

    torch.set_num_threads(1)  # one core for the jobs, the other for the GUI (docs/traps.md)
    from playground.blas_threads import one_blas_thread

    one_blas_thread()  # the GP refits' BLAS too
    if nice:
        try:
            # Below the GUI: when other programs load both cores, the window still gets its slices.
            os.nice(nice)
        except (AttributeError, OSError):  # no os.nice on Windows
            pass
    from playground.warmup import warm_up

    warm_up()  # the first optimizer.step() imports torch._dynamo: before the first job, not during it
    from playground.gc_freeze import freeze_startup_objects

    freeze_startup_objects()  # torch's and the warm-up's objects: out of the jobs' full collections
    try:
        conn.send(Ready(os.getpid()))
        ChildLoop(conn).serve()
    except (EOFError, OSError):  # the GUI closed its end: quit
        pass
    # Nothing to flush: skip the interpreter's teardown (torch's takes most of a second, and the GUI
    # joins this process when it ends it).
    os._exit(0)


class ChildLoop:
    """The jobs of one child and the loop that serves them (runs in the subprocess)."""

    def __init__(self, conn):
        self.conn = conn
        self.jobs: dict[int, Job] = {}
        self.order: list[int] = []  # round robin

    def serve(self) -> None:
        try:
            while True:
                wait = self._wait()
                while self.conn.poll(wait):
                    wait = 0
                    if self._handle(self.conn.recv()):
                        return
                self._run_slices()
        finally:
            for job in self.jobs.values():
                job.close()

    def _wait(self) -> float:
        waits = [w for w in (j.wake() for j in self.jobs.values()) if w is not None]
        return max(0.0, min(waits, default=IDLE_WAIT_S))

    def _handle(self, msg) -> bool:
        """Carry out one message; True for Quit."""
        if isinstance(msg, Quit):
            return True
        if isinstance(msg, Ack):
            job = self.jobs.get(msg.job_id)
            if job is not None:
                job.out.ack(msg.seqs)
        elif isinstance(msg, Submit):
            self._start(msg)
        elif isinstance(msg, Command):
            job = self.jobs.get(msg.job_id)
            if job is not None:  # a command for a job that ended meanwhile is moot
                self._guard(job, job.command, msg.name, tuple(msg.args))
        elif isinstance(msg, Cancel):
            job = self.jobs.get(msg.job_id)
            if job is not None:
                self._guard(job, job.cancel)
        else:
            log.warning("child: unknown message %r", msg)
        self._reap()
        return False

    def _start(self, msg: Submit) -> None:
        out = Outbox(msg.job_id, self.conn.send)
        try:
            module, _, name = JOB_KINDS[msg.kind].partition(":")
            cls = getattr(importlib.import_module(module), name)
            out.credit = cls.CREDIT
            job = cls(out, msg.payload)
        except KeyError:
            self.conn.send(Failed(msg.job_id, f"unknown job kind {msg.kind!r}; known: {', '.join(JOB_KINDS)}"))
            self.conn.send(Finished(msg.job_id, "failed"))
            return
        except Exception as exc:  # noqa: BLE001 - a job that cannot be built: report, keep the child
            self.conn.send(Failed(msg.job_id, first_line(exc), details(exc)))
            self.conn.send(Finished(msg.job_id, "failed"))
            return
        self.jobs[msg.job_id] = job
        self.order.append(msg.job_id)

    def _guard(self, job: Job, fn, *args) -> None:
        """Call a job's method; an exception fails that job only."""
        try:
            fn(*args)
        except Exception as exc:  # noqa: BLE001 - reported; the other jobs go on
            if not job.out.finished:
                job.out.failed(first_line(exc), details(exc))
                job.out.finish("failed")

    def _run_slices(self) -> None:
        for job_id in list(self.order):
            job = self.jobs.get(job_id)
            if job is not None and not job.out.finished and job.wake() == 0:
                self._guard(job, job.step)
        self._reap()

    def _reap(self) -> None:
        for job_id in [j for j, job in self.jobs.items() if job.out.finished]:
            self.jobs.pop(job_id).close()
            self.order.remove(job_id)


def deadline_wait(deadline: float) -> float:
    """Seconds from now to ``deadline`` (perf_counter), 0 when it has passed."""
    return max(0.0, deadline - time.perf_counter())
