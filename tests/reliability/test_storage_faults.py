"""A disk that fills up or a file that turns read-only while recording: pause, say so, resume.

The window's test makes SQLite itself refuse writes: ``max_page_count`` gives
the real "database or disk is full" (SQLITE_FULL) and ``query_only`` the real
"attempt to write a readonly database". The recorder's test fills a small
tmpfs for real, when the machine lets the test mount one.
"""

from __future__ import annotations

import logging
import os
import shutil
import sqlite3
import subprocess
import threading
import time
from pathlib import Path

import pytest

from photofinish.core.errors import StorageError, storage_problem
from photofinish.core.live.source_state import HELD
from photofinish.core.model import Competitor, Race, SourceConfig
from photofinish.core.store import Store
from photofinish.core.store.errors import from_driver
from photofinish.session import Session
from tests.reliability.support import Feeds, Recorder, new_race
from tests.stored import own_connection, stored


def _counts(path: Path) -> set[int]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return {int(c) for (c,) in conn.execute("SELECT count FROM snapshots")}
    finally:
        conn.close()


def _integrity(path: Path) -> str:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])
    finally:
        conn.close()


def _lines_written(feeds: Feeds) -> set[int]:
    counts = set()
    for path in feeds.paths.values():
        for line in path.read_text().splitlines()[1:]:
            parts = line.split(",")
            if len(parts) == 3 and parts[2].isdigit():
                counts.add(int(parts[2]))
    return counts


@pytest.fixture
def live_window(qtbot, tmp_path):
    """A window on a new race whose two competitors follow growing files."""
    from photofinish.ui.window.main_window import MainWindow

    path = tmp_path / "live.pfrace"
    store = Store.open(new_race(path, "Faults"))
    session = Session(store)
    window = MainWindow(session, replay=False, restore=False)
    qtbot.addWidget(window)
    window.show()
    feeds = Feeds(tmp_path, pause_s=0.02)
    for handle, feed in feeds.paths.items():
        store.save_source(SourceConfig(handle, f"file:{feed}", 1.0, True))
    with feeds:
        window.live.runner.set_sources(store.sources())
        yield window, feeds, path
        window.live.stop()
        window.close()
    store.close()


@pytest.mark.parametrize(
    ("fault", "undo", "said"),
    [
        ("PRAGMA max_page_count = {pages}", "PRAGMA max_page_count = 1073741823", "disk is full"),
        ("PRAGMA query_only = ON", "PRAGMA query_only = OFF", "read-only"),
    ],
    ids=["disk-full", "read-only"],
)
def test_recording_pauses_with_a_message_and_resumes(qtbot, live_window, caplog, fault, undo, said):
    window, feeds, path = live_window
    runner = window.live.runner
    conn = own_connection(window.session)
    qtbot.waitUntil(lambda: len(_counts(path)) >= 10, timeout=10_000)

    pages = int(conn.execute("PRAGMA page_count").fetchone()[0])
    caplog.set_level(logging.WARNING)
    conn.execute(fault.format(pages=pages))
    qtbot.waitUntil(lambda: runner.store_problem is not None, timeout=15_000)

    # Said where a user looks: the status bar, the source on each card, the log file.
    assert said in runner.store_problem
    status = window.statusBar().currentMessage()
    assert status.startswith("Recording paused:") and said in status, status
    for key, (_, st) in runner.statuses().items():
        assert st.state == HELD, key
        assert said in st.text(time.time())
    cards = [card.source.toolTip() for card in window.scoreboard.cards[:2]]
    assert all("paused: cannot store readings" in tip for tip in cards), cards
    assert any(
        r.levelno == logging.ERROR and "Recording paused" in r.getMessage() for r in caplog.records
    )
    # Polling stops while paused; nothing stored is damaged or half-written.
    stored_before = _counts(path)
    pending = runner.pending
    qtbot.wait(1500)
    assert runner.pending == pending, "sources kept polling while paused"
    assert _integrity(path) == "ok"
    assert _counts(path) == stored_before

    conn.execute(undo)
    qtbot.waitUntil(lambda: runner.store_problem is None, timeout=15_000)
    assert window.statusBar().currentMessage().startswith("Recording resumed")
    # The sources poll again: everything the files hold ends up stored, once.
    feeds_seen = feeds.written
    qtbot.waitUntil(lambda: feeds.written > feeds_seen + 20, timeout=10_000)
    feeds.stop()
    qtbot.waitUntil(lambda: _lines_written(feeds) <= _counts(path), timeout=15_000)
    assert _integrity(path) == "ok"
    texts = [e.text for e in window.session.stored_events() if e.kind == "source"]
    assert any(t.startswith("Recording paused: " + runner_reason(said)) for t in texts), texts
    assert any(t.startswith("Recording resumed") for t in texts), texts


