"""The main window's menus: built from one table, each item answered, edits off when read-only."""

from __future__ import annotations

import shutil

from PySide6.QtGui import QAction

from photofinish.session import open_session
from photofinish.ui.window import menus
from photofinish.ui.window.main_window import MainWindow


def plain(text: str) -> str:
    return text.replace("&", "")


def test_every_item_of_the_table_is_in_the_menus_and_answered(window):
    titles = {plain(m.title()): m for m in (a.menu() for a in window.menuBar().actions())}
    assert list(titles) == [plain(title) for title, _ in menus.MENUS]
    for title, entries in menus.MENUS:
        texts = [plain(a.text()) for a in titles[plain(title)].actions()]
        for entry in entries:
            if isinstance(entry, menus.Item):
                assert plain(entry.text) in texts, (title, entry.text)
                assert callable(menus._slot(window, entry.slot)), entry.slot


def test_items_reach_what_they_name(window, qtbot):
    window.chart.show_range(1239940000000, 1239943000000)
    assert not window.chart.following
    action = next(a for a in window.findChildren(QAction) if plain(a.text()) == "Back to Live")
    action.trigger()
    assert window.chart.following
    window.log_action.trigger()
    assert window.chart.log_y and window.log_check.isChecked()


def test_a_new_item_in_the_table_is_a_new_command(window, qtbot, monkeypatch, sample_session):
    extra = menus.Item("Whole Race Again", "chart.fit_all", ("Ctrl+Alt+0",), name="again_action")
    view = dict(menus.MENUS)["&View"]
    table = tuple(
        (title, (*entries, extra) if title == "&View" else entries)
        for title, entries in menus.MENUS
    )
    monkeypatch.setattr(menus, "MENUS", table)
    assert view is not table[3][1]
    other = MainWindow(sample_session, replay=False, restore=False)
    qtbot.addWidget(other)
    assert other.again_action.shortcut().toString() == "Ctrl+Alt+0"
    other.chart.back_to_live()
    other.again_action.trigger()
    assert not other.chart.following  # the whole race, as Whole Race does


def test_writing_items_are_off_for_a_read_only_race(qtbot, tmp_path, sample_path):
    copy = tmp_path / "ro.db"
    shutil.copyfile(sample_path, copy)
    copy.chmod(0o444)
    win = MainWindow(open_session(copy), replay=False, restore=False)
    qtbot.addWidget(win)
    writing = [
        getattr(win, item.name)
        for _, entries in menus.MENUS
        for item in entries
        if isinstance(item, menus.Item) and item.writable
    ]
    assert writing and not any(a.isEnabled() for a in writing)
    assert win.open_action.isEnabled() and win.save_as_action.isEnabled()
