"""The analysis of a race worked out from scratch at a moment: the reference the model must match.

This is the plain way to analyse a race: every glitch decided again on the
readings up to the moment, the clean readings copied out, the lead worked out
from the start. The application never works this way (it keeps one complete
analysis and derives each moment from it); the property tests compare the two.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from photofinish.core.analysis.forecast import forecast
from photofinish.core.analysis.glitches import (
    GLITCH_MIN_ABS,
    NEIGHBOUR_REACH,
    PENDING_REL,
    back,
    detect_glitches,
    rounding_step,
)
from photofinish.core.analysis.lead import as_of, find_lead_changes
from photofinish.core.analysis.result import Crossing, Glitch, RaceAnalysis
from photofinish.core.analysis.stats import competitor_stats, first_at_least
from photofinish.core.analysis.wording import derive_events
from photofinish.core.model import BY_AUTO, BY_USER, Competitor, LeadChange, Race, Settled
from photofinish.core.series import USER_GLITCH, USER_NONE, USER_OK, Series


def scratch_analyse(
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
            w = back(s, int(np.searchsorted(s.at_ms, use.until_ms)), NEIGHBOUR_REACH)
        auto = detect_glitches(s, w)
        if w:
            assert s.auto is not None
            auto[:w] = s.auto[:w] & (s.user_flag[:w] == USER_NONE)
        if as_of_ms is None:
            auto_masks[comp.handle] = auto
        user = s.user_flag == USER_GLITCH
        visible: np.ndarray | None = None
        if as_of_ms is not None:
            # A reading after the moment is unknown; a glitch is only known once
            # the reading after it has arrived.
            visible = s.at_ms <= as_of_ms
            auto = glitches_known_at(s, auto, as_of_ms)
        out = auto | user
        usable = ~out if visible is None else visible & ~out
        pending = pending_last(s, usable)
        p_idx = np.flatnonzero(pending)
        provisional.extend(_glitch(s, int(i), BY_AUTO) for i in p_idx)
        shown = np.flatnonzero(out if visible is None else out & visible)
        glitches.extend(_glitch(s, int(i), BY_USER if user[i] else BY_AUTO) for i in shown.tolist())
        ok = s.user_flag == USER_OK
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
        lead_changes, leader, current_lead = find_lead_changes(
            clean[a], clean[b], a, b, stale, end, since, earlier
        )

    crossings: dict[str, Crossing] = {}
    for comp in comps:
        t, c = clean[comp.handle]
        i = first_at_least(c, race.milestone)
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
        comp.handle: competitor_stats(comp.handle, clean[comp.handle], crossings, race, stale, end)
        for comp in comps
    }
    # The forecast is a pure function of the clean readings up to the moment: worked out
    # here from this analysis's own clean arrays, so any difference in them shows.
    ahead = forecast(race.milestone, comps, clean, crossings, end, stale)
    for handle, projection in (ahead.projections if ahead is not None else {}).items():
        if not projection.crossed:
            stats[handle].eta_ms = projection.eta_ms
    projected: str | None = None
    if winner is None and len(comps) >= 2 and ahead is not None:
        projected = ahead.winner

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
