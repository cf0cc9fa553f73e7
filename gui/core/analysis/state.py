"""The race's analysis kept current, and any moment's view of it, from one model.

:class:`RaceState` is the complete analysis (everything stored): a
:class:`~.track.Track` per competitor and the lead changes between the first
two. New or changed readings update it in proportion to the change. A moment's
view (a replay, a seek, a clip frame, ``--at``) is derived from it, not worked
out again: the clean readings up to the moment are slices of the complete
ones, lead changes and events up to it are found by bisection, and only the
glitch decision that the moment cannot know yet (the last reading seen, whose
next neighbour comes later) is made again.
"""

from __future__ import annotations

import bisect
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from ..model import BY_AUTO, Competitor, Event, LeadChange, Race, Settled
from ..series import Series
from .forecast import forecast
from .glitches import pending_index
from .lead import as_of, find_lead_changes, first_sign
from .result import CompetitorStats, Crossing, Glitch, RaceAnalysis
from .stats import competitor_stats
from .track import Track
from .wording import derive_events, marks

NEVER = 2**62
WORDING_KEPT = 100_000  # events kept worded; past that the memo starts again


@dataclass(frozen=True)
class _Side:
    """One competitor as a view shows it."""

    clean: tuple[np.ndarray, np.ndarray]
    firsts: dict[int, int | None]
    glitches: list[Glitch]
    kept: list[Glitch]
    provisional: list[Glitch]
    differs_from: int | None  # the first clean time where the view differs from the complete one


