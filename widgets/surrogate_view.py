"""The Bayesian search's surrogate: a GP's mean and uncertainty over one or two parameters, with the trials.

One parameter: the evaluated points, the mean with a ±2σ band, and below it, on the same x axis, the
expected-improvement curve with its maximum marked. Two parameters: the mean and the width of the ±2σ
band (4σ) as two maps, the trials on both. A caption above says what model is drawn (the caller's
``label``: the app draws a refit, not the sampler's own GP).

The view takes plain arrays. A log parameter is drawn in log10 coordinates with ticks labelled as
powers of ten. The band is an opaque colour mixed with the background (docs/traps.md: translucent fills
draw about 10x slower), the images are row-major with their rect from cell edges, and every range is
set here, not by pyqtgraph's auto-range.
"""
from __future__ import annotations


import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QStackedWidget, QVBoxLayout, QWidget

from widgets.hparam_map_view import log_ticks
from widgets.search.base import DrawsWhenSeen
from widgets.theme import LIGHT, Theme
from widgets.theme_apply import fill_background, plain_ticks, screen_pen, still_plot, style_axes, style_legend


def mix(color: str, background: str, amount: float) -> QColor:
    """``amount`` of ``color`` over ``background``, opaque (a translucent fill without the cost)."""
    a, b = QColor(color), QColor(background)
    return QColor(round(a.red() * amount + b.red() * (1 - amount)),
                  round(a.green() * amount + b.green() * (1 - amount)),
                  round(a.blue() * amount + b.blue() * (1 - amount)))


def _coords(values, log: bool) -> np.ndarray:
    v = np.asarray(values, dtype=float)
    return np.log10(v) if log else v


def _padded(lo: float, hi: float, pad: float = 0.05) -> tuple[float, float]:
    span = hi - lo
    if not span > 0:
        span = max(abs(lo) * 0.1, 1e-9)
    return lo - pad * span, hi + pad * span


def _edges(c: np.ndarray) -> tuple[float, float]:
    """Outer cell edges of evenly spaced cell centres ``c``."""
    h = 0.5 * (c[-1] - c[0]) / (len(c) - 1) if len(c) > 1 else 0.5
    return float(c[0] - h), float(c[-1] + h)


