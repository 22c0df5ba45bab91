"""Settings remembered between runs, through QSettings."""
from __future__ import annotations

from PySide6.QtCore import QSettings

ORG = "OptimizerPlayground"
APP = "OptimizerPlayground"


def settings() -> QSettings:
    """The app's QSettings (tests redirect it to a temporary folder in conftest)."""
    return QSettings(ORG, APP)
