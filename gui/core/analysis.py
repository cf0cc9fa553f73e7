"""The race arithmetic: glitches, as-of alignment, lead, crossings, rates and derived events.

Everything here is pure Python and NumPy on arrays of UTC milliseconds and
counts, so it can be tested on its own and stays fast on millions of readings.
"""

from __future__ import annotations

import json
import weakref
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np

from .model import (
    BY_AUTO,
    BY_USER,
    FLAG_GLITCH,
    FLAG_OK,
    KIND_CROSSED,
    KIND_GLITCH,
    KIND_LEAD_CHANGE,
    KIND_TO_GO,
    Competitor,
    Event,
    Race,
    Snapshot,
)

HOUR_MS = 3_600_000
RATE_WINDOW_MS = HOUR_MS
TO_GO_THRESHOLDS = (10_000, 5_000, 2_000, 1_000, 100)

# A reading is a glitch when it sits further than this from both of its
# neighbours (relative to their level, at least GLITCH_MIN_ABS) while the
# neighbours agree with each other: an isolated spike that comes back.
GLITCH_REL = 0.01
GLITCH_MIN_ABS = 5
GLITCH_NEIGHBOUR_AGREEMENT = 0.25

# The newest reading is held out of the figures while it jumps by more than this
# share of the previous one: it may be a glitch that the next reading will show.
PENDING_REL = 0.25

_USER_NONE, _USER_GLITCH, _USER_OK = 0, 1, 2

# Long series are worked through in pieces of this many readings.
DETECT_CHUNK = 1 << 20
LEAD_CHUNK = 1 << 20
# How many usable readings on each side a glitch decision looks at (with room to spare).
NEIGHBOUR_REACH = 3

# Readings from sources with this prefix are public counts rounded to three
# significant digits (YouTube).
ROUNDED_SOURCE_PREFIX = "youtube:"


@dataclass
class Series:
    """One competitor's readings, sorted by time (then count), as parallel arrays."""

    handle: str
    ids: np.ndarray  # row ids; empty when not loaded (see id_of)
    at_ms: np.ndarray
    count: np.ndarray
    user_flag: np.ndarray
    # True where the count is a public figure rounded to three significant
    # digits (YouTube); None when no reading is rounded.
    rounded: np.ndarray | None = None
    # True where an earlier analysis stored the reading as an automatic
    # glitch (see Settled); None when nothing was stored.
    auto: np.ndarray | None = None

    @classmethod
    def from_snapshots(cls, handle: str, snapshots: Iterable[Snapshot]) -> Series:
        """Build a series from snapshots of one competitor, in any order."""
        rows = [
            (
                s.at_ms,
                s.count,
                -1 if s.id is None else s.id,
                _user_code(s.flag, s.flagged_by),
                int(s.source.startswith(ROUNDED_SOURCE_PREFIX)),
            )
            for s in snapshots
            if s.handle == handle
        ]
        rows.sort()
        if not rows:
            return cls.empty(handle)
        arr = np.array(rows, dtype=np.int64)
        rounded = arr[:, 4].astype(bool) if arr[:, 4].any() else None
        return cls(handle, arr[:, 2], arr[:, 0], arr[:, 1], arr[:, 3].astype(np.int8), rounded)

    @classmethod
    def empty(cls, handle: str) -> Series:
        """A series with no readings."""
        z = np.zeros(0, dtype=np.int64)
        return cls(handle, z, z, z, np.zeros(0, dtype=np.int8))

    def __len__(self) -> int:
        return int(self.at_ms.size)

    def extended(self, snapshots: Sequence[Snapshot]) -> Series | None:
        """The series with newer readings added at the end; None when they are not all newer."""
        if not snapshots:
            return self
        add = Series.from_snapshots(self.handle, snapshots)
        if len(self) and len(add) and add.at_ms[0] <= self.at_ms[-1]:
            return None
        n, k = len(self), len(add)
        rounded = None
        if self.rounded is not None or add.rounded is not None:
            rounded = _grown(
                self.rounded if self.rounded is not None else np.zeros(n, bool),
                add.rounded if add.rounded is not None else np.zeros(k, bool),
            )
        auto = None
        if self.auto is not None:
            auto = _grown(self.auto, np.zeros(k, bool))
        # Row ids stay unloaded when they were (a big session does not keep them).
        ids = _grown(self.ids, add.ids) if self.ids.size == n else self.ids
        count = add.count
        if self.count.dtype == np.int32 and (
            not k or (count.min() >= -(2**31) and count.max() < 2**31)
        ):
            count = count.astype(np.int32)
        return Series(
            self.handle,
            ids,
            _grown(self.at_ms, add.at_ms),
            _grown(self.count, count),
            _grown(self.user_flag, add.user_flag),
            rounded,
            auto,
        )

    def id_of(self, i: int) -> int | None:
        """The stored row id of reading ``i`` (None when unknown or not loaded)."""
        if self.ids.size != self.at_ms.size:
            return None
        sid = int(self.ids[i])
        return sid if sid >= 0 else None

    def part(self, lo: int, hi: int) -> Series:
        """The readings from index ``lo`` up to ``hi`` (views, not copies)."""
        return Series(
            self.handle,
            self.ids[lo:hi],
            self.at_ms[lo:hi],
            self.count[lo:hi],
            self.user_flag[lo:hi],
            None if self.rounded is None else self.rounded[lo:hi],
            None if self.auto is None else self.auto[lo:hi],
        )


