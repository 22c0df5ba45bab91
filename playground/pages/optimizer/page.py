"""The "Optimizers" page: race up to eight optimizers on a 2-D loss surface, live.

The page is a view of its :class:`~playground.pages.optimizer.model.OptimizerModel` (``page.model``):
widget signals assign model fields, model events update the widgets (napari's pattern), and
:class:`~playground.pages.optimizer.race.Race` computes the model's race in a subprocess (a thread
holding the GIL stalled the window far past a frame with eight racers) and writes the trajectories
into the model. One ``QTimer`` (60 Hz cap) takes what has arrived without blocking, advances the
step cursor and draws; the page never waits on the subprocess.
"""
from __future__ import annotations

import contextlib
import logging
import time

import numpy as np
from PySide6.QtCore import Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QWidget

from playground.pages.optimizer.binding import Binding
from playground.pages.optimizer.frame import Frame
from playground.pages.optimizer.frame_clock import FrameClock
from playground.pages.optimizer.layout import FRAME_MS, build
from playground.pages.optimizer.model import OptimizerModel
from playground.pages.optimizer.race import Race
from playground.pages.optimizer.readouts import Readouts
from widgets.theme import LIGHT, Theme
from widgets.theme_apply import palette

log = logging.getLogger(__name__)

DEFAULT_SCENE = {
    "version": 1, "page": "optimizer", "title": "Race on a valley",
    "lesson": "Click the surface to move the start; press Play. Compare how each optimizer walks the valley.",
    "surface": "valley", "steps": 300,
    "racers": [{"optimizer": "sgd", "label": "SGD", "hparams": {"lr": 0.05}},
               {"optimizer": "sgd", "label": "momentum 0.9", "hparams": {"lr": 0.01, "momentum": 0.9}},
               {"optimizer": "adam", "label": "Adam", "hparams": {"lr": 0.1}}],
}


