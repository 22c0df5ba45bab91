"""How the optimizer page's widgets and its model talk.

Widget signals only assign model fields; model events update the widgets (written with the
widgets' signals blocked, or through their no-signal setters, so nothing loops). The step cursor
changes up to 60 times a second while playing: its event only marks the frame for the draw that
the frame timer does anyway.
"""
from __future__ import annotations

import logging

from widgets.lesson_box import surface_lesson
from widgets.racer_panel import MAX_RACERS

log = logging.getLogger(__name__)


class Binding:
    """Connects ``page``'s widgets to ``page.model`` both ways (kept alive by the page)."""

    def __init__(self, page):
        self.page = page
        m, p = page.model, page
        # widgets -> model
        p.chooser.sigSurfaceChanged.connect(self.from_chooser_surface)
        p.chooser.sigBatchSizeChanged.connect(self.from_chooser_batch)
        p.chooser.sigDragFinished.connect(p.surface_view.refine)
        p.surface_view.sigStartChanged.connect(p.set_start)
        p.surface_view.sigHover.connect(p.readouts.curvature)
        p.racer_panel.sigRacersChanged.connect(self.from_racer_panel)
        p.racer_panel.list.currentRowChanged.connect(self.from_racer_selected)
        p.playback.sigPlayToggled.connect(self.from_play)
        p.playback.sigStep.connect(self.from_step)
        p.playback.sigReset.connect(self.from_reset)
        p.playback.sigSpeedChanged.connect(self.from_speed)
        p.playback.sigScrubbed.connect(self.from_scrub)
        p.steps_box.valueChanged.connect(self.from_steps_box)
        for key, box in p.overlay_boxes.items():
            box.toggled.connect(lambda on, k=key: self.from_overlay(k, on))
        p.side_tabs.currentChanged.connect(self.from_side_tab)
        p.splitter.splitterMoved.connect(p.splitter_moved)
        if hasattr(p.maps, "sigMapSettingsChanged"):
            p.maps.sigReplayStart.connect(p.set_start)
            p.maps.sigAddRacer.connect(self.from_maps_add_racer)
            p.maps.sigMapSettingsChanged.connect(self.from_map_settings)
            p.maps.sigBasinsReady.connect(self.results_changed)  # the autosave keeps the maps
            p.maps.sigHparamsReady.connect(self.results_changed)
        p.timer.timeout.connect(p.tick)
        p.follow_timer.timeout.connect(self.after_surface_change)
        # model -> widgets
        m.loaded.connect(self.on_loaded)
        ev = m.events
        ev.title.connect(self.on_lesson)
        ev.lesson.connect(self.on_lesson)
        ev.surface.connect(self.on_surface)
        ev.start.connect(self.on_start)
        ev.racers.connect(self.on_racers)
        ev.steps.connect(self.on_steps)
        ev.speed.connect(self.on_speed)
        ev.overlays.connect(self.on_overlays)
        ev.view.connect(self.on_view)
        ev.side_tab.connect(self.on_side_tab)
        ev.map_settings.connect(self.on_map_settings)
        ev.batch_size.connect(self.on_batch_size)
        ev.step.connect(self.on_step)
        ev.playing.connect(self.on_playing)
        ev.trajectories.connect(self.on_trajectories)
        ev.error.connect(self.on_error)
        self._coarse_next = False
        self._panel_racers = None  # the racers tuple the racer panel shows
        self._in_surface_change = False  # a new surface's start and view do not restart the race alone

    # -- widgets -> model ----------------------------------------------------------------------
    def from_chooser_surface(self, surface) -> None:
        self._coarse_next = True  # a control is moving: a draft picture now, the rest on the next turn
        self.page.model.surface = surface

    def from_chooser_batch(self, n: int) -> None:
        self.page.model.batch_size = int(n) or None

    def from_racer_panel(self, racers: list) -> None:
        """The racer panel was edited: its racers become the model's."""
        m = self.page.model
        try:
            done: list[dict] = []
            for r in racers[:MAX_RACERS]:
                done.append(m.complete_racer(r, tuple(done)))
        except ValueError as exc:  # the panel shows the field at fault; the model keeps its racers
            log.info("racer not taken: %s", exc)
            return
        self._panel_racers = tuple(done)
        m.racers = self._panel_racers

    def from_racer_selected(self, _row: int) -> None:
        self.page.readouts.maps()

    def from_play(self, on: bool) -> None:
        self.page.model.playing = bool(on)

    def from_step(self, delta: int) -> None:
        p = self.page
        p.pause()
        p.race.pull()
        if p.race.process is None:
            p.race.extend()
        with p.held():
            p.model.step = max(0, min(p.model.step + delta, p.race.available()))
            p.mark_dirty()

    def from_reset(self) -> None:
        p = self.page
        p.pause()
        with p.held():
            p.model.step = 0
            p.mark_dirty()

    def from_speed(self, n: int) -> None:
        self.page.model.speed = int(n)

    def from_scrub(self, step: int) -> None:
        p = self.page
        p.pause()
        p.model.step = max(0, min(int(step), p.race.computed()))

    def from_steps_box(self, n: int) -> None:
        self.page.model.steps = int(n)

    def from_overlay(self, key: str, on: bool) -> None:
        m = self.page.model
        m.overlays = {**m.overlays, key: bool(on)}

    def from_side_tab(self, i: int) -> None:
        p = self.page
        p.model.side_tab = p.side_tabs.tabText(i)
        p.readouts.side_tab()

    def results_changed(self, *_args) -> None:
        self.page.sigResultsChanged.emit()

    def from_map_settings(self, settings: dict) -> None:
        self.page.model.map_settings = dict(settings)

    def from_maps_add_racer(self, racer: dict) -> None:
        m = self.page.model
        if len(m.racers) >= MAX_RACERS:
            m.error = f"At most {MAX_RACERS} racers: remove one first."
            return
        try:
            m.racers = m.racers + (m.complete_racer(racer, m.racers),)
        except ValueError as exc:
            m.error = str(exc)

    def after_surface_change(self) -> None:
        if not self.page.closed() and self.page.model.surface_object is not None:
            self.page.follow_surface()

    # -- model -> widgets ----------------------------------------------------------------------
    def on_loaded(self, kind: str) -> None:
        """A whole new model (scene or state): every widget once, then one race."""
        p, m = self.page, self.page.model
        saved_maps = m.map_settings
        p.playback.set_playing(False)
        p.lesson.set_lesson(m.title, m.lesson)
        surf = m.surface_object
        p.chooser.set_surface(surf)
        p.chooser.set_batch_size(m.batch_size)
        self._show_overlays()
        self._show_steps()
        p.playback.set_speed(m.speed)
        self._show_racers()
        p.show_surface(surf)
        p.surface_view.set_start(*m.start)
        self.on_side_tab()
        with p.held():
            p.curves.set_f_min(surf.f_min)
            if hasattr(p.view3d, "set_surface") and p.side_tabs.currentWidget() is p.view3d:
                p.view3d.set_surface(surf)
            p.readouts.curvature(*m.start)
            p.restart()
        if kind == "state" and saved_maps and hasattr(p.maps, "set_map_settings"):
            self._show_map_settings(saved_maps)
            m.map_settings = p.maps.map_settings()

    def on_lesson(self) -> None:
        p, m = self.page, self.page.model
        if p.lesson.lesson() != (m.title, m.lesson):
            p.lesson.set_lesson(m.title, m.lesson)

    def on_surface(self) -> None:
        """A new surface: its picture at once; its lesson, start and view; then a new race."""
        p, m = self.page, self.page.model
        surf = m.surface_object
        coarse, self._coarse_next = self._coarse_next, False
        old = p.shown_surface()
        if p.chooser.surface() is not surf:
            p.chooser.set_surface(surf)
        self._in_surface_change = True
        try:
            with m.changes():
                m.view = None  # a new surface brings its own domain
                if old is None or surf.name != old.name:  # not a parameter of the same one
                    name, title, text = m.scene_lesson  # the scene's lesson again over the scene's surface
                    m.title, m.lesson = (title, text) if surf.name == name else surface_lesson(surf)
                moved = (old is not None and tuple(surf.domain) != tuple(p.surface_view.domain())
                         and surf.name != old.name)
                if moved or not bool(surf.finite_at([m.start])[0]):  # from where f is inf or NaN every run ends at step 0
                    m.start = tuple(float(v) for v in surf.start)
        finally:
            self._in_surface_change = False
        if coarse:
            # The surface is painted first; the racers, curves and readouts follow on the next turn of
            # the event loop (coalesced while a slider is dragged), so the repaint is not kept waiting.
            # A draft first (contours at half resolution, 1 px), in full once the control rests.
            p.show_surface(surf, coarse=True)
            p.race.drop()  # the old surface's trails go at once
            p.surface_view.set_states([])
            p.follow_later()
            p.update_status()
        else:
            p.show_surface(surf)
            p.follow_surface()

    def on_start(self) -> None:
        p, m = self.page, self.page.model
        p.surface_view.set_start(*m.start)
        if self._in_surface_change:
            return  # the new surface's race starts from it
        with p.held():
            m.step = 0
            p.restart()
        p.readouts.curvature(*m.start)

    def on_racers(self) -> None:
        self._show_racers()
        self.page.restart()

    def on_steps(self, n: int, old: int) -> None:
        p, m = self.page, self.page.model
        self._show_steps()
        with p.held():
            m.step = min(m.step, n)
            if n > old:
                p.race.extend()
                if p.race.process is not None:
                    p.ensure_timer()
            p.mark_dirty()

    def on_speed(self) -> None:
        self.page.playback.set_speed(self.page.model.speed)

    def on_overlays(self) -> None:
        self._show_overlays()

    def on_view(self) -> None:
        p = self.page
        if not self._in_surface_change and p.shown_surface() is not None:
            p.show_surface(p.model.surface_object)

    def on_side_tab(self) -> None:
        p = self.page
        names = [p.side_tabs.tabText(i) for i in range(p.side_tabs.count())]
        if p.model.side_tab in names:
            p.side_tabs.setCurrentIndex(names.index(p.model.side_tab))

    def on_map_settings(self, settings: dict) -> None:
        p = self.page
        if hasattr(p.maps, "map_settings") and settings and settings != p.maps.map_settings():
            self._show_map_settings(settings)

    def on_batch_size(self) -> None:
        self.page.chooser.set_batch_size(self.page.model.batch_size)
        self.page.restart()

    def on_step(self) -> None:
        self.page.request_draw()  # inside a frame (or any held change): marks it; the frame draws once

    def on_playing(self, on: bool) -> None:
        p, m = self.page, self.page.model
        p.playback.set_playing(on)
        if on:
            if m.step >= m.steps:
                m.step = 0
            # The stall shown is this playback's: not the first paint of a freshly loaded scene
            # (a long one offscreen), which happens between two ticks before Play.
            p.clock.reset_stall()
            p.ensure_timer()

    def on_trajectories(self) -> None:
        self.page.mark_dirty()

    def on_error(self, text: str) -> None:
        self.page.readouts.show_error(text)

    # -- helpers -------------------------------------------------------------------------------
    def _show_racers(self) -> None:
        m = self.page.model
        if m.racers is not self._panel_racers:  # not when the panel itself sent them
            self._panel_racers = m.racers
            self.page.racer_panel.set_racers([dict(r) for r in m.racers])

    def _show_overlays(self) -> None:
        p, m = self.page, self.page.model
        for key, box in p.overlay_boxes.items():
            box.blockSignals(True)
            box.setChecked(bool(m.overlays.get(key, False)))
            box.blockSignals(False)
        p.surface_view.set_overlays(**m.overlays)

    def _show_steps(self) -> None:
        p = self.page
        p.steps_box.blockSignals(True)
        p.steps_box.setValue(p.model.steps)
        p.steps_box.blockSignals(False)

    def _show_map_settings(self, settings: dict) -> None:
        try:
            self.page.maps.set_map_settings(settings)
        except ValueError as exc:
            self.page.model.error = str(exc)
