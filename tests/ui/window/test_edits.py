"""Notes on the chart and in the log, hand flags, undo, and user text shown literally."""

from __future__ import annotations

import json
import sqlite3

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QDesktopServices, QKeySequence

from photofinish.core.model import KIND_NOTE, ORIGIN_USER
from photofinish.ui import links
from photofinish.ui.links import safe_link
from photofinish.ui.plots.race_chart import marker_tip
from photofinish.ui.widgets.event_log import model as event_log_model
from photofinish.ui.window.menus import ADD_NOTE_SHORTCUT
from tests.stored import query

HOSTILE = "<b>bold</b> <script>alert(1)</script> &amp; <img src=x>"
GLITCH_AT_MS = 1239946320000  # cnnbrk's 1,998,130 at 2009-04-17 05:32 UTC


def notes_in_file(session) -> list[tuple]:
    return query(
        session,
        "SELECT at_ms, kind, text, url, origin FROM events WHERE origin != 'derived' ORDER BY id",
    )


def add_note_through_dialog(window, qtbot, at_ms, text, url="", handle=None):
    dialog = window.edits.add_note(at_ms)
    assert dialog is not None
    dialog.text.setPlainText(text)
    dialog.url.setText(url)
    if handle is not None:
        dialog.competitor.setCurrentIndex(dialog.competitor.findData(handle))
    ok = dialog.buttons.button(dialog.buttons.StandardButton.Ok)
    assert ok.isEnabled(), dialog.problem_text()
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
    return dialog


def log_rows(window) -> list[str]:
    view = window.log_panel.proxy
    return [str(view.index(r, 2).data()) for r in range(view.rowCount())]


def test_add_note_stores_it_and_shows_it_in_log_and_chart(window, qtbot):
    at = 1239940000000
    before = len(notes_in_file(window.session))
    add_note_through_dialog(
        window, qtbot, at, "CNN anchors ask viewers to follow", "https://example.org/a", "cnnbrk"
    )
    rows = notes_in_file(window.session)
    assert len(rows) == before + 1
    assert rows[-1] == (
        at,
        KIND_NOTE,
        "CNN anchors ask viewers to follow",
        "https://example.org/a",
        ORIGIN_USER,
    )
    assert "CNN anchors ask viewers to follow" in log_rows(window)
    # Markers are placed for the range in view (and a view's width either side).
    window.chart.show_range(at - 3_600_000, at + 3_600_000)
    marks = [p.data()[1] for p in window.chart.notes.points()]
    assert "CNN anchors ask viewers to follow" in marks
    window.chart.show_range(at + 30 * 3_600_000, at + 32 * 3_600_000)
    assert "CNN anchors ask viewers to follow" not in [
        p.data()[1] for p in window.chart.notes.points()
    ]
    # Notes and derived events look different on the chart: notes are their own item.
    assert window.chart.notes is not window.chart.crossings


def test_note_dialog_refuses_empty_text_and_non_web_links(window):
    dialog = window.edits.add_note(1239940000000)
    ok = dialog.buttons.button(dialog.buttons.StandardButton.Ok)
    assert not ok.isEnabled()
    dialog.text.setPlainText("something")
    assert ok.isEnabled()
    dialog.url.setText("javascript:alert(1)")
    assert not ok.isEnabled()
    assert "http" in dialog.problem.text()
    dialog.url.setText("file:///etc/passwd")
    assert not ok.isEnabled()
    dialog.url.setText("https://example.org")
    assert ok.isEnabled()
    dialog.reject()


def test_add_note_at_the_replay_moment_by_default(window):
    window.session.set_as_of(1239940000000)
    dialog = window.edits.add_note()
    assert dialog.at_ms() == 1239940000000
    dialog.reject()


def test_edit_delete_and_undo_redo(window, qtbot):
    add_note_through_dialog(window, qtbot, 1239940000000, "first words")
    note = [e for e in window.session.stored_events() if e.text == "first words"][0]
    dialog = window.edits.edit_note(note.id)
    assert dialog.note_text() == "first words"
    dialog.text.setPlainText("better words")
    dialog.accept()
    assert window.session.note(note.id).text == "better words"
    assert "better words" in log_rows(window) and "first words" not in log_rows(window)

    window.edits.delete_note(note.id)
    assert window.session.note(note.id) is None
    assert "better words" not in log_rows(window)

    stack = window.undo_stack
    stack.undo()  # the delete
    assert window.session.note(note.id).text == "better words"
    stack.undo()  # the edit
    assert window.session.note(note.id).text == "first words"
    stack.undo()  # the add
    assert window.session.note(note.id) is None
    assert "first words" not in log_rows(window)
    stack.redo()
    stack.redo()
    assert window.session.note(note.id).text == "better words"
    assert window.undo_action.isEnabled()


