"""Kill -9 at random moments, for real: the recorder and a big import lose nothing they promised.

Each test runs the real ``photofinish`` in a subprocess, sends SIGKILL at a
random moment (the seed is in every failure message, to replay a run), reopens
the file and checks it: ``PRAGMA integrity_check`` is ok, every reading the
recorder printed as stored is there, and an import holds whole batches only,
with a note of how far it got that a second import completes without adding
anything twice.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

from photofinish.core.jobs.imports import IMPORT_BATCH
from photofinish.core.store import Store
from tests.reliability.support import EXE, Feeds, Recorder, new_race

KILLS = 8


def _env() -> dict[str, str]:
    return dict(os.environ, QT_QPA_PLATFORM="offscreen")


def _new_session(path: Path) -> Path:
    return new_race(path, "Killed")


def _integrity(path: Path) -> str:
    conn = sqlite3.connect(path)
    try:
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])
    finally:
        conn.close()


def _stored(path: Path) -> set[tuple[str, int, int]]:
    conn = sqlite3.connect(path)
    try:
        return {
            (h, int(a), int(c))
            for h, a, c in conn.execute(
                "SELECT c.handle, s.at_ms, s.count FROM snapshots s"
                " JOIN competitors c ON c.id = s.competitor_id"
            )
        }
    finally:
        conn.close()


def _printed(lines: list[str]) -> set[tuple[str, int, int]]:
    """Readings from the recorder's "stored" lines: (handle, at_ms, count)."""
    from datetime import datetime

    found = set()
    for line in lines:
        parts = line.rstrip("\n").split("  ")
        if len(parts) >= 4 and parts[1] == "stored":
            at = datetime.fromisoformat(parts[0].replace("Z", "+00:00"))
            found.add((parts[2], round(at.timestamp() * 1000), int(parts[3])))
    return found


