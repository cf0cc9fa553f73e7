"""The session file: one SQLite database per race, on sqlite-utils.

Times are stored as integer UTC milliseconds (``at_ms``) so range queries over
millions of snapshots stay on an index; the ``*_readable`` views show them as
ISO 8601 text for anyone browsing the file with sqlite3 or Datasette.
"""

from __future__ import annotations

import errno
import json
import logging
import os
import sqlite3
import tempfile
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from itertools import repeat
from pathlib import Path
from typing import Any
from urllib.parse import quote

import numpy as np
from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from . import blocks
from .analysis import ROUNDED_SOURCE_PREFIX, LeadChange, Series, Settled
from .files import give_usual_permissions
from .model import (
    BY_AUTO,
    BY_USER,
    DEFAULT_COLOURS,
    FLAG_GLITCH,
    FLAG_NONE,
    FLAG_OK,
    KIND_LEAD_CHANGE,
    ORIGIN_DERIVED,
    Competitor,
    Event,
    Race,
    Snapshot,
    SourceConfig,
)

log = logging.getLogger(__name__)

UNFINISHED_IMPORT = "import:unfinished:"  # view_state key prefix, then the file's full path

SQLITE_MAGIC = b"SQLite format 3\x00"
BUSY_TIMEOUT_MS = 10_000
WRITE_TRIES = 3  # each waits up to BUSY_TIMEOUT_MS for another writer's lock
# Readings from these sources are public counts rounded to three significant
# digits (a LIKE pattern on snapshots.source).
ROUNDED_SOURCES = ROUNDED_SOURCE_PREFIX + "%"
SESSION_SUFFIX = ".pfrace"

migrations = Migrations("photofinish")


