"""Times for people: relative in the log, exact on hover and in copies, the zone always named."""

from __future__ import annotations

import csv
import re
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication

from photofinish.ui import fmt
from photofinish.ui.widgets.event_log.model import EXACT_TIME_ROLE, TIME_REFRESH_MS

LA = ZoneInfo("America/Los_Angeles")
CROSS_MS = 1239948780000  # Thu 16 Apr 2009 23:13 PDT: Kutcher reaches a million
BEFORE_MS = 1239940000000  # Thu 16 Apr 2009 20:46 PDT, before the finish
MIN, HOUR, DAY = 60_000, 3_600_000, 86_400_000
EXACT_CROSS = "Thu 16 Apr 2009 23:13:00 PDT (America/Los_Angeles)"


@pytest.mark.parametrize(
    ("after_ms", "text"),
    [
        (0, "just now"),
        (59_999, "just now"),
        (-30_000, "just now"),
        (MIN, "1 min ago"),
        (59 * MIN + 59_000, "59 min ago"),
        (HOUR, "1 h ago"),
        (23 * HOUR, "23 h ago"),
        (24 * HOUR, "yesterday"),  # Thu 23:13 -> Fri 23:13
        (2 * DAY, "2 days ago"),
        (6 * DAY, "6 days ago"),
        (8 * DAY, "16 Apr"),
        (300 * DAY, "16 Apr 2009"),
        (-5 * MIN, "in 5 min"),
        (-3 * HOUR, "in 3 h"),
        (-24 * HOUR, "tomorrow"),
    ],
)
def test_relative_times_are_short(after_ms, text):
    assert fmt.relative(CROSS_MS, CROSS_MS + after_ms, LA) == text


def test_days_are_counted_on_the_zones_calendar():
    # 23:13 on Thursday to 00:30 on Saturday is 25 hours, but two days on the calendar.
    assert fmt.relative(CROSS_MS, CROSS_MS + 25 * HOUR + 17 * MIN, LA) == "2 days ago"
    # In UTC the same moments are Friday 06:13 and Saturday 07:30: yesterday.
    assert fmt.relative(CROSS_MS, CROSS_MS + 25 * HOUR + 17 * MIN, ZoneInfo("UTC")) == "yesterday"


def test_exact_times_name_date_time_abbreviation_and_zone():
    assert fmt.exact(CROSS_MS, LA) == EXACT_CROSS
    assert fmt.exact(CROSS_MS, ZoneInfo("UTC")) == "Fri 17 Apr 2009 06:13:00 UTC"
    assert fmt.exact(1233000000000, LA).endswith("PST (America/Los_Angeles)")  # January
    assert fmt.zone_caption(CROSS_MS, LA) == "America/Los_Angeles (PDT)"


# -- the log --------------------------------------------------------------------------------


def cross_index(window, column: int = 0):
    model = window.log_panel.model
    return model.index(model.row_of("crossed:aplusk"), column)


def test_log_times_count_back_from_the_replays_moment(window):
    session = window.session
    index = cross_index(window)
    session.set_as_of(CROSS_MS + 30_000)
    assert index.data() == "just now"
    session.set_as_of(CROSS_MS + 5 * MIN)
    assert cross_index(window).data() == "5 min ago"
    session.set_as_of(CROSS_MS + 3 * HOUR + MIN)
    assert cross_index(window).data() == "3 h ago"
    tip = cross_index(window, 2).data(Qt.ItemDataRole.ToolTipRole)
    # The time is kept on one line (unbroken spaces); the text follows.
    unbroken = EXACT_CROSS.replace(" ", "\u00a0").replace("/", "/\u2060")
    assert unbroken in tip and "1,000,000" in tip
    assert cross_index(window).data(Qt.ItemDataRole.ToolTipRole) == tip
    assert cross_index(window).data(EXACT_TIME_ROLE) == EXACT_CROSS
    spoken = cross_index(window).data(Qt.ItemDataRole.AccessibleTextRole)
    assert spoken == f"3 h ago, {EXACT_CROSS}"


def test_when_live_log_times_count_back_from_the_clock(window):
    log = window.log_panel
    assert window.session.as_of_ms is None
    log.model.clock = lambda: CROSS_MS + 2 * HOUR + 5 * MIN
    log.refresh_times()
    assert cross_index(window).data() == "2 h ago"
    log.model.clock = lambda: CROSS_MS + 20 * DAY
    log.refresh_times()
    assert cross_index(window).data() == "16 Apr"
    # The clock moves the times on by itself, a few times a minute.
    assert log.clock_timer.isActive() and log.clock_timer.interval() == TIME_REFRESH_MS


