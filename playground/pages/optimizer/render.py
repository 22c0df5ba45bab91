"""The optimizer page rendered headlessly (``render`` on the command line, screenshot tests).

:func:`offscreen_page` builds the page offscreen from a scene or a session's page state and
:func:`run_page` races it to a step; :func:`render_scene` is the two plus a picture of the whole page.
``render --part`` and ``--out FILE.svg`` use the first two and take the picture themselves.
"""
from __future__ import annotations

import contextlib

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage, QResizeEvent

from widgets.theme import get_theme


@contextlib.contextmanager
def offscreen_page(scene: dict | None = None, size: tuple[int, int] = (1280, 720), theme: str = "light",
                   state: dict | None = None):
    """The optimizer page, offscreen, laid out at ``size``, set up from ``scene`` or ``state``.

    Parameters
    ----------
    scene : dict, optional
        A validated optimizer scene (the side panel shows its first tab, the racers).
    size : (int, int)
        Width and height of the page in pixels.
    theme : {"light", "dark"}
    state : dict, optional
        A session's ``[pages.optimizer]`` table (``OptimizerModel.state()``), instead of ``scene``:
        its side tab and map settings too.

    Yields
    ------
    OptimizerPage
        Computed nothing yet (:func:`run_page` races it); shut down and deleted on leaving.
    """
    from PySide6.QtWidgets import QApplication

    from playground.app import make_app
    from playground.pages.optimizer.page import OptimizerPage

    if (scene is None) == (state is None):
        raise ValueError("give a scene or a session page's state, not both")
    make_app()
    w, h = int(size[0]), int(size[1])
    page = OptimizerPage(theme=get_theme(theme), threaded=False)
    try:
        page.setAttribute(Qt.WA_DontShowOnScreen, True)
        if state is not None:
            page.model.set_state(state)
        else:
            page.load_scene(scene)
        page.resize(w, h)
        page.show()
        page.layout().activate()
        page.resizeEvent(QResizeEvent(page.size(), page.size()))
        if state is None:
            page.side_tabs.setCurrentIndex(0)
        QApplication.processEvents()
        yield page
    finally:
        page.shutdown()
        page.close()
        page.deleteLater()
        QApplication.processEvents()


def run_page(page, steps: int | None = None, epochs: int | None = None) -> None:
    """Race ``page`` to step ``steps`` (default: its model's ``steps``) and draw it.

    Raises
    ------
    ValueError
        ``epochs`` given: the optimizer page runs steps.
    """
    from PySide6.QtWidgets import QApplication

    if epochs is not None:
        raise ValueError("--epochs is for the training page; the optimizer page runs --steps N")
    page.seek(page.model.steps if steps is None else steps)
    page.layout().activate()
    QApplication.processEvents()


def page_image(page, size: tuple[int, int]) -> QImage:
    """``page`` drawn into an exactly ``size`` QImage (device pixel ratio 1)."""
    image = QImage(int(size[0]), int(size[1]), QImage.Format_ARGB32)
    image.setDevicePixelRatio(1.0)
    image.fill(QColor(page.theme().background))
    page.render(image)
    return image


def render_scene(scene: dict, size: tuple[int, int] = (1280, 720), theme: str = "light",
                 steps: int | None = None, epochs: int | None = None, info: dict | None = None) -> QImage:
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
    info : dict, optional
        Filled in, when given, with what the image shows: ``trails`` (per racer, its drawn trail's
        pixel coordinates, an (n, 2) array) and ``colors`` (per racer, its colour) -- for checks of
        the pixels.
    """
    with offscreen_page(scene, size, theme) as page:
        run_page(page, scene["steps"] if steps is None else steps)
        image = page_image(page, size)
        if info is not None:
            racers = page.model.racers
            info["trails"] = [page.trail_pixels(i) for i in range(len(racers))]
            info["colors"] = [r["color"] for r in racers]
    return image
