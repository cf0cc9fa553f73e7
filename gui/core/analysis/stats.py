"""A competitor's figures as of a moment: latest count, change in the last hour, the rate."""

from __future__ import annotations

import numpy as np

from ..model import Race
from .lead import as_of
from .result import CompetitorStats, Crossing

HOUR_MS = 3_600_000


RATE_WINDOW_MS = HOUR_MS

# Long series are scanned in pieces of this many readings (no big temporaries).
SCAN_CHUNK = 1 << 20


def first_at_least(c: np.ndarray, mark: int) -> int | None:
    """The index of the first count at or above a mark, in pieces (no big temporaries)."""
    for lo in range(0, c.size, SCAN_CHUNK):
        hit = c[lo : lo + SCAN_CHUNK] >= mark
        i = int(np.argmax(hit))
        if hit[i]:
            return lo + i
    return None


def competitor_stats(
    handle: str,
    series: tuple[np.ndarray, np.ndarray],
    crossings: dict[str, Crossing],
    race: Race,
    stale: int,
    end: int | None,
) -> CompetitorStats:
    """A competitor's figures as of ``end``, from its clean readings."""
    t, c = series
    st = CompetitorStats(handle)
    if t.size == 0 or end is None:
        return st
    i = int(np.searchsorted(t, end, side="right")) - 1
    if i < 0:
        return st
    t1, c1 = int(t[i]), int(c[i])
    st.latest_at_ms, st.latest_count = t1, c1
    crossing = crossings.get(handle)
    if crossing is not None and crossing.at_ms <= end:
        st.crossed_at_ms = crossing.at_ms
    st.to_go = max(race.milestone - c1, 0)
    hour_ago = as_of(t, c, np.array([end - HOUR_MS]), stale)[0]
    if not np.isnan(hour_ago) and end - t1 <= stale:
        st.change_last_hour = c1 - int(hour_ago)
    j = int(np.searchsorted(t, t1 - RATE_WINDOW_MS, side="right")) - 1
    if j < 0:
        j = 0
    elapsed = t1 - int(t[j])
    # No rate from readings all taken at the same moment (two counts at one millisecond).
    if j < i and 0 < elapsed <= stale:
        st.rate_per_hour = (c1 - int(c[j])) / elapsed * HOUR_MS
    return st  # the ETA comes from the forecast (see .forecast), with its range
