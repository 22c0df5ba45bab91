"""The optimizer page's side readouts (curvature, maps, 3-D) and its one error line.

A readout that fails never breaks the page: one line on the page names the log, the traceback goes
to the log once per distinct error (a hover readout fails again on every mouse move), and the line
goes when that readout works again.
"""
from __future__ import annotations

import logging

log = logging.getLogger(__name__)


class Readouts:
    """Feeds ``page.model``'s surface, start, racer and steps to the page's side panels."""

    def __init__(self, page):
        self.page = page
        self._failed: str | None = None  # which readout the error line is about, if one is
        self._logged: set[str] = set()

    def curvature(self, x: float, y: float) -> None:
        """The curvature readout at (x, y)."""
        p = self.page
        surf = p.model.surface_object
        if hasattr(p.curvature, "set_point") and surf is not None:
            try:
                p.curvature.set_point(surf, x, y)
            except Exception as exc:  # noqa: BLE001 - a readout must never break the page
                self.failed("curvature readout", exc)
            else:
                self.ok("curvature readout")

    def maps(self) -> None:
        """Give the maps the surface, the selected racer, the start and the steps."""
        p, m = self.page, self.page.model
        if not hasattr(p.maps, "set_context") or not m.racers or m.surface_object is None:
            return
        i = max(p.racer_panel.current_index(), 0)
        try:
            p.maps.set_context(m.surface_object, m.engine_racers()[i], m.start, m.steps)
        except Exception as exc:  # noqa: BLE001
            self.failed("maps", exc)
        else:
            self.ok("maps")

    def side_tab(self) -> None:
        """The 3-D view is drawn only while its tab is open."""
        p = self.page
        if p.side_tabs.currentWidget() is p.view3d and hasattr(p.view3d, "set_surface"):
            p.view3d.set_surface(p.model.surface_object)
            p.frame.draw_3d()

    def show_error(self, text: str) -> None:
        """One line above the plots ("" hides it)."""
        p = self.page
        if text:
            p.error.setText(text)
            p.error.show()
        else:
            self._failed = None
            p.error.hide()

    def failed(self, what: str, exc: Exception) -> None:
        """Readout ``what`` raised ``exc``: the one line, and the traceback in the log."""
        from playground.log import details_hint

        text = f"The {what} failed: {type(exc).__name__}: {exc}".splitlines()[0]
        if text not in self._logged:
            self._logged.add(text)
            log.error("%s", text, exc_info=exc)
        self._failed = what
        self.show_error(f"{text} ({details_hint()})")

    def ok(self, what: str) -> None:
        """Readout ``what`` worked: its error line (if it is the one shown) goes."""
        if self._failed == what:
            self.show_error("")
