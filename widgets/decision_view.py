"""The decision surface: a heatmap of the model's output over the input plane, with the data on top.

Binary classification shows P(class 1) on a blue-white-orange map, several classes blend
the class colours by probability, and regression shows the predicted value (the fit).
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtWidgets import QGraphicsItem

from widgets.theme import LIGHT, Theme
from widgets.theme_apply import screen_pen


def class_colors(theme: Theme, k: int) -> list[tuple[int, int, int]]:
    """RGB tuples of ``k`` class colours from the theme's colour-blind safe palette."""
    cols = [pg.mkColor(c) for c in theme.racer_colors[:-1]]  # the last one is black/white
    return [cols[i % len(cols)].getRgb()[:3] for i in range(k)]


def _binary_lut(theme: Theme) -> np.ndarray:
    """(256, 3) uint8 lookup table from class-0 colour through a pale middle to class-1 colour."""
    c0, c1 = (np.array(c, float) for c in class_colors(theme, 2))
    mid = np.array(pg.mkColor(theme.background).getRgb()[:3], float)
    mid = 0.55 * mid + 0.45 * np.array([200.0, 200.0, 200.0])  # the boundary stays visible on dark too
    t = np.linspace(-1, 1, 256)[:, None]
    # At most 55 % of the class colour: the filled training points must stand out on their own side.
    lut = np.where(t < 0, mid + (c0 - mid) * (-t) * 0.55, mid + (c1 - mid) * t * 0.55)
    return lut.clip(0, 255).astype(np.uint8)


