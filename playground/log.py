"""The app's log: one rotating file in the app's data folder, set up once per process.

A user sees one line about an error (a label, a status bar, the CLI's stderr); its details, the
traceback, go here, and the message names this file ("details in ..."). The folder is
``$OPTIMIZER_PLAYGROUND_HOME`` when that is set (tests and scripted runs point it at a temporary
folder, as for the settings), else Qt's ``AppDataLocation`` for the app (on Linux
``~/.local/share/OptimizerPlayground/Optimizer Playground``).

Modules log through ``logging.getLogger(__name__)``; only the app (``run_app``), the CLI's
internal-error path and the subprocesses call :func:`setup_logging`.
"""
from __future__ import annotations

import logging
import logging.handlers
import os
from pathlib import Path

from playground.home import data_dir

__all__ = ["LOG_FILE", "data_dir", "log_path", "setup_logging", "close_logging",
           "details_hint"]

LOG_FILE = "optimizer-playground.log"
MAX_BYTES = 1_000_000  # per file; the log is for a bug report, not an archive
BACKUPS = 3
FORMAT = "%(asctime)s %(process)d %(levelname)s %(name)s: %(message)s"

_handler: logging.Handler | None = None


def log_path() -> Path:
    """The log file (it may not exist yet: nothing was logged)."""
    return data_dir() / LOG_FILE


def setup_logging(level: int = logging.INFO) -> Path:
    """Send log records of ``level`` and above to the rotating log file; returns its path.

    Safe to call again: a second call adds no second handler, and moves the file when
    ``OPTIMIZER_PLAYGROUND_HOME`` changed in between (tests). Never raises: when the folder
    cannot be written, records go to stderr (Python's last-resort handler) and the path is
    still returned.
    """
    global _handler
    path = log_path()
    root = logging.getLogger()
    if _handler is not None:
        if getattr(_handler, "baseFilename", None) == os.path.abspath(path):
            return path
        root.removeHandler(_handler)
        _handler.close()
        _handler = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.handlers.RotatingFileHandler(path, maxBytes=MAX_BYTES, backupCount=BACKUPS,
                                                       encoding="utf-8", delay=True)
    except OSError as exc:
        logging.getLogger(__name__).warning("cannot write the log file %s: %s", path, exc)
        return path
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.setLevel(level)
    root.addHandler(handler)
    if root.level == logging.NOTSET or root.level > level:
        root.setLevel(level)
    _handler = handler
    return path


def close_logging() -> None:
    """Remove the file handler :func:`setup_logging` added (tests; the app keeps it to the end)."""
    global _handler
    if _handler is not None:
        logging.getLogger().removeHandler(_handler)
        _handler.close()
        _handler = None


def details_hint() -> str:
    """``"details in <log file>"``, for the end of a one-line error message."""
    return f"details in {log_path()}"
