"""The search page's "Studies" tab: the studies of the page's storage, opened, resumed or deleted.

The storage is read and written in the page's worker host child ("call" jobs of
:mod:`playground.search.studies_list`), never on the GUI thread; one such job runs at a time. What
the list shows and why a study cannot be resumed are the model's (``studies``, ``studies_error``,
``read_only``); this helper only moves them between the child, the model and the view.
"""
from __future__ import annotations

import functools

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QMessageBox

from playground.pages.search.texts import counts_text
from playground.search.storage import describe
from playground.search.studies_list import delete_call, list_call, load_call
from widgets.search.study_list import StudyList

TAB_TITLE = "Studies"


class StudiesTab(QObject):
    """The study list of ``page`` (a tab of ``page.tabs_left``) and what its buttons do.

    Attributes
    ----------
    view : StudyList
    confirm : callable(str) -> bool
        Asks before a delete (a QMessageBox); tests replace it to answer without a dialog.
    """

    def __init__(self, page):
        super().__init__(page)
        self.page = page
        self.view = StudyList(page.theme)
        page.tabs_left.addTab(self.view, TAB_TITLE)
        self.confirm = self._ask
        self._job: int | None = None
        self._kind: tuple = ()          # ("list",) | ("open", name, resume) | ("delete", name)
        self._again = False             # a refresh asked for while a job ran
        self._listed_url: str | None = None
        v = self.view
        v.sigOpen.connect(self.open)
        v.sigResume.connect(self.resume)
        v.sigDelete.connect(self.delete)
        v.sigRefresh.connect(self.refresh)
        page.tabs_left.currentChanged.connect(self._maybe_refresh)
        page.link.sigFinished.connect(self._after_search)
        page.model.events.storage.connect(self._maybe_refresh)
        page.model.loaded.connect(self._maybe_refresh)

    # -- actions ---------------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        return self._job is not None

    def refresh(self) -> bool:
        """Read the storage's studies again (later, if a job of the list runs now)."""
        if self.busy:
            self._again = True
            return False
        url = self.page.model.storage_url()
        self._listed_url = url
        return self._submit(functools.partial(list_call, url), ("list",))

    def open(self, name: str, resume: bool = False) -> bool:
        """Read study ``name``'s trials and settings into the page (then resume it if ``resume``)."""
        m = self.page.model
        if m.running:
            m.say("A search is running: cancel it before opening another study.", error=True)
            return False
        if resume:
            row = self.view.row(name)
            if row is not None and not row.get("from_app"):
                m.say(f"Study {name!r} was not written by this app (it records no search space): it can be "
                      "opened for viewing, not resumed.", error=True)
                return False
        if self.busy:
            return False
        m.say(f"Reading study {name!r}…")
        return self._submit(functools.partial(load_call, m.storage_url(), name), ("open", name, resume))

    def resume(self, name: str) -> bool:
        """Open study ``name`` and continue it up to its number of trials."""
        return self.open(name, resume=True)

    def delete(self, name: str) -> bool:
        """Delete study ``name`` from the storage, once :attr:`confirm` says yes (never the running one)."""
        m = self.page.model
        if m.running and name == m.study:
            m.say(f"Study {name!r} is running: cancel it before deleting it.", error=True)
            return False
        if self.busy:
            return False
        row = self.view.row(name) or {}
        n = sum(int(row.get(k, 0) or 0) for k in ("complete", "pruned", "failed", "waiting"))
        if not self.confirm(f"Delete study {name!r} and its {n} trials from {describe(m.storage_url())}? "
                            "This cannot be undone."):
            return False
        return self._submit(functools.partial(delete_call, m.storage_url(), name), ("delete", name))

    def _ask(self, text: str) -> bool:
        answer = QMessageBox.question(self.page, "Delete the study?", text,
                                      QMessageBox.Yes | QMessageBox.No, QMessageBox.No)
        return answer == QMessageBox.Yes

    # -- the child's answers -----------------------------------------------------------------
    def _submit(self, fn, kind: tuple) -> bool:
        link = self.page.link
        job = link.submit_call(fn, self._on_message)
        if job is None:
            host = link.host
            self._show_list_error(getattr(host, "last_error", None) or "the search process could not start")
            return False
        self._job, self._kind = job, kind
        self.view.set_busy(True)
        return True

    def _on_message(self, msg) -> None:
        from playground.workers.messages import Failed, Finished, Result

        if msg.job_id != self._job:
            return
        kind = self._kind
        if isinstance(msg, Result):
            getattr(self, f"_got_{kind[0]}")(msg.value, *kind[1:])
        elif isinstance(msg, Failed):
            if kind[0] == "list":
                self._show_list_error(msg.text)
            else:
                self.page.model.say(msg.text, error=True)
        elif isinstance(msg, Finished):
            self._job, self._kind = None, ()
            self.view.set_busy(False)
            if msg.reason == "died":
                self.page.model.say("The search process died while reading the storage.", error=True)
            if kind and kind[0] == "delete" or self._again:
                self._again = False
                self.refresh()

    def _got_list(self, rows: list, *_):
        m = self.page.model
        m.studies, m.studies_error = tuple(rows), ""
        self.view.set_rows(rows)
        where = describe(self._listed_url or m.storage_url())
        self.view.set_message(f"{len(rows)} studies in {where}." if rows else f"No studies in {where} yet.")
        if m.study and self.view.selected() is None:
            self.view.select(m.study)

    def _show_list_error(self, text: str) -> None:
        m = self.page.model
        m.studies, m.studies_error = (), text
        self.view.set_rows([])
        self.view.set_message(f"Cannot list the studies: {text}", error=True)

    def _got_open(self, data: dict, name: str, resume: bool):
        page, m = self.page, self.page.model
        if m.running:  # a search started while the study was read: it wins
            return
        reason = m.open_study(data)
        page.mind.forget()
        page.mind.refit(m, page.link)
        counts = counts_text(m.records)
        if reason:
            m.say(f"Study {name!r} ({counts}) is shown for viewing only; it cannot be resumed: {reason}.",
                  error=resume)
            return
        if resume:
            page.resume()
            return
        m.say(f"Opened study {name!r}: {counts}. Resume continues it up to {m.total} trials.")

    def _got_delete(self, name: str, *_):
        m = self.page.model
        if m.study == name and not m.running:
            m.records, m.final, m.importance, m.total, m.read_only = (), None, None, 0, ""
            self.page._draw()
        m.say(f"Deleted study {name!r} from {describe(m.storage_url())}.")

    # -- when to list ------------------------------------------------------------------------
    def _maybe_refresh(self, *_args) -> None:
        """List the studies when the tab shows and its storage is not the one listed last."""
        if self.page.tabs_left.currentWidget() is self.view and self._listed_url != self.page.model.storage_url():
            self.refresh()

    def _after_search(self, _reason: str) -> None:
        self.refresh()

    def set_theme(self, theme) -> None:
        self.view.set_theme(theme)
