"""The training page's frame: drain the trainer's reports, fold them in, draw what is due.

One QTimer, capped at 60 Hz and active only while a run is going (or a view still waits). Reports
arrive hundreds of times a second: each is folded into the curves' history and marks views as
pending (no model event that redraws); the frame then updates one view (:class:`ViewScheduler`).
"""
from __future__ import annotations

import weakref

from PySide6.QtCore import QTimer

from playground.pages.training.model import RunStatus

FRAME_MS = 16  # 60 Hz cap (docs/traps.md: a 33 ms timer gives no headroom for 30 FPS)


class FrameLoop:
    """The frame timer of a training page and what each tick does.

    Parameters
    ----------
    page : TrainingPage
        Its ``model``, ``views``, ``scheduler``, ``status_line`` and ``trainer``; its
        ``handle_metrics`` receives every report (a test or a benchmark may wrap it).
    """

    def __init__(self, page):
        self.page = weakref.proxy(page)  # the page owns this loop
        self.frames = 0  # frames in which a view was updated
        self.timer = QTimer(page)
        self.timer.setObjectName("training-page-frame")
        self.timer.setInterval(FRAME_MS)
        self.timer.timeout.connect(self._on_timer_timeout)

    def wake(self) -> None:
        """Tick until the run ends and every view is drawn."""
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()

    def _on_timer_timeout(self) -> None:
        p = self.page
        p.trainer.take()
        p.status_line.flush()
        self.draw()
        if not p.trainer.running and not p.scheduler.pending:
            self.timer.stop()

    def handle_metrics(self, m) -> None:
        """Fold one ``Metrics`` into the histories and mark the views to redraw (no redraw here)."""
        p = self.page
        h = p.curves.history
        if m.kind == "step":
            h.append("step", epoch=m.epoch_fraction, step=m.step, examples=m.examples_seen,
                     train_loss=m.batch_loss, lr=m.lr)
        elif m.kind in ("epoch", "final"):
            if m.kind == "epoch":
                h.append("epoch", epoch=m.epoch, step=m.step, examples=m.examples_seen, train_loss=m.train_loss,
                         val_loss=m.val_loss, train_acc=m.train_acc, val_acc=m.val_acc, lr=m.lr)
                if m.step == 0:
                    h.append("step", epoch=0, step=0, examples=0, train_loss=m.train_loss, lr=m.lr)
            model = p.model
            model.epoch, model.metrics = m.epoch, m
            if m.kind == "final":
                model.advance("final")
            p.status_line.offer(m, running=model.status is RunStatus.RUNNING)
        if m.snapshot is not None:
            p.model.snapshot = m.snapshot
            p.scheduler.mark("decision", "diagram", "histograms")
        p.scheduler.mark("curves")

    def draw(self, force: bool = False) -> set[str]:
        """Redraw views that got new data and return their names.

        While training, one view per frame (:class:`ViewScheduler`); paused, finished or forced,
        every pending view at once.
        """
        p = self.page
        live = p.model.status is RunStatus.RUNNING
        todo = p.scheduler.take(one_at_a_time=live and not force)
        for v in todo:
            if p.views.draw(v, p.model.snapshot, live=live):
                p.trainer.want_snapshot()  # drawn: the trainer may send the next one
        if todo:
            self.frames += 1
        return todo
