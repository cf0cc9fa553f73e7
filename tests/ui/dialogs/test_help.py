"""Help: the Keyboard Shortcuts dialog lists what the actions define; Getting Started."""

from __future__ import annotations

import re
from collections import Counter

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QApplication

from photofinish.ui.dialogs.help import GettingStartedDialog, ShortcutsDialog, plain


def _defined(window) -> set[tuple[str, str]]:
    """(action text, key) for every key any action of the window defines."""
    found = set()
    for action in window.findChildren(QAction):
        for seq in action.shortcuts():
            if not seq.isEmpty():
                found.add(
                    (plain(action.text()), seq.toString(QKeySequence.SequenceFormat.NativeText))
                )
    return found


def _listed(dialog: ShortcutsDialog) -> set[tuple[str, str]]:
    return {(what, key) for _, what, keys in dialog.listed() for key in keys.split("   or   ")}


def test_dialog_lists_exactly_what_the_actions_define(window, qtbot):
    dialog = window.show_shortcuts()
    qtbot.addWidget(dialog)
    defined = _defined(window)
    assert len(defined) >= 20  # the menus define plenty; an empty walk must not pass
    menu_rows = {(w, k) for g, w, keys in dialog.listed() for k in keys.split("   or   ")}
    assert defined <= menu_rows, defined - menu_rows
    widget_places = {s.place for s in dialog.shortcuts if "▸" not in s.place} - {
        "File",
        "Edit",
        "Race",
        "View",
        "Replay",
        "Help",
    }
    from_menus = {
        (w, k)
        for g, w, keys in dialog.listed()
        if g not in widget_places
        for k in keys.split("   or   ")
    }
    assert from_menus == defined  # nothing listed that no action defines


def test_a_new_action_shows_up(window, qtbot):
    action = QAction("&Frobnicate", window)
    action.setShortcut(QKeySequence("Ctrl+Alt+F"))
    window.menuBar().actions()[0].menu().addAction(action)
    dialog = window.show_shortcuts()
    qtbot.addWidget(dialog)
    assert ("File", "Frobnicate", "Ctrl+Alt+F") in dialog.listed()


def test_no_key_does_two_things(window):
    keys = Counter()
    for action in window.findChildren(QAction):
        for seq in action.shortcuts():
            if not seq.isEmpty():
                keys[seq.toString()] += 1
    assert [k for k, n in keys.items() if n > 1] == []


def test_the_named_keys_are_there(window, qtbot):
    dialog = window.show_shortcuts()
    qtbot.addWidget(dialog)
    rows = {(g, w): k for g, w, k in dialog.listed()}
    assert rows[("Replay", "Play / Pause")] == "Space"
    assert rows[("View", "Back to Live")] == "Ctrl+End"
    assert rows[("Race", "Add Note")] == "Ctrl+Shift+N"
    assert rows[("Help", "Keyboard Shortcuts")] == "Ctrl+?   or   F1"
    assert rows[("File ▸ Export", "Chart as PNG")] == "Ctrl+Shift+E"


def test_filter_narrows_the_list(window, qtbot):
    dialog = window.show_shortcuts()
    qtbot.addWidget(dialog)
    everything = len(dialog.listed())
    qtbot.keyClicks(dialog.filter, "note")
    rows = dialog.listed()
    assert 0 < len(rows) < everything
    assert all("note" in (w + g).lower() for g, w, _ in rows)
    dialog.filter.clear()
    assert len(dialog.listed()) == everything


def test_f1_opens_the_list(window, qtbot):
    window.activateWindow()
    window.setFocus()
    qtbot.keyClick(window, Qt.Key.Key_F1)
    qtbot.waitUntil(lambda: window.findChild(ShortcutsDialog) is not None)
    dialog = window.findChild(ShortcutsDialog)
    assert dialog.isVisible()
    dialog.close()


def test_getting_started_names_real_menu_items(window, qtbot):
    dialog = window.show_getting_started()
    qtbot.addWidget(dialog)
    assert isinstance(dialog, GettingStartedDialog)
    text = dialog.text.toPlainText()
    titles = {plain(a.text()) for a in window.findChildren(QAction) if a.text()}
    for named in ("New Race", "Sources", "Enter a Reading", "Add Note", "Back to Live"):
        assert named in text and named in titles
    # Every key the guide quotes after a menu item is that item's key.
    quoted = re.findall(r"▸ ([^(▸]+?) \(((?:Ctrl|Alt|Shift|F\d)[^)]*)\)", text)
    assert len(quoted) >= 4
    keys = {
        (plain(a.text()), seq.toString())
        for a in window.findChildren(QAction)
        for seq in a.shortcuts()
    }
    for name, key in quoted:
        assert (name.strip(), key) in keys, (name, key)
    assert "Open the 2009 Race" in text and "Open the 2009 Race" in titles


def test_open_the_2009_race_from_help(window, qtbot):
    from photofinish.app import windows as app_module

    before = len(app_module.open_windows())
    action = next(
        a for a in window.findChildren(QAction) if plain(a.text()) == "Open the 2009 Race"
    )
    action.trigger()
    QApplication.processEvents()
    assert len(app_module.open_windows()) == before + 1
    opened = app_module.open_windows()[-1]
    assert "million" in opened.session.race.title


def test_widget_keys_are_listed_and_answered(window, qtbot):
    from PySide6.QtGui import QKeyEvent

    from photofinish.ui.plots.style import CHART_KEYS

    dialog = window.show_shortcuts()
    qtbot.addWidget(dialog)
    groups = {g for g, _, _ in dialog.listed()}
    assert "Chart and gap plot (when one has the focus)" in groups
    assert "Event log (when it has the focus)" in groups
    for keys, _ in CHART_KEYS:
        for name in keys:
            seq = QKeySequence(name.replace("−", "-"))
            combo = seq[0]
            event = QKeyEvent(QKeyEvent.Type.KeyPress, combo.key(), combo.keyboardModifiers())
            assert window.chart.handle_key(event), name
