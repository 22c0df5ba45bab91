"""Two-parameter map of the objective: the trials interpolated onto a grid, the trials on top, and
coarse-to-fine's boxes, round by round.

The map is drawn in plot space (log10 on a log axis), where the sampler spreads its points, so the
interpolation is linear where the user's eye is. Outside the trials' convex hull linear interpolation
has no value: the hull's edge is carried outwards (:func:`objective_grid`), continuous, never beyond
the trials' values. With a true response (:meth:`ContourPlot.set_truth`) the map is the objective
measured on a dense grid instead, and the trials sit on what they were sampling.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QSizePolicy
from scipy.interpolate import LinearNDInterpolator, RegularGridInterpolator
from scipy.spatial import ConvexHull, QhullError

from widgets.search.base import SearchPlot, hidden_tab, log_mode, padded, value_text
from widgets.theme import LIGHT, Theme

GRID = 80  # cells per side: smooth enough, and griddata on 80x80 takes a few ms


def objective_grid(x: np.ndarray, y: np.ndarray, z: np.ndarray, xr, yr, n: int = GRID) -> np.ndarray:
    """``z`` at trials ``(x, y)`` interpolated on an ``n`` x ``n`` grid of cell centres over ``xr`` x ``yr``.

    Both axes are first scaled to the unit square, so a decade of lr and the whole dropout range weigh
    alike. Inside the trials' convex hull the value is linear on their Delaunay triangles; outside it,
    a cell takes the value at the nearest point of the hull's boundary, where the linear interpolant is
    the straight blend :math:`z_a + t (z_b - z_a)` of the nearest edge's two trials. The map is thus
    continuous everywhere, without the staircase a nearest-trial fill draws, and stays within the
    trials' values. ``Z[row=y, col=x]``. Fewer than three trials, or trials on one line, get
    inverse-distance weighting (:math:`\\sum_i z_i d_i^{-2} / \\sum_i d_i^{-2}`).
    """
    sx, sy = (xr[1] - xr[0]) or 1.0, (yr[1] - yr[0]) or 1.0
    u = (np.arange(n) + 0.5) / n
    U, V = np.meshgrid(u, u)
    pts = np.column_stack([(np.asarray(x, float) - xr[0]) / sx, (np.asarray(y, float) - yr[0]) / sy])
    z = np.asarray(z, float)
    cells = np.column_stack([U.ravel(), V.ravel()])
    if len(z) >= 3:
        try:
            hull = ConvexHull(pts)
            lin = LinearNDInterpolator(pts, z)(cells)
        except QhullError:  # collinear or repeated trials: no triangles
            hull = None
        if hull is not None:
            out = ~np.isfinite(lin)
            if out.any():
                lin[out] = _hull_edge_values(cells[out], pts, z, hull.simplices)
            return lin.reshape(n, n)
    return _inverse_distance(cells, pts, z).reshape(n, n)


def _hull_edge_values(q: np.ndarray, pts: np.ndarray, z: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """The linear interpolant at the nearest point of the hull's boundary, for each query point ``q``."""
    a, b = pts[edges[:, 0]], pts[edges[:, 1]]                     # (E, 2) edge ends
    ab = b - a
    t = np.einsum("qed,ed->qe", q[:, None, :] - a[None], ab) / np.maximum((ab * ab).sum(1), 1e-300)
    t = np.clip(t, 0.0, 1.0)                                       # (Q, E) nearest point's place on each edge
    near = a[None] + t[..., None] * ab[None]
    k = np.argmin(((q[:, None, :] - near) ** 2).sum(-1), axis=1)   # the nearest edge
    tk = t[np.arange(len(q)), k]
    return z[edges[k, 0]] + tk * (z[edges[k, 1]] - z[edges[k, 0]])


def _inverse_distance(q: np.ndarray, pts: np.ndarray, z: np.ndarray) -> np.ndarray:
    d2 = ((q[:, None, :] - pts[None]) ** 2).sum(-1)
    w = 1.0 / np.maximum(d2, 1e-12)
    return (w * z[None]).sum(1) / w.sum(1)


