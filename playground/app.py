"""Start the Qt application and the main window."""
from __future__ import annotations

import logging
import sys


def make_app():
    """Return the QApplication, creating it (with high-DPI rendering) if needed."""
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtWidgets import QApplication

    from playground.home import APP_NAME, ORG_NAME

    app = QApplication.instance()
    if app is None:
        QGuiApplication.setHighDpiScaleFactorRoundingPolicy(Qt.HighDpiScaleFactorRoundingPolicy.PassThrough)
        app = QApplication(sys.argv[:1])
        app.setApplicationName(APP_NAME)
        app.setOrganizationName(ORG_NAME)
    import pyqtgraph as pg
    import torch

    pg.setConfigOptions(antialias=True)
    # The GUI process only evaluates small grids; torch's default thread pool fought the racer and
    # trainer subprocesses for the two cores, and a small grid took many times longer while they ran.
    torch.set_num_threads(1)
    from playground.blas_threads import one_blas_thread

    one_blas_thread()
    return app


def run_app(scene: str | None = None, quit_after_ms: int | None = None) -> int:
    """Open the window (optionally with a scene) and run the event loop."""
    from playground.log import setup_logging

    if scene is not None:
        from playground.documents import read_document

        read_document(scene)  # validate first: a bad scene or session exits 2 before any window opens
    app = make_app()
    path = setup_logging()
    logging.getLogger(__name__).info("app started; log file %s", path)
    from PySide6.QtCore import QTimer

    from playground.main_window import MainWindow

    win = MainWindow(autosave=True, restore=scene is None)
    _install_excepthook(win)
    if scene is not None:
        win.open_file(scene)
    win.show()
    from playground.gc_freeze import freeze_startup_objects

    freeze_startup_objects(collect=True)  # the window's objects: out of every later full collection
    if quit_after_ms is not None:
        QTimer.singleShot(quit_after_ms, win.close)
        print("window shown", flush=True)
    status = app.exec()
    try:
        win.shutdown()  # closeEvent did it already, unless the loop ended another way
    except Exception:  # noqa: BLE001 - the app is ending: log it, still exit with the loop's status
        logging.getLogger(__name__).exception("shutting the window down failed")
    win.deleteLater()
    del win
    return int(status)


def _install_excepthook(win) -> None:
    """An exception nobody caught (in a slot, a timer, a paint) goes to the log with its traceback,
    and to the window's status bar as one line; the app goes on (PySide would only print it)."""
    from playground.log import details_hint

    log = logging.getLogger("playground.uncaught")

    def hook(kind, exc, tb):
        if issubclass(kind, KeyboardInterrupt):
            sys.__excepthook__(kind, exc, tb)
            return
        log.error("uncaught %s", kind.__name__, exc_info=(kind, exc, tb))
        try:
            text = f"Error: {kind.__name__}: {exc}".splitlines()[0]
            win.statusBar().showMessage(f"{text} ({details_hint()})", 15000)
        except RuntimeError:  # the window is already deleted (the app is ending): the log has it
            pass

    sys.excepthook = hook
