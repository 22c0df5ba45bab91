"""What TPE believes about one parameter: the good and bad densities l(x), g(x), and their ratio l/g.

The top plot draws l(x) (from the good trials) and g(x) (from the rest) with the trials as rug marks
under them, good ones above bad ones; the plot below, sharing x, draws l/g on a log axis with its
maximum marked: TPE proposes where l/g is largest. A caption above says what is drawn (the caller's
``label``) and, while there are too few trials, that TPE still samples at random.

The view takes plain arrays. A log parameter is drawn in log10 coordinates with decade ticks; ranges
are set here (docs/traps.md: pyqtgraph's auto-range redraws axes every update).
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QSizePolicy, QVBoxLayout, QWidget

from widgets.hparam_map_view import log_ticks
from widgets.surrogate_view import mix
from widgets.search.base import DrawsWhenSeen
from widgets.theme import LIGHT, Theme
from widgets.theme_apply import fill_background, still_plot, style_axes, style_legend


class TPEView(DrawsWhenSeen, QWidget):
    """l(x), g(x) and l/g for one parameter, with the good and bad trials as rug marks.

    Attributes
    ----------
    caption : QLabel
    density_plot, ratio_plot : pyqtgraph.PlotItem
        They share the x axis.
    good_curve, bad_curve, ratio_curve : pyqtgraph.PlotDataItem
    good_rug, bad_rug : pyqtgraph.ScatterPlotItem
        Vertical ticks at the good and the bad trials.
    """

    def __init__(self, theme: Theme = LIGHT, parent: QWidget | None = None):
        super().__init__(parent)
        self._theme = theme
        self._data: dict | None = None
        self.caption = QLabel("")
        self.caption.setWordWrap(True)
        self.caption.setMinimumWidth(1)
        self.caption.setContentsMargins(10, 0, 10, 0)
        self.caption.setAlignment(Qt.AlignLeft | Qt.AlignVCenter)
        self.caption.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Fixed)
        self.glw = pg.GraphicsLayoutWidget()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.caption)
        layout.addWidget(self.glw, 1)
        self.density_plot, self.ratio_plot = still_plot(), still_plot()
        self.glw.addItem(self.density_plot, 0, 0)
        self.glw.addItem(self.ratio_plot, 1, 0)
        self.glw.ci.layout.setRowStretchFactor(0, 3)
        self.glw.ci.layout.setRowStretchFactor(1, 2)
        self.ratio_plot.setXLink(self.density_plot)
        self.density_plot.getAxis("bottom").setStyle(showValues=False)
        self.good_curve = pg.PlotDataItem()
        self.bad_curve = pg.PlotDataItem()
        self.ratio_curve = pg.PlotDataItem()
        self.good_rug = pg.ScatterPlotItem(symbol="|", size=16)
        self.bad_rug = pg.ScatterPlotItem(symbol="|", size=16)
        self.best_line = pg.InfiniteLine(angle=90, movable=False)
        self.best_line_top = pg.InfiniteLine(angle=90, movable=False)
        for item in (self.bad_curve, self.good_curve, self.bad_rug, self.good_rug, self.best_line_top):
            self.density_plot.addItem(item)
        for item in (self.ratio_curve, self.best_line):
            self.ratio_plot.addItem(item)
        self.legend = pg.LegendItem(offset=(0, 4), colCount=2)
        self.legend.setParentItem(self.density_plot.getViewBox())
        self.legend.anchor(itemPos=(0.5, 0), parentPos=(0.5, 0), offset=(0, 4))
        self.legend.addItem(self.good_curve, "l(x): good trials")
        self.legend.addItem(self.bad_curve, "g(x): the rest")
        self.set_theme(theme)

    def show_densities(self, grid, good_pdf, bad_pdf, x, good, *, log: bool = False, name: str = "x",
                       active: bool = True, label: str = "") -> None:
        """Draw the densities of one parameter.

        Parameters
        ----------
        grid : array_like, shape (m,)
            Parameter values, real units, increasing (evenly spaced in log10 where ``log``).
        good_pdf, bad_pdf : array_like, shape (m,)
            l(x) and g(x) on ``grid``; their ratio is drawn below.
        x : array_like, shape (n,)
            The trials' parameter values.
        good : array_like of bool, shape (n,)
            Which trials are in the good group.
        log : bool
            Draw the parameter on a log axis.
        name : str
            The parameter's name (x axis title).
        active : bool
            False while TPE still samples at random (too few trials): the caption says so.
        label : str
            What is drawn.
        """
        good_pdf, bad_pdf = np.asarray(good_pdf, float), np.asarray(bad_pdf, float)
        self._data = dict(grid=np.asarray(grid, float), good_pdf=good_pdf, bad_pdf=bad_pdf,
                          ratio=good_pdf / np.maximum(bad_pdf, 1e-300), x=np.asarray(x, float),
                          good=np.asarray(good, bool), log=bool(log), name=name, active=bool(active),
                          label=label)
        self._draw_when_seen()

    def best_point(self) -> float | None:
        """The parameter value where the drawn l/g peaks, or None before any data."""
        if self._data is None:
            return None
        return float(self._data["grid"][int(np.argmax(self._data["ratio"]))])

    def set_theme(self, theme: Theme) -> None:
        """Apply ``theme``'s colours and font sizes."""
        self._theme = theme
        fill_background(self, theme)
        self.glw.setBackground(theme.background)
        style_axes([p.getAxis(n) for p in (self.density_plot, self.ratio_plot) for n in ("left", "bottom")], theme)
        self.caption.setStyleSheet(f"font-size: {theme.font_pt}pt; color: {theme.foreground};")
        self.caption.setFixedHeight(int(2.6 * theme.font_pt * 1.4))  # fixed: no page re-layout per trial
        good, bad = theme.racer_colors[2], theme.racer_colors[1]
        lw = theme.line_width
        self.good_curve.setPen(pg.mkPen(good, width=lw))
        self.bad_curve.setPen(pg.mkPen(bad, width=lw, style=Qt.DashLine))
        self.good_rug.setPen(pg.mkPen(good, width=2))
        self.bad_rug.setPen(pg.mkPen(mix(bad, theme.background, 0.8), width=2))
        self.ratio_curve.setPen(pg.mkPen(theme.foreground, width=lw))
        guide = mix(theme.foreground, theme.background, 0.55)
        for line in (self.best_line, self.best_line_top):
            line.setPen(pg.mkPen(guide, width=1.5, style=Qt.DashLine))
        style_legend(self.legend, theme)
        if self._data is not None:
            self._draw()

    def _draw(self) -> None:
        d = self._data
        t = np.log10(d["grid"]) if d["log"] else d["grid"]
        px = np.log10(d["x"]) if d["log"] else d["x"]
        self.good_curve.setData(t, d["good_pdf"])
        self.bad_curve.setData(t, d["bad_pdf"])
        top = float(max(np.nanmax(d["good_pdf"]), np.nanmax(d["bad_pdf"]), 1e-12))
        # rugs below zero: good trials in the upper lane, the rest in the lower one
        self.good_rug.setData(px[d["good"]], np.full(int(d["good"].sum()), -0.06 * top))
        self.bad_rug.setData(px[~d["good"]], np.full(int((~d["good"]).sum()), -0.15 * top))
        ratio = np.clip(d["ratio"], 1e-12, None)
        lr = np.log10(ratio)  # drawn in log10 coordinates with decade ticks (pyqtgraph's log mode crowded them)
        self.ratio_curve.setData(t, lr)
        i = int(np.argmax(ratio))
        for line in (self.best_line, self.best_line_top):
            line.setValue(float(t[i]))
        x0, x1 = float(t[0]), float(t[-1])
        self.density_plot.setXRange(x0, x1, padding=0.02)
        self.density_plot.setYRange(-0.21 * top, 1.22 * top, padding=0)  # rugs below, legend above
        lo, hi = float(np.floor(lr.min())), float(np.ceil(lr.max()))
        hi = max(hi, lo + 1)
        self.ratio_plot.setYRange(lo, hi, padding=0.05)
        self.ratio_plot.getAxis("left").setTicks(log_ticks(lo, hi, 1 if hi - lo < 6 else 2))
        style = {"color": self._theme.foreground, "font-size": f"{self._theme.font_pt}pt"}
        per = "per decade" if d["log"] else "per unit"
        self.density_plot.setLabel("left", f"density ({per})", **style)
        self.ratio_plot.setLabel("left", "l(x) / g(x)  (log)", **style)
        self.ratio_plot.setLabel("bottom", d["name"] + ("  (log scale)" if d["log"] else ""), **style)
        for plot in (self.density_plot, self.ratio_plot):
            plot.getAxis("left").setWidth(int(4.6 * self._theme.font_pt + 30))
            axis = plot.getAxis("bottom")
            if d["log"]:
                width = plot.getViewBox().width() or 600.0
                axis.setTicks(log_ticks(x0, x1, 1 if width / max(x1 - x0, 1e-9) > 55 else 2))
            else:
                axis.setTicks(None)
        n, n_good = len(d["x"]), int(d["good"].sum())
        state = (f"TPE proposes where l/g is largest: {d['name']} = {d['grid'][i]:.3g} (dashed)."
                 if d["active"] else "Too few trials yet: TPE still samples at random.")
        self.caption.setText(f"{d['label']}. {n_good} good of {n} trials. {state}")

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        if self._data is not None:
            self._draw()
