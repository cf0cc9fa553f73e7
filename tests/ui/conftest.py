"""Fixtures for widget tests: a session on a copy of the 2009 race, and a window on it."""

from __future__ import annotations

import shutil

import pytest

from photofinish.core.store import Store
from photofinish.session import Session


@pytest.fixture
def sample_session(tmp_path, sample_path):
    copy = tmp_path / "race.db"
    shutil.copyfile(sample_path, copy)
    store = Store.open(copy)
    session = Session(store)
    yield session
    store.close()


@pytest.fixture
def window(qtbot, sample_session):
    from photofinish.app.windows import answer_requests
    from photofinish.ui.window.main_window import MainWindow

    win = MainWindow(sample_session, replay=False)
    answer_requests(win)  # other files open as they do in the app
    qtbot.addWidget(win)
    win.resize(1600, 900)
    win.show()
    qtbot.waitExposed(win)
    return win


@pytest.fixture(autouse=True)
def _close_app_windows():
    """Close the windows and messages a test opened through the app's own functions."""
    yield
    from PySide6.QtWidgets import QApplication

    from photofinish.app import windows as app_module
    from photofinish.ui.dialogs.notice import open_notices

    for window in list(app_module._windows):
        window.close()
    for box in open_notices():
        box.close()
    QApplication.processEvents()
