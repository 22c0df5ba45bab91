"""Hyperparameter map: a heatmap of final loss (or steps to converge) over two hyperparameters.

As in Goh, "Why Momentum Really Works" (Distill 2017): each cell is one run from the same start with
that cell's pair of values, so the picture shows where an optimizer works, how sharp the edge to
divergence is, and how the two settings trade off.
"""
from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QLabel, QSizePolicy, QVBoxLayout, QWidget

from widgets.theme import LIGHT, Theme
from widgets.theme_apply import fill_background, plain_ticks, screen_pen, style_axes

DIVERGED_COLOR = "#D0D0D0"  # light grey: not on the cividis ramp (navy -> yellow)


def axis_values(low: float, high: float, n: int, log: bool) -> np.ndarray:
    """``n`` cell-centre values from ``low`` to ``high`` (inclusive), geometric where ``log``."""
    if log:
        return np.geomspace(low, high, n)
    return np.linspace(low, high, n)


_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def log_ticks(lo: float, hi: float, every: int = 1) -> list:
    """Ticks of a log10 axis over [lo, hi]: decades labelled 10⁻⁴, 10⁻³ ..., unlabelled 2..9 between.

    ``every``: label every n-th decade only (the others get an unlabelled tick). pyqtgraph wrote
    "0.0001 0.001 0.01", which touched in the side column at 1280x720.
    """
    a, b = math.ceil(lo), math.floor(hi)
    major = [(float(k), "10" + str(k).translate(_SUPERSCRIPT) if k % every == 0 else "") for k in range(a, b + 1)]
    minor = [(k + math.log10(m), "") for k in range(a - 1, b + 1) for m in range(2, 10)
             if lo <= k + math.log10(m) <= hi]
    return [major, minor]


def _edges(values: np.ndarray, log: bool) -> tuple[float, float]:
    """Outer edges of the cells in axis coordinates (log10 on a log axis)."""
    v = np.log10(values) if log else np.asarray(values, float)
    if len(v) == 1:
        return float(v[0] - 0.5), float(v[0] + 0.5)
    h = 0.5 * (v[-1] - v[0]) / (len(v) - 1)
    return float(v[0] - h), float(v[-1] + h)


