"""An animated GIF written one frame at a time through Pillow, every frame kept and timed to the frame rate.

Two things Pillow's ``save(save_all=True)`` does are wrong for an animation of a page (docs/traps.md):

- GIF stores a frame's duration in hundredths of a second and Pillow truncates the milliseconds, so
  33.3 ms (30 fps) became 30 ms and the animation ran fast. :func:`frame_durations_ms` spreads the
  rounding instead (30 fps: 30, 40, 30 ms...), so that frame ``i`` ends at ``round(100 (i + 1) / fps)``
  hundredths of a second and the whole lasts ``frames / fps`` seconds to the hundredth.
- Pillow merges identical consecutive frames into one, whatever ``optimize`` or ``disposal`` say. This
  writer lays the file out itself with Pillow's GIF header and frame encoders
  (``GifImagePlugin.getheader`` / ``getdata``), so each frame given is one frame in the file.

Every frame uses one global palette, made from frames sampled over the whole animation, and an ordered
(Bayer) dither: a palette per frame, or error diffusion (Floyd-Steinberg), makes still parts of the page
shimmer from frame to frame, since a change anywhere moves the diffused error below it; an ordered dither
depends on the pixel's position only, so what stays still stays the same, and gradients (the loss surface,
the decision surface) do not break into bands. A frame is stored as the rectangle that changed since the
previous one (an unchanged frame as one pixel), which keeps files of a page where little moves small.
"""
from __future__ import annotations

import os
import tempfile

import numpy as np

#: Browsers show a GIF frame shorter than 20 ms for 100 ms, so a GIF's frame rate stops at 50.
MAX_GIF_FPS = 50
_PALETTE_SAMPLES = 32  # frames sampled (evenly over the animation) to choose the 256 colours
_DITHER_AMPLITUDE = 12  # peak-to-peak, in 0-255 units: about the gap between neighbouring palette colours


def _bayer(n: int = 8) -> np.ndarray:
    """The n x n Bayer threshold matrix, scaled to (-0.5, 0.5)."""
    b = np.zeros((1, 1))
    while b.shape[0] < n:
        b = np.block([[4 * b, 4 * b + 2], [4 * b + 3, 4 * b + 1]])
    return (b + 0.5) / b.size - 0.5


_BAYER = _bayer()


