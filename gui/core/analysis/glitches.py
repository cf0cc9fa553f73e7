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
DETECT_CHUNK = 1 << 18


# How many usable readings on each side a glitch decision looks at (with room to spare).
NEIGHBOUR_REACH = 3


def detect_glitches(series: Series, start: int = 0) -> np.ndarray:
    """Boolean mask of readings the detector flags as glitches (from index ``start`` on).

    A reading the user decided on is never flagged here; readings the user
    flagged as glitches are left out when looking for neighbours. Readings
    before ``start`` are False in the mask (see :func:`detect_from`).
    """
    result = np.zeros(len(series), dtype=bool)
    result[start:] = detect_from(series, start)
    return result


def detect_from(series: Series, start: int) -> np.ndarray:
    """The detector's decisions for the readings from index ``start`` to the end.

    A decision rests on the usable neighbours on each side, so only the last
    few readings before ``start`` are looked at. Works through long series a
    million readings at a time, so memory stays flat.
    """
    n = len(series)
    result = np.zeros(max(n - start, 0), dtype=bool)
    lo = start
    while lo < n:
        hi = min(lo + DETECT_CHUNK, n)
        # Neighbours on both sides, past any readings the user threw out.
        a = back(series, lo, NEIGHBOUR_REACH)
        b = min(hi + NEIGHBOUR_REACH, n)
        part = _detect(series.part(a, b))
        result[lo - start : hi - start] = part[lo - a : hi - a]
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


def step_of(count: int, rounded: bool) -> float:
    """The rounding step of one reading: its last kept digit when rounded, else 0."""
    if not rounded:
        return 0.0
    value = abs(float(count))
    return 10.0 ** (np.floor(np.log10(max(value, 1.0))) - 2) if value >= 1000 else 0.0


def jumps_like_a_glitch(previous: int, last: int, step: float) -> bool:
    """Whether the newest reading moves far enough from the one before to be held out.

    Until the next reading arrives nobody can tell a glitch from a real jump, so
    such a reading is held out of the figures rather than trusted.
    """
    a, b = float(previous), float(last)
    return abs(b - a) > max(PENDING_REL * abs(a), GLITCH_MIN_ABS, 1.5 * step)


def pending_index(series: Series, end: int, excluded: np.ndarray) -> int:
    """The reading held out as provisional among the first ``end`` (-1 when none is).

    It is the last usable reading (neither a glitch in ``excluded``, sorted
    indices, nor decided by hand) when it jumps like a glitch from the usable
    reading before it.
    """
    last = _usable_before(series, end, excluded)
    if last < 0 or series.user_flag[last] != USER_NONE:
        return -1
    prev = _usable_before(series, last, excluded)
    if prev < 0:
        return -1
    rounded = series.rounded is not None and bool(series.rounded[last])
    step = step_of(int(series.count[last]), rounded)
    return (
        last if jumps_like_a_glitch(int(series.count[prev]), int(series.count[last]), step) else -1
    )


def _usable_before(series: Series, end: int, excluded: np.ndarray) -> int:
    """The last index before ``end`` that is not in ``excluded`` nor a hand-flagged glitch."""
    i = end - 1
    k = int(np.searchsorted(excluded, end)) - 1
    while i >= 0:
        if k >= 0 and excluded[k] == i:
            k -= 1
        elif series.user_flag[i] != USER_GLITCH:
            return i
        i -= 1
    return -1
