"""Desktop alerts from the window, through a notification service on a private session bus."""

from __future__ import annotations

import html
import shutil

import pytest
from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QApplication

from photofinish import settings
from photofinish.core.alerts import FAR, AlertChoice, alert_kind
from photofinish.core.model import Competitor, Race, Snapshot
from photofinish.core.store import Store
from photofinish.session import Session
from photofinish.ui.window.main_window import MainWindow
from tests.notification_service import NotificationService, PrivateBus

pytestmark = pytest.mark.skipif(
    shutil.which("dbus-daemon") is None, reason="dbus-daemon (Debian: dbus-daemon) is needed"
)
T0 = 1_800_000_000_000  # ms


@pytest.fixture
def service(monkeypatch):
    bus = PrivateBus()
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", bus.address)
    server = NotificationService(bus.address)
    yield server
    server.stop()
    bus.stop()


def _race(tmp_path, name="Alice <b>bold</b>"):
    store = Store.create(
        tmp_path / "alerts.pfrace",
        Race("Showdown", 100_000, display_tz="UTC"),
        [Competitor("alice", name, "#E69F00"), Competitor("bob", "Bob", "#56B4E9")],
    )
    # An hour of history before the window opens: bob leads, far from the milestone.
    store.append(
        [
            Snapshot(T0 + m * 60_000, h, c)
            for m in range(60)
            for h, c in (("alice", 90_000 + m), ("bob", 90_100 + m))
        ]
    )
    return store


def _told(service, kind: str) -> bool:
    return any(n.summary.startswith(kind) for n in service.notices)


def _window(qtbot, store, replay=False):
    win = MainWindow(Session(store), replay=replay, restore=False)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    return win


def _feed(session, minutes):
    """The race from here: alice overtakes bob, then reaches 100,000 first."""
    for i, m in enumerate(minutes):
        alice = 90_060 + (i + 1) * 700
        bob = 90_160 + (i + 1) * 600
        session.append(
            [Snapshot(T0 + m * 60_000, "alice", alice), Snapshot(T0 + m * 60_000, "bob", bob)]
        )
        session.flush()


def test_a_live_race_notifies_what_happens_in_order_and_plain(qtbot, tmp_path, service):
    win = _window(qtbot, _race(tmp_path))
    qtbot.wait(300)
    assert service.notices == []  # the hour before opening is never told
    _feed(win.session, range(60, 76))
    events = [e for e in win.session.events if e.at_ms >= T0 + 60 * 60_000]
    wanted = [e for e in events if AlertChoice().wants(e)]
    assert {alert_kind(e) for e in wanted} >= {"lead_change", "crossed", "to_go_near"}
    qtbot.waitUntil(lambda: len(service.notices) == len(wanted), timeout=10_000)
    qtbot.wait(300)
    assert len(service.notices) == len(wanted)  # nothing more, nothing twice
    for notice, event in zip(service.notices, wanted, strict=True):
        assert notice.signature == "susssasa{sv}i"
        assert notice.app_name == "Photo Finish" and notice.app_icon == "photofinish"
        assert notice.summary.endswith("· Showdown")
        # The service reads markup, so the text is escaped: shown exactly as written.
        assert notice.body == html.escape(event.text, quote=False)
        assert notice.actions == ["default", "Show"]
    assert any("&lt;b&gt;bold&lt;/b&gt;" in n.body for n in service.notices)
    far = [e for e in events if alert_kind(e) == FAR]
    assert far and not any(n.body == html.escape(e.text) for e in far for n in service.notices)


def test_clicking_a_notice_brings_the_window_forward_with_its_event_selected(
    qtbot, tmp_path, service
):
    win = _window(qtbot, _race(tmp_path, "Alice"))
    _feed(win.session, range(60, 76))
    qtbot.waitUntil(lambda: _told(service, "Milestone"), timeout=10_000)
    crossing = next(n for n in service.notices if n.summary.startswith("Milestone"))
    key = next(e.key for e in win.session.events if e.kind == "crossed" and e.handle == "alice")
    win.log_panel.view.clearSelection()
    service.click(crossing.id)
    qtbot.waitUntil(lambda: win.log_panel.selected_key() == key, timeout=10_000)
    assert win.isVisible()


def test_a_replay_notifies_nothing_unless_asked(qtbot, tmp_path, service):
    store = _race(tmp_path, "Alice")
    # The whole race stored: then replayed from its start.
    store.append(
        [Snapshot(T0 + (60 + i) * 60_000, h, c) for i in range(16)
         for h, c in (("alice", 90_060 + (i + 1) * 700), ("bob", 90_160 + (i + 1) * 600))]
    )  # fmt: skip
    path = store.path
    win = _window(qtbot, store)
    bar = win.replay_bar
    bar.replayer.seek(bar.replayer.start_ms)
    bar.set_speed(4 * 3600)
    bar.play()
    qtbot.waitUntil(lambda: not bar.replayer.playing, timeout=15_000)
    qtbot.wait(300)
    assert service.notices == []
    win.close()

    settings.set_alert_choice(path, AlertChoice(in_replay=True))
    win = _window(qtbot, Store.open(path))
    bar = win.replay_bar
    bar.replayer.seek(bar.replayer.start_ms)
    bar.set_speed(4 * 3600)
    bar.play()
    qtbot.waitUntil(lambda: _told(service, "Milestone"), timeout=15_000)
    assert any(n.summary.startswith("Lead change") for n in service.notices)


