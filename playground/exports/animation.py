"""Animations of a scene as GIF or MP4: ``optimizer-playground animate`` and File > Export animation.

::

    from playground.exports.animation import AnimationSpec, export_animation

    spec = AnimationSpec.for_scene(scene, "race.gif", steps=200, fps=30, size=(1280, 720))
    export_animation(spec, progress=lambda done: print(f"{done:.0%}"))   # blocks until written

:class:`AnimationExport` is the same work one frame per ``next()``, for a GUI that draws the frames
between its own events (a QTimer calling ``next()``; Cancel calls ``cancel()``: nothing is left at ``out``).
"""
from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from playground.exports.gif_writer import MAX_GIF_FPS, GifWriter
from playground.exports.mp4_writer import MAX_MP4_FPS, Mp4Writer, check_mp4_size, require_imageio_ffmpeg

log = logging.getLogger(__name__)

FORMATS = (".gif", ".mp4")
#: Default frame counts stop here (ten seconds at 30 fps): a longer run is sampled, not shown step by step.
DEFAULT_MAX_FRAMES = 300


class ExportCancelled(Exception):
    """The export was cancelled; nothing was written."""


@dataclass(frozen=True)
class AnimationSpec:
    """What to animate and how; :meth:`for_scene` checks every field.

    Attributes
    ----------
    scene : dict
        A validated scene (its ``page`` picks the frame source).
    out : str
        ``.gif`` or ``.mp4`` path.
    steps : int or None
        Optimizer page: steps raced; ``frames`` frames show steps 0..steps evenly spaced.
    epochs : int or None
        Training page: epochs trained; a frame at epoch 0, every ``every`` epochs and at the end.
    frames : int or None
        Optimizer page: frames in the animation.
    every : int or None
        Training page: epochs between two frames.
    fps : int
    size : (int, int)
        Width and height in pixels.
    theme : str
        ``"light"`` or ``"dark"``.
    """

    scene: dict
    out: str
    steps: int | None
    epochs: int | None
    frames: int | None
    every: int | None
    fps: int
    size: tuple[int, int]
    theme: str

    @classmethod
    def for_scene(cls, scene: dict, out, steps: int | None = None, epochs: int | None = None,
                  frames: int | None = None, every: int | None = None, fps: int = 30,
                  size: tuple[int, int] = (1280, 720), theme: str | None = None) -> AnimationSpec:
        """A checked spec; ValueError (one line naming the option and its range) on bad input.

        Defaults: the scene's steps or epochs; one frame per step or epoch up to
        :data:`DEFAULT_MAX_FRAMES`; the scene's theme, else light.
        """
        from playground.exports.frame_sources import optimizer_steps, training_grab_epochs

        out = os.fspath(out)
        ext = os.path.splitext(out)[1].lower()
        if ext not in FORMATS:
            raise ValueError(f"--out must end in .gif or .mp4, got {out!r}")
        top = MAX_GIF_FPS if ext == ".gif" else MAX_MP4_FPS
        if not 1 <= int(fps) <= top:
            hint = (" (browsers slow GIF frames shorter than 20 ms; use .mp4 for more)"
                    if ext == ".gif" and int(fps) > top else "")
            raise ValueError(f"--fps must be 1-{top} for {ext[1:].upper()}{hint}, got {fps}")
        w, h = int(size[0]), int(size[1])
        if ext == ".mp4":
            check_mp4_size((w, h))
            require_imageio_ffmpeg()
        theme = theme or scene.get("theme") or "light"
        if theme not in ("light", "dark"):
            raise ValueError(f"--theme must be light or dark, got {theme!r}")
        page = scene.get("page")
        if page == "optimizer":
            if epochs is not None or every is not None:
                raise ValueError(f"--{'epochs' if epochs is not None else 'every'} is for training scenes; "
                                 "an optimizer scene takes --steps N (and --frames F)")
            steps = int(scene["steps"] if steps is None else steps)
            if steps < 1:
                raise ValueError(f"--steps must be at least 1, got {steps}")
            frames = int(min(steps + 1, DEFAULT_MAX_FRAMES) if frames is None else frames)
            optimizer_steps(steps, frames)
        elif page == "training":
            if steps is not None or frames is not None:
                raise ValueError(f"--{'steps' if steps is not None else 'frames'} is for optimizer scenes; "
                                 "a training scene takes --epochs N (and --every K)")
            epochs = int(scene.get("epochs", 100) if epochs is None else epochs)
            if epochs < 1:
                raise ValueError(f"--epochs must be at least 1, got {epochs}")
            every = int(-(-epochs // (DEFAULT_MAX_FRAMES - 1)) if every is None else every)
            training_grab_epochs(epochs, every)
        else:
            raise ValueError(f"cannot animate {page!r} scenes (only optimizer and training scenes)")
        return cls(scene=scene, out=out, steps=steps, epochs=epochs, frames=frames, every=every,
                   fps=int(fps), size=(w, h), theme=theme)

    @property
    def format(self) -> str:
        """``"gif"`` or ``"mp4"``."""
        return os.path.splitext(self.out)[1].lower()[1:]


@dataclass
class ExportResult:
    """What was written: ``frames`` frames to ``path`` in ``seconds`` (wall time, rendering included)."""

    path: str
    frames: int
    seconds: float


def frame_source(spec: AnimationSpec) -> Iterator:
    """The ``(done, rgb or None)`` steps of ``spec``'s page (needs a QApplication): see :mod:`.frame_sources`."""
    from playground.exports import frame_sources

    if spec.scene["page"] == "optimizer":
        return frame_sources.optimizer_frames(spec.scene, spec.size, spec.theme, spec.steps, spec.frames)
    return frame_sources.training_frames(spec.scene, spec.size, spec.theme, spec.epochs, spec.every)


#: Share of the progress bar the frames take; the rest is the encoder finishing (a GIF's encoding pass).
_FRAMES_SHARE = {"gif": 0.75, "mp4": 0.95}


class AnimationExport:
    """Export ``spec`` step by step: iterate it for the fraction done, rising to 1.0 at the end.

    Each ``next()`` does one step on the calling thread, which must be the GUI thread (the pages are
    widgets): one frame drawn and handed to the encoder's own thread, or one epoch trained between two
    frames; once the frames are done, each ``next()`` waits at most ``poll_s`` for the encoder to
    finish. :meth:`cancel` (or leaving a ``for`` loop over it with an exception) stops: nothing is
    written. The output appears at ``spec.out`` only once complete.

    Attributes
    ----------
    frames : int
        Frames drawn so far.
    written : bool
        True once the file is complete.
    """

    def __init__(self, spec: AnimationSpec, poll_s: float = 0.05):
        self.spec = spec
        self.poll_s = float(poll_s)
        self.frames = 0
        self.written = False
        self._steps = self._run()

    def __iter__(self) -> Iterator[float]:
        return self

    def __next__(self) -> float:
        return next(self._steps)

    def cancel(self) -> None:
        """Stop now; nothing is left at ``spec.out`` (safe to call after the end, and twice)."""
        self._steps.close()

    def _run(self) -> Iterator[float]:
        from playground.exports.writer_thread import WriterThread

        spec = self.spec
        writer = (GifWriter if spec.format == "gif" else Mp4Writer)(spec.out, spec.size, spec.fps)
        worker = WriterThread(writer)
        share = _FRAMES_SHARE[spec.format]
        source = frame_source(spec)
        try:
            for done, rgb in source:
                if rgb is not None:
                    worker.put(rgb)
                    self.frames += 1
                yield share * done
            source.close()  # the page goes before the encoder's last pass
            worker.finish()
            while not worker.wait(self.poll_s):
                encoded = getattr(writer, "encoded", 0) / max(writer.frames, 1)
                yield share + (1.0 - share) * encoded * 0.999  # 1.0 only once written
            self.written = worker.written
            yield 1.0
        finally:
            source.close()
            if not self.written:
                worker.abort()


def export_animation(spec: AnimationSpec, progress: Callable[[float], None] | None = None,
                     cancel: Callable[[], bool] | None = None) -> ExportResult:
    """Export ``spec``, calling ``progress(fraction)`` as it goes and stopping when ``cancel()`` is true.

    Raises
    ------
    ExportCancelled
        ``cancel()`` returned true; nothing was written.
    """
    t0 = time.perf_counter()
    work = AnimationExport(spec)
    try:
        for done in work:
            if progress is not None:
                progress(done)
            if cancel is not None and cancel():
                work.cancel()
                raise ExportCancelled(f"export of {spec.out} cancelled after {work.frames} frames")
    finally:
        work.cancel()
    seconds = time.perf_counter() - t0
    frames = work.frames
    log.info("animation %s: %d frames in %.1f s", spec.out, frames, seconds)
    return ExportResult(spec.out, frames, seconds)
