"""Race ▸ Fetch History in the window, and a moved Mastodon account offered as the new source."""

from __future__ import annotations

import time

import pytest
from PySide6.QtWidgets import QApplication, QMessageBox, QProgressDialog, QPushButton

from photofinish.core.live.history import HISTORY_SOURCE
from photofinish.core.model import Competitor, Race, SourceConfig
from photofinish.core.store import Store
from photofinish.session import Session

SUNDAY = 1_788_048_000  # a Sunday, 00:00 UTC


def open_window(qtbot, tmp_path, sources):
    store = Store.create(
        tmp_path / "stars.pfrace",
        Race("Stars", 5_000),
        [Competitor("octo-org/octo-repo", "Octo", "#E69F00"), Competitor("rival", "Rival", "")],
    )
    for source in sources:
        store.save_source(source)
    from photofinish.ui.window.main_window import MainWindow

    win = MainWindow(Session(store), replay=False, restore=False)
    qtbot.addWidget(win)
    win.resize(1280, 720)
    win.show()
    qtbot.waitExposed(win)
    return win


def star_history(services, weeks: int) -> int:
    services.history["octo-org/octo-repo"] = [
        {"week": SUNDAY - i * 7 * 86_400, "total": 7, "days": [1] * 7} for i in range(weeks)
    ]
    services.count, services.step = weeks * 7, 0
    return weeks * 7


def idle(win) -> bool:
    """Whether the window has finished fetching (its progress dialog gone)."""
    return win.findChild(QProgressDialog, "historyProgress") is None or not (
        win.history.loads or win.history._waiting
    )


@pytest.fixture
def star_window(qtbot, tmp_path, services):
    source = SourceConfig(
        "octo-org/octo-repo", "github-stars:octo-org/octo-repo", 3600, False, services.base_url
    )
    return open_window(qtbot, tmp_path, [source])


def test_fetch_history_fills_the_race_with_one_reading_a_day(qtbot, star_window, services):
    stars = star_history(services, 70)  # three pages
    win = star_window
    win.history_action.trigger()
    qtbot.waitUntil(lambda: idle(win), timeout=10_000)
    series = win.session.series["octo-org/octo-repo"]
    assert len(series) == stars + 1  # every day, and the zero before the first star
    assert int(series.count.max()) == stars and int(series.count.min()) == 0
    assert series.at_ms.max() <= time.time() * 1000
    assert "days from" in win.statusBar().currentMessage()
    with Store.open(win.session.path, read_only=True) as store:
        sources = {s.source for s in store.snapshots("octo-org/octo-repo")}
    assert sources == {HISTORY_SOURCE}


def test_cancel_keeps_the_pages_stored(qtbot, star_window, services):
    star_history(services, 70)
    services.delay_s = 0.4  # slow pages: time to cancel after the first
    win = star_window
    win.history.fetch_all()
    qtbot.waitUntil(lambda: len(win.session.series["octo-org/octo-repo"]) > 0, timeout=10_000)
    dialog = win.findChild(QProgressDialog, "historyProgress")
    assert dialog is not None and dialog.isVisible()
    dialog.findChild(QPushButton).click()  # Cancel
    qtbot.waitUntil(lambda: not win.history.loads, timeout=10_000)
    kept = len(win.session.series["octo-org/octo-repo"])
    assert 0 < kept < 70 * 7
    assert kept % (30 * 7) == 0  # whole pages only
    qtbot.wait(1000)
    assert len(win.session.series["octo-org/octo-repo"]) == kept  # nothing after the cancel


def test_a_rate_limit_halfway_waits_and_goes_on(qtbot, star_window, services):
    stars = star_history(services, 40)
    win = star_window
    # The look-up and the first page go through; the second page meets the rate limit,
    # which resets a second later.
    services.faults.extend(["ok", "ok", "403-rate"])
    win.history.fetch_all()
    qtbot.waitUntil(lambda: idle(win), timeout=15_000)
    assert len(win.session.series["octo-org/octo-repo"]) == stars + 1
    assert any(r.get("fault") == "403-rate" for r in services.requests)


def test_a_race_with_no_history_says_so(qtbot, tmp_path, services, monkeypatch):
    shown = []
    monkeypatch.setattr(
        "photofinish.ui.window.history.notice",
        lambda parent, title, text, **kw: shown.append((title, text)),
    )
    source = SourceConfig("rival", "bluesky:rival.bsky.social", 3600, False, services.base_url)
    win = open_window(qtbot, tmp_path, [source])
    win.history.fetch_all()
    assert shown and shown[0][0] == "No history to fetch"
    assert "only GitHub keeps a public history" in shown[0][1]
    assert services.requests == []


def test_a_moved_account_is_said_once_and_offered_as_the_new_source(qtbot, tmp_path, services):
    services.replies["oldalice"] = "mastodon-moved"
    source = SourceConfig(
        "rival", "mastodon:@oldalice@example.social", 0.05, True, services.base_url
    )
    win = open_window(qtbot, tmp_path, [source])
    win.live.runner.own_server_floor_s = 0.05
    qtbot.waitUntil(
        lambda: any(isinstance(w, QMessageBox) and w.objectName() == "accountMoved"
                    for w in QApplication.topLevelWidgets() if w.isVisible()),
        timeout=10_000,
    )  # fmt: skip
    qtbot.waitUntil(lambda: len(win.session.series["rival"]) >= 2, timeout=10_000)
    box = next(
        w for w in QApplication.topLevelWidgets()
        if isinstance(w, QMessageBox) and w.objectName() == "accountMoved" and w.isVisible()
    )  # fmt: skip
    assert "has moved to @alice@new.example" in box.text()
    card = win.scoreboard.cards[1]
    assert "ok; moved to @alice@new.example" in card.source.toolTip()  # elided on the card
    moved_lines = [e for e in win.session.events if "has moved to" in e.text]
    assert len(moved_lines) == 1  # said once, though every poll says it
    follow = next(b for b in box.buttons() if b.text() == "Follow the New Account")
    follow.click()
    qtbot.waitUntil(
        lambda: [s.spec for s in win.session.sources()] == ["mastodon:@alice@new.example"],
        timeout=5000,
    )
