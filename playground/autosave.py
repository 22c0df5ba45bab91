"""Autosave: the session written within two seconds of any change, and on close, by a worker.

The GUI thread only takes the session's settings (plain dicts, cheap) when the debounce timer
fires; turning them into TOML and writing the file (atomically: a temporary file, fsync, rename)
happen on one worker thread, in order, so a later save never loses to an earlier one.
"""
from __future__ import annotations

import concurrent.futures as cf
import copy
import logging
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal

from playground.sessions import atomic_write, session_text

log = logging.getLogger(__name__)

DELAY_MS = 1500  # after the first unsaved change; later changes do not push the write back


def _write(path: Path, session: dict) -> Path:
    atomic_write(path, session_text(session))
    return path


class Autosaver(QObject):
    """Writes ``collect()`` to ``path`` after a change.

    Parameters
    ----------
    path : Path
        The autosave file.
    collect : callable() -> dict
        The session as a dict (called on the GUI thread when a save is due).

    Signals
    -------
    sigSaved(str)
        The file was written (emitted on the GUI thread).
    sigFailed(str)
        Writing failed: one line (the log has the details).
    """

    sigSaved = Signal(str)
    sigFailed = Signal(str)

    def __init__(self, path: Path, collect, parent=None):
        super().__init__(parent)
        self.path = Path(path)
        self._collect = collect
        self._pool = cf.ThreadPoolExecutor(max_workers=1, thread_name_prefix="autosave")
        self._timer = QTimer(self)
        self._timer.setObjectName("autosave")
        self._timer.setSingleShot(True)
        self._timer.setInterval(DELAY_MS)
        self._timer.timeout.connect(self.save_now)
        self._poll = QTimer(self)  # results of the worker, read on the GUI thread
        self._poll.setInterval(100)
        self._poll.timeout.connect(self._check_done)
        self._futures: list[cf.Future] = []
        self.enabled = True
        self.saves = 0

    def changed(self, *_args) -> None:
        """Something the session holds changed: save within ``DELAY_MS``."""
        if self.enabled and not self._timer.isActive() and self._pool is not None:
            self._timer.start()

    def pending(self) -> bool:
        """A save is scheduled or being written."""
        return self._timer.isActive() or any(not f.done() for f in self._futures)

    def save_now(self) -> None:
        """Take the session now and write it on the worker."""
        self._timer.stop()
        if self._pool is None or not self.enabled:
            return
        try:
            session = copy.deepcopy(self._collect())
        except Exception as exc:  # noqa: BLE001 - an autosave must never break the app
            log.exception("collecting the session for the autosave failed")
            self.sigFailed.emit(f"Autosave failed: {exc}".splitlines()[0])
            return
        self._futures.append(self._pool.submit(_write, self.path, session))
        if not self._poll.isActive():
            self._poll.start()

    def _check_done(self) -> None:
        keep = []
        for fut in self._futures:
            if not fut.done():
                keep.append(fut)
                continue
            exc = fut.exception()
            if exc is not None:
                log.error("autosave to %s failed", self.path, exc_info=exc)
                self.sigFailed.emit(f"Autosave to {self.path} failed: {exc}".splitlines()[0])
            else:
                self.saves += 1
                self.sigSaved.emit(str(self.path))
        self._futures = keep
        if not keep:
            self._poll.stop()

    def close(self, save: bool = True, timeout_s: float = 5.0) -> None:
        """Write a last time (if ``save``), wait for the worker, and stop it (safe to call twice)."""
        if self._pool is None:
            return
        if save and self.enabled:
            self.save_now()
        self._timer.stop()
        pool, self._pool = self._pool, None
        done, not_done = cf.wait(self._futures, timeout=timeout_s)
        if not_done:
            log.warning("the autosave worker did not finish within %s s", timeout_s)
        self._check_done()
        self._poll.stop()
        pool.shutdown(wait=not not_done)