class SessionError(Exception):
    """A session file that cannot be used, with the file and the problem named."""

    def __init__(self, path: str | Path, problem: str) -> None:
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")


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
    """Readings are also kept packed in blocks, kept in step by triggers (gui.core.blocks).

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


def _ro_uri(path: Path) -> str:
    """A read-only URI. A write-protected file with no write-ahead log is also immutable.

    A read-only connection to a WAL-mode file otherwise creates ``-shm`` and
    ``-wal`` files beside it, and leaves them there when the file is write-protected.
    """
    uri = "file:" + quote(str(path.resolve())) + "?mode=ro"
    wal = path.with_name(path.name + "-wal")
    if not wal.exists() and write_problem(path) is not None:
        uri += "&immutable=1"
    return uri


# Checked whole on every open; the big tables only in files up to QUICK_CHECK_BYTES.
_SMALL_TABLES = ("race", "competitors", "events", "sources", "view_state", "derived_state")
QUICK_CHECK_BYTES = 16 * 1024 * 1024  # about 0.2 s of checking; some 200,000 readings


def _quick_check(conn: sqlite3.Connection, path: Path) -> None:
    """Raise sqlite3.DatabaseError when SQLite finds damage (a cheap check, not a full one).

    A whole ``quick_check`` reads every page: 8 s for a 10-million-reading
    file. The small tables are checked always, everything when the file is small;
    damage in the readings of a big file shows when they are read.
    """
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    checks: list[str | None] = [None]  # the whole file
    if path.stat().st_size > QUICK_CHECK_BYTES:
        checks = [t for t in _SMALL_TABLES if t in tables]
    for table in checks:
        sql = "PRAGMA quick_check" if table is None else f"PRAGMA quick_check({table})"
        found = [r[0] for r in conn.execute(sql)]
        if found != ["ok"]:
            raise sqlite3.DatabaseError("; ".join(str(f) for f in found[:3]))


def inspect_file(path: str | Path) -> int:
    """Check that a file is a session this version can read, without changing it.

    Returns its schema version; raises :class:`SessionError` naming the problem.
    """
    p = Path(path)
    if not p.exists():
        raise SessionError(p, "no such file")
    if p.is_dir():
        raise SessionError(p, "is a folder, not a session file")
    try:
        with p.open("rb") as fh:
            head = fh.read(len(SQLITE_MAGIC))
    except OSError as exc:
        raise SessionError(p, f"cannot be read ({exc.strerror or exc})") from exc
    if not head:
        raise SessionError(p, "is empty, not a Photo Finish session")
    if head != SQLITE_MAGIC:
        raise SessionError(p, "is not a SQLite database, so not a Photo Finish session")
    try:
        conn = sqlite3.connect(_ro_uri(p), uri=True)
        try:
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
            version = int(conn.execute("PRAGMA user_version").fetchone()[0])
            if {"race", "competitors", "snapshots"} <= tables:
                conn.execute("SELECT count(*) FROM race").fetchone()
                _quick_check(conn, p)
        finally:
            conn.close()
    except (sqlite3.DatabaseError, UnicodeDecodeError) as exc:
        # Damaged pages can also turn the schema's own text into bytes that are not UTF-8.
        raise SessionError(p, f"is damaged or unreadable ({exc})") from exc
    if not {"race", "competitors", "snapshots"} <= tables:
        raise SessionError(p, "is a SQLite database but not a Photo Finish session (no race table)")
    if version > SCHEMA_VERSION:
        raise SessionError(
            p,
            f"was saved by a newer Photo Finish (schema version {version}; "
            f"this version reads up to {SCHEMA_VERSION}); it was not changed",
        )
    return version


class Store:
    """A session file opened for reading and writing (or reading only)."""

    def __init__(self, db: Database, path: Path | None, read_only: bool = False) -> None:
        self.db = db
        self.db.conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        self._wal = False
        self.path = path
        self.read_only = read_only
        self._ids: dict[str, int] = {}
        self._handles: dict[int, str] = {}
        self._reload_competitor_ids()

    # -- opening -----------------------------------------------------------
    @classmethod
    def create(
        cls, path: str | Path | None, race: Race, competitors: Iterable[Competitor]
    ) -> Store:
        """Create a new session file (``None`` for an in-memory one) and open it."""
        if path is not None:
            p = Path(path)
            if p.exists():
                raise SessionError(p, "already exists; choose another name")
            try:
                db = Database(p)
            except sqlite3.Error as exc:
                raise SessionError(p, f"cannot be created ({exc})") from exc
        else:
            p = None
            db = Database(memory=True)
        try:
            if p is not None:
                db.enable_wal()
            migrations.apply(db)
            store = cls(db, p)
            with db.atomic():
                store.db.execute(
                    "INSERT INTO race (id, title, milestone, platform, display_tz, stale_after_s)"
                    " VALUES (1, ?, ?, ?, ?, ?)",
                    [
                        race.title,
                        race.milestone,
                        race.platform,
                        race.display_tz,
                        race.stale_after_s,
                    ],
                )
                for comp in competitors:
                    store.add_competitor(comp.handle, comp.name, comp.colour)
        except (sqlite3.Error, OSError) as exc:
            raise SessionError(p or ":memory:", f"cannot be written ({exc})") from exc
        return store

    @classmethod
    def open(cls, path: str | Path, read_only: bool | None = None) -> Store:
        """Open an existing session; read-only when asked or when the file is."""
        p = Path(path)
        version = inspect_file(p)
        if read_only is None:
            read_only = write_problem(p) is not None
        try:
            if read_only:
                db = Database(sqlite3.connect(_ro_uri(p), uri=True, check_same_thread=False))
            else:
                # Write-ahead logging is switched on at the first write, so a
                # file that turns out to be damaged is never touched.
                db = Database(p)
                if version < SCHEMA_VERSION:
                    log.info("Upgrading %s from schema %d to %d", p, version, SCHEMA_VERSION)
                    migrations.apply(db)
        except sqlite3.Error as exc:
            raise SessionError(p, f"cannot be opened ({exc})") from exc
        try:
            return cls(db, p, read_only=read_only)
        except sqlite3.Error as exc:
            db.close()
            raise SessionError(p, f"is damaged or unreadable ({exc})") from exc

    def close(self) -> None:
        """Close the file."""
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def write(self) -> Iterator[Store]:
        """A write transaction that takes the write lock at once (BEGIN IMMEDIATE).

        A deferred transaction that reads first and writes later fails at once
        with "database is locked" when another connection committed in between;
        taking the lock up front lets the busy timeout wait for it instead.
        Nested calls become savepoints.
        """
        if self.db.conn.in_transaction:
            with self.db.atomic():
                yield self
            return
        if not self._wal and self.path is not None and not self.read_only:
            self.db.enable_wal()
            self._wal = True
        self._begin_immediate()
        try:
            yield self
        except BaseException:
            if self.db.conn.in_transaction:
                self.db.conn.execute("ROLLBACK")
            raise
        else:
            self.db.conn.execute("COMMIT")

    def _begin_immediate(self) -> None:
        """Take the write lock, waiting out another writer: the busy timeout, then retries.

        Another process (a recorder, an import, a second window) may hold the
        lock through a long transaction; each try waits ``BUSY_TIMEOUT_MS``.
        Only after ``WRITE_TRIES`` of them does "database is locked" reach the caller.
        """
        for attempt in range(1, WRITE_TRIES + 1):
            try:
                self.db.conn.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if not _busy(exc) or attempt == WRITE_TRIES:
                    raise
                log.info(
                    "%s: another program has been writing for a while; waiting again (%d of %d)",
                    self.path,
                    attempt + 1,
                    WRITE_TRIES,
                )
                time.sleep(0.05 * attempt)

    # -- race and competitors ------------------------------------------------
    def race(self) -> Race:
        """The race's settings."""
        row = self.db.execute(
            "SELECT title, milestone, platform, display_tz, stale_after_s FROM race WHERE id = 1"
        ).fetchone()
        if row is None:
            raise SessionError(self.path or ":memory:", "has no race row")
        return Race(row[0], int(row[1]), row[2], row[3], int(row[4]))

    def update_race(self, **fields: Any) -> None:
        """Change some of the race's settings."""
        allowed = {"title", "milestone", "platform", "display_tz", "stale_after_s"}
        bad = set(fields) - allowed
        if bad:
            raise ValueError(f"unknown race fields: {sorted(bad)}")
        with self.write():
            for key, value in fields.items():
                self.db.execute(f"UPDATE race SET {key} = ? WHERE id = 1", [value])

    def competitors(self) -> list[Competitor]:
        """All competitors, head-to-head pair first."""
        return [
            Competitor(r[1], r[2], r[3], r[4], r[0])
            for r in self.db.execute(
                "SELECT id, handle, name, colour, position FROM competitors ORDER BY position, id"
            )
        ]

    def add_competitor(
        self, handle: str, name: str | None = None, colour: str | None = None
    ) -> Competitor:
        """Add a competitor at the end of the order."""
        position = int(
            self.db.execute("SELECT coalesce(max(position) + 1, 0) FROM competitors").fetchone()[0]
        )
        colour = colour or DEFAULT_COLOURS[position % len(DEFAULT_COLOURS)]
        with self.write():
            cur = self.db.execute(
                "INSERT INTO competitors (handle, name, colour, position) VALUES (?, ?, ?, ?)",
                [handle, name or handle, colour, position],
            )
        cid = int(cur.lastrowid or 0)
        self._ids[handle] = cid
        self._handles[cid] = handle
        return Competitor(handle, name or handle, colour, position, cid)

    def update_competitor(self, handle: str, **fields: Any) -> None:
        """Change a competitor's name, colour or position."""
        allowed = {"name", "colour", "position"}
        bad = set(fields) - allowed
        if bad:
            raise ValueError(f"unknown competitor fields: {sorted(bad)}")
        with self.write():
            for key, value in fields.items():
                self.db.execute(
                    f"UPDATE competitors SET {key} = ? WHERE handle = ?", [value, handle]
                )

    def _reload_competitor_ids(self) -> None:
        try:
            rows = list(self.db.execute("SELECT id, handle FROM competitors"))
        except sqlite3.OperationalError:
            rows = []
        self._ids = {h: i for i, h in rows}
        self._handles = {i: h for i, h in rows}

    def competitor_id(self, handle: str) -> int:
        """The row id of a competitor, raising KeyError for an unknown handle."""
        return self._ids[handle]

    # -- snapshots -----------------------------------------------------------
    def append(self, snapshots: Iterable[Snapshot]) -> list[Snapshot]:
        """Store snapshots in one transaction; return the ones that were new, with ids.

        An exact duplicate (same competitor, time and count) is skipped.
        """
        with self.write():
            before = self._max_snapshot_id()
            self._insert(snapshots)
            rows = self.db.execute(
                "SELECT id, competitor_id, at_ms, count, source, flag, flagged_by"
                " FROM snapshots WHERE id > ? ORDER BY id",
                [before],
            ).fetchall()
        return [Snapshot(r[2], self._handles[r[1]], r[3], r[4], r[5], r[6], r[0]) for r in rows]

    def insert_snapshots(self, snapshots: Iterable[Snapshot]) -> int:
        """Store a batch in one transaction and return how many rows were new."""
        with self.write():
            return self._insert(snapshots)

    def _insert(self, snapshots: Iterable[Snapshot]) -> int:
        ids = self._ids
        rows = [
            (ids[s.handle], s.at_ms, s.count, s.source, s.flag, s.flagged_by) for s in snapshots
        ]
        if not rows:
            return 0
        # rowcount, unlike total_changes, leaves out what the triggers changed.
        added = self.db.conn.executemany(
            "INSERT OR IGNORE INTO snapshots (competitor_id, at_ms, count, source, flag,"
            " flagged_by) VALUES (?, ?, ?, ?, ?, ?)",
            rows,
        ).rowcount
        self.unsettle(min(r[1] for r in rows))
        return added

    def insert_arrays(
        self, handle: str, at_ms: np.ndarray, count: np.ndarray, source: str = ""
    ) -> int:
        """Store many readings of one competitor at once; returns how many were new."""
        cid = self._ids[handle]
        with self.write():
            added = self.db.conn.executemany(
                "INSERT OR IGNORE INTO snapshots (competitor_id, at_ms, count, source)"
                " VALUES (?, ?, ?, ?)",
                zip(repeat(cid), at_ms.tolist(), count.tolist(), repeat(source), strict=False),
            ).rowcount
            if at_ms.size:
                self.unsettle(int(at_ms.min()))
            return added

    def delete_snapshot(self, snapshot_id: int) -> Snapshot:
        """Remove one reading; returns it (KeyError when there is none)."""
        with self.write():
            row = self.db.execute(
                "SELECT id, competitor_id, at_ms, count, source, flag, flagged_by"
                " FROM snapshots WHERE id = ?",
                [snapshot_id],
            ).fetchone()
            if row is None:
                raise KeyError(snapshot_id)
            self.db.execute("DELETE FROM snapshots WHERE id = ?", [snapshot_id])
            self.unsettle(int(row[2]))
        return Snapshot(row[2], self._handles[row[1]], row[3], row[4], row[5], row[6], row[0])

    def _max_snapshot_id(self) -> int:
        return int(self.db.execute("SELECT coalesce(max(id), 0) FROM snapshots").fetchone()[0])

    def snapshot_count(self) -> int:
        """How many snapshots are stored."""
        return int(self.db.execute("SELECT count(*) FROM snapshots").fetchone()[0])

    def snapshots(self, handle: str | None = None) -> Iterator[Snapshot]:
        """Snapshots in time order, of one competitor or all."""
        sql = "SELECT id, competitor_id, at_ms, count, source, flag, flagged_by FROM snapshots"
        params: list[Any] = []
        if handle is not None:
            sql += " WHERE competitor_id = ?"
            params.append(self._ids[handle])
        sql += " ORDER BY at_ms, competitor_id, count"
        for r in self.db.execute(sql, params):
            yield Snapshot(r[2], self._handles[r[1]], r[3], r[4], r[5], r[6], r[0])

    def series(self, handle: str) -> Series:
        """One competitor's readings as arrays, for the analysis."""
        cid = self._ids[handle]
        if blocks.has_blocks(self.db.conn):
            at, count, marks = blocks.load(
                self.db.conn, cid, ROUNDED_SOURCES, writable=not self.read_only
            )
        else:
            at, count, marks = blocks.load_rows(self.db.conn, cid, ROUNDED_SOURCES)
        if not at.size:
            return Series.empty(handle)
        rounded = (marks & blocks.ROUNDED_MARK).astype(bool)
        user = marks & 3
        auto = self._auto(cid, at, count)
        # Row ids are not loaded: a competitor, a time and a count name a reading too.
        no_ids = np.zeros(0, dtype=np.int64)
        return Series(
            handle, no_ids, at, _narrow(count), user, rounded if rounded.any() else None, auto
        )

    def _auto(self, cid: int, at: np.ndarray, count: np.ndarray) -> np.ndarray:
        """Which of a competitor's readings are stored as automatic glitches."""
        auto = np.zeros(at.size, dtype=bool)
        rows = self._auto_rows("at_ms, count, competitor_id")
        for at_ms, value, owner in rows:
            if owner != cid:
                continue
            lo, hi = np.searchsorted(at, [at_ms, at_ms + 1])
            auto[lo:hi] |= count[lo:hi] == value
        return auto

    def all_series(self) -> dict[str, Series]:
        """Every competitor's readings as arrays."""
        return {c.handle: self.series(c.handle) for c in self.competitors()}

    def set_flag(self, snapshot_id: int, flag: str, by: str = BY_USER) -> int | None:
        """Flag a reading as a glitch or as fine (``""`` clears the decision); returns its time."""
        if flag not in (FLAG_NONE, FLAG_GLITCH, FLAG_OK):
            raise ValueError(f"unknown flag {flag!r}")
        with self.write():
            self.db.execute(
                "UPDATE snapshots SET flag = ?, flagged_by = ? WHERE id = ?",
                [flag, by if flag else "", snapshot_id],
            )
            row = self.db.execute("SELECT at_ms FROM snapshots WHERE id = ?", [snapshot_id])
            for (at_ms,) in row.fetchall():
                self.unsettle(int(at_ms))
                return int(at_ms)
        return None

    def flag_of(self, snapshot_id: int) -> tuple[str, str, str] | None:
        """A reading's (flag, flagged_by, handle), or None when there is no such reading."""
        row = self.db.execute(
            "SELECT flag, flagged_by, competitor_id FROM snapshots WHERE id = ?", [snapshot_id]
        ).fetchone()
        return None if row is None else (str(row[0]), str(row[1]), self._handles[row[2]])

    def snapshot_id(self, handle: str, at_ms: int, count: int) -> int | None:
        """The row id of a competitor's reading at a time with a count (None if there is none)."""
        row = self.db.execute(
            "SELECT id FROM snapshots WHERE competitor_id = ? AND at_ms = ? AND count = ?",
            [self._ids.get(handle, -1), int(at_ms), int(count)],
        ).fetchone()
        return None if row is None else int(row[0])

    def record_auto_glitches(self, readings: Iterable[tuple[str, int, int]]) -> None:
        """Mark exactly these readings (handle, time, count) as automatic glitches.

        User decisions stay; only the readings whose mark changes are written
        (each live frame passes every glitch of the race, nearly all unchanged).
        """
        wanted = {(self._ids[h], int(t), int(c)) for h, t, c in readings if h in self._ids}
        with self.write():
            stored = {
                (int(cid), int(t), int(c)): int(sid)
                for sid, cid, t, c in self._auto_rows("id, competitor_id, at_ms, count")
            }
            self.db.conn.executemany(
                "UPDATE snapshots SET flag = '', flagged_by = ''"
                " WHERE id = ? AND flagged_by = 'auto'",
                [(stored[k],) for k in stored.keys() - wanted],
            )
            self.db.conn.executemany(
                "UPDATE snapshots SET flag = 'glitch', flagged_by = 'auto'"
                " WHERE competitor_id = ? AND at_ms = ? AND count = ? AND flagged_by != 'user'",
                sorted(wanted - stored.keys()),
            )

    def _auto_rows(self, columns: str) -> list[tuple[Any, ...]]:
        """The readings stored as automatic glitches (on the partial index when there is one)."""
        index = " INDEXED BY snapshots_flagged" if blocks.has_blocks(self.db.conn) else ""
        return self.db.execute(
            f"SELECT {columns} FROM snapshots{index}"  # noqa: S608 - fixed column names
            " WHERE flagged_by != '' AND flagged_by = 'auto' AND flag = 'glitch'"
        ).fetchall()

    # -- what an analysis settled ------------------------------------------------
    def settled(self, fingerprint: str) -> Settled | None:
        """What the last analysis of everything stored settled, if it analysed the same race."""
        if not blocks.has_blocks(self.db.conn):
            return None
        state = dict(self.db.execute("SELECT key, value FROM derived_state").fetchall())
        if state.get("fingerprint") != fingerprint or "until_ms" not in state:
            return None
        changes = []
        for key, at_ms in self.db.execute(
            "SELECT key, at_ms FROM events WHERE origin = ? AND kind = ? ORDER BY at_ms",
            [ORIGIN_DERIVED, KIND_LEAD_CHANGE],
        ):
            leader = str(key).split(":")[1] if key and str(key).count(":") >= 2 else None
            if leader is None or leader not in self._ids:
                return None  # not written by this version: work it out again
            changes.append(LeadChange(int(at_ms), leader))
        until = int(state["until_ms"])
        return Settled(until, tuple(c for c in changes if c.at_ms < until))

    def set_settled(self, settled: Settled, fingerprint: str) -> None:
        """Remember what an analysis of everything stored settled (its lead changes are events)."""
        if not blocks.has_blocks(self.db.conn):
            return
        with self.write():
            self.db.conn.executemany(
                "INSERT OR REPLACE INTO derived_state (key, value) VALUES (?, ?)",
                [("fingerprint", fingerprint), ("until_ms", settled.until_ms)],
            )

    def unsettle(self, at_ms: int) -> None:
        """Readings at or after ``at_ms`` changed: what was settled from there must be redone."""
        if blocks.has_blocks(self.db.conn):
            self.db.execute(
                "UPDATE derived_state SET value = min(value, ?) WHERE key = 'until_ms'",
                [int(at_ms)],
            )

    # -- events --------------------------------------------------------------
    def events(self) -> list[Event]:
        """All events and notes in time order."""
        return self.events_where("1", [])

    def events_where(self, condition: str, params: list[Any]) -> list[Event]:
        """Events matching a fixed SQL condition with bound parameters, in time order."""
        return [
            Event(
                r[1], r[2], r[4], self._handles.get(r[3]) if r[3] else None, r[5], r[6], r[7], r[0]
            )
            for r in self.db.execute(
                "SELECT id, at_ms, kind, competitor_id, text, url, origin, key FROM events"
                f" WHERE {condition} ORDER BY at_ms, id",
                params,
            )
        ]

    def add_event(self, event: Event) -> Event | None:
        """Store one event; returns it with its id, or None when its key already exists."""
        cid = self._ids.get(event.handle) if event.handle else None
        with self.write():
            cur = self.db.execute(
                "INSERT INTO events (at_ms, kind, competitor_id, text, url, origin, key)"
                " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO NOTHING",
                [event.at_ms, event.kind, cid, event.text, event.url, event.origin, event.key],
            )
        if not cur.rowcount:
            return None
        return Event(
            event.at_ms,
            event.kind,
            event.text,
            event.handle,
            event.url,
            event.origin,
            event.key,
            int(cur.lastrowid or 0),
        )

    def update_event(
        self, event_id: int, text: str, url: str | None, handle: str | None, at_ms: int
    ) -> None:
        """Change a note's text, link, competitor or time."""
        cid = self._ids.get(handle) if handle else None
        with self.write():
            self.db.execute(
                "UPDATE events SET text = ?, url = ?, competitor_id = ?, at_ms = ? WHERE id = ?",
                [text, url, cid, at_ms, event_id],
            )

    def delete_event(self, event_id: int) -> None:
        """Remove one event."""
        with self.write():
            self.db.execute("DELETE FROM events WHERE id = ?", [event_id])

    def restore_event(self, event: Event) -> Event:
        """Put back a deleted note under its old id (undo of a delete)."""
        if event.id is None:
            raise ValueError("only a stored event can be restored")
        cid = self._ids.get(event.handle) if event.handle else None
        with self.write():
            self.db.execute(
                "INSERT INTO events (id, at_ms, kind, competitor_id, text, url, origin, key)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    event.id,
                    event.at_ms,
                    event.kind,
                    cid,
                    event.text,
                    event.url,
                    event.origin,
                    event.key,
                ],
            )
        return event

    def event(self, event_id: int) -> Event | None:
        """One stored event by id."""
        for e in self.events_where("id = ?", [event_id]):
            return e
        return None

    def sync_derived_events(self, derived: Iterable[Event]) -> tuple[list[Event], list[int]]:
        """Make the stored derived events exactly ``derived``; return (added, removed ids)."""
        wanted = {e.key: e for e in derived if e.key}
        with self.write():
            stored = {
                r[1]: (r[0], r[2], r[3])
                for r in self.db.execute(
                    "SELECT id, key, text, at_ms FROM events WHERE origin = ?", [ORIGIN_DERIVED]
                )
            }
            removed = [
                row[0]
                for key, row in stored.items()
                if key not in wanted or (row[1], row[2]) != (wanted[key].text, wanted[key].at_ms)
            ]
            self.db.conn.executemany("DELETE FROM events WHERE id = ?", [(i,) for i in removed])
            keep = {k for k, row in stored.items() if row[0] not in removed}
            added = []
            for key, event in wanted.items():
                if key in keep:
                    continue
                stored_event = self.add_event(event)
                if stored_event is not None:
                    added.append(stored_event)
        return added, removed

    # -- live sources ----------------------------------------------------------
    def sources(self) -> list[SourceConfig]:
        """The live sources attached to competitors, in the order they were added."""
        out = []
        for sid, spec, cid, interval, enabled, options in self.db.execute(
            "SELECT id, spec, competitor_id, interval_s, enabled, options FROM sources ORDER BY id"
        ):
            try:
                opts = json.loads(options) if options else {}
            except ValueError:
                log.warning("Source %d has unreadable options; using none", sid)
                opts = {}
            base = opts.get("base_url") if isinstance(opts, dict) else None
            out.append(
                SourceConfig(
                    self._handles.get(cid, ""),
                    spec,
                    float(interval),
                    bool(enabled),
                    base if isinstance(base, str) and base else None,
                    int(sid),
                )
            )
        return out

    def save_source(self, source: SourceConfig) -> SourceConfig:
        """Add a source (no id) or change one; returns it with its id."""
        options = json.dumps({"base_url": source.base_url} if source.base_url else {})
        values = [
            source.spec,
            self._ids[source.handle],
            float(source.interval_s),
            int(source.enabled),
            options,
        ]
        with self.write():
            if source.id is None:
                cur = self.db.execute(
                    "INSERT INTO sources (spec, competitor_id, interval_s, enabled, options)"
                    " VALUES (?, ?, ?, ?, ?)",
                    values,
                )
                new_id = int(cur.lastrowid or 0)
            else:
                self.db.execute(
                    "UPDATE sources SET spec = ?, competitor_id = ?, interval_s = ?,"
                    " enabled = ?, options = ? WHERE id = ?",
                    [*values, source.id],
                )
                new_id = source.id
        return replace(source, id=new_id)

    def delete_source(self, source_id: int) -> None:
        """Detach a source (its readings stay)."""
        with self.write():
            self.db.execute("DELETE FROM sources WHERE id = ?", [source_id])

    def data_version(self) -> int:
        """A number that changes whenever another connection commits to the file."""
        return int(self.db.execute("PRAGMA data_version").fetchone()[0])

    def snapshots_after(self, snapshot_id: int) -> list[Snapshot]:
        """Readings stored after a given row id (another process's new readings)."""
        rows = self.db.execute(
            "SELECT id, competitor_id, at_ms, count, source, flag, flagged_by"
            " FROM snapshots WHERE id > ? ORDER BY id",
            [snapshot_id],
        ).fetchall()
        return [
            Snapshot(r[2], self._handles[r[1]], r[3], r[4], r[5], r[6], r[0])
            for r in rows
            if r[1] in self._handles
        ]

    def max_snapshot_id(self) -> int:
        """The newest reading's row id (0 when there is none)."""
        return self._max_snapshot_id()

    # -- view state and copies -------------------------------------------------
    def view_state(self) -> dict[str, str]:
        """What the user was looking at, saved per session."""
        return {r[0]: r[1] for r in self.db.execute("SELECT key, value FROM view_state")}

    def set_view_state(self, values: dict[str, str]) -> None:
        """Save view state values."""
        with self.write():
            self.db.conn.executemany(
                "INSERT OR REPLACE INTO view_state (key, value) VALUES (?, ?)",
                list(values.items()),
            )

    # -- imports that did not finish --------------------------------------------------
    def set_unfinished_import(self, key: str, progress: dict[str, Any] | None) -> None:
        """Record how far an import got (None: it finished). Call inside the batch's transaction.

        The row commits with the batch it describes, so after a crash it tells
        exactly what is stored.
        """
        name = f"{UNFINISHED_IMPORT}{key}"
        with self.write():
            if progress is None:
                self.db.execute("DELETE FROM view_state WHERE key = ?", [name])
            else:
                self.db.execute(
                    "INSERT OR REPLACE INTO view_state (key, value) VALUES (?, ?)",
                    [name, json.dumps(progress)],
                )

    def unfinished_imports(self) -> list[dict[str, Any]]:
        """Imports that stopped before the end (killed, crashed or stopped), oldest first."""
        found = []
        for key, value in self.db.execute(
            "SELECT key, value FROM view_state WHERE key >= ? AND key < ? ORDER BY key",
            [UNFINISHED_IMPORT, UNFINISHED_IMPORT + "\uffff"],
        ):
            try:
                progress = json.loads(value)
            except ValueError:
                continue
            if isinstance(progress, dict) and "file" in progress:
                progress["key"] = key.removeprefix(UNFINISHED_IMPORT)
                found.append(progress)
        return sorted(found, key=lambda p: str(p.get("started", "")))

    def backup_to(self, target: str | Path) -> None:
        """Write a consistent copy with SQLite's online backup, never a half-written file.

        The copy is made in one step, so it is the database as of one moment
        even while another connection keeps writing; it goes to a temporary file
        beside the target and is renamed over it only when complete.
        """
        out = Path(target)
        if self.path is not None and out.exists() and out.resolve() == self.path.resolve():
            raise SessionError(out, "is the open session itself; choose another name")
        fd, tmp_name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
        os.close(fd)
        tmp = Path(tmp_name)
        try:
            dest = sqlite3.connect(tmp_name)
            try:
                self.db.conn.backup(dest)
                dest.execute("PRAGMA journal_mode = DELETE")
            finally:
                dest.close()
            give_usual_permissions(tmp)
            os.replace(tmp, out)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise


