"""One model for every mode: a moment's view and an updated analysis equal a fresh one from scratch.

The reference (``scratch.py``) decides every glitch again on the readings up
to the moment and works the lead out from the start; the model keeps one
complete analysis, updates it as readings come and change, and derives any
moment from it. On random races, moments and edits they must agree exactly.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from photofinish.core.analysis.race import settled_from
from photofinish.core.analysis.state import RaceState
from photofinish.core.model import BY_USER, FLAG_GLITCH, FLAG_OK, Competitor, Race, Snapshot
from photofinish.core.series import Series
from tests.core.analysis.scratch import scratch_analyse

MIN = 60_000
COMPS = [Competitor("a", "A", "#000000", 0), Competitor("b", "B", "#000000", 1)]


def same(x, y) -> None:
    """Two analyses agree in everything the window, the log and the summary show."""
    assert x.as_of_ms == y.as_of_ms
    for handle in y.clean:
        assert np.array_equal(x.clean[handle][0], y.clean[handle][0]), handle
        assert np.array_equal(x.clean[handle][1], y.clean[handle][1]), handle
    assert x.glitches == y.glitches
    assert x.provisional == y.provisional
    assert x.kept == y.kept
    assert x.lead_changes == y.lead_changes
    assert x.crossings == y.crossings
    assert (x.winner, x.margin_at_finish) == (y.winner, y.margin_at_finish)
    assert (x.leader, x.current_lead, x.projected_winner) == (
        y.leader,
        y.current_lead,
        y.projected_winner,
    )
    assert x.stats == y.stats
    assert x.events == y.events


@st.composite
def races(draw):
    """Two competitors' readings with glitches, jumps, ties, gaps, hand flags and rounding."""
    snaps = []
    for handle in ("a", "b"):
        n = draw(st.integers(0, 40))
        level = draw(st.integers(900, 1100))
        t = draw(st.integers(0, 30)) * MIN
        rounded = draw(st.booleans()) and handle == "b"
        for _ in range(n):
            t += draw(st.sampled_from([MIN, MIN, 2 * MIN, 7 * 3600 * 1000]))  # now and then stale
            level += draw(st.integers(0, 12))
            count = level
            roll = draw(st.integers(0, 20))
            if roll == 0:
                count = level * draw(st.sampled_from([0, 2, 3]))  # a spike, or a zero
            elif roll == 1:
                level = int(level * 1.4)  # a jump that stays
                count = level
            flag, by = "", ""
            if draw(st.integers(0, 25)) == 0:
                flag, by = draw(st.sampled_from([FLAG_GLITCH, FLAG_OK])), BY_USER
            source = "youtube:x" if rounded else "test"
            snaps.append(Snapshot(t, handle, count, source, flag, by, id=len(snaps) + 1))
    milestone = draw(st.integers(1000, 1400))
    stale_s = draw(st.sampled_from([6 * 3600, 3600]))
    return Race("r", milestone, stale_after_s=stale_s), snaps


def series_of(snaps):
    return {h: Series.from_snapshots(h, snaps) for h in ("a", "b")}


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(race=races(), fractions=st.lists(st.floats(0, 1), min_size=1, max_size=6))
def test_a_moment_seen_from_the_complete_analysis_is_the_analysis_of_that_moment(race, fractions):
    race, snaps = race
    series = series_of(snaps)
    state = RaceState(race, COMPS, series)
    same(state.complete(), scratch_analyse(race, COMPS, series))
    times = sorted({s.at_ms for s in snaps}) or [0]
    moments = {times[int(f * (len(times) - 1))] for f in fractions}
    moments |= {m + 1 for m in moments} | {m - 1 for m in moments}
    for m in sorted(moments):
        same(state.at(m), scratch_analyse(race, COMPS, series, as_of_ms=m))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(race=races(), cut=st.floats(0, 1), batch=st.integers(1, 5))
