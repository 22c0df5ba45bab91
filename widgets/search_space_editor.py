"""The search page's space editor: a row per knob, ticked when searched, its range or choices as text.

A row's text is a range ``LOW:HIGH`` with ``:log`` for a log scale and ``:N`` for N grid points
(``1e-4:1e-1:log:4``, ``0:0.5``), or choices ``A,B,C`` (``16,32,64``, ``relu,tanh``). The editor only
shows text and errors; the page parses it (widgets know no search engine).
"""
from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QGridLayout, QLabel, QLineEdit, QWidget

from widgets.field_errors import mark_field
from widgets.theme import LIGHT, Theme


class SpaceEditor(QWidget):
    """Rows of knobs: a tick box (searched or not) and the knob's range or choices.

    Parameters
    ----------
    knobs : list of (name, help)
        Every knob the page can search, in order, with a one-sentence help for its tool tip.

    Signals
    -------
    sigEdited(str)
        A row was ticked, unticked or its text edited (the knob's name).
    """

    sigEdited = Signal(str)

    def __init__(self, knobs, theme: Theme = LIGHT, parent=None):
        super().__init__(parent)
        self.checks: dict[str, QCheckBox] = {}
        self.edits: dict[str, QLineEdit] = {}
        self.helps: dict[str, str] = {}
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(6)
        grid.setVerticalSpacing(2)
        head = QLabel("knob · range LOW:HIGH[:log][:points] or choices A,B")
        head.setWordWrap(True)
        grid.addWidget(head, 0, 0, 1, 2)
        for i, (name, help_text) in enumerate(knobs, start=1):
            tip = (f"{help_text[0].upper()}{help_text[1:]}; tick to search it, as LOW:HIGH[:log][:points] "
                   "or choices A,B,C.")
            box = QCheckBox(name)
            box.setToolTip(tip)
            edit = QLineEdit()
            edit.setToolTip(tip)
            edit.setEnabled(False)
            box.toggled.connect(lambda on, n=name: self._toggled(n, on))
            edit.editingFinished.connect(lambda n=name: self.sigEdited.emit(n))
            grid.addWidget(box, i, 0)
            grid.addWidget(edit, i, 1)
            self.checks[name], self.edits[name], self.helps[name] = box, edit, tip
        grid.setColumnStretch(1, 1)
        grid.setRowStretch(len(self.checks) + 1, 1)  # spare height below the rows, not between them
        self.set_theme(theme)

    def _toggled(self, name: str, on: bool) -> None:
        self.edits[name].setEnabled(on)
        self.sigEdited.emit(name)

    def set_theme(self, theme: Theme) -> None:
        """Text at the theme's size."""
        font = self.font()
        font.setPointSize(max(theme.font_pt - 2, 9))
        self.setFont(font)

    def set_space(self, texts: dict[str, str], defaults: dict[str, str] | None = None) -> None:
        """Show ``{knob: text}`` ticked; other knobs unticked with their ``defaults`` text (no signals)."""
        defaults = defaults or {}
        for name, box in self.checks.items():
            edit = self.edits[name]
            box.blockSignals(True)
            box.setChecked(name in texts)
            box.blockSignals(False)
            edit.setEnabled(name in texts)
            if name in texts:
                edit.setText(texts[name])
            elif name in defaults and not edit.text():
                edit.setText(defaults[name])
            edit.setCursorPosition(0)  # a long text shows its start, not its end
            mark_field(edit, None, self.helps[name])

    def texts(self) -> dict[str, str]:
        """``{knob: text}`` of the ticked rows, in row order."""
        return {n: self.edits[n].text().strip() for n, b in self.checks.items() if b.isChecked()}

    def set_error(self, name: str | None, error: str | None) -> None:
        """Mark row ``name`` with ``error`` (None: clear every row)."""
        for n, edit in self.edits.items():
            mark_field(edit, error if n == name else None, self.helps[n])
