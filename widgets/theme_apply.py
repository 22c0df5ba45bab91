"""Apply a :class:`widgets.theme.Theme` to Qt widgets and pyqtgraph axes (the repeated part of every view's ``set_theme``)."""
from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtGui import QColor, QFont, QGuiApplication, QPalette

from widgets.theme import Theme


def fill_background(widget, theme: Theme) -> None:
    """Paint ``widget``'s own background and default text in the theme's colours."""
    pal = widget.palette()
    pal.setColor(QPalette.Window, QColor(theme.background))
    pal.setColor(QPalette.WindowText, QColor(theme.foreground))
    widget.setPalette(pal)
    widget.setAutoFillBackground(True)


def screen_pen(color, width: float = 1.0, **kwargs):
    """A pyqtgraph pen ``width`` logical pixels wide on the primary screen.

    Qt draws cosmetic pens in device pixels, so on a 2x screen a 3 px marker outline came out
    half as thick (tests/test_high_dpi.py renders at 1x and 2x). Used for markers and guide lines, which are few;
    long curves go through ``polyline_cache.stroke``, which does the same for its hairlines.
    """
    screen = QGuiApplication.primaryScreen() if QGuiApplication.instance() is not None else None
    dpr = screen.devicePixelRatio() if screen is not None else 1.0
    return pg.mkPen(color, width=float(width) * max(1.0, dpr), **kwargs)


def style_axes(axes, theme: Theme) -> QFont:
    """Give pyqtgraph ``axes`` the theme's line and text colour and tick font; return that font."""
    font = QFont()
    font.setPointSize(theme.font_pt)
    for axis in axes:
        axis.setPen(pg.mkPen(theme.foreground))
        axis.setTextPen(pg.mkPen(theme.foreground))
        axis.setTickFont(font)
    return font


def plain_ticks(axis) -> None:
    """Turn off pyqtgraph's SI-prefix scaling of ``axis``'s tick labels, for quantities with no unit.

    ``enableAutoSIPrefix(False)`` alone recomputes the scale from the current range before it stops
    updating it: called on an axis showing 0..0.39 it froze a x1000 scale, so an lr of 0.3 read
    "300" with no prefix shown. Emptying the enable ranges first makes that last computation 1.
    """
    axis.setSIPrefixEnableRanges(())
    axis.enableAutoSIPrefix(False)


def palette(theme: Theme) -> QPalette:
    """A full palette for ``theme``: windows, inputs, buttons, tabs, menus and tool tips."""
    bg, fg = QColor(theme.background), QColor(theme.foreground)
    # Inputs and check boxes are filled with Base, outlined in a darker Window: on a dark theme Base
    # must stand well clear of the background, or an unchecked box is a dark square on dark.
    base = bg.lighter(210) if theme.is_dark else QColor("#FFFFFF")
    button = bg.lighter(230) if theme.is_dark else QColor("#EFEFEF")
    # Built from the button and window colours, so the bevel roles (Light, Mid, Dark, Shadow) match
    # too: the default white Light role drew a white line under the tabs in the dark theme.
    pal = QPalette(button, bg)
    for role, colour in ((QPalette.Window, bg), (QPalette.WindowText, fg), (QPalette.Base, base),
                         (QPalette.AlternateBase, button), (QPalette.Text, fg), (QPalette.Button, button),
                         (QPalette.ButtonText, fg), (QPalette.ToolTipBase, base), (QPalette.ToolTipText, fg),
                         (QPalette.PlaceholderText, QColor(theme.grid)), (QPalette.Highlight, QColor("#0072B2")),
                         (QPalette.HighlightedText, QColor("#FFFFFF")), (QPalette.BrightText, fg)):
        pal.setColor(role, colour)
    # Disabled text: the foreground faded towards what it is written on, as far as DISABLED_CONTRAST
    # allows. The grid colour used before read 1.4:1 on a dark button and 2:1 on a light one, drawn.
    # Fusion fills a dark button with a gradient lighter than Button (#303540 drew as #444954): the
    # button's text keeps its contrast against that lighter face too.
    for role, under in ((QPalette.Text, (base,)), (QPalette.WindowText, (bg,)),
                        (QPalette.ButtonText, (button, button.lighter(140)))):
        pal.setColor(QPalette.Disabled, role, dimmed(fg, *under))
    return pal


#: The contrast disabled text keeps against its background: legible (WCAG asks 3:1 of large text and
#: of controls), and well below the enabled text's (7.7:1 on the dark button's drawn face, 15.7:1 on the light).
DISABLED_CONTRAST = 3.6


def relative_luminance(colour: QColor) -> float:
    """WCAG 2's relative luminance of ``colour``: :math:`L = 0.2126 R + 0.7152 G + 0.0722 B` of the
    linearized channels, :math:`c = s / 12.92` for :math:`s \\le 0.04045`, else
    :math:`((s + 0.055) / 1.055)^{2.4}` (``s`` the sRGB channel in 0..1)."""
    def linear(v: int) -> float:
        s = v / 255.0
        return s / 12.92 if s <= 0.04045 else ((s + 0.055) / 1.055) ** 2.4

    return 0.2126 * linear(colour.red()) + 0.7152 * linear(colour.green()) + 0.0722 * linear(colour.blue())


def contrast_ratio(a: QColor, b: QColor) -> float:
    """WCAG 2's contrast ratio :math:`(L_1 + 0.05) / (L_2 + 0.05)`, :math:`L_1 \\ge L_2` (1 to 21)."""
    la, lb = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def dimmed(fg: QColor, bg: QColor, *more: QColor, contrast: float = DISABLED_CONTRAST) -> QColor:
    """``fg`` mixed towards ``bg`` as far as keeps ``contrast`` against ``bg`` and each of ``more``
    (other shades it may be drawn on); ``fg`` itself if it has less."""
    best = QColor(fg)
    for k in range(1, 101):  # 1 % steps from fg to bg: the contrast falls monotonically along the way
        a = 1.0 - k / 100.0
        c = QColor(round(fg.red() * a + bg.red() * (1 - a)), round(fg.green() * a + bg.green() * (1 - a)),
                   round(fg.blue() * a + bg.blue() * (1 - a)))
        if min(contrast_ratio(c, under) for under in (bg, *more)) < contrast:
            break
        best = c
    return best


def still_plot() -> pg.PlotItem:
    """A PlotItem that does not pan or zoom, without pyqtgraph's menu and buttons, with plain ticks
    (a figure that explains, such as the sampler's surrogate, rather than one to explore)."""
    plot = pg.PlotItem()
    plot.setMenuEnabled(False)
    plot.hideButtons()
    plot.getViewBox().setMouseEnabled(False, False)
    for name in ("left", "bottom"):
        plain_ticks(plot.getAxis(name))
    return plot


def style_legend(legend: pg.LegendItem, theme: Theme) -> None:
    """``legend`` in ``theme``: text colour and size, an opaque box with a grid-coloured frame."""
    legend.setLabelTextColor(theme.foreground)
    legend.setLabelTextSize(f"{theme.font_pt - 1}pt")
    legend.setBrush(pg.mkBrush(theme.background))
    legend.setPen(pg.mkPen(theme.grid))
    for _sample, text in legend.items:
        text.setText(text.text)  # the colour applies at the next setText (docs/traps.md)
