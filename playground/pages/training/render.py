"""The training page headless: train a scene in this thread and draw the page into a QImage."""
from __future__ import annotations

import threading

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QApplication

from widgets.theme import LIGHT, Theme, get_theme


def train_synchronously(page, epochs: int | None = None, steps: int | None = None) -> None:
    """Train ``page``'s settings in this thread (headless rendering, tests); views drawn at the end.

    Every report goes through ``page.handle_metrics``, as the trainer process's do.
    """
    from core.training import TrainControls, train

    config = page.config()
    if epochs is not None:
        config = config.replace(epochs=int(epochs))
    page.show_data(config)
    page.curves.reset()
    stop, controls = threading.Event(), TrainControls()
    for m in train(config, stop_event=stop, controls=controls):
        if m.kind == "epoch" and m.epoch >= config.epochs - 1:
            controls.request_snapshot()
        if steps is not None and m.step >= steps and not stop.is_set():
            controls.request_snapshot()
            stop.set()
        if m.data is not None:
            page.model.run_data = m.data
        page.handle_metrics(m)
    if page.model.snapshot is None:
        page.status_line.say("No snapshot was produced.", error=True)
    page.draw_frame(force=True)


def render_image(page, width: int, height: int) -> QImage:
    """``page`` drawn into a ``width`` x ``height`` QImage (device pixel ratio 1)."""
    page.resize(width, height)
    QApplication.processEvents()
    image = QImage(width, height, QImage.Format_ARGB32)
    image.setDevicePixelRatio(1.0)
    image.fill(QColor(page.theme.background))
    page.render(image)  # onto a QImage of exactly w x h: no device-pixel-ratio surprises (docs/traps.md)
    return image


def render_scene(scene: dict, size=(1280, 720), theme: Theme | str = LIGHT, steps: int | None = None,
                 epochs: int | None = None) -> QImage:
    """Train a training scene headless and return a picture of the page.

    Parameters
    ----------
    scene : dict
        A validated training scene.
    size : (int, int)
        Width and height in pixels; the image is exactly this size (device pixel ratio 1).
    theme : Theme or str
        Theme or its name.
    steps, epochs : int, optional
        Stop after this many optimizer steps / epochs (default: the scene's epochs).

    Returns
    -------
    QImage
    """
    from playground.pages.training.page import TrainingPage

    if isinstance(theme, str):
        theme = get_theme(theme)
    w, h = int(size[0]), int(size[1])
    page = TrainingPage(theme=theme)
    try:
        page.setAttribute(Qt.WA_DontShowOnScreen, True)
        page.resize(w, h)
        page.load_scene(scene)
        page.show()
        train_synchronously(page, epochs=epochs, steps=steps)
        QApplication.processEvents()
        return render_image(page, w, h)
    finally:
        page.shutdown()
        page.hide()
        page.deleteLater()
