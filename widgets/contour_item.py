"""Contour lines as one item, stroked as hairlines (see ``polyline_cache.stroke``).

A ``PlotCurveItem`` with a 2 px pen took 180 ms to paint Rosenbrock's log-colour contours (Qt's
wide-line stroker fills the outline of every join); the same lines as offset 1-px hairlines take
a few ms. The item is cached as a pixmap by the view (``DeviceCoordinateCache``), so this paint
runs only when the surface, its colouring or the view changes.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QPainter, QPen

from widgets.polyline_cache import cosmetic_pen, stroke


class ContourItem(pg.GraphicsObject):
    """Lines given as one (K, 2) array, separate lines split by NaN rows (``surface_items.contour_path``)."""

    def __init__(self):
        super().__init__()
        self.setAcceptedMouseButtons(Qt.NoButton)
        self._xy = np.empty((0, 2))
        self._rect = QRectF()
        self._pen = cosmetic_pen("#FFFFFF", 2.0)
        self._draft = False

    def set_pen(self, color, width: float) -> None:
        self._pen = cosmetic_pen(color, width)
        self.update()

    def set_path(self, xy: np.ndarray, draft: bool = False) -> None:
        """The lines to draw, (K, 2) with NaN rows between lines.

        ``draft`` draws them one pixel wide (a quarter of the hairlines) while a slider is dragged.
        """
        self._draft = bool(draft)
        self.prepareGeometryChange()
        self._xy = np.asarray(xy, dtype=float).reshape(-1, 2)
        finite = self._xy[np.isfinite(self._xy).all(axis=1)]
        if len(finite):
            (x0, y0), (x1, y1) = finite.min(axis=0), finite.max(axis=0)
            self._rect = QRectF(x0, y0, max(x1 - x0, 1e-12), max(y1 - y0, 1e-12))
        else:
            self._rect = QRectF()
        self.update()

    def path(self) -> np.ndarray:
        """The lines drawn, (K, 2)."""
        return self._xy

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt override
        return self._rect

    def paint(self, painter: QPainter, option, widget=None) -> None:
        if len(self._xy) < 2:
            return
        painter.setRenderHint(QPainter.Antialiasing, True)
        pen = self._pen
        if self._draft:
            pen = QPen(pen)
            pen.setWidthF(1.0)
        painter.setPen(pen)
        stroke(painter, self._xy)
