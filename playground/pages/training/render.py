"""The training page headless: train a scene in this thread and draw the page into a QImage.

:func:`offscreen_page` builds the page offscreen from a scene or a session's page state and
:func:`run_page` trains it; :func:`render_scene` is the two plus a picture of the whole page.
``render --part`` and ``--out FILE.svg`` use the first two and take the picture themselves.
"""
from __future__ import annotations

import contextlib
import threading

from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QApplication

from widgets.theme import LIGHT, Theme


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


@contextlib.contextmanager
def offscreen_page(scene: dict | None = None, size=(1280, 720), theme: Theme | str = LIGHT,
                   state: dict | None = None):
    """The training page, offscreen, laid out at ``size``, set up from ``scene`` or ``state``.

    Parameters
    ----------
    scene : dict, optional
        A validated training scene.
    size : (int, int)
        Width and height of the page in pixels.
    theme : Theme or str
        Theme or its name.
    state : dict, optional
        A session's ``[pages.training]`` table (``TrainingModel.state()``), instead of ``scene``: its
        view settings (x axis, log scale, test curves) too.

    Yields
    ------
    TrainingPage
        Not trained yet (:func:`run_page` trains it); shut down and deleted on leaving.
    """
    from playground.pages.offscreen import hidden_page
    from playground.pages.training.page import TrainingPage

    with hidden_page(TrainingPage, scene, state, size, theme) as page:
        yield page


def run_page(page, steps: int | None = None, epochs: int | None = None) -> None:
    """Train ``page`` in this thread for ``epochs`` (default: its settings') or until step ``steps``, and draw it."""
    train_synchronously(page, epochs=epochs, steps=steps)
    QApplication.processEvents()


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
    with offscreen_page(scene, size, theme) as page:
        run_page(page, steps=steps, epochs=epochs)
        return render_image(page, int(size[0]), int(size[1]))


def page_image(page, size) -> QImage:
    """``page`` drawn into an exactly ``size`` QImage (device pixel ratio 1)."""
    return render_image(page, int(size[0]), int(size[1]))
