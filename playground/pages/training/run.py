"""The training page's link to its trainer process: runs start, pause and end here.

No Qt. :class:`TrainerLink` gets each run's config from the model's settings, drives
:class:`playground.train_process.TrainProcess` through its public API, and writes what the
trainer reports into the model's runtime fields (status, busy, run id, LR range result, status
line); epoch and step reports go to the page's ``on_metrics`` (it folds them into the curves and
marks views to redraw, without a model event per report).
"""
from __future__ import annotations

import logging

from playground.pages.training.model import RunStatus

log = logging.getLogger(__name__)

LR_RANGE = {"lr_min": 1e-5, "lr_max": 10.0, "steps": 200}


class TrainerLink:
    """The page's trainer process (started on the first run) and the run it trains.

    Parameters
    ----------
    model : TrainingModel
    status : StatusLine
        Where messages to the user go.
    on_metrics : callable(Metrics)
        Called with every epoch, step and final report, in order.
    host : TrainProcess, optional
        The trainer to drive (default: a TrainProcess started on the first run).
    """

    def __init__(self, model, status, on_metrics, host=None):
        self.model = model
        self.status = status
        self.on_metrics = on_metrics
        self._host = host
        # Pauses sent whose "paused" reply has not come back. The trainer replies "paused" to a
        # pause and also pauses by itself after +1 epoch: a reply that arrives after Play was
        # pressed again is old news, and taking it for a pause showed Play while training went on.
        self._pauses_sent = 0

    # -- the process --------------------------------------------------------------
    def _ensure_host(self):
        if self._host is None:
            from playground.train_process import TrainProcess

            self._host = TrainProcess()
        return self._host

    @property
    def running(self) -> bool:
        """The trainer holds a run (training or paused)."""
        return self._host is not None and self._host.running

    @property
    def pid(self) -> int | None:
        """The trainer process's id (None before the first run and after :meth:`close`)."""
        return None if self._host is None else self._host.pid

    def close(self) -> None:
        """End the trainer process (a later run starts a new one)."""
        if self._host is not None:
            self._host.close()
            self._host = None
        self.model.advance("stop")
        self.model.busy = False

    # -- runs ---------------------------------------------------------------------
    def start(self, config, paused: bool = False) -> bool:
        """Start a new run of ``config``; False (said in the status line) if no trainer took it."""
        host = self._ensure_host()
        run_id = host.start_run(config, paused=paused)
        if not host.running:  # no trainer took the run: say so, never "training" with nothing behind it
            self.model.advance("stop")
            self.status.say(f"Cannot train: {host.last_error}", error=True)
            return False
        host.set_pace(self.model.speed)
        self._pauses_sent = 0
        self.model.run_id = run_id
        self.model.advance("start_paused" if paused else "start")
        self.model.busy = True  # until the first report arrives (a cold trainer imports torch first)
        return True

    def stop(self) -> None:
        """Stop the run (the process stays for the next one)."""
        if self._host is not None:
            self._host.stop_run()
        self.model.advance("stop")
        self.model.busy = False

    def play(self) -> bool:
        """Continue a paused run; False if there is none to continue."""
        if self.model.status is RunStatus.PAUSED and self.running:
            self._host.play()
            self.model.advance("play")
            return True
        return False

    def pause(self) -> bool:
        """Pause the running run (kept); False if nothing was training."""
        if self.model.status is RunStatus.RUNNING and self._host is not None:
            self._host.pause()
            self._pauses_sent += 1
            self.model.advance("pause")
            return True
        return False

    def one_epoch(self) -> None:
        """Train one more epoch of the current run, then pause."""
        self._host.one_epoch()
        self.model.advance("one_epoch")

    def lr_range(self, config) -> None:
        """Run the learning-rate range test of ``config``; its result lands in ``model.lr_range``."""
        self.stop()
        self._ensure_host().lr_range(config, **LR_RANGE)
        self.model.busy = True

    def set_pace(self, epochs_per_s: float | None) -> None:
        """Train at most this many epochs a second (None: as fast as it goes)."""
        if self.running:
            self._host.set_pace(epochs_per_s)

    def set_controls(self, **changes) -> None:
        """Change live settings (lr, L1, L2, dropout, augmentation, neuron maps) of the running run."""
        if self.running:
            self._host.set_controls(**changes)

    def want_snapshot(self) -> None:
        """The last snapshot is drawn: the trainer may send the next one."""
        if self._host is not None:
            self._host.want_snapshot()

    # -- messages -------------------------------------------------------------------
    def take(self) -> None:
        """Handle the messages that arrived (within the host's time budget)."""
        if self._host is not None:
            for kind, payload in self._host.take():
                self.handle_message(kind, payload)

    def handle_message(self, kind: str, payload) -> None:
        """Take one message of the trainer (metrics, pause, end, error, lr range result)."""
        m = self.model
        m.busy = False  # the first report (or the end) is here: things move now
        if kind == "metrics":
            if payload.data is not None:
                m.run_data = payload.data  # what the run really trains on
            self.on_metrics(payload)
        elif kind == "paused":
            if self._pauses_sent:  # the reply to a pause: the status is already what the user chose
                self._pauses_sent -= 1
            else:  # +1 epoch is done
                m.advance("trainer_paused")
            if m.status is RunStatus.PAUSED:
                self.status.say(f"Paused after epoch {payload}. Play continues, +1 epoch trains one more.")
        elif kind == "done":
            m.advance("done")
        elif kind == "error":
            log.info("trainer error: %s", payload)
            m.advance("error")
            self.status.say(str(payload), error=True)
        elif kind == "lr_range":
            r = payload
            m.lr_range = r
            self.status.say(f"LR range test: the loss is lowest near lr={r.min_lr:.2g}; a good start is about "
                            f"{r.suggested_lr:.2g} (a bit before the bottom of the U).")
