"""The 2-D loss surface: heatmap, contours, minima/saddles, start marker, racer trails and arrows."""
from __future__ import annotations

import math
import time

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics
from PySide6.QtWidgets import QGraphicsItem, QLabel, QVBoxLayout, QWidget

from widgets import surface_items as si
from widgets.lean_axis import LeanAxis
from widgets.race_layer import RaceLayer
from widgets.surface_layer import SurfaceLayer, color_table, colorize
from widgets.theme import LIGHT, Theme
from widgets.theme_apply import plain_ticks, screen_pen

GRID_N = 200
REFINE_MS = 150  # a draft surface is drawn in full once the control has rested this long
DRAFT_POINTS = 10_000  # a draft with more contour points than this keeps every other level


def arrow_color(color: str) -> str:
    """A racer's arrow colour: a darker shade of its own, so the arrow reads as its and not the trail."""
    return QColor(color).darker(140).name()


class _TimedPlot(pg.PlotWidget):
    """A plot that reports how long each of its paints took."""

    def __init__(self, on_painted):
        # Lean axes: a range change re-ticks both, cheaper than pyqtgraph's own (bench/bench_drawing.py).
        super().__init__(axisItems={"left": LeanAxis("left"), "bottom": LeanAxis("bottom")})
        self._on_painted = on_painted

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt override
        t0 = time.perf_counter()
        super().paintEvent(event)
        self._on_painted((time.perf_counter() - t0) * 1000.0)


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
        The view's own time for the last surface change (a new surface, a parameter, the colour
        scale): gridding, colours and contours, plus the paint that first shows it. Until that
        paint it holds the computing part alone.
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
        self._debug = False  # timings in the readout and tooltip (developers only)

        self._change_ms = None  # computing time of a surface change not yet painted
        self._range_set = None  # the domain last given to the view box
        self._coarse = False  # contours drawn as a draft (half resolution, 1 px)
        self._refine_timer = QTimer(self)
        self._refine_timer.setObjectName("surface-view-refine")
        self._refine_timer.setSingleShot(True)
        self._refine_timer.setInterval(REFINE_MS)
        self._refine_timer.timeout.connect(self.refine)
        self.plot = _TimedPlot(self._on_painted)
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        self.plot.setAspectLocked(True)
        vb = self.plot.getViewBox()
        vb.setMouseEnabled(False, False)  # a click sets the start; panning would fight the drag
        # Heatmap and contours, painted together into one opaque image a change; a frame copies it.
        self.layer = SurfaceLayer()
        self.layer.setZValue(-20)
        self.minima = pg.ScatterPlotItem(symbol="star", size=22)
        self.saddles = pg.ScatterPlotItem(symbol="x", size=18)
        for item in (self.layer, self.minima, self.saddles):
            self.plot.addItem(item)
        self.start_marker = pg.TargetItem(pos=(0, 0), size=22, movable=True, symbol="crosshair")
        self.start_marker.setZValue(30)
        self.start_marker.setToolTip("Start point: drag it, or click anywhere on the surface.")
        self.start_marker.sigPositionChangeFinished.connect(self._on_start_marker_moved)
        self.plot.addItem(self.start_marker)
        # Trails, dots, crosses and arrows: one item that strokes only the new trail segments a frame.
        self.race = RaceLayer()
        self.race.setZValue(20)
        self.plot.addItem(self.race, ignoreBounds=True)

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
    def set_surface(self, surface, view: tuple[float, float, float, float] | None = None,
                    coarse: bool = False) -> float:
        """Show ``surface`` (re-gridded at ~200x200 over ``view`` or its domain); return the repaint ms.

        Parameters
        ----------
        surface : core.surfaces.Surface
        view : (xmin, xmax, ymin, ymax), optional
            Area to show; defaults to ``surface.domain``.
        coarse : bool
            Draw a draft first (a user is moving a control): contours from every other grid line
            (4x fewer cells), one pixel wide. They are drawn in full by :meth:`refine`, which runs
            ``REFINE_MS`` after the last such change (or at once when a slider is let go).
        """
        self._coarse = bool(coarse)
        if self._coarse:
            self._refine_timer.start()  # restarted by each change of a drag: refines once it rests
        else:
            self._refine_timer.stop()
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
        self.last_repaint_ms = self._change_ms = (time.perf_counter() - t0) * 1000.0
        xmin, xmax, ymin, ymax = self._domain
        if self._range_set != self._domain:  # re-setting the same range re-renders both axes
            self._range_set = self._domain
            self.plot.getViewBox().setRange(xRange=(xmin, xmax), yRange=(ymin, ymax), padding=0.0)
            w, h = xmax - xmin, ymax - ymin  # clip_to_box keeps trails within 20 domains of the view
            self.race.set_bounds(xmin - 21 * w, xmax + 21 * w, ymin - 21 * h, ymax + 21 * h)
        self._update_status()
        return self.last_repaint_ms

    def refine(self) -> None:
        """Redraw draft contours in full (a no-op when they are not a draft)."""
        self._refine_timer.stop()
        if self._coarse and self._grid is not None:
            self._coarse = False
            self._draw_grid()

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
            self.layer.set_contours_visible(self._show_contours)
        if log_color is not None and bool(log_color) != self._log_color:
            self._log_color = bool(log_color)
            redraw = True
        if redraw and self._grid is not None:
            t0 = time.perf_counter()
            self._coarse = False
            self._draw_grid()
            self.last_repaint_ms = self._change_ms = (time.perf_counter() - t0) * 1000.0
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
        """Declare the racers as (label, colour) pairs (forgets the trails drawn so far)."""
        self._racers = list(racers)
        self.race.set_racers([color for _, color in self._racers])
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
            axis.setCacheMode(QGraphicsItem.DeviceCoordinateCache)  # text replayed each frame was a measurable part of one
            plain_ticks(axis)  # a domain inside -1..1 would otherwise read x1000
            axis.setPen(pg.mkPen(theme.foreground))
            axis.setTextPen(pg.mkPen(theme.foreground))
            axis.setTickFont(font)
        # Room above the plot for the top tick label: centred on the edge, half of it was cut off.
        half = QFontMetrics(font).height() // 2 + 2
        self.plot.getPlotItem().layout.setContentsMargins(1, half, half, 1)
        style = {"color": theme.foreground, "font-size": f"{theme.font_pt}pt"}
        self.plot.setLabel("bottom", "x", **style)
        self.plot.setLabel("left", "y", **style)
        self.readout.setStyleSheet(f"font-size: {theme.font_pt}pt;")
        self._table = color_table(pg.colormap.get(theme.colormap))
        self.layer.set_contour_style(QColor(theme.contour), 2.0, 0.55)
        if self._grid is not None:
            self._draw_grid()
        self.minima.setPen(screen_pen("#000000", 1.5))
        self.minima.setBrush(pg.mkBrush("#FFFFFF"))
        self.saddles.setPen(screen_pen("#FFFFFF", 1.5))
        self.saddles.setBrush(pg.mkBrush("#000000"))
        self.start_marker.setPen(screen_pen("#FFFFFF", 3))
        self.start_marker.setBrush(pg.mkBrush(0, 0, 0, 160))
        self.race.set_style(theme.line_width, theme.marker)
        self._draw_states()

    # -- drawing -----------------------------------------------------------------
    def _draw_grid(self) -> None:
        xs, ys, Z = self._grid
        D, levels = si.display_values(Z, self._log_color)
        self.layer.set_image(colorize(D, levels, self._table), si.cell_rect(xs, ys))
        values = si.contour_levels(D, levels)
        if self._coarse:  # while dragging: contourpy's cost is per cell, and 4x fewer cells are hardly seen
            half = (xs[::2], ys[::2], D[::2, ::2])
            path = si.contour_path(*half, values)
            if len(path) > DRAFT_POINTS:  # a busy surface (Rastrigin: 17,500): stroking is the cost, halve the levels
                path = si.contour_path(*half, values[1::2])
        else:
            path = si.contour_path(xs, ys, D, values)
        self.layer.set_contours(path if len(path) else np.empty((0, 2)), draft=self._coarse)

    def _draw_states(self) -> None:
        n = min(len(self._states), len(self._racers))
        trails, pts, colors, crosses, cross_colors = [], [], [], [], []
        grad_p, grad_v, vel_p, vel_v = [], [], [], []
        for i in range(n):
            st = self._states[i]
            trail = si.clip_to_box(np.asarray(st["trail"], dtype=float).reshape(-1, 2), self._domain)
            trails.append(trail)
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
                cross_colors.append(color)
                continue
            pts.append(last)
            colors.append(color)
            grad_p.append(last)
            grad_v.append(-np.asarray(st.get("grad", (np.nan, np.nan)), dtype=float))  # where plain GD would step
            vel_p.append(last)
            vel_v.append(np.asarray(st.get("velocity", (np.nan, np.nan)), dtype=float))
        xmin, xmax, ymin, ymax = self._domain
        length = 0.12 * min(xmax - xmin, ymax - ymin)
        arrows = []
        if self._show_gradient and grad_p:
            seg = si.arrow_segments(np.asarray(grad_p).reshape(-1, 2), np.asarray(grad_v).reshape(-1, 2), length)
            if len(seg):
                arrows.append((seg, self._theme.marker))
        if self._show_velocity and vel_p:
            # Each racer's velocity in a darker shade of its own colour (one fixed colour was another
            # racer's: an orange arrow on the green Adam dot). One call: the lengths compare.
            seg, rows = si.arrow_segments(np.asarray(vel_p).reshape(-1, 2), np.asarray(vel_v).reshape(-1, 2),
                                          length, with_rows=True)
            for k, row in enumerate(rows.tolist()):
                arrows.append((seg[2 * k: 2 * k + 2], arrow_color(colors[row])))
        self.race.set_frame(trails, np.asarray(pts).reshape(-1, 2), colors,
                            np.asarray(crosses).reshape(-1, 2), cross_colors, arrows)

    def _on_painted(self, paint_ms: float) -> None:
        if self._change_ms is not None:
            self.last_repaint_ms = self._change_ms + paint_ms
            self._change_ms = None
            self._update_status()

    def set_debug_timings(self, on: bool) -> None:
        """Add the repaint time to the hover readout and the plot's tooltip (off by default)."""
        self._debug = bool(on)
        self._update_status()

    def _update_status(self) -> None:
        self.plot.setToolTip(f"Surface repaint: {self.last_repaint_ms:.1f} ms" if self._debug else "")

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
        if self._debug:
            text += f"      repaint {self.last_repaint_ms:.0f} ms"
        self.readout.setText(text)
        self.sigHover.emit(x, y)
        return text