def _grown(values: np.ndarray, more: np.ndarray) -> np.ndarray:
    """``values`` then ``more``, in room kept at the end of the same buffer when there is some.

    Live readings come a few at a time: copying millions for each batch churned
    memory. The buffer grows by half when full; readers only ever see the
    filled part (a view), which later additions do not touch.
    """
    n, k = values.size, more.size
    base = values.base if isinstance(values.base, np.ndarray) else None
    if (
        base is not None
        and base.ndim == 1
        and base.dtype == values.dtype == more.dtype
        and values.ctypes.data == base.ctypes.data
        and base.size >= n + k
        and _filled.get(id(base)) == n
    ):
        base[n : n + k] = more
        _filled[id(base)] = n + k
        return base[: n + k]
    dtype = np.result_type(values, more)
    base = np.empty(max(int((n + k) * 1.5), 1024), dtype=dtype)
    base[:n] = values
    base[n : n + k] = more
    _filled[id(base)] = n + k
    _forget_later(base)
    return base[: n + k]


# How much of each growing buffer is in use, by id; a buffer is forgotten when freed.
_filled: dict[int, int] = {}


def _forget_later(base: np.ndarray) -> None:
    weakref.finalize(base, _filled.pop, id(base), None)


def _user_code(flag: str, flagged_by: str) -> int:
    if flagged_by != BY_USER:
        return _USER_NONE
    if flag == FLAG_GLITCH:
        return _USER_GLITCH
    if flag == FLAG_OK:
        return _USER_OK
    return _USER_NONE


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
        a = _back(series, lo, NEIGHBOUR_REACH)
        b = min(hi + NEIGHBOUR_REACH, n)
        part = _detect(series.part(a, b))
        result[lo:hi] = part[lo - a : hi - a]
        lo = hi
    return result


def _back(series: Series, i: int, reach: int) -> int:
    """An index ``reach`` usable readings before ``i`` (or 0)."""
    j = i
    found = 0
    while j > 0 and found < reach:
        j -= 1
        if series.user_flag[j] != _USER_GLITCH:
            found += 1
    return j


def _detect(series: Series) -> np.ndarray:
    n = len(series)
    result = np.zeros(n, dtype=bool)
    usable = np.nonzero(series.user_flag != _USER_GLITCH)[0]
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
    candidates = series.user_flag[middle] == _USER_NONE
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
    return detect_glitches(series) | (series.user_flag == _USER_GLITCH)


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


@dataclass(frozen=True)
class LeadChange:
    """The moment one defined leader gave way to the other."""

    at_ms: int
    leader: str


@dataclass(frozen=True)
class Crossing:
    """The first clean reading at or above the milestone."""

    handle: str
    at_ms: int
    count: int


