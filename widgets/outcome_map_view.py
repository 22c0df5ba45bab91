"""Basin-of-attraction map: every start cell coloured by where the optimizer ended up."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtWidgets import QLabel, QSizePolicy, QVBoxLayout, QWidget

from widgets.theme import LIGHT, OKABE_ITO, Theme
from widgets.theme_apply import fill_background, plain_ticks, screen_pen, style_axes

#: Colours of the listed minima in order (Okabe-Ito without orange, grey-ish black and yellow last).
MINIMA_COLORS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#56B4E9", "#F0E442")
#: Colours of the other outcomes: orange, light grey (also the hyperparameter map's diverged), dark grey.
OTHER_COLORS = {"elsewhere": OKABE_ITO[4], "diverged": "#D0D0D0", "not-converged": "#4D4D4D"}


def outcome_colors(labels: list[str]) -> list[str]:
    """A colour per outcome label: minima cycle through :data:`MINIMA_COLORS`, then fixed colours."""
    out, k = [], 0
    for lab in labels:
        if lab in OTHER_COLORS:
            out.append(OTHER_COLORS[lab])
        else:
            out.append(MINIMA_COLORS[k % len(MINIMA_COLORS)])
            k += 1
    return out


def cell_grid(domain, nx: int, ny: int):
    """Cell centres tiling ``domain``: the cell EDGES are the domain's edges.

    Returns
    -------
    xs : ndarray (nx,)
        :math:`x_i = x_{min} + (i + \\tfrac12)\\,\\Delta x`, :math:`\\Delta x = (x_{max} - x_{min})/n_x`.
    ys : ndarray (ny,)
        Likewise in y.
    """
    xmin, xmax, ymin, ymax = (float(v) for v in domain)
    xs = xmin + (np.arange(nx) + 0.5) * (xmax - xmin) / nx
    ys = ymin + (np.arange(ny) + 0.5) * (ymax - ymin) / ny
    return xs, ys


class OutcomeMapView(QWidget):
    """A categorical image of outcome codes over the start grid, with a legend and minima markers.

    Row ``j`` of the image is ``y_j`` and column ``i`` is ``x_i`` (row-major, row 0 at the bottom); the
    image rectangle is the domain itself, so cell edges line up with the axes and a click maps to the
    cell under the pointer.

    Signals
    -------
    sigCellClicked(int, int)
        ``(row, col)`` of a clicked cell.
    """

    sigCellClicked = Signal(int, int)

    def __init__(self, theme: Theme = LIGHT, parent: QWidget | None = None):
        super().__init__(parent)
        self._theme = theme
        self._domain = (-1.0, 1.0, -1.0, 1.0)
        self._codes = None
        self._labels: list[str] = []
        self.plot = pg.PlotWidget()
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        self.plot.setAspectLocked(True)
        self.plot.getViewBox().setMouseEnabled(False, False)
        for name in ("bottom", "left"):
            plain_ticks(self.plot.getAxis(name))  # a domain inside -1..1 read x1000 ("x start (x0.001)")
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setZValue(-10)
        self.minima = pg.ScatterPlotItem(symbol="star", size=24)
        self.minima.setZValue(10)
        self.path = pg.PlotCurveItem()
        self.path.setZValue(20)
        self.path_start = pg.ScatterPlotItem(symbol="o", size=14)
        self.path_start.setZValue(21)
        for item in (self.image, self.minima, self.path, self.path_start):
            self.plot.addItem(item)
        self.legend = QLabel("")
        self.legend.setTextFormat(Qt.RichText)
        self.legend.setAlignment(Qt.AlignTop | Qt.AlignLeft)
        self.legend.setWordWrap(True)  # below the map, entries flow: the side column is narrow at 1280x720
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        # No height of its own to ask for: in the side column's scroll area it takes the room there is
        # (its 500+ px size hint made the panel scroll at 1280x720).
        self.plot.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Ignored)
        layout.addWidget(self.plot, 1)
        layout.addWidget(self.legend)
        self.plot.scene().sigMouseClicked.connect(self._on_scene_clicked)
        self.set_theme(theme)

    # -- public API ------------------------------------------------------------
    def set_theme(self, theme: Theme) -> None:
        """Apply ``theme``'s colours and font sizes."""
        self._theme = theme
        self.plot.setBackground(theme.background)
        fill_background(self, theme)
        style_axes([self.plot.getAxis("bottom"), self.plot.getAxis("left")], theme)
        style = {"color": theme.foreground, "font-size": f"{theme.font_pt}pt"}
        for name, text in (("bottom", "x start"), ("left", "y start")):
            self.plot.setLabel(name, text, **style)
        self.legend.setStyleSheet(f"font-size: {theme.font_pt}pt; color: {theme.foreground};")
        self.minima.setPen(screen_pen("#000000", 1.5))
        self.minima.setBrush(pg.mkBrush("#FFFFFF"))
        self.path.setPen(pg.mkPen(theme.marker, width=theme.line_width + 0.5))
        self.path_start.setPen(screen_pen(theme.marker, 2))
        self.path_start.setBrush(pg.mkBrush(theme.background))
        if self._codes is not None:
            self.set_outcomes(self._codes, self._labels, self._domain)

    def set_domain(self, domain) -> None:
        """Show ``domain`` = (xmin, xmax, ymin, ymax), without data yet."""
        self._domain = tuple(float(v) for v in domain)
        xmin, xmax, ymin, ymax = self._domain
        self.plot.setRange(xRange=(xmin, xmax), yRange=(ymin, ymax), padding=0.02)

    def set_minima(self, minima) -> None:
        """Mark the listed minima (list of (x, y)); minimum k carries label ``min{k}``."""
        pts = np.asarray(minima, float).reshape(-1, 2)
        self.minima.setData(pos=pts)

    def set_outcomes(self, codes: np.ndarray, labels: list[str], domain=None, fractions: bool = True) -> None:
        """Draw outcome codes.

        Parameters
        ----------
        codes : ndarray (ny, nx) of int
            Index into ``labels`` for each cell; row j is the j-th y from the bottom.
        labels : list of str
            ``["min0", ..., "elsewhere", "diverged", "not-converged"]``.
        domain : (xmin, xmax, ymin, ymax), optional
            The cells' outer edges (default: the current domain).
        fractions : bool
            Show each outcome's share of the cells in the legend.
        """
        codes = np.asarray(codes, dtype=np.int64)
        if domain is not None:
            self.set_domain(domain)
        self._codes, self._labels = codes, list(labels)
        colors = outcome_colors(self._labels)
        lut = np.array([pg.mkColor(c).getRgb() for c in colors] + [(0, 0, 0, 0)], dtype=np.ubyte)
        safe = np.where((codes >= 0) & (codes < len(labels)), codes, len(labels))  # unknown -> clear
        rgba = lut[safe]  # (ny, nx, 4)
        self.image.setImage(rgba, autoLevels=False, levels=(0, 255))
        xmin, xmax, ymin, ymax = self._domain
        self.image.setRect(QRectF(xmin, ymin, xmax - xmin, ymax - ymin))  # from cell EDGES
        self._update_legend(colors, codes if fractions else None)

    def clear_outcomes(self) -> None:
        """Remove the image (a new map is being computed)."""
        self._codes = None
        self.image.clear()
        self.set_path(None)
        self.legend.setText("")

    def set_path(self, xy: np.ndarray | None, color: str | None = None) -> None:
        """Draw one replayed path ``xy`` (T, 2) with a ring at its start; None clears it."""
        if xy is None or len(xy) == 0:
            self.path.setData([], [])
            self.path_start.setData([], [])
            return
        xy = np.asarray(xy, float)
        ok = np.all(np.isfinite(xy), axis=1)
        xy = xy[: int(np.argmin(ok))] if not ok.all() else xy
        if color is not None:
            self.path.setPen(pg.mkPen(color, width=self._theme.line_width + 0.5))
        self.path.setData(xy[:, 0], xy[:, 1])
        self.path_start.setData(pos=xy[:1])

    def shape(self) -> tuple[int, int] | None:
        """(ny, nx) of the current map, or None."""
        return None if self._codes is None else self._codes.shape

    def label_at(self, row: int, col: int) -> str:
        """Outcome label of cell (row, col)."""
        return self._labels[int(self._codes[row, col])]

    def cell_center(self, row: int, col: int) -> tuple[float, float]:
        """Surface coordinates of the centre of cell (row, col)."""
        ny, nx = self._codes.shape
        xs, ys = cell_grid(self._domain, nx, ny)
        return float(xs[col]), float(ys[row])

    def cell_at(self, x: float, y: float) -> tuple[int, int] | None:
        """The (row, col) of the cell holding surface point (x, y), or None outside the map."""
        if self._codes is None:
            return None
        ny, nx = self._codes.shape
        xmin, xmax, ymin, ymax = self._domain
        col = int(np.floor((x - xmin) / (xmax - xmin) * nx))
        row = int(np.floor((y - ymin) / (ymax - ymin) * ny))
        if 0 <= row < ny and 0 <= col < nx:
            return row, col
        return None

    def cell_at_scene(self, scene_pos: QPointF) -> tuple[int, int] | None:
        """The (row, col) under a scene position (what a mouse click sees), or None."""
        p = self.plot.getViewBox().mapSceneToView(scene_pos)
        return self.cell_at(p.x(), p.y())

    def scene_pos_of(self, x: float, y: float) -> QPointF:
        """Scene position of surface point (x, y) (for tests that click)."""
        return self.plot.getViewBox().mapViewToScene(QPointF(x, y))

    # -- internals ---------------------------------------------------------------
    def _update_legend(self, colors: list[str], codes: np.ndarray | None) -> None:
        entries = []
        counts = np.bincount(codes.ravel(), minlength=len(self._labels)) if codes is not None else None
        for k, (lab, col) in enumerate(zip(self._labels, colors)):
            share = ""
            if counts is not None:
                share = f"&nbsp;{100.0 * counts[k] / max(codes.size, 1):.0f}%"
            text = (lab.replace("min", "minimum ") if lab.startswith("min") else lab).replace(" ", "&nbsp;")
            # An entry never breaks inside; the label wraps between entries.
            entries.append(f"<span style='color:{col}; font-size:{self._theme.title_pt + 4}pt'>&#9632;</span>"
                           f"&nbsp;{text}{share}")
        self.legend.setText(" &nbsp; ".join(entries))

    def _on_scene_clicked(self, event) -> None:
        if event.button() != Qt.LeftButton:
            return
        cell = self.cell_at_scene(event.scenePos())
        if cell is not None:
            event.accept()
            self.sigCellClicked.emit(*cell)
