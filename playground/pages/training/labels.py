"""The training page's two text lines: the lesson above the views and the status line below them."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import QLabel

from widgets.field_errors import ERROR_COLOR
from widgets.theme import LIGHT, Theme


class LessonLabel(QLabel):
    """A scene's title in bold and its lesson, wrapped; hidden when there is no title."""

    def __init__(self, theme: Theme = LIGHT, parent=None):
        super().__init__(parent)
        self.setWordWrap(True)
        self._theme = theme
        self._title, self._lesson = "", ""

    def set_lesson(self, title: str, lesson: str) -> None:
        """Show ``title`` — ``lesson`` (hidden if the title is empty)."""
        self._title, self._lesson = title, lesson
        if title:
            self.setText(f"<b style='font-size:{self._theme.title_pt}pt'>{title}</b>"
                         f"<span style='font-size:{self._theme.font_pt}pt'> — {lesson}</span>")
            self.show()
        else:
            self.hide()

    def set_theme(self, theme: Theme) -> None:
        """Text sizes of ``theme``."""
        self._theme = theme
        self.set_lesson(self._title, self._lesson)


class StatusLabel(QLabel):
    """Two fixed lines of selectable text; an error in the error colour."""

    def __init__(self, theme: Theme = LIGHT, parent=None):
        super().__init__(parent)
        self.setWordWrap(True)
        self.setTextInteractionFlags(Qt.TextSelectableByMouse)
        # Any width: a wrapped label's own minimum follows its text, and a long status widened the window.
        self.setMinimumWidth(1)
        self._theme = theme
        self._error = False
        self.set_theme(theme)

    def set_status(self, text: str, error: bool = False) -> None:
        """Show ``text`` (in the error colour if ``error``)."""
        self._error = bool(error)
        style = f"color: {ERROR_COLOR if error else self._theme.foreground};"
        if self.styleSheet() != style:  # a style sheet re-polishes the label: only on change
            self.setStyleSheet(style)
        self.setText(text)

    def set_theme(self, theme: Theme) -> None:
        """Font and text colour of ``theme``."""
        self._theme = theme
        font = QFont()
        font.setPointSize(theme.font_pt)
        self.setFont(font)
        # Two lines, fixed: a status that wrapped to another line (or back) re-laid out the page,
        # resized every view and repainted all of them in one long frame; a third line as a
        # minimum took its height from the views, below their own minimum, at 1280x650.
        self.setFixedHeight(2 * QFontMetrics(font).lineSpacing() + 2)
        self.setAlignment(Qt.AlignLeft | Qt.AlignTop)
        self.set_status(self.text(), self._error)  # the text colour was the old theme's: dark on dark
