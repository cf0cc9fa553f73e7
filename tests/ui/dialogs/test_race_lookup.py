"""New Race with live competitors: paste profile links, see who they are, create and follow."""

from __future__ import annotations

import time
from urllib.parse import urlsplit, urlunsplit

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QFileDialog

from photofinish.app import windows as app_module
from photofinish.core.live import specs
from photofinish.core.live.fetch import fetcher
from photofinish.core.live.specs import HttpRequest
from photofinish.core.store import Store
from photofinish.sources.lookup import Lookups
from photofinish.ui.dialogs.race import RaceDialog


def to_services(services):
    """A fetch that sends every request to the local stand-in instead of the real service."""
    real = fetcher(timeout_s=5)
    base = urlsplit(services.base_url)

    def fetch(request: HttpRequest):
        parts = urlsplit(request.url)
        url = urlunsplit((base.scheme, base.netloc, parts.path, parts.query, ""))
        return real(HttpRequest(url, request.headers, url))

    return fetch


@pytest.fixture
def dialog(qtbot, services, monkeypatch):
    monkeypatch.setenv("PHOTOFINISH_X_TOKEN", "x-token")
    lookups = Lookups(specs.secret_from_env, to_services(services))
    dlg = RaceDialog(lookups=lookups)
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.waitExposed(dlg)
    dlg.title_edit.setText("Two profiles")
    return dlg


def paste(qtbot, dlg, row: int, text: str) -> None:
    edit = dlg._rows[row].handle
    edit.clear()
    edit.insert(text)  # a paste: the whole text at once


def account(dlg, row: int) -> str:
    return dlg._rows[row].follows.status.text()


def test_pasting_two_links_shows_who_they_are_and_creates_a_followed_race(
    qtbot, dialog, services, tmp_path, monkeypatch
):
    # The window's own polls go to the stand-in too (it answers every preset's path).
    for kind in ("bluesky", "github-followers"):
        monkeypatch.setitem(specs.DEFAULT_BASES, kind, services.base_url)
    paste(qtbot, dialog, 0, "https://bsky.app/profile/alice.bsky.social")
    paste(qtbot, dialog, 1, "https://github.com/carol")
    assert not dialog.ok_button.isEnabled()  # still looking up
    assert "Looking up" in dialog.problem()
    qtbot.waitUntil(lambda: account(dialog, 0).startswith("✓"), timeout=5000)
    qtbot.waitUntil(lambda: account(dialog, 1).startswith("✓"), timeout=5000)
    counts = sorted(services.served)
    assert "Alice" in account(dialog, 0) and "followers" in account(dialog, 0)
    # The platform boxes follow the links; the names are filled in.
    assert dialog._rows[0].follows.platform.currentData() == "bluesky"
    assert dialog._rows[1].follows.platform.currentData() == "github-followers"
    assert dialog._rows[0].name.text() == "Alice"
    assert dialog._rows[1].name.text() == "Carol"
    assert dialog.ok_button.isEnabled(), dialog.problem()
    assert [c.handle for c in dialog.competitors()] == ["alice.bsky.social", "carol"]
    assert [s.spec for s in dialog.sources()] == [
        "bluesky:alice.bsky.social",
        "github-followers:carol",
    ]

    # Create: the file holds the sources and the counts read; the window follows them.
    target = tmp_path / "followed.pfrace"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    readings = dialog.first_readings()
    window = app_module.create_race_file(
        dialog.race(), dialog.competitors(), None, dialog.sources(), readings
    )
    assert window is not None
    qtbot.addWidget(window)
    with Store.open(target, read_only=True) as store:
        assert [s.spec for s in store.sources()] == [s.spec for s in dialog.sources()]
        stored = sorted(s.count for s in store.snapshots())
    assert stored[:2] == counts[:2]

    # The window polls the sources at once: new readings arrive within seconds.
    def newer() -> int:
        with Store.open(target, read_only=True) as store:
            return sum(1 for s in store.snapshots() if s.count > max(counts))

    qtbot.waitUntil(lambda: newer() >= 2, timeout=8000)
    window.close()


