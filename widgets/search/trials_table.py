"""A sortable table of trials: number, state, objective, each parameter and the duration."""
from __future__ import annotations

import math

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QSortFilterProxyModel, Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QVBoxLayout, QWidget

from core.search_records import ParamAxis, TrialRecord
from widgets.search.base import trial_tip, value_text
from widgets.theme import LIGHT, Theme
from widgets.theme_apply import palette

SORT_ROLE = Qt.UserRole + 1

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
        """Replace the rows (one reset: the view keeps its sort column and order)."""
        self.beginResetModel()
        self.records = sorted(records, key=lambda r: r.number)
        self.axes = list(axes)
        names = [a.name for a in axes] or sorted({k for r in records for k in r.params})
        self._params = names
        self.columns = ["#", "state", "value", *names]
        if any("duration" in r.attrs for r in records):
            self.columns.append("duration (s)")
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
        value = self.raw(index.row(), index.column())
        if role == Qt.DisplayRole:
            if self.columns[index.column()] == "duration (s)" and value is not None:
                return f"{float(value):.3g}"
            return "" if value is None else value_text(value)
        if role == SORT_ROLE:
            return _sort_key(value)
        if role == Qt.ToolTipRole:
            return trial_tip(self.records[index.row()], self.axes)
        if role == Qt.TextAlignmentRole:
            return int(Qt.AlignRight | Qt.AlignVCenter) if not isinstance(value, str) else int(Qt.AlignLeft | Qt.AlignVCenter)
        if role == Qt.UserRole:
            return self.records[index.row()].number
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
        """Show ``records``; the sort order and the scroll position stay."""
        bar = self.view.verticalScrollBar().value()
        first = not self._records
        self._records = list(records)
        self.model.set_data(self._records, self._axes)
        if first:
            self.view.resizeColumnsToContents()
        self.view.verticalScrollBar().setValue(bar)

    def numbers(self) -> list[int]:
        """The trial numbers in the table's current (sorted) order."""
        return [self.proxy.index(r, 0).data(Qt.UserRole) for r in range(self.proxy.rowCount())]

    def _on_clicked(self, index):
        if index.isValid():
            self.trial_clicked.emit(int(index.data(Qt.UserRole)))
