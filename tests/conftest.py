"""Shared test set-up: offscreen Qt, isolated user folders and settings."""

from __future__ import annotations

import os
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
    ):
        monkeypatch.delenv(name, raising=False)


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
    from tests.cli_support import run

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
