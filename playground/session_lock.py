"""Which autosave file this instance of the app owns, and whether the last run crashed.

The first instance running on a home folder holds ``session.lock`` (its process id and start time)
and autosaves to ``session-autosave.toml``. On a clean exit it removes the lock. So when a start finds
a lock whose process is gone, the last run crashed: that start takes the lock over and recovers the
autosave. A second instance started while the first runs gets files of its own
(``session-<pid>.lock``, ``session-autosave-<pid>.toml``) and never overwrites the first one's.
"""
from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

LOCK = "session.lock"
AUTOSAVE = "session-autosave.toml"


def _start_time(pid: int) -> str:
    """The process's start time in clock ticks since boot (Linux /proc), "" where unknown.

    With the pid it names one process: a pid reused by a later process has another start time.
    """
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return ""


def _alive(pid: int, started: str) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: alive
        return True
    except OSError:
        return False
    now = _start_time(pid)
    return not (started and now and now != started)


def _read(path: Path) -> tuple[int, str]:
    try:
        pid, _, started = path.read_text(encoding="utf-8").strip().partition(" ")
        return int(pid), started
    except (OSError, ValueError):
        return -1, ""


@dataclass
class Claim:
    """What :func:`claim` found and took.

    Attributes
    ----------
    autosave : Path
        The autosave file this instance writes.
    lock : Path
        The lock file it holds (removed by :meth:`release`).
    crashed : bool
        The previous instance on this folder ended without removing its lock.
    primary : bool
        This instance owns the folder's main autosave (False: another instance is running).
    """

    autosave: Path
    lock: Path
    crashed: bool
    primary: bool

    def release(self) -> None:
        """Remove the lock if it is still this process's (a clean exit)."""
        pid, _ = _read(self.lock)
        if pid == os.getpid():
            try:
                self.lock.unlink()
            except OSError as exc:
                log.warning("could not remove the lock %s: %s", self.lock, exc)


def claim(home: Path) -> Claim:
    """Take this instance's lock in ``home`` and say which autosave it owns and whether the last run crashed."""
    home.mkdir(parents=True, exist_ok=True)
    me = f"{os.getpid()} {_start_time(os.getpid())}"
    main = home / LOCK
    for _attempt in range(3):
        try:
            fd = os.open(main, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            pid, started = _read(main)
            if pid == os.getpid():
                return Claim(home / AUTOSAVE, main, crashed=False, primary=True)
            if _alive(pid, started):
                mine = home / f"session-{os.getpid()}.lock"
                mine.write_text(me, encoding="utf-8")
                return Claim(home / f"session-autosave-{os.getpid()}.toml", mine, crashed=False, primary=False)
            # The process that held the lock is gone: the last run crashed. Take the lock over; a rename
            # is atomic, so two starts racing here both end with a lock file, the later one's.
            tmp = home / f".{LOCK}.{os.getpid()}"
            tmp.write_text(me, encoding="utf-8")
            os.replace(tmp, main)
            if _read(main)[0] == os.getpid():
                return Claim(home / AUTOSAVE, main, crashed=True, primary=True)
            continue
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(me)
        return Claim(home / AUTOSAVE, main, crashed=False, primary=True)
    mine = home / f"session-{os.getpid()}.lock"
    mine.write_text(me, encoding="utf-8")
    return Claim(home / f"session-autosave-{os.getpid()}.toml", mine, crashed=False, primary=False)