class HparamMapView(QWidget):
    """Heatmap over (x hyperparameter, y hyperparameter) with a colour bar.

    Values are drawn as RGBA computed here: finite values through the theme's colormap between
    levels set from the finite data (docs/traps.md: one ``inf`` would blank an auto-levelled image), and
    cells whose run diverged in light grey (:data:`DIVERGED_COLOR`, not on the colour ramp). Log axes place the image in :math:`\\log_{10}` coordinates
    and label ticks as powers of ten.

    Signals
    -------
    sigCellClicked(int, int)
        ``(row, col)`` of a clicked cell (row indexes the y values, col the x values).
    """

    sigCellClicked = Signal(int, int)

    def __init__(self, theme: Theme = LIGHT, parent: QWidget | None = None):
        super().__init__(parent)
        self._theme = theme
        self._x = self._y = None
        self._xlog = self._ylog = False
        self._values = None
        self._diverged = None
        self.glw = pg.GraphicsLayoutWidget()
        self.plot = pg.PlotItem()
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        self.plot.getViewBox().setMouseEnabled(False, False)
        self.glw.addItem(self.plot, 0, 0)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.plot.addItem(self.image)
        self.marker = pg.ScatterPlotItem(symbol="o", size=18)
        self.marker.setZValue(10)
        self.plot.addItem(self.marker)
        self.bar = pg.ColorBarItem(values=(0, 1), colorMap=pg.colormap.get(theme.colormap),
                                   interactive=False, width=22)
        self.glw.addItem(self.bar, 0, 1)
        for axis in (self.plot.getAxis("bottom"), self.plot.getAxis("left"), self.bar.axis):
            plain_ticks(axis)  # a loss range inside 0..1 read "(x0.001)" on the colour bar
        self.caption = QLabel("")
        self.caption.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        # No height of its own to ask for: in the side column's scroll area it takes the room there is
        # (its 500+ px size hint made the panel scroll at 1280x720).
        self.glw.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Ignored)
        layout.addWidget(self.glw, 1)
        layout.addWidget(self.caption)
        self.glw.scene().sigMouseClicked.connect(self._on_scene_clicked)
        self.set_theme(theme)

    def set_theme(self, theme: Theme) -> None:
        """Apply ``theme``'s colours and font sizes."""
        self._theme = theme
        self.glw.setBackground(theme.background)
        fill_background(self, theme)
        style_axes([self.plot.getAxis("bottom"), self.plot.getAxis("left"), self.bar.axis], theme)
        self.caption.setStyleSheet(f"font-size: {theme.font_pt}pt; color: {theme.foreground};")
        self.marker.setPen(screen_pen(theme.marker, 3))
        self.marker.setBrush(pg.mkBrush(None))
        if self._values is not None:
            self._draw()

    def set_axes(self, x_name: str, x_values: np.ndarray, x_log: bool,
                 y_name: str, y_values: np.ndarray, y_log: bool) -> None:
        """Set the two hyperparameters: names, cell-centre values (increasing) and log scale."""
        self._x, self._y = np.asarray(x_values, float), np.asarray(y_values, float)
        self._xlog, self._ylog = bool(x_log), bool(y_log)
        style = {"color": self._theme.foreground, "font-size": f"{self._theme.font_pt}pt"}
        self.plot.setLabel("bottom", x_name, **style)
        self.plot.setLabel("left", y_name, **style)
        for name, log in (("bottom", self._xlog), ("left", self._ylog)):
            axis = self.plot.getAxis(name)
            axis.setLogMode(log)
            plain_ticks(axis)  # else lr 1e-05 .. 0.07 read 0.01 .. 70 (a hidden x1000)
        x0, x1 = _edges(self._x, self._xlog)
        y0, y1 = _edges(self._y, self._ylog)
        self._set_log_ticks()
        self.plot.setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0.0)
        self._values = None
        self.image.clear()
        self.marker.setData([], [])

    def _set_log_ticks(self) -> None:
        """Decade ticks on the log axes, every decade labelled where the axis has room for it."""
        if self._x is None:
            return
        vb = self.plot.getViewBox()
        for name, values, log, room in (("bottom", self._x, self._xlog, vb.width()),
                                        ("left", self._y, self._ylog, vb.height())):
            axis = self.plot.getAxis(name)
            if not log:
                axis.setTicks(None)
                continue
            lo, hi = _edges(values, True)
            fm = QFontMetrics(axis.style["tickFont"] or axis.font())
            label = (fm.horizontalAdvance("10⁻⁴") + fm.horizontalAdvance("0")) if name == "bottom" else fm.height()
            decades = max(hi - lo, 1e-9)
            every = max(1, math.ceil(label * decades / max(room, 1.0))) if room > 0 else 1
            axis.setTicks(log_ticks(lo, hi, every))

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        self._set_log_ticks()

    def set_values(self, values: np.ndarray, diverged: np.ndarray | None = None, log: bool = True,
                   label: str = "final loss") -> None:
        """Draw ``values`` (ny, nx); ``diverged`` (ny, nx) bool marks runs that blew up.

        With ``log`` the colour is :math:`\\log_{10}` of the value (losses span many decades); values
        at or below 0 are drawn at the bottom level.
        """
        self._values = np.asarray(values, float)
        bad = ~np.isfinite(self._values)
        self._diverged = bad if diverged is None else (np.asarray(diverged, bool) | bad)
        self._log, self._label = bool(log), label
        self._draw()

    def _draw(self) -> None:
        v = self._values.copy()
        ok = ~self._diverged
        if self._log:
            pos = v[ok & (v > 0)]
            tiny = pos.min() if pos.size else 1e-300
            v = np.log10(np.maximum(v, tiny))
        finite = v[ok & np.isfinite(v)]
        if finite.size:
            lo, hi = float(finite.min()), float(finite.max())
        else:
            lo, hi = 0.0, 1.0
        if hi - lo < 1e-12:
            lo, hi = lo - 0.5, hi + 0.5
        cmap = pg.colormap.get(self._theme.colormap)
        t = np.clip((np.nan_to_num(v, nan=hi) - lo) / (hi - lo), 0.0, 1.0)
        rgba = cmap.map(t, mode="byte")  # (ny, nx, 4)
        rgba[self._diverged] = pg.mkColor(DIVERGED_COLOR).getRgb()
        self.image.setImage(rgba, autoLevels=False, levels=(0, 255))
        x0, x1 = _edges(self._x, self._xlog)
        y0, y1 = _edges(self._y, self._ylog)
        self.image.setRect(QRectF(x0, y0, x1 - x0, y1 - y0))  # from cell EDGES
        self.bar.setColorMap(cmap)
        self.bar.setLevels((lo, hi))
        style = {"color": self._theme.foreground, "font-size": f"{self._theme.font_pt}pt"}
        self.bar.axis.setLabel(("log10 " if self._log else "") + self._label, **style)
        # ColorBarItem fixes its axis at 45 px: with the theme's font "-10" ran into the bar's title.
        axis = self.bar.axis
        fm = QFontMetrics(axis.style["tickFont"] or axis.font())
        axis.setWidth(fm.horizontalAdvance("-10.5") + axis.style["tickTextOffset"][0]
                      + max(0, axis.style["tickLength"]) + 0.8 * axis.label.boundingRect().height() + 4)
        n_div = int(self._diverged.sum())
        self.caption.setText(f"Light grey: diverged ({n_div} of {self._diverged.size} cells). "
                             "Click a cell to add a racer with those values.")

    def shape(self) -> tuple[int, int] | None:
        """(ny, nx) of the current map, or None."""
        return None if self._values is None else self._values.shape

    def values_at(self, row: int, col: int) -> tuple[float, float]:
        """The (x value, y value) of cell (row, col)."""
        return float(self._x[col]), float(self._y[row])

    def value_at(self, row: int, col: int) -> float:
        """The mapped quantity in cell (row, col)."""
        return float(self._values[row, col])

    def set_marker(self, xv: float | None, yv: float | None) -> None:
        """Ring the cell at hyperparameter values (xv, yv) (e.g. the current racer's); None clears."""
        if xv is None or yv is None:
            self.marker.setData([], [])
            return
        px = math.log10(xv) if self._xlog and xv > 0 else xv
        py = math.log10(yv) if self._ylog and yv > 0 else yv
        self.marker.setData([px], [py])

    def cell_at_view(self, px: float, py: float) -> tuple[int, int] | None:
        """(row, col) of the cell at plot coordinates (log10 on log axes), or None."""
        if self._x is None:
            return None
        x0, x1 = _edges(self._x, self._xlog)
        y0, y1 = _edges(self._y, self._ylog)
        col = int(np.floor((px - x0) / (x1 - x0) * len(self._x)))
        row = int(np.floor((py - y0) / (y1 - y0) * len(self._y)))
        if 0 <= row < len(self._y) and 0 <= col < len(self._x):
            return row, col
        return None

    def cell_at_scene(self, scene_pos: QPointF) -> tuple[int, int] | None:
        """(row, col) under a scene position, or None."""
        p = self.plot.getViewBox().mapSceneToView(scene_pos)
        return self.cell_at_view(p.x(), p.y())

    def scene_pos_of_cell(self, row: int, col: int) -> QPointF:
        """Scene position of the centre of cell (row, col) (for tests that click)."""
        xv, yv = self.values_at(row, col)
        px = math.log10(xv) if self._xlog else xv
        py = math.log10(yv) if self._ylog else yv
        return self.plot.getViewBox().mapViewToScene(QPointF(px, py))

    def _on_scene_clicked(self, event) -> None:
        if event.button() != Qt.LeftButton or self._values is None:
            return
        cell = self.cell_at_scene(event.scenePos())
        if cell is not None:
            event.accept()
            self.sigCellClicked.emit(*cell)
