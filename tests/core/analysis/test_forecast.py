"""The forecast: reads nothing after its moment, says a finish once there is one, holds ranges."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import numpy as np
import pytest

from photofinish.core.analysis.backtest import backtest, scores
from photofinish.core.analysis.forecast import forecast
from photofinish.core.analysis.state import RaceState
from photofinish.core.model import Competitor, Race, Snapshot
from photofinish.core.series import Series
from photofinish.core.store import Store
from tests.cli.support import run

MIN, HOUR = 60_000, 3_600_000
COMPS = [Competitor("a", "A", "", 0), Competitor("b", "B", "", 1)]


def _race(rate_a=10.0, rate_b=9.0, hours=10, milestone=10_000, seed=1):
    rng = np.random.default_rng(seed)
    snaps = []
    for handle, rate in (("a", rate_a), ("b", rate_b)):
        count = 4_000
        for m in range(hours * 60):
            count += int(rng.poisson(rate))
            snaps.append(Snapshot(m * MIN, handle, count))
    return Race("R", milestone), snaps


def _state(race, snaps):
    return RaceState(race, COMPS, {h: Series.from_snapshots(h, snaps) for h in "ab"})


def test_a_forecast_never_reads_a_reading_after_its_moment():
    race, snaps = _race()
    moment = 5 * HOUR + 17 * MIN
    before = _state(race, snaps).at(moment).forecast
    # Everything after the moment changed beyond recognition: a surge, a stall, a jump.
    moved = [
        s if s.at_ms <= moment else Snapshot(s.at_ms + 7_000, s.handle, s.count * 3 + 11)
        for s in snaps
    ]
    after = _state(race, moved).at(moment).forecast
    assert before is not None and after == before
    cut = _state(race, [s for s in snaps if s.at_ms <= moment]).at(moment).forecast
    assert cut == before


def test_each_projection_has_its_point_inside_its_range():
    race, snaps = _race()
    state = _state(race, snaps)
    for moment in range(HOUR, 9 * HOUR, 37 * MIN):
        seen = state.at(moment).forecast
        assert seen is not None
        for p in seen.projections.values():
            if p.eta_ms is not None:
                assert p.eta_low_ms <= p.eta_ms <= p.eta_high_ms
                assert p.eta_ms > moment - MIN  # never in the past


def test_a_side_already_across_has_its_crossing_as_point_and_range():
    race, snaps = _race(milestone=7_000)
    result = _state(race, snaps).complete()
    crossing = result.crossings["a"].at_ms
    p = result.forecast.projections["a"]
    assert p.crossed and p.eta_ms == p.eta_low_ms == p.eta_high_ms == crossing
    assert result.winner == "a" and result.forecast.winner == "a"
    assert result.forecast.winner_probability == 1.0


def test_the_faster_side_is_projected_first_and_more_surely_the_wider_apart():
    race, snaps = _race(rate_a=12, rate_b=9, milestone=20_000)
    close, far = (_state(race, snaps).at(t).forecast for t in (2 * HOUR, 9 * HOUR))
    assert close.winner == far.winner == "a"
    assert far.winner_probability >= close.winner_probability >= 0.5


def test_the_trailing_side_gaining_is_projected_to_draw_level():
    race, snaps = _race(rate_a=8, rate_b=11, milestone=30_000)
    # b starts behind by 500: it gains about 3 a minute.
    snaps = [Snapshot(s.at_ms, s.handle, s.count - (500 if s.handle == "b" else 0)) for s in snaps]
    seen = _state(race, snaps).at(60 * MIN).forecast
    assert seen.next_lead_change_ms is not None
    assert 60 * MIN < seen.next_lead_change_ms < 6 * HOUR
    leader_again = _state(race, snaps).at(9 * HOUR).forecast  # b leads: nobody gains on it
    assert leader_again.next_lead_change_ms is None


def test_a_stale_or_stalled_side_is_not_projected():
    race, snaps = _race()
    stale = _state(race, [s for s in snaps if s.handle == "a" or s.at_ms < HOUR])
    seen = stale.at(9 * HOUR).forecast  # b's last reading is 8 hours old: b is unknown
    assert "b" not in seen.projections and seen.winner is None
    flat = [Snapshot(s.at_ms, s.handle, 5_000 if s.handle == "b" else s.count) for s in snaps]
    seen = _state(race, flat).at(5 * HOUR).forecast
    assert seen.projections["b"].eta_ms is None and seen.winner == "a"  # b never gets there


def test_no_readings_no_forecast():
    assert forecast(100, COMPS, {}, {}, None, HOUR) is None


def test_the_2009_race_an_hour_before_kutchers_finish(sample_path):
    """05:13 UTC: the ETA within 20 minutes of his 06:13 UTC crossing, and the range holds it."""
    with Store.open(sample_path, read_only=True) as store:
        race, comps = store.race(), store.competitors()
        state = RaceState(race, comps, {c.handle: store.series(c.handle) for c in comps})
    asked = int(datetime(2009, 4, 17, 5, 13, tzinfo=UTC).timestamp() * 1000)
    crossed = int(datetime(2009, 4, 17, 6, 13, tzinfo=UTC).timestamp() * 1000)
    p = state.at(asked).forecast.projections["aplusk"]
    assert abs(p.eta_ms - crossed) <= 20 * MIN
    assert p.eta_low_ms <= crossed <= p.eta_high_ms
    rows = backtest(state)
    assert {r.horizon_ms for r in rows} == {12 * HOUR, 6 * HOUR, 3 * HOUR, HOUR, 30 * MIN, 10 * MIN}
    by = {s.horizon_ms: s for s in scores(rows)}
    assert by[HOUR].forecasts == 2 and by[10 * MIN].coverage == 1.0


def test_the_forecast_command_says_it_as_written(capsys, sample_path):
    code, out, err = run(
        capsys, "forecast", str(sample_path), "--at", "2009-04-17T05:13:00Z", "--json"
    )
    assert code == 0, err
    data = json.loads(out)
    assert set(data) >= {"at", "competitors", "projected_winner", "winner_probability"}
    assert data["at"] == "2009-04-17T05:13:00.000Z"
    first = data["competitors"][0]
    assert set(first) == {"handle", "count", "rate_per_hour", "eta", "eta_low", "eta_high"}
    assert first["handle"] == "aplusk" and first["eta_low"] <= first["eta"] <= first["eta_high"]
    assert data["projected_winner"] == "aplusk" and 0.5 <= data["winner_probability"] < 1
    code, out, _ = run(capsys, "forecast", str(sample_path), "--json")  # after the finish
    done = json.loads(out)
    kutcher = done["competitors"][0]
    assert kutcher["eta"] == kutcher["eta_low"] == kutcher["eta_high"] == "2009-04-17T06:13:00.000Z"
    assert done["projected_winner"] == "aplusk" and done["winner_probability"] == 1.0
    code, out, _ = run(capsys, "forecast", str(sample_path), "--at", "2009-04-16T16:00")
    assert "Forecast as of Thu 16 Apr 16:00 PDT" in out and "80% between" in out
    # Days ahead, the range is wider than a week: its ends say their dates.
    code, out, _ = run(capsys, "forecast", str(sample_path), "--at", "2009-04-15T12:00")
    assert "(80% between Thu 16 Apr 18:59 and Thu 23 Apr 04:08)" in out


def test_the_backtest_command(capsys, sample_path):
    code, out, err = run(capsys, "forecast", str(sample_path), "--backtest", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert [h["horizon_min"] for h in data["horizons"]] == [720, 360, 180, 60, 30, 10]
    row = data["forecasts"][0]
    assert set(row) == {
        "handle", "horizon_min", "asked_at", "crossed_at", "eta", "eta_low", "eta_high",
        "error_min", "held",
    }  # fmt: skip
    code, out, _ = run(capsys, "forecast", str(sample_path), "--backtest")
    assert "how often the 80% range held" in out
    code, _, err = run(capsys, "forecast", str(sample_path), "--backtest", "--at", "2009-04-17")
    assert code == 2 and "leave out --at" in err


@pytest.mark.parametrize("seed", [3, 4])
def test_ranges_hold_about_as_often_as_they_say_on_a_drifting_race(seed):
    """A cheap check of calibration (the benchmark measures it on many races)."""
    from tests.bench.forecast_races import drifting_race, score_races

    result = score_races([drifting_race(np.random.default_rng(seed + i)) for i in range(30)])
    assert 0.6 <= result["coverage"][HOUR] <= 0.95
