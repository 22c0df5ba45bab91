"""Open, for the time of one export, the tabs that hide a plot, then put them back.

A page of a ``QTabWidget`` (or ``QStackedWidget``) that is not the current one is hidden and keeps the
size it had when last shown, or Qt's 640x480 if it never was; a pyqtgraph view there also has not laid
its axes out. Exporting it as it is gives a picture of the wrong size, or none. :func:`revealed` makes
each such tab current with its signals blocked (the pages' "tab changed" handlers do not run, and no
event loop turn paints it on screen), lays the view out at the size it would have, and restores the tabs.
"""
from __future__ import annotations

import contextlib

from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QApplication, QStackedWidget, QTabWidget, QWidget


def _hiding_tabs(view: QWidget) -> list[tuple[QWidget, QWidget]]:
    """``(holder, page)`` for each stack above ``view`` whose current page is not ``view``'s, outermost first."""
    out = []
    w = view
    while w is not None and not w.isWindow():
        parent = w.parentWidget()
        if isinstance(parent, QStackedWidget) and parent.currentWidget() is not w:
            tabs = parent.parentWidget()
            out.append((tabs if isinstance(tabs, QTabWidget) else parent, w))
        w = parent
    return out[::-1]


def hidden_reason(view: QWidget) -> str | None:
    """Why ``view`` cannot be shown for an export (None when it can: on screen, or only behind tabs)."""
    if not view.window().isVisible():
        return "the window is not shown"
    tab_pages = {page for _, page in _hiding_tabs(view)}
    w = view
    while w is not None and not w.isWindow():
        if w.isHidden() and w not in tab_pages:
            return "it is switched off on this page"
        w = w.parentWidget()
    return None


def _settle(view: QWidget) -> None:
    """Lay ``view`` out as a first paint on screen would: pyqtgraph sizes an axis to its tick text only
    while painting it (docs/traps.md), so a view never shown drew its axis titles over the tick labels."""
    QApplication.sendPostedEvents(None, QEvent.LayoutRequest)  # not the paint events: nothing on screen
    view.grab()  # a throwaway paint: the axes measure their text
    QApplication.sendPostedEvents(None, QEvent.LayoutRequest)


@contextlib.contextmanager
def revealed(view: QWidget):
    """Within the block, ``view`` is visible at the size its tab gives it; the tabs are restored after.

    Yields True when ``view`` is visible in the block, False when it is hidden for another reason
    (see :func:`hidden_reason`).
    """
    switched = []
    try:
        for holder, page in _hiding_tabs(view):
            blocked = holder.blockSignals(True)
            switched.append((holder, holder.currentIndex(), blocked))
            holder.setCurrentIndex(holder.indexOf(page))  # shows the page: its layouts activate now
        if switched and view.isVisible():
            _settle(view)
        yield view.isVisible()
    finally:
        for holder, index, blocked in reversed(switched):
            holder.setCurrentIndex(index)
            holder.blockSignals(blocked)