def test_kill_9_while_recording_keeps_every_printed_reading(tmp_path):
    seed = int.from_bytes(os.urandom(4), "big")
    rnd = random.Random(seed)
    session = _new_session(tmp_path / "rec.pfrace")
    printed_total: set[tuple[str, int, int]] = set()
    with Feeds(tmp_path) as feeds:
        for kill in range(KILLS):
            with Recorder(session, feeds) as recorder:
                recorder.wait_for("stored")
                time.sleep(rnd.uniform(0.0, 1.2))
                recorder.finish(signal.SIGKILL)
                assert recorder.proc.returncode == -signal.SIGKILL
                lines = recorder.lines
            printed = _printed(lines)
            assert printed, f"seed {seed}, kill {kill}: nothing printed"
            printed_total |= printed
            assert _integrity(session) == "ok", f"seed {seed}, kill {kill}"
            missing = printed_total - _stored(session)
            assert not missing, f"seed {seed}, kill {kill}: printed but not stored: {missing}"
    # A killed recorder leaves its mark in the file; the next one is not refused for it.
    done = subprocess.run(
        [str(EXE), "record", str(session), "--duration", "1"]
        + [f"--feed={h}=file:{p}" for h, p in feeds.paths.items()],
        capture_output=True,
        text=True,
        env=_env(),
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    with Store.open(session, read_only=True) as store:
        assert store.snapshot_count() == len(_stored(session))
        assert "recorder" not in store.view_state()


def _write_big_csv(path: Path, rows: int) -> None:
    with path.open("w") as fh:
        fh.write("timestamp,competitor,count\n")
        start = 1_239_000_000
        for i in range(rows):
            handle = "alice" if i % 2 == 0 else "bob"
            fh.write(f"{start + i // 2},{handle},{100_000 + i}\n")


def _progress(path: Path) -> bool:
    """Whether an import has committed a batch (its note of progress is there)."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        conn.execute("PRAGMA busy_timeout = 5000")
        row = conn.execute(
            "SELECT count(*) FROM view_state WHERE key LIKE 'import:unfinished:%'"
        ).fetchone()
        return bool(row[0])
    except sqlite3.OperationalError:
        return False  # the first write is switching the file to write-ahead logging
    finally:
        conn.close()


@pytest.fixture(scope="module")
def big_csv(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("import") / "big.csv"
    _write_big_csv(path, 4 * IMPORT_BATCH + 12_345)
    return path


def test_kill_9_during_an_import_leaves_whole_batches_and_says_what_to_rerun(tmp_path, big_csv):
    seed = int.from_bytes(os.urandom(4), "big")
    rnd = random.Random(seed)
    total = 4 * IMPORT_BATCH + 12_345
    seen_partial = False
    for kill in range(KILLS // 2):
        session = _new_session(tmp_path / f"import-{kill}.pfrace")
        proc = subprocess.Popen(
            [str(EXE), "import", str(session), str(big_csv)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=_env(),
        )
        # Once the first batch is in (read as another process would), a random moment;
        # the first time at once, so that one kill surely lands between batches.
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None and not _progress(session):
            time.sleep(0.01)
        time.sleep(rnd.uniform(0.0, 0.8) if kill else 0.0)
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        where = f"seed {seed}, kill {kill}, exit {proc.returncode}"
        assert _integrity(session) == "ok", where
        with Store.open(session, read_only=True) as store:
            stored = store.snapshot_count()
            unfinished = store.unfinished_imports()
        # Whole batches or nothing of a batch: what is stored is the file up to the end
        # of a batch, and the note of how far the import got was committed with it.
        counts = sorted(c for _, _, c in _stored(session))
        assert counts == list(range(100_000, 100_000 + stored)), f"{where}: not a prefix"
        if 0 < stored < total:
            seen_partial = True
            assert len(unfinished) == 1, where
            assert unfinished[0]["readings"] == stored, where
            assert unfinished[0]["file"] == str(big_csv)
            assert 0 < unfinished[0]["bytes_done"] < big_csv.stat().st_size, where
        elif stored == 0:
            assert unfinished == [], where
        # Importing the file again adds the rest, nothing twice, and says what it found.
        again = subprocess.run(
            [str(EXE), "import", "--json", str(session), str(big_csv)],
            capture_output=True,
            text=True,
            env=_env(),
            timeout=120,
        )
        assert again.returncode == 0, f"{where}: {again.stderr}"
        if unfinished:
            assert "did not finish" in again.stderr and "Import the same file again" in (
                again.stderr
            ), where
            assert f"{stored:,} readings" in again.stderr, where
        with Store.open(session, read_only=True) as store:
            assert store.snapshot_count() == total, where
            assert store.unfinished_imports() == [], where
        assert _integrity(session) == "ok", where
    # The first kill comes as soon as a batch is in: if even that found the import
    # finished, the file holds too few batches for this test to mean anything.
    assert seen_partial, f"seed {seed}: no kill landed between batches"


def test_a_window_opened_on_a_stopped_import_says_what_to_rerun(qtbot, tmp_path, big_csv):
    from photofinish.core.jobs.imports import import_file_steps
    from photofinish.session import Session
    from photofinish.ui.window.main_window import MainWindow

    session = _new_session(tmp_path / "stopped.pfrace")
    with Store.open(session) as store:
        steps = import_file_steps(store, big_csv)
        next(steps)  # one batch stored, then the import stops (closed, as on Ctrl+C)
        steps.close()
        stored = store.snapshot_count()
    assert 0 < stored < 4 * IMPORT_BATCH
    store = Store.open(session)
    try:
        window = MainWindow(Session(store), replay=False, restore=False)
        qtbot.addWidget(window)
        message = window.statusBar().currentMessage()
        assert "did not finish" in message and big_csv.name in message, message
        assert f"{stored:,} readings" in message and "Import the same file again" in message
        window.close()
    finally:
        store.close()