class SurrogateView(DrawsWhenSeen, QWidget):
    """The surrogate of a Bayesian search over one parameter (curves) or two (maps).

    Attributes
    ----------
    caption : QLabel
        What is drawn (the caller's label) and the next point the expected improvement proposes.
    mean_plot, ei_plot : pyqtgraph.PlotItem
        The one-parameter plots; they share the x axis.
    mean_map, width_map : pyqtgraph.PlotItem
        The two-parameter maps.
    """

    def __init__(self, theme: Theme = LIGHT, parent: QWidget | None = None):
        super().__init__(parent)
        self._theme = theme
        self._data: tuple | None = None
        self.caption = QLabel("")
        self.caption.setWordWrap(True)
        self.caption.setMinimumWidth(1)  # a wrapped label's minimum width follows its text (docs/traps.md)
        self.caption.setAlignment(Qt.AlignLeft | Qt.AlignVCenter)
        self.caption.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Fixed)
        self._stack = QStackedWidget()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        self.caption.setContentsMargins(10, 0, 10, 0)
        layout.addWidget(self.caption)
        layout.addWidget(self._stack, 1)

        self.glw_1d = pg.GraphicsLayoutWidget()
        self.mean_plot, self.ei_plot = still_plot(), still_plot()
        self.glw_1d.addItem(self.mean_plot, 0, 0)
        self.glw_1d.addItem(self.ei_plot, 1, 0)
        self.glw_1d.ci.layout.setRowStretchFactor(0, 3)
        self.glw_1d.ci.layout.setRowStretchFactor(1, 2)
        self.ei_plot.setXLink(self.mean_plot)
        self.mean_plot.getAxis("bottom").setStyle(showValues=False)
        self._upper = pg.PlotDataItem()
        self._lower = pg.PlotDataItem()
        self.band = pg.FillBetweenItem(self._lower, self._upper)
        self.mean_curve = pg.PlotDataItem()
        self.points = pg.ScatterPlotItem(size=10)
        self.ei_curve = pg.PlotDataItem()
        self._ei_zero = pg.PlotDataItem()
        self.ei_fill = pg.FillBetweenItem(self._ei_zero, self.ei_curve)
        self.next_line = pg.InfiniteLine(angle=90, movable=False)
        self.next_line_top = pg.InfiniteLine(angle=90, movable=False)
        self.legend = pg.LegendItem(offset=(0, 4), colCount=3)  # one row over the headroom left on top
        self.legend.setParentItem(self.mean_plot.getViewBox())
        self.legend.anchor(itemPos=(0.5, 0), parentPos=(0.5, 0), offset=(0, 4))
        # a FillBetweenItem as a legend sample crashed the first paint (no opts): a thick line stands in
        self._band_key = pg.PlotDataItem()
        for item, name in ((self.mean_curve, "GP mean"), (self._band_key, "±2σ"), (self.points, "trials")):
            self.legend.addItem(item, name)
        for item in (self.band, self.mean_curve, self.next_line_top, self.points):
            self.mean_plot.addItem(item)
        self.points.setZValue(10)
        for item in (self.ei_fill, self.ei_curve, self.next_line):
            self.ei_plot.addItem(item)
        self._stack.addWidget(self.glw_1d)

        # two layout widgets side by side: in one grid the first map came out half as wide
        self.glw_2d = QWidget()
        row = QHBoxLayout(self.glw_2d)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(0)
        self.glws_2d = [pg.GraphicsLayoutWidget(), pg.GraphicsLayoutWidget()]
        self.mean_map, self.width_map = still_plot(), still_plot()
        self.mean_image = pg.ImageItem(axisOrder="row-major")
        self.width_image = pg.ImageItem(axisOrder="row-major")
        self.mean_points = pg.ScatterPlotItem(size=9)
        self.width_points = pg.ScatterPlotItem(size=9)
        self.bars = []
        for glw, plot, image, pts in zip(self.glws_2d, (self.mean_map, self.width_map),
                                         (self.mean_image, self.width_image),
                                         (self.mean_points, self.width_points)):
            plot.addItem(image)
            plot.addItem(pts)
            pts.setZValue(10)
            glw.addItem(plot, 0, 0)
            bar = pg.ColorBarItem(values=(0, 1), interactive=False, width=16)
            plain_ticks(bar.axis)
            glw.addItem(bar, 0, 1)
            self.bars.append(bar)
            row.addWidget(glw, 1)
        self._stack.addWidget(self.glw_2d)
        self.set_theme(theme)

    # ---- data ------------------------------------------------------------------------------
    def show_1d(self, grid, mean, std, ei, x, y, *, log: bool = False, name: str = "x",
                objective: str = "objective", label: str = "") -> None:
        """Draw a one-parameter surrogate.

        Parameters
        ----------
        grid : array_like, shape (m,)
            Parameter values (real units, increasing; evenly spaced in log10 where ``log``).
        mean, std, ei : array_like, shape (m,)
            The surrogate's mean, standard deviation and expected improvement on ``grid``.
        x, y : array_like, shape (n,)
            The evaluated points.
        log : bool
            Draw the parameter on a log axis.
        name, objective : str
            Axis titles.
        label : str
            What model this is, shown in the caption.
        """
        self._data = ("1d", dict(grid=np.asarray(grid, float), mean=np.asarray(mean, float),
                                 std=np.asarray(std, float), ei=np.asarray(ei, float),
                                 x=np.asarray(x, float), y=np.asarray(y, float), log=bool(log),
                                 name=name, objective=objective, label=label))
        self._stack.setCurrentWidget(self.glw_1d)
        self._draw_when_seen()

    def show_2d(self, grid_x, grid_y, mean, std, x, y, *, log_x: bool = False, log_y: bool = False,
                name_x: str = "x", name_y: str = "y", objective: str = "objective", label: str = "") -> None:
        """Draw a two-parameter surrogate as two maps: the mean, and the ±2σ band's width (4σ).

        Parameters
        ----------
        grid_x, grid_y : array_like, shapes (m_x,), (m_y,)
            Cell-centre values of the two parameters (evenly spaced in log10 where log).
        mean, std : array_like, shape (m_y, m_x)
            Rows follow ``grid_y``.
        x, y : array_like, shape (n,)
            The evaluated points' two parameters.
        """
        self._data = ("2d", dict(gx=np.asarray(grid_x, float), gy=np.asarray(grid_y, float),
                                 mean=np.asarray(mean, float), std=np.asarray(std, float),
                                 x=np.asarray(x, float), y=np.asarray(y, float), log_x=bool(log_x),
                                 log_y=bool(log_y), name_x=name_x, name_y=name_y, objective=objective,
                                 label=label))
        self._stack.setCurrentWidget(self.glw_2d)
        self._draw_when_seen()

    def band_edges(self) -> tuple[np.ndarray, np.ndarray]:
        """The drawn band's upper and lower edges (mean +- 2 std, one parameter), as plotted."""
        return self._upper.getData()[1], self._lower.getData()[1]

    def next_point(self) -> float | None:
        """The parameter value where the drawn expected improvement peaks (one parameter), or None."""
        if self._data is None or self._data[0] != "1d":
            return None
        d = self._data[1]
        return float(d["grid"][int(np.argmax(d["ei"]))])

    # ---- theme and drawing -----------------------------------------------------------------
    def set_theme(self, theme: Theme) -> None:
        """Apply ``theme``'s colours and font sizes."""
        self._theme = theme
        fill_background(self, theme)
        fill_background(self.glw_2d, theme)
        for glw in (self.glw_1d, *self.glws_2d):
            glw.setBackground(theme.background)
        axes = [p.getAxis(n) for p in (self.mean_plot, self.ei_plot, self.mean_map, self.width_map)
                for n in ("left", "bottom")] + [bar.axis for bar in self.bars]
        style_axes(axes, theme)
        self.caption.setStyleSheet(f"font-size: {theme.font_pt}pt; color: {theme.foreground};")
        self.caption.setFixedHeight(int(2.6 * theme.font_pt * 1.4))  # two lines, fixed: no re-layout per trial
        model, ei_color = theme.racer_colors[0], theme.racer_colors[2]
        lw = theme.line_width
        self.mean_curve.setPen(pg.mkPen(model, width=lw))
        band = mix(model, theme.background, 0.4 if theme.is_dark else 0.22)
        self.band.setBrush(pg.mkBrush(band))
        self._band_key.setPen(pg.mkPen(band, width=10))
        self.band.setPen(pg.mkPen(None))
        for edge in (self._upper, self._lower):
            edge.setPen(pg.mkPen(None))
        self.points.setPen(screen_pen(theme.background, 1.5))
        self.points.setBrush(pg.mkBrush(theme.foreground))
        self.ei_curve.setPen(pg.mkPen(ei_color, width=lw))
        self.ei_fill.setBrush(pg.mkBrush(mix(ei_color, theme.background, 0.4 if theme.is_dark else 0.25)))
        self.ei_fill.setPen(pg.mkPen(None))
        guide = mix(theme.foreground, theme.background, 0.55)
        for line in (self.next_line, self.next_line_top):
            line.setPen(pg.mkPen(guide, width=1.5, style=Qt.DashLine))
        for pts in (self.mean_points, self.width_points):
            pts.setPen(screen_pen(theme.marker, 1.5))
            pts.setBrush(pg.mkBrush(theme.background))
        cmap = pg.colormap.get(theme.colormap)
        for bar in self.bars:
            bar.setColorMap(cmap)
        style_legend(self.legend, theme)
        if self._data is not None:
            self._draw()

    def _title_style(self) -> dict:
        return {"color": self._theme.foreground, "font-size": f"{self._theme.font_pt}pt"}

    def _set_x_axis(self, plot: pg.PlotItem, which: str, lo: float, hi: float, log: bool, width: float) -> None:
        axis = plot.getAxis(which)
        if log:
            every = 1 if width / max(hi - lo, 1e-9) > 55 else 2
            axis.setTicks(log_ticks(lo, hi, every))
        else:
            axis.setTicks(None)

    def _draw(self) -> None:
        kind, d = self._data
        if kind == "1d":
            self._draw_1d(d)
        else:
            self._draw_2d(d)

    def _draw_1d(self, d: dict) -> None:
        t = _coords(d["grid"], d["log"])
        mean, std, ei = d["mean"], d["std"], d["ei"]
        upper, lower = mean + 2 * std, mean - 2 * std
        self._upper.setData(t, upper)
        self._lower.setData(t, lower)
        self.band.setCurves(self._lower, self._upper)
        self.mean_curve.setData(t, mean)
        px = _coords(d["x"], d["log"])
        self.points.setData(px, d["y"])
        self.ei_curve.setData(t, ei)
        self._ei_zero.setData(t, np.zeros_like(t))
        self.ei_fill.setCurves(self._ei_zero, self.ei_curve)
        i = int(np.argmax(ei)) if len(ei) else 0
        for line in (self.next_line, self.next_line_top):
            line.setValue(float(t[i]) if len(t) else 0.0)
        x0, x1 = float(t[0]), float(t[-1])
        ys = np.concatenate([lower, upper, d["y"]])
        ys = ys[np.isfinite(ys)]
        y0, y1 = _padded(float(ys.min()), float(ys.max())) if ys.size else (0.0, 1.0)
        self.mean_plot.setXRange(x0, x1, padding=0.02)
        self.mean_plot.setYRange(y0, y1 + 0.12 * (y1 - y0), padding=0)  # room for the legend
        top = float(np.nanmax(ei)) if len(ei) and np.nanmax(ei) > 0 else 1.0
        self.ei_plot.setYRange(0.0, top * 1.08, padding=0)
        style = self._title_style()
        self.mean_plot.setLabel("left", d["objective"], **style)
        self.ei_plot.setLabel("left", "expected improvement", **style)
        self.ei_plot.setLabel("bottom", d["name"] + ("  (log scale)" if d["log"] else ""), **style)
        width = self.mean_plot.getViewBox().width() or 600.0
        for plot in (self.mean_plot, self.ei_plot):
            self._set_x_axis(plot, "bottom", x0, x1, d["log"], width)
        # the EI axis's numbers are small: keep both left axes as wide, so the x axes line up
        for plot in (self.mean_plot, self.ei_plot):
            plot.getAxis("left").setWidth(int(4.6 * self._theme.font_pt + 30))
        nxt = d["grid"][i] if len(ei) else float("nan")
        n = len(d["x"])
        self.caption.setText(f"{d['label']}. {n} trial{'s' if n != 1 else ''}; "
                             f"expected improvement peaks at {d['name']} = {nxt:.3g} (dashed).")

    def _draw_2d(self, d: dict) -> None:
        tx, ty = _coords(d["gx"], d["log_x"]), _coords(d["gy"], d["log_y"])
        x0, x1 = _edges(tx)
        y0, y1 = _edges(ty)
        rect = QRectF(x0, y0, x1 - x0, y1 - y0)  # from cell EDGES (docs/traps.md)
        px, py = _coords(d["x"], d["log_x"]), _coords(d["y"], d["log_y"])
        cmap = pg.colormap.get(self._theme.colormap)
        style = self._title_style()
        width = self.mean_map.getViewBox().width() or 300.0
        height = self.mean_map.getViewBox().height() or 300.0
        for plot, image, pts, bar, values, title in (
                (self.mean_map, self.mean_image, self.mean_points, self.bars[0], d["mean"], "GP mean"),
                (self.width_map, self.width_image, self.width_points, self.bars[1], 4 * d["std"],
                 "±2σ band width (4σ)")):
            v = np.where(np.isfinite(values), values, np.nan)
            finite = v[np.isfinite(v)]
            lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
            if hi - lo < 1e-12:
                lo, hi = lo - 0.5, hi + 0.5
            rgba = cmap.map(np.clip((np.nan_to_num(v, nan=lo) - lo) / (hi - lo), 0, 1), mode="byte")
            image.setImage(rgba, autoLevels=False, levels=(0, 255))  # levels set here (docs/traps.md)
            image.setRect(rect)
            bar.setLevels((lo, hi))
            pts.setData(px, py)
            plot.setXRange(x0, x1, padding=0)
            plot.setYRange(y0, y1, padding=0)
            plot.setTitle(title, color=self._theme.foreground, size=f"{self._theme.font_pt}pt")
            plot.setLabel("bottom", d["name_x"], **style)
            plot.setLabel("left", d["name_y"], **style)
            self._set_x_axis(plot, "bottom", x0, x1, d["log_x"], width)
            self._set_x_axis(plot, "left", y0, y1, d["log_y"], height)
        n = len(d["x"])
        self.caption.setText(f"{d['label']}. {n} trial{'s' if n != 1 else ''} (circles); "
                             f"left: the mean of {d['objective']}, right: how unsure it is.")

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        if self._data is not None:
            self._draw()  # decade labels thin out or fill in with the room there is
