"""What the search tests share: a tiny training set-up, a scene around it, the page shown, idle, and a
count of a storage's write transactions.

The set-ups are small on purpose (tens of points, a few units, a few epochs): the tests check what the
page does with trials, not what the trials learn.
"""
from __future__ import annotations

import contextlib

LR = {"low": 1e-3, "high": 1.0, "log": True}


def tiny_base(epochs: int = 4, n: int = 120, layers=(4,), batch_size: int = 0) -> dict:
    """A scene's ``[base]``: Adam at 0.01 on ``n`` moons points, hidden ``layers``, ``epochs`` epochs."""
    return {"epochs": epochs, "data": {"dataset": "moons", "n": n}, "model": {"layers": list(layers)},
            "optimizer": {"name": "adam", "lr": 0.01, "batch_size": batch_size}}


def search_scene(base: dict, space: dict | None = None, **kw) -> dict:
    """A random search of 4 trials over the learning rate (or ``space``), seed 0, study "t"; ``kw`` overrides."""
    return {"method": "random", "trials": 4, "sampler_seed": 0, "study": "t",
            "space": space if space is not None else {"lr": LR}, "base": base} | kw


def idle(page) -> bool:
    """No search running and no job left in the page's worker host."""
    host = page.link.host
    return not page.model.running and (host is None or not host.live_jobs)


@contextlib.contextmanager
def shown_page(qtbot, storage: str):
    """A search page shown at 1280x720 on ``storage``, shut down afterwards."""
    from playground.pages.search.page import SearchPage

    p = SearchPage()
    qtbot.addWidget(p)
    p.resize(1280, 720)
    p.show()
    p.model.storage = storage
    try:
        yield p
    finally:
        p.shutdown()


def write_commits(storage) -> list:
    """A list that grows by one at each transaction of ``storage``'s SQLite engine that writes."""
    from sqlalchemy import event

    from playground.search.storage import unwrap

    engine = unwrap(storage).engine
    seen, wrote = [], [False]

    def on_execute(_conn, _cursor, statement, *_a):
        wrote[0] = wrote[0] or statement.lstrip().split(None, 1)[0].upper() in ("INSERT", "UPDATE", "DELETE")

    def on_commit(_conn):
        if wrote[0]:
            seen.append(1)
        wrote[0] = False

    event.listen(engine, "before_cursor_execute", on_execute)
    event.listen(engine, "commit", on_commit)
    return seen
