"""The window's wiring: log and chart in step; replay and live updates reach every pane."""

from __future__ import annotations

import hashlib

from PySide6.QtCore import Qt

from photofinish.core.model import Competitor, Event, Race, Snapshot
from photofinish.core.store import Store
from photofinish.session import Session
from photofinish.ui import fmt
from photofinish.ui.widgets.replay_bar import replay_plan
from photofinish.ui.window.main_window import MainWindow

CROSS_MS = 1239948780000  # 2009-04-17 06:13 UTC


def view_centre_ms(chart) -> float:
    x0, x1 = chart.getViewBox().viewRange()[0]
    return (x0 + x1) / 2 * 1000


def test_title_and_panes(window):
    assert window.windowTitle() == (
        "Photo Finish — Kutcher vs CNN: the race to a million followers (April 2009)"
    )
    assert window.scoreboard.headline_text() == "Ashton Kutcher first, by 1,761"
    assert "America/Los_Angeles" in window.zone_label.text()
    assert window.log_panel.model.rowCount() == len(window.session.events) > 20


def test_selecting_an_event_centres_the_chart(window, qtbot):
    log = window.log_panel
    row = log.model.row_of("crossed:aplusk")
    index = log.proxy.mapFromSource(log.model.index(row, 0))
    log.view.setCurrentIndex(index)
    assert abs(view_centre_ms(window.chart) - CROSS_MS) < 60_000
    assert not window.chart.following
    assert window.live_button.isVisible()
    window.live_button.click()
    assert window.chart.following and not window.live_button.isVisible()


def test_clicking_a_chart_marker_selects_its_event(window):
    points = window.chart.crossings.points()
    aplusk = [p for p in points if p.data()[0] == "crossed:aplusk"]
    window.chart.crossings.sigClicked.emit(window.chart.crossings, aplusk, None)  # a click
    assert window.log_panel.selected_key() == "crossed:aplusk"
    glitch = window.chart.glitches.points()
    assert len(glitch) == 1
    window.chart.glitches.sigClicked.emit(window.chart.glitches, glitch, None)
    assert window.log_panel.selected_key().startswith("glitch:cnnbrk:")


def test_user_text_is_shown_literally(qtbot, tmp_path):
    text = "<b>CNN</b> begs on air <script>alert(1)</script>"
    store = Store.create(
        tmp_path / "n.db",
        Race("<i>Race</i>", 1000),
        [Competitor("a", "<b>A</b>", ""), Competitor("b", "B", "")],
    )
    store.add_event(Event(1_700_000_000_000, "note", text, origin="user"))
    win = MainWindow(Session(store))
    qtbot.addWidget(win)
    model = win.log_panel.model
    assert model.index(0, 2).data() == text
    assert win.windowTitle() == "Photo Finish — <i>Race</i>"
    card = win.scoreboard.cards[0]
    assert card.name.text() == "<b>A</b>"
    assert card.name.textFormat() == Qt.TextFormat.PlainText
    store.close()


def test_appending_snapshots_updates_scoreboard_chart_and_log(qtbot, tmp_path):
    store = Store.create(
        tmp_path / "live.db",
        Race("Live", 1000),
        [Competitor("a", "Alpha", ""), Competitor("b", "Beta", "")],
    )
    session = Session(store)
    win = MainWindow(session)
    qtbot.addWidget(win)
    win.show()
    base = 1_700_000_000_000
    session.append([Snapshot(base, "a", 900), Snapshot(base, "b", 950)])
    assert win.scoreboard.cards[0].count.text() == "900"
    assert win.scoreboard.headline_text() == "Beta leads by 50"
    rows_before = win.log_panel.model.rowCount()
    with qtbot.waitSignal(session.events_added, timeout=2000):
        session.append([Snapshot(base + 60_000, "a", 1000), Snapshot(base + 60_000, "b", 960)])
    assert win.scoreboard.headline_text() == "Alpha first, by 40"
    assert win.log_panel.model.rowCount() > rows_before
    kinds = {win.log_panel.model.event_at(r).kind for r in range(win.log_panel.model.rowCount())}
    assert {"lead_change", "crossed"} <= kinds
    x, y = win.chart.curves["a"].getData()
    assert y.tolist() == [900, 1000]
    store.close()


def _race_digest(path) -> str:
    """A digest of everything but the saved view (which closing the window updates)."""
    import sqlite3

    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        rows = [
            repr(conn.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall())
            for table in ("race", "competitors", "snapshots", "events")
        ]
    finally:
        conn.close()
    return hashlib.sha256("".join(rows).encode()).hexdigest()


def test_replay_reaches_the_first_crossing(qtbot, sample_session, tmp_path):
    path = sample_session.path
    before = _race_digest(path)
    win = MainWindow(sample_session, replay=True)
    qtbot.addWidget(win)
    win.show()
    start, speed = replay_plan(sample_session)
    assert 60 <= (CROSS_MS - start) / speed / 1000 <= 120  # the demo's ~90 seconds
    assert win.replay_bar.replayer.playing
    assert win.scoreboard.headline_text() != "Ashton Kutcher first, by 1,761"
    # Play the rest in about two seconds of wall time, through the real timer.
    win.replay_bar.set_speed((CROSS_MS - start) / 2000)
    qtbot.waitUntil(
        lambda: win.scoreboard.headline_text() == "Ashton Kutcher first, by 1,761", timeout=15_000
    )
    assert [c.leader for c in sample_session.analysis.lead_changes] == [
        "aplusk",
        "cnnbrk",
        "aplusk",
    ]
    win.replay_bar.pause()
    win.close()
    assert _race_digest(path) == before


def test_replay_controls(window):
    bar = window.replay_bar
    bar.replayer.seek(bar.replayer.start_ms)
    assert bar.slider.value() == 0
    bar.slider.sliderMoved.emit(5000)  # dragged to the middle
    mid = (bar.replayer.start_ms + bar.replayer.end_ms) // 2
    assert abs(window.session.as_of_ms - mid) < 1000
    bar.change_speed(1)
    assert bar.speed_box.currentText() == "600×" and bar.replayer.speed == 600
    bar.speed_box.setCurrentText("Fit into 60 s")
    assert abs(bar.replayer.speed - (bar.replayer.end_ms - mid) / 60_000) < 1
    bar.play()
    assert bar.play_button.text().endswith("Pause")
    bar.toggle()
    assert not bar.replayer.playing


def test_the_speed_box_says_the_speed_the_replay_runs_at(qtbot, sample_session):
    """The demo picks its own speed to reach the finish in time: the box shows that one."""
    win = MainWindow(sample_session, replay=True)
    qtbot.addWidget(win)
    win.show()
    bar = win.replay_bar
    assert bar.replayer.playing
    shown = bar.speed_box.currentText()
    assert shown == f"{fmt.count(bar.replayer.speed)}×"
    assert f"replaying at {shown}" in win.status_left.text()
    bar.faster()  # on to the next fixed speed above it
    assert bar.replayer.speed > float(shown.rstrip("×").replace(",", ""))
    assert f"replaying at {bar.speed_box.currentText()}" in win.status_left.text()
    bar.pause()
    win.close()
