"""The session file's tables, views and triggers, and the steps that bring old files up."""

from __future__ import annotations

import sqlite3

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

migrations = Migrations("photofinish")


def statements(script: str) -> list[str]:
    """A script as single statements (``executescript`` would commit the migration early)."""
    out, current = [], ""
    for line in script.splitlines(keepends=True):
        current += line
        if sqlite3.complete_statement(current):
            out.append(current.strip())
            current = ""
    return out


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
    for statement in statements(_BLOCKS):
        db.execute(statement)
    db.execute("PRAGMA user_version = 3")


# The packed copy of the readings (see .blocks) as schema 3 made it.
_BLOCKS = """
CREATE TABLE series_blocks (
    id INTEGER PRIMARY KEY,
    competitor_id INTEGER NOT NULL REFERENCES competitors(id),
    first_ms INTEGER NOT NULL,
    last_ms INTEGER NOT NULL,
    rows INTEGER NOT NULL,
    data BLOB NOT NULL
);
CREATE INDEX series_blocks_by_end ON series_blocks (competitor_id, last_ms);
CREATE TRIGGER series_blocks_after_insert AFTER INSERT ON snapshots BEGIN
    DELETE FROM series_blocks WHERE competitor_id = NEW.competitor_id
        AND last_ms >= NEW.at_ms AND first_ms <= NEW.at_ms;
END;
CREATE TRIGGER series_blocks_after_delete AFTER DELETE ON snapshots BEGIN
    DELETE FROM series_blocks WHERE competitor_id = OLD.competitor_id
        AND last_ms >= OLD.at_ms AND first_ms <= OLD.at_ms;
END;
CREATE TRIGGER series_blocks_after_update AFTER UPDATE ON snapshots
WHEN OLD.competitor_id != NEW.competitor_id OR OLD.at_ms != NEW.at_ms
    OR OLD.count != NEW.count OR OLD.source != NEW.source
    OR OLD.flagged_by = 'user' OR NEW.flagged_by = 'user'
BEGIN
    DELETE FROM series_blocks WHERE competitor_id = OLD.competitor_id
        AND last_ms >= OLD.at_ms AND first_ms <= OLD.at_ms;
    DELETE FROM series_blocks WHERE competitor_id = NEW.competitor_id
        AND last_ms >= NEW.at_ms AND first_ms <= NEW.at_ms;
END;
CREATE INDEX snapshots_flagged ON snapshots (flagged_by) WHERE flagged_by != '';
CREATE TABLE derived_state (key TEXT PRIMARY KEY, value);
"""


@migrations(name="0004_analysis_follows_edits")
def _analysis_follows_edits(db: Database) -> None:
    """Whoever changes a reading also moves the stored analysis back to it.

    One trigger for each kind of change keeps both copies honest: the packed
    blocks it touches go, and ``derived_state.until_ms`` (how far the stored
    analysis is settled, see .derived) comes down to the reading's time.
    Deletions and changes are also logged in ``reading_edits``, so a window
    or recorder with the file open sees what another program did to readings
    it already has (new readings it finds by their row ids). Storing the
    automatic glitch flags is not a change of readings: it fires nothing.
    """
    db.execute("DROP TRIGGER IF EXISTS series_blocks_after_insert")
    db.execute("DROP TRIGGER IF EXISTS series_blocks_after_delete")
    db.execute("DROP TRIGGER IF EXISTS series_blocks_after_update")
    for statement in statements(_EDITS):
        db.execute(statement)
    # Until now another program's edits left the stored analysis as it was: trust none of it.
    db.execute("DELETE FROM derived_state WHERE key = 'until_ms'")
    db.execute("PRAGMA user_version = 4")


# The trigger on new readings, as the bulk insert (.readings) puts it back (keep it
# the one schema 4 made, or change both in a migration).
INSERT_TRIGGER = "readings_after_insert"
INSERTED = """CREATE TRIGGER readings_after_insert AFTER INSERT ON snapshots BEGIN
    DELETE FROM series_blocks WHERE competitor_id = NEW.competitor_id
        AND last_ms >= NEW.at_ms AND first_ms <= NEW.at_ms;
    UPDATE derived_state SET value = NEW.at_ms WHERE key = 'until_ms' AND value > NEW.at_ms;
END;"""