def runner_reason(said: str) -> str:
    return {"disk is full": "the disk is full", "read-only": "the session file"}[said]


@pytest.mark.parametrize(
    ("error", "words"),
    [
        (sqlite3.OperationalError("database or disk is full"), "the disk is full"),
        (sqlite3.OperationalError("attempt to write a readonly database"), "read-only"),
        (sqlite3.OperationalError("database is locked"), "another program holds"),
        (OSError(28, "No space left on device"), "the disk is full"),
        (sqlite3.OperationalError("disk I/O error"), "cannot be written"),
    ],
)
def test_storage_problems_are_said_in_words(error, words):
    assert words in storage_problem(error)


def test_a_write_waits_out_a_lock_held_past_the_busy_timeout(tmp_path, monkeypatch, caplog):
    from photofinish.core.store import base as store_base

    monkeypatch.setattr(store_base, "BUSY_TIMEOUT_MS", 200)
    path = tmp_path / "locked.pfrace"
    Store.create(path, Race("Locked", 100), [Competitor("a", "A", "")]).close()
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")  # another process's long write
    release = threading.Timer(0.45, lambda: other.execute("COMMIT"))
    release.start()
    caplog.set_level(logging.INFO)
    with Store.open(path) as store:
        with store.write():
            store.db.execute("UPDATE race SET title = 'Written' WHERE id = 1")
        assert store.race().title == "Written"
    release.join()
    other.close()
    assert any("waiting again (2 of 3)" in r.getMessage() for r in caplog.records)


def test_a_lock_that_never_ends_is_an_error_after_the_retries(tmp_path, monkeypatch):
    from photofinish.core.store import base as store_base

    monkeypatch.setattr(store_base, "BUSY_TIMEOUT_MS", 50)
    path = tmp_path / "locked.pfrace"
    Store.create(path, Race("Locked", 100), [Competitor("a", "A", "")]).close()
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        with Store.open(path) as store, pytest.raises(StorageError, match="lock"):
            with store.write():
                pass
    finally:
        other.execute("ROLLBACK")
        other.close()


def _mount_small_fs(where: Path) -> bool:
    where.mkdir()
    if os.geteuid() != 0 or shutil.which("mount") is None:
        return False
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(where)],
        capture_output=True,
        text=True,
    )
    return done.returncode == 0


def test_the_recorder_pauses_on_a_full_disk_and_resumes_when_space_returns(tmp_path):
    disk = tmp_path / "small-disk"
    if not _mount_small_fs(disk):
        pytest.skip(
            "mounting a small file system needs root; the window test above fills the "
            "file for real through SQLite's own page limit"
        )
    try:
        session = disk / "rec.pfrace"
        new_race(session, "Full disk")
        # A megabyte kept aside, so that removing the fillers frees room even when the
        # recording itself used up the rest of the disk before the filler could.
        reserve = disk / "reserve"
        reserve.write_bytes(b"\0" * (1 << 20))
        filler = disk / "filler"
        filler.touch()
        with Feeds(tmp_path, pause_s=0.002) as feeds, Recorder(session, feeds) as recorder:
            recorder.wait_for("stored")
            # Fill what is left of the disk.
            with filler.open("ab", buffering=0) as fh:  # nothing left to write at close
                try:
                    while True:
                        fh.write(b"\0" * 65536)
                except OSError:
                    pass
            paused = recorder.wait_for("paused")
            assert "the disk is full" in paused, paused
            assert _integrity(session) == "ok"
            filler.unlink()
            reserve.unlink()
            recorder.wait_for("resumed", timeout_s=60)
            time.sleep(1.5)
            err = recorder.finish()
            lines = recorder.lines
        assert recorder.proc.returncode == 0, err
        assert _integrity(session) == "ok"
        printed = {int(line.split("  ")[3]) for line in lines if "  stored  " in line}
        assert printed <= _counts(session)
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False)


