"""Drawing an axis's specs (pyqtgraph's ``AxisItem.drawPicture``), the ticks of one pen in one call."""
from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QLineF
from PySide6.QtGui import QPen


def draw_specs(axis, p, axis_spec, tick_specs, text_specs, tick_pen: Callable[[QPen], QPen] | None = None) -> None:
    """Draw ``axis``'s line, ticks and labels as pyqtgraph's ``drawPicture`` does.

    The ticks that share a pen go in one ``drawLines`` call instead of a call each; ``tick_pen`` may
    replace each of those pens (the opaque grid's blended colour).
    """
    p.setRenderHint(p.RenderHint.Antialiasing, False)
    p.setRenderHint(p.RenderHint.TextAntialiasing, True)
    pen, p1, p2 = axis_spec
    p.setPen(pen)
    p.drawLine(p1, p2)
    runs: dict[int, tuple[QPen, list]] = {}
    for pen, a, b in tick_specs:
        runs.setdefault(id(pen), (pen, []))[1].append(QLineF(a, b))
    for pen, lines in runs.values():
        p.setPen(tick_pen(pen) if tick_pen is not None else pen)
        p.drawLines(lines)
    if axis.style["tickFont"] is not None:
        p.setFont(axis.style["tickFont"])
    p.setPen(axis.textPen())
    p.setClipRect(axis.boundingRect().toAlignedRect())
    for rect, flags, text in text_specs:
        p.drawText(rect, int(flags), text)
