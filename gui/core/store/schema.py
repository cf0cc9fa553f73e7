"""The session file's tables, views and triggers, and the steps that bring old files up."""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from . import blocks

migrations = Migrations("photofinish")


@migrations(name="0001_initial")
def _initial(db: Database) -> None:
    db.executescript(
        """
        CREATE TABLE race (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            title TEXT NOT NULL,
            milestone INTEGER NOT NULL CHECK (milestone > 0),
            platform TEXT NOT NULL DEFAULT '',
            display_tz TEXT NOT NULL DEFAULT 'UTC',
            stale_after_s INTEGER NOT NULL DEFAULT 21600
        );
        CREATE TABLE competitors (
            id INTEGER PRIMARY KEY,
            handle TEXT NOT NULL UNIQUE,
            name TEXT NOT NULL,
            colour TEXT NOT NULL,
            position INTEGER NOT NULL
        );
        CREATE TABLE snapshots (
            id INTEGER PRIMARY KEY,
            competitor_id INTEGER NOT NULL REFERENCES competitors(id),
            at_ms INTEGER NOT NULL,
            count INTEGER NOT NULL,
            source TEXT NOT NULL DEFAULT '',
            flag TEXT NOT NULL DEFAULT '' CHECK (flag IN ('', 'glitch', 'ok')),
            flagged_by TEXT NOT NULL DEFAULT '' CHECK (flagged_by IN ('', 'auto', 'user'))
        );
        CREATE UNIQUE INDEX snapshots_by_competitor_time
            ON snapshots (competitor_id, at_ms, count);
        CREATE TABLE events (
            id INTEGER PRIMARY KEY,
            at_ms INTEGER NOT NULL,
            kind TEXT NOT NULL,
            competitor_id INTEGER REFERENCES competitors(id),
            text TEXT NOT NULL,
            url TEXT,
            origin TEXT NOT NULL CHECK (origin IN ('user', 'derived', 'imported')),
            key TEXT UNIQUE
        );
        CREATE INDEX events_by_time ON events (at_ms);
        CREATE TABLE sources (
            id INTEGER PRIMARY KEY,
            spec TEXT NOT NULL,
            competitor_id INTEGER REFERENCES competitors(id),
            interval_s REAL NOT NULL DEFAULT 60,
            enabled INTEGER NOT NULL DEFAULT 1,
            options TEXT NOT NULL DEFAULT '{}'
        );
        CREATE TABLE view_state (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL
        );
        CREATE VIEW snapshots_readable AS
            SELECT s.id,
                   strftime('%Y-%m-%dT%H:%M:%fZ', s.at_ms / 1000.0, 'unixepoch') AS at_utc,
                   c.handle, s.count, s.source, s.flag, s.flagged_by
            FROM snapshots s JOIN competitors c ON c.id = s.competitor_id;
        CREATE VIEW events_readable AS
            SELECT e.id,
                   strftime('%Y-%m-%dT%H:%M:%fZ', e.at_ms / 1000.0, 'unixepoch') AS at_utc,
                   e.kind, c.handle, e.text, e.url, e.origin
            FROM events e LEFT JOIN competitors c ON c.id = e.competitor_id;
        PRAGMA user_version = 1;
        """
    )


@migrations(name="0002_source_events")
def _source_events(db: Database) -> None:
    """Events may now come from live sources (a source failed or recovered)."""
    # SQLite cannot change a CHECK constraint in place: rebuild the table.
    db.execute("DROP VIEW IF EXISTS events_readable")
    db.execute(
        """
        CREATE TABLE events_new (
            id INTEGER PRIMARY KEY,
            at_ms INTEGER NOT NULL,
            kind TEXT NOT NULL,
            competitor_id INTEGER REFERENCES competitors(id),
            text TEXT NOT NULL,
            url TEXT,
            origin TEXT NOT NULL CHECK (origin IN ('user', 'derived', 'imported', 'source')),
            key TEXT UNIQUE
        )
        """
    )
    db.execute(
        "INSERT INTO events_new"
        " SELECT id, at_ms, kind, competitor_id, text, url, origin, key FROM events"
    )
    db.execute("DROP TABLE events")
    db.execute("ALTER TABLE events_new RENAME TO events")
    db.execute("CREATE INDEX events_by_time ON events (at_ms)")
    db.execute(
        """
        CREATE VIEW events_readable AS
            SELECT e.id,
                   strftime('%Y-%m-%dT%H:%M:%fZ', e.at_ms / 1000.0, 'unixepoch') AS at_utc,
                   e.kind, c.handle, e.text, e.url, e.origin
            FROM events e LEFT JOIN competitors c ON c.id = e.competitor_id
        """
    )
    db.execute("PRAGMA user_version = 2")


@migrations(name="0003_series_blocks")
def _series_blocks(db: Database) -> None:
    """Readings are also kept packed in blocks, kept in step by triggers (.blocks).

    The snapshots table is rebuilt on the way: its CHECK constraints written as
    ``IN (...)`` lists made every insert five times slower than as ``OR``s.
    """
    db.execute("DROP VIEW IF EXISTS snapshots_readable")
    db.execute(
        """
        CREATE TABLE snapshots_new (
            id INTEGER PRIMARY KEY,
            competitor_id INTEGER NOT NULL REFERENCES competitors(id),
            at_ms INTEGER NOT NULL,
            count INTEGER NOT NULL,
            source TEXT NOT NULL DEFAULT '',
            flag TEXT NOT NULL DEFAULT ''
                CHECK (flag = '' OR flag = 'glitch' OR flag = 'ok'),
            flagged_by TEXT NOT NULL DEFAULT ''
                CHECK (flagged_by = '' OR flagged_by = 'auto' OR flagged_by = 'user')
        )
        """
    )
    db.execute("INSERT INTO snapshots_new SELECT * FROM snapshots")
    db.execute("DROP TABLE snapshots")
    db.execute("ALTER TABLE snapshots_new RENAME TO snapshots")
    db.execute(
        "CREATE UNIQUE INDEX snapshots_by_competitor_time"
        " ON snapshots (competitor_id, at_ms, count)"
    )
    db.execute(
        """
        CREATE VIEW snapshots_readable AS
            SELECT s.id,
                   strftime('%Y-%m-%dT%H:%M:%fZ', s.at_ms / 1000.0, 'unixepoch') AS at_utc,
                   c.handle, s.count, s.source, s.flag, s.flagged_by
            FROM snapshots s JOIN competitors c ON c.id = s.competitor_id
        """
    )
    for statement in blocks.schema_statements():
        db.execute(statement)
    db.execute("PRAGMA user_version = 3")


SCHEMA_VERSION = 3