@dataclass(frozen=True)
class Glitch:
    """A reading left out of the figures, and who decided so."""

    handle: str
    at_ms: int
    count: int
    snapshot_id: int | None
    by: str


@dataclass
class CompetitorStats:
    """A competitor's figures as of one moment."""

    handle: str
    latest_count: int | None = None
    latest_at_ms: int | None = None
    crossed_at_ms: int | None = None
    change_last_hour: int | None = None
    rate_per_hour: float | None = None
    eta_ms: int | None = None
    to_go: int | None = None


@dataclass
class RaceAnalysis:
    """Everything the window and the summary show, computed from the snapshots."""

    race: Race
    competitors: list[Competitor]
    as_of_ms: int | None
    clean: dict[str, tuple[np.ndarray, np.ndarray]]
    glitches: list[Glitch]
    lead_changes: list[LeadChange]
    crossings: dict[str, Crossing]
    winner: str | None
    margin_at_finish: int | None
    leader: str | None
    current_lead: int | None
    projected_winner: str | None
    stats: dict[str, CompetitorStats]
    events: list[Event] = field(default_factory=list)
    kept: list[Glitch] = field(default_factory=list)  # readings the user said are real
    # The newest reading when it jumps like a glitch: held out of the figures
    # until the next reading confirms it as a glitch or as real.
    provisional: list[Glitch] = field(default_factory=list)
    # Each competitor's automatic glitch decisions (analyses of everything only).
    auto: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def pair(self) -> tuple[str, str] | None:
        """Handles of the head-to-head pair, when there are two competitors."""
        if len(self.competitors) < 2:
            return None
        return self.competitors[0].handle, self.competitors[1].handle


def _fmt(n: float | int) -> str:
    return f"{int(n):,}"


@dataclass(frozen=True)
class Settled:
    """What an earlier analysis of everything stored settled for good.

    Glitch decisions (stored with the readings, see ``Series.auto``) and lead
    changes before ``until_ms`` cannot change unless older readings change;
    the store lowers ``until_ms`` when they do. An analysis given this only
    works out what happened after it.
    """

    until_ms: int
    lead_changes: tuple[LeadChange, ...] = ()


