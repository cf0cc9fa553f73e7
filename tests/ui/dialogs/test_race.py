"""The New Race / Edit Race dialog, driven by typing into its widgets."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QByteArray, QPoint, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QColorDialog, QDialog, QLineEdit, QWidget

from photofinish.core.model import DEFAULT_STALE_AFTER_S, Competitor, Race
from photofinish.ui import fmt
from photofinish.ui.dialogs import zones
from photofinish.ui.dialogs.race import PALETTE, RaceDialog

# Typing a zone opens the completer's popup, which the offscreen platform cannot
# give the keyboard to; it says so in a warning that is harmless here.
popup_opens = pytest.mark.qt_log_ignore("This plugin does not support grabbing the keyboard")


def _dialog(qtbot, **kwargs) -> RaceDialog:
    dlg = RaceDialog(**kwargs)
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.waitExposed(dlg)
    return dlg


@pytest.fixture
def new_dialog(qtbot) -> RaceDialog:
    return _dialog(qtbot)


@pytest.fixture
def edit_dialog(qtbot) -> RaceDialog:
    race = Race("Race to a million", 1_000_000, "Twitter", "America/New_York", 1234)
    competitors = [
        Competitor("cnnbrk", "CNN Breaking News", "#2e86de", 1, 12),
        Competitor("aplusk", "Ashton Kutcher", "#e4572e", 0, 11),
        Competitor("britneyspears", "Britney Spears", "#8e8e8e", 2, 13),
    ]
    return _dialog(qtbot, race=race, competitors=competitors)


def _type(qtbot, widget: QLineEdit, text: str) -> None:
    widget.clear()
    qtbot.keyClicks(widget, text)


def _fill_valid(qtbot, dlg: RaceDialog, first: str = "@aplusk", second: str = "cnnbrk") -> None:
    _type(qtbot, dlg.title_edit, "Race to a million")
    _type(qtbot, dlg._rows[0].handle, first)
    _type(qtbot, dlg._rows[1].handle, second)


def _zone_edit(dlg: RaceDialog) -> QLineEdit:
    edit = dlg.zone_combo.lineEdit()
    assert edit is not None
    return edit


# -- new mode -----------------------------------------------------------------


def test_new_mode_starts_with_two_empty_rows_and_is_invalid(new_dialog):
    dlg = new_dialog
    assert dlg.windowTitle() == "New Race"
    assert not dlg.is_editing()
    assert dlg.ok_button.text() == "Create…"
    assert not dlg.ok_button.isEnabled()
    assert dlg.problem_label.text() == "Give the race a title"
    assert dlg.table.rowCount() == 2
    assert [r.handle.text() for r in dlg._rows] == ["", ""]
    assert [c.colour for c in dlg.competitors()] == ["#d55e00", "#0072b2"]
    assert dlg.milestone_spin.value() == 1_000_000
    assert dlg.milestone_spin.minimum() == 1
    assert dlg.milestone_spin.maximum() == 2_147_483_647
    separator = fmt.locale().groupSeparator()
    assert dlg.milestone_spin.text() == f"1{separator}000{separator}000"
    assert dlg.add_button.isVisible()
    assert not dlg.remove_button.isEnabled()
    assert "head to head" in dlg.hint_label.text()
    assert dlg.minimumWidth() >= 560


def test_palette_is_okabe_ito_in_order():
    assert [c.upper() for c in PALETTE] == [
        "#D55E00",
        "#0072B2",
        "#009E73",
        "#CC79A7",
        "#E69F00",
        "#56B4E9",
    ]


@popup_opens
def test_filled_dialog_gives_race_and_competitors(qtbot, new_dialog):
    dlg = new_dialog
    _fill_valid(qtbot, dlg, first=" @aplusk ", second="cnnbrk")
    _type(qtbot, dlg._rows[1].name, "CNN Breaking News")
    dlg.milestone_spin.lineEdit().selectAll()
    qtbot.keyClicks(dlg.milestone_spin, "250000")
    dlg.platform_combo.setCurrentText("")
    qtbot.keyClicks(dlg.platform_combo, "Threads")
    _type(qtbot, _zone_edit(dlg), "Europe/Paris")
    assert dlg.is_valid(), dlg.problem()
    assert dlg.ok_button.isEnabled()
    assert dlg.problem_label.text() == ""
    assert dlg.race() == Race(
        "Race to a million", 250_000, "Threads", "Europe/Paris", DEFAULT_STALE_AFTER_S
    )
    assert dlg.competitors() == [
        Competitor("aplusk", "aplusk", "#d55e00", 0, None),
        Competitor("cnnbrk", "CNN Breaking News", "#0072b2", 1, None),
    ]


def test_platform_offers_the_known_platforms(new_dialog):
    items = [
        new_dialog.platform_combo.itemText(i) for i in range(new_dialog.platform_combo.count())
    ]
    assert items == ["Bluesky", "Mastodon", "GitHub", "YouTube", "Twitter", "Other"]
    assert new_dialog.platform_combo.isEditable()
    new_dialog.platform_combo.setCurrentIndex(0)
    assert new_dialog.race().platform == "Bluesky"


def test_ok_accepts_only_when_valid(qtbot, new_dialog):
    dlg = new_dialog
    dlg.accept()
    assert dlg.result() != QDialog.DialogCode.Accepted
    assert dlg.isVisible()
    _fill_valid(qtbot, dlg)
    qtbot.mouseClick(dlg.ok_button, Qt.MouseButton.LeftButton)
    assert dlg.result() == QDialog.DialogCode.Accepted


def test_validity_changed_signal(qtbot, new_dialog):
    dlg = new_dialog
    _type(qtbot, dlg.title_edit, "Race")
    _type(qtbot, dlg._rows[0].handle, "a")
    with qtbot.waitSignal(dlg.validity_changed, timeout=1000) as blocker:
        qtbot.keyClicks(dlg._rows[1].handle, "b")
    assert blocker.args == [True]
    with qtbot.waitSignal(dlg.validity_changed, timeout=1000) as blocker:
        dlg.title_edit.clear()
    assert blocker.args == [False]


# -- validation rules ---------------------------------------------------------


def _assert_invalid(dlg: RaceDialog, reason: str) -> None:
    assert not dlg.is_valid()
    assert not dlg.ok_button.isEnabled()
    assert dlg.problem() == reason
    assert dlg.problem_label.text() == reason


def test_title_must_not_be_blank(qtbot, new_dialog):
    dlg = new_dialog
    _fill_valid(qtbot, dlg)
    _type(qtbot, dlg.title_edit, "   ")
    _assert_invalid(dlg, "Give the race a title")
    qtbot.keyClicks(dlg.title_edit, "x")
    assert dlg.ok_button.isEnabled()
    assert dlg.race().title == "x"


@pytest.mark.parametrize("text", ["", "   ", "@", " @ "])
def test_every_competitor_needs_a_handle(qtbot, new_dialog, text):
    dlg = new_dialog
    _fill_valid(qtbot, dlg)
    _type(qtbot, dlg._rows[1].handle, text)
    _assert_invalid(dlg, "Competitor 2 needs a handle")
    _type(qtbot, dlg._rows[0].handle, "")
    _assert_invalid(dlg, "Competitor 1 needs a handle")


def test_only_one_leading_at_sign_is_dropped(qtbot, new_dialog):
    dlg = new_dialog
    _fill_valid(qtbot, dlg, first="@alice@mastodon.social", second="@@bob")
    assert dlg.is_valid(), dlg.problem()
    assert [c.handle for c in dlg.competitors()] == ["alice@mastodon.social", "@bob"]


def test_handles_must_be_unique_ignoring_case(qtbot, new_dialog):
    dlg = new_dialog
    _fill_valid(qtbot, dlg, first="@CNN", second="cnn")
    _assert_invalid(dlg, "Two competitors share the handle “cnn”")
    _type(qtbot, dlg._rows[1].handle, "cnnbrk")
    assert dlg.is_valid()


@popup_opens
def test_unknown_zone_makes_the_dialog_invalid(qtbot, new_dialog):
    dlg = new_dialog
    _fill_valid(qtbot, dlg)
    _type(qtbot, _zone_edit(dlg), "Mars/Olympus_Mons")
    _assert_invalid(dlg, "“Mars/Olympus_Mons” is not a time zone; pick one from the list")
    _type(qtbot, _zone_edit(dlg), "")
    _assert_invalid(dlg, "Choose a display time zone")
    _type(qtbot, _zone_edit(dlg), "europe/paris")
    assert dlg.is_valid()
    assert dlg.race().display_tz == "Europe/Paris"


def test_title_problem_is_reported_before_handle_problems(new_dialog):
    assert new_dialog.problem() == "Give the race a title"


# -- time zones ---------------------------------------------------------------


def test_zone_list_holds_every_zone_sorted(new_dialog):
    combo = new_dialog.zone_combo
    names = [combo.itemText(i) for i in range(combo.count())]
    assert names == sorted(names)
    assert {"UTC", "Europe/Paris", "America/New_York", "Asia/Kolkata"} <= set(names)
    assert "localtime" not in names


@popup_opens
def test_typing_paris_finds_europe_paris(qtbot, new_dialog):
    dlg = new_dialog
    edit = _zone_edit(dlg)
    edit.setFocus()
    _type(qtbot, edit, "paris")
    completer = dlg.zone_combo.completer()
    assert completer.completionPrefix() == "paris"
    model = completer.completionModel()
    found = [model.index(i, 0).data() for i in range(model.rowCount())]
    assert found == ["Europe/Paris"]
    assert completer.popup().isVisible()


def test_default_zone_is_the_system_zone(monkeypatch, qtbot):
    class FakeTimeZone:
        zone = b"Europe/Paris"

        @classmethod
        def systemTimeZoneId(cls):  # noqa: N802 (Qt name)
            return QByteArray(cls.zone)

    monkeypatch.setattr(zones, "QTimeZone", FakeTimeZone)
    assert _dialog(qtbot).race().display_tz == "Europe/Paris"
    FakeTimeZone.zone = b"Nowhere/Special"
    dlg = _dialog(qtbot)
    assert dlg.zone_combo.currentText() == "UTC"
    assert dlg.race().display_tz == "UTC"


def test_default_zone_matches_qt(new_dialog):
    system = bytes(zones.QTimeZone.systemTimeZoneId().data()).decode()
    expected = system if system in zones.zone_names() else "UTC"
    assert new_dialog.zone_combo.currentText() == expected


# -- rows ---------------------------------------------------------------------


def test_add_and_remove_rows(qtbot, new_dialog):
    dlg = new_dialog
    qtbot.mouseClick(dlg.add_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(dlg.add_button, Qt.MouseButton.LeftButton)
    assert dlg.table.rowCount() == 4
    assert [c.colour for c in dlg.competitors()] == [QColor(c).name() for c in PALETTE[:4]]
    assert dlg.remove_button.isEnabled()
    assert dlg._rows[3].handle.hasFocus()
    _fill_valid(qtbot, dlg)
    _type(qtbot, dlg._rows[2].handle, "third")
    _type(qtbot, dlg._rows[3].handle, "fourth")
    assert dlg.is_valid()
    # Remove the row whose field has the focus.
    dlg._rows[0].name.setFocus()
    qtbot.waitUntil(lambda: dlg._rows[0].name.hasFocus())
    assert dlg.remove_button.toolTip().startswith("Remove competitor 1 ")
    qtbot.mouseClick(dlg.remove_button, Qt.MouseButton.LeftButton)
    assert [c.handle for c in dlg.competitors()] == ["cnnbrk", "third", "fourth"]
    assert [c.position for c in dlg.competitors()] == [0, 1, 2]
    assert dlg._rows[0].handle.accessibleName() == "Handle of competitor 1"
    assert dlg.findChild(QLineEdit, "handleEdit1") is dlg._rows[0].handle
    # Without a selection Remove takes the last row, then stops at two.
    dlg.table.clearSelection()
    qtbot.mouseClick(dlg.remove_button, Qt.MouseButton.LeftButton)
    assert [c.handle for c in dlg.competitors()] == ["cnnbrk", "third"]
    assert not dlg.remove_button.isEnabled()
    assert dlg.remove_button.toolTip() == "A race needs at least two competitors"
    qtbot.mouseClick(dlg.remove_button, Qt.MouseButton.LeftButton)
    assert dlg.table.rowCount() == 2


def test_a_new_row_gets_a_colour_not_in_use(qtbot, new_dialog):
    dlg = new_dialog
    qtbot.mouseClick(dlg.add_button, Qt.MouseButton.LeftButton)
    dlg.table.selectRow(0)
    qtbot.mouseClick(dlg.remove_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(dlg.add_button, Qt.MouseButton.LeftButton)
    assert [c.colour for c in dlg.competitors()] == ["#0072b2", "#009e73", "#d55e00"]


def test_new_row_is_invalid_until_it_has_a_handle(qtbot, new_dialog):
    dlg = new_dialog
    _fill_valid(qtbot, dlg)
    qtbot.mouseClick(dlg.add_button, Qt.MouseButton.LeftButton)
    _assert_invalid(dlg, "Competitor 3 needs a handle")


def test_empty_display_name_shows_the_handle_as_placeholder(qtbot, new_dialog):
    dlg = new_dialog
    _type(qtbot, dlg._rows[0].handle, "@aplusk")
    assert dlg._rows[0].name.placeholderText() == "aplusk"


# -- colours ------------------------------------------------------------------


def test_choosing_a_colour(monkeypatch, qtbot, new_dialog):
    dlg = new_dialog
    calls = []

    def fake_get_color(initial, parent=None, title="", *args, **kwargs):
        calls.append((QColor(initial).name(), title))
        return QColor("#123456")

    monkeypatch.setattr(QColorDialog, "getColor", staticmethod(fake_get_color))
    _type(qtbot, dlg._rows[1].handle, "cnnbrk")
    button = dlg._rows[1].colour
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert calls == [("#0072b2", "Colour for cnnbrk")]
    assert dlg.competitors()[1].colour == "#123456"
    assert button.text() == "#123456"
    swatch = button.icon().pixmap(button.iconSize()).toImage()
    centre = QPoint(swatch.width() // 2, swatch.height() // 2)
    assert swatch.pixelColor(centre).name() == "#123456"
    # Cancelling the colour dialog keeps the colour.
    monkeypatch.setattr(QColorDialog, "getColor", staticmethod(lambda *a, **k: QColor()))
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert dlg.competitors()[1].colour == "#123456"
    assert dlg.competitors()[0].colour == "#d55e00"


# -- edit mode ----------------------------------------------------------------


def test_edit_mode_is_prefilled(edit_dialog):
    dlg = edit_dialog
    assert dlg.windowTitle() == "Edit Race"
    assert dlg.is_editing()
    assert dlg.ok_button.text() == "Save"
    assert dlg.is_valid(), dlg.problem()
    assert dlg.title_edit.text() == "Race to a million"
    assert dlg.milestone_spin.value() == 1_000_000
    assert dlg.platform_combo.currentText() == "Twitter"
    assert dlg.zone_combo.currentText() == "America/New_York"
    # Rows follow the stored positions.
    assert [r.handle.text() for r in dlg._rows] == ["aplusk", "cnnbrk", "britneyspears"]
    assert [r.name.text() for r in dlg._rows] == [
        "Ashton Kutcher",
        "CNN Breaking News",
        "Britney Spears",
    ]
    assert dlg.race() == Race("Race to a million", 1_000_000, "Twitter", "America/New_York", 1234)


def test_edit_mode_keeps_handles_and_rows(qtbot, edit_dialog):
    dlg = edit_dialog
    assert not dlg.add_button.isVisible()
    assert not dlg.remove_button.isVisible()
    assert not dlg.remove_button.isEnabled()
    for row in dlg._rows:
        assert row.handle.isReadOnly()
    qtbot.keyClicks(dlg._rows[0].handle, "zzz")
    assert dlg._rows[0].handle.text() == "aplusk"
    dlg.add_button.click()
    dlg.remove_button.click()
    assert dlg.table.rowCount() == 3


@popup_opens
def test_edit_mode_changes_names_colours_and_details(monkeypatch, qtbot, edit_dialog):
    dlg = edit_dialog
    monkeypatch.setattr(QColorDialog, "getColor", staticmethod(lambda *a, **k: QColor("#abcdef")))
    _type(qtbot, dlg._rows[1].name, "CNN")
    _type(qtbot, dlg._rows[2].name, "")
    qtbot.mouseClick(dlg._rows[0].colour, Qt.MouseButton.LeftButton)
    _type(qtbot, dlg.title_edit, "The 2009 race")
    dlg.milestone_spin.setValue(2_000_000)
    _type(qtbot, _zone_edit(dlg), "Europe/London")
    assert dlg.is_valid(), dlg.problem()
    assert dlg.competitors() == [
        Competitor("aplusk", "Ashton Kutcher", "#abcdef", 0, 11),
        Competitor("cnnbrk", "CNN", "#2e86de", 1, 12),
        Competitor("britneyspears", "britneyspears", "#8e8e8e", 2, 13),
    ]
    assert dlg.race() == Race("The 2009 race", 2_000_000, "Twitter", "Europe/London", 1234)


def test_edit_mode_with_too_few_competitors_says_so(qtbot):
    dlg = _dialog(
        qtbot,
        race=Race("Solo", 10, "", "UTC"),
        competitors=[Competitor("only", "Only", "#000000", 0, 1)],
    )
    _assert_invalid(dlg, "A race needs at least two competitors")


# -- user text stays text -----------------------------------------------------


def test_markup_stays_literal(qtbot, new_dialog):
    dlg = new_dialog
    _fill_valid(qtbot, dlg, first="<i>a</i>", second="<i>A</i>")
    _type(qtbot, dlg.title_edit, "<b>bold</b>")
    _assert_invalid(dlg, "Two competitors share the handle “<i>A</i>”")
    assert dlg.problem_label.textFormat() == Qt.TextFormat.PlainText
    _type(qtbot, dlg._rows[1].handle, "b")
    _type(qtbot, dlg._rows[0].name, "<b>bold</b>")
    assert dlg.race().title == "<b>bold</b>"
    assert dlg.competitors()[0].name == "<b>bold</b>"
    assert dlg.competitors()[0].handle == "<i>a</i>"


def test_every_label_is_plain_text(new_dialog, edit_dialog):
    from PySide6.QtWidgets import QLabel

    for dlg in (new_dialog, edit_dialog):
        labels = dlg.findChildren(QLabel)
        assert len(labels) >= 7
        for label in labels:
            if label.pixmap() is not None and not label.pixmap().isNull():
                continue
            assert label.textFormat() == Qt.TextFormat.PlainText, label.text()


# -- accessibility and focus --------------------------------------------------


def test_inputs_have_names_and_tooltips(new_dialog):
    dlg = new_dialog
    inputs: list[QWidget] = [
        dlg.title_edit,
        dlg.milestone_spin,
        dlg.platform_combo,
        dlg.zone_combo,
        dlg.add_button,
        dlg.remove_button,
        dlg.ok_button,
    ]
    for row in dlg._rows:
        inputs += [row.handle, row.name, row.colour]
    names = [w.objectName() for w in inputs]
    assert all(names) and len(set(names)) == len(names)
    for widget in inputs:
        assert widget.accessibleName() or widget is dlg.ok_button, widget.objectName()
        assert widget.toolTip(), widget.objectName()
    assert dlg._rows[1].colour.accessibleName() == "Colour of competitor 2"


def test_tab_order_follows_the_form(qtbot, new_dialog):
    dlg = new_dialog
    dlg.activateWindow()
    dlg.title_edit.setFocus()
    qtbot.waitUntil(dlg.title_edit.hasFocus)
    expected = [
        dlg.milestone_spin,
        dlg.platform_combo,
        dlg.zone_combo,
        dlg._rows[0].follows.platform,
        dlg._rows[0].handle,
        dlg._rows[0].name,
        dlg._rows[0].colour,
        dlg._rows[1].follows.platform,
        dlg._rows[1].handle,
        dlg._rows[1].name,
        dlg._rows[1].colour,
        dlg.add_button,
    ]
    seen = []
    for _ in expected:
        qtbot.keyClick(dlg.focusWidget(), Qt.Key.Key_Tab)
        focus = dlg.focusWidget()
        # A spin box or editable combo box hands the focus to its line edit.
        while focus is not None and focus not in expected and focus.parentWidget() is not dlg:
            focus = focus.parentWidget()
        seen.append(focus)
    assert seen == expected


def test_render_both_modes(new_dialog, edit_dialog, tmp_path):
    for name, dlg in (("new", new_dialog), ("edit", edit_dialog)):
        image = dlg.grab()
        assert image.width() >= 560
        assert image.save(str(tmp_path / f"race_dialog_{name}.png"))
