"""The race arithmetic: glitches, as-of alignment, lead, crossings, rates and derived events.

Everything here is pure Python and NumPy on arrays of UTC milliseconds and
counts, so it can be tested on its own and stays fast on millions of readings.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from gui.core.model import (
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

# Readings from sources with this prefix are public counts rounded to three
# significant digits (YouTube).
ROUNDED_SOURCE_PREFIX = "youtube:"


@dataclass
class Series:
    """One competitor's readings, sorted by time (then count), as parallel arrays."""

    handle: str
    ids: np.ndarray
    at_ms: np.ndarray
    count: np.ndarray
    user_flag: np.ndarray
    # True where the count is a public figure rounded to three significant
    # digits (YouTube); None when no reading is rounded.
    rounded: np.ndarray | None = None

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


def _user_code(flag: str, flagged_by: str) -> int:
    if flagged_by != BY_USER:
        return _USER_NONE
    if flag == FLAG_GLITCH:
        return _USER_GLITCH
    if flag == FLAG_OK:
        return _USER_OK
    return _USER_NONE


def detect_glitches(series: Series) -> np.ndarray:
    """Boolean mask of readings the detector flags as glitches.

    A reading the user decided on is never flagged here; readings the user
    flagged as glitches are left out when looking for neighbours.
    """
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
    lead_at_ms: np.ndarray
    lead: np.ndarray
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

    @property
    def pair(self) -> tuple[str, str] | None:
        """Handles of the head-to-head pair, when there are two competitors."""
        if len(self.competitors) < 2:
            return None
        return self.competitors[0].handle, self.competitors[1].handle


def _fmt(n: float | int) -> str:
    return f"{int(n):,}"


def analyse(
    race: Race,
    competitors: Sequence[Competitor],
    series: dict[str, Series],
    as_of_ms: int | None = None,
) -> RaceAnalysis:
    """Analyse the race from each competitor's readings, as of a moment (default: the end)."""
    comps = sorted(competitors, key=lambda c: (c.position, c.handle))
    names = {c.handle: c.name for c in comps}
    stale = int(race.stale_after_s) * 1000
    glitches: list[Glitch] = []
    kept: list[Glitch] = []
    provisional: list[Glitch] = []
    clean: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for comp in comps:
        s = series.get(comp.handle) or Series.empty(comp.handle)
        auto = detect_glitches(s)
        user = s.user_flag == _USER_GLITCH
        visible = np.ones(len(s), dtype=bool)
        if as_of_ms is not None:
            # A reading after the moment is unknown; a glitch is only known once
            # the reading after it has arrived.
            visible = s.at_ms <= as_of_ms
            auto = _glitches_known_at(s, auto, as_of_ms)
        pending = _pending_last(s, visible & ~auto & ~user)
        keep = visible & ~auto & ~user & ~pending
        for p_idx in np.nonzero(pending)[0]:
            provisional.append(
                Glitch(
                    comp.handle,
                    int(s.at_ms[p_idx]),
                    int(s.count[p_idx]),
                    int(s.ids[p_idx]) if s.ids[p_idx] >= 0 else None,
                    BY_AUTO,
                )
            )
        for g_idx in np.nonzero((auto | user) & visible)[0]:
            glitches.append(
                Glitch(
                    comp.handle,
                    int(s.at_ms[g_idx]),
                    int(s.count[g_idx]),
                    int(s.ids[g_idx]) if s.ids[g_idx] >= 0 else None,
                    BY_USER if user[g_idx] else BY_AUTO,
                )
            )
        for k_idx in np.nonzero((s.user_flag == _USER_OK) & visible)[0]:
            kept.append(
                Glitch(
                    comp.handle,
                    int(s.at_ms[k_idx]),
                    int(s.count[k_idx]),
                    int(s.ids[k_idx]) if s.ids[k_idx] >= 0 else None,
                    BY_USER,
                )
            )
        clean[comp.handle] = (s.at_ms[keep], s.count[keep])

    end = as_of_ms
    if end is None:
        ends = [int(t[-1]) for t, _ in clean.values() if t.size]
        end = max(ends) if ends else None

    lead_t = np.zeros(0, dtype=np.int64)
    lead_v = np.zeros(0)
    lead_changes: list[LeadChange] = []
    leader: str | None = None
    current_lead: int | None = None
    if len(comps) >= 2:
        a, b = comps[0].handle, comps[1].handle
        lead_t, lead_v = lead_series(clean[a], clean[b], stale)
        lead_changes, leader, current_lead = _leaders(lead_t, lead_v, a, b, end)

    crossings: dict[str, Crossing] = {}
    for comp in comps:
        t, c = clean[comp.handle]
        hit = np.nonzero(c >= race.milestone)[0]
        if hit.size:
            i = int(hit[0])
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
        lead_at_ms=lead_t,
        lead=lead_v,
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
    )
    result.events = derive_events(result, names)
    return result


