"""Training runs and the LR range test in a worker host's child; the GUI process only draws.

Why a process: on two cores a torch loop in a QThread shares the GIL with the GUI thread and ran
at a fraction of the bare loop's speed while the window redrew (bench/bench_training_page.py
measures the subprocess against the bare loop). A subprocess has its own interpreter, so training
and drawing each get a core.

:class:`TrainProcess` is a client of one :class:`~playground.workers.host.WorkerHost` (job kinds
"train" and "lr_range", ``playground.workers.jobs_training``), with the API the training page has
always used. :meth:`TrainProcess.take` returns (kind, payload) pairs: ("metrics", Metrics),
("paused", epoch), ("done", reason), ("error", one line), ("lr_range", LRRangeResult).

Snapshots are rationed by the host's credit: a Progress that carries a snapshot is acked only when
the page has drawn it (:meth:`TrainProcess.want_snapshot`), and the run asks for the next snapshot
only then; every other Progress is acked as it is read. The child ends after ``idle_s`` with no
run; a paused run is a live job and keeps it.
"""
from __future__ import annotations

import logging

from playground.workers.host import IDLE_S, WorkerHost
from playground.workers.messages import Failed, Finished, Notice, Progress, Result

logger = logging.getLogger(__name__)

DIED = "the training process ended unexpectedly; press Play to train again"


class TrainProcess:
    """The GUI side of the trainer; every method returns at once.

    Messages are read by :meth:`take`, which never blocks; the page calls it from its frame
    timer. Messages of an older run (after a restart) are dropped here.

    Parameters
    ----------
    idle_s : float, optional
        The host ends its child after this long with no run (default ``IDLE_S``).
    """

    def __init__(self, idle_s: float | None = None):
        self.host = WorkerHost("optimizer-playground-trainer", title="training",
                               idle_s=IDLE_S if idle_s is None else idle_s)
        self.run_id = 0
        self.running = False
        self.last_error: str | None = None  # why the latest command could not be sent
        self._job: int | None = None  # the host's job of the current run
        self._kind = ""
        self._inbox: list[tuple[str, object]] = []
        self._failed: str | None = None
        self._to_ack: list[int] = []  # Progress read, acked after the read
        self._held: list[int] = []  # Progress carrying a snapshot: acked when drawn

    @property
    def pid(self) -> int | None:
        """The child's process id (None while there is none)."""
        return self.host.pid

    @property
    def alive(self) -> bool:
        """True while the child process exists."""
        return self.host.alive

    # -- lifecycle -------------------------------------------------------------
    def close(self, timeout: float = 2.0) -> None:
        """End the subprocess: ask it to quit (which ends the run), then terminate."""
        self.running = False
        self._job = None
        self.host.close(timeout)

    # -- commands --------------------------------------------------------------
    def _start(self, kind: str, payload) -> int:
        if self._job is not None:
            self.host.cancel(self._job)  # one run at a time: the old one ends
        self.run_id += 1
        run_id = self.run_id
        self._kind, self._failed = kind, None
        self._to_ack, self._held = [], []
        self._job = self.host.submit(kind, payload, lambda msg: self._on_message(run_id, msg), auto_ack=False)
        self.running = self._job is not None
        if self._job is None:
            self.last_error = self.host.last_error
        return run_id

    def start_run(self, config, paused: bool = False) -> int:
        """Start a new run of ``config`` (ending any current one); returns its run id."""
        return self._start("train", {"config": config, "paused": bool(paused)})

    def lr_range(self, config, **kwargs) -> int:
        """Run the learning-rate range test of ``config``; the result arrives as "lr_range"."""
        return self._start("lr_range", {"config": config, "kwargs": kwargs})

    def _command(self, name: str, *args) -> None:
        if self._job is None:
            return  # between runs: nothing to tell
        if not self.host.command(self._job, name, *args):
            # The child is gone with the run: say so now (the host's own report of it is then moot).
            if self.running:
                self._inbox.append(("error", DIED))
            self.last_error = DIED
            self.running = False

    def play(self) -> None:
        self._command("play")

    def pause(self) -> None:
        self._command("pause")

    def one_epoch(self) -> None:
        self._command("epoch")

    def set_pace(self, epochs_per_s: float | None) -> None:
        """Train the current run at most ``epochs_per_s`` epochs a second (None: as fast as it goes)."""
        self._command("pace", float(epochs_per_s) if epochs_per_s else None)

    def set_controls(self, **changes) -> None:
        """Babysitting: lr, l1, l2, dropout, augment applied at the next step of the running run."""
        self._command("set", changes)

    def want_snapshot(self) -> None:
        """The page has drawn the last snapshot: ack it, so the run may send another."""
        held, self._held = self._held, []
        if held and self._job is not None:
            self.host.ack(self._job, held)

    def stop_run(self) -> None:
        """End the current run (the subprocess stays, ready for the next)."""
        if self._job is not None and self.running:
            self.host.command(self._job, "stop")
        self.running = False

    # -- receiving -------------------------------------------------------------
    def take(self, budget_s: float = 0.008) -> list[tuple[str, object]]:
        """Messages of the current run that have arrived, as (kind, payload); never blocks long.

        ``budget_s`` caps the time spent unpickling, so a burst cannot stall a frame.
        """
        self.host.poll(budget_s)
        if self._to_ack and self._job is not None:
            self.host.ack(self._job, self._to_ack)
        self._to_ack = []
        out, self._inbox = self._inbox, []
        return out

    def _on_message(self, run_id: int, msg) -> None:
        if run_id != self.run_id:
            return  # a message of a run that was replaced
        if isinstance(msg, Progress):
            batch = msg.data
            (self._held if any(m.snapshot is not None for m in batch) else self._to_ack).append(msg.seq)
            self._inbox.extend(("metrics", m) for m in batch)
        elif isinstance(msg, Notice):
            if msg.name == "paused":
                self._inbox.append(("paused", msg.value))
        elif isinstance(msg, Result):
            self._inbox.append(("lr_range", msg.value))
        elif isinstance(msg, Failed):
            self._failed = msg.text
        elif isinstance(msg, Finished):
            was_running, self.running, self._job = self.running, False, None
            if msg.reason == "died":
                if was_running:
                    self._inbox.append(("error", DIED))
                return
            if self._failed is not None:
                self._inbox.append(("error", self._failed))
            if self._kind == "train":
                self._inbox.append(("done", "error" if msg.reason == "failed" else msg.reason))
