"""``photofinish forecast``: the projected finish as of a moment, and the backtest, as data."""

from __future__ import annotations

from typing import Any

from ..analysis.backtest import backtest, scores
from ..analysis.race import fingerprint
from ..analysis.state import RaceState
from ..model import iso_utc
from ..store import Store


def _state(store: Store) -> RaceState:
    race, comps = store.race(), store.competitors()
    series = {c.handle: store.series(c.handle) for c in comps}
    return RaceState(race, comps, series, store.settled(fingerprint(race, comps)))


def forecast_data(store: Store, at_ms: int | None = None) -> dict[str, Any]:
    """The forecast in the shape of ``photofinish forecast --json``."""
    result = _state(store).at(at_ms)
    seen = result.forecast
    comps = []
    for comp in result.competitors:
        p = seen.projections.get(comp.handle) if seen is not None else None
        comps.append(
            {
                "handle": comp.handle,
                "count": None if p is None else p.count,
                "rate_per_hour": (
                    None if p is None or p.rate_per_hour is None else round(p.rate_per_hour, 1)
                ),
                "eta": iso_utc(p.eta_ms) if p else None,
                "eta_low": iso_utc(p.eta_low_ms) if p else None,
                "eta_high": iso_utc(p.eta_high_ms) if p else None,
            }
        )
    winner = result.winner or (seen.winner if seen is not None else None)
    chance = 1.0 if result.winner else (seen.winner_probability if seen is not None else None)
    return {
        "at": iso_utc(seen.at_ms if seen is not None else at_ms),
        "competitors": comps,
        "projected_winner": winner,
        "winner_probability": None if chance is None else round(chance, 3),
        "next_lead_change": iso_utc(seen.next_lead_change_ms) if seen is not None else None,
    }


def backtest_data(store: Store) -> dict[str, Any]:
    """The backtest in the shape of ``photofinish forecast --backtest --json``."""
    rows = backtest(_state(store))
    return {
        "forecasts": [
            {
                "handle": r.handle,
                "horizon_min": r.horizon_ms // 60_000,
                "asked_at": iso_utc(r.asked_at_ms),
                "crossed_at": iso_utc(r.crossed_at_ms),
                "eta": iso_utc(r.eta_ms),
                "eta_low": iso_utc(r.eta_low_ms),
                "eta_high": iso_utc(r.eta_high_ms),
                "error_min": None if r.error_ms is None else round(r.error_ms / 60_000, 1),
                "held": r.held,
            }
            for r in rows
        ],
        "horizons": [
            {
                "horizon_min": s.horizon_ms // 60_000,
                "forecasts": s.forecasts,
                "coverage": None if s.coverage is None else round(s.coverage, 3),
                "median_error_min": (
                    None if s.median_error_ms is None else round(s.median_error_ms / 60_000, 1)
                ),
            }
            for s in scores(rows)
        ],
    }
