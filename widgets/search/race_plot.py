"""The race of search methods: each method's regret to the dense grid's best against the number of trials.

One step line per method, the mean over the sampler seeds, with a band from the best seed to the
worst; the y axis is logarithmic (regret in log10, ticks labelled with real values). A key above the
plot names each method's colour and its mean regret at the end of the budget (a legend inside the
plot covered the curves' ends), and a caption above it says what the curves are measured against.
The view takes plain arrays: ``{method: regrets of shape (seeds, trials)}``.
"""
from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QSizePolicy

from widgets.search.base import SearchPlot, log_mode, padded, value_text
from widgets.theme import LIGHT, Theme

#: Each method's colour: an index into the theme's colour-blind-safe racer colours.
METHOD_COLOR = {"grid": 1, "random": 0, "coarse-to-fine": 2, "tpe": 4, "bayes": 3}
#: tpe and bayes begin with random start-up trials, the same points as random's with the same seed:
#: dashed and dotted, drawn after random, their curves leave random's showing where the three coincide.
METHOD_STYLE = {"tpe": Qt.DashLine, "bayes": Qt.DotLine}
#: Line widths, in theme line widths: random's wider line stays visible under tpe's and bayes' dashes.
METHOD_WIDTH = {"random": 1.8}
#: The key's line sample of each style.
SAMPLE = {Qt.SolidLine: "━━", Qt.DashLine: "╍╍", Qt.DotLine: "┅┅"}
#: Opacity of the bands: five of them overlap, so an opaque mix would hide the ones below (they are
#: drawn once per race, so translucency costs nothing that shows).
BAND_ALPHA = 50


