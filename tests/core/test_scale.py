"""Big-session machinery: packed blocks, settled analyses, chunked passes and level of detail."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest

from photofinish.core import downsampling
from photofinish.core.analysis import glitches, stats
from photofinish.core.analysis import lead as lead_module
from photofinish.core.analysis.lead import lead_series
from photofinish.core.analysis.race import analyse, fingerprint, settled_from
from photofinish.core.model import Competitor, Race, Snapshot
from photofinish.core.series import Series
from photofinish.core.store import Store, blocks

START = 1_700_000_000_000


def walk(n: int, seed: int, glitches: int = 8) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Two competitors' times and counts whose lead changes several times."""
    rng = np.random.default_rng(seed)
    i = np.arange(n, dtype=np.float64)
    a = 10_000 + np.cumsum(rng.poisson(5 + 3 * np.sin(i / (n / 12))))
    b = 10_000 + np.cumsum(rng.poisson(5 + 3 * np.sin(i / (n / 12) + 2)))
    for counts in (a, b):
        spots = rng.choice(np.arange(2, n - 2), size=glitches, replace=False)
        counts[spots] = counts[spots] * 2
    t = START + np.arange(n, dtype=np.int64) * 60_000
    return t, a.astype(np.int64), b.astype(np.int64)


def make_store(n: int = 3000, seed: int = 1) -> Store:
    t, a, b = walk(n, seed)
    race = Race("Scale", int(max(a[-1], b[-1]) - 500), "test", "UTC")
    store = Store.create(None, race, [Competitor("a", "A", ""), Competitor("b", "B", "", 1)])
    store.insert_arrays("a", t, a)
    store.insert_arrays("b", t + 7_000, b)
    return store


def same(x: Series, y: Series) -> bool:
    return all(
        np.array_equal(getattr(x, f), getattr(y, f)) for f in ("at_ms", "count", "user_flag")
    )


def rows_series(store: Store, handle: str) -> tuple[np.ndarray, ...]:
    return blocks.load_rows(store.db.conn, store.competitor_id(handle))


def block_count(store: Store) -> int:
    return int(store.db.execute("SELECT count(*) FROM series_blocks").fetchone()[0])


@pytest.fixture
def small_blocks(monkeypatch):
    monkeypatch.setattr(blocks, "BLOCK_ROWS", 250)


# -- blocks -------------------------------------------------------------------------------
def test_loading_packs_blocks_and_gives_the_same_readings(small_blocks):
    store = make_store()
    first = store.series("a")
    assert block_count(store) >= 10  # 3000 readings in blocks of about 250
    again = store.series("a")
    assert same(first, again)
    at, count, _ = rows_series(store, "a")
    assert np.array_equal(again.at_ms, at) and np.array_equal(again.count, count)
    assert again.ids.size == 0  # not kept in memory: looked up when needed
    sid = store.db.execute(
        "SELECT id FROM snapshots WHERE competitor_id = ?"
        " ORDER BY at_ms, count LIMIT 1 OFFSET 1234",
        [store.competitor_id("a")],
    ).fetchone()[0]
    assert store.snapshot_id("a", int(at[1234]), int(count[1234])) == sid


def test_a_reading_inside_a_block_undoes_only_that_block(small_blocks):
    store = make_store()
    store.series("a")
    before = block_count(store)
    middle = int(store.series("a").at_ms[1000]) + 1
    store.append([Snapshot(middle, "a", 12_345)])
    assert block_count(store) == before - 1
    loaded = store.series("a")
    assert middle in loaded.at_ms.tolist()
    assert np.array_equal(loaded.at_ms, rows_series(store, "a")[0])
    assert block_count(store) >= before - 1  # packed again where long enough


def test_hand_flags_and_deletes_undo_blocks_but_automatic_flags_do_not(small_blocks):
    store = make_store()
    s = store.series("a")
    before = block_count(store)
    store.record_auto_glitches([("a", int(s.at_ms[i]), int(s.count[i])) for i in (500, 1500)])
    assert block_count(store) == before
    assert store.series("a").auto is not None
    assert store.series("a").auto[[500, 1500]].all()
    store.set_flag(store.snapshot_id("a", int(s.at_ms[700]), int(s.count[700])), "glitch")
    assert block_count(store) == before - 1
    assert store.series("a").user_flag[700] == 1
    fresh = store.series("a")
    store.delete_snapshot(store.snapshot_id("a", int(fresh.at_ms[2100]), int(fresh.count[2100])))
    assert len(store.series("a")) == len(fresh) - 1


