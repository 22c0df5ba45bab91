"""Optimization history: every trial's objective against its number, and the best so far as a step line."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QLabel, QSizePolicy

from core.search_records import best_so_far
from widgets.search.base import SearchPlot, padded
from widgets.theme import LIGHT, Theme


class HistoryPlot(SearchPlot):
    """Objective against trial number: complete trials as dots, pruned ones as triangles at their last
    reported value, failed ones as crosses along the bottom, and the best so far as a step line.

    Attributes
    ----------
    complete_points, pruned_points, failed_points : pyqtgraph.ScatterPlotItem
    best_line : pyqtgraph.PlotDataItem
    """

    def __init__(self, theme: Theme = LIGHT, parent=None):
        super().__init__(theme, parent)
        self.best_line = pg.PlotDataItem()
        self.best_line.setZValue(5)
        self.plot.addItem(self.best_line, ignoreBounds=True)
        self.complete_points = self._scatter("o", 9)
        self.pruned_points = self._scatter("t", 10)
        self.failed_points = self._scatter("x", 11)
        # The key is a line of text above the plot: a legend inside it covered the highest trials.
        self.key = QLabel()
        self.key.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Fixed)
        self._layout.addWidget(self.key)
        self._layout.addWidget(self.plot, 1)
        self.set_theme(theme)

    def _titles(self):
        self._label("bottom", "trial")
        self._label("left", "objective")
        c = self._theme.racer_colors
        self.key.setStyleSheet(f"color: {self._theme.foreground}; font-size: {self._theme.font_pt - 3}pt; padding: 0 6px;")
        self.key.setText(f"<span style='color:{c[0]}'>●</span> complete &nbsp; <span style='color:{c[4]}'>▼</span>"
                         f" pruned &nbsp; <span style='color:{c[1]}'>✕</span> failed &nbsp; "
                         f"<span style='color:{c[2]}'>━━</span> best so far")

    def best_curve(self) -> tuple[np.ndarray, np.ndarray]:
        """The step line's corners (x, y): the best so far holds until the next improvement."""
        best = best_so_far(self._records, self._minimize)
        if not best:
            return np.empty(0), np.empty(0)
        last = max(r.number for r in self._records)
        xs, ys = [], []
        for i, (n, b) in enumerate(best):
            if i:
                xs.append(n)
                ys.append(ys[-1])
            xs.append(n)
            ys.append(b)
        xs.append(last)
        ys.append(ys[-1])
        return np.asarray(xs, float), np.asarray(ys, float)

    def _values(self):
        done = [(r.number, r.finite_value) for r in self._records if r.state == "complete" and r.finite_value is not None]
        pruned = [(r.number, r.last_intermediate()[1]) for r in self._records
                  if r.state == "pruned" and r.last_intermediate() is not None]
        failed = [r.number for r in self._records if r.state == "fail" or (r.state == "complete" and r.finite_value is None)]
        return done, pruned, failed

    def _data_range(self):
        if not self._records:
            return None
        done, pruned, _ = self._values()
        ys = [v for _, v in done + pruned if np.isfinite(v)]
        numbers = [r.number for r in self._records]
        y = padded(min(ys), max(ys), 0.08) if ys else (0.0, 1.0)
        span = y[1] - y[0]
        y = (y[0] - 0.04 * span, y[1])  # the failed row below the lowest value
        return padded(min(numbers), max(numbers), 0.04), y

    def _redraw(self):
        t = self._theme
        done, pruned, failed = self._values()
        self.complete_points.setData([n for n, _ in done], [v for _, v in done], data=[n for n, _ in done],
                                     brush=pg.mkBrush(t.racer_colors[0]), pen=self._pen(t.background, 1))
        self.pruned_points.setData([n for n, _ in pruned], [v for _, v in pruned], data=[n for n, _ in pruned],
                                   brush=pg.mkBrush(t.racer_colors[4]), pen=self._pen(t.foreground, 1))
        rng = self._data_range()
        # Failed trials have no value: a row of crosses just inside the bottom of the fitted view.
        floor = rng[1][0] + 0.03 * (rng[1][1] - rng[1][0]) if rng else 0.0
        self.failed_points.setData(failed, [floor] * len(failed), data=failed,
                                   brush=pg.mkBrush(t.racer_colors[1]), pen=self._pen(t.racer_colors[1], 1))
        x, y = self.best_curve()
        self.best_line.setData(x, y, pen=self._pen(t.racer_colors[2], t.line_width))
