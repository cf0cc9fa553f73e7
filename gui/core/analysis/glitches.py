"""Which readings are glitches: isolated spikes that come back, and the newest reading on hold."""

from __future__ import annotations

import numpy as np

from ..series import USER_GLITCH, USER_NONE, Series

# A reading is a glitch when it sits further than this from both of its
# neighbours (relative to their level, at least GLITCH_MIN_ABS) while the
# neighbours agree with each other: an isolated spike that comes back.
GLITCH_REL = 0.01


GLITCH_MIN_ABS = 5


GLITCH_NEIGHBOUR_AGREEMENT = 0.25


# The newest reading is held out of the figures while it jumps by more than this
# share of the previous one: it may be a glitch that the next reading will show.
PENDING_REL = 0.25


# Long series are worked through in pieces of this many readings.
DETECT_CHUNK = 1 << 20


# How many usable readings on each side a glitch decision looks at (with room to spare).
NEIGHBOUR_REACH = 3


def detect_glitches(series: Series, start: int = 0) -> np.ndarray:
    """Boolean mask of readings the detector flags as glitches (from index ``start`` on).

    A reading the user decided on is never flagged here; readings the user
    flagged as glitches are left out when looking for neighbours. Works through
    long series a million readings at a time, so memory stays flat.
    """
    n = len(series)
    result = np.zeros(n, dtype=bool)
    lo = start
    while lo < n:
        hi = min(lo + DETECT_CHUNK, n)
        # Neighbours on both sides, past any readings the user threw out.
        a = back(series, lo, NEIGHBOUR_REACH)
        b = min(hi + NEIGHBOUR_REACH, n)
        part = _detect(series.part(a, b))
        result[lo:hi] = part[lo - a : hi - a]
        lo = hi
    return result


def back(series: Series, i: int, reach: int) -> int:
    """An index ``reach`` usable readings before ``i`` (or 0)."""
    j = i
    found = 0
    while j > 0 and found < reach:
        j -= 1
        if series.user_flag[j] != USER_GLITCH:
            found += 1
    return j


def _detect(series: Series) -> np.ndarray:
    n = len(series)
    result = np.zeros(n, dtype=bool)
    usable = np.nonzero(series.user_flag != USER_GLITCH)[0]
    if usable.size < 3:
        return result
    x = series.count[usable].astype(np.float64)
    a, b, c = x[:-2], x[1:-1], x[2:]
    dp, dn = b - a, b - c
    same_side = np.sign(dp) == np.sign(dn)
    jump = np.minimum(np.abs(dp), np.abs(dn))
    threshold = np.maximum(GLITCH_REL * np.maximum(np.abs(a), np.abs(c)), GLITCH_MIN_ABS)
    if series.rounded is not None:
        # A rounded public count moves in steps of its last kept digit; a step
        # up and back is rounding, not a glitch.
        threshold = np.maximum(threshold, 1.5 * rounding_step(series)[usable][1:-1])
    agree = np.abs(c - a) <= GLITCH_NEIGHBOUR_AGREEMENT * jump
    spike = same_side & (jump > threshold) & agree
    middle = usable[1:-1]
    candidates = series.user_flag[middle] == USER_NONE
    result[middle[spike & candidates]] = True
    return result


def rounding_step(series: Series) -> np.ndarray:
    """The size of one rounding step for each reading (0 where it is exact)."""
    steps = np.zeros(len(series), dtype=np.float64)
    if series.rounded is None:
        return steps
    counts = np.abs(series.count[series.rounded]).astype(np.float64)
    digits = np.floor(np.log10(np.maximum(counts, 1.0)))
    steps[series.rounded] = np.where(counts >= 1000, 10.0 ** (digits - 2), 0.0)
    return steps


def excluded_mask(series: Series) -> np.ndarray:
    """Readings left out of every figure: auto-detected and user-flagged glitches."""
    excluded: np.ndarray = detect_glitches(series) | (series.user_flag == USER_GLITCH)
    return excluded


def glitches_known_at(s: Series, auto: np.ndarray, as_of_ms: int) -> np.ndarray:
    """Auto glitches whose next usable reading is at or before ``as_of_ms``."""
    if not auto.any():
        return auto
    seen = int(np.searchsorted(s.at_ms, as_of_ms, side="right"))
    truncated = s.part(0, seen)
    known = np.zeros_like(auto)
    known[: len(truncated)] = detect_glitches(truncated)
    return known


def pending_last(s: Series, usable: np.ndarray) -> np.ndarray:
    """The newest reading, when it jumps like a glitch and nothing after it confirms it yet.

    Until the next reading arrives nobody can tell a glitch from a real jump, so
    such a reading is held out of the figures rather than trusted.
    """
    pending = np.zeros(len(s), dtype=bool)
    idx = last_two(usable)
    if idx is None:
        return pending
    prev, last = idx
    if s.user_flag[last] != USER_NONE:
        return pending
    a, b = float(s.count[prev]), float(s.count[last])
    step = float(rounding_step(s)[last]) if s.rounded is not None else 0.0
    if abs(b - a) > max(PENDING_REL * abs(a), GLITCH_MIN_ABS, 1.5 * step):
        pending[last] = True
    return pending


def last_two(mask: np.ndarray) -> tuple[int, int] | None:
    """The last two indices where a mask is true (looking back from the end only)."""
    step = 64
    end = mask.size
    while True:
        start = max(end - step, 0)
        idx = np.nonzero(mask[start:])[0]
        if idx.size >= 2:
            return start + int(idx[-2]), start + int(idx[-1])
        if start == 0:
            return None
        end, step = start, step * 8
