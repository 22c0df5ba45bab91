"""A sortable table of trials: number, state, objective, each parameter and the duration."""
from __future__ import annotations

import math

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QSortFilterProxyModel, Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QVBoxLayout, QWidget

from core.search_records import ParamAxis, TrialRecord
from widgets.search.base import hidden_tab, trial_tip, value_text
from widgets.theme import LIGHT, Theme
from widgets.theme_apply import palette

SORT_ROLE = Qt.UserRole + 1
# Looked up once: each ``Qt.<name>`` costs about 8 us in PySide6, and a paint of the table asks about a
# thousand cells several roles each (it took 20-30 ms for 150 trials).
_DISPLAY, _ALIGN, _TIP, _USER = Qt.DisplayRole, Qt.TextAlignmentRole, Qt.ToolTipRole, Qt.UserRole
RESIZE_ROWS = 30
_LEFT, _RIGHT = int(Qt.AlignLeft | Qt.AlignVCenter), int(Qt.AlignRight | Qt.AlignVCenter)

def _sort_key(value):
    """Numbers sort as numbers (10 after 9) and missing values last: a float, or the text for strings."""
    if value is None:
        return math.inf
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, (int, float)):
        return float(value) if math.isfinite(value) else math.inf
    return str(value)

class TrialsModel(QAbstractTableModel):
    """Trials as rows; columns ``#``, state, value, one per parameter, and duration (s) when known."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.records: list[TrialRecord] = []
        self.axes: list[ParamAxis] = []
        self.columns: list[str] = ["#", "state", "value"]

    def set_data(self, records: list[TrialRecord], axes: list[ParamAxis]) -> None:
        """Replace the rows; the view keeps its sort column and order.

        When the columns stay and the old trials are the first of the new ones (a live search), only
        the changed rows are updated and the new ones inserted: a reset of the whole table re-sorted
        and re-measured every row on every snapshot.
        """
        records = sorted(records, key=lambda r: r.number)
        names = [a.name for a in axes] or sorted({k for r in records for k in r.params})
        columns = ["#", "state", "value", *names]
        if any("duration" in r.attrs for r in records):
            columns.append("duration (s)")
        old = self.records
        if (columns == self.columns and list(axes) == self.axes and len(records) >= len(old)
                and all(a.number == b.number for a, b in zip(old, records))):
            changed = [i for i, (a, b) in enumerate(zip(old, records)) if a != b]
            self.records[:len(old)] = records[:len(old)]
            if changed:
                self.dataChanged.emit(self.index(changed[0], 0), self.index(changed[-1], len(columns) - 1))
            if len(records) > len(old):
                self.beginInsertRows(QModelIndex(), len(old), len(records) - 1)
                self.records.extend(records[len(old):])
                self.endInsertRows()
            return
        self.beginResetModel()
        self.records = records
        self.axes = list(axes)
        self._params = names
        self.columns = columns
        self.endResetModel()

    def rowCount(self, parent=QModelIndex()):  # noqa: N802 - Qt override
        return 0 if parent.isValid() else len(self.records)

    def columnCount(self, parent=QModelIndex()):  # noqa: N802 - Qt override
        return 0 if parent.isValid() else len(self.columns)

    def raw(self, row: int, col: int):
        """The cell's value as data (int, float, str or None)."""
        r, name = self.records[row], self.columns[col]
        if name == "#":
            return r.number
        if name == "state":
            return r.state
        if name == "value":
            return r.value
        if name == "duration (s)":
            return r.attrs.get("duration")
        return r.params.get(name)

    def data(self, index, role=Qt.DisplayRole):
        if not index.isValid():
            return None
        row, col = index.row(), index.column()
        value = self.raw(row, col)
        if role == _DISPLAY:
            if self.columns[col] == "duration (s)" and value is not None:
                return f"{float(value):.3g}"
            return "" if value is None else value_text(value)
        if role == _ALIGN:
            return _LEFT if isinstance(value, str) else _RIGHT
        if role == SORT_ROLE:
            return _sort_key(value)
        if role == _TIP:
            return trial_tip(self.records[row], self.axes)
        if role == _USER:
            return self.records[row].number
        return None

    def headerData(self, section, orientation, role=Qt.DisplayRole):  # noqa: N802 - Qt override
        if role == Qt.DisplayRole and orientation == Qt.Horizontal:
            return self.columns[section]
        return None

