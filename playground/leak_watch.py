"""What a block of code left running: Python threads, QThreads, active QTimers and child processes.

The ``playground`` fixture of :mod:`playground.pytest_plugin` wraps each test in a :class:`LeakWatch`, as
napari's test suite fails a test that leaves a QThread or QTimer running. Child processes are counted too;
``multiprocessing``'s resource tracker (and forkserver), which stay for the life of the interpreter once
any spawned child has run, are not leftovers.
"""
from __future__ import annotations

import logging
import multiprocessing
import os
import sys
import threading
import time
import weakref

log = logging.getLogger(__name__)


class LeakWatch:
    """Record what runs on entry; :meth:`leaks` lists what was started since and still runs.

    Parameters
    ----------
    grace : float
        Seconds :meth:`leaks` waits, processing Qt events, for things being stopped to finish
        (a joined child can take a moment to exit).

    Examples
    --------
    >>> with LeakWatch() as watch:
    ...     run_something()
    ...     assert not watch.leaks()
    """

    def __init__(self, grace: float = 2.0):
        self.grace = grace
        self._threads: set[int] = set()
        self._children: set[int] = set()
        self._qt_started: list = []
        self._restore: list = []

    def __enter__(self) -> "LeakWatch":
        self._threads = {t.ident for t in threading.enumerate()}
        self._children = set(child_processes())
        self._patch_qt()
        return self

    def __exit__(self, *exc) -> None:
        for cls, original in reversed(self._restore):
            cls.start = original
        self._restore.clear()

    def _patch_qt(self) -> None:
        """Record every QThread and QTimer started inside the block (Qt has no list of them)."""
        from PySide6.QtCore import QThread, QTimer

        for cls in (QThread, QTimer):
            original = cls.start
            registry = self._qt_started

            def start(obj, *args, _original=original, **kwargs):
                registry.append(weakref.ref(obj))
                return _original(obj, *args, **kwargs)

            cls.start = start
            self._restore.append((cls, original))

    def running(self) -> list[str]:
        """What was started inside the block and runs now, one description each."""
        found = []
        for t in threading.enumerate():
            # Foreign threads (a QThread calling into Python) appear as dummies that never end.
            if t.ident not in self._threads and t.is_alive() and not isinstance(t, threading._DummyThread):
                found.append(f"thread {t.name!r}")
        for ref in self._qt_started:
            obj = ref()
            if obj is None:
                continue
            try:
                if hasattr(obj, "isRunning") and obj.isRunning():
                    found.append(f"QThread {obj.objectName() or type(obj).__name__!r} running")
                elif hasattr(obj, "isActive") and obj.isActive():
                    label = repr(obj.objectName()) if obj.objectName() else f"({obj.interval()} ms)"
                    found.append(f"QTimer {label} active")
            except RuntimeError:  # its C++ object is gone: it runs no more
                continue
        for pid, what in child_processes().items():
            if pid not in self._children:
                found.append(what)
        return sorted(set(found))

    def leaks(self) -> list[str]:
        """:meth:`running`, after waiting up to ``grace`` seconds for it to become empty."""
        deadline = time.monotonic() + self.grace
        while True:
            found = self.running()
            if not found or time.monotonic() >= deadline:
                return found
            _process_qt_events()
            time.sleep(0.05)


def _process_qt_events() -> None:
    core = sys.modules.get("PySide6.QtCore")
    if core is not None and core.QCoreApplication.instance() is not None:
        core.QCoreApplication.processEvents()  # lets finished threads' deleteLater and quit() land


def _ignored_pids() -> set[int]:
    """multiprocessing's own helper processes, which outlive every child by design."""
    pids = set()
    try:
        from multiprocessing import resource_tracker

        pids.add(getattr(resource_tracker._resource_tracker, "_pid", None))
    except ImportError:
        pass
    if sys.platform != "win32":
        try:
            from multiprocessing import forkserver

            pids.add(getattr(forkserver._forkserver, "_forkserver_pid", None))
        except ImportError:
            pass
    pids.discard(None)
    return pids


def child_processes() -> dict[int, str]:
    """This process's live children, pid -> description, without multiprocessing's helpers.

    multiprocessing's children are found on every platform; on Linux ``/proc`` also gives the children
    started any other way (``subprocess``). Zombies (exited, not yet reaped) do not count.
    """
    found = {p.pid: f"child process {p.name!r} (pid {p.pid})"
             for p in multiprocessing.active_children() if p.pid is not None}
    tasks = f"/proc/{os.getpid()}/task"
    if os.path.isdir(tasks):
        for tid in os.listdir(tasks):
            try:
                with open(f"{tasks}/{tid}/children") as f:
                    pids = [int(p) for p in f.read().split()]
            except OSError:  # the thread ended, or the kernel has no children files
                continue
            for pid in pids:
                if pid in found:
                    continue
                state, name = _proc_state(pid)
                if state not in ("Z", "X", None):
                    found[pid] = f"child process {name!r} (pid {pid})"
    for pid in _ignored_pids():
        found.pop(pid, None)
    return found


def _proc_state(pid: int) -> tuple[str | None, str]:
    try:
        with open(f"/proc/{pid}/stat") as f:
            stat = f.read()
    except OSError:
        return None, "?"
    name = stat[stat.find("(") + 1: stat.rfind(")")]
    return stat[stat.rfind(")") + 2:].split(" ", 1)[0], name