_EDITS = f"""
CREATE TABLE reading_edits (
    seq INTEGER PRIMARY KEY,
    competitor_id INTEGER NOT NULL,
    at_ms INTEGER NOT NULL
);
{INSERTED}
CREATE TRIGGER readings_after_delete AFTER DELETE ON snapshots BEGIN
    DELETE FROM series_blocks WHERE competitor_id = OLD.competitor_id
        AND last_ms >= OLD.at_ms AND first_ms <= OLD.at_ms;
    UPDATE derived_state SET value = OLD.at_ms WHERE key = 'until_ms' AND value > OLD.at_ms;
    INSERT INTO reading_edits (competitor_id, at_ms) VALUES (OLD.competitor_id, OLD.at_ms);
END;
CREATE TRIGGER readings_after_update AFTER UPDATE ON snapshots
WHEN OLD.competitor_id != NEW.competitor_id OR OLD.at_ms != NEW.at_ms
    OR OLD.count != NEW.count OR OLD.source != NEW.source
    OR OLD.flagged_by = 'user' OR NEW.flagged_by = 'user'
BEGIN
    DELETE FROM series_blocks WHERE competitor_id = OLD.competitor_id
        AND last_ms >= OLD.at_ms AND first_ms <= OLD.at_ms;
    DELETE FROM series_blocks WHERE competitor_id = NEW.competitor_id
        AND last_ms >= NEW.at_ms AND first_ms <= NEW.at_ms;
    UPDATE derived_state SET value = min(OLD.at_ms, NEW.at_ms)
        WHERE key = 'until_ms' AND value > min(OLD.at_ms, NEW.at_ms);
    INSERT INTO reading_edits (competitor_id, at_ms) VALUES (OLD.competitor_id, OLD.at_ms);
    INSERT INTO reading_edits (competitor_id, at_ms) VALUES (NEW.competitor_id, NEW.at_ms);
END;
CREATE INDEX snapshots_rounded ON snapshots (competitor_id, at_ms)
    WHERE source LIKE 'youtube:%';
"""


@migrations(name="0005_readable_answers")
def _readable_answers(db: Database) -> None:
    """Views that answer the usual questions right with plain SQL, glitches left out.

    ``snapshots_readable`` has every reading, the glitches too (``flag`` is
    ``glitch`` for those); ``readings_clean`` has only those the race counts,
    and ``crossings`` each competitor's first counted reading at or above the
    milestone: "when did aplusk reach a million?" without knowing about flags.
    """
    for statement in statements(_ANSWERS):
        db.execute(statement)
    db.execute("PRAGMA user_version = 5")


_ANSWERS = """
CREATE VIEW readings_clean AS
    SELECT s.id,
           strftime('%Y-%m-%dT%H:%M:%fZ', s.at_ms / 1000.0, 'unixepoch') AS at_utc,
           c.handle, s.count, s.source
    FROM snapshots s JOIN competitors c ON c.id = s.competitor_id
    WHERE s.flag != 'glitch';
CREATE VIEW crossings AS
    SELECT c.handle, c.name, r.milestone,
           strftime('%Y-%m-%dT%H:%M:%fZ', min(s.at_ms) / 1000.0, 'unixepoch') AS crossed_at_utc,
           s.count
    FROM competitors c CROSS JOIN race r
    JOIN snapshots s ON s.competitor_id = c.id AND s.count >= r.milestone AND s.flag != 'glitch'
    GROUP BY c.id;
"""


@migrations(name="0006_announced")
def _announced(db: Database) -> None:
    """The events each channel has told someone about, so none is told twice.

    A recorder's ``--on-event`` commands run once per event, also across
    restarts: what it announced is kept here, by channel and event key.
    """
    db.execute(
        "CREATE TABLE announced (channel TEXT NOT NULL, key TEXT NOT NULL,"
        " PRIMARY KEY (channel, key)) WITHOUT ROWID"
    )
    db.execute("PRAGMA user_version = 6")


SCHEMA_VERSION = 6