class _Proxy(QSortFilterProxyModel):
    def lessThan(self, left, right):  # noqa: N802 - Qt override
        a, b = left.data(SORT_ROLE), right.data(SORT_ROLE)
        if type(a) is not type(b):  # a number against a string: numbers first
            return isinstance(a, float)
        return a < b

class TrialsTable(QWidget):
    """The trials in a sortable table; a click on a row emits its trial's number.

    Signals
    -------
    trial_clicked(int)

    Attributes
    ----------
    model : TrialsModel
    proxy : QSortFilterProxyModel
        Sorts on the cells' data, so 10 comes after 9 and missing values last.
    view : QTableView
    """

    trial_clicked = Signal(int)

    def __init__(self, theme: Theme = LIGHT, parent=None):
        super().__init__(parent)
        self._theme = theme
        self._axes: list[ParamAxis] = []
        self._records: list[TrialRecord] = []
        self._stale = False  # records came while hidden: shown at the next show
        self._fitted = False  # columns sized to the first records shown
        self.model = TrialsModel(self)
        self.proxy = _Proxy(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(SORT_ROLE)
        self.view = QTableView()
        self.view.setModel(self.proxy)
        self.view.setSortingEnabled(True)
        self.view.sortByColumn(0, Qt.AscendingOrder)
        self.view.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.view.verticalHeader().setVisible(False)
        self.view.horizontalHeader().setSectionResizeMode(QHeaderView.Interactive)
        # Columns sized from the first rows, not all: measuring 150 rows' cells took 240 ms.
        self.view.horizontalHeader().setResizeContentsPrecision(RESIZE_ROWS)
        self.view.horizontalHeader().setStretchLastSection(False)  # a stretched "duration" column ran far from its header
        self.view.clicked.connect(self._on_clicked)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.view)
        self.set_theme(theme)

    def set_theme(self, theme: Theme) -> None:
        """Colours and font size from ``theme``."""
        self._theme = theme
        self.view.setPalette(palette(theme))
        font = QFont()
        font.setPointSize(theme.font_pt - 2)
        self.view.setFont(font)
        self.view.horizontalHeader().setFont(font)
        self.view.verticalHeader().setDefaultSectionSize(int(font.pointSize() * 2.2))

    def set_axes(self, axes: list[ParamAxis]) -> None:
        """The parameter columns, in this order."""
        self._axes = list(axes)
        self.model.set_data(self._records, self._axes)
        self.view.resizeColumnsToContents()

    def set_records(self, records: list[TrialRecord], minimize: bool = True) -> None:
        """Show ``records``; the sort order and the scroll position stay. On a tab not shown, the table
        only keeps them and shows them when it shows (or :meth:`flush`)."""
        self._records = list(records)
        if hidden_tab(self):
            self._stale = True
            return
        self._show_records()

    def flush(self) -> None:
        """Show the records that came while the table was on a hidden tab."""
        if self._stale:
            self._show_records()

    def _show_records(self) -> None:
        self._stale = False
        bar = self.view.verticalScrollBar().value()
        self.model.set_data(self._records, self._axes)
        if self._records and not self._fitted:  # once: measuring every row on every snapshot is slow
            self._fitted = True
            self.view.resizeColumnsToContents()
        self.view.verticalScrollBar().setValue(bar)

    def showEvent(self, event):  # noqa: N802 - Qt override
        self.flush()
        super().showEvent(event)

    def numbers(self) -> list[int]:
        """The trial numbers in the table's current (sorted) order."""
        return [self.proxy.index(r, 0).data(Qt.UserRole) for r in range(self.proxy.rowCount())]

    def _on_clicked(self, index):
        if index.isValid():
            self.trial_clicked.emit(int(index.data(Qt.UserRole)))
