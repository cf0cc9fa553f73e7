"""Simulated two-way races whose rates drift, and how the forecasts fared on them.

Each race runs about ten hours to the first crossing, one reading a minute a
side (with a few seconds' jitter); each side's rate swings by ±15% around its
base over a period of three to eight hours, with Poisson noise minute to
minute; the two bases differ by up to 5%, so the lead can change hands. Used
by tests/bench/bench_forecast.py (the figures) and a cheap test.
"""

from __future__ import annotations

import numpy as np

from photofinish.core.analysis.forecast import forecast
from photofinish.core.model import Competitor

MIN, HOUR = 60_000, 3_600_000
COMPS = [Competitor("a", "A", "", 0), Competitor("b", "B", "", 1)]
HORIZONS = (3 * HOUR, HOUR, 20 * MIN)
STALE_MS = 6 * HOUR


def drifting_race(rng: np.random.Generator, hours: float = 10.0, drift: float = 0.15):
    """Two sides' clean readings (times, counts) and a milestone reached after about ``hours``."""
    n = int(hours * 60) + 240
    t = np.arange(n, dtype=np.int64) * MIN
    base = rng.uniform(80, 120)
    sides = {}
    for handle in ("a", "b"):
        period = rng.uniform(3, 8) * HOUR
        phase = rng.uniform(0, 2 * np.pi)
        rate = base * rng.uniform(0.95, 1.05) * (1 + drift * np.sin(2 * np.pi * t / period + phase))
        counts = 1_000_000 + np.cumsum(rng.poisson(rate))
        sides[handle] = (t + rng.integers(0, 20_000, n), counts.astype(np.int64))
    at = int(hours * 60)
    milestone = int(max(sides["a"][1][at], sides["b"][1][at]))
    return sides, milestone


def _crossing(t: np.ndarray, c: np.ndarray, milestone: int) -> int | None:
    i = int(np.argmax(c >= milestone))
    return int(t[i]) if c[i] >= milestone else None


def score_races(races) -> dict[str, dict[int, float] | float]:
    """Coverage and median absolute error (minutes) by horizon, and the winner 20 min before."""
    held: dict[int, list[bool]] = {h: [] for h in HORIZONS}
    errors: dict[int, list[float]] = {h: [] for h in HORIZONS}
    winners = []
    for sides, milestone in races:
        crossed = {h: _crossing(*sides[h], milestone) for h in sides}
        for handle, at in crossed.items():
            if at is None:
                continue
            for horizon in HORIZONS:
                seen = forecast(milestone, COMPS, sides, {}, at - horizon, STALE_MS)
                p = seen.projections.get(handle) if seen is not None else None
                if p is None or p.eta_ms is None:
                    continue
                held[horizon].append(p.eta_low_ms <= at <= p.eta_high_ms)
                errors[horizon].append(abs(p.eta_ms - at) / MIN)
        first_at, first = min((at, h) for h, at in crossed.items() if at is not None)
        seen = forecast(milestone, COMPS, sides, {}, first_at - 20 * MIN, STALE_MS)
        winners.append(seen is not None and seen.winner == first)
    return {
        "coverage": {h: float(np.mean(v)) for h, v in held.items()},
        "median_error_min": {h: float(np.median(v)) for h, v in errors.items()},
        "forecasts": {h: float(len(v)) for h, v in held.items()},
        "winner_right": float(np.mean(winners)),
    }
