"""Host the trainer in a spawned subprocess; the GUI process only draws.

Why a process: on two cores a torch loop in a QThread shares the GIL with the GUI thread and ran
at a fraction of the bare loop's speed while the window redrew (bench/bench_training_page.py measures
the subprocess against the bare loop).
A subprocess has its own interpreter, so training and drawing each get a core.

Protocol (``multiprocessing`` spawn context, one duplex ``Pipe``):

GUI -> child: ``("train", run_id, config, paused)``, ``("play",)``, ``("pause",)``,
``("want",)`` (the GUI drew the last snapshot: send another, so snapshots never pile up in the pipe),
``("epoch",)`` (run one epoch then pause), ``("set", {field: value})`` (babysitting through
``TrainControls``), ``("pace", epochs_per_s or None)`` (train no faster than that: the child waits
between steps, listening to the pipe, so the GUI never blocks), ``("stop",)`` (end the current run),
``("lr_range", run_id, config, kwargs)``, ``("quit",)``.

child -> GUI: ``("ready",)`` once, then ``(run_id, "metrics_batch", [Metrics, ...])`` (what
``take`` unpacks into one ("metrics", Metrics) each),
``(run_id, "paused", epoch)``, ``(run_id, "done", reason)``, ``(run_id, "error", text)``,
``(run_id, "lr_range", result)``.

One process serves run after run, so a restart costs no new interpreter or torch import.
"""
from __future__ import annotations

import logging
import time

from playground.child_process import ChildProcess

logger = logging.getLogger(__name__)

# Snapshots (decision grid, weights, histograms) are asked for at this rate: about one per frame.
SNAPSHOT_HZ = 40.0
# Step reports are sent in batches at least this often (epoch reports and snapshots go at once).
FLUSH_S = 0.015
# Commands that start a job: resent to a fresh child when the old one turns out to be dead.
_JOBS = ("train", "lr_range")
DIED = "the training process ended unexpectedly; press Play to train again"


def _child_main(conn) -> None:  # pragma: no cover - runs in the subprocess
    """Entry point of the subprocess: wait for jobs and run them one at a time."""
    import torch

    torch.set_num_threads(1)  # one core for training, the other for the GUI (docs/traps.md)
    try:
        conn.send(("ready",))
        _serve(conn)
    except (EOFError, OSError):  # the GUI closed its end (ChildProcess._end_child): quit quietly
        pass


def _serve(conn) -> None:  # pragma: no cover - subprocess
    pending = None
    while True:
        msg = pending or conn.recv()
        pending = None
        if msg[0] == "quit":
            return
        if msg[0] == "train":
            pending = _run_train(conn, *msg[1:])
        elif msg[0] == "lr_range":
            pending = _run_lr_range(conn, *msg[1:])
        # anything else (a stale play/pause/stop) is ignored between runs


def _run_lr_range(conn, run_id, config, kwargs):  # pragma: no cover - subprocess
    from core.training import lr_range_test
    from core.training.diagnostics import run_error_message

    try:
        result = lr_range_test(config, **kwargs)
    except Exception as exc:  # noqa: BLE001 - reported to the GUI, never kills the host
        logger.exception("lr range test failed")
        conn.send((run_id, "error", f"LR range test: {run_error_message(exc)}"))
        return None
    conn.send((run_id, "lr_range", result))
    return None


