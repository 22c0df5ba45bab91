"""Errors shown on the field that caused them, in the field's own font (both pages' inputs).

:func:`mark_field` tints a field and puts the reason first in its tooltip; :func:`style_error_label`
colours an error line. Neither uses a style sheet: one set on a widget drops the font it inherits
from its panel, and clearing it does not bring that font back (docs/traps.md).
"""
from __future__ import annotations

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QWidget

ERROR_COLOR = "#D55E00"  # the colour-blind safe vermilion of the themes' error text

def mark_field(widget: QWidget, error: str | None, tip: str = "") -> None:
    """Show ``error`` on ``widget`` (tinted background, reason first in the tooltip), or clear it.

    Parameters
    ----------
    widget : QWidget
        A line edit or spin box.
    error : str or None
        The one-line reason, or None when the field is valid again.
    tip : str
        The field's own help, kept under the reason.

    Notes
    -----
    Not a style sheet: a style sheet set on a field and then cleared left it with the application's
    default font instead of the font inherited from its panel (the text shrank and stayed small).
    A palette entry overrides only the colour and, cleared, inherits again from the parent.
    """
    if error:
        parent = widget.parentWidget()
        base = (parent.palette() if parent is not None else widget.palette()).color(QPalette.Base)
        err = QColor(ERROR_COLOR)
        a = 0.35
        tint = QColor(*(int(round(b + (e - b) * a)) for b, e in zip(base.getRgb()[:3], err.getRgb()[:3])))
        pal = QPalette()
        pal.setColor(QPalette.Base, tint)
        widget.setPalette(pal)
        widget.setProperty("field_error", error)
        QWidget.setToolTip(widget, f"{error}\n\n{tip}" if tip else error)
    else:
        if widget.property("field_error"):
            widget.setPalette(QPalette())  # nothing overridden: inherit the page's palette again
            widget.setProperty("field_error", "")
        QWidget.setToolTip(widget, tip)


def style_error_label(label: QWidget) -> None:
    """Draw ``label``'s text in the error colour, keeping the font its panel gives it.

    A ``color:`` style sheet on a label left it in the application's default font (smaller than
    the panel's) and, in dark red, hard to read on the dark theme.
    """
    pal = QPalette()
    pal.setColor(QPalette.WindowText, QColor(ERROR_COLOR))
    label.setPalette(pal)


def field_error(widget: QWidget) -> str:
    """The error shown on ``widget`` by :func:`mark_field` ("" when none)."""
    return widget.property("field_error") or ""
