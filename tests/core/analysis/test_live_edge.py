"""Rounded public counts and the provisional newest reading of a live race."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from photofinish.core.analysis.glitches import PENDING_REL, detect_glitches, rounding_step
from photofinish.core.analysis.race import analyse
from photofinish.core.analysis.result import Glitch
from photofinish.core.model import BY_USER, FLAG_GLITCH, FLAG_OK, Competitor, Race, Snapshot
from photofinish.core.series import Series
from photofinish.core.store import Store
from tests.core.analysis.helpers import MIN, comps, run, snaps


def series(counts: list[int], rounded: list[bool] | bool | None = None) -> Series:
    """A series with one reading a minute; ``rounded=True`` marks every reading."""
    s = Series.from_snapshots("a", snaps("a", list(enumerate(counts))))
    if rounded is True:
        rounded = [True] * len(counts)
    if rounded:
        s.rounded = np.array(rounded, dtype=bool)
    return s


def with_rounding(s: Series, rounded: list[bool]) -> Series:
    return replace(s, rounded=np.array(rounded, dtype=bool))


# -- rounding -----------------------------------------------------------------------


def test_rounding_step_is_the_last_of_three_significant_digits():
    s = series(
        [999, 1000, 1_234, 12_345, 999_999, 1_230_000, 1_230_000, 45_600_000],
        [True, True, True, True, True, True, False, True],
    )
    assert rounding_step(s).tolist() == [0, 10, 10, 100, 1_000, 10_000, 0, 100_000]
    assert rounding_step(series([1_230_000, 1_240_000])).tolist() == [0, 0]
    assert rounding_step(Series.empty("a")).tolist() == []


def test_youtube_step_up_and_back_is_not_a_glitch():
    s = series([1_230_000, 1_240_000, 1_230_000], rounded=True)
    assert detect_glitches(s).tolist() == [False, False, False]


def test_unrounded_spike_of_the_same_shape_is_a_glitch():
    s = series([1_230_000, 1_900_000, 1_230_100])
    assert detect_glitches(s).tolist() == [False, True, False]


def test_rounded_series_with_a_real_spike_is_still_a_glitch():
    s = series([1_230_000, 12_300_000, 1_230_000, 1_240_000], rounded=True)
    assert detect_glitches(s).tolist() == [False, True, False, False]
    s = series([1_230_000, 1_250_000, 1_230_000], rounded=True)  # two steps is too many
    assert detect_glitches(s).tolist() == [False, True, False]


def test_rounding_is_what_saves_a_step_across_a_digit_boundary():
    # 999,000 -> 1,010,000 is one step of the larger number (10,000) but more
    # than 1% of 999,000: a glitch for exact counts, rounding for public ones.
    counts = [999_000, 1_010_000, 999_000]
    assert detect_glitches(series(counts)).tolist() == [False, True, False]
    assert detect_glitches(series(counts, rounded=True)).tolist() == [False, False, False]


def test_only_the_rounded_reading_widens_the_threshold():
    # An exact count between exact neighbours, with one rounded reading in the middle.
    counts = [1_234_567, 1_220_000, 1_234_600]
    assert detect_glitches(series(counts)).tolist() == [False, True, False]
    assert detect_glitches(series(counts, [False, True, False])).tolist() == [False, False, False]
    assert detect_glitches(series(counts, [True, False, True])).tolist() == [False, True, False]


def test_store_series_feeds_rounding_into_the_analysis():
    race = Race("t", 5_000_000)
    with Store.create(None, race, [Competitor("a", "A", ""), Competitor("b", "B", "")]) as store:
        store.append(
            [Snapshot(i * MIN, "a", c, "youtube:UC_a") for i, c in enumerate([999_000, 1_010_000])]
            + [Snapshot(2 * MIN, "a", 999_000, "youtube:UC_a")]
            + [Snapshot(i * MIN, "b", c, "file:b.csv") for i, c in enumerate([999_000, 1_010_000])]
            + [Snapshot(2 * MIN, "b", 999_000, "file:b.csv")]
        )
        result = analyse(race, store.competitors(), store.all_series())
    assert [(g.handle, g.count) for g in result.glitches] == [("b", 1_010_000)]
    assert result.clean["a"][1].tolist() == [999_000, 1_010_000, 999_000]
    assert result.clean["b"][1].tolist() == [999_000, 999_000]


def test_replay_keeps_the_rounding_of_readings_seen_so_far():
    # The spike at minute 3 makes the detector re-run on the readings seen by
    # minute 2; those are a rounding step up and back, not a glitch.
    s = series([999_000, 1_010_000, 999_000, 9_990_000, 999_000], rounded=True)
    race = Race("t", 50_000_000)
    full = analyse(race, comps("a"), {"a": s})
    assert [g.count for g in full.glitches] == [9_990_000]
    early = analyse(race, comps("a"), {"a": s}, as_of_ms=2 * MIN)
    assert early.glitches == []
    assert early.clean["a"][1].tolist() == [999_000, 1_010_000, 999_000]


def test_from_snapshots_marks_youtube_readings_as_rounded_like_the_store():
    points = [
        Snapshot(0, "a", 999_000, "youtube:UC_a", id=1),
        Snapshot(MIN, "a", 1_010_000, "youtube:UC_a", id=2),
        Snapshot(2 * MIN, "a", 999_000, "file:a.csv", id=3),
    ]
    s = Series.from_snapshots("a", points)
    assert s.rounded is not None
    assert s.rounded.tolist() == [True, True, False]


# -- the provisional newest reading --------------------------------------------------


def provisional(result) -> list[tuple[str, int, int]]:
    return [(p.handle, p.at_ms, p.count) for p in result.provisional]


def test_newest_jump_is_provisional_and_left_out_of_the_figures():
    a = snaps("a", [(0, 500), (1, 510), (2, 1_000)])
    b = snaps("b", [(0, 400), (2, 450)], 10)
    result = run(a + b)
    assert result.provisional == [Glitch("a", 2 * MIN, 1_000, 3, "auto")]
    assert result.clean["a"][1].tolist() == [500, 510]
    assert result.glitches == []
    assert "a" not in result.crossings
    assert result.stats["a"].latest_count == 510
    assert not any(e.kind == "glitch" for e in result.events)


def test_a_drop_to_zero_at_the_end_is_provisional_too():
    result = run(snaps("a", [(0, 500), (1, 510), (2, 0)]) + snaps("b", [(0, 400)], 10))
    assert provisional(result) == [("a", 2 * MIN, 0)]
    assert result.clean["a"][1].tolist() == [500, 510]


def test_provisional_reading_that_comes_back_is_a_confirmed_glitch():
    a = snaps("a", [(0, 500), (1, 510), (2, 1_000), (3, 515)])
    result = run(a + snaps("b", [(0, 400)], 10))
    assert result.provisional == []
    assert [(g.handle, g.at_ms, g.count, g.snapshot_id, g.by) for g in result.glitches] == [
        ("a", 2 * MIN, 1_000, 3, "auto")
    ]
    assert result.clean["a"][1].tolist() == [500, 510, 515]
    assert result.stats["a"].latest_count == 515


def test_provisional_reading_that_is_confirmed_becomes_a_real_reading():
    a = snaps("a", [(0, 500), (1, 510), (2, 1_000), (3, 1_005)])
    result = run(a + snaps("b", [(0, 400)], 10))
    assert result.provisional == []
    assert result.glitches == []
    assert result.clean["a"][1].tolist() == [500, 510, 1_000, 1_005]
    assert result.crossings["a"].at_ms == 2 * MIN
    assert result.stats["a"].latest_count == 1_005


def test_replay_holds_the_reading_that_was_newest_at_that_moment():
    a = snaps("a", [(0, 500), (1, 510), (2, 1_000), (3, 515)])
    race = Race("t", 1000)
    s = {"a": Series.from_snapshots("a", a)}
    then = analyse(race, comps("a"), s, as_of_ms=2 * MIN)
    assert provisional(then) == [("a", 2 * MIN, 1_000)]
    assert then.glitches == []
    assert then.clean["a"][1].tolist() == [500, 510]
    now = analyse(race, comps("a"), s)
    assert now.provisional == [] and [g.count for g in now.glitches] == [1_000]


@pytest.mark.parametrize(
    ("prev", "last", "held"),
    [
        (1_000, 1_250, False),  # exactly PENDING_REL: not more than it
        (1_000, 1_251, True),
        (1_000, 749, True),
        (1_000, 750, False),
        (10, 15, False),  # below GLITCH_MIN_ABS
        (10, 16, True),
    ],
)
def test_pending_threshold(prev, last, held):
    assert PENDING_REL == 0.25
    result = run(snaps("a", [(0, prev), (1, prev), (2, last)]), milestone=10**6, handles=("a",))
    assert bool(result.provisional) is held
    assert result.clean["a"][1].tolist()[-1] == (prev if held else last)


def test_rounded_step_at_the_end_is_not_provisional():
    for counts in ([1_230_000, 1_230_000, 1_240_000], [999_000, 999_000, 1_010_000]):
        s = series(counts, rounded=True)
        result = analyse(Race("t", 10**8), comps("a"), {"a": s})
        assert result.provisional == []
        assert result.clean["a"][1].tolist() == counts


def test_a_user_decision_on_the_newest_reading_is_never_provisional():
    base = snaps("a", [(0, 500), (1, 510), (2, 1_000)])
    ok = base[:2] + [replace(base[2], flag=FLAG_OK, flagged_by=BY_USER)]
    result = run(ok, handles=("a",))
    assert result.provisional == []
    assert result.clean["a"][1].tolist() == [500, 510, 1_000]
    assert [k.count for k in result.kept] == [1_000]
    bad = base[:2] + [replace(base[2], flag=FLAG_GLITCH, flagged_by=BY_USER)]
    result = run(bad, handles=("a",))
    assert result.provisional == []
    assert [(g.count, g.by) for g in result.glitches] == [(1_000, BY_USER)]
    assert result.clean["a"][1].tolist() == [500, 510]


def test_one_or_no_reading_is_never_provisional():
    assert run(snaps("a", [(0, 500)]), handles=("a",)).provisional == []
    assert run([], handles=("a",)).provisional == []
