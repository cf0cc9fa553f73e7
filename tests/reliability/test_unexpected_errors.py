"""An exception in any Qt slot is logged with its traceback, shown without blocking, survived."""

from __future__ import annotations

import sys

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from photofinish.app import application as app
from photofinish.core import logs

TOKEN = "ghp_FAKEtoken0123456789abcdefABCDEF012345"


@pytest.fixture
def hooked(monkeypatch, window):
    """The app's own log file and exception hook, as `photofinish` installs them."""
    monkeypatch.setenv("PHOTOFINISH_GITHUB_TOKEN", TOKEN)
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)  # put back afterwards
    path = logs.setup()
    app.install_excepthook()
    yield window, path
    logs.stop()
    for box in QApplication.topLevelWidgets():
        if isinstance(box, QMessageBox):
            box.close()


def _error_box() -> QMessageBox | None:
    for widget in QApplication.topLevelWidgets():
        if isinstance(widget, QMessageBox) and widget.objectName() == "unexpectedError":
            if widget.isVisible():
                return widget
    return None


def failing_slot() -> None:
    raise ValueError(f"the figures did not add up (key {TOKEN})")


@pytest.mark.qt_no_exception_capture
def test_an_exception_in_a_slot_is_logged_shown_and_survived(qtbot, hooked):
    window, path = hooked
    assert path is not None and path.parent.name == "log"
    window.session.analysis_changed.connect(failing_slot)
    try:
        window.session.analysis_changed.emit()
        qtbot.waitUntil(lambda: _error_box() is not None, timeout=5000)
    finally:
        window.session.analysis_changed.disconnect(failing_slot)
    box = _error_box()
    assert box is not None
    # Non-blocking: not modal, and the event loop and the window go on.
    assert box.windowModality() == Qt.WindowModality.NonModal
    assert box.textFormat() == Qt.TextFormat.PlainText
    assert "ValueError: the figures did not add up" in box.text()
    assert str(path) in box.text()
    assert "failing_slot" in box.detailedText()
    ticks = []
    QTimer.singleShot(10, lambda: ticks.append(1))
    qtbot.waitUntil(lambda: ticks == [1], timeout=2000)
    window.log_check.click()
    assert window.log_check.isChecked() and window.log_action.isChecked()
    assert window.isVisible()
    # The log file has the traceback; the key is in neither the file nor the notice.
    for handler in logs._installed:
        handler.flush()
    text = path.read_text(encoding="utf-8")
    assert "Unexpected error (the app keeps running)" in text
    assert "Traceback (most recent call last)" in text and "failing_slot" in text
    assert TOKEN not in text
    assert TOKEN not in box.text() and TOKEN not in box.detailedText()


@pytest.mark.qt_no_exception_capture
def test_a_burst_of_errors_updates_one_notice(qtbot, hooked):
    for _ in range(20):
        QTimer.singleShot(0, failing_slot)
    qtbot.waitUntil(
        lambda: _error_box() is not None and "19 more" in _error_box().text(), timeout=5000
    )
    boxes = [
        w
        for w in QApplication.topLevelWidgets()
        if isinstance(w, QMessageBox) and w.objectName() == "unexpectedError" and w.isVisible()
    ]
    assert len(boxes) == 1


def test_the_log_file_rolls_over(tmp_path, monkeypatch):
    monkeypatch.setattr(logs, "LOG_BYTES", 2000)
    path = logs.setup()
    try:
        import logging

        for i in range(200):
            logging.getLogger("photofinish.test").info("line %d of a long night of recording", i)
    finally:
        logs.stop()
    assert path is not None
    rolled = sorted(p.name for p in path.parent.iterdir())
    assert rolled == [
        "photofinish.log",
        "photofinish.log.1",
        "photofinish.log.2",
        "photofinish.log.3",
    ]
    assert all(p.stat().st_size <= 2100 for p in path.parent.iterdir())
