"""Two-parameter map of the objective: the trials interpolated onto a grid, the trials on top, and
coarse-to-fine's boxes, round by round.

The map is drawn in plot space (log10 on a log axis), where the sampler spreads its points, so the
interpolation is linear where the user's eye is. Outside the trials' convex hull linear interpolation
has no value: the nearest trial's fills it, which is what the map can honestly say there.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QSizePolicy
from scipy.interpolate import griddata

from widgets.search.base import SearchPlot, log_mode, value_text
from widgets.theme import LIGHT, Theme

GRID = 80  # cells per side: smooth enough, and griddata on 80x80 takes a few ms


def objective_grid(x: np.ndarray, y: np.ndarray, z: np.ndarray, xr, yr, n: int = GRID) -> np.ndarray:
    """``z`` at trials ``(x, y)`` interpolated on an ``n`` x ``n`` grid of cell centres over ``xr`` x ``yr``.

    Linear (Delaunay) inside the hull, nearest trial outside; ``Z[row=y, col=x]``. Fewer than three
    trials, or trials on one line, get nearest-neighbour everywhere.
    """
    gx = xr[0] + (np.arange(n) + 0.5) * (xr[1] - xr[0]) / n
    gy = yr[0] + (np.arange(n) + 0.5) * (yr[1] - yr[0]) / n
    X, Y = np.meshgrid(gx, gy)
    pts = np.column_stack([x, y])
    near = griddata(pts, z, (X, Y), method="nearest")
    if len(z) < 3:
        return near
    try:
        lin = griddata(pts, z, (X, Y), method="linear")
    except Exception:  # qhull refuses collinear points: nearest is all there is
        return near
    return np.where(np.isfinite(lin), lin, near)


class ContourPlot(SearchPlot):
    """A heatmap of the objective over two chosen parameters, with the trials as points on top.

    Attributes
    ----------
    x_combo, y_combo : QComboBox
    image : pyqtgraph.ImageItem
    points : pyqtgraph.ScatterPlotItem
    box_items : list of QGraphicsRectItem
        One rectangle per coarse-to-fine box on the shown parameters.
    """

    def __init__(self, theme: Theme = LIGHT, parent=None):
        super().__init__(theme, parent)
        self.x_combo, self.y_combo = QComboBox(), QComboBox()
        row = QHBoxLayout()
        row.setContentsMargins(4, 0, 4, 0)
        for text, combo in (("x", self.x_combo), ("y", self.y_combo)):
            combo.setMinimumContentsLength(10)
            row.addWidget(QLabel(text))
            row.addWidget(combo, 1)
        self.key = QLabel()  # the colour scale in words: ColorBarItem's fixed 45 px axis clips its labels
        self.key.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Fixed)
        self._layout.addLayout(row)
        self._layout.addWidget(self.key)
        self._layout.addWidget(self.plot, 1)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setZValue(0)
        self.plot.addItem(self.image, ignoreBounds=True)
        self.points = self._scatter("o", 9, z=20)
        self._boxes: list[dict] = []
        self.box_items: list = []
        self.grid: np.ndarray | None = None
        for combo in (self.x_combo, self.y_combo):
            combo.currentTextChanged.connect(self._on_params)
        self.set_theme(theme)

    def params(self) -> tuple[str | None, str | None]:
        """The parameters on the x and y axes."""
        return self.x_combo.currentText() or None, self.y_combo.currentText() or None

    def set_params(self, x: str, y: str) -> None:
        """Show the map over ``x`` and ``y``."""
        for combo, name in ((self.x_combo, x), (self.y_combo, y)):
            combo.blockSignals(True)
            combo.setCurrentText(name)
            combo.blockSignals(False)
        self._on_params()

    def set_boxes(self, boxes: list[dict]) -> None:
        """Coarse-to-fine's search boxes: dicts ``{"round": k, "box": {param: (lo, hi)}}``, in real values."""
        self._boxes = list(boxes)
        self._redraw()

    def _axes_changed(self):
        names = [a.name for a in self._axes]
        for i, combo in enumerate((self.x_combo, self.y_combo)):
            current = combo.currentText()
            combo.blockSignals(True)
            combo.clear()
            combo.addItems(names)
            combo.setCurrentText(current if current in names else names[min(i, len(names) - 1)] if names else "")
            combo.blockSignals(False)
        self._set_axes_mode()

    def _on_params(self, *_):
        self._set_axes_mode()
        self._redraw()
        self.user_view = False
        self._fit()

    def _set_axes_mode(self):
        for side, name in zip(("bottom", "left"), self.params()):
            ax, item = self.axis(name), self.plot.getAxis(side)
            log_mode(item, bool(ax and ax.log))
            item.setTicks([[(float(i), str(c)) for i, c in enumerate(ax.choices)]] if ax and ax.categorical else None)
        self._titles()

    def _titles(self):
        self.key.setStyleSheet(f"color: {self._theme.foreground}; font-size: {self._theme.font_pt - 3}pt; padding: 0 6px;")
        for side, name in zip(("bottom", "left"), self.params()):
            ax = self.axis(name)
            self._label(side, (ax.name + ("  (log)" if ax.log else "")) if ax else "")

    def positions(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[int]]:
        """The complete trials in plot space: x, y (log10 on log axes), objective, numbers."""
        ax, ay = (self.axis(n) for n in self.params())
        out = ([], [], [], [])
        if ax is None or ay is None:
            return np.empty(0), np.empty(0), np.empty(0), []
        for r in self._records:
            v = r.finite_value
            x, y = ax.to_plot(r.params.get(ax.name)), ay.to_plot(r.params.get(ay.name))
            if r.state == "complete" and v is not None and np.isfinite(x) and np.isfinite(y):
                for lst, val in zip(out, (x, y, v, r.number)):
                    lst.append(val)
        return np.asarray(out[0], float), np.asarray(out[1], float), np.asarray(out[2], float), out[3]

    def _data_range(self):
        ax, ay = (self.axis(n) for n in self.params())
        if ax is None or ay is None:
            return None
        return ax.plot_range(), ay.plot_range()

    def _redraw(self):
        t = self._theme
        x, y, z, ns = self.positions()
        rng = self._data_range()
        self.points.setData(x, y, data=ns, brush=pg.mkBrush(t.marker), pen=self._pen(t.contour if not t.is_dark
                                                                                     else t.background, 1.2))
        self.grid = None
        if rng is not None and len(z) and rng[0][1] > rng[0][0] and rng[1][1] > rng[1][0]:
            # Objectives span decades (a diverged lr): colour by rank-robust levels, the 2nd..98th percentile.
            self.grid = objective_grid(x, y, z, rng[0], rng[1])
            lo, hi = np.percentile(z, [2, 98]) if len(z) > 4 else (z.min(), z.max())
            if not hi > lo:
                hi = lo + 1.0
            self.image.setImage(np.clip(self.grid, lo, hi), levels=(lo, hi))
            self.key.setText(f"colour: objective, dark {value_text(float(lo))} .. yellow {value_text(float(hi))}")
            self.key.setToolTip("Interpolated linearly between trials (in the axes' log space), nearest trial outside them.")
            self.image.setColorMap(pg.colormap.get(t.colormap))
            self.image.setRect(pg.QtCore.QRectF(rng[0][0], rng[1][0], rng[0][1] - rng[0][0], rng[1][1] - rng[1][0]))
            self.image.setVisible(True)
        else:
            self.image.setVisible(False)
            self.key.setText("")
        self._draw_boxes()

    def _draw_boxes(self):
        for item in self.box_items:
            self.plot.removeItem(item)
        self.box_items = []
        ax, ay = (self.axis(n) for n in self.params())
        if ax is None or ay is None:
            return
        colors = self._theme.racer_colors
        for i, entry in enumerate(sorted(self._boxes, key=lambda b: b["round"])):
            box = entry["box"]
            if ax.name not in box or ay.name not in box:
                continue
            (x0, x1), (y0, y1) = ((a.to_plot(box[a.name][0]), a.to_plot(box[a.name][1])) for a in (ax, ay))
            if not all(np.isfinite([x0, x1, y0, y1])):
                continue
            rect = pg.QtWidgets.QGraphicsRectItem(min(x0, x1), min(y0, y1), abs(x1 - x0), abs(y1 - y0))
            pen = self._pen(colors[(1 + i) % len(colors)], 2.5, style=pg.QtCore.Qt.DashLine)
            pen.setCosmetic(True)
            rect.setPen(pen)
            rect.setZValue(15)
            # Inside the box's top-left corner, on the background: the first box is the whole view.
            label = pg.TextItem(f"round {entry['round']}", color=colors[(1 + i) % len(colors)], anchor=(0, 0),
                                fill=pg.mkBrush(self._theme.background))
            font = pg.QtGui.QFont()
            font.setPointSize(self._theme.font_pt - 3)
            label.setFont(font)
            label.setPos(min(x0, x1), max(y0, y1))
            label.setZValue(16)
            for item in (rect, label):
                self.plot.addItem(item, ignoreBounds=True)
                self.box_items.append(item)