def _run_train(conn, run_id, config, paused):  # pragma: no cover - subprocess
    """Iterate ``train`` and forward its Metrics; returns a message that ended the run early."""
    import threading

    from core.training import TrainControls, train

    stop = threading.Event()
    controls = TrainControls()
    controls.request_snapshot()
    pause_at_epoch = None
    done_epoch = 0  # the last completed epoch (a step report's epoch may be the one in progress)
    credit = 1  # snapshots the GUI is ready to draw: never produce more than it consumes
    last_snap = 0.0
    gap = 1.0 / SNAPSHOT_HZ
    reason = "completed"
    pace = None  # epochs per second, None = as fast as it goes
    anchor = None  # (time, epochs done) the pacing counts from; reset by a pause or a new pace
    gen = train(config, stop_event=stop, controls=controls)
    batch: list = []
    last_flush = time.perf_counter()

    def flush():
        nonlocal last_flush
        if batch:
            conn.send((run_id, "metrics_batch", list(batch)))
            batch.clear()
        last_flush = time.perf_counter()

    try:
        for m in gen:
            # Step reports go out in batches (one pickle and one write per FLUSH_S): hundreds of single
            # sends a second cost the trainer time and the GUI as many reads. Epoch reports and
            # snapshots go at once, so a slow next epoch never holds them back.
            batch.append(m)
            if m.kind != "step" or m.snapshot is not None or time.perf_counter() - last_flush >= FLUSH_S:
                flush()
            if m.kind == "epoch":
                done_epoch = m.epoch
            now = time.perf_counter()
            if m.snapshot is not None:
                last_snap = now
            elif credit > 0 and now - last_snap > gap:
                controls.request_snapshot()
                credit -= 1
                last_snap = now
            if m.kind == "final":
                reason = m.stopped or "completed"
                break
            if pause_at_epoch is not None and m.kind == "epoch" and m.epoch >= pause_at_epoch:
                paused, pause_at_epoch = True, None
                flush()
                conn.send((run_id, "paused", m.epoch))
            if paused:
                flush()  # everything before the pause is shown while paused
            deadline = 0.0
            if pace and not paused:
                if anchor is None:
                    anchor = (time.perf_counter(), m.epoch_fraction)
                deadline = anchor[0] + (m.epoch_fraction - anchor[1]) / pace
                if deadline > time.perf_counter():
                    flush()  # what is done is shown while the pace holds the next step back
            # Handle commands between steps; block while paused (the generator keeps its state) or
            # until the pace's deadline.
            while paused or conn.poll(max(0.0, deadline - time.perf_counter())):
                msg = conn.recv()
                kind = msg[0]
                if kind == "want":
                    credit = 1
                elif kind == "play":
                    paused, anchor = False, None
                elif kind == "pace":
                    pace, anchor, deadline = msg[1], None, 0.0
                elif kind == "pause":
                    if not paused:
                        paused = True
                        flush()
                        conn.send((run_id, "paused", done_epoch))
                elif kind == "epoch":
                    paused, pause_at_epoch, anchor = False, done_epoch + 1, None
                elif kind == "set":
                    controls.set(**msg[1])
                    controls.request_snapshot()
                elif kind == "stop":
                    stop.set()
                    reason = "stopped"
                    return None
                else:  # a new job or quit: end this run first
                    stop.set()
                    reason = "stopped"
                    return msg
    except Exception as exc:  # noqa: BLE001 - a bad config or a torch error ends the run, not the host
        from core.training.diagnostics import run_error_message

        flush()
        logger.exception("training run %s failed", run_id)  # the details: the child's stderr
        conn.send((run_id, "error", run_error_message(exc)))  # the user: one line, no torch internals
        reason = "error"
        return None
    finally:
        gen.close()
        flush()
        conn.send((run_id, "done", reason))
    return None


