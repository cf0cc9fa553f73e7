"""The session file: schema, duplicates, derived events, and files it must refuse."""

from __future__ import annotations

import hashlib
import os
import sqlite3
from pathlib import Path

import pytest
from sqlite_utils import Database

from photofinish.core.errors import SessionFileError, StorageError
from photofinish.core.model import Competitor, Event, Race, Snapshot
from photofinish.core.store import SCHEMA_VERSION, Store


def make(path: Path | None = None) -> Store:
    return Store.create(
        path,
        Race("Test race", 1000, "bluesky", "Europe/Paris"),
        [Competitor("a", "Alice", ""), Competitor("b", "Bob", "#123456")],
    )


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_create_and_reopen(tmp_path):
    p = tmp_path / "r.db"
    make(p).close()
    with Store.open(p) as store:
        assert store.race() == Race("Test race", 1000, "bluesky", "Europe/Paris")
        assert [(c.handle, c.name, c.position) for c in store.competitors()] == [
            ("a", "Alice", 0),
            ("b", "Bob", 1),
        ]
        assert store.competitors()[1].colour == "#123456"
        assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert store.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    names = set(Database(p).table_names())
    assert {"race", "competitors", "snapshots", "events", "sources"} <= names


def test_create_refuses_existing_file(tmp_path):
    p = tmp_path / "r.db"
    p.write_text("keep me")
    with pytest.raises(SessionFileError, match="already exists"):
        make(p)
    assert p.read_text() == "keep me"


def test_append_skips_exact_duplicates_and_returns_new_rows():
    store = make()
    first = store.append([Snapshot(1000, "a", 5), Snapshot(1000, "b", 6)])
    assert [(s.handle, s.count) for s in first] == [("a", 5), ("b", 6)]
    assert all(s.id for s in first)
    again = store.append([Snapshot(1000, "a", 5), Snapshot(2000, "a", 7)])
    assert [(s.at_ms, s.count) for s in again] == [(2000, 7)]
    assert store.snapshot_count() == 3
    # Same time, different count is a different reading, not a duplicate.
    assert len(store.append([Snapshot(1000, "a", 6)])) == 1


def test_readable_views_show_iso_times():
    store = make()
    store.append([Snapshot(1239948780000, "a", 1_000_000, "reported: x")])
    row = store.db.execute("SELECT at_utc, handle, count FROM snapshots_readable").fetchone()
    assert row == ("2009-04-17T06:13:00.000Z", "a", 1_000_000)


def test_sync_derived_events_is_idempotent_and_replaces_stale_ones():
    store = make()
    e1 = Event(1, "lead_change", "A leads", "a", key="lead_change:a:1")
    e2 = Event(2, "crossed", "A crosses", "a", key="crossed:a")
    added, removed = store.sync_derived_events([e1, e2])
    assert len(added) == 2 and removed == []
    added, removed = store.sync_derived_events([e1, e2])
    assert added == [] and removed == []
    e2b = Event(3, "crossed", "A crosses later", "a", key="crossed:a")
    added, removed = store.sync_derived_events([e2b])
    assert [e.text for e in added] == ["A crosses later"] and len(removed) == 2
    assert [e.text for e in store.events()] == ["A crosses later"]


def test_user_notes_survive_derived_sync():
    store = make()
    note = store.add_event(Event(5, "note", "<b>hello</b>", origin="user"))
    assert note is not None
    store.sync_derived_events([])
    assert [e.text for e in store.events()] == ["<b>hello</b>"]


def test_user_flag_is_kept_when_auto_flags_change():
    store = make()
    rows = store.append([Snapshot(i, "a", 10) for i in range(3)])
    store.set_flag(rows[0].id, "glitch")
    store.record_auto_glitches([(r.handle, r.at_ms, r.count) for r in rows[:2]])
    flags = store.db.execute("SELECT flag, flagged_by FROM snapshots ORDER BY id").fetchall()
    assert flags == [("glitch", "user"), ("glitch", "auto"), ("", "")]
    store.record_auto_glitches([])
    flags = store.db.execute("SELECT flag, flagged_by FROM snapshots ORDER BY id").fetchall()
    assert flags == [("glitch", "user"), ("", ""), ("", "")]
    # The same glitches again write nothing (live frames pass them all every time).
    store.record_auto_glitches([(rows[2].handle, rows[2].at_ms, rows[2].count)])
    before = store.db.conn.total_changes
    store.record_auto_glitches([(rows[2].handle, rows[2].at_ms, rows[2].count)])
    assert store.db.conn.total_changes == before


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"", "is empty"),
        (b"timestamp,competitor,count\n", "is not a SQLite database"),
        (b"SQLite format 3\x00" + b"\xff" * 2000, "damaged"),
    ],
)
def test_bad_files_are_refused_and_untouched(tmp_path, content, problem):
    p = tmp_path / "bad.db"
    p.write_bytes(content)
    before = digest(p)
    with pytest.raises(SessionFileError, match=problem) as err:
        Store.open(p)
    assert str(p) in str(err.value)
    assert digest(p) == before
    assert sorted(x.name for x in tmp_path.iterdir()) == ["bad.db"]


def test_sqlite_file_that_is_not_a_session(tmp_path):
    p = tmp_path / "other.db"
    conn = sqlite3.connect(p)
    conn.execute("CREATE TABLE people (name TEXT)")
    conn.commit()
    conn.close()
    before = digest(p)
    with pytest.raises(SessionFileError, match="not a Photo Finish session"):
        Store.open(p)
    assert digest(p) == before


