"""An open session file: the connection, write transactions that wait out other writers."""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Self

from sqlite_utils import Database

from ..errors import is_busy
from .errors import from_driver, translated

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 10_000


WRITE_TRIES = 3  # each waits up to BUSY_TIMEOUT_MS for another writer's lock


@translated
class StoreBase:
    """The connection every table of the store works through."""

    def __init__(self, db: Database, path: Path | None, read_only: bool = False) -> None:
        self.db = db
        self.db.conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        # Statement journals (each insert that fires a trigger, in a transaction, has one)
        # in memory rather than in temporary files: twice as fast.
        self.db.conn.execute("PRAGMA temp_store = MEMORY")
        self._wal = False
        self.path = path
        self.read_only = read_only
        self._ids: dict[str, int] = {}
        self._handles: dict[int, str] = {}
        self._edit_log: bool | None = None  # whether the file logs edits (found on first use)
        self._until_seen: object = None  # derived_state.until_ms as last read or written here
        # What this connection knows the file holds, good until another one writes.
        self._known: dict[str, tuple[int, Any]] = {}
        self._reload_competitor_ids()

    def close(self) -> None:
        """Close the file."""
        self.db.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def write(self) -> Iterator[Self]:
        """A write transaction that takes the write lock at once (BEGIN IMMEDIATE).

        A deferred transaction that reads first and writes later fails at once
        with "database is locked" when another connection committed in between;
        taking the lock up front lets the busy timeout wait for it instead.
        Nested calls become savepoints. Beginning and committing raise the
        project's errors (:mod:`photofinish.core.errors`), as every table does.
        """
        if self.db.conn.in_transaction:
            try:
                with self._driver_errors(), self.db.atomic():
                    yield self
            except BaseException:
                self._known.clear()  # the savepoint undid what was remembered in it
                raise
            return
        with self._driver_errors():
            if not self._wal and self.path is not None and not self.read_only:
                self.db.enable_wal()
                self._wal = True
            self._begin_immediate()
        try:
            yield self
        except BaseException:
            self._known.clear()  # what was remembered during the transaction is undone
            if self.db.conn.in_transaction:
                self.db.conn.execute("ROLLBACK")
            raise
        else:
            with self._driver_errors():
                self.db.conn.execute("COMMIT")

    @contextmanager
    def _driver_errors(self) -> Iterator[None]:
        try:
            yield
        except sqlite3.Error as exc:
            raise from_driver(exc, self.path) from exc

    def checkpoint(self) -> None:
        """Copy what the write-ahead log holds into the file itself, without waiting.

        SQLite does this only every thousand pages, hours of a slow race: until
        then a copy of the file alone (synced, mailed) misses the newest
        readings. A passive checkpoint copies what no reader still needs and
        never blocks a reader or a writer.
        """
        if self._wal and not self.read_only:
            with self._driver_errors():
                self.db.conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()

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
                if not is_busy(exc) or attempt == WRITE_TRIES:
                    raise
                log.info(
                    "%s: another program has been writing for a while; waiting again (%d of %d)",
                    self.path,
                    attempt + 1,
                    WRITE_TRIES,
                )
                time.sleep(0.05 * attempt)

    def _reload_competitor_ids(self) -> None:
        try:
            rows = list(self.db.execute("SELECT id, handle FROM competitors"))
        except sqlite3.OperationalError:
            rows = []
        self._ids = {h: i for i, h in rows}
        self._handles = {i: h for i, h in rows}

    def _remembered(self, what: str) -> Any:
        """What :meth:`_remember` kept, unless another connection has written since (else None)."""
        known = self._known.get(what)
        if known is None:
            return None
        if int(self.db.execute("PRAGMA data_version").fetchone()[0]) != known[0]:
            del self._known[what]
            return None
        return known[1]

    def _remember(self, what: str, value: Any) -> None:
        """Keep what the file holds (None forgets it), while no other connection writes."""
        if value is None:
            self._known.pop(what, None)
            return
        self._known[what] = (int(self.db.execute("PRAGMA data_version").fetchone()[0]), value)

    def _has_table(self, name: str) -> bool:
        row = self.db.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", [name]
        ).fetchone()
        return row is not None

    def competitor_id(self, handle: str) -> int:
        """The row id of a competitor, raising KeyError for an unknown handle."""
        return self._ids[handle]
