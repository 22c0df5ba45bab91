"""A ``PlotCurveItem`` that draws a wide cosmetic pen as offset one-pixel hairlines.

Qt strokes an antialiased path wider than a pixel through its general stroker, many times slower
than its hairline path (bench/bench_drawing.py, row "noisy 3000-point lines"). The parallel
coordinates draw their best trials 2 px wide, and those few curves took most of the plot's paint.
:class:`HairlineCurve` draws them as :func:`widgets.polyline_cache.hairline_offsets` does for
the trails: the same path, stroked 1 px wide at a ring of small device-pixel offsets.
"""
from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtGui import QPainter, QPen, QTransform

from widgets.polyline_cache import hairline_offsets


class HairlineCurve(pg.PlotCurveItem):
    """A curve item for lines without fill or shadow: pens up to 1.2 device pixels are drawn by
    pyqtgraph, wider cosmetic ones as offset hairlines."""

    def paint(self, p: QPainter, opt, widget):  # noqa: D102 - pyqtgraph override
        pen = pg.mkPen(self.opts["pen"])
        device = p.device()
        dpr = device.devicePixelRatioF() if device is not None else 1.0
        plain = (not pen.isCosmetic() or pen.widthF() * dpr <= 1.2 or self.opts.get("fillLevel") is not None
                 or self.opts.get("brush") is not None or self.opts.get("shadowPen") is not None)
        if plain or self.xData is None or len(self.xData) < 2:
            return super().paint(p, opt, widget)
        path = self.getPath()
        p.setRenderHint(QPainter.RenderHint.Antialiasing, bool(self.opts.get("antialias")))
        thin = QPen(pen)
        thin.setWidthF(1.0)
        p.setPen(thin)
        t = p.transform()
        for dx, dy in hairline_offsets(pen.widthF() * dpr):
            # t first, then a shift of (dx, dy) device pixels (the world transform is in logical ones)
            p.setTransform(t * QTransform.fromTranslate(dx / dpr, dy / dpr))
            p.drawPath(path)
        p.setTransform(t)
        return None
