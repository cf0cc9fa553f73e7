"""Readings read straight from ``snapshots`` into arrays, with no Python work per row.

What is not in packed blocks (a file another program filled, or the newest
readings) is read here. SQLite joins each stretch of a competitor's times
and counts into text on its covering index, and NumPy parses that text: some
ten times faster than building a tuple for every row. Long stretches are read
by two connections at once, one half each, when no other program writes in
the meantime (else again by one). The few readings with a mark (a hand
decision, a rounded public count) come from partial indexes, so a file with
none pays nothing for them.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import Any

import numpy as np

from ..series import ROUNDED_SOURCE_PREFIX

log = logging.getLogger(__name__)

Columns = tuple[np.ndarray, np.ndarray, np.ndarray]
Opener = Callable[[], sqlite3.Connection]

# marks: the hand decision in the low bits, and this bit for a rounded public count.
# (Automatic glitch flags are not marks: storing them must not undo a packed block.)
ROUNDED_MARK = 4

# Readings joined into text at a time (about 14 MB of text a column).
CHUNK_ROWS = 1 << 18
# Stretches of at least this many readings are read in two halves at once (see _halves).
PARALLEL_ROWS = 1 << 20

# A stretch of a competitor's readings after a time and count, in order, as text.
_TEXT_SQL = (
    "SELECT group_concat(at_ms), group_concat(count), count(*) FROM"
    " (SELECT at_ms, count FROM snapshots WHERE competitor_id = ? AND (at_ms, count) > (?, ?)"
    " AND at_ms < ? ORDER BY at_ms, count LIMIT ?)"
)
_RANGE = "FROM snapshots WHERE competitor_id = ? AND at_ms > ? AND at_ms < ?"
# Is there an n-th reading in a stretch (walks n entries of the index, reads no row)?
_NTH_SQL = f"SELECT 1 {_RANGE} LIMIT 1 OFFSET ?"
# Apart: SQLite finds a lone min() or max() on the index, both together by a scan.
_FIRST_SQL = f"SELECT min(at_ms) {_RANGE}"
_LAST_SQL = f"SELECT max(at_ms) {_RANGE}"
_COUNT_SQL = f"SELECT count(*) {_RANGE}"
# The hand decisions: 1 (glitch) or 2 (real); on the partial index of flags.
_USER_SQL = (
    "SELECT at_ms, count, (CASE flag WHEN 'glitch' THEN 1 WHEN 'ok' THEN 2 ELSE 0 END)"
    " FROM snapshots INDEXED BY snapshots_flagged"
    " WHERE flagged_by != '' AND flagged_by = 'user'"
    " AND competitor_id = ? AND at_ms > ? AND at_ms < ?"
)
# Rounded public counts (YouTube); on the partial index of their source.
_ROUNDED_SQL = (
    f"SELECT at_ms, count, {ROUNDED_MARK} FROM snapshots INDEXED BY snapshots_rounded"
    " WHERE source LIKE 'youtube:%' AND competitor_id = ? AND at_ms > ? AND at_ms < ?"
)
# Files from before those indexes: both kinds of mark in one pass over the rows.
_MARK_SQL = (
    "SELECT at_ms, count,"
    " (CASE WHEN flagged_by = 'user' THEN"
    " (CASE flag WHEN 'glitch' THEN 1 WHEN 'ok' THEN 2 ELSE 0 END) ELSE 0 END)"
    f" + (CASE WHEN source LIKE ? THEN {ROUNDED_MARK} ELSE 0 END)"
    " FROM snapshots WHERE competitor_id = ? AND at_ms > ? AND at_ms < ?"
    " AND (flagged_by = 'user' OR source LIKE ?)"
)
assert ROUNDED_SOURCE_PREFIX == "youtube:"  # the prefix written in _ROUNDED_SQL and the schema


def rows_between(
    conn: sqlite3.Connection,
    competitor_id: int,
    after: int,
    before: int,
    helper: Opener | None = None,
) -> Columns:
    """A competitor's readings with times strictly between ``after`` and ``before``.

    ``helper`` opens another connection to the same file (read-only), for a
    second reader; without it everything is read through ``conn``.
    """
    at, count = _parallel(conn, competitor_id, after, before, helper)
    return at, count, _marks(conn, competitor_id, after, before, at, count)


def _parallel(
    conn: sqlite3.Connection, cid: int, after: int, before: int, helper: Opener | None
) -> tuple[np.ndarray, np.ndarray]:
    own = not conn.in_transaction
    if own:
        conn.execute("BEGIN")  # one view of the file for the stamp and the rows
    try:
        return _read_halves(conn, cid, after, before, helper)
    finally:
        if own and conn.in_transaction:
            conn.execute("COMMIT")


def _read_halves(
    conn: sqlite3.Connection, cid: int, after: int, before: int, helper: Opener | None
) -> tuple[np.ndarray, np.ndarray]:
    split = _halves(conn, cid, after, before) if helper is not None else None
    if split is None or helper is None:
        at, count = _columns(_count(conn, cid, after, before))
        _fill(conn, cid, after, before, at, count)
        return _in_order(at, count)
    # The second half through another connection, in another thread, straight into
    # the same arrays; the first half here (a connection stays in its thread).
    sized: Future[int] = Future()
    target: Future[tuple[np.ndarray, np.ndarray]] = Future()
    with ThreadPoolExecutor(1) as pool:
        second = pool.submit(_read_with, helper, cid, split, before, sized, target)
        stamp = _stamp(conn)
        first = _count(conn, cid, after, split + 1)
        try:
            # The helper's count, or its failure (it may fail before it counts).
            waited: list[Future[Any]] = [sized, second]
            wait(waited, return_when=FIRST_COMPLETED)
            if not sized.done():
                second.result()
                raise sqlite3.DatabaseError("the second reader stopped before it counted")
            at, count = _columns(first + sized.result())
        except BaseException as exc:
            target.set_exception(exc)
            raise
        target.set_result((at[first:], count[first:]))
        _fill(conn, cid, after, split + 1, at[:first], count[:first])
        seen = second.result()
    if seen != stamp:
        log.info("The file changed while it was read in two halves: reading it again")
        return _read_halves(conn, cid, after, before, None)
    return _in_order(at, count)


def _columns(n: int) -> tuple[np.ndarray, np.ndarray]:
    return np.empty(n, dtype=np.int64), np.empty(n, dtype=np.int64)


def _count(conn: sqlite3.Connection, cid: int, after: int, before: int) -> int:
    return int(conn.execute(_COUNT_SQL, [cid, after, before]).fetchone()[0])


def _stamp(conn: sqlite3.Connection) -> tuple[int, int]:
    """What changes when readings are added, deleted or changed: the newest row and edit."""
    row = conn.execute(
        "SELECT (SELECT coalesce(max(id), 0) FROM snapshots),"
        " (SELECT coalesce(max(seq), 0) FROM reading_edits)"
    ).fetchone()
    return int(row[0]), int(row[1])


def _halves(conn: sqlite3.Connection, cid: int, after: int, before: int) -> int | None:
    """A time splitting a long stretch in two (the first half ends at it), or None.

    Only in files that log edits (see .schema): their stamp shows any change.
    """
    has_log = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'reading_edits'"
    ).fetchone()
    if has_log is None:
        return None
    params = [cid, after, before]
    many = conn.execute(_NTH_SQL, [*params, PARALLEL_ROWS - 1])
    if many.fetchone() is None:
        return None
    lo = conn.execute(_FIRST_SQL, params).fetchone()[0]
    top = conn.execute(_LAST_SQL, params).fetchone()[0]
    # The middle of the span: about half the rows when readings come at a steady pace.
    middle = int(lo) + (int(top) - int(lo)) // 2
    return middle if int(lo) <= middle < int(top) else None


def _read_with(
    helper: Opener,
    cid: int,
    after: int,
    before: int,
    sized: Future[int],
    target: Future[tuple[np.ndarray, np.ndarray]],
) -> tuple[int, int]:
    """Read a stretch through a connection of its own, in one read transaction.

    Says how many readings there are through ``sized``, fills the arrays it is
    then given through ``target``; returns the file's stamp as it saw it.
    """
    try:
        conn = helper()
    except BaseException as exc:
        sized.set_exception(exc)
        raise
    try:
        try:
            conn.execute("BEGIN")
            stamp = _stamp(conn)
            sized.set_result(_count(conn, cid, after, before))
        except BaseException as exc:
            if not sized.done():
                sized.set_exception(exc)
            raise
        at, count = target.result()
        _fill(conn, cid, after, before, at, count)
        return stamp
    finally:
        conn.close()


def _fill(
    conn: sqlite3.Connection,
    cid: int,
    after: int,
    before: int,
    at: np.ndarray,
    count: np.ndarray,
) -> None:
    """Times and counts in order into ``at`` and ``count``, a chunk joined into text at a time.

    The arrays hold exactly the readings there are (counted in the same
    transaction); anything else means the file is damaged.
    """
    pos = 0
    last = (after, 2**63 - 1)  # after every reading at ``after``
    while pos < at.size:
        at_text, count_text, n = conn.execute(
            _TEXT_SQL, [cid, last[0], last[1], before, min(CHUNK_ROWS, at.size - pos)]
        ).fetchone()
        if not n:
            break
        at[pos : pos + n] = _parse(at_text, n)
        count[pos : pos + n] = _parse(count_text, n)
        pos += n
        last = (int(at[pos - 1]), int(count[pos - 1]))
    more = conn.execute(_TEXT_SQL, [cid, last[0], last[1], before, 1]).fetchone()[2]
    if pos != at.size or more:
        raise sqlite3.DatabaseError(f"counted {at.size:,} readings but found {pos + more:,}")


def _parse(text: str, n: int) -> np.ndarray:
    """Integers written with commas between them (exactly ``n`` of them)."""
    values = np.fromstring(text, dtype=np.int64, sep=",")
    if values.size != n:
        raise sqlite3.DatabaseError(f"read {values.size} of {n} readings")
    return values


def _in_order(at: np.ndarray, count: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The readings by time and count.

    group_concat keeps the order it is fed in; should a version of SQLite not,
    they are sorted here.
    """
    step = np.diff(at)
    if not bool((step < 0).any()):
        ties = np.flatnonzero(step == 0)  # readings at the same millisecond: by count
        if not ties.size or bool((count[ties + 1] > count[ties]).all()):
            return at, count
    order = np.lexsort((count, at))
    return at[order], count[order]


def _marks(
    conn: sqlite3.Connection,
    cid: int,
    after: int,
    before: int,
    at: np.ndarray,
    count: np.ndarray,
) -> np.ndarray:
    """The hand decision (low bits) and rounding (ROUNDED_MARK) of each reading."""
    marks = np.zeros(at.size, dtype=np.int8)
    indexes = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    params = [cid, after, before]
    if {"snapshots_flagged", "snapshots_rounded"} <= indexes:
        found = [*conn.execute(_USER_SQL, params), *conn.execute(_ROUNDED_SQL, params)]
    else:
        like = ROUNDED_SOURCE_PREFIX + "%"
        found = conn.execute(_MARK_SQL, [like, *params, like]).fetchall()
    for t, c, mark in found:
        lo, hi = np.searchsorted(at, [t, t + 1])
        marks[lo:hi][count[lo:hi] == c] |= mark
    return marks
