"""Job kinds "train" (one training run, step by step) and "lr_range" (the learning-rate range test).

"train" payload: ``{"config": TrainConfig, "paused": bool}``. Commands: ``play``, ``pause``,
``epoch`` (train one epoch, then pause), ``set`` ({field: value}, babysitting through
``TrainControls``), ``pace`` (epochs per second or None: the job waits between steps while the
child reads its pipe), ``stop``. Each Progress is a list of ``Metrics``; ``Notice("paused", epoch)``;
``Failed`` carries the one-line ``run_error_message``; ``Finished``'s reason is the run's end
("completed", "early_stopping", "nan", "stopped", "error").

Snapshots (decision grid, weights, histograms) cost the trainer time, so the job asks for one only
when the GUI side has acked the Progress that carried the previous one: the GUI acks that message
when it has DRAWN it (``TrainProcess.want_snapshot``), and every other Progress when it reads it.
This is the host's one flow-control scheme (credit per job, acks by ``seq``) doing what the
trainer's "want" message did.

"lr_range" payload: ``{"config": TrainConfig, "kwargs": {...}}``; its Result is the ``LRRangeResult``.
"""
from __future__ import annotations

import logging
import threading
import time

from playground.workers.child import Job, deadline_wait

logger = logging.getLogger(__name__)

# Snapshots are asked for at most at this rate: about one per frame.
SNAPSHOT_HZ = 40.0
# Step reports are sent in batches at least this often (epoch reports and snapshots go at once).
FLUSH_S = 0.015


class TrainJob(Job):
    """Iterate ``core.training.train`` one step per slice and send its Metrics in batches."""

    CREDIT = 4

    def __init__(self, out, payload):
        super().__init__(out, payload)
        from core.training import TrainControls, train

        self.stop_event = threading.Event()
        self.controls = TrainControls()
        self.controls.request_snapshot()
        self.gen = train(payload["config"], stop_event=self.stop_event, controls=self.controls)
        self.paused = bool(payload.get("paused", False))
        self.pause_at_epoch = None
        self.done_epoch = 0  # the last completed epoch (a step report's epoch may be the one in progress)
        self.asked = True  # a snapshot was asked for and has not come yet
        self.snap_seq = None  # the Progress that carried the latest snapshot
        self.last_snap = 0.0
        self.pace = None  # epochs per second, None = as fast as it goes
        self.anchor = None  # (time, epochs done) the pacing counts from; reset by a pause or a new pace
        self.deadline = 0.0
        self.batch: list = []
        self.batch_snap = False
        self.last_flush = time.perf_counter()

    # -- the loop's questions ------------------------------------------------------
    def wake(self):
        if self.paused:
            return None
        return deadline_wait(self.deadline) if self.pace else 0.0

    def _flush(self, force: bool = False) -> None:
        if self.batch and (force or self.out.can_send()):
            seq = self.out.progress(list(self.batch))
            if self.batch_snap:
                self.snap_seq = seq
            self.batch.clear()
            self.batch_snap = False
        self.last_flush = time.perf_counter()

    def step(self):
        try:
            m = next(self.gen)
        except StopIteration:
            self._end("completed")
            return
        except Exception as exc:  # noqa: BLE001 - a bad config or a torch error ends the run, not the host
            from core.training.diagnostics import run_error_message

            logger.exception("training run (job %d) failed", self.out.job_id)  # the details: the child's stderr
            self._flush(force=True)
            self.out.failed(run_error_message(exc))  # the user: one line, no torch internals
            self._end("error")
            return
        # Step reports go out in batches (one pickle and one write per FLUSH_S): hundreds of single
        # sends a second cost the trainer time and the GUI as many reads. Epoch reports and
        # snapshots go at once (credit allowing), so a slow next epoch never holds them back.
        self.batch.append(m)
        now = time.perf_counter()
        if m.snapshot is not None:
            # Only the snapshot asked for gates the next request; the trainer's own (each epoch's
            # end) go as they come, as with the old "want".
            self.batch_snap = self.batch_snap or self.asked
            self.asked, self.last_snap = False, now
        if m.kind != "step" or m.snapshot is not None or now - self.last_flush >= FLUSH_S:
            self._flush()
        if m.kind == "epoch":
            self.done_epoch = m.epoch
        if (m.snapshot is None and not self.asked and not self.batch_snap and self.snap_seq not in self.out.unacked
                and now - self.last_snap > 1.0 / SNAPSHOT_HZ):
            self.controls.request_snapshot()
            self.asked, self.last_snap = True, now
        if m.kind == "final":
            self._end(m.stopped or "completed")
            return
        if self.pause_at_epoch is not None and m.kind == "epoch" and m.epoch >= self.pause_at_epoch:
            self.paused, self.pause_at_epoch = True, None
            self._flush(force=True)
            self.out.notice("paused", m.epoch)
        if self.paused:
            self._flush(force=True)  # everything before the pause is shown while paused
        elif self.pace:
            if self.anchor is None:
                self.anchor = (time.perf_counter(), m.epoch_fraction)
            self.deadline = self.anchor[0] + (m.epoch_fraction - self.anchor[1]) / self.pace
            if self.deadline > time.perf_counter():
                self._flush()  # what is done is shown while the pace holds the next step back

    def command(self, name, args):
        if name == "play":
            self.paused, self.anchor = False, None
        elif name == "pace":
            self.pace, self.anchor, self.deadline = args[0], None, 0.0
        elif name == "pause":
            if not self.paused:
                self.paused = True
                self._flush(force=True)
                self.out.notice("paused", self.done_epoch)
        elif name == "epoch":
            self.paused, self.pause_at_epoch, self.anchor = False, self.done_epoch + 1, None
        elif name == "set":
            self.controls.set(**args[0])
            self.controls.request_snapshot()
            self.asked = True
        elif name == "stop":
            self.cancel()
        else:
            super().command(name, args)

    def cancel(self):
        self.stop_event.set()
        self._end("stopped")

    def _end(self, reason: str) -> None:
        self.gen.close()
        self._flush(force=True)
        self.out.finish(reason)

    def close(self):
        self.stop_event.set()
        self.gen.close()


class LrRangeJob(Job):
    """Run ``lr_range_test`` in one slice (a few hundred steps) and send its result."""

    CREDIT = 1

    def __init__(self, out, payload):
        super().__init__(out, payload)
        self.config, self.kwargs = payload["config"], dict(payload.get("kwargs") or {})

    def wake(self):
        return 0.0

    def step(self):
        from core.training import lr_range_test
        from core.training.diagnostics import run_error_message

        try:
            result = lr_range_test(self.config, **self.kwargs)
        except Exception as exc:  # noqa: BLE001 - reported to the GUI, never kills the host
            logger.exception("lr range test failed")
            self.out.failed(f"LR range test: {run_error_message(exc)}")
            self.out.finish("error")
            return
        self.out.result(result)
        self.out.finish("completed")
