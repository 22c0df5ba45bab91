"""Growing polylines stroked once into an image of the viewport, then only their new segments.

Trails and loss curves grow by a few points a frame, and stroking thousands of antialiased points
again every frame was most of a playing frame (bench/bench_optimizer_page.py measures the frames). A :class:`PolylineCache` keeps the image; an
item's ``paint`` hands it the painter, and it adds what is new and blits. The image is rebuilt
when the view's transform or size changes, the pens change, or a line no longer extends the one
drawn (seek back, a new run).
"""
from __future__ import annotations

import warnings

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QImage, QPainter, QPen, QTransform


def hairline_offsets(width: float) -> list[tuple[float, float]]:
    """Device-pixel offsets whose 1-px lines together look like one line ``width`` pixels wide.

    Qt strokes an antialiased polyline wider than one pixel through its general stroker, which
    fills the outline of every join, far slower than its cosmetic hairline path
    (bench/bench_drawing.py). So a wide line is drawn as 1-px lines offset to a ring of
    radius ``width / 2 - 0.4`` (an antialiased hairline already covers about 0.8 px of its own).
    Neighbours on the ring are at most 1 px apart, so their projections across any line direction
    leave no gap: four hairlines for 2 px, five for 2.5 px, seven for 3 px.
    """
    r = float(width) / 2.0 - 0.4
    if r < 0.25:
        return [(0.0, 0.0)]
    m = max(3, int(np.ceil(np.pi / np.arcsin(min(1.0, 0.5 / r)) - 1e-9)))
    return [(r * np.cos(2 * np.pi * k / m), r * np.sin(2 * np.pi * k / m)) for k in range(m)]


def stroke(painter: QPainter, xy: np.ndarray) -> None:
    """Draw ``xy`` (N, 2) as one polyline with the painter's pen; NaN rows break it.

    A cosmetic pen is taken as so many logical pixels (Qt draws cosmetic widths in device pixels,
    which halves every line on a 2x screen). Wider than 1.2 device pixels it is drawn as offset
    1-device-pixel hairlines (:func:`hairline_offsets`).
    """
    if len(xy) < 2:
        return
    x, y = np.ascontiguousarray(xy[:, 0]), np.ascontiguousarray(xy[:, 1])
    finite = bool(np.isfinite(y).all() and np.isfinite(x).all())
    path = pg.arrayToQPath(x, y, connect="all" if finite else "finite", finiteCheck=not finite)
    pen = painter.pen()
    device = painter.device()
    dpr = device.devicePixelRatioF() if device is not None else 1.0
    if not pen.isCosmetic() or pen.widthF() * dpr <= 1.2:
        painter.drawPath(path)
        return
    t = painter.transform()
    thin = QPen(pen)
    thin.setWidthF(1.0)
    painter.setPen(thin)
    for dx, dy in hairline_offsets(pen.widthF() * dpr):
        # t first, then a shift of (dx, dy) device pixels (the world transform is in logical ones)
        painter.setTransform(t * QTransform.fromTranslate(dx / dpr, dy / dpr))
        painter.drawPath(path)
    painter.setTransform(t)
    painter.setPen(pen)


def peak_decimate(xy: np.ndarray, columns: int) -> np.ndarray:
    """At most ~2 points per pixel column: the min and max of y in each block of a monotone-x line.

    What pyqtgraph's "peak" downsampling does: the envelope of a noisy or oscillating curve survives.
    """
    n = len(xy)
    k = int(np.ceil(n / max(columns, 1)))
    if k <= 2:
        return xy
    m = n // k
    head = xy[: m * k, 1].reshape(m, k)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # an all-NaN block stays a gap
        lo, hi = np.nanmin(head, axis=1), np.nanmax(head, axis=1)
    out = np.empty((2 * m, 2))
    out[0::2, 0] = xy[: m * k : k, 0]
    out[1::2, 0] = xy[k - 1 : m * k : k, 0]
    out[0::2, 1], out[1::2, 1] = lo, hi
    return np.concatenate([out, xy[m * k :]]) if m * k < n else out


def cosmetic_pen(color, width: float) -> QPen:
    """A round-capped pen ``width`` pixels wide at any zoom."""
    pen = QPen(pg.mkColor(color), float(width))
    pen.setCosmetic(True)
    pen.setCapStyle(Qt.RoundCap)
    pen.setJoinStyle(Qt.RoundJoin)
    return pen


