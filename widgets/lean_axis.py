"""An ``AxisItem`` that lays out its ticks and labels without pyqtgraph's per-tick Python.

pyqtgraph's ``AxisItem.generateDrawSpecs`` builds a ``Point`` per tick end, measures every label
of every level with a painter and re-runs three tick levels, for both axes each time the view's
range changes (a surface switch, or a parameter that moves the domain). :class:`LeanAxis` computes
the same specs with numpy and remembers label sizes (bench/bench_drawing.py times both). It follows pyqtgraph's rules (tick values and strings from the base class, tick lengths
and alphas per level, the text-crowding limits), so the picture is the same; anything it does not
handle (log mode, custom ticks, grid lines, right/top axes) goes to the base class.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPen

from widgets.axis_picture import draw_specs

_LEFT_FLAGS = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter | Qt.TextFlag.TextDontClip
_BOTTOM_FLAGS = Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop | Qt.TextFlag.TextDontClip


class LeanAxis(pg.AxisItem):
    """A left or bottom linear axis whose draw specs are computed in a few vectorised lines."""

    def __init__(self, orientation: str, **kwargs):
        super().__init__(orientation, **kwargs)
        self._text_sizes: dict[str, tuple[float, float]] = {}  # label -> size, for _font_key
        self._font_key = None

    def _lean(self) -> bool:
        s = self.style
        return (self.orientation in ("left", "bottom") and not self.logMode and self._tickLevels is None
                and self.grid is False and s["showValues"] and not any(s["stopAxisAtTick"])
                and s["tickAlpha"] is None and self.linkedView() is not None)

    def _text_size(self, p, text: str) -> tuple[float, float]:
        """Label size as pyqtgraph measures it (the painter's boundingRect, 0.8 of its height)."""
        size = self._text_sizes.get(text)
        if size is None:
            br = p.boundingRect(QRectF(0, 0, 100, 100), Qt.AlignmentFlag.AlignCenter, text)
            size = (br.width(), br.height() * 0.8)
            self._text_sizes[text] = size
        return size

    def generateDrawSpecs(self, p):  # noqa: N802 - pyqtgraph override
        """Axis line, ticks and labels as ``drawPicture`` takes them (see ``pg.AxisItem``)."""
        if not self._lean():
            return super().generateDrawSpecs(p)
        if self.style["tickFont"] is not None:
            p.setFont(self.style["tickFont"])
        font_key = p.font().key()
        if font_key != self._font_key or len(self._text_sizes) > 4096:
            self._font_key, self._text_sizes = font_key, {}
        bounds = self.mapRectFromParent(self.geometry())
        left = self.orientation == "left"
        if left:
            span = (bounds.topRight() + QPointF(-1.0, -1.0), bounds.bottomRight() + QPointF(-1.0, 1.0))
            tick_stop, tick_dir = bounds.right(), -1.0
        else:
            span = (bounds.topLeft() + QPointF(-1.0, 1.0), bounds.topRight() + QPointF(1.0, 1.0))
            tick_stop, tick_dir = bounds.top(), 1.0
        ends = [self.mapToDevice(pt) for pt in span]
        if None in ends:
            return None
        length_px = float(np.hypot(ends[1].x() - ends[0].x(), ends[1].y() - ends[0].y()))
        if length_px == 0:
            return None
        axis_spec = (self.pen(), span[0], span[1])
        levels = self.tickValues(self.range[0], self.range[1], length_px)

        r0, r1 = self.range
        dif = r1 - r0
        if dif == 0:
            scale, offset = 1.0, 0.0
        elif left:
            scale = -bounds.height() / dif
            offset = r0 * scale - bounds.height()
        else:
            scale = bounds.width() / dif
            offset = r0 * scale
        lo, hi = sorted((r0 * scale - offset, r1 * scale - offset))

        tick_specs, positions = [], []
        base_pen = self.tickPen()
        solid = base_pen.brush().style() == Qt.BrushStyle.SolidPattern
        for i, (_spacing, values) in enumerate(levels):
            x = np.asarray(values, dtype=float) * scale - offset
            inside = (x >= lo) & (x <= hi)
            positions.append(np.where(inside, x, np.nan))
            length = self.style["tickLength"] / (i * 0.5 + 1.0)
            pen = QPen(base_pen)
            if solid:
                color = QColor(pen.color())
                color.setAlpha(int(255 / (i + 1)))
                pen.setColor(color)
            end = tick_stop + length * tick_dir
            for xv in x[inside].tolist():
                if left:
                    tick_specs.append((pen, QPointF(tick_stop, xv), QPointF(end, xv)))
                else:
                    tick_specs.append((pen, QPointF(xv, tick_stop), QPointF(xv, end)))

        text_offset = self.style["tickTextOffset"][0 if left else 1]
        off = max(0, self.style["tickLength"]) + text_offset
        br = self.boundingRect()
        flags = _LEFT_FLAGS if left else _BOTTOM_FLAGS
        text_specs, along_total, text_size2, last_size2 = [], 0.0, 0.0, 0.0
        for i in range(min(len(levels), self.style["maxTextLevel"] + 1)):
            spacing, values = levels[i]
            strings = self.tickStrings(values, self.autoSIPrefixScale * self.scale, spacing)
            if not strings:
                continue
            # Labels are measured one by one, and a lower level is dropped as soon as its text is
            # too crowded (pyqtgraph's textFillLimits), so the many small ticks are never measured.
            crowded = min((limit for n, limit in self.style["textFillLimits"] if len(text_specs) >= n),
                          default=np.inf) * length_px if i > 0 else np.inf
            along, size2, sizes = along_total, text_size2, []
            for s, x in zip(strings, positions[i].tolist()):
                if x != x:  # NaN: the tick is outside the axis
                    sizes.append(None)
                    continue
                size = self._text_size(p, s)
                sizes.append(size)
                along += size[1] if left else size[0]
                size2 = max(size2, size[0] if left else size[1])
                if along >= crowded:
                    break
            if along >= crowded:
                break
            along_total, text_size2 = along, size2
            last_size2 = text_size2
            for s, x, size in zip(strings, positions[i].tolist(), sizes):
                if size is None:
                    continue
                w, h = size
                if left:
                    rect = QRectF(tick_stop - off - w, x - h / 2, w, h)
                else:
                    rect = QRectF(x - w / 2.0, tick_stop + off, w, h)
                if br & rect != rect:  # as pyqtgraph: a label that does not fit is left out
                    continue
                text_specs.append((rect, flags, s))
        self._updateMaxTextSize(last_size2)
        return axis_spec, tick_specs, text_specs

    def drawPicture(self, p, axisSpec, tickSpecs, textSpecs):  # noqa: N802,N803 - pyqtgraph override
        """Draw the specs, the ticks of one pen in one call."""
        if not self._lean():
            return super().drawPicture(p, axisSpec, tickSpecs, textSpecs)
        draw_specs(self, p, axisSpec, tickSpecs, textSpecs)
        return None
