"""The Qt binding pinned in pyproject.toml keeps Python's singletons alive (docs/upstream.md).

PySide6 6.12's abi3 wheel on Python 3.11 returned None from void methods without a new reference:
after some thousands of calls None's reference count reached zero and the process aborted. 6.10 does
not; this test fails on a binding that leaks references from None, True or False.
"""
from __future__ import annotations

import sys

import pytest
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QImage, QPainter, QPen


class _Emitter(QObject):
    sig = Signal(int)


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="3.12+ makes None, True and False immortal")
def test_void_and_bool_calls_do_not_steal_references_from_singletons(qtbot):
    image = QImage(8, 8, QImage.Format_ARGB32)
    painter = QPainter(image)
    emitter = _Emitter()
    before = {name: sys.getrefcount(obj) for name, obj in (("None", None), ("True", True), ("False", False))}
    pen = QPen()
    for i in range(2000):
        painter.setPen(pen)          # void
        painter.isActive()           # bool
        emitter.sig.emit(i)          # bool-returning emit
    painter.end()
    after = {name: sys.getrefcount(obj) for name, obj in (("None", None), ("True", True), ("False", False))}
    for name in before:
        assert after[name] - before[name] > -100, f"{name} lost {before[name] - after[name]} references"
