"""The 2-D loss surface: heatmap, contours, minima/saddles, start marker, racer trails and arrows."""
from __future__ import annotations

import math
import time

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QPainterPath, QTransform
from PySide6.QtWidgets import QGraphicsItem, QLabel, QVBoxLayout, QWidget

from widgets import surface_items as si
from widgets.theme import LIGHT, Theme

GRID_N = 200


def _arrow_head() -> QPainterPath:
    # Triangle pointing along +x, tip at the origin, in symbol units (pyqtgraph scales by size).
    path = QPainterPath()
    path.moveTo(0.0, 0.0)
    path.lineTo(-0.9, 0.45)
    path.lineTo(-0.9, -0.45)
    path.closeSubpath()
    return path


_HEAD = _arrow_head()


def _rotated_heads(angles_deg: np.ndarray) -> list[QPainterPath]:
    out = []
    for a in angles_deg:
        # Symbols are drawn in device space with y pointing down, so a data angle turns the other way.
        out.append(QTransform().rotate(-float(a)).map(_HEAD))
    return out


class SurfaceView(QWidget):
    """Heatmap and contours of a 2-D loss, with racers drawn on top.

    The view knows only a surface object (``f``/``value_and_grad``/``grid``/``minima``/``saddles``/
    ``domain``) and plain arrays for the racers; it never runs an optimizer.

    Signals
    -------
    sigStartChanged(float, float)
        The user clicked on the surface or dropped the start marker there.
    sigHover(float, float)
        The mouse is over the surface at (x, y) in surface coordinates.

    Attributes
    ----------
    last_repaint_ms : float
        Time of the last surface repaint (grid, colours, contours), measured inside the widget.
    """

    sigStartChanged = Signal(float, float)
    sigHover = Signal(float, float)

    def __init__(self, theme: Theme = LIGHT, parent=None):
        super().__init__(parent)
        self._theme = theme
        self._surface = None
        self._domain = (-1.0, 1.0, -1.0, 1.0)
        self._view = None
        self._log_color = False
        self._show_contours = True
        self._show_gradient = False
        self._show_velocity = False
        self._racers: list[tuple[str, str]] = []
        self._states: list[dict] = []
        self._grid = None
        self.last_repaint_ms = float("nan")

        self.plot = pg.PlotWidget()
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        self.plot.setAspectLocked(True)
        vb = self.plot.getViewBox()
        vb.setMouseEnabled(False, False)  # a click sets the start; panning would fight the drag
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setZValue(-20)
        self.contours = pg.PlotCurveItem(connect="finite")
        self.contours.setZValue(-10)
        # The background changes only with the surface: cache it as a pixmap so trail frames are cheap.
        self.contours.setCacheMode(QGraphicsItem.DeviceCoordinateCache)
        self.image.setCacheMode(QGraphicsItem.DeviceCoordinateCache)
        self.minima = pg.ScatterPlotItem(symbol="star", size=22)
        self.saddles = pg.ScatterPlotItem(symbol="x", size=18)
        for item in (self.image, self.contours, self.minima, self.saddles):
            self.plot.addItem(item)
        self.start_marker = pg.TargetItem(pos=(0, 0), size=22, movable=True, symbol="crosshair")
        self.start_marker.setZValue(30)
        self.start_marker.setToolTip("Start point: drag it, or click anywhere on the surface.")
        self.start_marker.sigPositionChangeFinished.connect(self._on_start_marker_moved)
        self.plot.addItem(self.start_marker)
        self.grad_lines = pg.PlotCurveItem(connect="pairs")
        self.grad_heads = pg.ScatterPlotItem(size=16, pxMode=True)
        self.vel_lines = pg.PlotCurveItem(connect="pairs")
        self.vel_heads = pg.ScatterPlotItem(size=16, pxMode=True)
        for item in (self.grad_lines, self.grad_heads, self.vel_lines, self.vel_heads):
            item.setZValue(25)
            self.plot.addItem(item)
        self._trails: list[pg.PlotCurveItem] = []
        self.points = pg.ScatterPlotItem(size=15)
        self.points.setZValue(20)
        self.crosses = pg.ScatterPlotItem(symbol="x", size=26)
        self.crosses.setZValue(21)
        self.plot.addItem(self.points)
        self.plot.addItem(self.crosses)

        self.readout = QLabel("")
        self.readout.setTextInteractionFlags(Qt.TextSelectableByMouse)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.plot, 1)
        layout.addWidget(self.readout)
        self.plot.scene().sigMouseClicked.connect(self._on_scene_clicked)
        self.plot.scene().sigMouseMoved.connect(self._on_scene_moved)
        self.set_theme(theme)

    # -- public API ------------------------------------------------------------
    def set_surface(self, surface, view: tuple[float, float, float, float] | None = None) -> float:
        """Show ``surface`` (re-gridded at ~200x200 over ``view`` or its domain); return the repaint ms.

        Parameters
        ----------
        surface : core.surfaces.Surface
        view : (xmin, xmax, ymin, ymax), optional
            Area to show; defaults to ``surface.domain``.
        """
        self._surface = surface
        self._view = tuple(view) if view is not None else None
        self._domain = tuple(float(v) for v in (view or surface.domain))
        t0 = time.perf_counter()
        xs, ys, Z = surface.grid(GRID_N, GRID_N, self._domain)  # (nx,), (ny,), (ny, nx)
        self._grid = (np.asarray(xs), np.asarray(ys), np.asarray(Z))
        self._draw_grid()
        mins = np.asarray(surface.minima, dtype=float).reshape(-1, 2)
        sads = np.asarray(surface.saddles, dtype=float).reshape(-1, 2)
        self.minima.setData(pos=mins)
        self.saddles.setData(pos=sads)
        self.last_repaint_ms = (time.perf_counter() - t0) * 1000.0
        xmin, xmax, ymin, ymax = self._domain
        self.plot.getViewBox().setRange(xRange=(xmin, xmax), yRange=(ymin, ymax), padding=0.0)
        self._update_status()
        return self.last_repaint_ms

    def surface(self):
        """The surface shown (or None)."""
        return self._surface

    def domain(self) -> tuple[float, float, float, float]:
        """The area shown, (xmin, xmax, ymin, ymax)."""
        return self._domain

    def set_overlays(self, *, gradient: bool | None = None, velocity: bool | None = None,
                     contours: bool | None = None, log_color: bool | None = None) -> None:
        """Toggle the overlays; ``None`` leaves one as it is."""
        redraw = False
        if gradient is not None:
            self._show_gradient = bool(gradient)
        if velocity is not None:
            self._show_velocity = bool(velocity)
        if contours is not None:
            self._show_contours = bool(contours)
            self.contours.setVisible(self._show_contours)
        if log_color is not None and bool(log_color) != self._log_color:
            self._log_color = bool(log_color)
            redraw = True
        if redraw and self._grid is not None:
            t0 = time.perf_counter()
            self._draw_grid()
            self.last_repaint_ms = (time.perf_counter() - t0) * 1000.0
            self._update_status()
        self._draw_states()

    def overlays(self) -> dict:
        """Current overlay switches as a dict (the scene's ``overlays`` table)."""
        return {"gradient": self._show_gradient, "velocity": self._show_velocity,
                "contours": self._show_contours, "log_color": self._log_color}

    def set_start(self, x: float, y: float) -> None:
        """Move the start marker without emitting ``sigStartChanged``."""
        self.start_marker.blockSignals(True)
        self.start_marker.setPos(float(x), float(y))
        self.start_marker.blockSignals(False)

    def start(self) -> tuple[float, float]:
        """The start marker's position."""
        p = self.start_marker.pos()
        return float(p.x()), float(p.y())

    def set_racers(self, racers: list[tuple[str, str]]) -> None:
        """Declare the racers as (label, colour) pairs, creating one trail each."""
        for item in self._trails:
            self.plot.removeItem(item)
        self._racers = list(racers)
        self._trails = []
        for _, color in self._racers:
            item = pg.PlotCurveItem(pen=pg.mkPen(color, width=self._theme.line_width))
            item.setZValue(10)
            self.plot.addItem(item)
            self._trails.append(item)
        self._states = []
        self._draw_states()

    def set_states(self, states: list[dict]) -> None:
        """Draw each racer at its current step.

        Parameters
        ----------
        states : list of dict, one per racer (same order as ``set_racers``)
            ``trail`` (T, 2) points so far, ``grad`` (2,) and ``velocity`` (2,) at the last point
            (NaN when the optimizer has none), ``diverged`` bool.
        """
        self._states = list(states)
        self._draw_states()

    def trail_pixels(self, index: int) -> np.ndarray:
        """Racer ``index``'s trail mapped to widget pixels of ``self`` (for screenshot checks)."""
        if index >= len(self._states):
            return np.empty((0, 2))
        vb = self.plot.getViewBox()
        out = []
        for x, y in np.asarray(self._states[index]["trail"]):
            if not (math.isfinite(x) and math.isfinite(y)):
                continue
            scene_pt = vb.mapViewToScene(QPointF(float(x), float(y)))
            view_pt = self.plot.mapFromScene(scene_pt)
            p = self.plot.mapTo(self, view_pt)
            out.append((p.x(), p.y()))
        return np.asarray(out, dtype=float).reshape(-1, 2)

    def set_theme(self, theme: Theme) -> None:
        """Redraw with ``theme`` (colours, fonts, line widths)."""
        self._theme = theme
        self.plot.setBackground(theme.background)
        font = QFont()
        font.setPointSize(theme.font_pt)
        for name in ("left", "bottom"):
            axis = self.plot.getAxis(name)
            axis.setCacheMode(QGraphicsItem.DeviceCoordinateCache)  # replaying its text each frame cost ~1 ms
            axis.enableAutoSIPrefix(False)
            axis.setPen(pg.mkPen(theme.foreground))
            axis.setTextPen(pg.mkPen(theme.foreground))
            axis.setTickFont(font)
        style = {"color": theme.foreground, "font-size": f"{theme.font_pt}pt"}
        self.plot.setLabel("bottom", "x", **style)
        self.plot.setLabel("left", "y", **style)
        self.readout.setStyleSheet(f"font-size: {theme.font_pt}pt;")
        self.image.setColorMap(pg.colormap.get(theme.colormap))
        self.contours.setPen(pg.mkPen(QColor(theme.contour), width=2.0))
        self.contours.setOpacity(0.55)
        outline = pg.mkPen(theme.marker, width=2)
        self.minima.setPen(pg.mkPen("#000000", width=1.5))
        self.minima.setBrush(pg.mkBrush("#FFFFFF"))
        self.saddles.setPen(pg.mkPen("#FFFFFF", width=1.5))
        self.saddles.setBrush(pg.mkBrush("#000000"))
        self.start_marker.setPen(pg.mkPen("#FFFFFF", width=3))
        self.start_marker.setBrush(pg.mkBrush(0, 0, 0, 160))
        self.points.setPen(outline)
        for item, (_, color) in zip(self._trails, self._racers):
            item.setPen(pg.mkPen(color, width=theme.line_width))
        self._draw_states()

    # -- drawing -----------------------------------------------------------------
    def _draw_grid(self) -> None:
        xs, ys, Z = self._grid
        D, levels = si.display_values(Z, self._log_color)
        self.image.setImage(D, levels=levels, autoLevels=False)
        self.image.setRect(*si.cell_rect(xs, ys))
        path = si.contour_path(xs, ys, D, si.contour_levels(D, levels))
        if len(path):
            self.contours.setData(path[:, 0], path[:, 1], connect="finite")
        else:
            self.contours.setData([], [])

    def _draw_states(self) -> None:
        n = min(len(self._states), len(self._trails))
        pts, brushes, crosses, cross_pens = [], [], [], []
        grad_p, grad_v, vel_p, vel_v = [], [], [], []
        for i in range(len(self._trails)):
            if i >= n:
                self._trails[i].setData([], [])
                continue
            st = self._states[i]
            trail = si.clip_to_box(np.asarray(st["trail"], dtype=float).reshape(-1, 2), self._domain)
            self._trails[i].setData(trail[:, 0], trail[:, 1], connect="finite")
            if not len(trail):
                continue
            color = self._racers[i][1]
            last = trail[-1]
            if st.get("diverged"):
                # The X goes where the run left the view (its last finite point may be far off-screen).
                xmin, xmax, ymin, ymax = self._domain
                inside = np.nonzero((trail[:, 0] >= xmin) & (trail[:, 0] <= xmax)
                                    & (trail[:, 1] >= ymin) & (trail[:, 1] <= ymax))[0]
                crosses.append(trail[inside[-1]] if len(inside) else last)
                cross_pens.append(pg.mkPen(color, width=5))
                continue
            pts.append(last)
            brushes.append(pg.mkBrush(color))
            grad = np.asarray(st.get("grad", (np.nan, np.nan)), dtype=float)
            vel = np.asarray(st.get("velocity", (np.nan, np.nan)), dtype=float)
            grad_p.append(last)
            grad_v.append(-grad)  # the descent direction: where plain GD would step
            vel_p.append(last)
            vel_v.append(vel)
        self.points.setData(pos=np.asarray(pts).reshape(-1, 2), brush=brushes)
        self.crosses.setData(pos=np.asarray(crosses).reshape(-1, 2), pen=cross_pens, brush=[None] * len(crosses))
        xmin, xmax, ymin, ymax = self._domain
        length = 0.12 * min(xmax - xmin, ymax - ymin)
        self._draw_arrows(self.grad_lines, self.grad_heads, grad_p, grad_v, length,
                          self._theme.marker, self._show_gradient)
        self._draw_arrows(self.vel_lines, self.vel_heads, vel_p, vel_v, length,
                          "#E69F00" if self._theme.name == "dark" else "#D55E00", self._show_velocity)

    def _draw_arrows(self, lines, heads, points, vectors, length, color, visible) -> None:
        seg = si.arrow_segments(np.asarray(points).reshape(-1, 2), np.asarray(vectors).reshape(-1, 2), length)
        if not visible or not len(seg):
            lines.setData([], [])
            heads.setData([])
            return
        lines.setData(seg[:, 0], seg[:, 1], connect="pairs", pen=pg.mkPen(color, width=3))
        d = seg[1::2] - seg[0::2]
        angles = np.degrees(np.arctan2(d[:, 1], d[:, 0]))
        heads.setData(pos=seg[1::2], symbol=_rotated_heads(angles), pen=pg.mkPen(color, width=1),
                      brush=pg.mkBrush(color))

    def _update_status(self) -> None:
        self.plot.setToolTip(f"Surface repaint: {self.last_repaint_ms:.1f} ms")

    # -- mouse -----------------------------------------------------------------
    def _on_start_marker_moved(self, *_):
        x, y = self.start()
        self.sigStartChanged.emit(x, y)

    def _on_scene_clicked(self, event) -> None:
        if event.button() != Qt.LeftButton or event.isAccepted():
            return
        vb = self.plot.getViewBox()
        if not vb.sceneBoundingRect().contains(event.scenePos()):
            return
        p = vb.mapSceneToView(event.scenePos())
        self.set_start(p.x(), p.y())
        self.sigStartChanged.emit(float(p.x()), float(p.y()))

    def _on_scene_moved(self, pos) -> None:
        vb = self.plot.getViewBox()
        if self._surface is None or not vb.sceneBoundingRect().contains(pos):
            return
        p = vb.mapSceneToView(pos)
        self.hover_at(float(p.x()), float(p.y()))

    def hover_at(self, x: float, y: float) -> str:
        """Show the readout (x, y, f, |grad f|) for the point (x, y); return its text."""
        import torch

        xy = torch.tensor([[x, y]], dtype=torch.float64)
        try:
            f, g = self._surface.value_and_grad(xy)
            fv = float(f.reshape(-1)[0])
            gn = float(torch.linalg.vector_norm(g.reshape(-1, 2)[0]))
            text = f"x = {x:.3f}   y = {y:.3f}   f = {fv:.4g}   |∇f| = {gn:.3g}"
        except Exception as exc:  # a formula can fail at a point (log of a negative, say)
            text = f"x = {x:.3f}   y = {y:.3f}   ({exc})"
        text += f"      repaint {self.last_repaint_ms:.0f} ms"
        self.readout.setText(text)
        self.sigHover.emit(x, y)
        return text
