"""An animation writer (GIF or MP4) fed from its own thread, so the GUI thread only draws the frames.

The pages are widgets and are drawn on the GUI thread; encoding needs no Qt. On its own thread the
encoder works while the next frame is drawn, and the GIF's palette and encoding pass, or ffmpeg's last
frames, run while the GUI keeps handling events (a progress bar, Cancel).
"""
from __future__ import annotations

import logging
import os
import queue
import threading

log = logging.getLogger(__name__)

_END = object()


class WriterThread:
    """Run ``writer.append`` for each :meth:`put` frame and ``writer.close`` at :meth:`finish`, on a thread.

    Parameters
    ----------
    writer : GifWriter or Mp4Writer
        Anything with ``append(rgb)``, ``close(stop) -> bool`` and ``abort()``.
    depth : int
        Frames that may wait in the queue (each a full RGB frame in memory).
    """

    def __init__(self, writer, depth: int = 4):
        self.writer = writer
        self._queue: queue.Queue = queue.Queue(maxsize=depth)
        self._stop = threading.Event()
        self._error: BaseException | None = None
        self.written = False
        self._thread = threading.Thread(target=self._run, name="animation-writer", daemon=True)
        self._thread.start()

    def put(self, rgb) -> None:
        """Queue one frame (waits while the queue is full); re-raises the writer's error, if it had one."""
        self._offer(rgb)

    def finish(self) -> None:
        """No more frames: the writer closes (writes the file) once the queue is empty."""
        self._offer(_END)

    def _offer(self, item) -> None:
        self._raise()
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.1)
                return
            except queue.Full:
                self._raise()  # a writer that failed takes no more: its error, not a wait for ever

    def wait(self, timeout: float) -> bool:
        """Wait at most ``timeout`` seconds for the writer to end; True once it has (error re-raised)."""
        self._thread.join(timeout)
        if self._thread.is_alive():
            return False
        self._raise()
        return True

    def abort(self) -> None:
        """Stop, wait for the thread, and remove whatever the writer had written."""
        self._stop.set()
        try:
            self._queue.put_nowait(_END)  # wakes a thread waiting for a frame
        except queue.Full:
            pass  # the thread sees the stop flag after its current frame
        self._thread.join()
        try:
            self.writer.abort()
        except (OSError, ValueError) as exc:  # already closed or removed: nothing left to clean
            log.debug("animation writer abort: %s", exc)
        if self.written and os.path.exists(self.writer.path):  # finished just before the stop: nothing left
            os.remove(self.writer.path)

    def _raise(self) -> None:
        if self._error is not None:
            raise self._error

    def _run(self) -> None:
        try:
            while not self._stop.is_set():
                item = self._queue.get()
                if item is _END:
                    break
                self.writer.append(item)
            if not self._stop.is_set():
                self.written = self.writer.close(stop=self._stop.is_set)
        except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread by put/wait
            self._error = exc