def test_log_context_menu_edits_and_deletes_notes_only(window, qtbot):
    add_note_through_dialog(window, qtbot, 1239940000000, "a note to delete")
    note = [e for e in window.session.stored_events() if e.text == "a note to delete"][0]
    menu = window.log_panel.context_menu_for(note)
    actions = {a.objectName(): a for a in menu.actions() if a.objectName()}
    assert actions["editNote"].isEnabled() and actions["deleteNote"].isEnabled()
    actions["deleteNote"].trigger()
    assert window.session.note(note.id) is None

    derived = next(e for e in window.session.events if e.origin == "derived")
    menu = window.log_panel.context_menu_for(derived)
    actions = {a.objectName(): a for a in menu.actions() if a.objectName()}
    assert not actions["editNote"].isEnabled()
    assert not actions["deleteNote"].isEnabled()


def test_hostile_note_text_is_shown_literally(window, qtbot):
    add_note_through_dialog(window, qtbot, 1239940000000, HOSTILE)
    assert HOSTILE in log_rows(window)
    model = window.log_panel.model
    row = model.row_of(
        event_log_model.event_key(next(e for e in window.session.events if e.text == HOSTILE))
    )
    tip = model.data(model.index(row, 2), Qt.ItemDataRole.ToolTipRole)
    assert "&lt;b&gt;bold&lt;/b&gt;" in tip and "<b>" not in tip and "<script>" not in tip
    chart_tip = marker_tip(0, 0, ("k", HOSTILE))
    assert "&lt;script&gt;" in chart_tip and "<script>" not in chart_tip
    dialog = window.edits.edit_note(
        next(e for e in window.session.stored_events() if e.text == HOSTILE).id
    )
    assert dialog.text.toPlainText() == HOSTILE
    dialog.reject()


def test_links_open_only_for_http_and_https(monkeypatch):
    opened = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url.toString()))
    assert not links.open_in_browser("javascript:alert(1)")
    assert not links.open_in_browser("file:///etc/passwd")
    assert not links.open_in_browser("https:no-host")
    assert opened == []
    links.open_in_browser("https://example.org/x")
    assert opened == ["https://example.org/x"]
    assert safe_link("HTTP://example.org") == "HTTP://example.org"


def test_add_note_shortcut_clashes_with_no_standard_key(window):
    taken = {
        binding.toString()
        for key in QKeySequence.StandardKey
        for binding in QKeySequence.keyBindings(key)
    }
    assert ADD_NOTE_SHORTCUT not in taken
    assert window.add_note_action.shortcut().toString() == ADD_NOTE_SHORTCUT
    assert window.add_note_action.isEnabled()


def _widget_pos(chart, at_ms: int, count: float) -> QPoint:
    scene = chart.getViewBox().mapViewToScene(QPointF(at_ms / 1000, count))
    return chart.mapFromScene(scene)


def test_chart_context_menu_adds_a_note_at_the_picked_time(window, qtbot):
    chart = window.chart
    chart.show_range(GLITCH_AT_MS - 3_600_000, GLITCH_AT_MS + 3_600_000)
    (_, _), (y0, y1) = chart.getViewBox().viewRange()
    pos = _widget_pos(chart, GLITCH_AT_MS - 1_800_000, (y0 + y1) / 2)
    menu = chart.context_menu_at(pos)
    add = next(a for a in menu.actions() if a.objectName() == "addNoteHere")
    with qtbot.waitSignal(chart.note_requested) as blocker:
        add.trigger()
    assert abs(blocker.args[0] - (GLITCH_AT_MS - 1_800_000)) < 120_000
    dialogs = [w for w in window.findChildren(type(window.edits.add_note(0))) if w.isVisible()]
    assert any(abs(d.at_ms() - (GLITCH_AT_MS - 1_800_000)) < 120_000 for d in dialogs)
    for d in dialogs:
        d.reject()


def test_unflag_the_2009_glitch_by_hand_and_undo(window, qtbot):
    session = window.session
    assert [(g.handle, g.count) for g in session.analysis.glitches] == [("cnnbrk", 1998130)]
    chart = window.chart
    chart.show_range(GLITCH_AT_MS - 3_600_000, GLITCH_AT_MS + 3_600_000)
    (_, _), (y0, y1) = chart.getViewBox().viewRange()
    top = y1 - (y1 - y0) * 0.06  # glitch markers sit at the top edge when off the chart
    menu = chart.context_menu_at(_widget_pos(chart, GLITCH_AT_MS, top))
    unflag = next(a for a in menu.actions() if a.objectName() == "unflagReading")
    unflag.trigger()
    assert session.analysis.glitches == []
    kept = [e for e in session.events if e.key and e.key.startswith("kept:")]
    assert len(kept) == 1 and "by hand" in kept[0].text
    [row] = query(session, "SELECT flag, flagged_by FROM snapshots WHERE count = 1998130")
    assert row == ("ok", "user")
    window.undo_stack.undo()
    assert [(g.count, g.by) for g in session.analysis.glitches] == [(1998130, "auto")]
    assert not [e for e in session.events if e.key and e.key.startswith("kept:")]


