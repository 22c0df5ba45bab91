"""Settings remembered between runs, through QSettings.

They live where Qt keeps an application's settings (on Linux ``~/.config/OptimizerPlayground/
OptimizerPlayground.conf``), or, when the environment variable ``OPTIMIZER_PLAYGROUND_HOME`` names a
folder, in ``settings.ini`` inside it: tests and scripted runs point it at a temporary folder so they
never touch a user's real settings.
"""
from __future__ import annotations

from PySide6.QtCore import QSettings

from playground.home import ORG_NAME, home_override

SETTINGS_APP = "OptimizerPlayground"  # the file name Qt derives from it: OptimizerPlayground.conf


def settings() -> QSettings:
    """The app's QSettings: in ``$OPTIMIZER_PLAYGROUND_HOME/settings.ini`` when that is set."""
    home = home_override()
    if home is not None:
        home.mkdir(parents=True, exist_ok=True)
        return QSettings(str(home / "settings.ini"), QSettings.IniFormat)
    return QSettings(ORG_NAME, SETTINGS_APP)


def settings_path() -> str:
    """The file the settings are kept in (delete it to start fresh)."""
    return settings().fileName()