def test_readings_at_one_millisecond_stay_in_one_block(small_blocks):
    store = Store.create(None, Race("x", 10**9, "", "UTC"), [Competitor("a", "A", "")])
    t = np.repeat(START + np.arange(400, dtype=np.int64) * 1000, 3)
    store.insert_arrays("a", t, np.arange(t.size, dtype=np.int64))
    store.series("a")
    spans = store.db.execute("SELECT first_ms, last_ms FROM series_blocks").fetchall()
    assert spans
    for first, last in spans:
        inside = store.db.execute(
            "SELECT count(*) FROM snapshots WHERE at_ms BETWEEN ? AND ?", [first, last]
        ).fetchone()[0]
        rows = store.db.execute(
            "SELECT rows FROM series_blocks WHERE first_ms = ?", [first]
        ).fetchone()[0]
        assert inside == rows


def test_a_damaged_block_is_passed_over_for_the_rows(small_blocks, caplog):
    with pytest.raises(ValueError, match="block of 3 readings"):
        blocks.unpack(b"\0" * 10, 3)
    store = make_store()
    want = store.series("a")
    store.db.execute("UPDATE series_blocks SET data = zeroblob(12) WHERE id = 1")
    store.db.conn.commit()
    got = store.series("a")
    assert same(got, want)
    assert "damaged block" in caplog.text


# -- settled analyses -------------------------------------------------------------------------
def analysed(store: Store):
    return analyse(store.race(), store.competitors(), store.all_series())


def assert_same_analysis(x, y) -> None:
    assert x.events == y.events
    assert x.lead_changes == y.lead_changes
    assert x.glitches == y.glitches
    assert (x.leader, x.current_lead, x.winner, x.margin_at_finish) == (
        y.leader,
        y.current_lead,
        y.winner,
        y.margin_at_finish,
    )
    assert x.stats == y.stats
    for handle in x.clean:
        assert np.array_equal(x.clean[handle][0], y.clean[handle][0])
        assert np.array_equal(x.clean[handle][1], y.clean[handle][1])


def test_a_settled_analysis_of_new_readings_equals_a_full_one():
    store = make_store(4000, seed=3)
    full = analysed(store)
    assert len(full.lead_changes) >= 3 and len(full.glitches) >= 10
    series = store.all_series()
    for handle, mask in full.auto.items():
        series[handle].auto = mask
    settled = settled_from(full)
    # More readings arrive, with a glitch and a lead change among them.
    t, a, b = walk(4600, seed=3)
    more = {"a": (t[4000:], a[4000:]), "b": (t[4000:] + 7_000, b[4000:])}
    for handle, (tt, cc) in more.items():
        stored = store.append(
            [Snapshot(int(x), handle, int(y)) for x, y in zip(tt, cc, strict=True)]
        )
        grown = series[handle].extended(stored)
        assert grown is not None
        series[handle] = grown
    quick = analyse(store.race(), store.competitors(), series, None, settled)
    assert_same_analysis(quick, analysed(store))


def test_a_settled_analysis_after_an_edit_in_the_past_equals_a_full_one():
    store = make_store(4000, seed=4)
    from photofinish.core.jobs.analysis import analyse_store, refresh_derived

    refresh_derived(store)
    early = int(store.series("b").at_ms[300])
    store.append([Snapshot(early + 1, "b", 1)])  # a glitch far back in time
    quick = analyse_store(store)
    full = analysed(store)
    assert_same_analysis(quick, full)
    assert any(g.at_ms == early + 1 for g in full.glitches)


