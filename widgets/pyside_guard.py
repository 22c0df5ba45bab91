"""Work around PySide6 6.12 dropping references to ``None``, ``True`` and ``False`` on Python 3.11.

PySide6 6.12 (abi3 wheel) returns ``None`` from void methods, and ``True``/``False`` from some
bool-returning ones and from ``Signal.emit()``, without a new reference. Measured on Python 3.11:
1000 ``QPainter.setPen`` calls take 999 references from ``None``. Python 3.12 made these singletons
immortal; on 3.11 the count reaches zero after some thousands of calls and the process aborts with
"none_dealloc" / "bool_dealloc" (exit 134). A 60 Hz page makes that many calls in seconds.

:func:`make_singletons_immortal` adds 2**60 references, which is what 3.12 does anyway. It runs once
when :mod:`widgets` is imported, so every Qt view in this project is covered.
"""
from __future__ import annotations

import sys

_MARGIN = 1 << 60


def make_singletons_immortal() -> bool:
    """Pin ``None``, ``True`` and ``False`` on Python < 3.12.

    Returns
    -------
    bool
        Whether anything was changed (False on 3.12+, or when already pinned).
    """
    if sys.version_info >= (3, 12):
        return False
    import ctypes

    changed = False
    for singleton in (None, True, False):
        refcnt = ctypes.c_ssize_t.from_address(id(singleton))  # ob_refcnt is PyObject's first field
        if refcnt.value < _MARGIN:
            refcnt.value += _MARGIN
            changed = True
    return changed
