"""Hosts shared by several clients in this process (the maps of a page share one child), counted."""
from __future__ import annotations

from playground.workers.host import WorkerHost

_SHARED: dict[str, tuple[WorkerHost, int]] = {}


def acquire(name: str, **kwargs) -> WorkerHost:
    """The host named ``name`` shared in this process (made with ``kwargs`` the first time); counted.

    Clients that may share one child (the maps of a page) acquire it and :func:`release` it when
    they end; the last release closes it.
    """
    host, users = _SHARED.get(name, (None, 0))
    if host is None:
        host = WorkerHost(name, **kwargs)
    _SHARED[name] = (host, users + 1)
    return host


def release(host: WorkerHost, timeout: float = 1.0) -> None:
    """Give back a host from :func:`acquire`; the last user's release closes it."""
    for name, (shared, users) in list(_SHARED.items()):
        if shared is host:
            if users > 1:
                _SHARED[name] = (shared, users - 1)
                return
            del _SHARED[name]
            break
    host.close(timeout)