class PolylineCache:
    """Incrementally stroked polylines (see the module docstring).

    Parameters
    ----------
    decimate : bool
        Thin a full redraw to two points per pixel column (lines with increasing x: curves, not trails).
    """

    def __init__(self, decimate: bool = False):
        self.decimate = decimate
        self.lines: list[np.ndarray] = []
        self.pens: list[QPen] = []
        self.rebuilds = 0  # full redraws (tests and the benchmark read it)
        self._drawn: list[int] = []
        self._ends: list[tuple] = []
        self._image: QImage | None = None
        self._key = None

    def set_pens(self, pens: list[QPen]) -> None:
        self.pens = list(pens)
        self.invalidate()

    def set_lines(self, lines: list[np.ndarray]) -> None:
        """The lines now, (T_i, 2) each; a line that extends the one drawn is drawn incrementally."""
        lines = [np.asarray(line, dtype=float).reshape(-1, 2) for line in lines]
        same = len(lines) == len(self.lines) and len(self._drawn) == len(lines)
        for line, n, ends in zip(lines, self._drawn, self._ends):
            if not same:
                break
            if n and (len(line) < n or not (np.array_equal(line[0], ends[0], equal_nan=True)
                                            and np.array_equal(line[n - 1], ends[1], equal_nan=True))):
                same = False
        self.lines = lines
        if not same:
            self.invalidate()

    def invalidate(self) -> None:
        self._key = None
        self._drawn = [0] * len(self.lines)
        self._ends = [(None, None)] * len(self.lines)

    def paint(self, painter: QPainter, widget, clip: QRectF) -> None:
        """Draw the lines with ``painter`` (whose transform maps line coordinates to the viewport)."""
        painter.setRenderHint(QPainter.Antialiasing, True)
        if widget is None:  # an exporter renders the scene: draw everything, no cache
            painter.save()
            painter.setClipRect(clip, Qt.IntersectClip)
            for i, line in enumerate(self.lines):
                painter.setPen(self._pen(i))
                stroke(painter, self._full(line, painter.transform()))
            painter.restore()
            return
        t = painter.transform()
        self._update(t, widget, clip)
        if self._image is None:  # nothing stroked yet (a new surface or run): no viewport-size blend
            return
        painter.save()
        painter.resetTransform()
        painter.drawImage(QPointF(0.0, 0.0), self._image)
        painter.restore()

    def _pen(self, i: int) -> QPen:
        return self.pens[i] if i < len(self.pens) else cosmetic_pen("#000000", 2)

    def _full(self, line: np.ndarray, t) -> np.ndarray:
        """The whole line, thinned to its pixel columns when ``decimate``."""
        if not self.decimate or len(line) < 1000:
            return line
        return peak_decimate(line, int(abs(t.m11()) * abs(line[-1, 0] - line[0, 0])) + 1)

    def _update(self, t, widget, clip: QRectF) -> None:
        dpr = widget.devicePixelRatioF()
        w, h = widget.width(), widget.height()
        key = (t.m11(), t.m12(), t.m21(), t.m22(), t.dx(), t.dy(), w, h, dpr)
        if key != self._key:
            self._image = None  # allocated when there is something to stroke
            self._drawn = [0] * len(self.lines)
            self._ends = [(None, None)] * len(self.lines)
            self._key = key
            self.rebuilds += 1
        todo = [i for i, line in enumerate(self.lines) if len(line) > max(self._drawn[i], 1)]
        if not todo:
            return
        if self._image is None:
            self._image = QImage(max(1, round(w * dpr)), max(1, round(h * dpr)), QImage.Format_ARGB32_Premultiplied)
            self._image.setDevicePixelRatio(dpr)
            self._image.fill(Qt.transparent)
        p = QPainter(self._image)
        p.setRenderHint(QPainter.Antialiasing, True)
        p.setTransform(t)
        p.setClipRect(clip)  # the image spans the whole viewport, axes included
        for i in todo:
            line, n = self.lines[i], self._drawn[i]
            p.setPen(self._pen(i))
            # From the last point drawn, so the segments join up.
            stroke(p, self._full(line, t) if n == 0 else line[n - 1:])
            self._drawn[i] = len(line)
            self._ends[i] = (line[0].copy(), line[-1].copy())
        p.end()
