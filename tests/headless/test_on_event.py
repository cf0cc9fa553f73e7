"""``record --on-event``: events derived while recording, each handed to commands once, ever.

The real ``photofinish record`` runs in a subprocess following two CSV files
that the test writes to; its commands append what they read to files.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from photofinish.core.model import Competitor, Race
from photofinish.core.store import Store

EXE = Path(sys.executable).parent / "photofinish"
T0 = 1_790_000_000  # seconds, UTC


def _race(path: Path) -> Path:
    Store.create(
        path,
        Race("Alerts race", 1_000, display_tz="UTC"),
        [Competitor("alice", "Alice", "#E69F00"), Competitor("bob", "Bob", "#56B4E9")],
    ).close()
    return path


class Feed:
    """The two competitors' CSV files; ``add(minute, alice, bob)`` appends a reading each."""

    def __init__(self, folder: Path) -> None:
        self.paths = {h: folder / f"{h}.csv" for h in ("alice", "bob")}
        for p in self.paths.values():
            p.write_text("timestamp,competitor,count\n")

    def add(self, minute: int, alice: int, bob: int) -> None:
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(T0 + minute * 60))
        for handle, count in (("alice", alice), ("bob", bob)):
            with self.paths[handle].open("a") as fh:
                fh.write(f"{stamp},{handle},{count}\n")


def _record(session: Path, feed: Feed, *commands: str, limit: float = 30.0) -> subprocess.Popen:
    args = [str(EXE), "record", str(session), "--interval", "0.2", "--on-event-limit", str(limit)]
    args += [f"--on-event={c}" for c in commands]
    args += [f"--feed={h}=file:{p}" for h, p in feed.paths.items()]
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PHOTOFINISH_GITHUB_TOKEN="ghp_secret1")
    return subprocess.Popen(
        args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )


def _iso(minute: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(T0 + minute * 60))


def _stop(proc: subprocess.Popen) -> tuple[str, str]:
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=30)
    return out, err


def _told(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def _wait(condition, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError("timed out")


def test_events_are_told_while_recording_once_each_and_never_again(tmp_path):
    session = _race(tmp_path / "race.pfrace")
    feed = Feed(tmp_path)
    told = tmp_path / "told.jsonl"
    env_seen = tmp_path / "env.txt"
    feed.add(0, 880, 900)  # bob leads
    feed.add(1, 890, 902)
    proc = _record(session, feed, f"cat >> '{told}'", f"env > '{env_seen}'")
    try:
        _wait(lambda: stored_count(session) >= 4)
        feed.add(2, 905, 903)  # alice takes the lead
        _wait(lambda: any(t["kind"] == "lead_change" for t in _told(told)))
        assert proc.poll() is None  # told while it runs, not at the end
        feed.add(3, 999, 950)
        feed.add(4, 1_004, 960)  # alice crosses 1,000
        _wait(lambda: any(t["kind"] == "crossed" for t in _told(told)))
    finally:
        _stop(proc)
    events = _told(told)
    keys = [(e["kind"], e["at"], e["competitor"]) for e in events]
    assert len(keys) == len(set(keys))  # once each
    kinds = [e["kind"] for e in events]
    assert kinds.index("lead_change") < kinds.index("crossed")
    lead = next(e for e in events if e["kind"] == "lead_change")
    assert lead == {
        "kind": "lead_change",
        "at": _iso(2),
        "text": "Alice takes the lead from Bob",
        "competitor": "alice",
        "race": "Alerts race",
    }
    crossed = next(e for e in events if e["kind"] == "crossed")
    assert crossed["text"].startswith("Alice reaches 1,000 (1,004), first")
    assert "ghp_secret1" not in env_seen.read_text()  # no key goes to a command

    # A restart announces nothing again; a new event, once.
    before = len(events)
    proc = _record(session, feed, f"cat >> '{told}'")
    try:
        time.sleep(2.0)
        assert len(_told(told)) == before
        feed.add(5, 1_010, 1_001)  # bob crosses too
        _wait(lambda: len(_told(told)) > before)
    finally:
        _stop(proc)
    after = _told(told)[before:]
    assert [e["kind"] for e in after] == ["crossed"] and after[0]["competitor"] == "bob"


def stored_count(session: Path) -> int:
    with Store.open(session, read_only=True) as store:
        return store.snapshot_count()


def test_a_failing_and_a_hanging_command_do_not_stop_the_readings(tmp_path):
    session = _race(tmp_path / "race.pfrace")
    feed = Feed(tmp_path)
    told = tmp_path / "told.jsonl"
    feed.add(0, 880, 900)
    proc = _record(session, feed, "exit 3", "sleep 60", f"cat >> '{told}'", limit=2.0)
    try:
        _wait(lambda: stored_count(session) >= 2)
        feed.add(1, 905, 903)  # a lead change: the commands start
        time.sleep(0.5)
        for minute in range(2, 6):  # readings keep coming while "sleep 60" hangs
            feed.add(minute, 910 + minute, 904 + minute)
        _wait(lambda: stored_count(session) >= 12, timeout=10)
        _wait(lambda: any(t["kind"] == "lead_change" for t in _told(told)), timeout=15)
    finally:
        out, err = _stop(proc)
    assert proc.returncode == 0
    assert "'exit 3' failed with exit status 3" in err
    assert "'sleep 60' was still running after 2 s and was stopped" in err