def test_readings_arriving_in_batches_give_the_analysis_of_them_all(race, cut, batch):
    """Live: the state takes the readings a few at a time, as a source delivers them."""
    race, snaps = race
    snaps = sorted(snaps, key=lambda s: (s.at_ms, s.handle, s.count))
    start = int(cut * len(snaps))
    state = RaceState(race, COMPS, series_of(snaps[:start]))
    for k in range(start, len(snaps), batch):
        grown = series_of(snaps[: k + batch])
        before = {h: len(state.series(h)) for h in grown}
        state.update({h: (grown[h], before[h]) for h in grown})
        same(state.complete(), scratch_analyse(race, COMPS, grown))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(race=races(), picks=st.lists(st.tuples(st.floats(0, 1), st.integers(0, 3)), max_size=4))
def test_readings_changed_anywhere_give_the_analysis_of_what_is_stored(race, picks):
    """Edits: a hand flag, a deletion, a changed count or a reading slipped in, anywhere."""
    race, snaps = race
    if not snaps:
        return
    state = RaceState(race, COMPS, series_of(snaps))
    for where, what in picks:
        if not snaps:
            break  # everything deleted: nothing left to edit
        i = min(int(where * len(snaps)), len(snaps) - 1)
        old = snaps[i]
        if what == 0:
            snaps[i] = replace(old, flag=FLAG_GLITCH, flagged_by=BY_USER)
        elif what == 1:
            del snaps[i]
        elif what == 2:
            snaps[i] = replace(old, count=old.count + 3_000)
        else:
            snaps.append(replace(old, at_ms=old.at_ms + 1, count=0, id=10_000 + i))
        series = series_of(snaps)
        changed = {h: (series[h], _first_difference(state.series(h), series[h])) for h in series}
        state.update(changed)
        same(state.complete(), scratch_analyse(race, COMPS, series))
        if snaps:
            m = snaps[len(snaps) // 2].at_ms
            same(state.at(m), scratch_analyse(race, COMPS, series, as_of_ms=m))


def _first_difference(old: Series, new: Series) -> int:
    """The first index at which two series differ (their common length if one extends the other)."""
    n = min(len(old), len(new))
    for field in ("at_ms", "count", "user_flag"):
        differ = np.flatnonzero(getattr(old, field)[:n] != getattr(new, field)[:n])
        if differ.size:
            n = int(differ[0])
    return n


def test_an_analysis_built_on_what_was_settled_is_the_same():
    rng = np.random.default_rng(4)
    snaps = []
    for handle, offset in (("a", 0), ("b", 7_000)):
        counts = 10_000 + np.cumsum(rng.poisson(5, 600))
        counts[[50, 300, 599]] *= 2
        snaps += [Snapshot(i * MIN + offset, handle, int(c)) for i, c in enumerate(counts)]
    race = Race("r", 12_000)
    series = series_of(snaps)
    whole = RaceState(race, COMPS, series)
    complete = whole.complete()
    for handle, mask in complete.auto.items():
        series[handle].auto = mask
    again = RaceState(race, COMPS, series, settled_from(complete))
    same(again.complete(), complete)
    same(again.at(300 * MIN), scratch_analyse(race, COMPS, series, as_of_ms=300 * MIN))


@pytest.mark.parametrize("moment", [299 * MIN + 10, 300 * MIN + 5])
def test_a_moment_just_after_a_glitch_counts_it_until_its_next_reading(moment):
    """The one view that is not a slice: the glitch is known only once the next reading is in."""
    snaps = [Snapshot(i * MIN, "a", 1000 + i) for i in range(600)]
    snaps[300] = Snapshot(300 * MIN, "a", 1100)  # 10% up and back at once: a glitch
    snaps += [Snapshot(i * MIN + 5, "b", 990 + i) for i in range(600)]
    race = Race("r", 5000)
    series = series_of(snaps)
    state = RaceState(race, COMPS, series)
    assert [g.count for g in state.complete().glitches] == [1100]
    view = state.at(moment)
    same(view, scratch_analyse(race, COMPS, series, as_of_ms=moment))
    assert (view.clean["a"][1][-1] == 1100) == (moment > 300 * MIN)
