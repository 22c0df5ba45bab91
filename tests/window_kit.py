"""The app's main window shown at 1280x720 for a test, its message boxes closed and its work stopped after."""
from __future__ import annotations

import contextlib


@contextlib.contextmanager
def shown_window(qtbot, theme: str = "light"):
    from PySide6.QtWidgets import QMessageBox

    from playground.main_window import MainWindow

    w = MainWindow(theme=theme)
    qtbot.addWidget(w)
    w.resize(1280, 720)
    w.show()
    try:
        yield w
    finally:
        for box in w.findChildren(QMessageBox):
            box.close()
        w.shutdown()
