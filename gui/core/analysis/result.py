"""What an analysis finds: crossings, glitches, each competitor's figures, the race."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..model import Competitor, Event, LeadChange, Race


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


@dataclass(frozen=True)
class Projection:
    """One competitor's projected crossing: the point, and an 80% range around it."""

    handle: str
    count: int
    at_ms: int  # the latest reading's time
    rate_per_hour: float | None
    eta_ms: int | None
    eta_low_ms: int | None
    eta_high_ms: int | None
    crossed: bool = False


@dataclass(frozen=True)
class Forecast:
    """The race's forecast as of a moment."""

    at_ms: int
    projections: dict[str, Projection]
    winner: str | None  # the projected (or actual) first to the milestone
    winner_probability: float | None
    next_lead_change_ms: int | None  # when the trailing side, gaining, would draw level


@dataclass
class CompetitorStats:
    """A competitor's figures as of one moment."""

    handle: str
    latest_count: int | None = None
    latest_at_ms: int | None = None
    crossed_at_ms: int | None = None
    change_last_hour: int | None = None
    rate_per_hour: float | None = None
    eta_ms: int | None = None  # the forecast's crossing time (its range: RaceAnalysis.projection)
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
    forecast: Forecast | None = None
    events: list[Event] = field(default_factory=list)
    kept: list[Glitch] = field(default_factory=list)  # readings the user said are real
    # The newest reading when it jumps like a glitch: held out of the figures
    # until the next reading confirms it as a glitch or as real.
    provisional: list[Glitch] = field(default_factory=list)
    # Each competitor's automatic glitch decisions (analyses of everything only).
    auto: dict[str, np.ndarray] = field(default_factory=dict)
    # Per competitor, the position in ``clean`` of the first count at or above
    # each mark (the milestone, the "to go" thresholds); None where there is none.
    firsts: dict[str, dict[int, int | None]] = field(default_factory=dict)

    def projection(self, handle: str) -> Projection | None:
        """The forecast's projection for ``handle`` (its ETA and 80% range), if any."""
        return None if self.forecast is None else self.forecast.projections.get(handle)

    @property
    def projected_probability(self) -> float | None:
        """How likely the projected winner is to be first; None once there is a winner."""
        if self.projected_winner is None or self.forecast is None:
            return None
        return self.forecast.winner_probability

    @property
    def pair(self) -> tuple[str, str] | None:
        """Handles of the head-to-head pair, when there are two competitors."""
        if len(self.competitors) < 2:
            return None
        return self.competitors[0].handle, self.competitors[1].handle