def test_chunked_passes_agree_with_whole_ones(monkeypatch):
    store = make_store(3000, seed=5)
    whole = analysed(store)
    monkeypatch.setattr(glitches, "DETECT_CHUNK", 97)
    monkeypatch.setattr(lead_module, "LEAD_CHUNK", 89)
    monkeypatch.setattr(stats, "SCAN_CHUNK", 83)
    assert_same_analysis(analysed(store), whole)
    a, b = whole.clean["a"], whole.clean["b"]
    t, lead = lead_series(a, b, 6 * 3_600_000)
    assert t.size == np.unique(np.concatenate([a[0], b[0]])).size + 2  # plus two stale ends


# -- level of detail -------------------------------------------------------------------------
def test_visible_hands_over_at_most_four_points_per_pixel_and_keeps_peaks():
    rng = np.random.default_rng(7)
    n = 1_000_000
    t = START + np.arange(n, dtype=np.int64) * 1000
    c = np.cumsum(rng.integers(0, 3, n)).astype(np.int64)
    c[123_456] += 10_000  # a spike
    c[654_321] -= 10_000  # and a dip
    for pixels in (200, 1600):
        ts, cs = downsampling.visible(t, c, t[0], t[-1], pixels)
        assert ts.size <= 4 * pixels + 2
        assert np.all(np.diff(ts) > 0)
        assert cs.max() == c.max() and cs.min() == c.min()
    # A narrow range is handed over whole, with one reading beyond each side.
    ts, cs = downsampling.visible(t, c, t[1000], t[1100], 1600)
    assert np.array_equal(ts, t[999:1102])


def test_visible_lead_is_exact_where_the_range_is_small_and_true_where_it_is_large():
    t, a, b = walk(20_000, seed=8)
    sa, sb = (t, a), (t + 7_000, b)
    stale = 6 * 3_600_000
    lo, hi = int(t[100]), int(t[400])
    times, lead = downsampling.visible_lead(sa, sb, stale, lo, hi, 1600)
    exact_t, exact = lead_series(sa, sb, stale, int(t[99]), hi + 1)
    assert np.array_equal(times, exact_t) and np.allclose(lead, exact, equal_nan=True)
    monkey = downsampling.EXACT_LEAD_LIMIT
    try:
        downsampling.EXACT_LEAD_LIMIT = 100
        times, lead = downsampling.visible_lead(sa, sb, stale, int(t[0]), int(t[-1]), 300)
    finally:
        downsampling.EXACT_LEAD_LIMIT = monkey
    assert times.size <= 2 * (4 * 300 + 2)
    want = lead_module.as_of(t, a, times, stale) - lead_module.as_of(t + 7_000, b, times, stale)
    assert np.allclose(lead, want, equal_nan=True)


def test_the_lead_drawn_has_no_more_points_than_a_curve_and_keeps_its_extremes():
    t, a, b = walk(200_000, seed=9)
    sa, sb = (t, a), (t + 7_000, b)
    times, lead = downsampling.visible_lead(sa, sb, 6 * 3_600_000, int(t[0]), int(t[-1]), 300)
    assert times.size <= 2 * 300 + 2
    _, exact = lead_series(sa, sb, 6 * 3_600_000)
    assert np.nanmax(lead) == np.nanmax(exact) and np.nanmin(lead) == np.nanmin(exact)


def test_the_lead_splits_into_areas_that_meet_at_zero():
    t = np.array([0, 10, 20, 30, 40], dtype=np.int64)
    lead = np.array([4.0, -4.0, -2.0, np.nan, 6.0])
    x, ahead, behind = downsampling.split_at_zero(t, lead)
    assert x.tolist() == [0, 5, 10, 20, 30, 40]  # a zero where the sign changes
    assert np.allclose(ahead, [4, 0, np.nan, np.nan, np.nan, 6], equal_nan=True)
    assert np.allclose(behind, [np.nan, 0, -4, -2, np.nan, np.nan], equal_nan=True)


def test_the_same_readings_over_the_same_range_are_downsampled_once(monkeypatch):
    t = START + np.arange(100_000, dtype=np.int64) * 1000
    c = np.arange(100_000, dtype=np.int64)
    first = downsampling.visible(t, c, t[0], t[-1], 400)
    calls = []
    real = downsampling._visible
    monkeypatch.setattr(downsampling, "_visible", lambda *a: calls.append(a) or real(*a))
    assert downsampling.visible(t, c, t[0], t[-1], 400) is first
    assert not calls
    # Other readings with the same size and range are not mistaken for them.
    other = c.copy()
    other[50_000] += 10**6
    got = downsampling.visible(t, other, t[0], t[-1], 400)
    assert len(calls) == 1 and got[1].max() == other.max()


