"""Level of detail: what of a long series to draw for a time range and a width in pixels.

A chart never needs more than a few points per horizontal pixel. For the
visible range, M4 keeps each pixel column's first, last, lowest and highest
reading (tsdownsample does it in compiled code), so peaks and glitches stay
visible at every zoom level while pyqtgraph is handed at most four points per
pixel, however many millions of readings the session holds.
"""

from __future__ import annotations

import weakref
from typing import Any, cast

import numpy as np
from tsdownsample import M4Downsampler

from .analysis.lead import as_of, lead_series

# M4 keeps four readings per pixel column (first, lowest, highest, last); drawn
# at two columns to a pixel they make the same picture, with half the line
# segments to stroke.
POINTS_PER_PIXEL = 4
COLUMNS_PER_PIXEL = 0.5
# Below this many readings in the range the lead is worked out at every one of them.
EXACT_LEAD_LIMIT = 20_000

_m4 = M4Downsampler()  # type: ignore[no-untyped-call]  # tsdownsample has no annotations

# A coarse level for long series: each bucket of this many readings by its first,
# lowest, highest and last, so a wide view downsamples a few hundred thousand
# points, not millions. Buckets go by position, so the level of a series is
# the level of any stretch of it from its start: a moment of a replay, or a
# series that grew at its end, takes the level already built and adds what
# is new (the clean readings are views on one buffer, which never changes
# under a view handed out; see core.analysis.track).
LEVEL_READINGS = 64
LEVEL_MIN = 1 << 20
_Level = tuple[np.ndarray, np.ndarray, np.ndarray]  # indices, their times, their counts


class _Built:
    """The level built for the series in one pair of buffers, so far."""

    def __init__(self, t: np.ndarray, c: np.ndarray) -> None:
        self.t_owner = weakref.ref(_owner(t))
        self.c_owner = weakref.ref(_owner(c))
        self.buckets = 0
        self.level: _Level = (np.zeros(0, np.int64), t[:0], c[:0])

    def alive_for(self, t: np.ndarray, c: np.ndarray) -> bool:
        return self.t_owner() is _owner(t) and self.c_owner() is _owner(c)


_levels: dict[tuple[int, int], _Built] = {}


def _owner(a: np.ndarray) -> np.ndarray:
    """The array that owns a view's memory."""
    while isinstance(a.base, np.ndarray):
        a = a.base
    return a


def _level(t: np.ndarray, c: np.ndarray) -> _Level | None:
    """The coarse level of a long series (None for a short one), built once per buffer."""
    if t.size < LEVEL_MIN:
        return None
    key = (t.ctypes.data, c.ctypes.data)
    built = _levels.get(key)
    if built is None or not built.alive_for(t, c):
        for gone in [k for k, v in _levels.items() if v.t_owner() is None]:
            del _levels[gone]
        built = _levels[key] = _Built(t, c)
    full = t.size // LEVEL_READINGS
    if full > built.buckets:
        # The buckets not built yet: their first, lowest, highest and last readings.
        lo, hi = built.buckets * LEVEL_READINGS, full * LEVEL_READINGS
        counts = c[lo:hi].reshape(-1, LEVEL_READINGS)
        base = lo + LEVEL_READINGS * np.arange(full - built.buckets, dtype=np.int64)[:, None]
        picks = np.concatenate(
            (
                np.zeros((counts.shape[0], 1), np.int64),
                counts.argmin(axis=1)[:, None],
                counts.argmax(axis=1)[:, None],
                np.full((counts.shape[0], 1), LEVEL_READINGS - 1, np.int64),
            ),
            axis=1,
        )
        picks.sort(axis=1)
        new = _dedupe((picks + base).ravel())
        # Times and counts copied out once: gathering them on every pan costs more
        # than the downsampling.
        idx, lt, lc = built.level
        built.level = (
            np.concatenate((idx, new)),
            np.concatenate((lt, t[new])),
            np.concatenate((lc, c[new])),
        )
        built.buckets = full
    idx, lt, lc = built.level
    end = int(np.searchsorted(idx, full * LEVEL_READINGS))
    tail = np.arange(full * LEVEL_READINGS, t.size, dtype=np.int64)  # the readings after them
    return (
        np.concatenate((idx[:end], tail)),
        np.concatenate((lt[:end], t[tail])),
        np.concatenate((lc[:end], c[tail])),
    )


def _dedupe(idx: np.ndarray) -> np.ndarray:
    """Sorted indices without repeats (M4 repeats a column's first reading when it is its low)."""
    if idx.size < 2:
        return idx
    return idx[np.concatenate(([True], idx[1:] != idx[:-1]))]


# The last few answers of visible(): the race chart and the gap plot below it
# ask for the same readings over the same range on every pan.
_RECENT = 4
_recent: list[tuple[weakref.ref[np.ndarray], weakref.ref[np.ndarray], tuple[object, ...], Any]] = []


