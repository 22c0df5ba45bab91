"""The "Optimizers" page: race up to eight optimizers on a 2-D loss surface, live.

Trajectories are computed in a subprocess (``playground.racer_process``: a thread holding the
GIL stalled the window far past a frame with eight racers); one ``QTimer`` (60 Hz cap) reads what
has arrived without blocking, advances playback and draws. The page never waits on the
subprocess, so a slow racer cannot stall the window.
"""
from __future__ import annotations

import logging
import time

import numpy as np
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QColor, QFont, QImage, QResizeEvent
from PySide6.QtWidgets import (QCheckBox, QHBoxLayout, QLabel, QScrollArea, QSizePolicy, QSpinBox, QSplitter,
                               QTabWidget, QVBoxLayout, QWidget)

from playground.pages.optimizer import scene as scene_optimizer
from playground.racer_process import RacerProcess
from playground.racer_worker import compute_all
from widgets.curves_view import CurvesView
from widgets.lesson_box import LessonBox, surface_lesson
from widgets.playback_bar import PlaybackBar
from widgets.racer_panel import RacerPanel
from widgets.surface_chooser import SurfaceChooser
from widgets.surface_view import SurfaceView
from widgets.theme import LIGHT, Theme, get_theme
from widgets.theme_apply import palette

log = logging.getLogger(__name__)

FRAME_MS = 16  # 60 Hz cap (docs/traps.md: a 33 ms timer leaves no headroom for 30 FPS)
DEFAULT_SCENE = {
    "version": 1, "page": "optimizer", "title": "Race on a valley",
    "lesson": "Click the surface to move the start; press Play. Compare how each optimizer walks the valley.",
    "surface": "valley", "steps": 300,
    "racers": [{"optimizer": "sgd", "label": "SGD", "hparams": {"lr": 0.05}},
               {"optimizer": "sgd", "label": "momentum 0.9", "hparams": {"lr": 0.01, "momentum": 0.9}},
               {"optimizer": "adam", "label": "Adam", "hparams": {"lr": 0.1}}],
}