def _full_on_second_batch(monkeypatch) -> list[int]:
    """The second batch of an import meets a full disk; returns the batch sizes seen."""
    real = Store.insert_rows
    calls: list[int] = []

    def store_rows(store, rows, packed=None):
        calls.append(len(rows))
        if len(calls) == 2:
            store.db.execute("INSERT INTO view_state (key, value) VALUES ('half', 'written')")
            # What the store raises when SQLite finds the disk full.
            raise from_driver(sqlite3.OperationalError("database or disk is full"), store.path)
        return real(store, rows, packed)

    monkeypatch.setattr(Store, "insert_rows", store_rows)
    return calls


ROWS = 130_000  # batches hold about 50,000 readings: three of them


def _two_batches(path: Path) -> Path:
    with path.open("w") as fh:
        fh.write("timestamp,competitor,count\n")
        for i in range(ROWS):
            fh.write(f"{1_600_000_000 + i},alice,{10 + i}\n")
    return path


def test_an_import_that_meets_a_full_disk_keeps_whole_batches_and_says_so(
    tmp_path, monkeypatch, capsys
):
    from tests.cli.support import run

    session = tmp_path / "s.pfrace"
    Store.create(session, Race("Import", 10**9), [Competitor("alice", "A", "")]).close()
    csv = _two_batches(tmp_path / "readings.csv")
    batches = _full_on_second_batch(monkeypatch)
    code, out, err = run(capsys, "import", str(session), str(csv))
    assert code == 1
    assert "the import stopped: the disk is full" in err
    assert len(batches) == 2 and f"{batches[0]:,} snapshots" in err
    assert "importing the file again adds the rest" in err
    assert "Traceback" not in err
    assert _integrity(session) == "ok"
    with Store.open(session, read_only=True) as store:
        assert store.snapshot_count() == batches[0]
        assert "half" not in store.view_state()  # the failed batch left nothing behind
    monkeypatch.undo()
    code, out, err = run(capsys, "import", str(session), str(csv))
    assert code == 0 and "did not finish" in err
    with Store.open(session, read_only=True) as store:
        assert store.snapshot_count() == ROWS


def test_the_window_says_how_far_an_import_got_when_the_disk_fills(window, tmp_path, monkeypatch):
    shown = []
    monkeypatch.setattr(
        "photofinish.ui.window.imports.notice",
        lambda parent, title, text, **kw: shown.append((title, text)),
    )
    with stored(window.session) as store:
        before = store.snapshot_count()
    csv = _two_batches(tmp_path / "readings.csv")
    batches = _full_on_second_batch(monkeypatch)
    assert window.imports.import_file(csv).wait() is None
    assert len(shown) == 1
    title, text = shown[0]
    assert title == "Import stopped"
    assert "stopped: the disk is full" in text
    assert f"{batches[0]:,} readings" in text and "Import the same file again" in text
    with stored(window.session) as store:
        assert store.snapshot_count() == before + batches[0]
    assert window.session.series_count() >= batches[0]


def test_a_change_the_file_refuses_is_not_kept_and_is_explained(window, qtbot, monkeypatch):
    from tests.ui.window.test_edits import add_note_through_dialog, notes_in_file

    shown = []
    monkeypatch.setattr(
        "photofinish.ui.window.main_window.notice",
        lambda parent, title, text, **kw: shown.append((title, text)),
    )
    conn = own_connection(window.session)
    before = notes_in_file(window.session)
    conn.execute("PRAGMA query_only = ON")  # the file has turned read-only under the window
    add_note_through_dialog(window, qtbot, 1239940000000, "Not saved yet")
    assert shown and shown[-1][0] == "Change not saved"
    assert "Add Note" in shown[-1][1] and "read-only" in shown[-1][1]
    assert window.statusBar().currentMessage().startswith("Not saved: Add Note")
    assert window.undo_stack.count() == 0  # nothing to undo: nothing happened
    glitch = window.session.complete_analysis().glitches[0]
    reading = window.session.reading_id(glitch.handle, glitch.at_ms, glitch.count)
    window.edits.flag_reading(reading, "ok")
    assert window.undo_stack.count() == 0 and len(shown) == 2
    assert "Keep Reading as Real" in shown[-1][1]
    assert notes_in_file(window.session) == before

    conn.execute("PRAGMA query_only = OFF")  # it can be written again
    add_note_through_dialog(window, qtbot, 1239940000000, "Saved now")
    assert window.undo_stack.count() == 1 and len(shown) == 2
    assert notes_in_file(window.session)[-1][2] == "Saved now"
    window.undo_stack.undo()
    assert notes_in_file(window.session) == before