class OptimizerPage(QWidget):
    """The optimizer race page (follows ``playground.pages.Page``).

    Signal ``sigResultsChanged()``: a map finished (what :meth:`results` returns changed).

    Parameters
    ----------
    theme : Theme
    threaded : bool
        Compute off the GUI thread, in a subprocess started once per page (the app); False
        computes on demand on this thread (offscreen renders and some tests).

    Attributes
    ----------
    model : OptimizerModel
        The page's whole state; assign its fields to drive the page.
    race : Race
        The race's computation (``race.process`` is the racer subprocess, if threaded).
    clock : FrameClock
        Frame timing: ``frame_ms`` (rolling mean draw time), ``max_stall_ms`` (longest gap between
        two timer ticks beyond the 16 ms period since the last Play).
    """

    sigResultsChanged = Signal()

    def __init__(self, theme: Theme = LIGHT, parent=None, threaded: bool = True):
        super().__init__(parent)
        self._theme = theme
        self.model = OptimizerModel(palette=tuple(theme.racer_colors))
        self.race = Race(self.model, threaded)
        self.clock = FrameClock(FRAME_MS)
        self._shown = None  # the surface the surface view draws
        self._dirty = True
        self._hold = 0  # > 0: draws wait for the end of the current change (one draw, not one per field)
        self._closed = False
        self.frame = Frame(self)
        self.readouts = Readouts(self)
        self._debug_timings = False
        self._user_split = False
        build(self, theme)
        self._connect()
        self.set_theme(theme)
        self.load_scene(DEFAULT_SCENE)

    # -- construction ------------------------------------------------------------------------
    def _connect(self) -> None:
        self._binding = Binding(self)

    # -- Page protocol -----------------------------------------------------------------------
    def load_scene(self, scene: dict) -> None:
        """Replace the set-up with ``scene`` (``page.model.load_scene``); on ValueError nothing changes."""
        self.model.load_scene(scene)

    def scene(self) -> dict:
        """The current set-up as a scene dict (``page.model.to_scene()``: what File > Save writes)."""
        return self.model.to_scene()

    def set_theme(self, theme: Theme) -> None:
        """Redraw every part with ``theme``."""
        self._theme = theme
        self.model.palette = tuple(theme.racer_colors)
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
        # set_racers puts the plain labels back in the legend and forgets the statuses shown, so that
        # draw writes "diverged at step N" again (after a switch the legend had lost it).
        self.frame.set_racers()
        self._dirty = True
        self.draw()

    def theme(self) -> Theme:
        """The theme the page is drawn in."""
        return self._theme

    def shutdown(self) -> None:
        """Stop the frame timer and end the racer subprocess (safe to call twice)."""
        self.timer.stop()
        self.follow_timer.stop()
        self.surface_view.refine()  # stops its timer
        self.model.playing = False
        if hasattr(self.maps, "shutdown"):
            self.maps.shutdown()  # first: its QThreads must have ended before the page is destroyed
        self.race.shutdown()
        self._closed = True

    def closed(self) -> bool:
        """True after :meth:`shutdown`."""
        return self._closed

    def set_debug_timings(self, on: bool) -> None:
        """Show or hide the developer timings (repaint, frame and stall times; off by default)."""
        self._debug_timings = bool(on)
        self.surface_view.set_debug_timings(on)
        self.update_status()

    def debug_timings(self) -> bool:
        """Whether the developer timings are shown."""
        return self._debug_timings

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        if not self._user_split:  # keep the surface the biggest thing on screen until the user drags
            w = max(self.width() - 12, 600)  # the splitter itself may not be laid out yet
            self.splitter.setSizes([int(w * 0.44), int(w * 0.26), int(w * 0.30)])

    def splitter_moved(self, *_) -> None:
        """The user dragged the splitter: keep their sizes from now on."""
        self._user_split = True

    def splitter_sizes(self) -> list[list[int]]:
        """The splitter's sizes the user dragged to; [] while the page keeps its own proportions."""
        return [[int(v) for v in self.splitter.sizes()]] if self._user_split else []

    def set_splitter_sizes(self, sizes) -> None:
        """Put back what :meth:`splitter_sizes` returned ([] or a list that does not fit: the page's own)."""
        sizes = list(sizes or ())
        if sizes and len(sizes[0]) == self.splitter.count():
            self.splitter.setSizes([int(v) for v in sizes[0]])
            self._user_split = True
        else:
            self._user_split = False
            w = max(self.width() - 12, 600)
            self.splitter.setSizes([int(w * 0.44), int(w * 0.26), int(w * 0.30)])

    # -- results (a session's side file) -------------------------------------------------
    def results(self) -> dict | None:
        """The computed maps (basins, hyperparameters) with what they were for; None when none is shown.

        The race itself is not a result to keep: it is recomputed from the settings (deterministic).
        """
        maps = self.maps.results() if hasattr(self.maps, "results") else {}
        return {"maps": maps} if maps else None

    def restore_results(self, r: dict) -> list[str]:
        """Show maps :meth:`results` took; returns the ones left out, with why."""
        if not hasattr(self.maps, "restore_results"):
            return ["maps: not available here"]
        self.readouts.maps()  # the context of the settings just loaded
        return self.maps.restore_results(dict(r.get("maps") or {}))

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt override
        self.shutdown()
        super().closeEvent(event)

    # -- playback and the race (tests, render, scripts) ---------------------------------------
    @property
    def frame_ms(self) -> float:
        """Rolling mean time spent drawing one frame."""
        return self.clock.frame_ms

    @property
    def max_stall_ms(self) -> float:
        """Longest GUI-thread stall (timer gap beyond the period) since the last Play."""
        return self.clock.max_stall_ms

    def play(self) -> None:
        """Start playback."""
        self.model.playing = True
        self.clock.reset_stall()  # again: Play pressed while playing measures afresh too

    def pause(self) -> None:
        """Stop playback (the subprocess keeps what it computed)."""
        self.model.playing = False
        self.playback.set_playing(False)

    def step(self) -> int:
        """Current playback step."""
        return self.model.step

    def seek(self, step: int) -> None:
        """Show step ``step`` (computing it first when not threaded; a step past the end lengthens the race)."""
        step = max(0, int(step))
        with self.held():
            if step > self.model.steps:
                self.model.steps = step
            self.race.pull()
            self.model.step = step
            self._dirty = True

    def set_start(self, x: float, y: float) -> None:
        """Move the start point and restart every racer from it."""
        start = (float(x), float(y))
        if start == self.model.start:
            with self.held():
                self.model.step = 0
                self.restart()
        else:
            self.model.start = start

    def start(self) -> tuple[float, float]:
        """The start point."""
        return self.model.start

    def trajectories(self) -> list:
        """The racers' trajectories computed so far (None where not yet started)."""
        self.race.pull()
        return list(self.model.trajectories)

    def racer_point(self, index: int) -> tuple[float, float]:
        """Racer ``index``'s point at the current step."""
        traj = self.trajectories()[index]
        k = min(self.model.step, len(traj.xy) - 1)
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
            self.race.pull()
            if self.race.all_done():
                return True
            time.sleep(0.01)
        return False

    # -- drawing -----------------------------------------------------------------------------
    @contextlib.contextmanager
    def held(self):
        """Model changes inside draw once, at the end (not once per field that changed)."""
        self._hold += 1
        try:
            yield
        finally:
            self._hold -= 1
            if not self._hold and self._dirty:
                self.draw()

    def mark_dirty(self) -> None:
        """Something to draw: the next frame (or the end of the change in progress) draws it."""
        self._dirty = True

    def follow_later(self) -> None:
        """Run :meth:`follow_surface` on the next turn of the event loop (coalesced)."""
        self.follow_timer.start()

    def request_draw(self) -> None:
        """Draw now, or at the end of the change in progress."""
        self._dirty = True
        if not self._hold:
            self.draw()

    def ensure_timer(self) -> None:
        """Run the frame timer (it stops itself when nothing is left to do)."""
        if not self._closed and not self.timer.isActive():
            self.clock.forget_tick()
            self.timer.start()

    def restart(self) -> None:
        """Start every racer afresh from the model's settings."""
        with self.held():
            self.frame.set_racers()
            if not self.race.restart():
                return
            if self.race.process is not None:
                self.ensure_timer()
            self._dirty = True
        self.readouts.maps()

    def tick(self) -> None:
        """One frame: take what arrived, advance the cursor while playing, draw if anything changed."""
        self.clock.tick()
        m = self.model
        self._hold += 1  # the cursor's event marks the frame dirty; the draw below is the only one
        try:
            self.race.pull()
            if m.playing:
                new = min(m.step + m.speed, self.race.available())
                if new != m.step:
                    m.step = new
                if m.step >= m.steps:
                    self.pause()
        finally:
            self._hold -= 1
        if self._dirty:
            self.clock.timed(self.draw)
        elif not m.playing and self.race.all_done():
            self.timer.stop()  # idle: nothing to draw until the next change
            self.clock.forget_tick()

    def draw(self) -> None:
        """Draw the racers at the model's step (``frame.Frame``)."""
        if self._shown is None:
            return
        self._dirty = False
        self.frame.draw()

    def update_status(self) -> None:
        """The developer timings line (empty unless they are on)."""
        if not self._debug_timings:
            self.status.setText("")
            return
        self.status.setText(f"repaint {self.surface_view.last_repaint_ms:.0f} ms · frame {self.clock.frame_ms:.1f} ms"
                            f" · stall {max(self.clock.max_stall_ms, 0):.0f} ms")

    def show_surface(self, surface, coarse: bool = False) -> None:
        """Draw ``surface`` in the surface view (a draft first when ``coarse``)."""
        self._shown = surface
        self.surface_view.set_surface(surface, self.model.view, coarse=coarse)

    def follow_surface(self) -> None:
        """What a new surface brings besides its picture: curves, 3-D, curvature, and a new race."""
        surf = self.model.surface_object
        if surf is None:
            return
        self.curves.set_f_min(surf.f_min)
        if hasattr(self.view3d, "set_surface") and self.side_tabs.currentWidget() is self.view3d:
            self.view3d.set_surface(surf)
        self.readouts.curvature(*self.model.start)
        self.restart()

    def shown_surface(self):
        """The surface the surface view draws (None before the first)."""
        return self._shown
