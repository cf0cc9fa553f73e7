"""The session file for live sources: the 0002 migration, sources, other writers, rounding."""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import sqlite3
from pathlib import Path

import numpy as np
import pytest

from photofinish.core.errors import SessionFileError, StorageError
from photofinish.core.model import (
    DEFAULT_COLOURS,
    ORIGIN_SOURCE,
    Competitor,
    Event,
    Race,
    Snapshot,
    SourceConfig,
)
from photofinish.core.store import SCHEMA_VERSION, Store, inspect_file

OLD_EVENTS = """
CREATE TABLE events_old (
    id INTEGER PRIMARY KEY,
    at_ms INTEGER NOT NULL,
    kind TEXT NOT NULL,
    competitor_id INTEGER REFERENCES competitors(id),
    text TEXT NOT NULL,
    url TEXT,
    origin TEXT NOT NULL CHECK (origin IN ('user', 'derived', 'imported')),
    key TEXT UNIQUE
);
INSERT INTO events_old SELECT id, at_ms, kind, competitor_id, text, url, origin, key FROM events;
DROP VIEW events_readable;
DROP TABLE events;
ALTER TABLE events_old RENAME TO events;
CREATE INDEX events_by_time ON events (at_ms);
CREATE VIEW events_readable AS
    SELECT e.id,
           strftime('%Y-%m-%dT%H:%M:%fZ', e.at_ms / 1000.0, 'unixepoch') AS at_utc,
           e.kind, c.handle, e.text, e.url, e.origin
    FROM events e LEFT JOIN competitors c ON c.id = e.competitor_id;
"""