def visible(
    t: np.ndarray, c: np.ndarray, start_ms: float, end_ms: float, pixels: int
) -> tuple[np.ndarray, np.ndarray]:
    """The readings to draw for a time range: all when few, else M4 per pixel column.

    One reading on each side of the range is kept, so lines run to the edges.
    """
    if t.size == 0:
        return t, c
    key = (t.size, c.size, start_ms, end_ms, pixels)
    for rt, rc, k, found in _recent:
        if k == key and rt() is t and rc() is c:
            return cast(tuple[np.ndarray, np.ndarray], found)
    got = _visible(t, c, start_ms, end_ms, pixels)
    _recent.insert(0, (weakref.ref(t), weakref.ref(c), key, got))
    del _recent[_RECENT:]
    return got


def _visible(
    t: np.ndarray, c: np.ndarray, start_ms: float, end_ms: float, pixels: int
) -> tuple[np.ndarray, np.ndarray]:
    # Integer keys: a float key makes searchsorted convert all of ``t`` first.
    lo, hi = np.int64(start_ms), np.int64(np.ceil(end_ms))
    i0 = max(int(np.searchsorted(t, lo)) - 1, 0)
    i1 = min(int(np.searchsorted(t, hi, side="right")) + 1, t.size)
    n_out = max(int(pixels * COLUMNS_PER_PIXEL), 1) * POINTS_PER_PIXEL
    if i1 - i0 <= n_out:
        return t[i0:i1], c[i0:i1]
    level = _level(t, c) if i1 - i0 > LEVEL_READINGS * n_out else None
    if level is not None:
        # Wide view: each pixel column spans many buckets of the coarse level,
        # which holds every bucket's extremes; downsample those.
        where, lt, lc = level
        j0, j1 = (int(j) for j in np.searchsorted(where, [i0, i1]))
        pick = _m4.downsample(lt[j0:j1], lc[j0:j1], n_out=n_out).astype(np.int64)
        idx = where[j0:j1][pick]
    else:
        idx = _m4.downsample(t[i0:i1], c[i0:i1], n_out=n_out).astype(np.int64) + i0
    idx = _dedupe(idx)
    # The edge readings, so the line does not stop short of the view's sides (M4
    # keeps each column's first and last: they are there, in order, already).
    if idx[0] != i0:
        idx = np.concatenate(([i0], idx))
    if idx[-1] != i1 - 1:
        idx = np.concatenate((idx, [i1 - 1]))
    return t[idx], c[idx]


def visible_lead(
    a: tuple[np.ndarray, np.ndarray],
    b: tuple[np.ndarray, np.ndarray],
    stale_ms: int,
    start_ms: float,
    end_ms: float,
    pixels: int,
) -> tuple[np.ndarray, np.ndarray]:
    """The lead of ``a`` over ``b`` to draw for a time range (NaN while undefined).

    Exact at every moment when the range holds few readings; otherwise worked
    out exactly at the moments M4 keeps for either competitor, which include
    each pixel column's extremes of both. Either way no more points than the
    curves get: M4 of the lead itself, keeping every moment it is undefined.
    """
    ta, ca = a
    tb, cb = b
    if ta.size == 0 or tb.size == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    lo, hi = int(start_ms), int(end_ms)
    n = _count_between(ta, lo, hi) + _count_between(tb, lo, hi)
    n_out = max(int(pixels * COLUMNS_PER_PIXEL), 1) * POINTS_PER_PIXEL
    if n <= EXACT_LEAD_LIMIT:
        # From the moment before the range, so the area starts at the left edge.
        key = np.int64(lo)
        first = max(int(np.searchsorted(ta, key)) - 1, 0), max(int(np.searchsorted(tb, key)) - 1, 0)
        begin = min(int(ta[first[0]]), int(tb[first[1]]))
        times, lead = lead_series(a, b, stale_ms, begin, hi + 1)
    else:
        times = np.union1d(visible(ta, ca, lo, hi, pixels)[0], visible(tb, cb, lo, hi, pixels)[0])
        lead = as_of(ta, ca, times, stale_ms) - as_of(tb, cb, times, stale_ms)
    if times.size <= n_out:
        return times, lead
    finite = np.nan_to_num(lead, nan=0.0)
    idx = _m4.downsample(times.astype(np.float64), finite, n_out=n_out).astype(np.int64)
    idx = np.unique(np.concatenate((idx, np.nonzero(np.isnan(lead))[0])))
    return times[idx], lead[idx]


def split_at_zero(t: np.ndarray, lead: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The lead as two curves to fill down to zero: where it is ahead, and where behind.

    Each is NaN outside its side, so each draws only its own part; a point at
    zero is put in where the lead changes sign, so the areas meet there.
    """
    cross = np.nonzero(np.sign(lead[:-1]) * np.sign(lead[1:]) < 0)[0]
    if cross.size:
        y0, y1 = lead[cross], lead[cross + 1]
        at = t[cross] + (t[cross + 1] - t[cross]) * (y0 / (y0 - y1))
        t = np.insert(t.astype(np.float64), cross + 1, at)
        lead = np.insert(lead, cross + 1, 0.0)
    ahead = np.where(lead >= 0, lead, np.nan)
    behind = np.where(lead <= 0, lead, np.nan)
    return t, ahead, behind


def _count_between(t: np.ndarray, lo: int, hi: int) -> int:
    return int(np.searchsorted(t, np.int64(hi), side="right") - np.searchsorted(t, np.int64(lo)))
