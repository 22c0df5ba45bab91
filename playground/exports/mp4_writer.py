"""An H.264 MP4 written one frame at a time through imageio-ffmpeg (the optional extra ``[video]``)."""
from __future__ import annotations

import os

import numpy as np

#: What to type when the extra is missing (the MP4 route says it in one line).
INSTALL_HINT = 'pip install "optimizer-playground[video]"'
MAX_MP4_FPS = 60


def check_mp4_size(size: tuple[int, int]) -> None:
    """ValueError unless width and height are even: H.264 in yuv420p halves the colour planes."""
    w, h = int(size[0]), int(size[1])
    if w % 2 or h % 2:
        raise ValueError(f"--size must be even in both directions for an MP4 (H.264 needs it), got {w}x{h}")


def require_imageio_ffmpeg():
    """The ``imageio_ffmpeg`` module, or ValueError with the one line that installs it."""
    try:
        import imageio_ffmpeg
    except ImportError:
        raise ValueError(f"MP4 export needs imageio-ffmpeg: {INSTALL_HINT}") from None
    return imageio_ffmpeg


class Mp4Writer:
    """Stream RGB frames into an MP4 (H.264, yuv420p, which every player reads).

    Parameters
    ----------
    path : str or os.PathLike
    size : (int, int)
        Width and height, both even (:func:`check_mp4_size`).
    fps : int
        1 to :data:`MAX_MP4_FPS`.
    """

    def __init__(self, path, size: tuple[int, int], fps: int):
        check_mp4_size(size)
        if not 1 <= int(fps) <= MAX_MP4_FPS:
            raise ValueError(f"fps for an MP4 must be 1-{MAX_MP4_FPS}, got {fps}")
        ffmpeg = require_imageio_ffmpeg()
        self.path = os.fspath(path)
        self.width, self.height = int(size[0]), int(size[1])
        self.frames = 0
        self._tmp = self.path + ".part.mp4"  # ffmpeg picks the container from the extension
        # macro_block_size 2: the default (16) pads 1080 to 1088 rows; 2 keeps the size asked for.
        # No metadata and bit-exact muxing: the same frames give the same file (x264 itself is deterministic).
        self._gen = ffmpeg.write_frames(self._tmp, (self.width, self.height), fps=int(fps), codec="libx264",
                                        pix_fmt_in="rgb24", pix_fmt_out="yuv420p", macro_block_size=2,
                                        quality=8, ffmpeg_log_level="error",
                                        output_params=["-map_metadata", "-1", "-fflags", "+bitexact"])
        self._gen.send(None)  # starts ffmpeg

    def append(self, rgb: np.ndarray) -> None:
        """Add one frame: a (height, width, 3) uint8 array."""
        if rgb.shape != (self.height, self.width, 3) or rgb.dtype != np.uint8:
            raise ValueError(f"a frame must be ({self.height}, {self.width}, 3) uint8, got {rgb.shape} {rgb.dtype}")
        self._gen.send(np.ascontiguousarray(rgb))
        self.frames += 1

    def abort(self) -> None:
        """Stop ffmpeg and remove what it wrote."""
        self._gen.close()
        if os.path.exists(self._tmp):
            os.remove(self._tmp)

    def close(self, stop=None) -> bool:
        """Finish the file (ValueError if no frame was added); True once written.

        ``stop`` is accepted for the same call as :meth:`GifWriter.close`: ffmpeg's last frames cannot be
        cut short, the caller removes the file instead.
        """
        self._gen.close()  # ffmpeg writes the index and exits
        if self.frames == 0:
            if os.path.exists(self._tmp):
                os.remove(self._tmp)
            raise ValueError("an animation needs at least one frame")
        os.replace(self._tmp, self.path)
        return True