def test_importing_older_readings_unsettles_what_they_change(tmp_path):
    from photofinish.core.jobs.analysis import analyse_store, refresh_derived
    from photofinish.core.jobs.imports import import_file

    store = make_store(3000, seed=6)
    refresh_derived(store)
    early = int(store.series("a").at_ms[200])
    csv = tmp_path / "late.csv"
    when = datetime.fromtimestamp((early + 5) / 1000, tz=UTC).isoformat(timespec="milliseconds")
    csv.write_text(f"timestamp,competitor,count\n{when},a,1\n", encoding="utf-8")
    report = import_file(store, csv)
    assert report.imported == 1
    settled = store.settled(fingerprint(store.race(), store.competitors()))
    assert settled is not None and settled.until_ms >= early  # stored again after the import
    quick, full = analyse_store(store), analysed(store)
    assert_same_analysis(quick, full)
    assert any(g.at_ms == early + 5 for g in full.glitches)


def test_growing_series_reuse_their_buffer_without_touching_older_views():
    from photofinish.core.series import _grown

    first = _grown(np.arange(3, dtype=np.int64), np.array([3, 4], dtype=np.int64))
    second = _grown(first, np.array([5], dtype=np.int64))
    assert second.tolist() == [0, 1, 2, 3, 4, 5] and first.tolist() == [0, 1, 2, 3, 4]
    assert np.shares_memory(first, second)  # no copy for a batch that fits
    # An older view grown again must not overwrite what the newer one shows.
    other = _grown(first, np.array([99], dtype=np.int64))
    assert other.tolist() == [0, 1, 2, 3, 4, 99] and second.tolist() == [0, 1, 2, 3, 4, 5]
    assert not np.shares_memory(other, second)
    # A count too big for 32 bits widens the column.
    wide = _grown(np.array([1], dtype=np.int32), np.array([2**40], dtype=np.int64))
    assert wide.dtype == np.int64 and wide.tolist() == [1, 2**40]


def test_the_coarse_level_serves_any_stretch_from_the_start_and_grows_with_the_series():
    rng = np.random.default_rng(3)
    n = downsampling.LEVEL_MIN * 2 + 37
    buf_t = START + np.arange(n + 1000, dtype=np.int64) * 1000
    buf_c = np.cumsum(rng.integers(0, 3, n + 1000)).astype(np.int64)
    buf_c[n - 5] += 50_000  # a spike in the last, partial bucket of the first view
    view = (buf_t[:n], buf_c[:n])
    lo, hi = int(buf_t[0]), int(buf_t[n - 1])
    got = downsampling.visible(*view, lo, hi, 300)
    # The same as a level built afresh for a copy (another buffer, another level).
    fresh = downsampling.visible(view[0].copy(), view[1].copy(), lo, hi, 300)
    assert np.array_equal(got[0], fresh[0]) and np.array_equal(got[1], fresh[1])
    assert got[1].max() == view[1].max()  # the spike in the tail is kept
    # A longer view of the same buffer (a series grown at its end) adds to the level.
    longer = (buf_t[: n + 1000], buf_c[: n + 1000])
    grown = downsampling.visible(*longer, lo, int(buf_t[-1]), 300)
    again = downsampling.visible(longer[0].copy(), longer[1].copy(), lo, int(buf_t[-1]), 300)
    assert np.array_equal(grown[0], again[0])
    # A shorter one (an earlier moment of a replay) takes the part before it.
    short = downsampling.visible(buf_t[: n // 2], buf_c[: n // 2], lo, int(buf_t[n // 2]), 300)
    alone = downsampling.visible(
        buf_t[: n // 2].copy(), buf_c[: n // 2].copy(), lo, int(buf_t[n // 2]), 300
    )
    assert np.array_equal(short[0], alone[0]) and np.array_equal(short[1], alone[1])
