"""What earlier analyses decided and the file keeps: automatic glitches, the settled part."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from ..model import KIND_LEAD_CHANGE, ORIGIN_DERIVED, LeadChange, Settled
from . import blocks
from .base import StoreBase
from .errors import translated


@translated
class DerivedTable(StoreBase):
    """The automatic glitch flags in ``snapshots`` and the ``derived_state`` table."""

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
