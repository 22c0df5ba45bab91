"""Intermediate values: each trial's learning curve (the reported value against the epoch); pruned
trials stop where the pruner cut them, with a cross at the cut."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from widgets.search.base import SearchPlot, mix, padded
from widgets.theme import LIGHT, Theme


class IntermediatePlot(SearchPlot):
    """Every trial's reported values against the step: complete trials in the theme's first colour,
    pruned ones paler with a cross where they were cut, the running one in the accent colour.

    Attributes
    ----------
    curves : list of pyqtgraph.PlotCurveItem
    ends : pyqtgraph.ScatterPlotItem
        One marker at each curve's last step (a cross for a pruned trial): tool tips and clicks.
    """

    def __init__(self, theme: Theme = LIGHT, parent=None):
        super().__init__(theme, parent)
        self._layout.addWidget(self.plot)
        self.curves: list[pg.PlotCurveItem] = []
        self.ends = self._scatter("o", 9, z=20)
        self.set_theme(theme)

    def _titles(self):
        self._label("bottom", "step (epoch)")
        self._label("left", "reported value")

    def _data_range(self):
        xs, ys = [], []
        for r in self._records:
            for s, v in r.intermediate.items():
                if np.isfinite(v):
                    xs.append(s)
                    ys.append(v)
        if not xs:
            return None
        return padded(min(xs), max(xs), 0.03), padded(min(ys), max(ys), 0.06)

    def _redraw(self):
        t = self._theme
        for c in self.curves:
            self.plot.removeItem(c)
        self.curves = []
        ex, ey, en, symbols, brushes = [], [], [], [], []
        for r in sorted(self._records, key=lambda r: r.number):
            if not r.intermediate:
                continue
            steps = np.asarray(sorted(r.intermediate), float)
            vals = np.asarray([r.intermediate[int(s)] for s in steps], float)
            base = {"pruned": t.racer_colors[1], "running": t.racer_colors[2], "fail": t.grid}.get(
                r.state, t.racer_colors[0])
            color = mix(base, t.background, 0.55 if r.state == "pruned" else 0.85)
            curve = pg.PlotCurveItem(steps, vals, pen=self._pen(color, 1.5), connect="finite")
            curve.setZValue(5 if r.state == "pruned" else 6)
            self.plot.addItem(curve, ignoreBounds=True)
            self.curves.append(curve)
            ex.append(steps[-1])
            ey.append(vals[-1])
            en.append(r.number)
            symbols.append("x" if r.state == "pruned" else "o")
            brushes.append(pg.mkBrush(t.racer_colors[1] if r.state == "pruned" else base))
        self.ends.setData(ex, ey, data=en, symbol=symbols, brush=brushes, pen=self._pen(t.background, 0.5),
                          size=[12 if s == "x" else 7 for s in symbols])
