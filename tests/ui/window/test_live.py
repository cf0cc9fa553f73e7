"""Live sources in the window: status on the cards, log events, Sources dialog, typed readings."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QDialog

from photofinish.core.model import Competitor, Race, Snapshot, SourceConfig
from photofinish.core.store import Store
from photofinish.session import Session
from tests.stored import query
from tests.stored import stored as stored_file

T0 = 1_795_000_000_000


@pytest.fixture
def live_window(qtbot, tmp_path, services):
    store = Store.create(
        tmp_path / "live.pfrace",
        Race("Live", 5_000_000),
        [Competitor("alice", "Alice", "#E69F00"), Competitor("bob", "Bob", "#56B4E9")],
    )
    store.save_source(
        SourceConfig("alice", "bluesky:alice.example.com", 1, True, services.base_url)
    )
    store.save_source(SourceConfig("bob", "github-followers:bob", 1, True, services.base_url))
    from photofinish.ui.window.main_window import MainWindow

    win = MainWindow(Session(store), replay=False, restore=False)
    win.live.runner.retry_base_s = 0.05
    qtbot.addWidget(win)
    win.resize(1600, 900)
    win.show()
    qtbot.waitExposed(win)
    return win


def test_stored_sources_start_and_readings_reach_the_cards_and_chart(qtbot, live_window, services):
    win = live_window
    session = win.session
    qtbot.waitUntil(
        lambda: all(len(session.series[h]) >= 2 for h in ("alice", "bob")), timeout=10_000
    )
    card = win.scoreboard.cards[0]
    assert card.source.isVisible()
    assert card.source.text().startswith("Bluesky @alice.example.com: ok")
    assert card.count.text() != "–"
    curve_x, _ = win.chart.curves["alice"].getData()
    assert curve_x is not None and len(curve_x) >= 1
    # The replay bar's end follows the newest reading.
    end = win.replay_bar.replayer.end_ms
    qtbot.waitUntil(lambda: win.replay_bar.replayer.end_ms > end, timeout=10_000)


def test_trouble_shows_on_the_card_and_once_in_the_log(qtbot, live_window, services):
    win = live_window
    qtbot.waitUntil(lambda: len(win.session.series["alice"]) >= 1, timeout=10_000)
    services.faults.extend(["503"] * 3)
    card = win.scoreboard.cards[0]
    qtbot.waitUntil(
        lambda: "HTTP 503" in card.source.text() or "HTTP 503" in card.source.toolTip(),
        timeout=10_000,
    )
    assert card.source.styleSheet() != ""
    qtbot.waitUntil(lambda: ": ok" in card.source.text(), timeout=15_000)

    def rows_now():
        return [e for e in win.session.events if e.kind == "source" and e.handle == "alice"]

    qtbot.waitUntil(lambda: any("working again" in e.text for e in rows_now()), timeout=5000)
    rows = rows_now()
    texts = [e.text for e in rows]
    assert len([t for t in texts if "HTTP 503" in t]) == 1
    assert len([t for t in texts if "working again" in t]) == 1
    model = win.log_panel.model
    shown = [model.data(model.index(r, 2)) for r in range(model.rowCount())]
    assert any("HTTP 503" in t for t in shown)
    # A source event is not a note: it cannot be edited or deleted from the log.
    menu = win.log_panel.context_menu_for(rows[0])
    edit = next(a for a in menu.actions() if a.objectName() == "editNote")
    assert not edit.isEnabled()


def test_closing_the_window_stops_polling(qtbot, live_window, services):
    win = live_window
    qtbot.waitUntil(lambda: len(services.requests) >= 2, timeout=10_000)
    win.close()
    qtbot.wait(200)
    seen = len(services.requests)
    qtbot.wait(1500)
    assert len(services.requests) == seen


def test_sources_dialog_saves_and_restarts(qtbot, live_window, services, monkeypatch):
    win = live_window
    old = win.session.sources()

    class FakeDialog:
        def __init__(self, competitors, sources, status=None, parent=None):
            assert set(status or {}) == {str(s.id) for s in old}
            self._sources = [sources[0]]  # bob's source removed
            self._sources[0].enabled = False  # alice's paused
            self._sources.append(
                SourceConfig("bob", "mastodon:@bob@example.social", 1, True, services.base_url)
            )

        def exec(self):
            return QDialog.DialogCode.Accepted

        def sources(self):
            return self._sources

        def changed_secrets(self):
            return []

    monkeypatch.setattr("photofinish.ui.dialogs.sources.SourcesDialog", FakeDialog)
    win.live.edit_sources()
    with stored_file(win.session) as store:
        stored = store.sources()
    assert [(s.handle, s.spec, s.enabled) for s in stored] == [
        ("alice", "bluesky:alice.example.com", False),
        ("bob", "mastodon:@bob@example.social", True),
    ]
    assert win.live.runner.status_of(str(stored[0].id)).state == "paused"
    qtbot.waitUntil(
        lambda: any("/api/v1/accounts/lookup" in r["path"] for r in services.requests),
        timeout=10_000,
    )
    qtbot.waitUntil(lambda: "paused" in win.scoreboard.cards[0].source.text(), timeout=5000)


def test_a_typed_reading_is_stored_and_undone(qtbot, window):
    session = window.session
    before = len(session.series["aplusk"])
    last = int(session.series["aplusk"].at_ms[-1])
    count = int(session.series["aplusk"].count[-1]) + 50
    assert window.live.add_reading("aplusk", last + 60_000, count)
    assert len(session.series["aplusk"]) == before + 1
    with stored_file(session) as store:
        stored = [s for s in store.snapshots("aplusk") if s.at_ms == last + 60_000]
    assert [(s.count, s.source) for s in stored] == [(count, "manual")]
    assert window.scoreboard.cards[0].count.text() == f"{count:,}"
    window.undo_stack.undo()
    assert len(session.series["aplusk"]) == before
    with stored_file(session) as store:
        assert not [s for s in store.snapshots("aplusk") if s.at_ms == last + 60_000]
    window.undo_stack.redo()
    assert len(session.series["aplusk"]) == before + 1
    # The same reading again is not stored twice.
    assert not window.live.add_reading("aplusk", last + 60_000, count)
    assert len(session.series["aplusk"]) == before + 1


def test_a_jump_shows_as_provisional_until_the_next_reading(qtbot, window):
    session = window.session
    s = session.series["cnnbrk"]
    last_t, last_c = int(s.at_ms[-1]), int(s.count[-1])
    session.append([Snapshot(last_t + 60_000, "cnnbrk", last_c * 3, "manual")])
    keys = [spot.data()[0] for spot in window.chart.glitches.points()]
    assert f"provisional:cnnbrk:{last_t + 60_000}:{last_c * 3}" in keys
    assert window.scoreboard.cards[1].count.text() == f"{last_c:,}"  # held out
    session.append([Snapshot(last_t + 120_000, "cnnbrk", last_c + 10, "manual")])

    def keys_now() -> list[str]:
        return [spot.data()[0] for spot in window.chart.glitches.points()]

    # The second reading came within a frame of the first: it shows at the next frame.
    qtbot.waitUntil(lambda: not any(k.startswith("provisional:") for k in keys_now()))
    keys = keys_now()
    assert f"glitch:cnnbrk:{last_t + 60_000}:{last_c * 3}" in keys


def test_readings_within_a_frame_are_analysed_together(qtbot, window):
    from photofinish.session import FRAME_MS

    session = window.session
    s = session.series["aplusk"]
    last_t, last_c = int(s.at_ms[-1]), int(s.count[-1])
    session.append([Snapshot(last_t + 60_000, "aplusk", last_c + 5, "manual")])
    assert int(session.analysis.clean["aplusk"][0][-1]) == last_t + 60_000  # shown at once
    changed = []
    session.analysis_changed.connect(lambda: changed.append(True))
    # The next ones come within the frame: stored now, analysed at the frame.
    session.append([Snapshot(last_t + 120_000, "aplusk", last_c + 9, "manual")])
    session.append([Snapshot(last_t + 180_000, "aplusk", last_c + 12, "manual")])
    assert session.reading_id("aplusk", last_t + 180_000, last_c + 12) is not None
    assert int(session.analysis.clean["aplusk"][0][-1]) == last_t + 60_000
    assert not changed
    qtbot.waitUntil(lambda: bool(changed), timeout=FRAME_MS * 5)
    assert len(changed) == 1  # one analysis for both batches
    assert int(session.analysis.clean["aplusk"][0][-1]) == last_t + 180_000
    x, _ = window.chart.curves["aplusk"].getData()
    assert round(x[-1] * 1000) == last_t + 180_000


def test_flush_and_closing_settle_readings_still_waiting(window):
    session = window.session
    s = session.series["aplusk"]
    last_t, last_c = int(s.at_ms[-1]), int(s.count[-1])
    session.append([Snapshot(last_t + 60_000, "aplusk", last_c + 5, "manual")])
    session.append([Snapshot(last_t + 120_000, "aplusk", last_c + 9, "manual")])
    assert int(session.analysis.clean["aplusk"][0][-1]) == last_t + 60_000
    session.flush()
    assert int(session.analysis.clean["aplusk"][0][-1]) == last_t + 120_000
    session.append([Snapshot(last_t + 180_000, "aplusk", last_c * 3, "manual")])
    session.append([Snapshot(last_t + 240_000, "aplusk", last_c + 15, "manual")])
    session.stop_watching()  # before the file closes: what waits is analysed and stored
    key = f"glitch:aplusk:{last_t + 180_000}:{last_c * 3}"
    assert query(session, "SELECT count(*) FROM events WHERE key = ?", [key]) == [(1,)]