def test_moving_the_moment_redraws_only_the_visible_rows(qtbot, window):
    log = window.log_panel
    window.session.set_as_of(CROSS_MS + HOUR)
    qtbot.waitUntil(log.at_bottom)
    changed: list[tuple[int, int, int]] = []
    log.model.dataChanged.connect(
        lambda first, last, roles: changed.append((first.row(), last.row(), last.column()))
    )
    window.session.set_as_of(CROSS_MS + 2 * HOUR)
    rows = {r for first, last, _ in changed for r in range(first, last + 1)}
    visible = set(log.visible_rows())
    assert rows and rows == visible
    assert len(rows) < log.model.rowCount()  # not every entry of the race
    assert all(column == 0 for _, _, column in changed)  # only the time column


def test_the_log_header_names_the_zone(window):
    model = window.log_panel.model
    assert model.headerData(0, Qt.Orientation.Horizontal) == "Time (PDT)"
    tip = model.headerData(0, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole)
    assert "America/Los_Angeles" in tip
    window.session.set_as_of(1233000000000)  # January: winter time
    assert model.headerData(0, Qt.Orientation.Horizontal) == "Time (PST)"
    header = window.log_panel.view.horizontalHeader()
    assert header.sectionSize(0) >= header.fontMetrics().horizontalAdvance("Time (PST)")


def test_the_time_column_fits_every_relative_time(window):
    view = window.log_panel.view
    width = view.horizontalHeader().sectionSize(0)
    for text in ("59 min ago", "6 days ago", "30 Sep 2009", "yesterday"):
        assert view.fontMetrics().horizontalAdvance(text) + 8 <= width, text


def test_copies_and_exports_keep_exact_times(qtbot, window, tmp_path):
    log = window.log_panel
    index = log.proxy.mapFromSource(cross_index(window))
    log.view.setCurrentIndex(index)  # the time cell, which shows "… ago"
    QGuiApplication.clipboard().clear()
    qtbot.keyClick(log.view, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    copied = QGuiApplication.clipboard().text()
    assert copied.startswith(EXACT_CROSS + "\tMilestone\t")
    assert "ago" not in copied and "1,000,000" in copied
    event = log.event_at_view_row(index.row())
    menu = log.context_menu_for(event)
    actions = {a.objectName(): a for a in menu.actions() if a.objectName()}
    QGuiApplication.clipboard().clear()
    actions["copyEntry"].trigger()
    assert QGuiApplication.clipboard().text() == copied
    actions["copyText"].trigger()
    assert QGuiApplication.clipboard().text() == event.text
    target = tmp_path / "log.csv"
    assert window.exports.export_log(target, "csv")
    with target.open(encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    crossed = next(r for r in rows if r[5] == event.text)
    assert "2009-04-16" in crossed[0] and "23:13" in crossed[0]
    assert not any("ago" in cell for row in rows for cell in row[:2])


# -- the zone, wherever times are shown ----------------------------------------------------------


def test_the_zone_is_named_wherever_times_are_shown(qtbot, window):
    from photofinish.ui.dialogs.reading import ReadingDialog

    session = window.session
    session.set_as_of(BEFORE_MS)
    assert "America/Los_Angeles (PDT)" in window.zone_label.text()
    # The chart and gap plot's time axes say it on hover.
    for axis in (window.chart.axis, window.gap.axis):
        assert "America/Los_Angeles (PDT)" in axis.toolTip()
    # The replay bar's times carry the abbreviation, and their tooltips the full zone.
    bar = window.replay_bar
    for label in (bar.start_label, bar.end_label, bar.now_label):
        assert label.text().endswith(" PDT")
        assert "America/Los_Angeles" in label.toolTip()
    # The scoreboard's ETAs (as shown and as read out).
    card = window.scoreboard.cards[0]
    assert card.eta.text() == "ETA Thu 23:19 PDT"
    assert card.accessibleName().endswith("ETA Thu 23:19 PDT")
    # The note and reading dialogs name the zone beside the time.
    note = window.edits.add_note()
    assert "America/Los_Angeles" in note.when.toolTip()
    reading = ReadingDialog(session.competitors, session.zone, parent=window)
    qtbot.addWidget(reading)
    assert reading.zone_label.text() == "America/Los_Angeles"
    note.reject()
    # The status bar shows no time of day, so it has no zone to name.
    assert not re.search(r"\d:\d\d", window.status_left.text())
