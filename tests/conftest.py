"""Shared test set-up: offscreen Qt, isolated user folders and settings."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# A 1920x1080 offscreen screen (the plugin's default is 800x800, too small for
# the window, so Qt would squeeze restored geometry to fit it).
if os.environ.get("QT_QPA_PLATFORM", "offscreen") == "offscreen":
    screens = ROOT / "tests" / "offscreen-screen.json"
    os.environ["QT_QPA_PLATFORM"] = f"offscreen:configfile={screens}"
os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")


@pytest.fixture(autouse=True)
def _isolated_user_dirs(tmp_path_factory: pytest.TempPathFactory, monkeypatch) -> None:
    """Keep every test away from the real user's data, cache and settings folders."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / "cache"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("XDG_STATE_HOME", str(home / "state"))
    for name in (
        "PHOTOFINISH_GITHUB_TOKEN",
        "GITHUB_TOKEN",
        "PHOTOFINISH_YOUTUBE_KEY",
        "YOUTUBE_API_KEY",
        "PHOTOFINISH_X_TOKEN",
        "DBUS_SESSION_BUS_ADDRESS",  # no notices on the real desktop: a test brings its own bus
    ):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(autouse=True)
def _no_system_keyring():
    """Keys stay out of the real user's keyring: none is there unless a test brings one."""
    import keyring
    from keyring.backends import fail

    from photofinish import settings

    before = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    settings._moved = False
    yield
    keyring.set_keyring(before)


@pytest.fixture(autouse=True)
def _system_colour_scheme():
    """Put the colour scheme back to following the system after a test that chose one."""
    yield
    import sys

    theme = sys.modules.get("photofinish.ui.theme")
    running = theme.theme() if theme is not None else None
    if running is not None and running.choice != theme.SYSTEM:
        running.set_choice(theme.SYSTEM, remember=False)


@pytest.fixture
def sample_path() -> Path:
    """The bundled 2009 race."""
    return ROOT / "data" / "race-2009.db"


@pytest.fixture
def sample_copy(tmp_path, capsys) -> Path:
    """A copy of the 2009 race written by ``photofinish sample``."""
    from tests.cli.support import run

    p = tmp_path / "race.db"
    code, out, _ = run(capsys, "sample", str(p))
    assert code == 0 and out.strip() == str(p)
    return p


@pytest.fixture
def services():
    """A local server answering like Bluesky, Mastodon, GitHub, YouTube and JSON endpoints."""
    from tests.fake_services import FakeServices

    server = FakeServices().start()
    yield server
    server.stop()


# -- a window on a copy of the 2009 race -------------------------------------------------------
@pytest.fixture
def sample_session(tmp_path, sample_path):
    """A session on a copy of the 2009 race."""
    from photofinish.core.store import Store
    from photofinish.session import Session

    copy = tmp_path / "race.db"
    shutil.copyfile(sample_path, copy)
    store = Store.open(copy)
    session = Session(store)
    yield session
    store.close()


@pytest.fixture
def window(qtbot, sample_session):
    """The main window on :func:`sample_session`, shown, opening other files as the app does."""
    from photofinish.app.windows import answer_requests
    from photofinish.ui.window.main_window import MainWindow

    win = MainWindow(sample_session, replay=False)
    answer_requests(win)
    qtbot.addWidget(win)
    win.resize(1600, 900)
    win.show()
    qtbot.waitExposed(win)
    return win


@pytest.fixture(autouse=True)
def _close_app_windows():
    """Close the windows and messages a test opened through the app's own functions."""
    yield
    windows = sys.modules.get("photofinish.app.windows")
    if windows is None:  # no test has opened a window through the app
        return
    from PySide6.QtWidgets import QApplication

    from photofinish.ui.dialogs.notice import open_notices

    for window in windows.open_windows():
        window.close()
    for box in open_notices():
        box.close()
    QApplication.processEvents()
