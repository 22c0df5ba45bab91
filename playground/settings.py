"""Settings remembered between runs, through QSettings.

They live where Qt keeps an application's settings (on Linux ``~/.config/OptimizerPlayground/
OptimizerPlayground.conf``), or, when the environment variable ``OPTIMIZER_PLAYGROUND_HOME`` names a
folder, in ``settings.ini`` inside it: tests and scripted runs point it at a temporary folder so they
never touch a user's real settings.
"""
from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QSettings

ORG = "OptimizerPlayground"
APP = "OptimizerPlayground"
HOME_ENV = "OPTIMIZER_PLAYGROUND_HOME"


def settings() -> QSettings:
    """The app's QSettings: in ``$OPTIMIZER_PLAYGROUND_HOME/settings.ini`` when that is set."""
    home = os.environ.get(HOME_ENV)
    if home:
        Path(home).mkdir(parents=True, exist_ok=True)
        return QSettings(str(Path(home) / "settings.ini"), QSettings.IniFormat)
    return QSettings(ORG, APP)


def settings_path() -> str:
    """The file the settings are kept in (delete it to start fresh)."""
    return settings().fileName()