def analyse(
    race: Race,
    competitors: Sequence[Competitor],
    series: dict[str, Series],
    as_of_ms: int | None = None,
    settled: Settled | None = None,
) -> RaceAnalysis:
    """Analyse the race from each competitor's readings, as of a moment (default: the end).

    With ``settled`` (and no moment), glitch decisions and lead changes before
    it are taken as they are, and only what came after is worked out.
    """
    comps = sorted(competitors, key=lambda c: (c.position, c.handle))
    names = {c.handle: c.name for c in comps}
    stale = int(race.stale_after_s) * 1000
    use = settled if as_of_ms is None else None
    glitches: list[Glitch] = []
    kept: list[Glitch] = []
    provisional: list[Glitch] = []
    clean: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    auto_masks: dict[str, np.ndarray] = {}
    fresh_from: dict[str, int] = {}
    for comp in comps:
        s = series.get(comp.handle) or Series.empty(comp.handle)
        w = 0
        if use is not None and s.auto is not None:
            w = _back(s, int(np.searchsorted(s.at_ms, use.until_ms)), NEIGHBOUR_REACH)
        auto = detect_glitches(s, w)
        if w:
            assert s.auto is not None
            auto[:w] = s.auto[:w] & (s.user_flag[:w] == _USER_NONE)
        if as_of_ms is None:
            auto_masks[comp.handle] = auto
        user = s.user_flag == _USER_GLITCH
        visible: np.ndarray | None = None
        if as_of_ms is not None:
            # A reading after the moment is unknown; a glitch is only known once
            # the reading after it has arrived.
            visible = s.at_ms <= as_of_ms
            auto = _glitches_known_at(s, auto, as_of_ms)
        out = auto | user
        usable = ~out if visible is None else visible & ~out
        pending = _pending_last(s, usable)
        p_idx = np.flatnonzero(pending)
        provisional.extend(_glitch(s, int(i), BY_AUTO) for i in p_idx)
        shown = np.flatnonzero(out if visible is None else out & visible)
        glitches.extend(_glitch(s, int(i), BY_USER if user[i] else BY_AUTO) for i in shown.tolist())
        ok = s.user_flag == _USER_OK
        for k_idx in np.flatnonzero(ok if visible is None else ok & visible).tolist():
            kept.append(_glitch(s, int(k_idx), BY_USER))
        if visible is None:
            drop = np.union1d(shown, p_idx)
            clean[comp.handle] = (_without(s.at_ms, drop), _without(s.count, drop))
        else:
            keep = usable & ~pending
            clean[comp.handle] = (s.at_ms[keep], s.count[keep])
        fresh_from[comp.handle] = int(s.at_ms[w]) if w < len(s) else 2**62

    end = as_of_ms
    if end is None:
        ends = [int(t[-1]) for t, _ in clean.values() if t.size]
        end = max(ends) if ends else None

    lead_changes: list[LeadChange] = []
    leader: str | None = None
    current_lead: int | None = None
    if len(comps) >= 2:
        a, b = comps[0].handle, comps[1].handle
        since: int | None = None
        earlier: list[LeadChange] = []
        if use is not None:
            since = min(fresh_from[a], fresh_from[b])
            earlier = [c for c in use.lead_changes if c.at_ms < since]
        lead_changes, leader, current_lead = _lead(
            clean[a], clean[b], a, b, stale, end, since, earlier
        )

    crossings: dict[str, Crossing] = {}
    for comp in comps:
        t, c = clean[comp.handle]
        i = _first_at_least(c, race.milestone)
        if i is not None:
            crossings[comp.handle] = Crossing(comp.handle, int(t[i]), int(c[i]))

    winner: str | None = None
    margin: int | None = None
    pair_crossings = [crossings[c.handle] for c in comps[:2] if c.handle in crossings]
    if pair_crossings:
        first = min(pair_crossings, key=lambda x: (x.at_ms, -x.count))
        winner = first.handle
        others = [c.handle for c in comps[:2] if c.handle != winner]
        if others:
            t, c = clean[others[0]]
            other = as_of(t, c, np.array([first.at_ms]), stale)[0]
            if not np.isnan(other):
                margin = first.count - int(other)

    stats = {
        comp.handle: _stats(comp.handle, clean[comp.handle], crossings, race, stale, end)
        for comp in comps
    }
    projected: str | None = None
    if winner is None and len(comps) >= 2:
        etas = [
            (stats[c.handle].eta_ms, c.position, c.handle)
            for c in comps[:2]
            if stats[c.handle].eta_ms is not None
        ]
        if etas:
            projected = min(etas)[2]

    result = RaceAnalysis(
        race=race,
        competitors=list(comps),
        as_of_ms=end,
        clean=clean,
        glitches=sorted(glitches, key=lambda g: (g.at_ms, g.handle)),
        lead_changes=lead_changes,
        crossings=crossings,
        winner=winner,
        margin_at_finish=margin,
        leader=leader,
        current_lead=current_lead,
        projected_winner=projected,
        stats=stats,
        kept=sorted(kept, key=lambda g: (g.at_ms, g.handle)),
        provisional=provisional,
        auto=auto_masks,
    )
    result.events = derive_events(result, names)
    return result


# Bump when the analysis changes what it decides, so stored results are redone.
ANALYSIS_VERSION = 1


def fingerprint(race: Race, competitors: Sequence[Competitor]) -> str:
    """What stored results of an analysis depend on besides the readings."""
    comps = sorted((c.position, c.handle) for c in competitors)
    return json.dumps([ANALYSIS_VERSION, race.milestone, race.stale_after_s, comps])


def settled_from(result: RaceAnalysis) -> Settled:
    """What an analysis of everything stored settles: all but the last few readings."""
    ends = []
    for t, _ in result.clean.values():
        if t.size:
            ends.append(int(t[max(t.size - NEIGHBOUR_REACH, 0)]))
    until = min(ends) if ends else -(2**62)
    return Settled(until, tuple(c for c in result.lead_changes if c.at_ms < until))


