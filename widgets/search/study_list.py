"""The studies stored in the search page's storage, in a table, with Open, Resume, Delete and Refresh.

A view only: the page gives it rows (plain dicts, see :meth:`StudyList.set_rows`) and reads its
signals; it never opens a storage itself. When the studies cannot be listed, a one-line message
takes the table's place (:meth:`StudyList.set_message`).
"""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (QAbstractItemView, QHBoxLayout, QHeaderView, QLabel, QPushButton, QSizePolicy,
                               QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from widgets.field_errors import style_error_label
from widgets.search.base import value_text
from widgets.theme import LIGHT, Theme
from widgets.theme_apply import palette

#: (column title, row key, tool tip of the header); "trials" shows done / pruned / failed in one cell.
COLUMNS = (
    ("study", "name", "The study's name in the storage."),
    ("method", "method", "The sampler of the study's last run (blank when the study does not record it)."),
    ("trials", "complete", "Trials done / pruned early / failed (crashed or diverged, and not retried)."),
    ("best", "best", "The best value of the objective among the finished trials."),
    ("objective", "objective", "What the trials are scored by (or Optuna's direction for a study not made here)."),
    ("changed", "changed", "When the study last changed (its newest trial's start or end, local time; the time alone for today)."),
)
#: Columns hidden, in this order, when the tab is too narrow for them all and a readable name (their
#: values stay in each row's tool tip): at 1280 x 720 the half-page tab has about 460 px.
OPTIONAL = ("objective", "method")
NAME_MIN_PX = 120
NAME_ROLE = Qt.UserRole
SORT_ROLE = Qt.UserRole + 1


class _Item(QTableWidgetItem):
    """A cell that sorts by its value (numbers as numbers, a missing best last), not by its text."""

    def __lt__(self, other):
        a, b = self.data(SORT_ROLE), other.data(SORT_ROLE)
        if type(a) is not type(b):
            return isinstance(a, float)
        return a < b


class StudyList(QWidget):
    """A table of studies and the buttons that act on the selected one.

    Signals
    -------
    sigOpen(str), sigResume(str), sigDelete(str)
        The button pressed, with the selected study's name (a double click opens).
    sigRefresh()
        Read the storage's studies again.
    """

    sigOpen = Signal(str)
    sigResume = Signal(str)
    sigDelete = Signal(str)
    sigRefresh = Signal()

    def __init__(self, theme: Theme = LIGHT, parent=None):
        super().__init__(parent)
        self._rows: list[dict] = []
        self._busy = False
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels([c[0] for c in COLUMNS])
        for i, (_title, _key, tip) in enumerate(COLUMNS):
            self.table.horizontalHeaderItem(i).setToolTip(tip)
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeToContents)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.Stretch)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(0, Qt.AscendingOrder)  # by name (Qt's indicator starts descending)
        self.table.setToolTip("The studies in the page's storage: select one, then Open, Resume or Delete it.")
        self.message = QLabel("")
        self.message.setWordWrap(True)
        # A wrapped label's minimum width follows its text (docs/traps.md): it must not widen the tab.
        self.message.setMinimumWidth(1)
        self.message.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Preferred)
        self.open_button = QPushButton("Open")
        self.open_button.setToolTip("Show the selected study's trials in every plot and take its settings.")
        self.resume_button = QPushButton("Resume")
        self.resume_button.setToolTip("Open the selected study and continue it up to its number of trials.")
        self.delete_button = QPushButton("Delete")
        self.delete_button.setToolTip("Delete the selected study and all its trials from the storage, after asking.")
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.setToolTip("Read the list of studies from the storage again.")
        buttons = QHBoxLayout()
        buttons.setSpacing(4)
        for b in (self.open_button, self.resume_button, self.delete_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(self.refresh_button)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(4)
        lay.addWidget(self.table, 1)
        lay.addWidget(self.message)
        lay.addLayout(buttons)
        self.open_button.clicked.connect(lambda: self._emit(self.sigOpen))
        self.resume_button.clicked.connect(lambda: self._emit(self.sigResume))
        self.delete_button.clicked.connect(lambda: self._emit(self.sigDelete))
        self.refresh_button.clicked.connect(self.sigRefresh)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.table.itemDoubleClicked.connect(lambda _item: self._emit(self.sigOpen))
        self.set_theme(theme)
        self._update_buttons()

    # -- content -------------------------------------------------------------------------
    def set_rows(self, rows: list[dict]) -> None:
        """Show ``rows`` (dicts with the keys of :data:`COLUMNS` and ``from_app``); the selection stays."""
        keep = self.selected()
        self._rows = list(rows)
        self.table.setSortingEnabled(False)
        self.table.setRowCount(len(rows))
        for r, row in enumerate(rows):
            for c, (_title, key, _tip) in enumerate(COLUMNS):
                value = row.get(key)
                item = _Item()
                number = isinstance(value, (int, float)) and not isinstance(value, bool)
                if key == "complete":
                    text = f"{value} / {row.get('pruned', 0)} / {row.get('failed', 0)}"
                elif key == "changed":
                    text = short_time(value or "")
                else:
                    text = value_text(value) if number else ("" if value is None else str(value))
                item.setText(text)
                item.setData(SORT_ROLE, float(value) if number else (float("inf") if key == "best" else str(value or "")))
                if number:
                    item.setTextAlignment(Qt.AlignRight | Qt.AlignVCenter)
                item.setData(NAME_ROLE, row["name"])
                item.setToolTip(_row_tip(row))
                self.table.setItem(r, c, item)
        self.table.setSortingEnabled(True)
        self.table.setVisible(True)
        self._fit_columns()
        if keep is not None:
            self.select(keep)
        self._update_buttons()

    def set_message(self, text: str, error: bool = False) -> None:
        """A one-line note under the table; an error (the storage cannot be read) hides the table."""
        self.message.setText(text)
        if error:
            style_error_label(self.message)
        else:
            self.message.setPalette(self.palette())
        self.table.setVisible(not error)

    def set_busy(self, busy: bool) -> None:
        """Disable the buttons while the storage is being read or written."""
        self._busy = bool(busy)
        self._update_buttons()

    # -- selection -----------------------------------------------------------------------
    def names(self) -> list[str]:
        """The studies' names in the table's current order."""
        return [self.table.item(r, 0).data(NAME_ROLE) for r in range(self.table.rowCount())]

    def selected(self) -> str | None:
        """The selected study's name (None when none is)."""
        items = self.table.selectedItems()
        return items[0].data(NAME_ROLE) if items else None

    def select(self, name: str) -> bool:
        """Select study ``name``; False when the table has no such study."""
        for r, n in enumerate(self.names()):
            if n == name:
                self.table.selectRow(r)
                return True
        return False

    def row(self, name: str) -> dict | None:
        """The row dict of study ``name``."""
        return next((r for r in self._rows if r["name"] == name), None)

    def _emit(self, signal) -> None:
        name = self.selected()
        if name is not None and not self._busy:
            signal.emit(name)

    def _update_buttons(self) -> None:
        row = self.row(self.selected()) if self.selected() is not None else None
        ok = row is not None and not self._busy
        self.open_button.setEnabled(ok)
        self.delete_button.setEnabled(ok)
        self.resume_button.setEnabled(ok and bool(row.get("from_app")))
        self.refresh_button.setEnabled(not self._busy)

    # -- looks ---------------------------------------------------------------------------
    def resizeEvent(self, event):  # noqa: N802 - Qt override
        super().resizeEvent(event)
        self._fit_columns()

    def _fit_columns(self) -> None:
        """Show every column that fits beside a name column of :data:`NAME_MIN_PX` (no sideways scrolling)."""
        header = self.table.horizontalHeader()
        titles = [c[0] for c in COLUMNS]
        need = {i: max(header.sectionSizeFromContents(i).width(), self.table.sizeHintForColumn(i))
                for i in range(1, len(COLUMNS))}
        room = self.table.viewport().width() - NAME_MIN_PX
        hidden = set()
        for title in OPTIONAL:
            if sum(w for i, w in need.items() if i not in hidden) <= room:
                break
            hidden.add(titles.index(title))
        for i in range(1, len(COLUMNS)):
            self.table.setColumnHidden(i, i in hidden)

    def shown_columns(self) -> list[str]:
        """The titles of the columns shown now."""
        return [c[0] for i, c in enumerate(COLUMNS) if not self.table.isColumnHidden(i)]

    def set_theme(self, theme: Theme) -> None:
        """Colours and font size from ``theme``."""
        self.table.setPalette(palette(theme))
        font = QFont()
        font.setPointSize(max(theme.font_pt - 2, 9))
        for w in (self.table, self.table.horizontalHeader(), self.message, self.open_button, self.resume_button,
                  self.delete_button, self.refresh_button):
            w.setFont(font)
        self.table.verticalHeader().setDefaultSectionSize(int(font.pointSize() * 2.2))


def short_time(stamp: str, today: str | None = None) -> str:
    """"YYYY-MM-DD HH:MM" as the table shows it: the time alone for today, else the date alone."""
    import datetime

    day, _, clock = stamp.partition(" ")
    today = today or datetime.date.today().isoformat()
    return clock if day == today and clock else day


def _row_tip(row: dict) -> str:
    """One study's tool tip: its counts, and why it cannot be resumed when it cannot."""
    method = f"{row['method']}, " if row.get("method") else ""
    best = "" if row.get("best") is None else f", best {value_text(row['best'])}"
    tip = (f"{row['name']}: {method}{row.get('complete', 0)} done, {row.get('pruned', 0)} pruned, "
           f"{row.get('failed', 0)} failed{best} ({row.get('objective', '')})")
    if row.get("waiting"):
        tip += f", {row['waiting']} queued to run again"
    tip += f"; last changed {row['changed']}." if row.get("changed") else "."
    if not row.get("from_app"):
        tip += " Not made by this app (no search space recorded): Open shows it; it cannot be resumed."
    return tip