def _fallback(text: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setAlignment(Qt.AlignCenter)
    return label


class OptimizerPage(QWidget):
    """The optimizer race page (follows ``playground.pages.Page``).

    Parameters
    ----------
    theme : Theme
    threaded : bool
        Compute off the GUI thread, in a subprocess started once per page (the app); False
        computes on demand on this thread (offscreen renders and some tests).

    Attributes
    ----------
    frame_ms : float
        Rolling mean time spent drawing one frame.
    max_stall_ms : float
        Longest gap between two timer ticks beyond the 16 ms period (GUI-thread stall) since the last Play.
    """

    def __init__(self, theme: Theme = LIGHT, parent=None, threaded: bool = True):
        super().__init__(parent)
        self._theme = theme
        self._threaded = threaded
        self._surface = None
        self._start = (0.0, 0.0)
        self._steps = 300
        self._step = 0
        self._playing = False
        self._speed = 1
        self._gen = 0
        self._version = -1
        self._trajs: list = []
        self._racers: list[dict] = []
        self._scene_extra: dict = {}
        self._view = None
        self._dirty = True
        self._last_tick = None
        self.frame_ms = 0.0
        self.max_stall_ms = 0.0
        self._closed = False
        self._status_t = 0.0
        self._frames = 0
        self._statuses: dict[int, str] = {}

        self.lesson = LessonBox(theme)
        self.chooser = SurfaceChooser(theme)
        self.surface_view = SurfaceView(theme)
        self.curves = CurvesView(theme)
        self.racer_panel = RacerPanel(theme)
        self.playback = PlaybackBar(theme)
        self.error = QLabel("")
        self.error.setStyleSheet("color: #C00000;")
        self.error.hide()
        self._extra_error: str | None = None  # which readout the error line is about, if one is
        self._extra_errors_logged: set[str] = set()
        self.status = QLabel("")
        # The status may be cut short on a small window rather than widen the page past it.
        self.status.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Fixed)
        # Fixed height too: a label whose size may change re-lays out the whole page on each new text.
        self.status.setFixedHeight(self.status.fontMetrics().height() + 4)
        self.status.setAlignment(Qt.AlignRight | Qt.AlignVCenter)
        # Timings are for developers (View > Debug timings, or ``gui --debug``): hidden from students,
        # and never in a render, which must come out the same each run.
        # The label stays in the row, empty, so the row keeps its layout with timings off.
        self.status.setObjectName("debug-timings")
        self._debug_timings = False

        racer_scroll = QScrollArea()
        racer_scroll.setWidgetResizable(True)
        racer_scroll.setWidget(self.racer_panel)
        self.side_tabs = QTabWidget()
        self.side_tabs.addTab(racer_scroll, "Racers")
        self.curvature = self._make_curvature()
        self.side_tabs.addTab(self._scrolled(self.curvature), "Curvature")
        self.maps = self._make_maps()
        # Scrolled: the maps panel wants ~580 px, which would squeeze the surface on a 1280 screen.
        self.side_tabs.addTab(self._scrolled(self.maps), "Maps")
        self.view3d = self._make_3d()
        self.side_tabs.addTab(self.view3d, "3D")

        split = QSplitter(Qt.Horizontal)
        split.addWidget(self.surface_view)
        split.addWidget(self.curves)
        split.addWidget(self.side_tabs)
        split.setStretchFactor(0, 5)
        split.setStretchFactor(1, 3)
        split.setStretchFactor(2, 3)
        self.splitter = split
        self._user_split = False
        split.splitterMoved.connect(self._on_splitter_moved)

        self.overlay_boxes = {}
        over = QHBoxLayout()
        over.setContentsMargins(4, 0, 4, 0)
        tips = {"gradient": "Show −∇f (the steepest-descent direction) at each racer's point.",
                "velocity": "Show each racer's momentum (velocity) vector.",
                "contours": "Show contour lines of equal loss.",
                "log_color": "Colour by log(f − min f): shows detail near the minimum."}
        for key, text in (("gradient", "−∇f arrow"), ("velocity", "velocity arrow"), ("contours", "contours"),
                          ("log_color", "log colour")):
            box = QCheckBox(text)
            box.setToolTip(tips[key])
            box.toggled.connect(lambda on, k=key: self._on_overlay_toggled(k, on))
            over.addWidget(box)
            self.overlay_boxes[key] = box
        self.steps_box = QSpinBox()
        self.steps_box.setRange(1, scene_optimizer.MAX_STEPS)
        self.steps_box.setPrefix("steps ")
        self.steps_box.setToolTip("How many optimizer steps the race runs.")
        self.steps_box.setKeyboardTracking(False)
        over.addWidget(self.steps_box)
        over.addWidget(self.status, 1)

        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 4, 6, 4)
        lay.setSpacing(3)
        lay.addWidget(self.lesson)
        lay.addWidget(self.chooser)
        lay.addWidget(self.error)
        lay.addWidget(split, 1)
        lay.addWidget(self.playback)
        lay.addLayout(over)

        self.timer = QTimer(self)
        self.timer.setObjectName("optimizer-page-frame")
        self.timer.setTimerType(Qt.PreciseTimer)
        self.timer.setInterval(FRAME_MS)
        self.timer.timeout.connect(self._on_timer_timeout)
        self._racer = RacerProcess(on_error=self._on_worker_error) if threaded else None
        self._follow = QTimer(self)
        self._follow.setObjectName("optimizer-page-follow")
        self._follow.setSingleShot(True)
        self._follow.setInterval(0)
        self._follow.timeout.connect(self._after_surface_change)

        self.chooser.sigSurfaceChanged.connect(self._on_chooser_surface_changed)
        self.chooser.sigBatchSizeChanged.connect(self._on_chooser_batch_changed)
        self.chooser.sigDragFinished.connect(self.surface_view.refine)
        self.surface_view.sigStartChanged.connect(self._on_surface_view_start_changed)
        self.surface_view.sigHover.connect(self._on_surface_view_hover)
        self.racer_panel.sigRacersChanged.connect(self._on_racer_panel_changed)
        self.racer_panel.list.currentRowChanged.connect(self._on_racer_list_selected)
        self.playback.sigPlayToggled.connect(self._on_playback_play)
        self.playback.sigStep.connect(self._on_playback_step)
        self.playback.sigReset.connect(self._on_playback_reset)
        self.playback.sigSpeedChanged.connect(self._on_playback_speed)
        self.playback.sigScrubbed.connect(self._on_playback_scrubbed)
        self.steps_box.valueChanged.connect(self._on_steps_box_changed)
        self.side_tabs.currentChanged.connect(lambda _i: self._refresh_extras())
        self.set_theme(theme)
        self.load_scene(scene_optimizer.validate(DEFAULT_SCENE))

    @staticmethod
    def _scrolled(widget: QWidget) -> QScrollArea:
        area = QScrollArea()
        area.setWidgetResizable(True)
        area.setWidget(widget)
        return area

    # -- optional extras (built by another engineer; never let them break the page) -------------
    def _make_curvature(self):
        try:
            from widgets.curvature_panel import CurvaturePanel

            return CurvaturePanel(self._theme)
        except Exception as exc:  # noqa: BLE001 - any failure: show why, keep the page
            log.exception("Curvature readout unavailable")
            return _fallback(f"Curvature readout unavailable: {exc}")

    def _make_maps(self):
        try:
            from playground.map_worker import MapJobRunner
            from widgets.maps_panel import MapsPanel

            panel = MapsPanel(runner_factory=MapJobRunner, theme=self._theme)
            panel.sigReplayStart.connect(self._on_maps_replay_start)
            panel.sigAddRacer.connect(self._on_maps_add_racer)
            return panel
        except Exception as exc:  # noqa: BLE001
            log.exception("Basin and hyperparameter maps unavailable")
            return _fallback(f"Basin and hyperparameter maps unavailable: {exc}")

    def _make_3d(self):
        try:
            from widgets.surface_3d import Surface3DView

            return Surface3DView(self._theme)
        except Exception as exc:  # noqa: BLE001
            log.exception("3-D view unavailable")
            return _fallback(f"3-D view unavailable: {exc}")

    # -- Page protocol ------------------------------------------------------------
    def load_scene(self, scene: dict) -> None:
        """Replace the set-up with ``scene`` (validated here too); on ValueError nothing changes."""
        scene = scene_optimizer.validate(scene)
        from core.surfaces import get_surface

        surface = get_surface(scene["surface"])  # may raise: before any state changes
        self.pause()
        self._scene_extra = {k: scene[k] for k in ("theme",) if k in scene}
        self._title = scene["title"]
        self.lesson.set_lesson(scene["title"], scene["lesson"])
        self._scene_lesson = (surface.name, scene["title"], scene["lesson"])  # back when its surface is picked again
        self._view = tuple(scene["view"]) if "view" in scene else None
        self.chooser.set_spec(scene["surface"])
        sizes = {r.get("batch_size") for r in scene["racers"]}
        self.chooser.set_batch_size(sizes.pop() if len(sizes) == 1 else None)
        for key, box in self.overlay_boxes.items():
            box.blockSignals(True)
            box.setChecked(scene["overlays"][key])
            box.blockSignals(False)
        self.surface_view.set_overlays(**scene["overlays"])
        self._steps = scene["steps"]
        self.steps_box.blockSignals(True)
        self.steps_box.setValue(self._steps)
        self.steps_box.blockSignals(False)
        self._speed = scene.get("speed", 1)
        self.playback.speed.blockSignals(True)
        self.playback.speed.setValue(self._speed)
        self.playback.speed.blockSignals(False)
        self._start = tuple(scene["start"])
        self.racer_panel.set_racers(scene["racers"])
        self._set_surface(surface, restart=False)
        self.surface_view.set_start(*self._start)
        self._step = 0
        self._restart()

    def scene(self) -> dict:
        """The current set-up as a scene dict (what File > Save writes)."""
        racers = []
        for r in self.racer_panel.racers():
            out = {"optimizer": r["optimizer"], "label": r["label"], "color": r["color"],
                   "hparams": {k: (list(v) if isinstance(v, tuple) else v) for k, v in r["hparams"].items()},
                   "schedule": r["schedule"], "grad_noise": r["grad_noise"], "seed": r["seed"]}
            if r.get("batch_size"):
                out["batch_size"] = int(r["batch_size"])
            racers.append(out)
        title, text = self.lesson.lesson()
        scene = {"version": 1, "page": "optimizer", "title": title, "lesson": text,
                 "surface": self._surface.spec, "racers": racers, "start": [float(v) for v in self._start],
                 "steps": int(self._steps), "overlays": self.surface_view.overlays(), "speed": int(self._speed)}
        if self._view is not None:
            scene["view"] = [float(v) for v in self._view]
        scene.update(self._scene_extra)
        return scene

    def set_theme(self, theme: Theme) -> None:
        """Redraw every part with ``theme``."""
        self._theme = theme
        font = QFont()
        font.setPointSize(theme.font_pt)
        self.setFont(font)
        self.setAutoFillBackground(True)
        self.setPalette(palette(theme))
        # The size in the style sheet too: re-polished by a new sheet, the label fell back to the
        # application's font, and after a theme switch it read smaller than in a window started so.
        self.status.setStyleSheet(f"color: {theme.foreground}; font-size: {theme.font_pt}pt;")
        # Fixed height (its width is Ignored): a label whose minimum and maximum sizes differ posts a
        # layout request up to the page on every setText, a relayout of the whole page.
        self.status.setFixedHeight(self.status.fontMetrics().height() + 4)
        for w in (self.lesson, self.chooser, self.surface_view, self.curves, self.racer_panel, self.playback,
                  self.curvature, self.maps, self.view3d):
            if hasattr(w, "set_theme"):
                w.set_theme(theme)
        self._update_racer_items()
        # set_racers put the plain labels back in the legend: forget the statuses shown, so that _draw
        # writes "diverged at step N" again (after a switch the legend had lost it).
        self._statuses.clear()
        self._dirty = True
        self._draw()

    def shutdown(self) -> None:
        """Stop the frame timer and end the racer subprocess (safe to call twice)."""
        self.timer.stop()
        self._follow.stop()
        self.surface_view.refine()  # stops its timer
        self._playing = False
        if hasattr(self.maps, "shutdown"):
            self.maps.shutdown()  # first: its QThreads must have ended before the page is destroyed
        racer, self._racer = self._racer, None
        if racer is not None:
            racer.shutdown()
        self._closed = True

    def set_debug_timings(self, on: bool) -> None:
        """Show or hide the developer timings (repaint, frame and stall times; off by default)."""
        self._debug_timings = bool(on)
        self.surface_view.set_debug_timings(on)
        self._update_status()

    def debug_timings(self) -> bool:
        """Whether the developer timings are shown."""
        return self._debug_timings

    def pause(self) -> None:
        """Stop playback (the subprocess keeps what it computed)."""
        self._playing = False
        self.playback.set_playing(False)

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        if not self._user_split:  # keep the surface the biggest thing on screen until the user drags
            w = max(self.width() - 12, 600)  # the splitter itself may not be laid out yet
            self.splitter.setSizes([int(w * 0.44), int(w * 0.26), int(w * 0.30)])

    def _on_splitter_moved(self, *_):
        self._user_split = True

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt override
        self.shutdown()
        super().closeEvent(event)

    # -- public helpers (tests, render) -------------------------------------------------
    def play(self) -> None:
        """Start playback."""
        self._on_playback_play(True)
        self.playback.set_playing(True)

    def step(self) -> int:
        """Current playback step."""
        return self._step

    def seek(self, step: int) -> None:
        """Show step ``step`` (computing it first when not threaded)."""
        step = max(0, int(step))
        if step > self._steps:
            self._steps = step
            self.steps_box.blockSignals(True)
            self.steps_box.setValue(step)
            self.steps_box.blockSignals(False)
            self._request_compute()
        self._step = step
        self._dirty = True
        self._pull()
        self._draw()

    def set_start(self, x: float, y: float) -> None:
        """Move the start point and restart every racer from it."""
        self._start = (float(x), float(y))
        self.surface_view.set_start(x, y)
        self._step = 0
        self._restart()
        self._refresh_curvature(x, y)

    def start(self) -> tuple[float, float]:
        """The start point."""
        return self._start

    def trajectories(self) -> list:
        """The racers' trajectories computed so far (None where not yet started)."""
        self._pull()
        return list(self._trajs)

    def racer_point(self, index: int) -> tuple[float, float]:
        """Racer ``index``'s point at the current step."""
        traj = self.trajectories()[index]
        k = min(self._step, len(traj.xy) - 1)
        return float(traj.xy[k, 0]), float(traj.xy[k, 1])

    def trail_pixels(self, index: int) -> np.ndarray:
        """Racer ``index``'s drawn trail in this page's pixel coordinates (screenshot checks)."""
        pts = self.surface_view.trail_pixels(index)
        off = self.surface_view.mapTo(self, self.surface_view.rect().topLeft())
        return pts + np.array([off.x(), off.y()], dtype=float)

    def wait_computed(self, timeout_s: float = 30.0) -> bool:
        """Block (processing nothing) until every racer is computed to the last step; for tests/render."""
        deadline = time.perf_counter() + timeout_s
        while time.perf_counter() < deadline:
            self._pull()
            if self._all_done():
                return True
            time.sleep(0.01)
        return False

    # -- racing ------------------------------------------------------------------------
    def _engine_racers(self) -> list:
        from core.trajectories import Racer

        batch = self.chooser.batch_size() if getattr(self._surface, "stochastic", False) else None
        out = []
        for r in self._racers:
            bs = batch if batch is not None else r.get("batch_size")
            out.append(Racer(optimizer=r["optimizer"], hparams=dict(r["hparams"]), schedule=r["schedule"] or None,
                             grad_noise=float(r["grad_noise"]), batch_size=bs, seed=int(r["seed"])))
        return out

    def _restart(self) -> None:
        """Start every racer afresh (new generation: results of the old one are dropped)."""
        self._racers = self.racer_panel.racers()
        self._drop_results()
        self._statuses: dict[int, str] = {}
        self._update_racer_items()
        self.error.hide()
        try:
            racers = self._engine_racers()
        except (ValueError, TypeError) as exc:
            self._show_error(str(exc))
            return
        if self._racer is not None:
            self._racer.set_job(self._gen, self._surface, racers, self._start, self._steps)
            self._ensure_timer()
        else:
            self._compute_now(racers)
        self._dirty = True
        self._draw()
        self._refresh_maps()

    def _drop_results(self) -> None:
        """A new generation: whatever the subprocess still sends for the old one is ignored."""
        self._gen += 1
        self._version = -1
        self._trajs = [None] * len(self._racers)

    def _compute_now(self, racers=None) -> None:
        try:
            self._trajs = compute_all(self._surface, racers or self._engine_racers(), self._start, self._steps)
        except (ValueError, TypeError) as exc:
            self._show_error(str(exc))

    def _request_compute(self) -> None:
        if self._racer is not None:
            self._racer.extend(self._steps)
            self._ensure_timer()
        else:
            self._compute_now()

    def _pull(self) -> None:
        """Take the subprocess's latest results if they are newer than what is drawn (never blocks)."""
        if self._racer is None:
            return
        gen, version, trajs = self._racer.snapshot()
        if gen == self._gen and version != self._version:
            self._version = version
            self._trajs = trajs
            self._dirty = True

    def _available(self) -> int:
        """Highest step every still-running racer has reached (diverged racers do not hold others back)."""
        if not self._trajs or any(t is None for t in self._trajs):
            return 0
        reach = [self._steps if t.diverged_at is not None else len(t.xy) - 1 for t in self._trajs]
        return max(0, min(min(reach), self._steps))

    def _computed(self) -> int:
        have = [len(t.xy) - 1 for t in self._trajs if t is not None]
        return max(have) if have else 0

    def _all_done(self) -> bool:
        return bool(self._trajs) and all(
            t is not None and (t.diverged_at is not None or len(t.xy) - 1 >= self._steps) for t in self._trajs)

    def _ensure_timer(self) -> None:
        if not self._closed and not self.timer.isActive():
            self._last_tick = None
            self.timer.start()

    def _on_timer_timeout(self) -> None:
        now = time.perf_counter()
        if self._last_tick is not None:
            gap = (now - self._last_tick) * 1000.0 - FRAME_MS
            self.max_stall_ms = max(self.max_stall_ms, gap)
        self._last_tick = now
        self._pull()
        if self._playing:
            avail = self._available()
            new = min(self._step + self._speed, avail)
            if new != self._step:
                self._step = new
                self._dirty = True
            if self._step >= self._steps:
                self.pause()
        if self._dirty:
            t0 = time.perf_counter()
            self._draw()
            ms = (time.perf_counter() - t0) * 1000.0
            self.frame_ms = ms if self.frame_ms == 0.0 else 0.9 * self.frame_ms + 0.1 * ms
        elif not self._playing and self._all_done():
            self.timer.stop()  # idle: nothing to draw until the next change
            self._last_tick = None

    def _draw(self) -> None:
        if self._surface is None:
            return
        self._dirty = False
        states, series = [], []
        for i, traj in enumerate(self._trajs):
            if traj is None:
                states.append({"trail": np.empty((0, 2))})
                series.append((np.empty(0), np.empty(0)))
                continue
            k = min(self._step, len(traj.xy) - 1)
            diverged = traj.diverged_at is not None and self._step >= traj.diverged_at
            trail = traj.xy[: k + 1]
            finite = np.isfinite(trail).all(axis=1)
            if not finite.all():
                trail = trail[finite]
            states.append({"trail": trail, "grad": traj.grad[k], "velocity": traj.velocity[k],
                           "diverged": diverged})
            series.append((traj.loss, traj.lr))
            self._set_racer_status(i, f"diverged at step {traj.diverged_at}" if diverged else "")
        self.surface_view.set_states(states)
        self._frames += 1
        if not self._playing or self._frames % 3 == 0:
            # Curves at 20 Hz while playing: their axes re-render text whenever the range grows.
            self.curves.set_steps(self._steps)  # a no-op unless the run length changed
            self.curves.set_data(series, self._step, complete=self._all_done())
        self.playback.set_position(self._step, self._computed(), self._steps)
        now = time.perf_counter()
        if now - self._status_t > 0.5:  # a changing label relayouts the page: twice a second is enough
            self._status_t = now
            self._update_status()
        if self.side_tabs.currentWidget() is self.view3d:
            self._refresh_3d()

    def _update_status(self) -> None:
        if not self._debug_timings:
            self.status.setText("")
            return
        self.status.setText(f"repaint {self.surface_view.last_repaint_ms:.0f} ms · frame {self.frame_ms:.1f} ms"
                            f" · stall {max(self.max_stall_ms, 0):.0f} ms")

    def _set_racer_status(self, i: int, text: str) -> None:
        if self._statuses.get(i) == text:
            return  # a legend relabel relayouts the plot: only on change
        self._statuses[i] = text
        self.racer_panel.set_status(i, text)
        label = self._racers[i]["label"] if i < len(self._racers) else ""
        self.curves.set_label(i, f"{label} — {text}" if text else label)

    def _update_racer_items(self) -> None:
        pairs = [(r["label"], r["color"]) for r in self._racers]
        self.surface_view.set_racers(pairs)
        self.curves.set_racers(pairs)

    def _show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.show()

    def _set_surface(self, surface, restart: bool = True, drawn: bool = False) -> None:
        self._surface = surface
        if not drawn:  # ``drawn``: the surface view shows it already
            self.surface_view.set_surface(surface, self._view)
        self.curves.set_f_min(surface.f_min)
        if hasattr(self.view3d, "set_surface") and self.side_tabs.currentWidget() is self.view3d:
            self.view3d.set_surface(surface)
        self._refresh_curvature(*self._start)
        if restart:
            self._restart()

    # -- extras -------------------------------------------------------------------------
    def _refresh_curvature(self, x: float, y: float) -> None:
        if hasattr(self.curvature, "set_point") and self._surface is not None:
            try:
                self.curvature.set_point(self._surface, x, y)
            except Exception as exc:  # noqa: BLE001 - a readout must never break the page
                self._extra_failed("curvature readout", exc)
            else:
                self._extra_ok("curvature readout")

    def _refresh_maps(self) -> None:
        if not hasattr(self.maps, "set_context") or not self._racers or self._surface is None:
            return
        i = max(self.racer_panel.current_index(), 0)
        try:
            self.maps.set_context(self._surface.spec, self._engine_racers()[i], self._start, self._steps)
        except Exception as exc:  # noqa: BLE001
            self._extra_failed("maps", exc)
        else:
            self._extra_ok("maps")

    def _extra_failed(self, what: str, exc: Exception) -> None:
        """A readout failed: one line on the page, the traceback in the log (once per distinct error:
        a hover readout fails again on every mouse move)."""
        from playground.log import details_hint

        text = f"The {what} failed: {type(exc).__name__}: {exc}".splitlines()[0]
        if text not in self._extra_errors_logged:
            self._extra_errors_logged.add(text)
            log.error("%s", text, exc_info=exc)
        self._extra_error = what
        self._show_error(f"{text} ({details_hint()})")

    def _extra_ok(self, what: str) -> None:
        if self._extra_error == what:  # the message was this readout's: it works again
            self._extra_error = None
            self.error.hide()

    def _refresh_3d(self) -> None:
        if not getattr(self.view3d, "has_gl", False) or self._surface is None:
            return
        trails = []
        for i, st in enumerate(self._trajs):
            if st is None:
                continue
            k = min(self._step, len(st.xy) - 1)
            trails.append((st.xy[: k + 1], st.loss[: k + 1], self._racers[i]["color"]))
        self.view3d.set_trails(trails)

    def _refresh_extras(self) -> None:
        if self.side_tabs.currentWidget() is self.view3d and hasattr(self.view3d, "set_surface"):
            self.view3d.set_surface(self._surface)
            self._refresh_3d()

    # -- slots --------------------------------------------------------------------------
    def _on_chooser_surface_changed(self, surface) -> None:
        self._view = None  # a new surface brings its own domain
        if self._surface is None or surface.name != self._surface.name:  # not a parameter of the same one
            name, title, text = self._scene_lesson
            self.lesson.set_lesson(*((title, text) if surface.name == name else surface_lesson(surface)))
        moved = tuple(surface.domain) != tuple(self.surface_view.domain()) and surface.name != self._surface.name
        if moved or not bool(surface.finite_at([self._start])[0]):  # from where f is inf or NaN every run ends at step 0
            self._start = tuple(surface.start)
            self.surface_view.set_start(*self._start)
        # The surface is painted first; the racers, curves and readouts follow on the next turn of
        # the event loop (coalesced while a slider is dragged), so the repaint is not kept waiting.
        self._surface = surface
        # A draft first (contours at half resolution, 1 px), in full once the control rests.
        self.surface_view.set_surface(surface, self._view, coarse=True)
        self._drop_results()  # the old surface's trails go at once
        self.surface_view.set_states([])
        self._follow.start()
        self._update_status()

    def _after_surface_change(self) -> None:
        if not self._closed and self._surface is not None:
            self._set_surface(self._surface, drawn=True)

    def _on_chooser_batch_changed(self, _n: int) -> None:
        self._restart()

    def _on_surface_view_start_changed(self, x: float, y: float) -> None:
        self.set_start(x, y)

    def _on_surface_view_hover(self, x: float, y: float) -> None:
        self._refresh_curvature(x, y)

    def _on_racer_panel_changed(self) -> None:
        self._restart()

    def _on_racer_list_selected(self, _row: int) -> None:
        self._refresh_maps()

    def _on_playback_play(self, on: bool) -> None:
        self._playing = bool(on)
        if on:
            if self._step >= self._steps:
                self._step = 0
            # The stall shown is this playback's: not the first paint of a freshly loaded scene
            # (a long one offscreen), which happens between two ticks before Play.
            self.max_stall_ms = 0.0
            self._last_tick = None
            self._ensure_timer()

    def _on_playback_step(self, delta: int) -> None:
        self.pause()
        self._pull()
        if self._racer is None:
            self._compute_now()
        self._step = max(0, min(self._step + delta, self._available()))
        self._dirty = True
        self._draw()

    def _on_playback_reset(self) -> None:
        self.pause()
        self._step = 0
        self._dirty = True
        self._draw()

    def _on_playback_speed(self, n: int) -> None:
        self._speed = int(n)

    def _on_playback_scrubbed(self, step: int) -> None:
        self.pause()
        self._step = max(0, min(int(step), self._computed()))
        self._dirty = True
        self._draw()

    def _on_steps_box_changed(self, n: int) -> None:
        grow = n > self._steps
        self._steps = int(n)
        self._step = min(self._step, self._steps)
        if grow:
            self._request_compute()
        self._dirty = True
        self._draw()

    def _on_overlay_toggled(self, key: str, on: bool) -> None:
        self.surface_view.set_overlays(**{key: on})

    def _on_worker_error(self, gen: int, text: str) -> None:
        if gen == self._gen:
            self._show_error(text)

    def _on_maps_replay_start(self, x: float, y: float) -> None:
        self.set_start(x, y)

    def _on_maps_add_racer(self, racer: dict) -> None:
        racers = self.racer_panel.racers()
        if len(racers) >= 8:
            self._show_error("At most 8 racers: remove one first.")
            return
        self.racer_panel.set_racers(racers + [racer])
        self._restart()