class TrainProcess(ChildProcess):
    """The GUI side of the training subprocess.

    Messages are read by :meth:`take`, which never blocks; the page calls it from its frame
    timer. Messages of an older run (after a restart) are dropped here.
    """

    def __init__(self):
        super().__init__(_child_main, "optimizer-playground-trainer")
        self._queue: list[tuple] = []  # commands sent before the child said "ready"
        self._notes: list[tuple[str, object]] = []  # messages of this side, delivered by take()
        self.run_id = 0
        self.running = False
        self.last_error: str | None = None  # why the latest command could not be sent

    @property
    def pid(self) -> int | None:
        """The child's process id (None before it is spawned)."""
        return self._proc.pid if self._proc is not None else None

    # -- lifecycle -------------------------------------------------------------
    def close(self, timeout: float = 2.0) -> None:
        """End the subprocess: ask politely (stop the run, quit), then terminate."""
        self.running = False
        self._end_child((("stop",), ("quit",)), timeout)

    # -- commands --------------------------------------------------------------
    def _send(self, *msg) -> bool:
        """Send (or queue) a command; False when no trainer can take it (``last_error`` says why).

        A child that died (killed, crashed) shows as a broken pipe here. A job ("train",
        "lr_range") then goes to a fresh child; a command for the dead run (play, set, ...) cannot
        be carried out, so the run is over and :meth:`take` reports that, rather than the page
        waiting for a run that nothing is training.
        """
        for _attempt in range(2):
            try:
                self.ensure_started()
            except OSError as exc:
                logger.exception("could not start the training process")
                self.last_error = f"could not start the training process: {exc}"
                self.running = False
                return False
            if not self._ready:
                self._queue.append(msg)
                return True
            try:
                self._conn.send(msg)
                return True
            except (OSError, ValueError) as exc:  # BrokenPipe / ConnectionReset, or a closed handle
                logger.warning("training process gone (%s) while sending %r", exc, msg[0])
                self._end_child((), timeout=0.5)
                if msg[0] not in _JOBS:
                    if self.running and msg[0] != "stop":
                        self._notes.append(("error", DIED))
                    self.running = False
                    self.last_error = DIED
                    return False
        self.last_error = DIED
        self.running = False
        return False

    def start_run(self, config, paused: bool = False) -> int:
        """Start a new run of ``config`` (ending any current one); returns its run id."""
        self.run_id += 1
        self._queue = [m for m in self._queue if m[0] not in ("play", "pause", "epoch", "set", "pace")]
        self.running = self._send("train", self.run_id, config, paused)
        return self.run_id

    def lr_range(self, config, **kwargs) -> int:
        """Run the learning-rate range test of ``config``; the result arrives as "lr_range"."""
        self.run_id += 1
        self.running = self._send("lr_range", self.run_id, config, kwargs)
        return self.run_id

    def play(self) -> None:
        self._send("play")

    def pause(self) -> None:
        self._send("pause")

    def one_epoch(self) -> None:
        self._send("epoch")

    def set_pace(self, epochs_per_s: float | None) -> None:
        """Train the current run at most ``epochs_per_s`` epochs a second (None: as fast as it goes)."""
        self._send("pace", float(epochs_per_s) if epochs_per_s else None)

    def set_controls(self, **changes) -> None:
        """Babysitting: lr, l1, l2, dropout, augment applied at the next step of the running run."""
        self._send("set", changes)

    def want_snapshot(self) -> None:
        """Tell the trainer the GUI has drawn its last snapshot and can take another."""
        if self._ready and self.running:
            self._send("want")

    def stop_run(self) -> None:
        """End the current run (the subprocess stays, ready for the next)."""
        if self.alive and self.running:
            self._send("stop")
        self.running = False

    # -- receiving -------------------------------------------------------------
    def take(self, budget_s: float = 0.008) -> list[tuple[str, object]]:
        """Messages of the current run that have arrived, as (kind, payload); never blocks long.

        ``budget_s`` caps the time spent unpickling, so a burst cannot stall a frame.
        """
        out, self._notes = self._notes, []
        conn = self._conn
        if conn is None:
            return out
        t0 = time.perf_counter()
        try:
            while conn.poll() and time.perf_counter() - t0 < budget_s:
                msg = conn.recv()
                if msg[0] == "ready":
                    self._ready = True
                    queued, self._queue = self._queue, []
                    for q in queued:
                        conn.send(q)
                    continue
                run_id, kind, payload = msg
                if run_id != self.run_id:
                    continue  # a message of a run that was replaced
                if kind in ("done", "error", "lr_range"):
                    self.running = False
                if kind == "metrics_batch":
                    out.extend(("metrics", m) for m in payload)
                else:
                    out.append((kind, payload))
        except (EOFError, OSError):
            logger.warning("the training process ended unexpectedly (exit code %s)",
                           self._proc.exitcode if self._proc is not None else None)
            self._end_child((), timeout=0.5)  # the next command starts a fresh one
            if self.running:
                out.append(("error", DIED))
            self.running = False
        return out
