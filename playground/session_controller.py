"""The main window's session: collect it, apply it, autosave it, and restore it after a crash.

A session is every page's model settings (``model.state()``), the current page, the theme and the
window's size. :class:`SessionController` builds it from the window and puts it back; with
``autosave`` it also claims the home folder (:mod:`playground.session_lock`), reopens the last
autosave on start, and writes the autosave (:class:`playground.autosave.Autosaver`) after every
change of a saved setting and on close. ``render``, the scripting API and tests make windows without it.
"""
from __future__ import annotations

import datetime as _dt
import logging
from pathlib import Path

from playground import sessions

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
    """

    def __init__(self, window):
        self.window = window
        self.autosaver = None
        self.claim = None
        # What File > New session returns to: every page as it was built, before anything was opened.
        self._fresh = {kind: page.model.state() for kind, page in self._pages()}

    def _pages(self):
        return [(k, p) for k, p in self.window.pages.items() if hasattr(p, "model")]

    # -- the session as a dict -------------------------------------------------
    def collect(self) -> dict:
        """The whole app's settings as a session dict (see :mod:`playground.sessions`)."""
        w = self.window
        win = {"width": int(w.width()), "height": int(w.height()), "maximized": bool(w.isMaximized())}
        return {"page": w.current_kind(), "theme": w.theme_name(), "window": win,
                "pages": {kind: page.model.state() for kind, page in self._pages()}}

    def apply(self, session: dict) -> None:
        """Put a validated session (:func:`playground.sessions.parse_session`) into the window.

        Every page's state was checked on a fresh model when the file was read, so this does not fail
        half-way on bad input.
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
        if session.get("page") in w.pages:
            w.tabs.setCurrentWidget(w.pages[session["page"]])

    def fresh(self) -> None:
        """Every page back to how a new window shows it (File > New session)."""
        for kind, page in self._pages():
            page.model.set_state(self._fresh[kind])

    # -- files -----------------------------------------------------------------
    def save(self, path: str | Path) -> None:
        """Write the session to ``path`` (OSError or ValueError on failure)."""
        sessions.save_session(self.collect(), path)

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
        self.autosaver = Autosaver(self.claim.autosave, self.collect, parent=self.window)
        self.autosaver.sigFailed.connect(lambda text: self.window.statusBar().showMessage(text, 10000))
        for _kind, page in self._pages():
            saved = set(type(page.model).saved_fields())
            page.model.events.all.connect(lambda info, saved=saved: self._on_model_event(info, saved))
            page.model.loaded.connect(self.changed)  # a scene or session replaced many fields at once
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
        self.apply(session)
        when = _clock(session.get("saved", ""))
        if crashed:
            return f"Recovered the session from {when}: the app did not close properly last time."
        return f"Reopened your session from {when}. File > New session starts afresh."

    def _on_model_event(self, info, saved: set) -> None:
        if info.signal.name in saved:
            self.changed()

    def changed(self, *_args) -> None:
        """A saved setting changed (a model field, the theme, the page shown): autosave soon."""
        if self.autosaver is not None:
            self.autosaver.changed()

    def close(self) -> None:
        """Write the autosave a last time and give the home folder back (a clean exit)."""
        if self.autosaver is not None:
            self.autosaver.close(save=True)
            self.autosaver = None
        if self.claim is not None:
            self.claim.release()
            self.claim = None
