"""Which of the training page's views to redraw in this frame: one per frame while training.

No Qt. Every view's update costs a few ms of setData plus its repaint; doing all four in one
frame stalled the GUI thread well past a frame (bench/bench_training_page.py measures the
stalls). While training, of the views that got new data and are due, the one that has waited
longest is drawn; paused, finished or forced, every view that got new data at once.
"""
from __future__ import annotations

import time

VIEWS = ("decision", "curves", "diagram", "histograms")
# While training, each view is redrawn at most this often (seconds). On a 2-core machine the GUI
# and the trainer each need a core, and anything else that runs (another program, a test run)
# takes its time from one of them; so the views cost what they show: the decision surface is the
# animation, the curves move by a pixel at a time, the diagram and the histograms change slowly.
VIEW_INTERVAL_S = {"decision": 1 / 30, "curves": 1 / 12, "diagram": 1 / 6, "histograms": 1 / 6}


class ViewScheduler:
    """The set of views with new data (:attr:`pending`) and when each was last drawn."""

    def __init__(self, intervals: dict[str, float] | None = None):
        self.intervals = dict(VIEW_INTERVAL_S if intervals is None else intervals)
        self.pending: set[str] = set()
        self.drawn_at: dict[str, float] = {}  # view -> perf_counter of its last update

    def mark(self, *views: str) -> None:
        """These views got new data."""
        self.pending.update(views)

    def discard(self, *views: str) -> None:
        """These views have nothing new to show (their data was cleared)."""
        self.pending.difference_update(views)

    def forget_timing(self) -> None:
        """Every view counts as never drawn (each is due at once)."""
        self.drawn_at.clear()

    def take(self, one_at_a_time: bool, now: float | None = None) -> set[str]:
        """The views to draw now, removed from :attr:`pending` and stamped as drawn.

        Parameters
        ----------
        one_at_a_time : bool
            Training: at most one view, the due one that waited longest (a view is due once its
            interval has passed since it was drawn). Otherwise every pending view.
        """
        if not self.pending:
            return set()
        now = time.perf_counter() if now is None else now
        if one_at_a_time:
            due = [v for v in self.pending if now - self.drawn_at.get(v, 0.0) >= self.intervals.get(v, 0.0)]
            todo = {min(due, key=lambda v: self.drawn_at.get(v, 0.0))} if due else set()
        else:
            todo = set(self.pending)
        for v in todo:
            self.drawn_at[v] = now
        self.pending -= todo
        return todo
