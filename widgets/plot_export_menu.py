"""One small right-click menu for every plot: Export PNG…, Export SVG…, Export data as CSV….

The plots switch pyqtgraph's own view-box menu off (``setMenuEnabled(False)``): its axis and
mouse-mode entries only confuse students. This menu takes its place with the export entries alone.
Widgets never import the app, so the entries are given as (text, callback) pairs by whoever installs
the menu (``playground.plot_exports``); the menu is built afresh at each right-click, so an entry can
depend on what the plot shows at that moment (no CSV entry before a map is computed).
"""
from __future__ import annotations

from typing import Callable

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QMenu, QWidget

#: (text, callback) pairs, or None for a separator; a callback of None makes a disabled line (a note).
Entries = list[tuple[str, Callable[[], object] | None] | None]

_ENTRIES_ATTR = "_plot_export_entries"


def install_export_menu(view: QWidget, entries: Callable[[], Entries]) -> None:
    """Give ``view`` a right-click menu built from ``entries()`` at each click.

    Parameters
    ----------
    view : QWidget
        The plot's widget (a pyqtgraph ``GraphicsView`` or any other widget).
    entries : callable
        Returns the menu's entries: ``(text, callback)`` pairs, ``None`` for a separator; a
        ``(text, None)`` entry is a disabled line (why an export is not offered). Installing again
        replaces the entries.
    """
    first = not hasattr(view, _ENTRIES_ATTR)
    setattr(view, _ENTRIES_ATTR, entries)
    if first:
        # A custom context-menu request, not pyqtgraph's scene menu: mouse presses still reach the plot.
        view.setContextMenuPolicy(Qt.CustomContextMenu)
        view.customContextMenuRequested.connect(lambda pos, v=view: _popup(v, pos))


def has_export_menu(view: QWidget) -> bool:
    """True if :func:`install_export_menu` gave ``view`` its menu."""
    return hasattr(view, _ENTRIES_ATTR)


def export_menu(view: QWidget) -> QMenu:
    """The menu ``view`` shows on a right-click, built now (not shown), styled like the window's menus."""
    menu = QMenu(view)
    menu.setObjectName("plot-export-menu")
    # A menu is a window of its own and takes no palette from its parent: the window's (the theme's).
    top = view.window()
    menu.setPalette(top.palette())
    bar = getattr(top, "menuBar", None)
    menu.setFont(bar().font() if callable(bar) else top.font())
    for entry in getattr(view, _ENTRIES_ATTR)():
        if entry is None:
            menu.addSeparator()
            continue
        text, callback = entry
        action = menu.addAction(text)
        if callback is None:
            action.setEnabled(False)
            continue
        action.triggered.connect(lambda _=False, c=callback: c())
    return menu


def _popup(view: QWidget, pos: QPoint) -> None:
    menu = export_menu(view)
    menu.aboutToHide.connect(menu.deleteLater)  # deferred: the chosen action still runs first
    # A scroll area (a GraphicsView is one) reports the position in its viewport's coordinates.
    origin = view.viewport() if hasattr(view, "viewport") else view
    menu.popup(origin.mapToGlobal(pos))
