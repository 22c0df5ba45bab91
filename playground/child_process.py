"""One spawned subprocess and its duplex pipe: the lifecycle every worker host shares.

Spawn (never fork: Qt and torch threads must not be copied), a child that says it is ready once
its imports are done, and an end that never hangs the GUI: a ready child is asked to quit and
joined; one still importing torch, or stuck, is terminated (nothing of value is lost).
"""
from __future__ import annotations

import contextlib
import logging
import multiprocessing as mp
import sys

log = logging.getLogger(__name__)


@contextlib.contextmanager
def main_script_hidden():
    """Start spawned children without running the parent's main script again.

    Python's spawn re-imports ``__main__`` in the child, from ``__main__.__file__`` (a plain script)
    or ``__main__.__spec__`` (``python -m``): a course author's script without an
    ``if __name__ == "__main__":`` guard would open a second playground in every child and crash it.
    The children run only the app's own module-level functions, so they need nothing from the main
    module: while a child starts, the main module shows neither, and spawn skips it.
    """
    main = sys.modules.get("__main__")
    if main is None:
        yield
        return
    saved = {k: main.__dict__[k] for k in ("__file__", "__spec__") if k in main.__dict__}
    main.__dict__.pop("__file__", None)
    main.__spec__ = None
    try:
        yield
    finally:
        main.__dict__.pop("__spec__", None)
        main.__dict__.update(saved)


class ChildProcess:
    """Base of the GUI-side host (:class:`playground.workers.host.WorkerHost`).

    Parameters
    ----------
    target : callable(conn, *args)
        The child's entry point (module level, picklable); it sends its "ready" message first.
    name : str
        The process name (shows in ``ps``).
    args : tuple
        More arguments for ``target`` (picklable).
    """

    def __init__(self, target, name: str, args: tuple = ()):
        self._ctx = mp.get_context("spawn")
        self._child_entry = target
        self._child_args = tuple(args)
        self._name = name
        self._proc = None
        self._conn = None
        self._ready = False

    def ensure_started(self) -> None:
        """Spawn the subprocess if it is not alive (its torch import takes a second or two, off this thread)."""
        if self._proc is not None and self._proc.is_alive():
            return
        self._close_conn()
        parent, child = self._ctx.Pipe(duplex=True)
        self._conn = parent
        self._proc = self._ctx.Process(target=self._child_entry, args=(child, *self._child_args), daemon=True, name=self._name)
        with main_script_hidden():
            self._proc.start()
        child.close()
        self._ready = False

    @property
    def alive(self) -> bool:
        """True while the subprocess exists."""
        return self._proc is not None and self._proc.is_alive()

    def _close_conn(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def _end_child(self, farewell: tuple = (("quit",),), timeout: float = 1.0) -> None:
        """Send ``farewell`` if the child is ready, close the pipe, join; terminate, then kill, if needed."""
        proc, conn, ready = self._proc, self._conn, self._ready
        self._proc = self._conn = None
        self._ready = False
        if conn is not None:
            try:
                if ready:
                    for msg in farewell:
                        conn.send(msg)
            except (OSError, ValueError) as exc:  # the child is gone already: nothing to ask, join it
                log.debug("%s: farewell not sent: %s", self._name, exc)
            conn.close()  # a child blocked on a write gets EPIPE, one waiting on a read gets EOF
        if proc is None:
            return
        if ready:
            proc.join(timeout)
        if proc.is_alive():  # still importing torch, or stuck
            proc.terminate()
            proc.join(timeout)
        if proc.is_alive():
            log.warning("%s (pid %s) did not end on terminate; killing it", self._name, proc.pid)
            proc.kill()
            proc.join(timeout)
        if proc.is_alive():
            log.error("%s (pid %s) still alive after kill", self._name, proc.pid)
