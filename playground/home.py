"""The one folder the app writes to: settings, the log, the session autosave (and later the search studies).

When ``OPTIMIZER_PLAYGROUND_HOME`` names a folder, everything goes there: settings as ``settings.ini``
(INI-format QSettings), the log, the autosave. Tests and scripts point it at a temporary folder, so
they never touch a user's real settings or data. When it is not set, data goes to Qt's
``AppDataLocation`` for the app (on Linux ``~/.local/share/OptimizerPlayground/Optimizer Playground``)
and settings to Qt's usual place (``~/.config/OptimizerPlayground/OptimizerPlayground.conf``).
"""
from __future__ import annotations

import os
from pathlib import Path

HOME_ENV = "OPTIMIZER_PLAYGROUND_HOME"
APP_NAME = "Optimizer Playground"
ORG_NAME = "OptimizerPlayground"


def set_app_names() -> None:
    """Name the application and organization, as Qt's standard paths need before their first use.

    Without the names (the CLI has no QApplication) the data folder came out as bare ``~/.local/share``.
    """
    from PySide6.QtCore import QCoreApplication

    if QCoreApplication.applicationName() != APP_NAME:
        QCoreApplication.setOrganizationName(ORG_NAME)
        QCoreApplication.setApplicationName(APP_NAME)


def home_override() -> Path | None:
    """``$OPTIMIZER_PLAYGROUND_HOME`` as a path (None when it is not set)."""
    home = os.environ.get(HOME_ENV)
    return Path(home) if home else None


def data_dir() -> Path:
    """The app's data folder: ``$OPTIMIZER_PLAYGROUND_HOME``, else Qt's AppDataLocation for the app."""
    home = home_override()
    if home is not None:
        return home
    from PySide6.QtCore import QStandardPaths

    set_app_names()
    where = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    return Path(where) if where else Path.home() / ".optimizer-playground"
