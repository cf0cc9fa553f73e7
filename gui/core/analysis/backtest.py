"""How good the forecasts were: the race replayed, asked at fixed times before each crossing.

At each horizon before a competitor crossed the milestone (12 h, 6 h, 3 h,
1 h, 30 min, 10 min), the forecast is made as it would have been then, from
what was stored up to then and nothing after, and set against what
happened: its error, and whether its 80% range held the crossing.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from .state import RaceState

HOUR_MS = 3_600_000
HORIZONS_MS = (12 * HOUR_MS, 6 * HOUR_MS, 3 * HOUR_MS, HOUR_MS, 30 * 60_000, 10 * 60_000)


@dataclass(frozen=True)
class Backtested:
    """One forecast against what happened."""

    handle: str
    horizon_ms: int
    asked_at_ms: int
    crossed_at_ms: int
    eta_ms: int | None
    eta_low_ms: int | None
    eta_high_ms: int | None

    @property
    def error_ms(self) -> int | None:
        """How far the forecast was off (positive: it said later than it happened)."""
        return None if self.eta_ms is None else self.eta_ms - self.crossed_at_ms

    @property
    def held(self) -> bool:
        """Whether the 80% range held the crossing."""
        low, high = self.eta_low_ms, self.eta_high_ms
        return low is not None and high is not None and low <= self.crossed_at_ms <= high


@dataclass(frozen=True)
class HorizonScore:
    """The forecasts made so long before a crossing, taken together."""

    horizon_ms: int
    forecasts: int
    coverage: float | None  # the share whose 80% range held the crossing
    median_error_ms: float | None  # of the absolute errors


def backtest(state: RaceState, horizons: Sequence[int] = HORIZONS_MS) -> list[Backtested]:
    """Each head-to-head crossing forecast from each horizon before it (where data reached back)."""
    complete = state.complete()
    pair = [c.handle for c in complete.competitors[:2]]
    starts = [int(t[0]) for t, _ in complete.clean.values() if t.size]
    if not starts:
        return []
    first = min(starts)
    rows: list[Backtested] = []
    for handle in pair:
        crossing = complete.crossings.get(handle)
        if crossing is None:
            continue
        for horizon in horizons:
            asked = crossing.at_ms - horizon
            if asked <= first:
                continue
            seen = state.at(asked).forecast
            p = seen.projections.get(handle) if seen is not None else None
            rows.append(
                Backtested(
                    handle,
                    horizon,
                    asked,
                    crossing.at_ms,
                    None if p is None else p.eta_ms,
                    None if p is None else p.eta_low_ms,
                    None if p is None else p.eta_high_ms,
                )
            )
    return rows


def scores(rows: Sequence[Backtested], horizons: Sequence[int] = HORIZONS_MS) -> list[HorizonScore]:
    """Coverage of the 80% ranges and the median error, horizon by horizon."""
    out = []
    for horizon in horizons:
        made = [r for r in rows if r.horizon_ms == horizon and r.eta_ms is not None]
        errors = [abs(r.error_ms) for r in made if r.error_ms is not None]
        out.append(
            HorizonScore(
                horizon,
                len(made),
                sum(r.held for r in made) / len(made) if made else None,
                statistics.median(errors) if errors else None,
            )
        )
    return out