def make(path: Path | None = None) -> Store:
    return Store.create(
        path,
        Race("Test race", 1000, "bluesky", "UTC"),
        [Competitor("a", "Alice", ""), Competitor("b", "Bob", "")],
    )


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def user_version(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return int(conn.execute("PRAGMA user_version").fetchone()[0])
    finally:
        conn.close()


def events_sql(conn: sqlite3.Connection) -> str:
    return conn.execute("SELECT sql FROM sqlite_master WHERE name = 'events'").fetchone()[0]


def schema_one(path: Path) -> list[Event]:
    """A session file as version 1 wrote it, holding a few events; returns them."""
    with make(path) as store:
        store.append([Snapshot(1000, "a", 10), Snapshot(2000, "b", 20)])
        stored = [
            store.add_event(Event(5_000, "note", "first note", "a", "https://x.example", "user")),
            store.add_event(Event(1_000, "lead_change", "A leads", "a", key="lead_change:a:1")),
            store.add_event(Event(7_000, "note", "imported one", None, None, "imported")),
        ]
        store.delete_event(stored[0].id)  # type: ignore[union-attr]
        # A gap in the ids: the migration must keep ids, not renumber them.
        stored[0] = store.restore_event(Event(5_000, "note", "first note", "a", None, "user", id=9))
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA journal_mode = DELETE")
        conn.executescript(OLD_EVENTS)
        cols = [r[1] for r in conn.execute("PRAGMA table_info(_sqlite_migrations)")]
        assert cols == ["id", "migration_set", "name", "applied_at"]
        conn.execute(
            "DELETE FROM _sqlite_migrations WHERE migration_set = 'photofinish'"
            " AND name IN ('0002_source_events', '0003_series_blocks',"
            " '0004_analysis_follows_edits', '0005_readable_answers', '0006_announced')"
        )
        conn.executescript(UNDO_BLOCKS)
        conn.execute("PRAGMA user_version = 1")
        conn.commit()
        assert "'source'" not in events_sql(conn)
    finally:
        conn.close()
    assert user_version(path) == 1
    return [e for e in stored if e is not None]


UNDO_BLOCKS = """
DROP VIEW readings_clean;
DROP VIEW crossings;
DROP TABLE announced;
DROP TRIGGER readings_after_insert;
DROP TRIGGER readings_after_delete;
DROP TRIGGER readings_after_update;
DROP TABLE reading_edits;
DROP INDEX snapshots_rounded;
DROP TABLE series_blocks;
DROP TABLE derived_state;
DROP INDEX snapshots_flagged;
"""


def test_schema_version_is_six():
    assert SCHEMA_VERSION == 6
    with make() as store:
        assert store.db.execute("PRAGMA user_version").fetchone()[0] == 6
        names = [
            r[0]
            for r in store.db.execute(
                "SELECT name FROM _sqlite_migrations WHERE migration_set = 'photofinish'"
                " ORDER BY id"
            )
        ]
        assert names == [
            "0001_initial",
            "0002_source_events",
            "0003_series_blocks",
            "0004_analysis_follows_edits",
            "0005_readable_answers",
            "0006_announced",
        ]
        assert store.add_event(Event(1, "source", "down", "a", origin=ORIGIN_SOURCE)) is not None


def test_old_file_refuses_source_events_before_migration(tmp_path):
    p = tmp_path / "old.db"
    schema_one(p)
    conn = sqlite3.connect(p)
    try:
        with pytest.raises(sqlite3.IntegrityError, match="CHECK"):
            conn.execute(
                "INSERT INTO events (at_ms, kind, text, origin) VALUES (1, 'source', 'x', 'source')"
            )
    finally:
        conn.rollback()
        conn.close()


def test_writable_open_migrates_a_schema_one_file(tmp_path):
    p = tmp_path / "old.db"
    old_events = schema_one(p)
    assert inspect_file(p) == 1
    with Store.open(p) as store:
        assert not store.read_only
        assert store.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        got = store.events()
        assert got == sorted(old_events, key=lambda e: e.at_ms)
        assert sorted(e.id for e in got) == sorted(e.id for e in old_events)
        assert {e.id: e.text for e in got}[9] == "first note"
        assert store.snapshot_count() == 2
        added = store.add_event(
            Event(
                8_000,
                "source",
                "Bluesky @a: HTTP 503; retrying",
                "a",
                origin=ORIGIN_SOURCE,
                key=None,
            )
        )
        assert added is not None and added.id is not None
        assert store.event(added.id) == added
        # Keys stay unique and the CHECK still refuses unknown origins.
        assert store.add_event(Event(1, "lead_change", "again", "a", key="lead_change:a:1")) is None
        with pytest.raises(sqlite3.IntegrityError, match="CHECK"):
            store.db.execute(
                "INSERT INTO events (at_ms, kind, text, origin) VALUES (1, 'note', 'x', 'bogus')"
            )
        rows = store.db.execute(
            "SELECT id, at_utc, kind, handle, text, origin FROM events_readable ORDER BY id"
        ).fetchall()
        assert rows[-1] == (
            added.id,
            "1970-01-01T00:00:08.000Z",
            "source",
            "a",
            "Bluesky @a: HTTP 503; retrying",
            "source",
        )
        assert len(rows) == 4
        indexes = {
            r[0]: r[1]
            for r in store.db.execute(
                "SELECT name, tbl_name FROM sqlite_master WHERE type = 'index'"
            )
        }
        assert indexes["events_by_time"] == "events"
        plan = " ".join(
            str(r[-1])
            for r in store.db.execute(
                "EXPLAIN QUERY PLAN SELECT id FROM events WHERE at_ms > 100 ORDER BY at_ms"
            )
        )
        assert "events_by_time" in plan
        applied = [
            r[0]
            for r in store.db.execute(
                "SELECT name FROM _sqlite_migrations WHERE migration_set = 'photofinish'"
                " ORDER BY id"
            )
        ]
        assert applied == [
            "0001_initial",
            "0002_source_events",
            "0003_series_blocks",
            "0004_analysis_follows_edits",
            "0005_readable_answers",
            "0006_announced",
        ]
        assert "events_new" not in {
            r[0] for r in store.db.execute("SELECT name FROM sqlite_master")
        }
    assert inspect_file(p) == SCHEMA_VERSION
    # Opening again does not migrate twice.
    with Store.open(p) as again:
        assert [e.origin for e in again.events()].count(ORIGIN_SOURCE) == 1
        assert again.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_bundled_race_is_at_the_current_schema(tmp_path, sample_path):
    before = digest(sample_path)
    assert inspect_file(sample_path) == SCHEMA_VERSION
    p = tmp_path / "race-2009.db"
    shutil.copyfile(sample_path, p)
    with Store.open(p) as store:
        handle = store.competitors()[0].handle
        added = store.add_event(Event(0, "source", "working again", handle, origin=ORIGIN_SOURCE))
        assert added is not None
        assert store.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert digest(sample_path) == before


def test_failed_migration_leaves_the_file_at_schema_one(tmp_path):
    p = tmp_path / "old.db"
    old_events = schema_one(p)
    conn = sqlite3.connect(p)
    conn.execute("CREATE TABLE events_new (x)")  # in the migration's way
    conn.commit()
    conn.close()
    with pytest.raises(SessionFileError, match="cannot be opened"):
        Store.open(p)
    assert user_version(p) == 1
    conn = sqlite3.connect(p)
    try:
        assert "'source'" not in events_sql(conn)
        names = [r[0] for r in conn.execute("SELECT name FROM _sqlite_migrations")]
        assert names == ["0001_initial"]
        assert conn.execute("SELECT count(*) FROM events_readable").fetchone()[0] == len(old_events)
    finally:
        conn.close()


def test_read_only_open_of_schema_one_changes_nothing(tmp_path):
    p = tmp_path / "old.db"
    old_events = schema_one(p)
    before = digest(p)
    with Store.open(p, read_only=True) as store:
        assert store.read_only
        assert store.db.execute("PRAGMA user_version").fetchone()[0] == 1
        assert len(store.events()) == len(old_events)
        assert store.sources() == []
        with pytest.raises(StorageError, match="read-only"):
            store.add_event(Event(1, "source", "x", origin=ORIGIN_SOURCE))
    assert digest(p) == before
    assert sorted(x.name for x in tmp_path.iterdir()) == ["old.db"]


def test_inspect_file_says_a_file_of_a_later_schema_is_newer(tmp_path):
    p = tmp_path / "future.db"
    make(p).close()
    conn = sqlite3.connect(p)
    conn.execute("PRAGMA journal_mode = DELETE")
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.commit()
    conn.close()
    before = digest(p)
    with pytest.raises(SessionFileError, match="newer Photo Finish") as err:
        inspect_file(p)
    assert f"schema version {SCHEMA_VERSION + 1}" in err.value.problem
    assert f"reads up to {SCHEMA_VERSION}" in err.value.problem
    assert digest(p) == before


# -- sources ---------------------------------------------------------------------


def test_sources_insert_update_delete(tmp_path):
    p = tmp_path / "r.db"
    with make(p) as store:
        assert store.sources() == []
        first = store.save_source(SourceConfig("a", "bluesky:alice.example.com", 30.0))
        assert isinstance(first.id, int) and first.id > 0
        second = store.save_source(
            SourceConfig("b", "github-stars:o/r", 120, False, "https://ghe.example.com/api/v3")
        )
        assert second.id is not None and second.id != first.id
        assert store.sources() == [first, second]
        assert store.sources()[1].base_url == "https://ghe.example.com/api/v3"
        assert store.sources()[1].enabled is False
        assert store.sources()[1].interval_s == 120.0

        changed = store.save_source(
            SourceConfig("b", "bluesky:bob.example.com", 45.0, True, None, first.id)
        )
        assert changed.id == first.id
        assert store.sources() == [
            SourceConfig("b", "bluesky:bob.example.com", 45.0, True, None, first.id),
            second,
        ]
        assert store.db.execute("SELECT count(*) FROM sources").fetchone()[0] == 2

        store.delete_source(first.id)
        assert store.sources() == [second]
    with Store.open(p) as again:
        assert again.sources() == [second]


def test_base_url_is_stored_in_options_json_and_no_secret_column():
    with make() as store:
        saved = store.save_source(
            SourceConfig("a", "mastodon:@a@m.example", 60, True, "https://m.example")
        )
        plain = store.save_source(SourceConfig("b", "bluesky:b.example.com"))
        rows = dict(store.db.execute("SELECT id, options FROM sources").fetchall())
        assert json.loads(rows[saved.id]) == {"base_url": "https://m.example"}
        assert json.loads(rows[plain.id]) == {}
        columns = {r[1] for r in store.db.execute("PRAGMA table_info(sources)")}
        assert columns == {"id", "spec", "competitor_id", "interval_s", "enabled", "options"}
        assert not any(w in c for c in columns for w in ("secret", "key", "token"))


def test_unreadable_options_give_no_base_url_and_a_warning(caplog):
    with make() as store:
        bad = store.save_source(SourceConfig("a", "bluesky:a.example.com", 60, True, "https://x"))
        odd = store.save_source(SourceConfig("b", "bluesky:b.example.com", 60, True, "https://y"))
        with store.write():
            store.db.execute("UPDATE sources SET options = '{not json' WHERE id = ?", [bad.id])
            store.db.execute("UPDATE sources SET options = '[1, 2]' WHERE id = ?", [odd.id])
        with caplog.at_level(logging.WARNING, logger="photofinish.core.store"):
            got = store.sources()
        assert [s.base_url for s in got] == [None, None]
        assert [s.spec for s in got] == ["bluesky:a.example.com", "bluesky:b.example.com"]
        warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
        assert len(warnings) == 1
        assert f"Source {bad.id} has unreadable options" in warnings[0].getMessage()


def test_save_source_for_unknown_competitor_raises():
    with make() as store, pytest.raises(KeyError):
        store.save_source(SourceConfig("nobody", "bluesky:n.example.com"))
    # nothing half-written
    with make() as store:
        assert store.sources() == []


# -- other writers, snapshot ids -------------------------------------------------


def test_data_version_changes_only_for_other_connections(tmp_path):
    p = tmp_path / "r.db"
    with make(p) as store:
        v0 = store.data_version()
        store.append([Snapshot(1000, "a", 5)])
        store.save_source(SourceConfig("a", "bluesky:a.example.com"))
        assert store.data_version() == v0
        other = sqlite3.connect(p)
        try:
            aid = other.execute("SELECT id FROM competitors WHERE handle = 'a'").fetchone()[0]
            other.execute(
                "INSERT INTO snapshots (competitor_id, at_ms, count) VALUES (?, 2000, 6)", [aid]
            )
            assert store.data_version() == v0  # not committed yet
            other.commit()
        finally:
            other.close()
        v1 = store.data_version()
        assert v1 != v0
        assert store.data_version() == v1  # stable until the next change
        store.append([Snapshot(3000, "a", 7)])
        assert store.data_version() == v1


def test_a_read_only_viewer_sees_the_writers_commits(tmp_path):
    p = tmp_path / "r.db"
    with make(p) as writer, Store.open(p, read_only=True) as viewer:
        writer.append([Snapshot(1000, "a", 5)])
        v0 = viewer.data_version()
        mark = viewer.max_snapshot_id()
        assert mark == 1
        new = writer.append([Snapshot(2000, "a", 6), Snapshot(2000, "b", 3)])
        assert viewer.data_version() != v0
        assert viewer.snapshots_after(mark) == new
        assert viewer.max_snapshot_id() == 3
        assert viewer.series("a").count.tolist() == [5, 6]


def test_snapshots_after_and_max_snapshot_id(tmp_path):
    p = tmp_path / "r.db"
    with make(p) as store:
        assert store.max_snapshot_id() == 0
        assert store.snapshots_after(0) == []
        first = store.append([Snapshot(1000, "a", 5), Snapshot(1000, "b", 6)])
        mark = store.max_snapshot_id()
        assert mark == max(s.id for s in first)  # type: ignore[type-var]
        writer = Store.open(p)
        try:
            new = writer.append(
                [Snapshot(500, "b", 4, "youtube:UCx"), Snapshot(2000, "a", 8, "file:x")]
            )
        finally:
            writer.close()
        after = store.snapshots_after(mark)
        assert after == new
        # In row-id order, not time order.
        assert [(s.handle, s.at_ms, s.count, s.source) for s in after] == [
            ("b", 500, 4, "youtube:UCx"),
            ("a", 2000, 8, "file:x"),
        ]
        assert store.max_snapshot_id() == after[-1].id
        assert store.snapshots_after(store.max_snapshot_id()) == []
        assert len(store.snapshots_after(0)) == 4


def test_delete_snapshot_returns_it_and_removes_it():
    with make() as store:
        rows = store.append([Snapshot(1000, "a", 5, "manual"), Snapshot(2000, "a", 9, "manual")])
        store.set_flag(rows[1].id, "glitch")  # type: ignore[arg-type]
        old = store.delete_snapshot(rows[1].id)  # type: ignore[arg-type]
        assert old == Snapshot(2000, "a", 9, "manual", "glitch", "user", rows[1].id)
        assert list(store.snapshots()) == [rows[0]]
        assert store.flag_of(rows[1].id) is None  # type: ignore[arg-type]
        with pytest.raises(KeyError):
            store.delete_snapshot(rows[1].id)  # type: ignore[arg-type]
        with pytest.raises(KeyError):
            store.delete_snapshot(12345)
        assert store.snapshot_count() == 1
        # The store still writes after a failed delete (no transaction left open).
        assert len(store.append([Snapshot(3000, "b", 1)])) == 1
        assert not store.db.conn.in_transaction


# -- rounded readings -------------------------------------------------------------


def test_series_marks_youtube_readings_as_rounded():
    with make() as store:
        store.append(
            [
                Snapshot(3000, "a", 1_240_000, "youtube:UC_x"),
                Snapshot(1000, "a", 1_234_567, "file:feeds/a.csv"),
                Snapshot(2000, "a", 1_230_000, "youtube:UC_x"),
                Snapshot(4000, "a", 1_240_123, "manual"),
                Snapshot(1000, "b", 10, "bluesky:b.example.com"),
                Snapshot(2000, "b", 11, "my youtube: notes"),
            ]
        )
        s = store.series("a")
        assert s.count.tolist() == [1_234_567, 1_230_000, 1_240_000, 1_240_123]
        assert s.rounded is not None
        assert s.rounded.dtype == np.bool_
        assert s.rounded.tolist() == [False, True, True, False]
        assert store.series("b").rounded is None
        assert store.all_series()["a"].rounded.tolist() == [False, True, True, False]  # type: ignore[union-attr]


def test_series_of_no_readings_has_no_rounding():
    with make() as store:
        s = store.series("a")
        assert len(s) == 0 and s.rounded is None


def test_add_event_with_a_refused_origin_raises_instead_of_returning_none():
    with make() as store:
        with pytest.raises(StorageError, match="CHECK constraint failed"):
            store.add_event(Event(1, "note", "lost", origin="bogus"))
        assert store.events() == []


def test_a_colour_that_is_not_rrggbb_falls_back_with_a_warning(caplog):
    with caplog.at_level(logging.WARNING, logger="photofinish.core.model"):
        bad = Competitor("a", "Alice", "#ff0000; background: black", position=1)
        none_given = Competitor("b", "Bob", "", position=0)
        fine = Competitor("c", "Cy", "#A1b2C3")
    assert bad.colour == DEFAULT_COLOURS[1]
    assert none_given.colour == DEFAULT_COLOURS[0]
    assert fine.colour == "#A1b2C3"
    messages = [r.getMessage() for r in caplog.records]
    assert len(messages) == 1 and "'#ff0000; background: black' is not #rrggbb" in messages[0]
