"""The None/True/False refcount guard (PySide6 6.12 on Python 3.11, widgets/pyside_guard.py)."""
from __future__ import annotations

import sys

import pytest


def test_void_methods_do_not_exhaust_none(qapp):
    from PySide6.QtWidgets import QLabel

    import widgets  # noqa: F401  (the guard runs on import)

    label = QLabel()
    before = sys.getrefcount(None)
    for _ in range(20000):  # more than an unguarded 3.11 None survives
        label.setText("x")
    assert sys.getrefcount(None) > 1 << 40 or sys.version_info >= (3, 12)
    assert abs(sys.getrefcount(None) - before) < 1 << 30


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="None is immortal on Python 3.12+")
def test_guard_is_idempotent():
    from widgets.pyside_guard import make_singletons_immortal

    make_singletons_immortal()
    assert make_singletons_immortal() is False
    assert sys.getrefcount(None) >= 1 << 60
