"""Apply a :class:`widgets.theme.Theme` to Qt widgets and pyqtgraph axes (the repeated part of every view's ``set_theme``)."""
from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtGui import QColor, QFont, QPalette

from widgets.theme import Theme


def fill_background(widget, theme: Theme) -> None:
    """Paint ``widget``'s own background and default text in the theme's colours."""
    pal = widget.palette()
    pal.setColor(QPalette.Window, QColor(theme.background))
    pal.setColor(QPalette.WindowText, QColor(theme.foreground))
    widget.setPalette(pal)
    widget.setAutoFillBackground(True)


def style_axes(axes, theme: Theme) -> QFont:
    """Give pyqtgraph ``axes`` the theme's line and text colour and tick font; return that font."""
    font = QFont()
    font.setPointSize(theme.font_pt)
    for axis in axes:
        axis.setPen(pg.mkPen(theme.foreground))
        axis.setTextPen(pg.mkPen(theme.foreground))
        axis.setTickFont(font)
    return font
