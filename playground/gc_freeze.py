"""Keep Python's full garbage collections short in the app's long-lived processes.

A full (generation 2) collection walks every object the collector tracks. With torch, Qt,
pyqtgraph and Optuna imported and the window built, that is a quarter of a million objects, and
one collection holds the GUI thread for several frames (bench_search_stall prints how long, with
and without this). Almost all of those objects live as long as the process: :func:`freeze_startup_objects`
moves them into the permanent generation (:func:`gc.freeze`), so later collections only walk what
was made since. Objects frozen are still freed by reference counting; only cycles among them are
never collected, so it is called once a process has started, after an optional collection.
"""
from __future__ import annotations

import gc


def freeze_startup_objects(collect: bool = False) -> int:
    """Move every object tracked now into the permanent generation; the number moved.

    Parameters
    ----------
    collect : bool
        Run a full collection first, so the garbage of start-up is freed instead of kept (the
        window's start does: it costs one collection, before the user sees anything).
    """
    if collect:
        gc.collect()
    gc.freeze()
    return gc.get_freeze_count()
