"""The readings: stored a batch at a time, read back as snapshots or as arrays, flagged by hand."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from itertools import repeat
from operator import itemgetter
from typing import Any

import numpy as np

from ..model import BY_AUTO, BY_USER, FLAG_GLITCH, FLAG_NONE, FLAG_OK, Snapshot, SnapshotRow
from ..series import Series
from . import blocks
from .checks import read_only_uri
from .derived import AUTO_GLITCHES, DerivedTable
from .errors import translated
from .schema import INSERT_TRIGGER, INSERTED

# Batches of at least this many readings go in with the insert trigger set aside.
BULK_ROWS = 1000
# A reading as an import writes it; flags keep their defaults (none yet).
_INSERT_ROWS = (
    "INSERT OR IGNORE INTO snapshots (competitor_id, at_ms, count, source) VALUES (?, ?, ?, ?)"
)
# A big batch as one statement over a JSON array of those rows: SQLite lets the GIL go
# for the whole batch (executemany takes it back for every row), so an import's reader
# thread parses the next batch meanwhile.
_INSERT_JSON = (
    "INSERT OR IGNORE INTO snapshots (competitor_id, at_ms, count, source)"
    " SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3 FROM json_each(?)"
)


def pack_rows(rows: list[SnapshotRow]) -> str:
    """Readings as :meth:`ReadingsTable.insert_rows` hands a big batch to SQLite."""
    return json.dumps(rows, ensure_ascii=False, separators=(",", ":"))


@translated
class ReadingsTable(DerivedTable):
    """The ``snapshots`` table (and, through ``blocks``, its packed copy)."""

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
        if any(r[5] == BY_AUTO for r in rows):
            self._remember(AUTO_GLITCHES, None)
        # rowcount, unlike total_changes, leaves out what the triggers changed.
        added = self.db.conn.executemany(
            "INSERT OR IGNORE INTO snapshots (competitor_id, at_ms, count, source, flag,"
            " flagged_by) VALUES (?, ?, ?, ?, ?, ?)",
            rows,
        ).rowcount
        return added

    def insert_rows(self, rows: list[SnapshotRow], packed: str | None = None) -> int:
        """Store imported readings in one transaction; returns how many were new.

        A big batch goes in with the trigger on new readings set aside, and
        what it does done once for the whole batch: the packed blocks the
        batch reaches are dropped and the stored analysis is moved back to its
        first reading. (The trigger costs three times the insert itself, row
        by row.) Dropping and creating the trigger are in the transaction:
        other connections never see the file without it. ``packed`` is
        :func:`pack_rows` of ``rows``, when the caller made it already (an
        import makes it in its reader thread).
        """
        with self.write():
            if len(rows) < BULK_ROWS or not self._follows_edits():
                # rowcount counts the rows inserted, not what the triggers did.
                return int(self.db.conn.executemany(_INSERT_ROWS, rows).rowcount)
            self.db.execute(f"DROP TRIGGER {INSERT_TRIGGER}")
            text = pack_rows(rows) if packed is None else packed
            added = int(self.db.conn.execute(_INSERT_JSON, [text]).rowcount)
            self._after_bulk(rows)
            self.db.execute(INSERTED)
            return added

    def _after_bulk(self, rows: list[SnapshotRow]) -> None:
        """What the trigger on new readings does, for a whole batch at once."""
        cids = np.fromiter(map(itemgetter(0), rows), np.int64, len(rows))
        times = np.fromiter(map(itemgetter(1), rows), np.int64, len(rows))
        spans = {
            int(cid): (int(times[cids == cid].min()), int(times[cids == cid].max()))
            for cid in np.unique(cids)
        }
        # Every block between the batch's first and last reading goes (it is packed
        # again at the next open): coarser than the trigger, as right.
        self.db.conn.executemany(
            "DELETE FROM series_blocks WHERE competitor_id = ? AND last_ms >= ? AND first_ms <= ?",
            [(cid, lo, hi) for cid, (lo, hi) in spans.items()],
        )
        first = min(lo for lo, _ in spans.values())
        self.db.execute(
            "UPDATE derived_state SET value = ? WHERE key = 'until_ms' AND value > ?",
            [first, first],
        )

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
            self._remember(AUTO_GLITCHES, None)
        return Snapshot(row[2], self._handles[row[1]], row[3], row[4], row[5], row[6], row[0])

    def _max_snapshot_id(self) -> int:
        return int(self.db.execute("SELECT coalesce(max(id), 0) FROM snapshots").fetchone()[0])

    def max_snapshot_id(self) -> int:
        """The newest reading's row id (0 when there is none)."""
        return self._max_snapshot_id()

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

    def data_version(self) -> int:
        """A number that changes whenever another connection commits to the file."""
        return int(self.db.execute("PRAGMA data_version").fetchone()[0])

    def series(self, handle: str) -> Series:
        """One competitor's readings as arrays, for the analysis."""
        cid = self._ids[handle]
        if blocks.has_blocks(self.db.conn):
            at, count, marks = blocks.load(
                self.db.conn, cid, writable=not self.read_only, helper=self._second_reader()
            )
        else:
            at, count, marks = blocks.load_rows(self.db.conn, cid)
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

    def _second_reader(self) -> Callable[[], sqlite3.Connection] | None:
        """Opens another read-only connection to the file, for reading in two halves at once."""
        path = self.path
        if path is None:
            return None
        return lambda: sqlite3.connect(read_only_uri(path), uri=True)

    def set_flag(self, snapshot_id: int, flag: str, by: str = BY_USER) -> int | None:
        """Flag a reading as a glitch or as fine (``""`` clears the decision); returns its time."""
        if flag not in (FLAG_NONE, FLAG_GLITCH, FLAG_OK):
            raise ValueError(f"unknown flag {flag!r}")
        with self.write():
            self.db.execute(
                "UPDATE snapshots SET flag = ?, flagged_by = ? WHERE id = ?",
                [flag, by if flag else "", snapshot_id],
            )
            self._remember(AUTO_GLITCHES, None)
            row = self.db.execute("SELECT at_ms FROM snapshots WHERE id = ?", [snapshot_id])
            for (at_ms,) in row.fetchall():
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


def _narrow(values: np.ndarray) -> np.ndarray:
    """32-bit integers when every value fits (half the memory for millions of readings)."""
    if values.size and values.min() >= -(2**31) and values.max() < 2**31:
        return values.astype(np.int32)
    return values
