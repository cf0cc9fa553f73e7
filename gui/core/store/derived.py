"""What earlier analyses decided and the file keeps: automatic glitches, the settled part.

Triggers in the file (see .schema) keep it honest whoever writes: a change to
a reading lowers ``until_ms`` to the reading's time, and deletions and
changes are logged in ``reading_edits`` for the sessions that have the file open.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from ..model import KIND_LEAD_CHANGE, ORIGIN_DERIVED, LeadChange, Settled
from . import blocks
from .base import StoreBase
from .errors import translated

AUTO_GLITCHES = "auto glitches"  # what _remembered keeps of the automatic flags

# Edits kept in the log for sessions that have the file open; one that fell
# further behind reads everything again.
EDITS_KEPT = 10_000


@translated
class DerivedTable(StoreBase):
    """The automatic glitch flags in ``snapshots`` and the ``derived_state`` table."""

    def record_auto_glitches(self, readings: Iterable[tuple[str, int, int]]) -> None:
        """Mark exactly these readings (handle, time, count) as automatic glitches.

        User decisions stay; only the readings whose mark changes are written
        (each live frame passes every glitch of the race, nearly all unchanged).
        What is stored is remembered until another connection writes the file,
        so a live frame does not read it again.
        """
        wanted = {(self._ids[h], int(t), int(c)) for h, t, c in readings if h in self._ids}
        with self.write():
            stored = self._remembered(AUTO_GLITCHES)
            if stored is None:
                rows = self._auto_rows("competitor_id, at_ms, count")
                stored = {(int(cid), int(t), int(c)) for cid, t, c in rows}
            gone, new = sorted(stored - wanted), sorted(wanted - stored)
            self.db.conn.executemany(
                "UPDATE snapshots SET flag = '', flagged_by = ''"
                " WHERE competitor_id = ? AND at_ms = ? AND count = ? AND flagged_by = 'auto'",
                gone,
            )
            marked = self.db.conn.executemany(
                "UPDATE snapshots SET flag = 'glitch', flagged_by = 'auto'"
                " WHERE competitor_id = ? AND at_ms = ? AND count = ? AND flagged_by != 'user'",
                new,
            ).rowcount
            # A reading flagged by hand is left as it is: then the file holds less than wanted.
            self._remember(AUTO_GLITCHES, wanted if marked == len(new) else None)

    def _auto_rows(self, columns: str) -> list[tuple[Any, ...]]:
        """The readings stored as automatic glitches (on the partial index when there is one)."""
        index = " INDEXED BY snapshots_flagged" if blocks.has_blocks(self.db.conn) else ""
        return self.db.execute(
            f"SELECT {columns} FROM snapshots{index}"  # noqa: S608 - fixed column names
            " WHERE flagged_by != '' AND flagged_by = 'auto' AND flag = 'glitch'"
        ).fetchall()

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

    # -- what an analysis settled ------------------------------------------------
    def _follows_edits(self) -> bool:
        """Whether the file's triggers keep the stored analysis honest (schema 4 on)."""
        if self._edit_log is None:
            self._edit_log = self._has_table("reading_edits")
        return self._edit_log

    def settled(self, fingerprint: str) -> Settled | None:
        """What the last analysis of everything stored settled, if it analysed the same race.

        None for a file whose triggers do not lower it when readings change
        (an older file opened read-only): then everything is worked out again.
        """
        if not self._follows_edits():
            return None
        state = dict(self.db.execute("SELECT key, value FROM derived_state").fetchall())
        self._until_seen = state.get("until_ms")
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
        """Remember what an analysis of everything stored settled (its lead changes are events).

        When another writer lowered ``until_ms`` since this store last read or
        wrote it, a reading changed that the analysis may not have seen: the
        lower of the two stays.
        """
        if not self._follows_edits():
            return
        with self.write():
            row = self.db.execute("SELECT value FROM derived_state WHERE key = 'until_ms'")
            found = row.fetchone()
            until = settled.until_ms
            if found is not None and found[0] != self._until_seen:
                until = min(until, int(found[0]))
            self.db.conn.executemany(
                "INSERT OR REPLACE INTO derived_state (key, value) VALUES (?, ?)",
                [("fingerprint", fingerprint), ("until_ms", until)],
            )
            self._until_seen = until
            self.db.execute(
                "DELETE FROM reading_edits WHERE seq <= (SELECT max(seq) FROM reading_edits) - ?",
                [EDITS_KEPT],
            )

    # -- what other programs changed ----------------------------------------------
    def last_edit(self) -> int:
        """The newest entry of the edit log (0 when there is none, or no log)."""
        if not self._follows_edits():
            return 0
        row = self.db.execute("SELECT coalesce(max(seq), 0) FROM reading_edits").fetchone()
        return int(row[0])

    def edits_since(self, seq: int) -> tuple[int, dict[str, int] | None]:
        """Readings deleted or changed after log entry ``seq``.

        Returns the newest entry and, for each competitor touched, the earliest
        time touched; None instead when the log was trimmed past ``seq`` (then
        anything may have changed).
        """
        if not self._follows_edits():
            return seq, {}
        oldest, newest = self.db.execute(
            "SELECT coalesce(min(seq), 0), coalesce(max(seq), 0) FROM reading_edits"
        ).fetchone()
        if newest == seq:
            return seq, {}
        if newest < seq or oldest > seq + 1:  # emptied by hand, or trimmed past seq
            return int(newest), None
        rows = self.db.execute(
            "SELECT competitor_id, min(at_ms) FROM reading_edits WHERE seq > ?"
            " GROUP BY competitor_id",
            [seq],
        ).fetchall()
        return int(newest), {self._handles[c]: int(t) for c, t in rows if c in self._handles}
