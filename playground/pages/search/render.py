"""The search page headless: run a search scene to its end offscreen and draw the page into a QImage.

The search runs in the page's worker host child, as in the app; :func:`run_page` waits for it
(processing Qt events) and for the sampler's mind to be refitted.
"""
from __future__ import annotations

import contextlib
import time

from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication

from widgets.theme import LIGHT, Theme

TIMEOUT_S = 300.0


@contextlib.contextmanager
def offscreen_page(scene: dict | None = None, size=(1280, 720), theme: Theme | str = LIGHT,
                   state: dict | None = None):
    """The search page, offscreen, laid out at ``size``, set up from ``scene`` or a session's ``state``."""
    from playground.pages.offscreen import hidden_page
    from playground.pages.search.page import SearchPage

    with hidden_page(SearchPage, scene, state, size, theme) as page:
        yield page


def wait_idle(page, timeout_s: float = TIMEOUT_S) -> None:
    """Process Qt events until the page's search and its refits have ended."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout_s:
        QApplication.processEvents()
        host = page.link.host
        if not page.model.running and (host is None or not host.live_jobs):
            break
        time.sleep(0.01)
    QApplication.processEvents()


def run_page(page, steps=None, epochs=None, mode: str = "start") -> None:
    """Run the page's search to its end: in a scratch journal, removed afterwards, unless the page has a
    storage (a picture never adds a study to the user's home folder)."""
    import tempfile
    from pathlib import Path

    if page.model.storage:
        if page._run(mode):
            wait_idle(page)
        return
    with tempfile.TemporaryDirectory(prefix="search-render-") as folder:
        page.model.storage = f"journal:{Path(folder) / 'study.log'}"
        try:
            if page._run(mode):
                wait_idle(page)
        finally:
            page.model.storage = ""


def render_image(page, width: int, height: int) -> QImage:
    from playground.pages.training.render import render_image as _render

    page.flush_drawing()
    return _render(page, width, height)


def render_scene(scene: dict, size=(1280, 720), theme: Theme | str = LIGHT, steps=None, epochs=None) -> QImage:
    """Run a search scene headless and return a picture of the page (exactly ``size``)."""
    with offscreen_page(scene, size, theme) as page:
        run_page(page)
        return render_image(page, int(size[0]), int(size[1]))


def page_image(page, size) -> QImage:
    """``page`` drawn into an exactly ``size`` QImage (device pixel ratio 1)."""
    return render_image(page, int(size[0]), int(size[1]))