class DecisionView(pg.PlotWidget):
    """Heatmap of the model over the input plane with train (filled) and test (ringed) points.

    Parameters
    ----------
    theme : Theme
        Colours and font sizes.

    Signals
    -------
    sigPointClicked(float, float)
        A left click at data coordinates (x1, x2) while drawing is enabled.
    """

    sigPointClicked = Signal(float, float)

    def __init__(self, theme: Theme = LIGHT, parent=None):
        super().__init__(parent=parent)
        self._theme = theme
        self._task = "classification"
        self._k = 2
        self._extent = (-1.0, 1.0, -1.0, 1.0)
        self._grid: np.ndarray | None = None
        self._points: dict = {}
        self._drawing = False
        self._show_test = True
        self.setMenuEnabled(False)
        self.setMouseEnabled(False, False)
        self.viewport().setAttribute(Qt.WA_OpaquePaintEvent)  # the background brush fills it: no parent repaint
        for name in ("left", "bottom"):  # repainted with every heatmap: blit them instead of replaying the ticks
            self.getAxis(name).setCacheMode(QGraphicsItem.DeviceCoordinateCache)
        self.hideButtons()
        self.image = pg.ImageItem(axisOrder="row-major")  # grid rows are x2, columns x1 (docs/traps.md)
        self.addItem(self.image)
        self.train_scatter = pg.ScatterPlotItem(pxMode=True)
        self.test_scatter = pg.ScatterPlotItem(pxMode=True)
        self.addItem(self.train_scatter)
        self.addItem(self.test_scatter)
        self.scene().sigMouseClicked.connect(self._on_scene_clicked)
        self.set_theme(theme)

    # -- public API ----------------------------------------------------------
    def set_theme(self, theme: Theme) -> None:
        """Restyle axes, points and the colour map."""
        self._theme = theme
        self.setBackground(theme.background)
        font = pg.QtGui.QFont()
        font.setPointSize(theme.font_pt)
        for name in ("left", "bottom"):
            ax = self.getAxis(name)
            ax.setPen(theme.foreground)
            ax.setTextPen(theme.foreground)
            ax.setTickFont(font)
        self.setLabel("bottom", "x₁", size=f"{theme.font_pt}pt", color=theme.foreground)
        self.setLabel("left", "x₂", size=f"{theme.font_pt}pt", color=theme.foreground)
        self._redraw_image()
        self._redraw_points()

    def set_data(self, points: dict, task: str, n_classes: int, extent) -> None:
        """Show the data.

        Parameters
        ----------
        points : dict
            ``{"train": (X (N, 2), y (N,)), "test": (X, y), ...}``; "val" is drawn like "test".
        task : str
            "classification" or "regression".
        n_classes : int
            K (0 for regression).
        extent : tuple
            (xmin, xmax, ymin, ymax) of the plane covered by the grid.
        """
        self._points = points
        self._task = task
        self._k = max(2, int(n_classes))
        self._extent = tuple(float(v) for v in extent)
        x0, x1, y0, y1 = self._extent
        self.setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0)
        self._redraw_points()
        self._redraw_image()

    def set_grid(self, grid: np.ndarray | None, extent=None) -> None:
        """Show the model output on a G x G grid (row = x2, column = x1).

        ``grid`` is (G, G) P(class 1) or a regression value, or (G, G, K) class probabilities.
        ``extent`` is the plane covered from the first to the last cell edge.
        """
        if extent is not None:
            self._extent = tuple(float(v) for v in extent)
        self._grid = None if grid is None else np.asarray(grid)
        self._redraw_image()

    def set_show_test(self, show: bool) -> None:
        """Show or hide the held-out (validation and test) points."""
        self._show_test = bool(show)
        self.test_scatter.setVisible(self._show_test)

    def set_drawing(self, on: bool) -> None:
        """Enable clicking the canvas to add points (see ``sigPointClicked``)."""
        self._drawing = bool(on)
        self.setCursor(Qt.CrossCursor if on else Qt.ArrowCursor)

    # -- drawing -------------------------------------------------------------
    def _rgb_image(self) -> np.ndarray | None:
        g = self._grid
        if g is None:
            return None
        g = np.nan_to_num(g.astype(np.float64), nan=0.5, posinf=1.0, neginf=0.0)  # docs/traps.md: no inf in an image
        if self._task == "regression":
            lo, hi = self._value_range()
            t = ((g - lo) / max(hi - lo, 1e-12)).clip(0, 1)
            lut = pg.colormap.get(self._theme.colormap).getLookupTable(nPts=256, mode="byte")[:, :3]
            return lut[(t * 255).astype(np.int64)]
        if g.ndim == 2:
            lut = _binary_lut(self._theme)
            return lut[(g.clip(0, 1) * 255).astype(np.int64)]
        cols = np.array(class_colors(self._theme, g.shape[-1]), float)  # (K, 3)
        bg = np.array(pg.mkColor(self._theme.background).getRgb()[:3], float)
        p = g.clip(0, 1)
        conf = p.max(-1, keepdims=True)
        mix = p @ cols  # (G, G, 3) probability-weighted class colour
        return (bg + (mix - bg) * (0.15 + 0.4 * conf)).clip(0, 255).astype(np.uint8)

    def _value_range(self) -> tuple[float, float]:
        ys = [np.asarray(y, float) for _, y in self._points.values() if len(y)]
        if ys:
            y = np.concatenate(ys)
            return float(y.min()), float(y.max())
        return (0.0, 1.0) if self._grid is None else (float(np.nanmin(self._grid)), float(np.nanmax(self._grid)))

    def _redraw_image(self) -> None:
        rgb = self._rgb_image()
        if rgb is None:
            self.image.clear()
            return
        self.image.setImage(rgb, levels=(0, 255), autoLevels=False)
        x0, x1, y0, y1 = self._extent
        self.image.setRect(QRectF(x0, y0, x1 - x0, y1 - y0))  # from cell edges (docs/traps.md)

    def _brushes(self, y: np.ndarray) -> list:
        if self._task == "regression":
            lo, hi = self._value_range()
            cmap = pg.colormap.get(self._theme.colormap)
            t = ((np.asarray(y, float) - lo) / max(hi - lo, 1e-12)).clip(0, 1)
            return [pg.mkBrush(c) for c in cmap.mapToQColor(t)]
        cols = [pg.mkBrush(*c) for c in class_colors(self._theme, self._k)]
        return [cols[int(v) % len(cols)] for v in y]

    def _redraw_points(self) -> None:
        edge = screen_pen(self._theme.marker, 1.2)
        size = max(7, self._theme.font_pt - 4)
        tr = self._points.get("train")
        if tr is not None and len(tr[0]):
            self.train_scatter.setData(pos=np.asarray(tr[0]), brush=self._brushes(tr[1]), pen=edge, size=size)
        else:
            self.train_scatter.clear()
        held = [self._points[s] for s in ("val", "test") if s in self._points and len(self._points[s][0])]
        if held:
            X = np.concatenate([h[0] for h in held])
            y = np.concatenate([h[1] for h in held])
            # Held-out points: thick ring in the class colour, hollow, so they read as "not trained on".
            pens = [pg.mkPen(b.color(), width=2.5) for b in self._brushes(y)]
            self.test_scatter.setData(pos=X, pen=pens, brush=pg.mkBrush(0, 0, 0, 0), size=size + 1)
        else:
            self.test_scatter.clear()

    # -- events --------------------------------------------------------------
    def _on_scene_clicked(self, event) -> None:
        if not self._drawing or event.button() != Qt.LeftButton:
            return
        p = self.getPlotItem().vb.mapSceneToView(event.scenePos())
        self.sigPointClicked.emit(float(p.x()), float(p.y()))