def render_scene(scene: dict, size: tuple[int, int] = (1280, 720), theme: str = "light",
                 steps: int | None = None, epochs: int | None = None) -> QImage:
    """Render the page for ``scene`` after ``steps`` steps, offscreen, as an exactly WxH image.

    Parameters
    ----------
    scene : dict
        A validated optimizer scene.
    size : (int, int)
        Width and height in pixels (device pixel ratio 1: docs/traps.md).
    theme : {"light", "dark"}
    steps : int, optional
        Steps to run (default: the scene's ``steps``).
    epochs : int, optional
        Ignored (the training page uses it).
    """
    from PySide6.QtWidgets import QApplication

    from playground.app import make_app

    app = make_app()
    w, h = int(size[0]), int(size[1])
    page = OptimizerPage(theme=get_theme(theme), threaded=False)
    try:
        page.setAttribute(Qt.WA_DontShowOnScreen, True)
        page.load_scene(scene)
        page.resize(w, h)
        page.show()
        page.layout().activate()
        page.resizeEvent(QResizeEvent(page.size(), page.size()))
        page.side_tabs.setCurrentIndex(0)
        QApplication.processEvents()
        page.seek(scene["steps"] if steps is None else steps)
        page.layout().activate()
        QApplication.processEvents()
        image = QImage(w, h, QImage.Format_ARGB32)
        image.setDevicePixelRatio(1.0)
        image.fill(QColor(page._theme.background))
        page.render(image)
        page._render_trail_pixels = [page.trail_pixels(i) for i in range(len(page._racers))]
        _LAST_RENDER["trails"] = page._render_trail_pixels
        _LAST_RENDER["colors"] = [r["color"] for r in page._racers]
    finally:
        page.shutdown()
        page.close()
        page.deleteLater()
        QApplication.processEvents()
    del app
    return image


_LAST_RENDER: dict = {}  # trail pixels and colours of the last render, for the screenshot test


def last_render_info() -> dict:
    """Trail pixel coordinates (per racer) and colours from the last ``render_scene`` call."""
    return dict(_LAST_RENDER)
