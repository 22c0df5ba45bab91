"""The optimizer page rendered headlessly (``render`` on the command line, screenshot tests)."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage, QResizeEvent

from widgets.theme import get_theme


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
    from PySide6.QtWidgets import QApplication

    from playground.app import make_app
    from playground.pages.optimizer.page import OptimizerPage

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
        image.fill(QColor(page.theme().background))
        page.render(image)
        if info is not None:
            racers = page.model.racers
            info["trails"] = [page.trail_pixels(i) for i in range(len(racers))]
            info["colors"] = [r["color"] for r in racers]
    finally:
        page.shutdown()
        page.close()
        page.deleteLater()
        QApplication.processEvents()
    del app
    return image
