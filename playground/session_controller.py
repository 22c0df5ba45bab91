"""The main window's session: collect it, apply it, autosave it, and restore it after a crash.

A session is every page's model settings (``model.state()``), the current page, the theme and the
window's layout (size, splitters). Its results -- a trained run, computed maps -- go into a side
file beside it (:mod:`playground.session_results`). :class:`SessionController` builds both from the
window and puts them back; with ``autosave`` it also claims the home folder
(:mod:`playground.session_lock`), reopens the last autosave on start, and writes the autosave
(:class:`playground.autosave.Autosaver`) after every change of a saved setting or of a page's
results, and on close. ``render``, the scripting API and tests make windows without it.
"""
from __future__ import annotations

import datetime as _dt
import logging
from pathlib import Path

from PySide6.QtWidgets import QSplitter

from playground import session_results, sessions
from playground.background_writer import BackgroundWriter

log = logging.getLogger(__name__)


def _clock(saved: str) -> str:
    """"14:02" of an ISO time (the date too when it is not today); the text itself when unreadable."""
    try:
        when = _dt.datetime.fromisoformat(saved)
    except (TypeError, ValueError):
        return saved or "an unknown time"
    if when.date() == _dt.date.today():
        return when.strftime("%H:%M")
    return when.strftime("%Y-%m-%d %H:%M")


