"""Autosave: the session written within two seconds of any change, and on close, by a worker.

The GUI thread only takes the session's settings (plain dicts, cheap) and its pages' results (the
arrays a trained run or a map showed: references, and copies of what grows in place) when the
debounce timer fires; turning them into TOML and ``.npz`` and writing the files (atomically: a
temporary file, fsync, rename) happen on one worker thread (:class:`BackgroundWriter`), in order,
so a later save never loses to an earlier one.
"""
from __future__ import annotations

import copy
import logging
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal

from playground.background_writer import BackgroundWriter
from playground.sessions import atomic_write, now_stamp, session_text

log = logging.getLogger(__name__)

DELAY_MS = 1500  # after the first unsaved change; later changes do not push the write back


def write_session_files(path: Path, session: dict, results: dict | None = None) -> Path:
    """Write ``session`` to ``path`` and its ``results`` to the side file beside it (worker side).

    ``results``: ``{kind: {"settings": hash, "results": tree}}`` (:mod:`playground.session_results`);
    empty or None removes a side file left from an earlier save. The side file goes first: the
    session names it, and a crash in between leaves a side file of another ``saved`` stamp, which
    the session then refuses to use.
    """
    from playground import session_results

    side = session_results.results_path(path)
    session = dict(session)
    session_results.write_side_file(side, session["saved"], results or {})
    if results:
        session["results"] = side.name  # the session names its side file
    else:
        session.pop("results", None)
    atomic_write(path, session_text(session))
    return path


def _write(path: Path, session: dict, results: dict | None = None) -> Path:
    return write_session_files(path, session, results)


class Autosaver(QObject):
    """Writes ``collect()`` to ``path`` after a change.

    Parameters
    ----------
    path : Path
        The autosave file.
    collect : callable() -> dict
        The session as a dict (called on the GUI thread when a save is due).
    collect_results : callable(session) -> dict, optional
        The pages' results for the side file, for the settings in ``session`` (GUI thread too).

    Signals
    -------
    sigSaved(str)
        The file was written (emitted on the GUI thread).
    sigFailed(str)
        Writing failed: one line (the log has the details).
    """

    sigSaved = Signal(str)
    sigFailed = Signal(str)

    def __init__(self, path: Path, collect, parent=None, collect_results=None):
        super().__init__(parent)
        self.path = Path(path)
        self._collect = collect
        self._collect_results = collect_results
        self._writer = BackgroundWriter(self, name="autosave")
        self._writer.sigDone.connect(self._on_written)
        self._writer.sigFailed.connect(self.sigFailed)
        self._timer = QTimer(self)
        self._timer.setObjectName("autosave")
        self._timer.setSingleShot(True)
        self._timer.setInterval(DELAY_MS)
        self._timer.timeout.connect(self.save_now)
        self.enabled = True
        self.saves = 0

    def changed(self, *_args) -> None:
        """Something the session holds changed: save within ``DELAY_MS``."""
        if self.enabled and not self._timer.isActive() and self._writer.open:
            self._timer.start()

    def pending(self) -> bool:
        """A save is scheduled or being written."""
        return self._timer.isActive() or self._writer.pending()

    def save_now(self) -> None:
        """Take the session now and write it on the worker."""
        self._timer.stop()
        if not self._writer.open or not self.enabled:
            return
        try:
            session = copy.deepcopy(self._collect())
            session["saved"] = now_stamp()
            results = self._collect_results(session) if self._collect_results is not None else None
        except Exception as exc:  # noqa: BLE001 - an autosave must never break the app
            log.exception("collecting the session for the autosave failed")
            self.sigFailed.emit(f"Autosave failed: {exc}".splitlines()[0])
            return
        args = (self.path, session) if results is None else (self.path, session, results)
        self._writer.submit(f"Autosave to {self.path}", _write, *args)

    def _on_written(self, _what: str) -> None:
        self.saves += 1
        self.sigSaved.emit(str(self.path))

    def close(self, save: bool = True, timeout_s: float = 5.0) -> None:
        """Write a last time (if ``save``), wait for the worker, and stop it (safe to call twice)."""
        if not self._writer.open:
            return
        if save and self.enabled:
            self.save_now()
        self._timer.stop()
        self._writer.close(timeout_s)
