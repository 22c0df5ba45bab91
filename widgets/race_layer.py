"""The racers drawn on the surface: trails, current points, divergence crosses and arrows, as one item.

Why one hand-painted item and not a ``PlotCurveItem`` a trail: stroking eight antialiased 3000-point
trails again each frame would exceed a frame's budget (bench/bench_optimizer_page.py), and a trail only grows by a
few points a frame. The trails go through a :class:`~widgets.polyline_cache.PolylineCache` (only
new segments are stroked). Markers and arrows change every frame and are few: they are painted
directly, sized in screen (logical) pixels, so they keep their size at any zoom.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QPainter, QPen, QPolygonF

from widgets.polyline_cache import PolylineCache, cosmetic_pen

MARKER_PX = 15  # current-point dot diameter
CROSS_PX = 26  # divergence cross
HEAD_PX = 16  # arrow head length


class RaceLayer(pg.GraphicsObject):
    """Trails (cached, drawn incrementally), current points, crosses and arrows of up to eight racers.

    Coordinates are the surface's (the plot's data coordinates). ``set_racers`` declares the colours;
    ``set_frame`` gives the current picture. Only ``set_frame`` is called per frame.
    """

    def __init__(self):
        super().__init__()
        self.setAcceptedMouseButtons(Qt.NoButton)  # clicks go through to the surface and start marker
        self.setAcceptHoverEvents(False)
        self.trails = PolylineCache()
        self._colors: list[str] = []
        self._width = 2.5
        self._outline = QColor("#000000")
        self._points = np.empty((0, 2))
        self._point_colors: list[QColor] = []
        self._crosses = np.empty((0, 2))
        self._cross_colors: list[QColor] = []
        self._arrows: list[tuple[np.ndarray, QColor]] = []
        self._bounds = QRectF(-1.0, -1.0, 2.0, 2.0)

    # -- state -------------------------------------------------------------------
    def set_racers(self, colors: list[str]) -> None:
        """One colour a racer; forgets the trails drawn so far."""
        self._colors = list(colors)
        self.trails.set_lines([])
        self._set_pens()

    def set_style(self, line_width: float, outline: str) -> None:
        """Trail width in pixels and the outline colour of the current-point dots."""
        self._width, self._outline = float(line_width), QColor(outline)
        self._set_pens()

    def _set_pens(self) -> None:
        self.trails.set_pens([cosmetic_pen(c, self._width) for c in self._colors])
        self.update()

    def set_bounds(self, xmin: float, xmax: float, ymin: float, ymax: float) -> None:
        """The area the item may draw in: the domain widened enough to hold every clipped trail point."""
        self.prepareGeometryChange()
        self._bounds = QRectF(xmin, ymin, xmax - xmin, ymax - ymin)
        self.trails.invalidate()
        self.update()

    def set_frame(self, trails: list[np.ndarray], points: np.ndarray, point_colors: list[str],
                  crosses: np.ndarray, cross_colors: list[str], arrows: list[tuple[np.ndarray, str]]) -> None:
        """The picture of one frame.

        Parameters
        ----------
        trails : list of ndarray (T_i, 2), one per racer
            Finite points so far; a trail that extends the previous one is drawn incrementally.
        points, crosses : ndarray (N, 2)
            Current points (dots) and where diverged racers left the view (crosses).
        point_colors, cross_colors : list of str
        arrows : list of (segments (2M, 2), colour)
            Shaft start/tip pairs, as from ``surface_items.arrow_segments``.
        """
        self.trails.set_lines(trails)
        self._points, self._point_colors = np.asarray(points, float).reshape(-1, 2), [QColor(c) for c in point_colors]
        self._crosses, self._cross_colors = np.asarray(crosses, float).reshape(-1, 2), [QColor(c) for c in cross_colors]
        self._arrows = [(np.asarray(s, float).reshape(-1, 2), QColor(c)) for s, c in arrows]
        self.update()

    def crosses(self) -> np.ndarray:
        """Where the divergence crosses are drawn, (N, 2)."""
        return self._crosses.copy()

    # -- QGraphicsItem -------------------------------------------------------------
    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt override
        return self._bounds

    def paint(self, painter: QPainter, option, widget=None) -> None:
        vb = self.getViewBox()
        self.trails.paint(painter, widget, vb.viewRect() if vb is not None else self._bounds)
        t = painter.transform()
        painter.save()
        painter.resetTransform()
        self._paint_marks(painter, t)
        painter.restore()

    def _paint_marks(self, painter: QPainter, t) -> None:
        """Arrows, dots and crosses in screen pixels (``t`` maps data to the viewport)."""
        for seg, color in self._arrows:
            pen = QPen(color, 3)
            pen.setCapStyle(Qt.RoundCap)
            painter.setPen(pen)
            painter.setBrush(QBrush(color))
            for k in range(0, len(seg) - 1, 2):
                a, b = t.map(QPointF(*seg[k])), t.map(QPointF(*seg[k + 1]))
                d = b - a
                length = (d.x() ** 2 + d.y() ** 2) ** 0.5
                if length < 1e-6:
                    continue
                ux, uy = d.x() / length, d.y() / length
                head = min(HEAD_PX, 0.6 * length)
                base = b - QPointF(ux, uy) * head
                painter.drawLine(a, base + QPointF(ux, uy) * 1.0)
                side = QPointF(-uy, ux) * (0.45 * head)
                painter.drawPolygon(QPolygonF([b, base + side, base - side]))
        outline = QPen(self._outline, 2)
        painter.setPen(outline)
        r = MARKER_PX / 2.0
        for xy, color in zip(self._points, self._point_colors):
            painter.setBrush(QBrush(color))
            painter.drawEllipse(t.map(QPointF(*xy)), r, r)
        painter.setBrush(Qt.NoBrush)
        c = CROSS_PX / 2.0 * 0.7
        for xy, color in zip(self._crosses, self._cross_colors):
            pen = QPen(color, 5)
            pen.setCapStyle(Qt.RoundCap)
            painter.setPen(pen)
            q = t.map(QPointF(*xy))
            painter.drawLine(q + QPointF(-c, -c), q + QPointF(c, c))
            painter.drawLine(q + QPointF(-c, c), q + QPointF(c, -c))