def _narrow(values: np.ndarray) -> np.ndarray:
    """32-bit integers when every value fits (half the memory for millions of readings)."""
    if values.size and values.min() >= -(2**31) and values.max() < 2**31:
        return values.astype(np.int32)
    return values


def write_problem(path: Path) -> str | None:
    """Why a session file cannot be written, in words; None when it can.

    The folder must be writable too (for the journal). A file without any
    write permission bit counts as write-protected even for a user (root)
    whom the system would let write: the owner asked for it.
    """
    try:
        mode = path.stat().st_mode
    except OSError as exc:
        return f"{path.name} cannot be checked ({exc.strerror or exc})"
    if not mode & 0o222 or not os.access(path, os.W_OK):
        return f"the file {path.name} is write-protected"
    if not os.access(path.parent, os.W_OK):
        return f"the folder holding {path.name} is write-protected"
    return None


__all__ = [
    "SessionError",
    "Store",
    "inspect_file",
    "write_problem",
    "SCHEMA_VERSION",
    "BY_AUTO",
    "BY_USER",
]


def _busy(exc: BaseException) -> bool:
    """Whether another connection's lock made this fail (waiting may help)."""
    name = getattr(exc, "sqlite_errorname", "") or ""
    return name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or "locked" in str(exc)


def storage_problem(exc: BaseException) -> str:
    """Why a write to a session failed, in words a user can act on."""
    name = getattr(exc, "sqlite_errorname", "") or ""
    text = str(exc)
    full = name == "SQLITE_FULL" or "disk is full" in text
    if (isinstance(exc, OSError) and exc.errno == errno.ENOSPC) or full:
        return "the disk is full"
    if name.startswith("SQLITE_READONLY") or "readonly" in text or "read-only" in text:
        return "the session file or its folder has become read-only"
    if _busy(exc):
        return "another program holds the session file's lock"
    if name.startswith("SQLITE_IOERR") or "I/O error" in text or isinstance(exc, OSError):
        return f"the disk reported an error, so the file cannot be written ({text})"
    if isinstance(exc, SessionError):
        return exc.problem
    return f"the session file cannot be written ({text})"
