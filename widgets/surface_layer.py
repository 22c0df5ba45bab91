"""The surface's heatmap with its contour lines on top, kept as one opaque image of the viewport.

Before, an ``ImageItem`` and a contour item were each cached by Qt as a translucent pixmap of the
whole plot. Every frame of a race blended both onto the viewport, and a surface change filled,
painted and blended both again. Here the two are painted once per change into one opaque image
in device pixels: a frame copies it, and a change costs the colour lookup, one scaled draw, one
set of contour hairlines (widened by shifted copies, :meth:`SurfaceLayer._wide_lines`) and one
blend of them. The colours come from a 256-entry table
(:func:`color_table`), one numpy lookup for the 200 x 200 grid.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRect, QRectF, Qt
from PySide6.QtGui import QImage, QPainter, QPen, QTransform

from widgets.polyline_cache import cosmetic_pen, stroke


def color_table(colormap: pg.ColorMap, n: int = 256) -> np.ndarray:
    """``n`` opaque colours of ``colormap`` as 0xAARRGGBB words, low to high."""
    rgb = np.asarray(colormap.getLookupTable(0.0, 1.0, n, alpha=False), dtype=np.uint32)
    return (0xFF000000 | (rgb[:, 0] << 16) | (rgb[:, 1] << 8) | rgb[:, 2]).astype(np.uint32)


def colorize(D: np.ndarray, levels: tuple[float, float], table: np.ndarray) -> np.ndarray:
    """Map values ``D`` (ny, nx) to colours of ``table``, ``levels`` = (value of the first, of the last).

    Values beyond the levels take the end colours, as in pyqtgraph's ``ImageItem``.
    """
    lo, hi = levels
    n = len(table)
    scale = n / (hi - lo) if hi > lo else 0.0  # pyqtgraph's rescale: the top level is clipped to the last
    idx = np.clip((np.asarray(D, dtype=np.float64) - lo) * scale, 0, n - 1)
    return table[idx.astype(np.intp)]


class SurfaceLayer(pg.GraphicsObject):
    """Heatmap and contours of a surface, painted together and cached in device pixels.

    Coordinates are the surface's. ``set_image`` gives the colours of a grid and the rectangle its
    cells cover; ``set_contours`` the lines, as one (K, 2) array with NaN rows between lines.
    """

    def __init__(self):
        super().__init__()
        self.setAcceptedMouseButtons(Qt.NoButton)  # clicks go through to the plot (the start point)
        self._colors = np.zeros((1, 1), dtype=np.uint32)
        self._qimage = QImage()
        self._rect = QRectF()
        self._xy = np.empty((0, 2))
        self._pen = cosmetic_pen("#FFFFFF", 2.0)
        self._opacity = 0.55
        self._draft = False
        self._show_contours = True
        self._cache: QImage | None = None
        self._key = None
        self.renders = 0  # times the cache was painted anew (tests read it)

    # -- state -------------------------------------------------------------------
    def set_image(self, colors: np.ndarray, rect: tuple[float, float, float, float]) -> None:
        """Cell colours (ny, nx) as 0xAARRGGBB, row 0 at the rectangle's low y; ``rect`` = (x, y, w, h)."""
        self._colors = np.ascontiguousarray(colors, dtype=np.uint32)
        ny, nx = self._colors.shape
        self._qimage = QImage(self._colors.data, nx, ny, 4 * nx, QImage.Format_ARGB32)
        self.prepareGeometryChange()
        self._rect = QRectF(*rect)
        self._changed()

    def image(self) -> np.ndarray:
        """The cell colours shown, (ny, nx) 0xAARRGGBB."""
        return self._colors

    def set_contours(self, xy: np.ndarray, draft: bool = False) -> None:
        """The contour lines, (K, 2) with NaN rows between lines; ``draft`` draws them 1 px wide."""
        self._xy = np.asarray(xy, dtype=float).reshape(-1, 2)
        self._draft = bool(draft)
        self._changed()

    def path(self) -> np.ndarray:
        """The contour lines drawn, (K, 2)."""
        return self._xy

    def set_contour_style(self, color, width: float, opacity: float) -> None:
        """Contour colour, width in pixels and opacity over the heatmap."""
        self._pen = cosmetic_pen(color, width)
        self._opacity = float(opacity)
        self._changed()

    def set_contours_visible(self, on: bool) -> None:
        self._show_contours = bool(on)
        self._changed()

    def _changed(self) -> None:
        self._key = None
        self.update()

    # -- QGraphicsItem -------------------------------------------------------------
    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt override
        return self._rect

    def paint(self, painter: QPainter, option, widget=None) -> None:
        if self._rect.isEmpty() or self._qimage.isNull():
            return
        if widget is None:  # an exporter renders the scene: draw directly, no cache
            self._draw(painter)
            return
        t = painter.transform()
        dpr = widget.devicePixelRatioF()
        # The part of the viewport the image covers, in whole device pixels.
        shown = t.mapRect(self._rect) & QRectF(0.0, 0.0, widget.width(), widget.height())
        if shown.isEmpty():
            return
        # The device pixels whose centres lie in it: exactly those a non-antialiased drawImage fills.
        x0, y0 = round(shown.left() * dpr), round(shown.top() * dpr)
        dev = QRect(x0, y0, max(1, round(shown.right() * dpr) - x0), max(1, round(shown.bottom() * dpr) - y0))
        key = (t.m11(), t.m12(), t.m21(), t.m22(), t.dx(), t.dy(), dev.x(), dev.y(), dev.width(), dev.height(), dpr)
        if key != self._key or self._cache is None:
            self._render(t, dev, dpr)
            self._key = key
        origin = QPointF(dev.x() / dpr, dev.y() / dpr)
        painter.save()
        painter.resetTransform()
        painter.drawImage(origin, self._cache)
        painter.restore()

    def _render(self, t, dev, dpr: float) -> None:
        """Paint the heatmap and the contours into the cache (``dev``: its rectangle in device pixels)."""
        self.renders += 1
        if self._cache is None or self._cache.size() != dev.size():
            self._cache = QImage(dev.width(), dev.height(), QImage.Format_ARGB32_Premultiplied)
            self._cache.fill(Qt.transparent)  # a new image holds garbage; a rounding gap shows nothing instead
        self._cache.setDevicePixelRatio(dpr)
        p = QPainter(self._cache)
        p.setTransform(t * QTransform.fromTranslate(-dev.x() / dpr, -dev.y() / dpr))
        p.setCompositionMode(QPainter.CompositionMode_Source)  # opaque cells: no blend with the old cache
        p.drawImage(self._rect, self._qimage)
        p.setCompositionMode(QPainter.CompositionMode_SourceOver)
        if self._show_contours and len(self._xy) > 1:
            k = max(1, round((1.0 if self._draft else self._pen.widthF()) * dpr))  # width in device px
            if k == 1:  # one hairline overlaps nothing: straight on, at the contours' opacity
                p.setOpacity(self._opacity)
                self._hairlines(p, p.transform())
            else:
                lines = self._wide_lines(p.transform(), dev.size(), dpr, k)
                p.resetTransform()
                p.setOpacity(self._opacity)  # blended once: overlaps must not add up past the opacity
                p.drawImage(QPointF(0.0, 0.0), lines)
        p.end()

    def _hairlines(self, painter: QPainter, transform) -> None:
        """The contours as 1-device-pixel antialiased lines."""
        painter.setTransform(transform)
        painter.setRenderHint(QPainter.Antialiasing, True)
        pen = QPen(self._pen)
        pen.setWidthF(0.0)  # Qt's cosmetic hairline: one device pixel at any pixel ratio
        painter.setPen(pen)
        stroke(painter, self._xy)

    def _wide_lines(self, transform, size, dpr: float, k: int) -> QImage:
        """The contours ``k`` device pixels wide on a clear image: hairlines, dilated by shifted copies.

        Stroking is the cost (Rastrigin's contours have tens of thousands of points), so a wide
        line is one hairline drawn once and copied ``k`` times across and ``k`` times down (2k
        cheap blits), where ``polyline_cache.stroke`` strokes a ring of offset hairlines (four for
        2 px); bench/bench_optimizer_page.py times the repaints.
        """
        def clear() -> QImage:
            img = QImage(size, QImage.Format_ARGB32_Premultiplied)
            img.setDevicePixelRatio(dpr)
            img.fill(Qt.transparent)
            return img

        lines, across = clear(), clear()
        q = QPainter(lines)
        back = -(k - 1) / 2.0 / dpr  # centred: the copies go 0..k-1 pixels right and down
        self._hairlines(q, transform * QTransform.fromTranslate(back, back))
        q.end()
        q = QPainter(across)
        for d in range(k):
            q.drawImage(QPointF(d / dpr, 0.0), lines)
        q.end()
        lines.fill(Qt.transparent)
        q = QPainter(lines)
        for d in range(k):
            q.drawImage(QPointF(0.0, d / dpr), across)
        q.end()
        return lines

    def _draw(self, painter: QPainter) -> None:
        """Heatmap and contours straight onto ``painter`` (exports)."""
        painter.drawImage(self._rect, self._qimage)
        if self._show_contours and len(self._xy) > 1:
            painter.save()
            painter.setOpacity(self._opacity)
            painter.setRenderHint(QPainter.Antialiasing, True)
            painter.setPen(self._pen)
            stroke(painter, self._xy)
            painter.restore()
