"""Light and dark themes sized for a projector.

One ``Theme`` holds every colour, font size and line width a view draws with,
so the classroom's projector mode can later scale them in one place.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

# Okabe-Ito: a palette that stays distinguishable under the common colour-vision deficiencies.
OKABE_ITO = (
    "#0072B2",  # blue
    "#D55E00",  # vermillion
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#E69F00",  # orange
    "#56B4E9",  # sky blue
    "#F0E442",  # yellow
    "#8C8C8C",  # grey: black and white are the markers' and the gradient arrow's colours
)


@dataclass(frozen=True)
class Theme:
    """Colours, fonts and line widths for every view.

    Attributes
    ----------
    name : str
        ``"light"`` or ``"dark"``.
    background, foreground, grid : str
        Colours of plot backgrounds, text and axes, and grid lines.
    font_pt : int
        Point size of labels and tick text (large enough for the back row).
    line_width : float
        Width of trails and curves in pixels (at least 2).
    racer_colors : tuple of str
        Colours given to racers in order; colour-blind safe.
    colormap : str
        A perceptually uniform, colour-blind safe pyqtgraph colormap name.
    """

    name: str = "light"
    background: str = "#FFFFFF"
    foreground: str = "#1A1A1A"
    grid: str = "#B0B0B0"
    contour: str = "#FFFFFF"
    marker: str = "#000000"
    font_pt: int = 13
    title_pt: int = 15
    line_width: float = 2.5
    racer_colors: tuple[str, ...] = field(default=OKABE_ITO)
    colormap: str = "cividis"

    @property
    def is_dark(self) -> bool:
        """True for light text on a dark background (decided by the colour, not the theme's name, so
        a projector theme built on the dark one gets dark inputs and buttons too)."""
        rgb = [int(self.background.lstrip("#")[i:i + 2], 16) for i in (0, 2, 4)]
        return 0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2] < 128


LIGHT = Theme()
DARK = replace(
    LIGHT,
    name="dark",
    background="#15171C",
    foreground="#EDEDED",
    grid="#5A5F6B",
    contour="#F5F5F5",
    marker="#FFFFFF",
    racer_colors=OKABE_ITO[:-1] + ("#A6A6A6",),
)
THEMES = {"light": LIGHT, "dark": DARK}


def get_theme(name: str) -> Theme:
    """Return the theme called ``name`` ("light" or "dark")."""
    try:
        return THEMES[name]
    except KeyError:
        raise ValueError(f"unknown theme {name!r}; choose light or dark") from None