class ContourPlot(SearchPlot):
    """A heatmap of the objective over two chosen parameters, with the trials as points on top.

    Attributes
    ----------
    x_combo, y_combo : QComboBox
    image : pyqtgraph.ImageItem
    points : pyqtgraph.ScatterPlotItem
    grid : numpy.ndarray or None
        The map shown, ``GRID`` x ``GRID`` (rows y, columns x).
    source : str or None
        What the map is: ``"truth"`` (a true response), ``"trials"`` (interpolated) or None (no map).
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
        self.truth_best = pg.ScatterPlotItem(symbol="star", size=18, pxMode=True)  # the grid's best cell
        self.truth_best.setZValue(19)
        self.plot.addItem(self.truth_best, ignoreBounds=True)
        self._boxes: list[dict] = []
        self.box_items: list = []
        self.grid: np.ndarray | None = None
        self.source: str | None = None
        self._truth = None
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
        if list(boxes) == self._boxes:
            return  # every snapshot sets them: unchanged, the map is already drawn with them
        self._boxes = list(boxes)
        if hidden_tab(self):
            self._stale = True  # drawn at the next show, as the records are
            return
        self._redraw()

    def set_truth(self, truth) -> None:
        """Show a true response as the map the trials sit on (``None``: the map interpolated from them).

        ``truth`` has ``names`` (two knobs), ``axes`` (their grid values, real units), ``values``
        (shape ``(len(axes[0]), len(axes[1]))``, NaN where a run diverged), ``minimize`` and ``best_params``, as
        :class:`playground.search.truth.TrueResponse` does. It is drawn when the chosen x and y are
        its two knobs (in either order); a diverged run takes the worst colour.
        """
        self._truth = truth
        self._redraw()

    def truth_grid(self) -> np.ndarray | None:
        """The true response resampled onto the map's grid (bilinear in plot space), or None when the
        shown parameters are not the truth's two knobs."""
        t = self._truth
        ax, ay = (self.axis(n) for n in self.params())
        if t is None or ax is None or ay is None or len(t.names) != 2 or {ax.name, ay.name} != set(t.names) \
                or ax.name == ay.name or ax.categorical or ay.categorical:
            return None
        values = np.asarray(t.values, float)
        if t.names[0] != ax.name:
            values = values.T                                          # values[x index, y index]
        gx, gy = (np.array([a.to_plot(v) for v in np.asarray(t.axes[t.names.index(a.name)]).tolist()], float)
                  for a in (ax, ay))
        finite = values[np.isfinite(values)]
        if not len(finite):
            return None
        worst = finite.max() if t.minimize else finite.min()
        values = np.where(np.isfinite(values), values, worst)
        (x0, x1), (y0, y1) = ax.plot_range(), ay.plot_range()
        cx = x0 + (np.arange(GRID) + 0.5) * (x1 - x0) / GRID
        cy = y0 + (np.arange(GRID) + 0.5) * (y1 - y0) / GRID
        interp = RegularGridInterpolator((gx, gy), values, bounds_error=False, fill_value=None)
        X, Y = np.meshgrid(np.clip(cx, gx[0], gx[-1]), np.clip(cy, gy[0], gy[-1]))
        return interp((X, Y))                                          # rows y, columns x

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

    def _map_range(self):
        """The map's extent in plot space: the axes' ranges."""
        ax, ay = (self.axis(n) for n in self.params())
        if ax is None or ay is None:
            return None
        return ax.plot_range(), ay.plot_range()

    def _data_range(self):
        # A little beyond the map, so trials and the truth's best on its edge show whole.
        rng = self._map_range()
        return None if rng is None else tuple(padded(lo, hi, 0.02) for lo, hi in rng)

    def _redraw(self):
        t = self._theme
        x, y, z, ns = self.positions()
        rng = self._map_range()
        px, py = self.params()
        if px is not None and px == py:  # one knob on both axes: its trials on a diagonal, no map
            x, y, z, ns = np.empty(0), np.empty(0), np.empty(0), []
            rng = None
        self.points.setData(x, y, data=ns, brush=pg.mkBrush(t.marker), pen=self._pen(t.contour if not t.is_dark
                                                                                     else t.background, 1.2))
        self.grid, self.source = None, None
        truth = self.truth_grid() if rng is not None else None
        if truth is not None:
            self.grid, self.source = truth, "truth"
            finite = np.asarray(self._truth.values, float)
            finite = finite[np.isfinite(finite)]
            # The best cell keeps its own colour (the optimum is the point); the far end is clipped.
            lo, hi = (finite.min(), np.percentile(finite, 98)) if self._truth.minimize else \
                (np.percentile(finite, 2), finite.max())
            shape = "×".join(str(len(a)) for a in self._truth.axes)
            what = f"true response, {shape} trainings; ★ its best"
            tip = ("The validation objective measured on a dense grid, each cell one training run (the same "
                   "set-up as a trial); a diverged run takes the worst colour. The trials sit on it.")
        elif rng is not None and len(z) and rng[0][1] > rng[0][0] and rng[1][1] > rng[1][0]:
            self.grid, self.source = objective_grid(x, y, z, rng[0], rng[1]), "trials"
            # Objectives span decades (a diverged lr): colour by rank-robust levels, the 2nd..98th percentile.
            lo, hi = np.percentile(z, [2, 98]) if len(z) > 4 else (z.min(), z.max())
            what = f"interpolated from {len(z)} trials"
            tip = ("Interpolated linearly between trials (in the axes' log space); outside them the hull's edge "
                   "is carried outwards.")
        self._draw_truth_best()
        if self.grid is not None:
            if not hi > lo:
                hi = lo + 1.0
            self.image.setImage(np.clip(self.grid, lo, hi), levels=(lo, hi))
            # Two short lines: the half-page tab clips one long one.
            self.key.setText(f"colour: objective, dark {value_text(float(lo))} .. yellow {value_text(float(hi))}\n"
                             f"map: {what}")
            self.key.setToolTip(tip)
            self.image.setColorMap(pg.colormap.get(t.colormap))
            self.image.setRect(pg.QtCore.QRectF(rng[0][0], rng[1][0], rng[0][1] - rng[0][0], rng[1][1] - rng[1][0]))
            self.image.setVisible(True)
        else:
            self.image.setVisible(False)
            self.key.setToolTip("")
            if px is not None and px == py:
                self.key.setText(f"A map needs two parameters: {px} is on both axes.\n"
                                 + ("Choose another one above." if len(self._axes) > 1
                                    else "This space has one: see the Slice tab."))
            else:
                self.key.setText("")
        self._draw_boxes()

    def _draw_truth_best(self):
        t = self._truth
        ax, ay = (self.axis(n) for n in self.params())
        if self.source != "truth" or not t.best_params:
            self.truth_best.setData([], [])
            return
        x, y = ax.to_plot(t.best_params[ax.name]), ay.to_plot(t.best_params[ay.name])
        th = self._theme
        self.truth_best.setData([x], [y], brush=pg.mkBrush(th.racer_colors[1]), pen=self._pen(th.background, 1.2))

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
