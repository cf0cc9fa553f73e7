"""The whole analysis of a race, as of a moment, and what it settles for next time."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

from ..model import Competitor, Race, Settled
from ..series import Series
from .glitches import NEIGHBOUR_REACH
from .result import RaceAnalysis
from .state import RaceState


def analyse(
    race: Race,
    competitors: Sequence[Competitor],
    series: Mapping[str, Series],
    as_of_ms: int | None = None,
    settled: Settled | None = None,
) -> RaceAnalysis:
    """Analyse the race from each competitor's readings, as of a moment (default: the end).

    With ``settled``, glitch decisions and lead changes before it are taken as
    they are, and only what came after is worked out. The view of a moment is
    the complete analysis seen from then (see :class:`~.state.RaceState`).
    """
    return RaceState(race, competitors, series, settled).at(as_of_ms)


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
