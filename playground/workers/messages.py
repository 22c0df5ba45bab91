"""The messages between a worker host (GUI side) and its child process, one dataclass each.

Every message is a frozen dataclass of picklable fields, sent whole through a
``multiprocessing`` pipe. ``job_id`` is chosen by the host (unique per host, never reused), so a
message of a cancelled or replaced job is recognised and dropped.

GUI -> child: :class:`Submit`, :class:`Command`, :class:`Cancel`, :class:`Ack`, :class:`Quit`.
child -> GUI: :class:`Ready`, :class:`Progress`, :class:`Notice`, :class:`Result`, :class:`Failed`,
:class:`Finished`.

Flow control: each :class:`Progress` costs its job one credit (``seq`` names it); the job has at
most its credit of Progress messages that the GUI side has not acked. The GUI side acks a Progress
when it has used it (:class:`Ack` lists the ``seq`` numbers). Out of credit, a job keeps working
and folds what it has into its next Progress. Every other child -> GUI message is free: there is at
most a handful per job.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


# ----------------------------------------------------------------------------- GUI -> child
@dataclass(frozen=True)
class Submit:
    """Start job ``job_id`` of ``kind`` (a name in ``playground.workers.child.JOB_KINDS``)."""

    job_id: int
    kind: str
    payload: Any = None


@dataclass(frozen=True)
class Command:
    """A job-specific command (``extend``, ``play``, ``pause``, ``set``, ...) for a running job."""

    job_id: int
    name: str
    args: tuple = ()


@dataclass(frozen=True)
class Cancel:
    """End job ``job_id``; the child answers with its :class:`Finished` (reason "cancelled")."""

    job_id: int


@dataclass(frozen=True)
class Ack:
    """The GUI side has used the Progress messages ``seqs`` of job ``job_id``: that much credit back."""

    job_id: int
    seqs: tuple[int, ...] = ()


@dataclass(frozen=True)
class Quit:
    """End the child: it leaves its loop and calls ``os._exit(0)`` (no interpreter teardown)."""


# ----------------------------------------------------------------------------- child -> GUI
@dataclass(frozen=True)
class Ready:
    """Sent once, after the imports and the warm-up: the child takes jobs now."""

    pid: int


@dataclass(frozen=True)
class Progress:
    """A job's data so far (rows, metrics, a fraction): what the job sends in steps. Costs one credit."""

    job_id: int
    seq: int
    data: Any = None


@dataclass(frozen=True)
class Notice:
    """A job's event that is not data (a training run paused at an epoch, a racer that failed)."""

    job_id: int
    name: str
    value: Any = None
    details: str = ""


@dataclass(frozen=True)
class Result:
    """A job's return value (numpy arrays, a result object); a :class:`Finished` follows."""

    job_id: int
    value: Any = None


@dataclass(frozen=True)
class Failed:
    """The job failed: ``text`` is one line for the user, ``details`` the traceback for the log ("" for bad input).

    A :class:`Finished` follows.
    """

    job_id: int
    text: str
    details: str = ""


@dataclass(frozen=True)
class Finished:
    """Always a job's last message; ``reason`` is "completed", "cancelled", "failed" or a job's own word."""

    job_id: int
    reason: str = "completed"


#: Every message type, for tests and for checks on what arrives.
MESSAGES = (Submit, Command, Cancel, Ack, Quit, Ready, Progress, Notice, Result, Failed, Finished)


@dataclass
class Outbox:
    """The child's side of one job's flow control: its credit and what it has sent and not had acked.

    Attributes
    ----------
    credit : int
        At most this many Progress messages of the job unacked.
    unacked : set of int
        ``seq`` of the Progress messages sent and not yet acked.
    """

    job_id: int
    send: Any  # callable(message)
    credit: int = 4
    unacked: set = field(default_factory=set)
    next_seq: int = 0
    finished: bool = False

    def can_send(self) -> bool:
        """True while the job has credit for another Progress."""
        return len(self.unacked) < self.credit

    def progress(self, data) -> int:
        """Send ``data`` as a Progress (the caller checked :meth:`can_send`); returns its ``seq``."""
        seq = self.next_seq
        self.next_seq += 1
        self.unacked.add(seq)
        self.send(Progress(self.job_id, seq, data))
        return seq

    def ack(self, seqs) -> None:
        self.unacked.difference_update(seqs)

    def notice(self, name: str, value=None, details: str = "") -> None:
        self.send(Notice(self.job_id, name, value, details))

    def result(self, value) -> None:
        self.send(Result(self.job_id, value))

    def failed(self, text: str, details: str = "") -> None:
        self.send(Failed(self.job_id, text, details))

    def finish(self, reason: str = "completed") -> None:
        """Send :class:`Finished` once; the child then forgets the job."""
        if not self.finished:
            self.finished = True
            self.send(Finished(self.job_id, reason))