def _glitches_known_at(s: Series, auto: np.ndarray, as_of_ms: int) -> np.ndarray:
    """Auto glitches whose next usable reading is at or before ``as_of_ms``."""
    if not auto.any():
        return auto
    seen = s.at_ms <= as_of_ms
    truncated = Series(
        s.handle,
        s.ids[seen],
        s.at_ms[seen],
        s.count[seen],
        s.user_flag[seen],
        None if s.rounded is None else s.rounded[seen],
    )
    known = np.zeros_like(auto)
    known[: len(truncated)] = detect_glitches(truncated)
    return known


def _pending_last(s: Series, usable: np.ndarray) -> np.ndarray:
    """The newest reading, when it jumps like a glitch and nothing after it confirms it yet.

    Until the next reading arrives nobody can tell a glitch from a real jump, so
    such a reading is held out of the figures rather than trusted.
    """
    pending = np.zeros(len(s), dtype=bool)
    idx = np.nonzero(usable)[0]
    if idx.size < 2:
        return pending
    last, prev = int(idx[-1]), int(idx[-2])
    if s.user_flag[last] != _USER_NONE:
        return pending
    a, b = float(s.count[prev]), float(s.count[last])
    step = float(rounding_step(s)[last]) if s.rounded is not None else 0.0
    if abs(b - a) > max(PENDING_REL * abs(a), GLITCH_MIN_ABS, 1.5 * step):
        pending[last] = True
    return pending


def lead_series(
    a: tuple[np.ndarray, np.ndarray], b: tuple[np.ndarray, np.ndarray], stale_ms: int
) -> tuple[np.ndarray, np.ndarray]:
    """The lead of ``a`` over ``b`` at every moment either changes; NaN while undefined."""
    ta, ca = a
    tb, cb = b
    if ta.size == 0 or tb.size == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    times = np.unique(np.concatenate([ta, tb, ta + stale_ms + 1, tb + stale_ms + 1]))
    lead = as_of(ta, ca, times, stale_ms) - as_of(tb, cb, times, stale_ms)
    return times, lead


def _leaders(
    times: np.ndarray, lead: np.ndarray, a: str, b: str, end: int | None
) -> tuple[list[LeadChange], str | None, int | None]:
    """Lead changes, and the leader and lead as of ``end``."""
    if end is not None:
        upto = times <= end
        times, lead = times[upto], lead[upto]
    sign = np.sign(np.nan_to_num(lead, nan=0.0))
    decided = np.nonzero(sign != 0)[0]
    changes: list[LeadChange] = []
    if decided.size > 1:
        flips = decided[1:][np.diff(sign[decided]) != 0]
        changes = [LeadChange(int(times[i]), a if sign[i] > 0 else b) for i in flips]
    if lead.size == 0 or np.isnan(lead[-1]):
        return changes, None, None
    leader = None
    if decided.size:
        leader = a if sign[decided[-1]] > 0 else b
    return changes, leader, int(abs(lead[-1]))


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
    if j < i and t1 - int(t[j]) <= stale:
        elapsed = t1 - int(t[j])
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
            hit = np.nonzero(c >= mark)[0]
            if not hit.size or hit[0] == 0:
                continue
            i = int(hit[0])
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
