"""Readings kept a second time as packed column blocks, so millions of them load in a blink.

The ``snapshots`` table stays the truth. Each competitor's readings, in time
order, are also packed into blocks of about :data:`BLOCK_ROWS` rows: one BLOB
holding the times, counts and marks (hand flags, rounding) as NumPy columns
(no row ids: a competitor, a time and a count name a reading). Reading 5
million rows one by one through ``sqlite3`` takes seconds; reading 80 blobs
takes a fraction of one.

A block covers every reading of its competitor from ``first_ms`` to
``last_ms`` inclusive. Triggers (see .schema) delete any block that a change to
``snapshots`` touches (an insert, a delete, a hand flag), in every process
that writes the file, so a block is never stale; the readings outside blocks
are read row by row and packed again the next time a writable store loads
them.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator

import numpy as np

from . import rows

log = logging.getLogger(__name__)

BLOCK_ROWS = 65_536

ROUNDED_MARK = rows.ROUNDED_MARK
Columns = rows.Columns


def pack(at_ms: np.ndarray, count: np.ndarray, marks: np.ndarray) -> bytes:
    """One block's columns as one BLOB."""
    return b"".join(
        np.ascontiguousarray(a, dtype=d).tobytes()
        for a, d in ((at_ms, "<i8"), (count, "<i8"), (marks, "<i1"))
    )


def unpack(data: bytes, rows: int) -> Columns:
    """A BLOB's columns (read-only views on the bytes)."""
    if len(data) != rows * 17:
        raise ValueError(f"a block of {rows} readings has {len(data)} bytes")
    at = np.frombuffer(data, "<i8", rows, 0)
    count = np.frombuffer(data, "<i8", rows, rows * 8)
    marks = np.frombuffer(data, "<i1", rows, rows * 16)
    return at, count, marks


def has_blocks(conn: sqlite3.Connection) -> bool:
    """Whether the file has the block table (older files opened read-only do not)."""
    row = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'series_blocks'"
    ).fetchone()
    return row is not None


def _cuts(at_ms: np.ndarray) -> Iterator[tuple[int, int]]:
    """Block boundaries in a run of readings: about BLOCK_ROWS each, never splitting a time.

    The rest (fewer than BLOCK_ROWS readings at the end) is left out: it is the
    part still growing.
    """
    start, n = 0, at_ms.size
    while n - start >= BLOCK_ROWS:
        end = start + BLOCK_ROWS
        # Readings at the same millisecond stay in one block.
        end = int(np.searchsorted(at_ms, at_ms[end - 1], side="right"))
        if end >= n:
            return
        yield start, end
        start = end


def load(
    conn: sqlite3.Connection,
    competitor_id: int,
    writable: bool,
    helper: rows.Opener | None = None,
) -> Columns:
    """A competitor's readings in time order, from blocks plus the rows outside them.

    When ``writable``, runs of rows outside blocks that are long enough are
    packed into new blocks for next time.
    """
    own = not conn.in_transaction
    if own:
        conn.execute("BEGIN")  # one consistent view while a recorder may be writing
    try:
        version = int(conn.execute("PRAGMA data_version").fetchone()[0])
        try:
            out, gaps = _read(conn, competitor_id, helper)
        except (ValueError, TypeError) as exc:
            # A damaged block: the rows themselves are the truth.
            log.warning("Reading readings row by row, past a damaged block: %s", exc)
            return load_rows(conn, competitor_id)
    finally:
        if own and conn.in_transaction:
            conn.execute("COMMIT")
    if writable and own:
        _seal(conn, competitor_id, gaps, version)
    return out


def _read(
    conn: sqlite3.Connection, competitor_id: int, helper: rows.Opener | None
) -> tuple[Columns, list[Columns]]:
    spans = conn.execute(
        "SELECT id, first_ms, last_ms, rows FROM series_blocks"
        " WHERE competitor_id = ? ORDER BY first_ms",
        [competitor_id],
    ).fetchall()
    # The gaps between blocks (and before the first and after the last), read row by row.
    gaps: list[Columns] = []
    lower = -(2**63)
    for _, first, last, _ in spans:
        gaps.append(rows.rows_between(conn, competitor_id, lower, first))
        lower = last
    # After the last block: all of them, in a file no block was ever packed in.
    gaps.append(rows.rows_between(conn, competitor_id, lower, 2**63 - 1, helper))
    if not spans:
        return gaps[0], gaps  # no block yet: the rows are all there is
    total = sum(int(r[3]) for r in spans) + sum(g[0].size for g in gaps)
    out: Columns = (np.empty(total, np.int64), np.empty(total, np.int64), np.empty(total, np.int8))
    pos = 0

    def place(cols: Columns) -> None:
        nonlocal pos
        n = cols[0].size
        for target, source in zip(out, cols, strict=True):
            target[pos : pos + n] = source
        pos += n

    for (block_id, _, _, size), gap in zip(spans, gaps, strict=False):
        place(gap)
        row = conn.execute("SELECT data FROM series_blocks WHERE id = ?", [block_id]).fetchone()
        place(unpack(row[0], int(size)))
    place(gaps[-1])
    if pos != total:  # pragma: no cover - the file changed under the reads
        raise sqlite3.DatabaseError("the readings changed while they were read")
    return out, gaps


def _seal(conn: sqlite3.Connection, competitor_id: int, gaps: list[Columns], version: int) -> None:
    """Pack long runs of loose rows into blocks, unless someone wrote in the meantime."""
    new = [(gap, a, b) for gap in gaps for a, b in _cuts(gap[0])]
    if not new:
        return
    try:
        conn.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as exc:
        log.info("Not packing readings now (%s)", exc)
        return
    try:
        if int(conn.execute("PRAGMA data_version").fetchone()[0]) != version:
            conn.execute("ROLLBACK")
            return
        conn.executemany(
            "INSERT INTO series_blocks (competitor_id, first_ms, last_ms, rows, data)"
            " VALUES (?, ?, ?, ?, ?)",
            (
                (
                    competitor_id,
                    int(gap[0][a]),
                    int(gap[0][b - 1]),
                    b - a,
                    pack(*(col[a:b] for col in gap)),
                )
                for gap, a, b in new
            ),
        )
        conn.execute("COMMIT")
        log.info("Packed %d blocks of readings for competitor %d", len(new), competitor_id)
    except sqlite3.Error as exc:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        log.warning("Could not pack readings into blocks: %s", exc)


def load_rows(conn: sqlite3.Connection, competitor_id: int) -> Columns:
    """A competitor's readings from the rows (a file from before blocks, opened read-only)."""
    return rows.rows_between(conn, competitor_id, -(2**63), 2**63 - 1)
