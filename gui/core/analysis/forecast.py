"""When each side reaches the milestone, how sure that is, and who is likely to get there first.

A projection takes the rate over a recent window (as long as the time still to
go, between half an hour and six hours) and extends it. Its range comes from
the race itself: at many earlier moments, the same rule would have forecast a
rate for the same horizon ahead, and the rate that followed is known; the
spread of those errors (their 10th and 90th percentiles) is the spread of this
forecast, so a race whose pace drifts gets a wide range and a steady one a
narrow one. With little history to learn from, a deliberately wide prior
fills in. Only readings at or before the moment asked about are read, so a
forecast is the same live, in a replay and from ``--at``. Readings come as
the rest of the analysis leaves them: glitches out, stale sides not projected.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np

from ..model import Competitor
from .result import Crossing, Forecast, Projection

HOUR_MS = 3_600_000
MIN_WINDOW_MS = 30 * 60_000
MAX_WINDOW_MS = 6 * HOUR_MS
SAMPLES = 160  # earlier moments the errors are learnt from
PRIOR_WEIGHT = 3.0  # how many independent learnt errors the prior counts for
COVERAGE = 0.8
_Z = 1.2816  # the normal quantile of 90%: an 80% range between the 10th and 90th percentiles


def forecast(
    milestone: int,
    competitors: Sequence[Competitor],
    clean: Mapping[str, tuple[np.ndarray, np.ndarray]],
    crossings: Mapping[str, Crossing],
    at_ms: int | None,
    stale_ms: int,
) -> Forecast | None:
    """The forecast as of ``at_ms`` (None: the latest reading) from clean readings up to then."""
    ends = [int(t[-1]) for t, _ in clean.values() if t.size]
    if not ends:
        return None
    now = max(ends) if at_ms is None else at_ms
    projections: dict[str, Projection] = {}
    samples: dict[str, np.ndarray] = {}  # each side's crossing times by the learnt errors
    for comp in competitors:
        t, c = _upto(clean.get(comp.handle), now)
        made = _project(comp.handle, t, c, milestone, crossings.get(comp.handle), now, stale_ms)
        if made is not None:
            projections[comp.handle], samples[comp.handle] = made
    pair = [c.handle for c in competitors[:2]]
    winner, probability = _winner(pair, projections, samples)
    level = _next_lead_change(pair, projections)
    return Forecast(now, projections, winner, probability, level)


def _upto(series: tuple[np.ndarray, np.ndarray] | None, now: int) -> tuple[np.ndarray, np.ndarray]:
    if series is None:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    t, c = series
    k = int(np.searchsorted(t, now, side="right"))
    return t[:k], c[:k]


def _project(
    handle: str,
    t: np.ndarray,
    c: np.ndarray,
    milestone: int,
    crossing: Crossing | None,
    now: int,
    stale_ms: int,
) -> tuple[Projection, np.ndarray] | None:
    if t.size == 0:
        return None
    last_t, last_c = int(t[-1]), int(c[-1])
    if crossing is not None and crossing.at_ms <= now:
        at = crossing.at_ms
        done = Projection(handle, last_c, last_t, None, at, at, at, crossed=True)
        return done, np.zeros(0)
    if now - last_t > stale_ms or t.size < 2:
        return None
    remaining = milestone - last_c
    rate = _rate(t, c, last_t, 2 * HOUR_MS)
    if rate is None or rate <= 0 or remaining <= 0:
        return Projection(handle, last_c, last_t, _per_hour(rate), None, None, None), np.zeros(0)
    horizon = remaining / rate
    window = int(min(max(horizon, MIN_WINDOW_MS), MAX_WINDOW_MS))
    rate = _rate(t, c, last_t, window)
    if rate is None or rate <= 0:
        return Projection(handle, last_c, last_t, _per_hour(rate), None, None, None), np.zeros(0)
    horizon = remaining / rate
    learnt = _learnt_errors(t, c, last_t, window, horizon)
    # Errors learnt at moments closer than a horizon apart share most of what followed:
    # they count as many as the horizons that fit in the stretch they come from.
    learnt_from = max(last_t - horizon - (int(t[0]) + window), 0.0)
    independent = learnt_from / max(horizon, window) if learnt.size else 0.0
    low_e, mid_e, high_e = _error_quantiles(learnt, horizon, independent)
    eta = last_t + round(remaining / (rate * math.exp(mid_e)))
    early = last_t + round(remaining / (rate * math.exp(high_e)))
    late = last_t + round(remaining / (rate * math.exp(low_e)))
    projection = Projection(handle, last_c, last_t, _per_hour(rate), eta, early, late)
    return projection, last_t + remaining / (rate * np.exp(learnt))


def _per_hour(rate: float | None) -> float | None:
    return None if rate is None else rate * HOUR_MS


def _rate(t: np.ndarray, c: np.ndarray, end: int, window: int) -> float | None:
    """Counts a millisecond over the window ending at ``end`` (from the readings bounding it)."""
    i = int(np.searchsorted(t, end, side="right")) - 1
    j = max(int(np.searchsorted(t, end - window, side="right")) - 1, 0)
    if i <= j or t[i] <= t[j]:
        return None
    return float(c[i] - c[j]) / float(t[i] - t[j])


def _learnt_errors(
    t: np.ndarray, c: np.ndarray, now: int, window: int, horizon: float
) -> np.ndarray:
    """ln(rate that followed / rate forecast) at earlier moments, ``horizon`` ahead of each.

    Every moment's forecast and what followed it lie before ``now``.
    """
    first = int(t[0]) + window
    last = now - horizon
    if last <= first:
        return np.zeros(0)
    taus = np.linspace(first, last, SAMPLES).astype(np.int64)
    ends = np.minimum(taus + int(horizon), now)

    def at(times: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        k = np.clip(np.searchsorted(t, times, side="right") - 1, 0, t.size - 1)
        return t[k].astype(np.float64), c[k].astype(np.float64)

    t1, c1 = at(taus)
    t0, c0 = at(taus - window)
    t2, c2 = at(ends)
    with np.errstate(divide="ignore", invalid="ignore"):
        forecast_rate = (c1 - c0) / (t1 - t0)
        real_rate = (c2 - c1) / (t2 - t1)
        ratio = real_rate / forecast_rate
    ok = np.isfinite(ratio) & (ratio > 0) & (t1 > t0) & (t2 > t1)
    logs: np.ndarray = np.log(ratio[ok])
    return logs


def _prior_sigma(horizon: float) -> float:
    """The log-rate error assumed without history: wider the further ahead."""
    return min(max(0.08 * math.sqrt(horizon / HOUR_MS), 0.05), 0.8)


def _error_quantiles(
    learnt: np.ndarray, horizon: float, independent: float
) -> tuple[float, float, float]:
    """The 10th, 50th and 90th percentiles of the log-rate error, the prior blended in.

    ``independent`` is how many independent errors the learnt ones are worth.
    """
    prior = _prior_sigma(horizon)
    if learnt.size == 0:
        return -_Z * prior, 0.0, _Z * prior
    low, mid, high = (float(x) for x in np.quantile(learnt, [0.1, 0.5, 0.9]))
    # A handful of independent errors understates the spread: widen by how few they are.
    widen = 1 + 0.3 / math.sqrt(max(independent, 1.0))
    low, high = mid + (low - mid) * widen, mid + (high - mid) * widen
    weight = independent / (independent + PRIOR_WEIGHT)
    return (
        weight * low - (1 - weight) * _Z * prior,
        weight * mid,
        weight * high + (1 - weight) * _Z * prior,
    )


def _winner(
    pair: list[str], projections: Mapping[str, Projection], samples: Mapping[str, np.ndarray]
) -> tuple[str | None, float | None]:
    """Who reaches the milestone first, and how likely; None when it cannot be said."""
    if len(pair) < 2 or pair[0] not in projections or pair[1] not in projections:
        return None, None
    a, b = projections[pair[0]], projections[pair[1]]
    done = [p for p in (a, b) if p.crossed]
    if done:
        return min(done, key=lambda p: p.eta_ms or 0).handle, 1.0
    if a.eta_ms is None or b.eta_ms is None:
        only = a if a.eta_ms is not None else (b if b.eta_ms is not None else None)
        return (only.handle, None) if only is not None else (None, None)
    ahead, behind = (a, b) if a.eta_ms <= b.eta_ms else (b, a)
    assert ahead.eta_ms is not None and behind.eta_ms is not None
    first, second = samples.get(ahead.handle), samples.get(behind.handle)
    if first is not None and second is not None and min(first.size, second.size) >= 20:
        n = min(first.size, second.size)
        # Errors learnt at about the same earlier moments are paired: what both sides
        # share (a slow night on the whole platform) stays shared.
        chance = float(np.mean(first[-n:] < second[-n:]))
    else:
        spread = math.hypot(_width(ahead), _width(behind)) or 1.0
        gap = (behind.eta_ms - ahead.eta_ms) / spread
        chance = 0.5 * (1 + math.erf(gap / math.sqrt(2)))
    return ahead.handle, min(max(chance, 0.5), 0.99)


def _width(p: Projection) -> float:
    """A projection's spread as a standard deviation, from its 80% range."""
    if p.eta_low_ms is None or p.eta_high_ms is None:
        return 0.0
    return (p.eta_high_ms - p.eta_low_ms) / (2 * _Z)


def _next_lead_change(pair: list[str], projections: Mapping[str, Projection]) -> int | None:
    """When the trailing side, at the rates projected, would draw level (before the finish)."""
    if len(pair) < 2 or pair[0] not in projections or pair[1] not in projections:
        return None
    a, b = projections[pair[0]], projections[pair[1]]
    if a.crossed or b.crossed or a.rate_per_hour is None or b.rate_per_hour is None:
        return None
    lead, trail = (a, b) if a.count >= b.count else (b, a)
    assert lead.rate_per_hour is not None and trail.rate_per_hour is not None
    gaining = (trail.rate_per_hour - lead.rate_per_hour) / HOUR_MS
    if gaining <= 0:
        return None
    level = max(a.at_ms, b.at_ms) + round((lead.count - trail.count) / gaining)
    if lead.eta_ms is not None and level >= lead.eta_ms:
        return None
    return level
