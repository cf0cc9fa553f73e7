"""The recorder in a subprocess: what it prints is stored, SIGTERM loses nothing, viewers see it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from photofinish.core.model import Competitor, Race
from photofinish.core.store import Store
from tests.stored import stored

EXE = Path(sys.executable).parent / "photofinish"


@pytest.fixture
def session_file(tmp_path) -> Path:
    path = tmp_path / "rec.pfrace"
    Store.create(
        path,
        Race("Recorded", 1_000_000),
        [Competitor("alice", "Alice", "#E69F00"), Competitor("bob", "Bob", "#56B4E9")],
    ).close()
    return path


def _recorder(session: Path, services, *extra: str) -> subprocess.Popen[str]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    return subprocess.Popen(
        [
            str(EXE),
            "record",
            str(session),
            "--feed",
            "alice=bluesky:alice.example.com",
            "--feed",
            "bob=github-followers:bob",
            "--interval",
            "1",
            "--base-url",
            services.base_url,
            *extra,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def _stored_lines(out: str) -> list[tuple[str, int]]:
    rows = []
    for line in out.splitlines():
        parts = line.split("  ")
        if len(parts) >= 4 and parts[1] == "stored":
            rows.append((parts[2], int(parts[3])))
    return rows


def test_sigterm_mid_run_keeps_every_printed_reading(session_file, services):
    proc = _recorder(session_file, services)
    deadline = time.monotonic() + 20
    while len(services.served) < 6 and time.monotonic() < deadline:
        time.sleep(0.1)
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err
    printed = _stored_lines(out)
    assert len(printed) >= 4, out
    with Store.open(session_file, read_only=True) as store:
        stored = {(s.handle, s.count) for s in store.snapshots()}
        assert "recorder" not in store.view_state()  # it tidied up
    assert set(printed) <= stored
    # Every reading the server gave and the recorder received is in the file, once.
    assert len(stored) == len({c for _, c in stored})
    assert "stopped;" in err


def test_duration_stops_by_itself_and_prints_state_changes(session_file, services):
    services.faults.extend(["503", "503"])
    proc = _recorder(session_file, services, "--duration", "4")
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert "HTTP 503" in out and "working again" in out
    with Store.open(session_file, read_only=True) as store:
        texts = [e.text for e in store.events() if e.kind == "source"]
    assert any("HTTP 503" in t for t in texts)
    assert any("working again" in t for t in texts)


def test_bad_feeds_are_refused_before_anything_runs(session_file, services, capsys):
    from tests.cli.support import run

    code, _, err = run(capsys, "record", str(session_file), "--feed", "carol=bluesky:x.example.com")
    assert code == 2 and "no competitor 'carol'" in err
    code, _, err = run(capsys, "record", str(session_file), "--feed", "alice=friendster:x")
    assert code == 2 and "friendster" in err
    code, _, err = run(
        capsys, "record", str(session_file), "--feed", "alice=youtube:UC1234567890abcdefghij"
    )
    assert code == 2 and "key" in err.lower()
    code, _, err = run(capsys, "record", str(session_file))
    assert code == 2 and "nothing to record" in err


def test_a_viewer_window_picks_up_the_recorders_readings(qtbot, session_file, services):
    from photofinish.session import open_session
    from photofinish.ui.window.main_window import MainWindow

    session = open_session(session_file)
    window = MainWindow(session, replay=False, restore=False)
    qtbot.addWidget(window)
    proc = _recorder(session_file, services)
    try:
        qtbot.waitUntil(lambda: len(session.series["alice"]) >= 2, timeout=15_000)
        qtbot.waitUntil(lambda: window.scoreboard.cards[0].count.text() != "–", timeout=5000)
        assert window.live.recorder_pid is None or window.live.recorder_pid == proc.pid
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=20)
    window.close()
    with Store.open(session_file, read_only=True) as store:
        assert len(list(store.snapshots("alice"))) >= len(session.series["alice"])


def test_a_window_opened_while_recording_does_not_poll_too(qtbot, session_file, services):
    from photofinish.core.model import SourceConfig
    from photofinish.session import open_session
    from photofinish.ui.window.main_window import MainWindow

    with Store.open(session_file) as store:
        store.save_source(
            SourceConfig("alice", "bluesky:alice.example.com", 1, True, services.base_url)
        )
    proc = _recorder(session_file, services)
    try:
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            with Store.open(session_file, read_only=True) as store:
                if "recorder" in store.view_state():
                    break
            time.sleep(0.1)
        session = open_session(session_file)
        window = MainWindow(session, replay=False, restore=False)
        qtbot.addWidget(window)
        assert window.live.recorder_pid == proc.pid
        assert not window.live.active
        assert "another process" in window.scoreboard.cards[0].source.text()
        with stored(session) as store:
            info = json.loads(store.view_state()["recorder"])
        assert info["pid"] == proc.pid
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=20)
    # The recorder is gone: the window takes the polling back.
    qtbot.waitUntil(lambda: window.live.recorder_pid is None and window.live.active, timeout=5000)
    window.close()


def test_a_second_recorder_is_refused(session_file, capsys):
    import socket

    from tests.cli.support import run

    with Store.open(session_file) as store, store.write():
        marker = {"pid": os.getppid(), "host": socket.gethostname(), "since_ms": 0}
        store.db.execute(
            "INSERT INTO view_state (key, value) VALUES ('recorder', ?)", [json.dumps(marker)]
        )
    code, _, err = run(capsys, "record", str(session_file), "--feed", "alice=bluesky:a.example.com")
    assert code == 2 and f"another recorder (pid {os.getppid()})" in err


def test_base_url_applies_to_the_presets_only(session_file, tmp_path):
    from photofinish.headless.recorder import plan_feeds

    with Store.open(session_file) as store:
        configs, _ = plan_feeds(
            store,
            ["alice=bluesky:a.example.com", f"bob=file:{tmp_path / 'b.csv'}"],
            2.0,
            "http://127.0.0.1:9",
        )
    assert [c.base_url for c in configs] == ["http://127.0.0.1:9", None]
    assert [c.interval_s for c in configs] == [2.0, 2.0]
