"""Growing curves (value against step) of several racers as one item, stroked incrementally.

The curves plots used one ``PlotDataItem`` a racer and a series: setting 16 of them every curves
frame and stroking them again was most of a playing frame (bench/bench_optimizer_page.py). This item keeps a
:class:`~widgets.polyline_cache.PolylineCache`: a playing frame strokes the few new points only;
a full redraw (the axis range changed, a seek back) is thinned to two points per pixel column.
Coordinates are the view box's: on a log axis the caller passes log10 values.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt

from widgets.polyline_cache import PolylineCache, cosmetic_pen


class CurveLayer(pg.GraphicsObject):
    """Several polylines with increasing x (one per racer), drawn incrementally."""

    def __init__(self):
        super().__init__()
        self.setAcceptedMouseButtons(Qt.NoButton)
        self.cache = PolylineCache(decimate=True)
        self._rect = QRectF(0.0, 0.0, 1.0, 1.0)

    def set_colors(self, colors: list[str], width: float) -> None:
        """One colour a curve, ``width`` pixels wide (forgets what was drawn)."""
        self.cache.set_pens([cosmetic_pen(c, width) for c in colors])
        self.update()

    def set_curves(self, curves: list[np.ndarray]) -> None:
        """The curves now, (T_i, 2) each; NaN rows leave gaps."""
        self.cache.set_lines(curves)
        self.update()

    def viewRangeChanged(self) -> None:  # noqa: N802 - pyqtgraph hook
        vb = self.getViewBox()
        if vb is not None:
            self.prepareGeometryChange()
            self._rect = QRectF(vb.viewRect())
        self.update()

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt override
        return self._rect

    def paint(self, painter, option, widget=None) -> None:
        self.cache.paint(painter, widget, self._rect)
