"""A short lesson shown beside the plot: the scene's title and what to look for."""
from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from widgets.theme import LIGHT, Theme


def surface_lesson(surface) -> tuple[str, str]:
    """(title, text) of a surface's own lesson: the head of its one-line description, then its lesson.

    Shown when the user picks another surface than the scene's, whose lesson no longer applies
    ("Race on a valley" over a saddle). ``surface`` needs ``description`` and ``lesson``.
    """
    description = (getattr(surface, "description", "") or getattr(surface, "name", "")).strip()
    head = description.split(": ", 1)[0]
    title = head[:1].upper() + head[1:]
    text = (getattr(surface, "lesson", "") or "").strip() or description
    return title, text


class LessonBox(QLabel):
    """Title in bold, then one to three sentences; wraps, selectable, themed."""

    def __init__(self, theme: Theme = LIGHT, parent=None):
        super().__init__(parent)
        self._title = ""
        self._text = ""
        self.setWordWrap(True)
        self.setTextFormat(Qt.RichText)
        self.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.setAlignment(Qt.AlignLeft | Qt.AlignTop)
        self.set_theme(theme)

    def set_lesson(self, title: str, text: str) -> None:
        """Show ``title`` and ``text`` (plain text; escaped)."""
        self._title, self._text = title or "", text or ""
        self._render()

    def lesson(self) -> tuple[str, str]:
        """(title, text) shown."""
        return self._title, self._text

    def set_theme(self, theme: Theme) -> None:
        """Use ``theme``'s colours and sizes."""
        self._theme = theme
        border = theme.grid
        self.setStyleSheet(f"QLabel {{ color: {theme.foreground}; background: {theme.background};"
                           f" border: 1px solid {border}; border-radius: 4px; padding: 6px;"
                           f" font-size: {theme.font_pt}pt; }}")
        self._render()

    def _render(self) -> None:
        t = html.escape(self._title)
        b = html.escape(self._text)
        self.setText(f"<b style='font-size:{self._theme.title_pt}pt'>{t}</b><br>{b}" if t else b)
        self.setVisible(bool(self._title or self._text))
