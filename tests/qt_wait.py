"""``wait(qtbot, cond)``: process Qt events until ``cond()`` holds, failing the test after ``timeout_s``.

Shared by the search page's tests. Generous by default: several sessions share two cores here, and a
small search, race or truth takes seconds when alone.
"""
from __future__ import annotations

import time


def wait(qtbot, cond, timeout_s=150.0):
    t0 = time.monotonic()
    while not cond():
        assert time.monotonic() - t0 < timeout_s, "timed out"
        qtbot.wait(20)