def ordered_dither(rgb: np.ndarray) -> np.ndarray:
    """``rgb`` plus the Bayer pattern (the same offset at the same pixel in every frame), as uint8."""
    h, w, _ = rgb.shape
    reps = (h // _BAYER.shape[0] + 1, w // _BAYER.shape[1] + 1)
    offset = np.tile(_BAYER, reps)[:h, :w, None] * _DITHER_AMPLITUDE
    return np.clip(rgb + offset, 0, 255).astype(np.uint8)


def frame_durations_ms(n_frames: int, fps: int) -> list[int]:
    r"""Durations of ``n_frames`` GIF frames at ``fps``, in ms, each a multiple of 10.

    Frame :math:`i` ends at :math:`t_i = \operatorname{round}(100 (i + 1) / \mathrm{fps})` hundredths of a
    second, so its duration is :math:`10 (t_i - t_{i-1})` ms and every frame ends within 5 ms of its exact
    time: at 30 fps the durations go 30, 40, 30, 30, 40, 30... and 30 frames last exactly 1000 ms.

    Parameters
    ----------
    n_frames : int
    fps : int
        1 to :data:`MAX_GIF_FPS`.
    """
    if not 1 <= int(fps) <= MAX_GIF_FPS:
        raise ValueError(f"fps for a GIF must be 1-{MAX_GIF_FPS}, got {fps}")

    def end_cs(i: int) -> int:  # round half up of 100 i / fps, in integers
        return (200 * i + fps) // (2 * fps)

    return [10 * (end_cs(i + 1) - end_cs(i)) for i in range(int(n_frames))]


class GifWriter:
    """Collect RGB frames, then write them as one looping GIF on :meth:`close`.

    The frames wait in a temporary file (raw RGB, not memory: a 1920x1080 frame is 6 MB), because the
    palette is chosen from frames of the whole animation.

    Parameters
    ----------
    path : str or os.PathLike
    size : (int, int)
        Width and height of every frame.
    fps : int
        1 to :data:`MAX_GIF_FPS`.
    """

    def __init__(self, path, size: tuple[int, int], fps: int):
        frame_durations_ms(0, fps)  # the fps check, before anything is written
        self.path = os.fspath(path)
        self.width, self.height = int(size[0]), int(size[1])
        self.fps = int(fps)
        self.frames = 0
        #: Frames encoded so far by :meth:`close` (its progress).
        self.encoded = 0
        self._raw = tempfile.TemporaryFile(prefix="playground-gif-")

    def append(self, rgb: np.ndarray) -> None:
        """Add one frame: a (height, width, 3) uint8 array."""
        if rgb.shape != (self.height, self.width, 3) or rgb.dtype != np.uint8:
            raise ValueError(f"a frame must be ({self.height}, {self.width}, 3) uint8, got {rgb.shape} {rgb.dtype}")
        self._raw.write(np.ascontiguousarray(rgb).tobytes())
        self.frames += 1

    def abort(self) -> None:
        """Drop the frames; nothing is written."""
        self._raw.close()

    def close(self, stop=None) -> bool:
        """Write the GIF (ValueError if no frame was added); True once written.

        ``stop()``, checked before each frame is encoded, ends the work early: nothing is written and
        the result is False.
        """
        try:
            if self.frames == 0:
                raise ValueError("an animation needs at least one frame")
            return self._write(stop or (lambda: False))
        finally:
            self._raw.close()

    # -- writing -------------------------------------------------------------------------
    def _frames(self) -> np.ndarray:
        self._raw.flush()
        return np.memmap(self._raw, dtype=np.uint8, mode="r", shape=(self.frames, self.height, self.width, 3))

    def _palette(self, frames: np.ndarray):
        from PIL import Image

        picks = np.unique(np.linspace(0, self.frames - 1, min(_PALETTE_SAMPLES, self.frames)).round().astype(int))
        mosaic = np.concatenate([frames[i, ::4, ::4] for i in picks], axis=0)  # one pixel in 16 is plenty
        # An octree, not median cut: median cut spends the colours where the pixels are (flat panels), and
        # mapped a colour seen in one frame only (the untrained network's grey) to a far one.
        return Image.fromarray(mosaic, "RGB").quantize(256, method=Image.Quantize.FASTOCTREE,
                                                       dither=Image.Dither.NONE)

    def _write(self, stop) -> bool:
        from PIL import GifImagePlugin, Image

        frames = self._frames()
        palette = self._palette(frames)
        durations = frame_durations_ms(self.frames, self.fps)
        tmp = self.path + ".part"
        prev = None
        with open(tmp, "wb") as fp:
            for i in range(self.frames):
                if stop():
                    break
                im = Image.fromarray(ordered_dither(np.asarray(frames[i])), "RGB").quantize(
                    palette=palette, dither=Image.Dither.NONE)
                idx = np.asarray(im)
                if prev is None:
                    header, _used = GifImagePlugin.getheader(im, info={"loop": 0, "duration": durations[0]})
                    fp.write(b"".join(header))
                    box = (0, 0, self.width, self.height)
                else:
                    box = _changed_box(prev, idx)
                part = im if box == (0, 0, self.width, self.height) else im.crop(box)
                # disposal 1 ("leave in place"): a frame that is a changed rectangle draws over the last one.
                fp.write(b"".join(GifImagePlugin.getdata(part, offset=box[:2], duration=durations[i], disposal=1)))
                prev = idx
                self.encoded = i + 1
            fp.write(b";")
        del frames
        if self.encoded < self.frames:
            os.remove(tmp)
            return False
        os.replace(tmp, self.path)
        return True


def _changed_box(prev: np.ndarray, cur: np.ndarray) -> tuple[int, int, int, int]:
    """(left, top, right, bottom) of the pixels that differ; one pixel at the origin if none does."""
    diff = prev != cur
    rows, cols = np.flatnonzero(diff.any(axis=1)), np.flatnonzero(diff.any(axis=0))
    if rows.size == 0:
        return (0, 0, 1, 1)
    return (int(cols[0]), int(rows[0]), int(cols[-1]) + 1, int(rows[-1]) + 1)