def test_session_from_a_newer_version(tmp_path):
    p = tmp_path / "future.db"
    make(p).close()
    conn = sqlite3.connect(p)
    conn.execute("PRAGMA journal_mode = DELETE")
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.commit()
    conn.close()
    before = digest(p)
    with pytest.raises(SessionFileError, match="newer Photo Finish"):
        Store.open(p)
    assert digest(p) == before


def test_missing_file(tmp_path):
    with pytest.raises(SessionFileError, match="no such file"):
        Store.open(tmp_path / "nope.db")


def test_read_only_file_opens_read_only(tmp_path, monkeypatch):
    p = tmp_path / "ro.db"
    make(p).close()
    p.chmod(0o444)
    real_access = os.access
    # Root may write anything; pretend to be a user for whom the file is read-only.
    monkeypatch.setattr(
        os, "access", lambda q, mode: False if mode == os.W_OK else real_access(q, mode)
    )
    with Store.open(p) as store:
        assert store.read_only
        assert store.race().title == "Test race"


def test_explicit_read_only_refuses_writes(tmp_path):
    p = tmp_path / "r.db"
    make(p).close()
    with Store.open(p, read_only=True) as store:
        assert store.read_only
        with pytest.raises(StorageError, match="read-only") as refused:
            store.append([Snapshot(1, "a", 1)])
        assert isinstance(refused.value.__cause__, sqlite3.OperationalError)  # the driver's own


def test_backup_is_a_consistent_copy(tmp_path):
    src = make(tmp_path / "a.db")
    src.append([Snapshot(i, "a", i) for i in range(100)])
    src.backup_to(tmp_path / "copy.db")
    with Store.open(tmp_path / "copy.db") as copy:
        assert copy.snapshot_count() == 100


def test_file_without_write_bits_opens_read_only_even_for_root(tmp_path):
    p = tmp_path / "ro.db"
    make(p).close()
    p.chmod(0o444)
    before = digest(p)
    with Store.open(p) as store:
        assert store.read_only
        assert store.race().title == "Test race"
    assert digest(p) == before


def test_wal_session_in_read_only_folder_opens_read_only(tmp_path, monkeypatch):
    folder = tmp_path / "locked"
    folder.mkdir()
    p = folder / "r.db"
    store = make(p)
    store.append([Snapshot(1000, "a", 5)])
    store.close()
    real_access = os.access
    monkeypatch.setattr(
        os,
        "access",
        lambda q, mode: False if mode == os.W_OK and Path(q) == folder else real_access(q, mode),
    )
    with Store.open(p) as ro:
        assert ro.read_only
        assert ro.snapshot_count() == 1


def test_backup_refuses_to_overwrite_the_open_session(tmp_path):
    p = tmp_path / "a.db"
    with make(p) as store, pytest.raises(SessionFileError, match="open session itself"):
        store.backup_to(p)


def test_backup_leaves_nothing_behind_when_it_fails(tmp_path, monkeypatch):
    src = make(tmp_path / "a.db")
    src.append([Snapshot(1, "a", 1)])

    def broken_replace(a, b):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="No space"):
        src.backup_to(tmp_path / "copy.db")
    assert sorted(x.name for x in tmp_path.iterdir() if not x.name.startswith("a.db")) == []


def test_backup_during_concurrent_writes_holds_every_committed_row(tmp_path):
    """A writer on another connection keeps committing while the copies are made."""
    import threading
    import time

    p = tmp_path / "live.db"
    store = make(p)
    store.append([Snapshot(i, "a", i) for i in range(20_000)])
    stop = threading.Event()
    committed = [20_000]
    errors: list[BaseException] = []

    def write() -> None:
        n = 20_000
        try:
            with Store.open(p) as writer:
                while not stop.is_set():
                    writer.append([Snapshot(n + i, "b", n + i) for i in range(200)])
                    n += 200
                    committed[0] = n
        except BaseException as exc:  # handed to the test thread below
            errors.append(exc)

    thread = threading.Thread(target=write)
    thread.start()
    try:
        for k in range(5):
            deadline = time.monotonic() + 30
            while committed[0] < 20_000 + 600 * (k + 1) and not errors:
                assert time.monotonic() < deadline, "the writer stalled"
                time.sleep(0.001)
            assert not errors, errors
            before = store.snapshot_count()
            target = tmp_path / f"copy{k}.db"
            store.backup_to(target)
            with Store.open(target, read_only=True) as copy:
                assert copy.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
                assert copy.snapshot_count() >= before
                # Whole batches only: every writer transaction is in or out.
                assert copy.snapshot_count() % 200 == 0
    finally:
        stop.set()
        thread.join()
        store.close()
    assert not errors, errors
    assert committed[0] > 20_000 + 3000


def test_restore_event_puts_a_note_back_under_its_id(tmp_path):
    with make(tmp_path / "a.db") as store:
        note = store.add_event(Event(5, "note", "hello", "a", None, "user"))
        assert note is not None and note.id is not None
        store.delete_event(note.id)
        assert store.event(note.id) is None
        store.restore_event(note)
        assert store.event(note.id) == note
        assert store.event(note.id).id == note.id  # type: ignore[union-attr]


def test_damaged_pages_are_reported_by_open(tmp_path):
    p = tmp_path / "bad.db"
    store = make(p)
    store.append([Snapshot(i * 1000, "a", i) for i in range(5000)])
    store.db.execute("PRAGMA journal_mode = DELETE")
    store.close()
    data = bytearray(p.read_bytes())
    page = 4096
    for offset in range(3 * page, len(data) - page, page):
        data[offset : offset + 64] = b"\xff" * 64
    p.write_bytes(bytes(data))
    before = digest(p)
    with pytest.raises(SessionFileError, match="damaged"):
        with Store.open(p) as damaged:
            damaged.all_series()
            damaged.events()
    assert digest(p) == before
