"""The race arithmetic on small hand-made races and on generated ones."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from photofinish.core.analysis.glitches import detect_glitches
from photofinish.core.analysis.lead import as_of
from photofinish.core.model import BY_USER, FLAG_GLITCH, FLAG_OK, Snapshot
from photofinish.core.series import Series
from tests.core.analysis.helpers import MIN, run, snaps


def test_as_of_takes_latest_reading_and_respects_staleness():
    t = np.array([0, 10 * MIN, 20 * MIN])
    c = np.array([1, 2, 3])
    got = as_of(t, c, np.array([-1, 0, 15 * MIN, 20 * MIN, 31 * MIN]), stale_ms=10 * MIN)
    assert np.isnan(got[0])
    assert got[1:4].tolist() == [1, 2, 3]
    assert np.isnan(got[4])  # 11 minutes after the last reading: too old


def test_no_leader_while_one_side_has_no_fresh_reading():
    # Like 2009: CNN's only early figure is weeks older than Kutcher's first.
    race = run(snaps("a", [(10_000, 900)]) + snaps("b", [(0, 600)], 10), stale_s=3600)
    assert race.leader is None and race.current_lead is None
    assert race.lead_changes == []


def test_lead_changes_and_tie_keeps_previous_leader():
    a = snaps("a", [(0, 100), (1, 110), (2, 120), (3, 130)])
    b = snaps("b", [(0, 105), (1, 110), (2, 118), (3, 131)], 10)
    race = run(a + b)
    # b leads, tie at minute 1 (b keeps it), a leads at 2, b at 3
    assert [(c.at_ms // MIN, c.leader) for c in race.lead_changes] == [(2, "a"), (3, "b")]
    assert race.leader == "b" and race.current_lead == 1


def test_crossing_winner_and_margin():
    a = snaps("a", [(0, 990), (5, 1000), (6, 1010)])
    b = snaps("b", [(0, 995), (4, 998), (7, 1001)], 10)
    race = run(a + b)
    assert race.crossings["a"].at_ms == 5 * MIN
    assert race.crossings["b"].at_ms == 7 * MIN
    assert race.winner == "a"
    assert race.margin_at_finish == 2
    kinds = [e.kind for e in race.events]
    assert kinds.count("crossed") == 2


def test_spike_is_flagged_and_left_out_of_every_figure():
    a = snaps("a", [(0, 500), (1, 510), (2, 1_998_130), (3, 520), (4, 530)])
    b = snaps("b", [(0, 400), (4, 450)], 10)
    race = run(a + b)
    assert [(g.handle, g.count, g.by) for g in race.glitches] == [("a", 1_998_130, "auto")]
    assert "a" not in race.crossings
    assert any(e.kind == "glitch" for e in race.events)


def test_level_shift_is_not_a_glitch_and_last_reading_is_undecided():
    s = Series.from_snapshots("a", snaps("a", [(0, 100), (1, 100), (2, 5000), (3, 5001)]))
    assert not detect_glitches(s).any()
    s = Series.from_snapshots("a", snaps("a", [(0, 100), (1, 100), (2, 5000)]))
    assert not detect_glitches(s).any()


def test_zero_reading_is_a_glitch_even_on_small_counts():
    s = Series.from_snapshots("a", snaps("a", [(0, 50), (1, 0), (2, 51)]))
    assert detect_glitches(s).tolist() == [False, True, False]


def test_user_decisions_override_the_detector():
    base = snaps("a", [(0, 50), (1, 0), (2, 51), (3, 52)])
    ok = [
        s if s.count != 0 else Snapshot(**{**s.__dict__, "flag": FLAG_OK, "flagged_by": BY_USER})
        for s in base
    ]
    assert not detect_glitches(Series.from_snapshots("a", ok)).any()
    flagged = [
        s
        if s.count != 52
        else Snapshot(**{**s.__dict__, "flag": FLAG_GLITCH, "flagged_by": BY_USER})
        for s in base
    ]
    race = run(flagged + snaps("b", [(0, 1)], 10))
    assert {(g.count, g.by) for g in race.glitches} == {(0, "auto"), (52, "user")}
    assert race.stats["a"].latest_count == 51


def test_rate_eta_and_projected_winner():
    a = snaps("a", [(0, 800), (60, 860)])  # 60 per hour, 140 to go
    b = snaps("b", [(0, 850), (60, 870)], 10)  # 20 per hour, 130 to go
    race = run(a + b)
    assert race.stats["a"].rate_per_hour == 60
    assert race.stats["a"].eta_ms == 60 * MIN + round(140 / 60 * 60 * MIN)
    assert race.stats["a"].change_last_hour == 60
    assert race.projected_winner == "a"
    assert race.winner is None


def test_to_go_events_once_each_and_deterministic():
    a = snaps("a", [(i, 80_000 + i * 1500) for i in range(15)])
    b = snaps("b", [(0, 1)], 100)
    race = run(a + b, milestone=100_000)
    to_go = [e.key for e in race.events if e.kind == "to_go"]
    assert to_go == ["to_go:a:10000", "to_go:a:5000", "to_go:a:2000", "to_go:a:1000"]
    again = run(list(reversed(a + b)), milestone=100_000)
    assert [e.key for e in again.events] == [e.key for e in race.events]
    assert len({e.key for e in race.events}) == len(race.events)


# -- properties ---------------------------------------------------------------


@st.composite
def races(draw):
    """Two rising-ish series with distinct times and modest steps."""
    out = []
    for idx, handle in enumerate(("a", "b")):
        n = draw(st.integers(3, 25))
        minutes = sorted(draw(st.sets(st.integers(0, 500), min_size=n, max_size=n)))
        level = draw(st.integers(900, 960))
        for i, m in enumerate(minutes):
            level += draw(st.integers(-2, 6))
            out.append(Snapshot(m * MIN, handle, level, "p", id=idx * 1000 + i + 1))
    return out


@settings(max_examples=60, deadline=None)
@given(races(), st.randoms(use_true_random=False))
def test_shuffling_input_changes_nothing(snapshots, rnd):
    first = run(snapshots)
    shuffled = list(snapshots)
    rnd.shuffle(shuffled)
    second = run(shuffled)
    assert second.lead_changes == first.lead_changes
    assert second.crossings == first.crossings
    assert [e.key for e in second.events] == [e.key for e in first.events]
    assert second.glitches == first.glitches


@settings(max_examples=60, deadline=None)
@given(races(), st.data())
def test_adding_a_glitch_changes_no_crossing(snapshots, data):
    before = run(snapshots)
    a = sorted((s for s in snapshots if s.handle == "a"), key=lambda s: s.at_ms)
    gaps = [i for i in range(len(a) - 1) if a[i + 1].at_ms - a[i].at_ms >= 2]
    if not gaps:
        return
    i = data.draw(st.sampled_from(gaps))
    at = (a[i].at_ms + a[i + 1].at_ms) // 2
    wild = data.draw(st.sampled_from([0, a[i].count * 2 + 5000]))
    after = run(snapshots + [Snapshot(at, "a", wild, "spike", id=99_999)])
    assert after.crossings == before.crossings
    assert after.winner == before.winner
    assert after.lead_changes == before.lead_changes
    assert any(g.snapshot_id == 99_999 for g in after.glitches)


@settings(max_examples=80, deadline=None)
@given(races())
def test_lead_changes_alternate_leaders(snapshots):
    race = run(snapshots)
    leaders = [c.leader for c in race.lead_changes]
    assert all(x != y for x, y in zip(leaders, leaders[1:], strict=False))
    times = [c.at_ms for c in race.lead_changes]
    assert times == sorted(times)


def test_newest_wild_reading_is_held_until_the_next_one_decides():
    a = snaps("a", [(0, 500), (1, 510), (2, 1_998_130)])
    b = snaps("b", [(0, 400), (2, 450)], 10)
    held = run(a + b)
    assert "a" not in held.crossings and held.glitches == []
    assert held.stats["a"].latest_count == 510
    # A reading that confirms the jump makes it a real level shift.
    confirmed = run(a + b + snaps("a", [(3, 1_998_200)], 50))
    assert confirmed.crossings["a"].at_ms == 2 * MIN
