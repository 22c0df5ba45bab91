"""Intermediate values: each trial's learning curve (the reported value against the epoch); pruned
trials stop where the pruner cut them, with a cross at the cut."""
from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg

from widgets.search.base import SearchPlot, mix, padded
from widgets.theme import LIGHT, Theme

#: A state's curves are antialiased up to this many trials. Beyond, they read as a texture, and Qt's
#: antialiased stroke of a random search's 150 curves was the longest paint of the page while it ran
#: (bench_search_stall's "waited for").
SMOOTH_CURVES = 40


class IntermediatePlot(SearchPlot):
    """Every trial's reported values against the step: complete trials in the theme's first colour,
    pruned ones paler with a cross where they were cut, the running one in the accent colour.

    Attributes
    ----------
    curves : dict of str to pyqtgraph.PlotCurveItem
        One curve per state ("complete", "pruned", "running", "fail") drawing all its trials' curves.
    paths : list of (int, list of float, list of float)
        Each drawn trial's number, steps and values, by number.
    ends : pyqtgraph.ScatterPlotItem
        One marker at each curve's last step (a cross for a pruned trial): tool tips and clicks.
    """

    def __init__(self, theme: Theme = LIGHT, parent=None):
        super().__init__(theme, parent)
        self._layout.addWidget(self.plot)
        self.curves: dict[str, pg.PlotCurveItem] = {}
        for state, z in (("pruned", 5), ("fail", 5), ("complete", 6), ("running", 7)):
            curve = pg.PlotCurveItem()
            curve.setZValue(z)  # the pruned under the complete, the running one on top
            self.plot.addItem(curve, ignoreBounds=True)
            self.curves[state] = curve
        self.paths: list[tuple[int, list[float], list[float]]] = []
        self.ends = self._scatter("o", 9, z=20)
        self.set_theme(theme)

    def _titles(self):
        self._label("bottom", "step (epoch)")
        self._label("left", "reported value")

    def _data_range(self):
        xs, ys = [], []
        for r in self._records:
            for s, v in r.intermediate.items():
                if math.isfinite(v):
                    xs.append(s)
                    ys.append(v)
        if not xs:
            return None
        return padded(min(xs), max(xs), 0.03), padded(min(ys), max(ys), 0.06)

    def _redraw(self):
        t = self._theme
        # One curve per state, the trials joined with NaN breaks: a curve per trial (added and removed on
        # every snapshot) took 140 ms for 150 trials on the GUI thread.
        self.paths = []
        joined = {state: ([], []) for state in self.curves}
        counts: dict[str, int] = {}
        ex, ey, en, symbols, brushes = [], [], [], [], []
        # One brush object per state: the scatter renders a symbol for every distinct brush object.
        brush = {state: pg.mkBrush(t.racer_colors[1] if state == "pruned" else self._state_color(state))
                 for state in self.curves}
        for r in sorted(self._records, key=lambda r: r.number):
            if not r.intermediate:
                continue
            steps = [float(s) for s in sorted(r.intermediate)]
            vals = [float(r.intermediate[s]) for s in sorted(r.intermediate)]
            self.paths.append((r.number, steps, vals))
            state = r.state if r.state in joined else "complete"
            counts[state] = counts.get(state, 0) + 1
            xs, ys = joined[state]
            xs += [*steps, np.nan]
            ys += [*vals, np.nan]
            ex.append(steps[-1])
            ey.append(vals[-1])
            en.append(r.number)
            symbols.append("x" if r.state == "pruned" else "o")
            brushes.append(brush.get(r.state, brush["complete"]))
        for state, curve in self.curves.items():
            base = self._state_color(state)
            color = mix(base, t.background, 0.55 if state == "pruned" else 0.85)
            xs, ys = joined[state]
            # One pixel: Qt strokes antialiased lines wider than that through its path stroker, about 8x
            # slower (150 trials' curves painted in 98 ms at 1.5 px, 12 ms at 1 px).
            curve.setData(np.asarray(xs, float), np.asarray(ys, float), pen=self._pen(color, 1.0), connect="finite",
                          antialias=bool(pg.getConfigOption("antialias")) and counts.get(state, 0) <= SMOOTH_CURVES)
        self.ends.setData(ex, ey, data=en, symbol=symbols, brush=brushes, pen=self._pen(t.background, 0.5),
                          size=[12 if s == "x" else 7 for s in symbols])

    def _state_color(self, state: str) -> str:
        t = self._theme
        return {"pruned": t.racer_colors[1], "running": t.racer_colors[2], "fail": t.grid}.get(state, t.racer_colors[0])