def _glitch(s: Series, i: int, by: str) -> Glitch:
    return Glitch(s.handle, int(s.at_ms[i]), int(s.count[i]), s.id_of(i), by)


def _without(values: np.ndarray, drop: np.ndarray) -> np.ndarray:
    """The values but those at the sorted indices ``drop``: copied run by run when they are few."""
    if drop.size == 0:
        return values
    if drop.size > 10_000:
        keep = np.ones(values.size, dtype=bool)
        keep[drop] = False
        return values[keep]
    out = np.empty(values.size - drop.size, dtype=values.dtype)
    pos = start = 0
    for i in drop.tolist():
        n = i - start
        out[pos : pos + n] = values[start:i]
        pos += n
        start = i + 1
    out[pos:] = values[start:]
    return out


def _first_at_least(c: np.ndarray, mark: int) -> int | None:
    """The index of the first count at or above a mark, in pieces (no big temporaries)."""
    for lo in range(0, c.size, DETECT_CHUNK):
        hit = c[lo : lo + DETECT_CHUNK] >= mark
        i = int(np.argmax(hit))
        if hit[i]:
            return lo + i
    return None


def _glitches_known_at(s: Series, auto: np.ndarray, as_of_ms: int) -> np.ndarray:
    """Auto glitches whose next usable reading is at or before ``as_of_ms``."""
    if not auto.any():
        return auto
    seen = int(np.searchsorted(s.at_ms, as_of_ms, side="right"))
    truncated = s.part(0, seen)
    known = np.zeros_like(auto)
    known[: len(truncated)] = detect_glitches(truncated)
    return known


def _pending_last(s: Series, usable: np.ndarray) -> np.ndarray:
    """The newest reading, when it jumps like a glitch and nothing after it confirms it yet.

    Until the next reading arrives nobody can tell a glitch from a real jump, so
    such a reading is held out of the figures rather than trusted.
    """
    pending = np.zeros(len(s), dtype=bool)
    idx = _last_two(usable)
    if idx is None:
        return pending
    prev, last = idx
    if s.user_flag[last] != _USER_NONE:
        return pending
    a, b = float(s.count[prev]), float(s.count[last])
    step = float(rounding_step(s)[last]) if s.rounded is not None else 0.0
    if abs(b - a) > max(PENDING_REL * abs(a), GLITCH_MIN_ABS, 1.5 * step):
        pending[last] = True
    return pending


def _last_two(mask: np.ndarray) -> tuple[int, int] | None:
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
    parts = list(_lead_pieces(a, b, stale_ms, start_ms, end_ms, chunk=2**62))
    if not parts:
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    return parts[0]


