"""Parallel coordinates: one vertical axis per parameter, each trial a line across them, coloured by
its objective.

Every axis is scaled to 0..1 over its range: in log10 space for a log parameter (so 1e-4, 1e-3, 1e-2
are evenly spaced, as the sampler sees them), choices evenly spaced as categories.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QLabel, QSizePolicy

from core.search_records import ParamAxis
from widgets.hairline_curve import HairlineCurve
from widgets.search.base import SearchPlot, mix, real_value
from widgets.theme import LIGHT, Theme

SHADES = 24  # shades of the objective: more than the eye tells apart on a line a pixel or two wide
# The best shades' lines are 2 px wide (as offset hairlines: widgets.hairline_curve), the rest 1 px.
BOLD_SHADES = 3


def normalized(axis: ParamAxis, value) -> float:
    """``value`` at 0..1 up ``axis`` (log10 space on a log axis, slot centres for choices); NaN if it has no place."""
    lo, hi = axis.plot_range()
    v = axis.to_plot(value)
    return (v - lo) / (hi - lo) if hi > lo else 0.5


class ParallelCoords(SearchPlot):
    """Trials as lines across one vertical axis per parameter, coloured by objective (best darkest on
    light, brightest on dark); the best trial's line on top.

    Attributes
    ----------
    lines : list of HairlineCurve
        ``SHADES`` curves, one per shade of the objective (worst to best); each draws its trials' lines.
    order : list of int
        The complete trials' numbers in drawing order (the best last).
    points : pyqtgraph.ScatterPlotItem
        The lines' vertices, for tool tips and clicks.
    """

    def __init__(self, theme: Theme = LIGHT, parent=None):
        super().__init__(theme, parent)
        self.caption = QLabel()
        self.caption.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Fixed)  # see ImportancePlot.warning
        self._layout.addWidget(self.plot, 1)
        self._layout.addWidget(self.caption)
        self.plot.showGrid(x=False, y=False)
        self.plot.hideAxis("left")  # each parameter axis carries its own end labels
        self.lines: list[HairlineCurve] = []
        for _ in range(SHADES):
            line = HairlineCurve()
            self.plot.addItem(line, ignoreBounds=True)
            self.lines.append(line)
        self.order: list[int] = []
        self._decor: list = []
        self._decor_key = None
        self.points = self._scatter("o", 7, z=20)
        self.set_theme(theme)

    def _titles(self):
        self._label("bottom", "")
        t = self._theme
        self.caption.setStyleSheet(f"color: {t.foreground}; font-size: {t.font_pt - 3}pt; padding: 0 6px;")
        self.caption.setText("Colour: the objective (" + ("brighter" if t.is_dark else "darker") + " = better)")

    def coordinates(self) -> tuple[np.ndarray, np.ndarray, list[int]]:
        """Complete trials' normalized coordinates, shape (trials, params), their objectives and numbers."""
        rows, vals, ns = [], [], []
        for r in self._records:
            v = r.finite_value
            if r.state != "complete" or v is None:
                continue
            rows.append([normalized(a, r.params.get(a.name)) for a in self._axes])
            vals.append(v)
            ns.append(r.number)
        return np.asarray(rows, float).reshape(len(rows), len(self._axes)), np.asarray(vals, float), ns

    def _data_range(self):
        if not self._axes:
            return None
        # Room on the right for the last axis's category names.
        return (-0.3, len(self._axes) - 0.55), (-0.14, 1.09)

    def _redraw(self):
        t = self._theme
        n = len(self._axes)
        key = (tuple(self._axes), t)
        if key != self._decor_key:  # the axes and their labels change with the space or the theme only
            self._decor_key = key
            self._draw_decor()
        coords, vals, ns = self.coordinates()
        self.order = []
        if not len(vals) or not n:
            for line in self.lines:
                line.setData([], [])
            self.points.setData([], [])
            return
        lo, hi = np.percentile(vals, [2, 98]) if len(vals) > 4 else (vals.min(), vals.max())
        score = np.clip((vals - lo) / (hi - lo), 0, 1) if hi > lo else np.zeros(len(vals))
        if not self._minimize:
            score = 1 - score
        cmap = pg.colormap.get(t.colormap)
        xs = np.arange(n, dtype=float)
        # One curve per shade, its trials joined with NaN breaks: a curve per trial (added and removed on
        # every snapshot) took 170 ms for 150 trials on the GUI thread.
        shade = np.minimum((score * SHADES).astype(int), SHADES - 1)
        order = np.argsort(-score, kind="stable")  # worst first, so the best lines are drawn last, on top
        self.order = [ns[k] for k in order]
        for b, line in enumerate(self.lines):
            members = order[shade[order] == b]
            if not len(members):
                line.setData([], [])
                continue
            s = (b + 0.5) / SHADES
            # good = dark on light (and bright on dark); bad lines fade into the background.
            # Three quarters of the map only: its bright yellow end vanished on a white background.
            c = cmap.map(0.75 * s if not t.is_dark else 1 - 0.75 * s, mode="qcolor")
            color = mix(c.name(), t.background, 1.0 - 0.55 * s)
            block = np.full((len(members), n + 1), np.nan)
            block[:, :n] = coords[members]
            line.setData(np.tile(np.append(xs, np.nan), len(members)), block.ravel(),
                         pen=self._pen(color, 2.0 if b < BOLD_SHADES else 1.0), connect="finite")
            line.setZValue(10 + (1 - s))
        px = np.tile(xs, len(vals))
        py = coords.ravel()
        data = np.repeat(ns, n)
        ok = np.isfinite(py)
        self.points.setData(px[ok], py[ok], data=data[ok], brush=pg.mkBrush(t.foreground), pen=None, size=5)

    def trial_line(self, number: int) -> tuple[np.ndarray, np.ndarray, pg.PlotCurveItem] | None:
        """Trial ``number``'s polyline (x, y) and the shade's curve that draws it, or None."""
        coords, _, ns = self.coordinates()
        if number not in ns:
            return None
        y = coords[ns.index(number)]
        for line in self.lines:
            lx, ly = line.getData()
            if lx is None or not len(lx):
                continue
            rows = np.asarray(ly, float).reshape(-1, len(self._axes) + 1)[:, :-1]
            if any(np.array_equal(row, y, equal_nan=True) for row in rows):
                return np.arange(len(y), dtype=float), y, line
        return None

    def _draw_decor(self):
        t = self._theme
        for item in self._decor:
            self.plot.removeItem(item)
        self._decor = []
        self.plot.getAxis("bottom").setTicks([[(float(i), a.name) for i, a in enumerate(self._axes)]])
        for i, a in enumerate(self._axes):
            line = pg.InfiniteLine(pos=i, angle=90, pen=self._pen(t.foreground, 1.5))
            self._decor.append(line)
            fill = pg.mkBrush(t.background)
            for frac, anchor in ((0.0, (0.5, 0)), (1.0, (0.5, 1))):  # low below the axis, high above it
                text = pg.TextItem(self._end_label(a, frac), color=t.foreground, anchor=anchor, fill=fill)
                text.setPos(i, -0.015 if frac == 0 else 1.015)
                text.setFont(self._small_font())
                self._decor.append(text)
            if a.categorical:
                for c in a.choices:
                    text = pg.TextItem(str(c), color=t.foreground, anchor=(0, 0.5), fill=fill)
                    text.setPos(i + 0.03, normalized(a, c))
                    text.setFont(self._small_font())
                    self._decor.append(text)
        for item in self._decor:
            item.setZValue(30 if isinstance(item, pg.TextItem) else 1)
            self.plot.addItem(item, ignoreBounds=True)

    def _end_label(self, a: ParamAxis, frac: float) -> str:
        if a.categorical:
            return ""
        v = a.low if frac == 0 else a.high
        return str(int(v)) if a.integer else real_value(float(v))

    def _small_font(self):
        f = pg.QtGui.QFont()
        f.setPointSize(self._theme.font_pt - 3)
        return f