def test_flag_a_reading_as_glitch_recomputes_the_figures(window):
    session = window.session
    s = session.series["aplusk"]
    i = len(s) - 40
    at_ms, count = int(s.at_ms[i]), int(s.count[i])
    sid = session.reading_id("aplusk", at_ms, count)
    chart = window.chart
    chart.show_range(at_ms - 600_000, at_ms + 600_000)
    menu = chart.context_menu_at(_widget_pos(chart, at_ms, count))
    flag = next(a for a in menu.actions() if a.objectName() == "flagReading")
    before_points = len(session.analysis.clean["aplusk"][0])
    flag.trigger()
    assert ("aplusk", at_ms, count, "user") in [
        (g.handle, g.at_ms, g.count, g.by) for g in session.analysis.glitches
    ]
    assert len(session.analysis.clean["aplusk"][0]) == before_points - 1
    text = next(e.text for e in session.events if e.key == f"glitch:aplusk:{at_ms}:{count}")
    assert "by hand" in text
    [stored] = query(session, "SELECT flag, flagged_by FROM snapshots WHERE id = ?", [sid])
    assert stored == ("glitch", "user")


def test_import_notes_from_json_lines(window, tmp_path):
    path = tmp_path / "notes.jsonl"
    lines = [
        {"timestamp": "2009-04-16T20:00:00-07:00", "text": "Oprah joins Twitter on air"},
        {
            "timestamp": "2009-04-16T21:00:00-07:00",
            "text": "<i>styled?</i>",
            "url": "https://x.org",
        },
        {"timestamp": "not a time", "text": "broken"},
    ]
    path.write_text("\n".join(json.dumps(x) for x in lines) + "\n", encoding="utf-8")
    report = window.imports.import_file(path).wait()
    assert report.annotations == 2
    assert [s.line for s in report.skipped] == [3]
    assert "Oprah joins Twitter on air" in log_rows(window)
    assert "<i>styled?</i>" in log_rows(window)
    from PySide6.QtWidgets import QMessageBox

    box = window.findChild(QMessageBox, "notice")
    assert box is not None and box.isVisible()
    assert "2 annotations" in box.text() and "line 3:" in box.text()
    assert box.textFormat() == Qt.TextFormat.PlainText


def test_export_log_from_the_window(window, qtbot, tmp_path):
    add_note_through_dialog(window, qtbot, 1239940000000, "pipe | and *stars*")
    n = window.exports.export_log(tmp_path / "log.csv", "csv")
    assert n == len(window.session.stored_events())
    text = (tmp_path / "log.csv").read_text(encoding="utf-8")
    assert "pipe | and *stars*" in text and "PDT" in text and "2009-04-17T" in text
    n_md = window.exports.export_log(tmp_path / "log.md", "md")
    assert n_md == n
    md = (tmp_path / "log.md").read_text(encoding="utf-8")
    assert "pipe \\| and \\*stars\\*" in md


def test_read_only_session_disables_every_edit(qtbot, tmp_path, sample_path):
    import shutil

    from photofinish.app.windows import open_window

    copy = tmp_path / "ro.db"
    shutil.copyfile(sample_path, copy)
    copy.chmod(0o444)
    before = copy.read_bytes()
    win = open_window(copy)
    qtbot.addWidget(win)
    assert win.session.read_only
    assert win.banner.isVisibleTo(win)
    assert "write-protected" in win.banner_label.text()
    assert "read-only" in win.windowTitle()
    for action in (win.add_note_action, win.edit_race_action, win.import_action):
        assert not action.isEnabled()
    assert win.edits.add_note() is None and win.edits.edit_race() is None
    menu = win.chart.context_menu_at(QPoint(400, 300))
    add = next(a for a in menu.actions() if a.objectName() == "addNoteHere")
    assert not add.isEnabled()
    win.close()
    assert copy.read_bytes() == before
    with pytest.raises(sqlite3.OperationalError):
        conn = sqlite3.connect(f"file:{copy}?mode=ro", uri=True)
        conn.execute("INSERT INTO view_state VALUES ('x', 'y')")