def _lead_pieces(
    a: tuple[np.ndarray, np.ndarray],
    b: tuple[np.ndarray, np.ndarray],
    stale_ms: int,
    start_ms: int | None,
    end_ms: int | None,
    chunk: int = LEAD_CHUNK,
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """The lead series in time order, a piece of about ``chunk`` moments at a time."""
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
        [_stale_points(from_a, stale_ms), _stale_points(from_b, stale_ms)]
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
        times = np.concatenate([ta[ia:ja], tb[ib:jb], stale_points[s0:s1]])
        # Each part is sorted: a stable sort merges the runs in linear time.
        times.sort(kind="stable")
        if times.size > 1:
            times = times[np.concatenate(([True], times[1:] != times[:-1]))]
        if times.size:
            lead = as_of(ta, ca, times, stale_ms)
            lead -= as_of(tb, cb, times, stale_ms)
            yield times, lead
        lo, ia, ib = hi, ja, jb


def _stale_points(t: np.ndarray, stale_ms: int) -> np.ndarray:
    """The moments readings go stale before the next one arrives (and after the last)."""
    if t.size == 0:
        return np.zeros(0, dtype=np.int64)
    gaps = np.nonzero(np.diff(t) > stale_ms)[0]
    return np.concatenate((t[gaps], t[-1:])) + (stale_ms + 1)


def _lead(
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
            sign = _first_sign(a, b, stale, since)
    changes = list(earlier)
    last_v = np.zeros(0)
    for times, lead in _lead_pieces(a, b, stale, since, end):
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


def _first_sign(
    a: tuple[np.ndarray, np.ndarray], b: tuple[np.ndarray, np.ndarray], stale: int, before: int
) -> int:
    """Who led first (1 for a, -1 for b, 0 for nobody) among the moments before ``before``."""
    for _times, lead in _lead_pieces(a, b, stale, None, before - 1, chunk=4096):
        signs = np.sign(np.nan_to_num(lead, nan=0.0))
        decided = np.nonzero(signs != 0)[0]
        if decided.size:
            return int(signs[decided[0]])
    return 0


def _stats(
    handle: str,
    series: tuple[np.ndarray, np.ndarray],
    crossings: dict[str, Crossing],
    race: Race,
    stale: int,
    end: int | None,
) -> CompetitorStats:
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
        if st.crossed_at_ms is None and st.rate_per_hour > 0 and c1 < race.milestone:
            st.eta_ms = t1 + round((race.milestone - c1) / st.rate_per_hour * HOUR_MS)
    return st


def derive_events(result: RaceAnalysis, names: dict[str, str]) -> list[Event]:
    """The events the app derives itself, each with a stable key; same input, same events."""
    race = result.race
    events: list[Event] = []
    pair = result.pair
    for change in result.lead_changes:
        other = pair[1] if pair and change.leader == pair[0] else (pair[0] if pair else "")
        events.append(
            Event(
                change.at_ms,
                KIND_LEAD_CHANGE,
                f"{names[change.leader]} takes the lead from {names.get(other, other)}",
                handle=change.leader,
                key=f"lead_change:{change.leader}:{change.at_ms}",
            )
        )
    head = [c.handle for c in result.competitors[:2]]
    thresholds = [n for n in TO_GO_THRESHOLDS if n * 10 <= race.milestone]
    for handle in head:
        t, c = result.clean[handle]
        if t.size < 2:
            continue
        for n in thresholds:
            mark = race.milestone - n
            first = _first_at_least(c, mark)
            if first is None or first == 0:
                continue
            i = first
            if c[i] >= race.milestone:
                continue
            events.append(
                Event(
                    int(t[i]),
                    KIND_TO_GO,
                    f"{names[handle]} is within {_fmt(n)} of {_fmt(race.milestone)}: "
                    f"{_fmt(c[i])}, {_fmt(race.milestone - c[i])} to go",
                    handle=handle,
                    key=f"to_go:{handle}:{n}",
                )
            )
    order = sorted(result.crossings.values(), key=lambda x: (x.at_ms, -x.count))
    for rank, crossing in enumerate(order):
        handle = crossing.handle
        text = f"{names[handle]} reaches {_fmt(race.milestone)}"
        if crossing.count != race.milestone:
            text += f" ({_fmt(crossing.count)})"
        if handle == result.winner and result.margin_at_finish is not None and pair:
            other = pair[1] if handle == pair[0] else pair[0]
            text += f", first, {_fmt(result.margin_at_finish)} ahead of {names[other]}"
        elif rank > 0:
            mins = (crossing.at_ms - order[0].at_ms) / 60_000
            text += f", {mins:.0f} min after {names[order[0].handle]}"
        events.append(
            Event(crossing.at_ms, KIND_CROSSED, text, handle=handle, key=f"crossed:{handle}")
        )
    for g in result.glitches:
        who = "by hand" if g.by == BY_USER else "automatically"
        events.append(
            Event(
                g.at_ms,
                KIND_GLITCH,
                f"Reading of {_fmt(g.count)} for {names[g.handle]} flagged as a glitch ({who})",
                handle=g.handle,
                key=f"glitch:{g.handle}:{g.at_ms}:{g.count}",
            )
        )
    for k in result.kept:
        events.append(
            Event(
                k.at_ms,
                KIND_GLITCH,
                f"Reading of {_fmt(k.count)} for {names[k.handle]} kept as a real reading "
                "(by hand)",
                handle=k.handle,
                key=f"kept:{k.handle}:{k.at_ms}:{k.count}",
            )
        )
    events.sort(key=lambda e: (e.at_ms, e.key or ""))
    return events
