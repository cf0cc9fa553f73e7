"""Guard against the PySide6 build that leaks references to None on void calls."""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject


def test_void_qt_calls_do_not_drop_references_to_none():
    obj = QObject()
    obj.setObjectName("warm-up")
    before = sys.getrefcount(None)
    for i in range(2000):
        obj.setObjectName(f"name-{i % 7}")
    after = sys.getrefcount(None)
    # A faulty build drops one reference per call: 2,000 here.
    assert abs(after - before) < 50, f"refcount of None moved by {after - before}"
