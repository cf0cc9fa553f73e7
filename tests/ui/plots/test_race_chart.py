"""The race chart on its own: following the live edge, ranges, keys, the readout, log scale."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent

from photofinish.core.model import Competitor, Race, Snapshot
from photofinish.core.store import Store
from photofinish.session import Session
from photofinish.ui.plots.race_chart import DEFAULT_SPAN_MS, RaceChart, marker_tip

CROSS_MS = 1239948780000  # 2009-04-17 06:13 UTC
T0 = 1_700_000_000_000
MIN = 60_000


@pytest.fixture
def small(qtbot):
    """A chart on a race of two hours of readings, a minute apart."""
    store = Store.create(
        None, Race("Small", 1_000), [Competitor("a", "Alice", ""), Competitor("b", "Bob", "")]
    )
    store.append(
        [
            Snapshot(T0 + i * MIN, h, 500 + i * (3 if h == "a" else 2))
            for i in range(120)
            for h in "ab"
        ]
    )
    session = Session(store)
    chart = RaceChart(session)
    qtbot.addWidget(chart)
    chart.resize(900, 500)
    chart.show()
    qtbot.waitExposed(chart)
    yield chart
    store.close()


def view_ms(chart: RaceChart) -> tuple[float, float]:
    (x0, x1), _ = chart.getViewBox().viewRange()
    return x0 * 1000, x1 * 1000


def key(chart: RaceChart, which: Qt.Key, mods=Qt.KeyboardModifier.NoModifier) -> bool:
    return chart.handle_key(QKeyEvent(QEvent.Type.KeyPress, which, mods))


def test_it_follows_the_newest_readings_until_moved_away(small):
    chart, session = small, small.session
    assert chart.following
    x0, x1 = view_ms(chart)
    # Two hours of race, less than the span followed: all of it, and a little room ahead.
    assert x0 == pytest.approx(T0, abs=1) and T0 + 119 * MIN < x1 < T0 + 125 * MIN
    later = T0 + 60 * 60 * MIN  # ten hours on: more than the span followed
    session.append([Snapshot(later, "a", 900), Snapshot(later, "b", 800)])
    session.flush()
    x0, x1 = view_ms(chart)
    assert x1 >= later and x1 - x0 == pytest.approx(DEFAULT_SPAN_MS * 1.04, rel=0.01)
    chart.show_range(T0, T0 + 30 * MIN)
    assert not chart.following
    session.append([Snapshot(later + MIN, "a", 901)])
    session.flush()
    assert view_ms(chart) == pytest.approx((T0, T0 + 30 * MIN), abs=1)  # left where it was
    chart.back_to_live()
    assert chart.following and view_ms(chart)[1] >= later + MIN


def test_following_moves_the_view_only_once_the_edge_has_moved_a_pixel(small, monkeypatch):
    chart, session = small, small.session
    session.append([Snapshot(T0 + 200 * MIN, h, 900 if h == "a" else 700) for h in "ab"])
    session.flush()
    (x0, x1), (y0, y1) = chart.getViewBox().viewRange()
    pixel_ms = (x1 - x0) * 1000 / chart.getViewBox().width()
    ranges = []
    monkeypatch.setattr(chart, "setYRange", lambda *a, **k: ranges.append(a))
    # Less than a pixel later, and inside the counts shown: the view stays, the curve grows.
    at = T0 + 200 * MIN + int(pixel_ms / 3)
    session.append([Snapshot(at, "a", 901)])
    session.flush()
    assert chart.getViewBox().viewRange()[0] == pytest.approx([x0, x1], abs=1e-3)
    assert not ranges
    assert round(chart.curves["a"].xData[-1] * 1000) == at
    # Past a pixel: it moves with the edge.
    at += int(2 * pixel_ms)
    session.append([Snapshot(at, "a", 902)])
    session.flush()
    # (the race is shorter than the span followed: the view is all of it, and 4% more)
    edge = chart.getViewBox().viewRange()[0][1] * 1000
    assert edge == pytest.approx(at + 0.04 * (at - T0), abs=1)
    # Counts climbing past those shown: they are fitted again.
    top = chart.getViewBox().viewRange()[1][1]
    climb = [Snapshot(at + i * 1000, "a", 902 + 10 * i) for i in range(1, 40)]
    session.append(climb)
    session.flush()
    assert 902 + 10 * 38 > top and ranges and ranges[-1][1] > 902 + 10 * 38


def test_the_whole_race_and_the_keys(small):
    chart = small
    chart.fit_all()
    x0, x1 = view_ms(chart)
    assert x0 <= T0 and x1 >= T0 + 119 * MIN and not chart.following
    chart.show_range(T0 + 30 * MIN, T0 + 90 * MIN)
    assert key(chart, Qt.Key.Key_Left)
    assert view_ms(chart) == pytest.approx((T0 + 24 * MIN, T0 + 84 * MIN), abs=1000)
    assert key(chart, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)
    assert view_ms(chart) == pytest.approx((T0 + 54 * MIN, T0 + 114 * MIN), abs=1000)
    assert key(chart, Qt.Key.Key_Plus)
    x0, x1 = view_ms(chart)
    assert x1 - x0 == pytest.approx(40 * MIN, rel=0.01)
    assert key(chart, Qt.Key.Key_End) and chart.following
    assert not key(chart, Qt.Key.Key_A)  # not one of the chart's keys


def test_each_curve_is_handed_only_what_the_view_needs(small):
    chart = small
    chart.show_range(T0 + 10 * MIN, T0 + 20 * MIN)
    x, _ = chart.curves["a"].getData()
    # The readings in view and one on each side, so the line runs to the edges.
    assert len(x) == 13 and x[0] * 1000 == T0 + 9 * MIN and x[-1] * 1000 == T0 + 21 * MIN


def test_marker_tips_are_plain_text():
    assert "&lt;b&gt;bold&lt;/b&gt;" in marker_tip(0, 0, ("key", "<b>bold</b>"))
    assert marker_tip(0, 0, None) == ""


def test_crosshair_reads_exact_counts(window):
    window.chart.show_readout(CROSS_MS)
    text = window.chart.readout_text()
    assert "Ashton Kutcher: 1,000,000" in text
    assert "CNN Breaking News: 998,239" in text
    assert "Lead: Ashton Kutcher by 1,761" in text
    assert "PDT" in text


def test_log_scale_toggle(window):
    window.log_action.setChecked(True)
    assert window.chart.log_y and window.log_check.isChecked()
    y0, y1 = window.chart.getViewBox().viewRange()[1]
    assert 5.5 < y0 < y1 < 6.5  # log10 of about a million
    window.log_check.setChecked(False)
    assert not window.chart.log_y