class RaceState:
    """The complete analysis of a race, brought up to date as readings come and change."""

    def __init__(
        self,
        race: Race,
        competitors: Sequence[Competitor],
        series: Mapping[str, Series],
        settled: Settled | None = None,
    ) -> None:
        """Analyse every competitor's readings; with ``settled``, build on what it settled."""
        self.race = race
        self.competitors = sorted(competitors, key=lambda c: (c.position, c.handle))
        self.names = {c.handle: c.name for c in self.competitors}
        self.stale = int(race.stale_after_s) * 1000
        self.marks = marks(race.milestone)
        until = settled.until_ms if settled is not None else None
        self.tracks = {
            c.handle: Track(series.get(c.handle) or Series.empty(c.handle), self.marks, until)
            for c in self.competitors
        }
        self.lead_changes: list[LeadChange] = []
        self._wording: dict[object, Event] = {}  # events once worked out (derive_events' memo)
        since: int | None = None
        earlier: list[LeadChange] = []
        if settled is not None and self.pair is not None:
            since = min(self._fresh_from(h) for h in self.pair)
            earlier = [c for c in settled.lead_changes if c.at_ms < since]
        self._relead(since, earlier)
        self._complete: RaceAnalysis | None = None

    @property
    def pair(self) -> tuple[str, str] | None:
        """The head-to-head pair's handles."""
        if len(self.competitors) < 2:
            return None
        return self.competitors[0].handle, self.competitors[1].handle

    def series(self, handle: str) -> Series:
        """A competitor's readings, as last given."""
        return self.tracks[handle].series

    # -- changing --------------------------------------------------------------------------
    def update(self, changes: Mapping[str, tuple[Series, int]]) -> None:
        """Take new readings: for each competitor, its series and the first index that changed."""
        since: list[int] = []
        for handle, (series, changed) in changes.items():
            track = self.tracks.get(handle)
            if track is None:
                continue
            moved = track.update(series, changed)
            if moved is not None and self.pair is not None and handle in self.pair:
                since.append(moved)
        if since:
            start = min(since)
            self._relead(start, [c for c in self.lead_changes if c.at_ms < start])
        self._complete = None

    def _relead(self, since: int | None, earlier: list[LeadChange]) -> None:
        if self.pair is None:
            return
        a, b = self.pair
        self.lead_changes, _, _ = find_lead_changes(
            self.tracks[a].clean(), self.tracks[b].clean(), a, b, self.stale, None, since, earlier
        )

    def _fresh_from(self, handle: str) -> int:
        """The first time a track decided again rather than took from what was stored."""
        series = self.tracks[handle].series
        start = self.tracks[handle].built_from
        return int(series.at_ms[start]) if start < len(series) else NEVER

    # -- views -----------------------------------------------------------------------------
    def complete(self) -> RaceAnalysis:
        """The race with everything stored."""
        if self._complete is None:
            sides = {h: self._whole(t) for h, t in self.tracks.items()}
            ends = [int(s.clean[0][-1]) for s in sides.values() if s.clean[0].size]
            end = max(ends) if ends else None
            result = self._result(sides, end, self.lead_changes)
            result.auto = {h: t.auto.view for h, t in self.tracks.items()}
            self._complete = result
        return self._complete

    def at(self, as_of_ms: int | None) -> RaceAnalysis:
        """The race as it stood at a moment: the readings up to it, as if none came after."""
        if as_of_ms is None:
            return self.complete()
        sides = {h: self._moment(t, as_of_ms) for h, t in self.tracks.items()}
        changes = self.lead_changes[: bisect.bisect_right(self.lead_changes, as_of_ms, key=_at)]
        if self.pair is not None:
            differ = [d for h in self.pair if (d := sides[h].differs_from) is not None]
            if differ:
                start = min(differ)
                a, b = self.pair
                changes, _, _ = find_lead_changes(
                    sides[a].clean,
                    sides[b].clean,
                    a,
                    b,
                    self.stale,
                    as_of_ms,
                    start,
                    [c for c in changes if c.at_ms < start],
                )
        return self._result(sides, as_of_ms, changes)

    def _whole(self, track: Track) -> _Side:
        provisional = [] if track.pending < 0 else [_glitch(track.series, track.pending, BY_AUTO)]
        end = len(track.series)
        return _Side(
            track.clean(),
            dict(track.first),
            track.glitches(end),
            track.kept(end),
            provisional,
            None,
        )

    def _moment(self, track: Track, at_ms: int) -> _Side:
        """One competitor as it stood at ``at_ms``."""
        series = track.series
        seen = int(np.searchsorted(series.at_ms, at_ms, side="right"))
        last = _last_usable(series, seen, track.user_glitches)
        excluded = track.excluded[: np.searchsorted(track.excluded, seen)]
        # The last reading seen has no next neighbour yet: it cannot be called a glitch.
        where = int(np.searchsorted(excluded, last))
        unknown = last >= 0 and where < excluded.size and excluded[where] == last
        if unknown:
            excluded = np.delete(excluded, where)
        pending = pending_index(series, seen, excluded)
        counts_now = last >= 0 and pending != last
        counted_then = last >= 0 and not unknown and track.pending != last
        position = track.position(last) if last >= 0 else 0
        t, c = track.clean()
        differs: int | None = None
        if counts_now and not counted_then:
            # Found a glitch later, but not known yet: the one view that is not a slice.
            clean = (
                np.append(t[:position], series.at_ms[last]),
                np.append(c[:position], series.count[last]),
            )
        else:
            size = position + (1 if counts_now else 0)
            clean = (t[:size], c[:size])
        if counts_now != counted_then:
            differs = int(series.at_ms[last])
        firsts: dict[int, int | None] = {}
        for mark, found in track.first.items():
            if found is not None and found < position:
                firsts[mark] = found
            elif counts_now and clean[1][position] >= mark:
                firsts[mark] = position
            else:
                firsts[mark] = None
        glitches = track.glitches(seen)
        if unknown:
            glitches = glitches[:where] + glitches[where + 1 :]
        provisional = [] if pending < 0 else [_glitch(series, pending, BY_AUTO)]
        return _Side(clean, firsts, glitches, track.kept(seen), provisional, differs)

    def _result(
        self, sides: Mapping[str, _Side], end: int | None, changes: list[LeadChange]
    ) -> RaceAnalysis:
        race, comps, stale = self.race, self.competitors, self.stale
        clean = {h: s.clean for h, s in sides.items()}
        crossings: dict[str, Crossing] = {}
        for handle, side in sides.items():
            at = side.firsts.get(race.milestone)
            if at is not None:
                t, c = side.clean
                crossings[handle] = Crossing(handle, int(t[at]), int(c[at]))
        winner, margin = self._winner(crossings, clean)
        leader, current = self._leader(clean, changes, end)
        stats: dict[str, CompetitorStats] = {
            c.handle: competitor_stats(c.handle, clean[c.handle], crossings, race, stale, end)
            for c in comps
        }
        ahead = forecast(race.milestone, comps, clean, crossings, end, stale)
        for handle, projection in (ahead.projections if ahead is not None else {}).items():
            if not projection.crossed and handle in stats:
                stats[handle].eta_ms = projection.eta_ms
        projected: str | None = None
        if winner is None and len(comps) >= 2 and ahead is not None:
            projected = ahead.winner
        result = RaceAnalysis(
            race=race,
            competitors=list(comps),
            as_of_ms=end,
            clean=clean,
            glitches=sorted((g for s in sides.values() for g in s.glitches), key=_when),
            lead_changes=list(changes),
            crossings=crossings,
            winner=winner,
            margin_at_finish=margin,
            leader=leader,
            current_lead=current,
            projected_winner=projected,
            stats=stats,
            forecast=ahead,
            kept=sorted(
                (g for s in sides.values() for g in s.kept), key=lambda g: (g.at_ms, g.handle)
            ),
            provisional=[g for s in sides.values() for g in s.provisional],
            firsts={h: s.firsts for h, s in sides.items()},
        )
        if len(self._wording) > WORDING_KEPT:
            self._wording.clear()
        result.events = derive_events(result, self.names, self._wording)
        return result

    def _winner(
        self, crossings: Mapping[str, Crossing], clean: Mapping[str, tuple[np.ndarray, np.ndarray]]
    ) -> tuple[str | None, int | None]:
        head = [c.handle for c in self.competitors[:2]]
        pair_crossings = [crossings[h] for h in head if h in crossings]
        if not pair_crossings:
            return None, None
        first = min(pair_crossings, key=lambda x: (x.at_ms, -x.count))
        others = [h for h in head if h != first.handle]
        margin: int | None = None
        if others:
            t, c = clean[others[0]]
            other = as_of(t, c, np.array([first.at_ms]), self.stale)[0]
            if not np.isnan(other):
                margin = first.count - int(other)
        return first.handle, margin

    def _leader(
        self,
        clean: Mapping[str, tuple[np.ndarray, np.ndarray]],
        changes: list[LeadChange],
        end: int | None,
    ) -> tuple[str | None, int | None]:
        """Who leads at ``end`` and by how much (None while either side has no fresh count)."""
        if self.pair is None or end is None:
            return None, None
        a, b = self.pair
        moment = np.array([end], dtype=np.int64)
        lead = as_of(*clean[a], moment, self.stale)[0] - as_of(*clean[b], moment, self.stale)[0]
        if np.isnan(lead):
            return None, None
        if changes:
            return changes[-1].leader, int(abs(lead))
        # No change of leader: whoever led first still does (a tie keeps the leader).
        sign = first_sign(clean[a], clean[b], self.stale, end + 1)
        leader = None if sign == 0 else (a if sign > 0 else b)
        return leader, int(abs(lead))


def _at(change: LeadChange) -> int:
    return change.at_ms


def _when(glitch: Glitch) -> tuple[int, str]:
    return glitch.at_ms, glitch.handle


def _glitch(series: Series, i: int, by: str) -> Glitch:
    return Glitch(series.handle, int(series.at_ms[i]), int(series.count[i]), series.id_of(i), by)


def _last_usable(series: Series, end: int, user_glitches: np.ndarray) -> int:
    """The last reading before ``end`` that the user did not throw out (-1 when none is)."""
    i = end - 1
    k = int(np.searchsorted(user_glitches, end)) - 1
    while i >= 0 and k >= 0 and user_glitches[k] == i:
        i -= 1
        k -= 1
    return i
