"""Who leads when: counts aligned as of any moment, the lead between two series, lead changes."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from ..model import LeadChange

LEAD_CHUNK = 1 << 18


def as_of(at_ms: np.ndarray, count: np.ndarray, when: np.ndarray, stale_ms: int) -> np.ndarray:
    """Each time's latest count at or before it, NaN where none is fresh enough.

    ``at_ms`` must be sorted; ``count`` holds the matching clean readings.
    """
    when = np.asarray(when, dtype=np.int64)
    out = np.full(when.shape, np.nan)
    if at_ms.size == 0:
        return out
    idx = np.searchsorted(at_ms, when, side="right") - 1
    ok = idx >= 0
    safe = np.where(ok, idx, 0)
    ok &= (when - at_ms[safe]) <= stale_ms
    out[ok] = count[safe[ok]]
    return out


def lead_series(
    a: tuple[np.ndarray, np.ndarray],
    b: tuple[np.ndarray, np.ndarray],
    stale_ms: int,
    start_ms: int | None = None,
    end_ms: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """The lead of ``a`` over ``b`` at every moment either changes; NaN while undefined.

    The moments are both competitors' reading times, plus the moment a reading
    goes stale where the next one comes later than that; optionally only those
    from ``start_ms`` up to ``end_ms`` (inclusive).
    """
    parts = list(lead_pieces(a, b, stale_ms, start_ms, end_ms, chunk=2**62))
    if not parts:
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    return parts[0]


def lead_pieces(
    a: tuple[np.ndarray, np.ndarray],
    b: tuple[np.ndarray, np.ndarray],
    stale_ms: int,
    start_ms: int | None,
    end_ms: int | None,
    chunk: int | None = None,
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """The lead series in time order, a piece of about ``chunk`` moments at a time.

    ``chunk`` defaults to :data:`LEAD_CHUNK` as it is when called.
    """
    chunk = LEAD_CHUNK if chunk is None else chunk
    ta, ca = a
    tb, cb = b
    if ta.size == 0 or tb.size == 0:
        return
    lo = int(min(ta[0], tb[0])) if start_ms is None else start_ms
    top = 2**62 if end_ms is None else end_ms + 1
    # Only readings from ``stale_ms`` before the start up to the end can go stale in between.
    from_a = ta[int(np.searchsorted(ta, lo - stale_ms - 1)) : int(np.searchsorted(ta, top)) + 1]
    from_b = tb[int(np.searchsorted(tb, lo - stale_ms - 1)) : int(np.searchsorted(tb, top)) + 1]
    stale_points = np.concatenate(
        [stale_moments(from_a, stale_ms), stale_moments(from_b, stale_ms)]
    )
    stale_points.sort()
    ia = int(np.searchsorted(ta, lo))
    ib = int(np.searchsorted(tb, lo))
    while lo < top:
        hi = top
        if ia + chunk < ta.size:
            hi = min(hi, int(ta[ia + chunk]))
        if ib + chunk < tb.size:
            hi = min(hi, int(tb[ib + chunk]))
        ja = int(np.searchsorted(ta, hi))
        jb = int(np.searchsorted(tb, hi))
        s0, s1 = np.searchsorted(stale_points, [lo, hi])
        piece = _merged(ta[ia:ja], tb[ib:jb], stale_points[s0:s1])
        if piece is not None:
            times, na, nb = piece
            lead = _counts_at(ta, ca, times, na + (ia - 1), stale_ms)
            lead -= _counts_at(tb, cb, times, nb + (ib - 1), stale_ms)
            yield times, lead
        lo, ia, ib = hi, ja, jb


def _merged(
    a: np.ndarray, b: np.ndarray, more: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """Sorted runs of times merged without repeats; how many of ``a`` and ``b`` precede each.

    Each time counts itself. The counts say where each time falls in ``a`` and
    ``b`` with no search: a stable sort merges the sorted runs in linear time
    and remembers where each element came from.
    """
    merged = np.concatenate((a, b, more))
    if not merged.size:
        return None
    order = np.argsort(merged, kind="stable")
    times = merged[order]
    source = np.repeat(np.array([0, 1, 2], dtype=np.int8), [a.size, b.size, more.size])[order]
    last = np.empty(times.size, dtype=bool)  # the last of each run of equal times
    last[-1] = True
    np.not_equal(times[1:], times[:-1], out=last[:-1])
    in_a = np.cumsum(source == 0)[last]
    in_b = np.cumsum(source == 1)[last]
    return times[last], in_a, in_b


def _counts_at(
    at_ms: np.ndarray, count: np.ndarray, times: np.ndarray, latest: np.ndarray, stale_ms: int
) -> np.ndarray:
    """:func:`as_of` given, for each time, the index of the latest reading (-1: none)."""
    out = np.full(times.shape, np.nan)
    ok = latest >= 0
    safe = np.where(ok, latest, 0)
    ok &= (times - at_ms[safe]) <= stale_ms
    out[ok] = count[safe[ok]]
    return out


def stale_moments(t: np.ndarray, stale_ms: int) -> np.ndarray:
    """The moments readings go stale before the next one arrives (and after the last)."""
    if t.size == 0:
        return np.zeros(0, dtype=np.int64)
    gaps = np.nonzero(np.diff(t) > stale_ms)[0]
    return np.concatenate((t[gaps], t[-1:])) + (stale_ms + 1)


def find_lead_changes(
    a: tuple[np.ndarray, np.ndarray],
    b: tuple[np.ndarray, np.ndarray],
    ha: str,
    hb: str,
    stale: int,
    end: int | None,
    since: int | None,
    earlier: list[LeadChange],
) -> tuple[list[LeadChange], str | None, int | None]:
    """Lead changes, and the leader and lead as of ``end``.

    With ``since``, the changes before it are ``earlier`` and only the lead
    from ``since`` on is worked out.
    """
    sign = 0
    if since is not None:
        if earlier:
            sign = 1 if earlier[-1].leader == ha else -1
        else:
            sign = first_sign(a, b, stale, since)
    changes = list(earlier)
    last_v = np.zeros(0)
    for times, lead in lead_pieces(a, b, stale, since, end):
        signs = np.sign(np.nan_to_num(lead, nan=0.0))
        decided = np.nonzero(signs != 0)[0]
        if decided.size:
            ds = signs[decided]
            prev = np.concatenate(([sign], ds[:-1]))
            flips = decided[(ds != prev) & (prev != 0)]
            changes.extend(LeadChange(int(times[i]), ha if signs[i] > 0 else hb) for i in flips)
            sign = int(ds[-1])
        last_v = lead
    if last_v.size == 0 and since is not None and end is not None:
        # Nothing new since the settled part: the lead as of the end.
        at_end = np.array([end], dtype=np.int64)
        last_v = as_of(*a, at_end, stale) - as_of(*b, at_end, stale)
    if last_v.size == 0 or np.isnan(last_v[-1]):
        return changes, None, None
    leader = None if sign == 0 else (ha if sign > 0 else hb)
    return changes, leader, int(abs(last_v[-1]))


def first_sign(
    a: tuple[np.ndarray, np.ndarray], b: tuple[np.ndarray, np.ndarray], stale: int, before: int
) -> int:
    """Who led first (1 for a, -1 for b, 0 for nobody) among the moments before ``before``."""
    for _times, lead in lead_pieces(a, b, stale, None, before - 1, chunk=4096):
        signs = np.sign(np.nan_to_num(lead, nan=0.0))
        decided = np.nonzero(signs != 0)[0]
        if decided.size:
            return int(signs[decided[0]])
    return 0
