"""Race > Enter a Reading…: a count typed by hand, now or at a time in the race's zone."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import QDate, Qt, QTime
from PySide6.QtWidgets import QLabel

from photofinish.core.model import Competitor
from photofinish.ui.dialogs.reading import CountError, ReadingDialog, parse_count

PARIS = ZoneInfo("Europe/Paris")
# 2009-04-17 06:00:00 UTC, the morning Ashton Kutcher crossed a million.
NOW_MS = int(datetime(2009, 4, 17, 6, 0, tzinfo=UTC).timestamp() * 1000)


@pytest.fixture
def competitors() -> list[Competitor]:
    return [
        Competitor("cnnbrk", "CNN Breaking News", "#2e86de", 1, 12),
        Competitor("aplusk", "Ashton Kutcher", "#e4572e", 0, 11),
    ]


def _dialog(qtbot, competitors, zone=PARIS, **kwargs) -> ReadingDialog:
    dlg = ReadingDialog(competitors, zone, **kwargs)
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.waitExposed(dlg)
    return dlg


def _utc_ms(*args: int) -> int:
    return int(datetime(*args, tzinfo=UTC).timestamp() * 1000)


# -- counts -------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "1000000",
        "1,000,000",
        "1 000 000",
        "1\u202f000\u202f000",
        "1\u00a0000\u00a0000",
        "1.000.000",
        "1_000_000",
        "1'000'000",
        " +1,000,000 ",
    ],
)
def test_counts_with_separators(text):
    assert parse_count(text) == 1_000_000


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Enter the count"),
        ("   ", "Enter the count"),
        ("-5", "A count cannot be negative"),
        ("−5", "A count cannot be negative"),
        ("1.5", "A count is a whole number"),
        ("1e6", "“1e6” is not a count"),
        ("abc", "“abc” is not a count"),
        ("١٢٣", "“١٢٣” is not a count"),
        ("9" * 20, "That count is too large"),
    ],
)
def test_counts_that_are_refused(text, message):
    with pytest.raises(CountError) as caught:
        parse_count(text)
    assert str(caught.value).startswith(message)


# -- the dialog ---------------------------------------------------------------


def test_starts_with_now_the_preselected_competitor_and_ok_disabled(qtbot, competitors):
    dlg = _dialog(qtbot, competitors, handle="cnnbrk", now_ms=NOW_MS)
    assert dlg.windowTitle() == "Enter a Reading"
    assert dlg.handle() == "cnnbrk"
    assert dlg.competitor_combo.itemText(0) == "Ashton Kutcher (@aplusk)"  # race order
    assert dlg.now_radio.isChecked()
    assert not dlg.when.isEnabled()
    assert not dlg.ok_button.isEnabled()
    assert dlg.problem() == "Enter the count"
    assert not dlg.problem_label.isVisible()  # nothing typed yet: no scolding
    assert dlg.zone_label.text() == "Europe/Paris"
    assert dlg.when.displayFormat() == "yyyy-MM-dd HH:mm:ss"
    assert dlg.when.text() == "2009-04-17 08:00:00"


def test_without_a_handle_the_first_competitor_is_chosen(qtbot, competitors):
    assert _dialog(qtbot, competitors).handle() == "aplusk"
    assert _dialog(qtbot, competitors, handle="nobody").handle() == "aplusk"


def test_typing_a_count_validates_inline(qtbot, competitors):
    dlg = _dialog(qtbot, competitors, now_ms=NOW_MS)
    qtbot.keyClicks(dlg.count_edit, "-12")
    assert dlg.problem_label.text() == "A count cannot be negative"
    assert dlg.problem_label.isVisible()
    assert not dlg.ok_button.isEnabled()
    dlg.count_edit.clear()
    qtbot.keyClicks(dlg.count_edit, "lots")
    assert dlg.problem_label.text() == "“lots” is not a count: type digits, e.g. 1,000,000"
    assert not dlg.ok_button.isEnabled()
    dlg.count_edit.clear()
    assert not dlg.problem_label.isVisible()
    qtbot.keyClicks(dlg.count_edit, "999 950")
    assert dlg.ok_button.isEnabled()
    assert not dlg.problem_label.isVisible()
    assert dlg.count() == 999_950
    assert dlg.count_preview.text().replace("\u00a0", " ").startswith("= 999")


def test_now_is_the_moment_ok_is_pressed(qtbot, competitors):
    dlg = _dialog(qtbot, competitors, handle="aplusk", now_ms=NOW_MS)
    qtbot.keyClicks(dlg.count_edit, "1,000,000")
    dlg.clock = lambda: NOW_MS + 5_000  # time passes while the dialog is open
    qtbot.mouseClick(dlg.ok_button, Qt.MouseButton.LeftButton)
    assert dlg.result() == dlg.DialogCode.Accepted
    dlg.clock = lambda: NOW_MS + 60_000
    assert dlg.reading() == ("aplusk", NOW_MS + 5_000, 1_000_000)


def test_a_time_in_the_zone_becomes_utc(qtbot, competitors):
    dlg = _dialog(qtbot, competitors, handle="cnnbrk", now_ms=NOW_MS + 3_600_000)
    qtbot.keyClicks(dlg.count_edit, "998 000")
    dlg.set_local_time(QDate(2009, 4, 17), QTime(8, 0, 7))
    assert dlg.when.isEnabled()
    assert dlg.ok_button.isEnabled(), dlg.problem()
    dlg.accept()
    # Paris is on summer time (UTC+2) in April: 08:00:07 there is 06:00:07 UTC.
    assert dlg.reading() == ("cnnbrk", _utc_ms(2009, 4, 17, 6, 0, 7), 998_000)


def test_typing_the_time_into_the_editor(qtbot, competitors):
    zone = ZoneInfo("America/Los_Angeles")
    dlg = _dialog(qtbot, competitors, zone=zone, now_ms=NOW_MS)
    assert dlg.zone_label.text() == "America/Los_Angeles"
    qtbot.mouseClick(dlg.at_radio, Qt.MouseButton.LeftButton)
    assert dlg.at_radio.isChecked() and dlg.when.isEnabled()
    dlg.when.setFocus()
    dlg.when.setSelectedSection(dlg.when.Section.YearSection)
    qtbot.keyClicks(dlg.when, "2009")
    dlg.when.setSelectedSection(dlg.when.Section.HourSection)
    qtbot.keyClicks(dlg.when, "21")
    dlg.when.setSelectedSection(dlg.when.Section.MinuteSection)
    qtbot.keyClicks(dlg.when, "30")
    dlg.when.setSelectedSection(dlg.when.Section.SecondSection)
    qtbot.keyClicks(dlg.when, "15")
    assert dlg.when.text() == "2009-04-16 21:30:15"
    qtbot.keyClicks(dlg.count_edit, "1")
    # Los Angeles on PDT (UTC-7): 21:30:15 on the 16th is 04:30:15 UTC on the 17th.
    assert dlg.reading() == ("aplusk", _utc_ms(2009, 4, 17, 4, 30, 15), 1)


def test_winter_time_in_paris(qtbot, competitors):
    dlg = _dialog(qtbot, competitors, now_ms=_utc_ms(2010, 1, 1))
    dlg.set_local_time(QDate(2009, 12, 24), QTime(8, 0))
    qtbot.keyClicks(dlg.count_edit, "5")
    assert dlg.at_ms() == _utc_ms(2009, 12, 24, 7, 0)


def test_a_time_in_the_future_is_refused(qtbot, competitors):
    dlg = _dialog(qtbot, competitors, now_ms=NOW_MS)
    qtbot.keyClicks(dlg.count_edit, "42")
    # NOW_MS is 08:00:00 in Paris.
    dlg.set_local_time(QDate(2009, 4, 17), QTime(8, 5))
    assert dlg.problem_label.text() == (
        "That time is 5 min in the future; a reading is a count already seen"
    )
    assert not dlg.ok_button.isEnabled()
    dlg.accept()
    assert dlg.result() != dlg.DialogCode.Accepted
    dlg.set_local_time(QDate(2009, 4, 17), QTime(8, 0, 59))  # within a minute: fine
    assert dlg.ok_button.isEnabled()
    dlg.set_local_time(QDate(2009, 4, 17), QTime(8, 1, 1))
    assert not dlg.ok_button.isEnabled()
    # Back to Now: the time no longer matters.
    qtbot.mouseClick(dlg.now_radio, Qt.MouseButton.LeftButton)
    assert dlg.ok_button.isEnabled()
    assert not dlg.when.isEnabled()
    assert dlg.reading() == ("aplusk", NOW_MS, 42)


def test_markup_in_names_is_literal(qtbot):
    hostile = [Competitor("x", "<b>x</b>", "#123456", 0, 1)]
    dlg = _dialog(qtbot, hostile, now_ms=NOW_MS)
    assert dlg.competitor_combo.currentText() == "<b>x</b> (@x)"
    qtbot.keyClicks(dlg.count_edit, "<b>1</b>")
    assert dlg.problem_label.text() == "“<b>1</b>” is not a count: type digits, e.g. 1,000,000"
    for label in dlg.findChildren(QLabel):
        if label.pixmap() is not None and not label.pixmap().isNull():
            continue
        assert label.textFormat() == Qt.TextFormat.PlainText, label.text()


def test_no_competitors_means_no_reading(qtbot):
    dlg = _dialog(qtbot, [], now_ms=NOW_MS)
    qtbot.keyClicks(dlg.count_edit, "1")
    assert dlg.problem() == "The race has no competitors"
    assert not dlg.ok_button.isEnabled()
    with pytest.raises(ValueError):
        dlg.reading()


def test_controls_have_tooltips_and_it_renders(qtbot, competitors, tmp_path):
    dlg = _dialog(qtbot, competitors, now_ms=NOW_MS)
    for control in (dlg.competitor_combo, dlg.count_edit, dlg.now_radio, dlg.at_radio, dlg.when):
        assert control.toolTip(), control.objectName()
    assert dlg.grab().save(str(tmp_path / "reading.png"))