def test_a_wrong_handle_shows_its_problem_and_create_stays_disabled(qtbot, dialog, services):
    services.missing.add("nobody.bsky.social")
    paste(qtbot, dialog, 0, "bluesky:nobody.bsky.social")
    paste(qtbot, dialog, 1, "https://x.com/alice_photo")
    qtbot.waitUntil(lambda: account(dialog, 0).startswith("no "), timeout=5000)
    qtbot.waitUntil(lambda: account(dialog, 1).startswith("✓"), timeout=5000)
    assert account(dialog, 0) == "no Bluesky account named nobody.bsky.social"
    assert dialog.problem() == "Competitor 1: no Bluesky account named nobody.bsky.social"
    assert not dialog.ok_button.isEnabled()
    # Fixed by typing another: looked up again, and Create comes back.
    paste(qtbot, dialog, 0, "bluesky:alice.bsky.social")
    qtbot.waitUntil(dialog.ok_button.isEnabled, timeout=5000)


def test_a_handle_with_its_platform_chosen_is_looked_up(qtbot, dialog):
    row = dialog._rows[0]
    row.follows.platform.setCurrentIndex(row.follows.platform.findData("github-followers"))
    qtbot.keyClicks(row.handle, "octo-user")
    qtbot.waitUntil(lambda: account(dialog, 0).startswith("✓"), timeout=5000)
    assert dialog.competitors()[0].handle == "octo-user"
    assert dialog.sources()[0].spec == "github-followers:octo-user"


def test_manual_competitors_still_make_a_race_without_sources(qtbot, dialog, services):
    qtbot.keyClicks(dialog._rows[0].handle, "@aplusk")
    qtbot.keyClicks(dialog._rows[1].handle, "cnnbrk")
    assert dialog.ok_button.isEnabled(), dialog.problem()
    assert dialog.sources() == [] and dialog.first_readings() == []
    assert services.requests == []  # nothing was looked up
    assert account(dialog, 0) == ""


def test_a_suspended_account_is_a_problem_not_a_zero(qtbot, dialog, services):
    services.replies["mallory"] = "mastodon-suspended"
    paste(qtbot, dialog, 0, "https://example.social/@mallory")
    qtbot.waitUntil(lambda: "suspended" in account(dialog, 0), timeout=5000)
    assert not dialog.ok_button.isEnabled()
    assert dialog.first_readings() == []


def test_the_window_stays_responsive_while_a_look_up_waits(qtbot, dialog, services):
    services.delay_s = 1.5
    ticks: list[float] = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(time.monotonic()))
    timer.start(20)
    paste(qtbot, dialog, 0, "https://bsky.app/profile/alice.bsky.social")
    started = time.monotonic()
    qtbot.waitUntil(lambda: account(dialog, 0).startswith("✓"), timeout=8000)
    timer.stop()
    assert time.monotonic() - started >= 1.5  # the server really was slow
    gaps = [b - a for a, b in zip(ticks, ticks[1:], strict=False)]
    assert len(ticks) > 40 and max(gaps) < 0.5  # the event loop never waited for it
    QApplication.processEvents()


def test_an_answer_for_text_since_replaced_is_dropped(qtbot, dialog, services):
    services.delay_s = 0.8
    paste(qtbot, dialog, 0, "https://bsky.app/profile/old.bsky.social")
    qtbot.wait(700)  # the look-up of the old text has started
    services.delay_s = 0.0
    paste(qtbot, dialog, 0, "https://bsky.app/profile/new.bsky.social")
    qtbot.waitUntil(lambda: account(dialog, 0).startswith("✓"), timeout=5000)
    qtbot.wait(1200)  # the old answer arrives now, and must change nothing
    assert dialog.competitors()[0].handle == "new.bsky.social"
    assert "New" in account(dialog, 0)
