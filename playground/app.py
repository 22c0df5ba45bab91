"""Start the Qt application and the main window."""
from __future__ import annotations

import sys


def make_app():
    """Return the QApplication, creating it (with high-DPI rendering) if needed."""
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    if app is None:
        QGuiApplication.setHighDpiScaleFactorRoundingPolicy(Qt.HighDpiScaleFactorRoundingPolicy.PassThrough)
        app = QApplication(sys.argv[:1])
        app.setApplicationName("Optimizer Playground")
        app.setOrganizationName("OptimizerPlayground")
    import pyqtgraph as pg
    import torch

    pg.setConfigOptions(antialias=True)
    # The GUI process only evaluates small grids; torch's default thread pool fought the racer and
    # trainer subprocesses for the two cores (a 200x200 grid took 90 ms instead of 2 while they ran).
    torch.set_num_threads(1)
    return app


def run_app(scene: str | None = None, quit_after_ms: int | None = None) -> int:
    """Open the window (optionally with a scene) and run the event loop."""
    from playground import scenes

    if scene is not None:
        scenes.load_scene(scene)  # validate first: a bad scene exits 2 before any window opens
    app = make_app()
    from PySide6.QtCore import QTimer

    from playground.main_window import MainWindow

    win = MainWindow()
    if scene is not None:
        win.open_scene(scene)
    win.show()
    if quit_after_ms is not None:
        QTimer.singleShot(quit_after_ms, win.close)
        print("window shown", flush=True)
    status = app.exec()
    win.shutdown()
    win.deleteLater()
    del win
    return int(status)