class SessionController:
    """Session of ``window`` (a :class:`playground.main_window.MainWindow`).

    Parameters
    ----------
    window : MainWindow

    Attributes
    ----------
    writer : BackgroundWriter
        Writes File > Save session's files off the GUI thread.
    """

    def __init__(self, window):
        self.window = window
        self.autosaver = None
        self.claim = None
        # What File > New session returns to: every page as it was built, before anything was opened.
        self._fresh = {kind: page.model.state() for kind, page in self._pages()}
        self.writer = BackgroundWriter(window, name="session-save")
        self.writer.sigFailed.connect(self._say)

    def _pages(self):
        return [(k, p) for k, p in self.window.pages.items() if hasattr(p, "model")]

    def _say(self, text: str) -> None:
        self.window.statusBar().showMessage(text, 10000)

    # -- the session as a dict -------------------------------------------------
    def collect(self) -> dict:
        """The whole app's settings as a session dict (see :mod:`playground.sessions`)."""
        w = self.window
        win = {"width": int(w.width()), "height": int(w.height()), "maximized": bool(w.isMaximized())}
        splitters = {kind: page.splitter_sizes() for kind, page in self._pages() if hasattr(page, "splitter_sizes")}
        splitters = {k: v for k, v in splitters.items() if v}
        if splitters:
            win["splitters"] = splitters
        return {"page": w.current_kind(), "theme": w.theme_name(), "window": win,
                "pages": {kind: page.model.state() for kind, page in self._pages()}}

    def collect_results(self, session: dict) -> dict:
        """The pages' results (a trained run, computed maps) for ``session``'s settings
        (:func:`playground.session_results.collect`), taken on the GUI thread."""
        return session_results.collect(dict(self._pages()), session)

    def apply(self, session: dict) -> str:
        """Put a validated session (:func:`playground.sessions.parse_session`) into the window.

        Every page's state was checked on a fresh model when the file was read, so this does not fail
        half-way on bad input. The results beside the file are shown where they belong to these settings.

        Returns
        -------
        str
            A note for the status bar when saved results could not be shown ("" otherwise).
        """
        w = self.window
        if session.get("theme") and session["theme"] != w.theme_name():  # a re-style costs a full relayout
            w.set_theme(session["theme"])
        for kind, state in session["pages"].items():
            page = w.pages.get(kind)
            if page is not None and hasattr(page, "model"):
                page.model.set_state(state)
        win = session.get("window") or {}
        if win.get("maximized"):
            w.showMaximized()
        elif win.get("width") and win.get("height"):
            w.resize(int(win["width"]), int(win["height"]))
            w.fit_screen()
        splitters = win.get("splitters") or {}
        for kind, page in self._pages():
            if hasattr(page, "set_splitter_sizes"):  # none saved: the page's own layout
                page.set_splitter_sizes(splitters.get(kind, []))
        if session.get("page") in w.pages:
            w.tabs.setCurrentWidget(w.pages[session["page"]])
        return self._show_results(session)

    def _show_results(self, session: dict) -> str:
        """Show the side file's results on the pages they belong to; a note for what could not be."""
        try:
            path, left = session_results.restore(dict(self.window.pages), session)
        except ValueError as exc:
            log.warning("%s", exc)
            return f"Results not restored ({exc}): press Play or Compute to compute them again."
        except Exception as exc:  # noqa: BLE001 - a side file must never break opening the session
            log.exception("reading the results of %s failed", session.get("source"))
            return (f"Results not restored ({session.get('results')}: {type(exc).__name__}): "
                    "press Play or Compute to compute them again.")
        if left:
            return f"Some results in {path} were not restored ({'; '.join(left)}): compute them again."
        return ""

    def fresh(self) -> None:
        """Every page back to how a new window shows it (File > New session)."""
        for kind, page in self._pages():
            page.model.set_state(self._fresh[kind])

    # -- files -----------------------------------------------------------------
    def save(self, path: str | Path) -> None:
        """Write the session to ``path`` (OSError or ValueError on failure), and its results beside it.

        The settings (small TOML) are checked and written here, as before; the side file (arrays, up
        to a few MB) is written by :attr:`writer`, off the GUI thread, and a failure there shows in the
        status bar. :meth:`wait_saved` waits for it.
        """
        session = self.collect()
        session["saved"] = sessions.now_stamp()
        results = self.collect_results(session)
        side = session_results.results_path(path)
        if results:
            session["results"] = side.name
        sessions.save_session(session, path)
        self.writer.submit(f"Writing the results to {side}", session_results.write_side_file, side,
                           session["saved"], results)

    def wait_saved(self, timeout_s: float = 10.0) -> bool:
        """Wait until the files of every :meth:`save` so far are written (and reported); False on timeout."""
        return self.writer.wait(timeout_s)

    # -- autosave and recovery -------------------------------------------------
    def start_autosave(self, home: Path, restore: bool) -> str:
        """Claim ``home``, reopen its last autosave when ``restore``, and autosave from now on.

        Returns
        -------
        str
            What to tell the user in the status bar ("" when nothing was reopened).
        """
        from playground.autosave import Autosaver
        from playground.session_lock import claim

        self.claim = claim(home)
        note = ""
        if restore and self.claim.autosave.exists():
            note = self._restore(self.claim.autosave, crashed=self.claim.crashed)
        self.autosaver = Autosaver(self.claim.autosave, self.collect, parent=self.window,
                                   collect_results=self.collect_results)
        self.autosaver.sigFailed.connect(self._say)
        for _kind, page in self._pages():
            saved = set(type(page.model).saved_fields())
            page.model.events.all.connect(lambda info, saved=saved: self._on_model_event(info, saved))
            page.model.loaded.connect(self.changed)  # a scene or session replaced many fields at once
            if hasattr(page, "sigResultsChanged"):
                page.sigResultsChanged.connect(self.changed)  # a run paused or ended, a map came back
            for split in page.findChildren(QSplitter):  # the window layout is saved too
                split.splitterMoved.connect(self.changed)
        return note

    def _restore(self, path: Path, crashed: bool) -> str:
        try:
            session = sessions.read_session(path)
        except ValueError as exc:
            bad = path.with_name(path.stem + ".unreadable.toml")
            try:
                path.replace(bad)
            except OSError:
                bad = path
            log.warning("the autosave could not be reopened: %s (kept as %s)", exc, bad)
            return f"The last session could not be reopened ({exc}); it is kept as {bad}."
        note = self.apply(session)
        note = f" {note}" if note else ""
        when = _clock(session.get("saved", ""))
        if crashed:
            return f"Recovered the session from {when}: the app did not close properly last time.{note}"
        return f"Reopened your session from {when}. File > New session starts afresh.{note}"

    def _on_model_event(self, info, saved: set) -> None:
        if info.signal.name in saved:
            self.changed()

    def changed(self, *_args) -> None:
        """A saved setting changed (a model field, the theme, the page shown): autosave soon."""
        if self.autosaver is not None:
            self.autosaver.changed()

    def close(self) -> None:
        """Write the autosave a last time, finish File > Save session's writes, give the home folder back."""
        if self.autosaver is not None:
            self.autosaver.close(save=True)
            self.autosaver = None
        self.writer.close()
        if self.claim is not None:
            self.claim.release()
            self.claim = None
