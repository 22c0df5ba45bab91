"""An ``AxisItem`` whose grid lines are opaque and drawn under the data.

pyqtgraph draws a plot's grid as the axis's ticks stretched across the view, in the axis colour
with an alpha per tick level, without antialiasing, and above the data (axes sit at z 0.5). Qt's
raster engine strokes translucent lines without antialiasing many times slower than opaque ones
(bench/bench_drawing.py, row "grid lines"): replaying one plot's two axes with a grid took longer
than everything else in the plot. :class:`OpaqueGridAxis` draws each translucent tick in the opaque
colour it blends to on the plot's background, and sits below the view, so the data are drawn over
the grid (as matplotlib does by default) instead of under a veil of it. Where no data cover it, the
picture is the same.
"""
from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtGui import QColor, QPen

from widgets.axis_picture import draw_specs

#: Below the plot's ViewBox (z 0), so every data item is drawn over the grid lines. The plot sets it
#: once its PlotItem has put the axis at 0.5.
AXIS_Z = -1.0


def blended(color: QColor, background: QColor) -> QColor:
    """``color`` (with its alpha) over the opaque ``background``, as one opaque colour."""
    a = color.alphaF()
    return QColor(round(color.red() * a + background.red() * (1 - a)),
                  round(color.green() * a + background.green() * (1 - a)),
                  round(color.blue() * a + background.blue() * (1 - a)))


class OpaqueGridAxis(pg.AxisItem):
    """A pyqtgraph axis that draws translucent ticks (the grid) opaque, blended onto ``background``.

    Call :meth:`set_background` with the plot's background colour whenever it changes (a theme
    switch); until then the axis draws as pyqtgraph's does.
    """

    def __init__(self, orientation: str, **kwargs):
        super().__init__(orientation, **kwargs)
        self._background: QColor | None = None

    def set_background(self, color) -> None:
        """The opaque colour behind the plot, which the grid's translucent pens are blended onto."""
        self._background = QColor(pg.mkColor(color))
        self.picture = None
        self.update()

    def drawPicture(self, p, axisSpec, tickSpecs, textSpecs):  # noqa: N802,N803 - pyqtgraph override
        """pyqtgraph's drawing, with each translucent tick pen made opaque and lines of a pen in one call."""
        if self._background is None:
            return super().drawPicture(p, axisSpec, tickSpecs, textSpecs)
        draw_specs(self, p, axisSpec, tickSpecs, textSpecs, tick_pen=self._opaque)
        return None

    def _opaque(self, pen: QPen) -> QPen:
        color = pen.color()
        if color.alpha() == 255:
            return pen
        pen = QPen(pen)
        pen.setColor(blended(color, self._background))
        return pen