def step_xy(y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Corners of a step line through ``y[i]`` at trials ``i + 1``: each value holds until the next trial."""
    n = len(y)
    x = np.repeat(np.arange(1, n + 1, dtype=float), 2)[1:]
    x = np.append(x, float(n))
    return x, np.repeat(np.asarray(y, float), 2)


def summary(regrets: np.ndarray, floor: float) -> tuple[int, np.ndarray, np.ndarray, np.ndarray]:
    """``(first, mean, low, high)`` of ``regrets`` (seeds x trials) in log10, from the first trial where every
    seed has a finite value; values below ``floor`` count as ``floor`` (a zero regret has no logarithm)."""
    r = np.asarray(regrets, float)
    if r.ndim == 1:
        r = r[None, :]
    ok = np.isfinite(r).all(axis=0)
    if not ok.any():
        return r.shape[1], np.empty(0), np.empty(0), np.empty(0)
    first = int(np.argmax(ok))
    r = np.maximum(r[:, first:], floor)
    return first, np.log10(r.mean(axis=0)), np.log10(r.min(axis=0)), np.log10(r.max(axis=0))


class RacePlot(SearchPlot):
    """Regret to the dense grid's best against trials, one curve and band per method.

    Attributes
    ----------
    caption : QLabel
        What the regret is measured against (the caller's text).
    key : QLabel
        Each method's colour and its final mean regret.
    curves : dict
        ``{method: PlotDataItem}`` of the mean curves drawn.
    bands : dict
        ``{method: FillBetweenItem}``.
    """

    def __init__(self, theme: Theme = LIGHT, parent=None):
        super().__init__(theme, parent)
        self._regrets: dict = {}
        self._floor = 1e-4
        self.curves: dict = {}
        self.bands: dict = {}
        self._edges: list = []
        self.caption = QLabel("Run a race to compare the methods.")
        self.caption.setWordWrap(True)
        self.caption.setMinimumWidth(1)  # a wrapped label's minimum width follows its text (docs/traps.md)
        self.caption.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Fixed)
        self.caption.setAlignment(Qt.AlignLeft | Qt.AlignTop)
        self.key = QLabel()
        self.key.setWordWrap(True)
        self.key.setMinimumWidth(1)
        self.key.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Fixed)
        self.plot.setMouseEnabled(x=False, y=False)
        self._layout.addWidget(self.caption)
        self._layout.addWidget(self.key)
        self._layout.addWidget(self.plot, 1)
        self.set_theme(theme)

    # -- public API ---------------------------------------------------------------------
    def show_race(self, regrets: dict, floor: float = 1e-4, caption: str = "") -> None:
        """Draw ``{method: regrets (seeds x trials)}``; ``floor``: the smallest regret drawn; ``caption``
        says what the regret is to."""
        self._regrets = {m: np.asarray(r, float) for m, r in regrets.items()}
        self._floor = float(floor)
        if caption:
            self.caption.setText(caption)
        self.user_view = False
        self._titles()
        self._redraw()
        self._fit()

    def clear_race(self, caption: str = "Run a race to compare the methods.") -> None:
        """Forget the drawn race."""
        self._regrets = {}
        self.caption.setText(caption)
        self._titles()
        self._redraw()

    def final_regret(self, method: str) -> float:
        """The mean regret of ``method`` after its whole budget (NaN if not drawn)."""
        r = self._regrets.get(method)
        if r is None or not np.isfinite(r[:, -1]).all():
            return math.nan
        return float(np.mean(r[:, -1]))

    # -- SearchPlot ---------------------------------------------------------------------
    def _color(self, method: str) -> str:
        c = self._theme.racer_colors
        return c[METHOD_COLOR.get(method, len(self.curves) + 5) % len(c)]

    def _titles(self):
        t = self._theme
        self._label("bottom", "trials")
        self._label("left", "regret to the dense grid's best")
        self.caption.setStyleSheet(f"color: {t.foreground}; font-size: {t.font_pt - 2}pt; padding: 0 6px;")
        self.key.setStyleSheet(f"color: {t.foreground}; font-size: {t.font_pt - 2}pt; padding: 0 6px;")
        parts = []
        for m in self._regrets:
            end = self.final_regret(m)
            sample = SAMPLE[METHOD_STYLE.get(m, Qt.SolidLine)]
            name = m.replace("-", "\u2011")  # a non-breaking hyphen: "coarse-to-" and "fine" wrapped apart
            parts.append(f"<span style='white-space:nowrap'><span style='color:{self._color(m)}'>{sample}</span>"
                         f"&nbsp;{name}" + (f"&nbsp;{value_text(end)}" if math.isfinite(end) else "") + "</span>")
        n = next(iter(self._regrets.values())).shape[0] if self._regrets else 0
        tail = (f" &nbsp; <span style='white-space:nowrap'>(mean of {n} seeds, band: best to worst)</span>"
                if n > 1 else "")
        self.key.setText(" &nbsp; ".join(parts) + tail if parts else "")

    def _redraw(self):
        t = self._theme
        log_mode(self.plot.getAxis("left"), True)
        for item in list(self.curves.values()) + list(self.bands.values()) + self._edges:
            self.plot.removeItem(item)
        self.curves, self.bands, self._edges = {}, {}, []
        drawn: list = []
        for m, r in self._regrets.items():
            first, mean, low, high = summary(r, self._floor)
            if not len(mean):
                continue
            color = self._color(m)
            x, y = step_xy(mean)
            x = x + first
            same = any(np.array_equal(low, a) and np.array_equal(high, b) for a, b in drawn)
            drawn.append((low, high))
            # tpe's and bayes' band is often random's (the same start-up points): drawn again, it only darkened it.
            if r.shape[0] > 1 and not same:  # curve items: a PlotDataItem without a pen builds no path to fill between
                lo = pg.PlotCurveItem(x, step_xy(low)[1], pen=pg.mkPen(None))
                hi = pg.PlotCurveItem(x, step_xy(high)[1], pen=pg.mkPen(None))
                fill = pg.mkColor(color)
                fill.setAlpha(BAND_ALPHA)
                band = pg.FillBetweenItem(lo, hi, brush=pg.mkBrush(fill))
                band.setZValue(0)
                self.plot.addItem(band, ignoreBounds=True)
                self.bands[m], self._edges = band, self._edges + [lo, hi]
            pen = self._pen(color, t.line_width * METHOD_WIDTH.get(m, 1.0), style=METHOD_STYLE.get(m, Qt.SolidLine))
            line = pg.PlotDataItem(x, y, pen=pen)
            line.setZValue(5)
            self.plot.addItem(line, ignoreBounds=True)
            self.curves[m] = line

    def _data_range(self):
        if not self._regrets:
            return None
        n = max(r.shape[1] for r in self._regrets.values())
        ys = []
        for r in self._regrets.values():
            _, _, low, high = summary(r, self._floor)
            ys += list(low) + list(high)
        if not ys:
            return None
        lo, hi = min(ys), max(ys)
        lo, hi = math.floor(lo * 2) / 2, math.ceil(hi * 2) / 2  # half decades: room for a labelled tick
        if hi - lo < 1:
            lo = hi - 1
        return padded(1, n, 0.03), padded(lo, hi, 0.03)