def test_the_2009_race_opens_without_a_notice(qtbot, sample_session, service):
    win = MainWindow(sample_session, replay=False, restore=False)
    qtbot.addWidget(win)
    win.show()
    qtbot.wait(500)
    win.alerts.check()
    QApplication.processEvents()
    assert service.notices == []


def test_the_choice_is_kept_per_user_per_file(tmp_path, qapp):
    a, b = tmp_path / "a.pfrace", tmp_path / "b.pfrace"
    settings.set_alert_choice(a, AlertChoice(frozenset({"crossed"}), True))
    assert settings.alert_choice(a) == AlertChoice(frozenset({"crossed"}), True)
    assert settings.alert_choice(b) == AlertChoice()  # all on but the early "to go" marks
    assert FAR not in AlertChoice().on


class Notices(QObject):
    """A stand-in for DesktopNotices that keeps what it was asked to show."""

    clicked = Signal(str)

    def __init__(self) -> None:
        super().__init__()
        self.shown: list[tuple[str, str, str]] = []

    def notify(self, title: str, body: str, key: str) -> None:
        self.shown.append((title, body, key))

    def close(self) -> None:
        pass


def test_a_new_projected_winner_is_told_once_it_has_held(qtbot, tmp_path):
    from photofinish.ui.window.alerts import PROJECTION_HOLD_S, Alerts

    win = _window(qtbot, _race(tmp_path, "Alice"))
    notices, now = Notices(), [0.0]
    alerts = Alerts(win.session, win.log_panel, lambda: {}, win, notices, clock=lambda: now[0])
    assert win.session.analysis.projected_winner == "bob"
    _feed(win.session, range(60, 63))  # alice now gains faster: she is projected to win
    assert win.session.analysis.projected_winner == "alice"
    alerts.check()
    now[0] += PROJECTION_HOLD_S - 1
    alerts.check()
    assert not any(t.startswith("Projected winner") for t, _, _ in notices.shown)  # not yet
    now[0] += 2
    alerts.check()
    alerts.check()
    told = [b for t, b, _ in notices.shown if t.startswith("Projected winner")]
    assert told == ["Alice is now on course to reach 100,000 first"]


def test_a_source_failing_for_minutes_is_told_and_so_is_its_recovery(qtbot, tmp_path):
    import time

    from photofinish.core.live.source_state import SourceStatus
    from photofinish.core.model import SourceConfig
    from photofinish.ui.window.alerts import Alerts

    win = _window(qtbot, _race(tmp_path, "Alice"))
    status = SourceStatus("Bluesky @alice.bsky.social")
    config = SourceConfig("alice", "bluesky:alice.bsky.social", 60, True, None, 1)
    notices = Notices()
    alerts = Alerts(win.session, win.log_panel, lambda: {"1": (config, status)}, win, notices)
    status.failed("HTTP 503 Service Unavailable", time.time() - 60, None, False)
    alerts.check()
    assert notices.shown == []  # a minute of trouble is not worth a notice
    status.trouble_since = time.time() - 6 * 60
    alerts.check()
    alerts.check()
    assert [b for _, b, _ in notices.shown] == [
        "Bluesky @alice.bsky.social (Alice) has been failing for 6 min: "
        "HTTP 503 Service Unavailable"
    ]
    status.succeeded(123, time.time())
    alerts.check()
    assert notices.shown[-1][1] == "Bluesky @alice.bsky.social (Alice) works again"
    assert len(notices.shown) == 2


def test_race_alerts_keeps_what_is_ticked_for_this_file(qtbot, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QDialog

    from photofinish.ui.dialogs.alerts import AlertsDialog

    win = _window(qtbot, _race(tmp_path, "Alice"))
    assert win.alerts_action.text() == "A&lerts…"

    def tick_and_save(dialog: AlertsDialog) -> int:
        assert dialog.boxes["lead_change"].isChecked() and not dialog.boxes[FAR].isChecked()
        dialog.boxes["lead_change"].setChecked(False)
        dialog.replay_box.setChecked(True)
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(AlertsDialog, "exec", tick_and_save)
    win.alerts_action.trigger()
    kept = settings.alert_choice(win.session.path)
    assert "lead_change" not in kept.on and "crossed" in kept.on and kept.in_replay
    assert win.alerts.choice == kept
