"""Small builders for analysis tests."""

from __future__ import annotations

from photofinish.core.analysis.race import analyse
from photofinish.core.model import Competitor, Race, Snapshot
from photofinish.core.series import Series

MIN = 60_000


def comps(*handles: str) -> list[Competitor]:
    return [Competitor(h, h.upper(), "#000000", i) for i, h in enumerate(handles)]


def run(snaps: list[Snapshot], milestone: int = 1000, stale_s: int = 6 * 3600, handles=("a", "b")):
    race = Race("t", milestone, stale_after_s=stale_s)
    series = {h: Series.from_snapshots(h, snaps) for h in handles}
    return analyse(race, comps(*handles), series)


def snaps(handle: str, points: list[tuple[int, int]], start_id: int = 1) -> list[Snapshot]:
    """Snapshots from (minute, count) pairs."""
    return [
        Snapshot(m * MIN, handle, c, "test", id=start_id + i) for i, (m, c) in enumerate(points)
    ]
