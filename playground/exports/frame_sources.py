"""Frames of a page as it runs: the optimizer page stepping its cursor, the training page training.

Each source builds its own offscreen page (never the one on screen), drives it through its public
methods as the headless ``render_scene`` functions do, and yields ``(done, rgb)``: the fraction of the
work done so far and the page as an exactly (height, width, 3) uint8 array (device pixel ratio 1), or
None for a step of work with no frame (an epoch between two grabs), so a GUI driving the source gets
its events handled between epochs. Both are deterministic: the same scene, size and theme give the same
frames.
"""
from __future__ import annotations

import math
import threading
from collections.abc import Iterator

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QApplication

from widgets.theme import get_theme


def qimage_to_rgb(image: QImage) -> np.ndarray:
    """A (height, width, 3) uint8 copy of ``image``'s pixels (rows padded to 4 bytes in Qt are cut)."""
    rgb = image.convertToFormat(QImage.Format_RGB888)
    w, h = rgb.width(), rgb.height()
    buf = np.frombuffer(rgb.constBits(), np.uint8, count=rgb.sizeInBytes())
    return buf.reshape(h, rgb.bytesPerLine())[:, : 3 * w].reshape(h, w, 3).copy()


def optimizer_steps(steps: int, frames: int) -> list[int]:
    """The step shown in each of ``frames`` frames: 0 to ``steps``, evenly spaced (rounded)."""
    if frames < 2:
        raise ValueError(f"--frames must be at least 2, got {frames}")
    if frames > steps + 1:
        raise ValueError(f"--frames must be at most steps + 1 = {steps + 1} (one frame per step), got {frames}")
    return [round(i * steps / (frames - 1)) for i in range(frames)]


def optimizer_frames(scene: dict, size: tuple[int, int], theme: str, steps: int, frames: int
                     ) -> Iterator[tuple[float, np.ndarray]]:
    """The optimizer page racing ``scene`` for ``steps`` steps, shown at ``frames`` evenly spaced steps.

    Every racer is computed to ``steps`` first (on this thread); then the cursor moves and the page is
    drawn: the trails grow, the curves' cursor and the playback bar follow.
    """
    from playground.pages.optimizer.page import OptimizerPage

    schedule = optimizer_steps(steps, frames)
    w, h = int(size[0]), int(size[1])
    page = OptimizerPage(theme=get_theme(theme), threaded=False)
    try:
        yield 0.0, None  # building the page and computing the race are a step each
        page.setAttribute(Qt.WA_DontShowOnScreen, True)
        page.load_scene({**scene, "steps": int(steps)})  # the race is as long as the animation
        page.resize(w, h)
        page.show()
        page.layout().activate()
        page.side_tabs.setCurrentIndex(0)
        QApplication.processEvents()
        for i, step in enumerate(schedule):
            page.seek(step)
            page.layout().activate()
            QApplication.processEvents()
            image = QImage(w, h, QImage.Format_ARGB32)
            image.setDevicePixelRatio(1.0)
            image.fill(QColor(get_theme(theme).background))
            page.render(image)
            yield (i + 1) / len(schedule), qimage_to_rgb(image)
    finally:
        _dispose(page)


def training_grab_epochs(epochs: int, every: int) -> int:
    """How many frames a training animation has at most: epoch 0, every ``every``-th epoch and the end."""
    if every < 1:
        raise ValueError(f"--every must be at least 1, got {every}")
    if every > epochs:
        raise ValueError(f"--every must be at most --epochs ({epochs}), got {every}")
    return 1 + math.ceil(epochs / every)


def training_frames(scene: dict, size: tuple[int, int], theme: str, epochs: int, every: int
                    ) -> Iterator[tuple[float, np.ndarray]]:
    """The training page training ``scene`` for ``epochs`` epochs, grabbed every ``every`` epochs.

    The trainer (``core.training.train``) runs on this thread with the page's own settings; each
    report goes to the page through ``handle_metrics``, as the trainer process's do. A snapshot (the
    decision surface, weights, histograms) comes with epoch 0, every ``every``-th epoch and the final
    report; the page is drawn and grabbed at each. The last frame is the final report (after early
    stopping too, which may end the run before ``epochs``).
    """
    from core.training import TrainControls, train
    from playground.pages.training.page import TrainingPage

    training_grab_epochs(epochs, every)
    w, h = int(size[0]), int(size[1])
    page = TrainingPage(get_theme(theme))
    try:
        yield 0.0, None  # building the page is a step of its own
        page.setAttribute(Qt.WA_DontShowOnScreen, True)
        page.resize(w, h)
        page.load_scene(scene)
        page.show()
        config = page.config().replace(epochs=int(epochs), snapshot_every=int(every))
        page.show_data(config)
        page.curves.reset()
        stop, controls = threading.Event(), TrainControls()
        for m in train(config, stop_event=stop, controls=controls):
            page.handle_metrics(m)
            if m.kind == "step":
                continue
            done = 1.0 if m.kind == "final" else m.epoch / epochs
            if m.snapshot is None or (m.kind == "epoch" and m.epoch >= epochs):
                yield done, None  # the last epoch is drawn from the final report that follows it
                continue
            page.draw_frame(force=True)
            yield done, qimage_to_rgb(page.render_image(w, h))
    finally:
        _dispose(page)


def _dispose(page) -> None:
    page.shutdown()
    page.close()
    page.deleteLater()
    QApplication.processEvents()
