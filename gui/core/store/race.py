"""The race's settings and its competitors."""

from __future__ import annotations

from typing import Any

from ..errors import SessionFileError
from ..model import DEFAULT_COLOURS, Competitor, Race
from .base import StoreBase
from .errors import translated


@translated
class RaceTable(StoreBase):
    """The ``race`` row and the ``competitors`` table."""

    # -- race and competitors ------------------------------------------------
    def race(self) -> Race:
        """The race's settings."""
        row = self.db.execute(
            "SELECT title, milestone, platform, display_tz, stale_after_s FROM race WHERE id = 1"
        ).fetchone()
        if row is None:
            raise SessionFileError(self.path or ":memory:", "has no race row")
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
