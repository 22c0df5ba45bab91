"""The "Race" tab: every method on the page's space, over the same seeds and budget, against the dense grid.

"Run race" submits :func:`playground.search.race.run_race` as a "call" job to the search page's
worker host child (the same child as the search, through :meth:`SearchLink.submit_call`), never on
the GUI thread; its progress fills the bar, Cancel stops it at the next epoch, and the result is
drawn by :class:`widgets.search.race_plot.RacePlot`. The tab's state is its own :class:`RaceModel`.
"""
from __future__ import annotations

import functools

from PySide6.QtWidgets import (QHBoxLayout, QLabel, QProgressBar, QPushButton, QSizePolicy, QSpinBox, QVBoxLayout,
                               QWidget)

from playground.pages.search.race_model import MAX_SEEDS, RaceModel, RaceStatus, caption_text, done_text, race_spec
from playground.search.methods import METHODS
from playground.search.race import REGRET_FLOOR, run_race
from widgets.field_errors import style_error_label
from widgets.search.race_plot import RacePlot
from widgets.theme import Theme

RUN_TIP = ("Run every method (grid, random, coarse-to-fine, tpe, bayes) on this space with the same trials and "
           "seeds, and draw how far each one's best is from the best of a dense grid.")


class RacePanel(QWidget):
    """The Race tab: a "Run race" button, seeds, a progress bar, Cancel, the message line and the plot.

    Parameters
    ----------
    page_model : SearchModel
        The page's settings (space, set-up, trials, objective).
    link : SearchLink
        The page's link to its worker host child.
    """

    def __init__(self, page_model, link, theme: Theme, parent=None):
        super().__init__(parent)
        self.page_model, self.link = page_model, link
        self.model = RaceModel()
        self._job: int | None = None
        self._startup: int | None = None
        self.run_button = QPushButton("Run race")
        self.run_button.setToolTip(RUN_TIP)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop the race at its next epoch (nothing of it is kept).")
        self.cancel_button.setEnabled(False)
        self.seeds = QSpinBox()
        self.seeds.setRange(1, MAX_SEEDS)
        self.seeds.setValue(self.model.seeds)
        self.seeds.setPrefix("seeds: ")
        self.seeds.setToolTip("How many sampler seeds each method runs with (the band spans them).")
        self.bar = QProgressBar()
        self.bar.setRange(0, 1000)
        self.bar.setValue(0)
        self.bar.setFormat("")
        self.bar.setTextVisible(True)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.message.setMinimumWidth(1)
        self.message.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Fixed)
        self.plot = RacePlot(theme)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.run_button)
        row.addWidget(self.seeds)
        row.addWidget(self.bar, 1)
        row.addWidget(self.cancel_button)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 2, 0, 0)
        lay.setSpacing(2)
        lay.addLayout(row)
        lay.addWidget(self.message)
        lay.addWidget(self.plot, 1)
        self.run_button.clicked.connect(self.run)
        self.cancel_button.clicked.connect(self.cancel)
        self.seeds.valueChanged.connect(self._on_seeds)
        page_model.loaded.connect(self.forget)
        self.set_theme(theme)

    # -- actions ----------------------------------------------------------------------
    def run(self) -> bool:
        """Start a race of the page's settings in the worker child; False (said in place) when it cannot."""
        m = self.model
        if m.running:
            return False
        if self.page_model.running:
            self._say("Wait for the search to end, or cancel it: the race runs in the same process.", error=True)
            return False
        try:
            spec = race_spec(self.page_model, m.points)
        except ValueError as exc:
            self._say(f"Cannot race: {exc}", error=True)
            return False
        fn = functools.partial(run_race, spec, METHODS, tuple(range(m.seeds)), spec.trials, m.points)
        try:
            job = self.link.submit_call(fn, self._on_message)
        except ValueError as exc:
            self._say(f"Cannot race: {exc}", error=True)
            return False
        if job is None:
            host = self.link.host
            self._say((host.last_error if host is not None else None) or "the search process could not start",
                      error=True)
            return False
        self._job, self._startup = job, spec.startup_trials
        m.status, m.progress = RaceStatus.RUNNING, 0.0
        self._say(f"Racing {len(METHODS)} methods × {m.seeds} seeds × {spec.trials} trials, after a "
                  f"{m.points}-point dense grid per knob…")
        self._show()
        return True

    def cancel(self) -> None:
        """Stop the race at its next epoch (its Finished comes later)."""
        if self.model.status is RaceStatus.RUNNING and self._job is not None and self.link.host is not None:
            self.link.host.cancel(self._job)
            self.model.status = RaceStatus.CANCELLING
            self._say("Cancelling the race…")
            self._show()

    def stop(self) -> None:
        """The page is closing: cancel the race (the page ends the child)."""
        if self.model.running:
            self.cancel()
            self.model.status = RaceStatus.CANCELLED
        self._job = None
        self._show()

    def forget(self) -> None:
        """A new scene: the shown race was of another space."""
        if self.model.running:
            self.cancel()
        self.model.result = None
        self.model.progress = 0.0
        self.plot.clear_race()
        self._say("")
        self._show()

    def set_theme(self, theme: Theme) -> None:
        self.plot.set_theme(theme)
        font = self.font()
        font.setPointSize(max(theme.font_pt - 2, 9))
        for w in (self.run_button, self.cancel_button, self.seeds, self.bar, self.message):
            w.setFont(font)
        self._show_message()

    # -- the job's messages ---------------------------------------------------------------
    def _on_message(self, msg) -> None:
        from playground.workers.messages import Failed, Finished, Progress, Result

        if msg.job_id != self._job:
            return
        m = self.model
        if isinstance(msg, Progress):
            m.progress = float(msg.data or 0.0)
        elif isinstance(msg, Result) and msg.value is not None:
            m.result = msg.value
            self.plot.show_race({k: msg.value.regret(k) for k in msg.value.methods}, REGRET_FLOOR,
                                caption_text(msg.value))
            self._say(done_text(msg.value, self._startup))
        elif isinstance(msg, Failed) and m.status is RaceStatus.RUNNING:
            m.status = RaceStatus.FAILED
            self._say(f"The race stopped: {msg.text}", error=True)
        elif isinstance(msg, Finished):
            self._job = None
            if msg.reason == "completed":
                m.status, m.progress = RaceStatus.DONE, 1.0
            elif msg.reason == "cancelled":
                m.status = RaceStatus.CANCELLED
                self._say("Race cancelled." + (" The plot shows the race before it." if m.result is not None else ""))
            elif m.status is not RaceStatus.FAILED:
                m.status = RaceStatus.FAILED
                self._say(f"The race ended ({msg.reason}).", error=True)
        self._show()

    def _on_seeds(self, n: int) -> None:
        self.model.seeds = int(n)

    # -- model -> widgets -------------------------------------------------------------------
    def _say(self, text: str, error: bool = False) -> None:
        self.model.say(text, error)
        self._show_message()

    def _show_message(self) -> None:
        self.message.setText(self.model.message)
        if self.model.error:
            style_error_label(self.message)
        else:
            self.message.setPalette(self.palette())

    def _show(self) -> None:
        m = self.model
        self.run_button.setEnabled(not m.running)
        self.seeds.setEnabled(not m.running)
        self.cancel_button.setEnabled(m.status is RaceStatus.RUNNING)
        self.bar.setValue(round(1000 * m.progress))
        self.bar.setFormat(f"{100 * m.progress:.0f} %" if m.running or m.status is RaceStatus.DONE else "")
