"""Files written by one worker thread, in order, with their failures reported on the GUI thread.

The autosave and the results side file of File > Save session both write here: the GUI thread
hands over plain data and returns at once; the worker turns it into bytes and writes the file
(atomically, by the function given). A poll timer on the GUI thread turns each finished write
into ``sigDone`` or ``sigFailed`` (a Qt signal emitted from the worker would run its slots there).
"""
from __future__ import annotations

import concurrent.futures as cf
import logging

from PySide6.QtCore import QObject, QTimer, Signal

log = logging.getLogger(__name__)


class BackgroundWriter(QObject):
    """One worker thread that runs write functions in the order they were submitted.

    Signals
    -------
    sigDone(str)
        A write finished; its ``what`` (emitted on the GUI thread).
    sigFailed(str)
        A write raised: one line, ``"<what> failed: <error>"`` (the log has the details).
    """

    sigDone = Signal(str)
    sigFailed = Signal(str)

    def __init__(self, parent=None, name: str = "writer"):
        super().__init__(parent)
        self._pool: cf.ThreadPoolExecutor | None = cf.ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)
        self._poll = QTimer(self)
        self._poll.setInterval(100)
        self._poll.timeout.connect(self._check_done)
        self._futures: list[tuple[cf.Future, str]] = []

    @property
    def open(self) -> bool:
        """Writes are still taken (False after :meth:`close`)."""
        return self._pool is not None

    def submit(self, what: str, fn, *args) -> cf.Future | None:
        """Run ``fn(*args)`` on the worker; ``what`` names it in the signals (None once closed)."""
        if self._pool is None:
            return None
        fut = self._pool.submit(fn, *args)
        self._futures.append((fut, what))
        if not self._poll.isActive():
            self._poll.start()
        return fut

    def pending(self) -> bool:
        """A write is queued or under way."""
        return any(not f.done() for f, _ in self._futures)

    def wait(self, timeout_s: float = 5.0) -> bool:
        """Wait for every write submitted so far and report them; False if one is still running."""
        _done, not_done = cf.wait([f for f, _ in self._futures], timeout=timeout_s)
        self._check_done()
        return not not_done

    def _check_done(self) -> None:
        keep = []
        for fut, what in self._futures:
            if not fut.done():
                keep.append((fut, what))
                continue
            exc = fut.exception()
            if exc is not None:
                log.error("%s failed", what, exc_info=exc)
                self.sigFailed.emit(f"{what} failed: {exc}".splitlines()[0])
            else:
                self.sigDone.emit(what)
        self._futures = keep
        if not keep:
            self._poll.stop()

    def close(self, timeout_s: float = 5.0) -> None:
        """Wait for the writes under way (up to ``timeout_s``) and stop the worker (safe to call twice)."""
        if self._pool is None:
            return
        finished = self.wait(timeout_s)
        if not finished:
            log.warning("the %s worker did not finish within %s s", self._pool._thread_name_prefix, timeout_s)
        self._poll.stop()
        pool, self._pool = self._pool, None
        pool.shutdown(wait=finished)
