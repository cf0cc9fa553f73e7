"""Links open only on an explicit click, and only http and https links to a plain host.

``QDesktopServices.openUrl`` is replaced by a recorder for every test here, so
any path that opens a link (hovering, selecting, keyboard navigation, opening
a file, an import, a chart click) shows up as a recorded call.
"""

from __future__ import annotations

import json

import pytest
from PySide6 import QtGui
from PySide6.QtCore import SIGNAL, QEvent, QPoint, QPointF, Qt, QTimer, QUrl
from PySide6.QtGui import QDesktopServices, QHelpEvent, QTextDocument
from PySide6.QtWidgets import QApplication, QLabel, QToolTip

from photofinish.core.model import KIND_NOTE, ORIGIN_USER, Competitor, Event, Race, Snapshot
from photofinish.core.store import Store
from photofinish.ui import links
from photofinish.ui.links import safe_link

T0 = 1_700_000_000_000

GOOD = [
    "https://example.org/",
    "http://example.org",
    "HTTPS://EXAMPLE.ORG/Path?q=1&r=2#frag",
    "https://example.org:8443/a/b",
    "http://[2001:db8::1]:8080/x",
    "  https://example.org/padded  ",
]
BAD = [
    "file:///etc/passwd",
    "FILE:///etc/passwd",
    "javascript:alert(1)",
    "JavaScript:alert(document.cookie)",
    " javascript:alert(1)",
    "javascript://example.org/%0Aalert(1)",
    "data:text/html,<script>alert(1)</script>",
    "ftp://example.org/file",
    "mailto:someone@example.org",
    "smb://server/share",
    "/relative/path",
    "relative/path",
    "//example.org/scheme-relative",
    "example.org",
    "https:no-host",
    "https:///no-host",
    "https://",
    # User-info tricks: these go to evil.example, whatever they look like.
    "https://example.org@evil.example/",
    "https://user:password@evil.example/",
    "https://example.org%40evil.example@evil.example/",
    "https://example.org\\@evil.example/",
    "https://example.org\\evil.example/",
    # Hidden characters: spaces, line breaks, control and direction characters.
    "https://exa mple.org/",
    "https://example.org\n.evil.example/",
    "https://example.org\t/",
    "https://example.org\x00.evil.example/",
    "https://\u202eelpmaxe.org/",
    "https://example.org\u200b.evil.example/",
    "https://[::1/",
    "https://example.org:99999/",
]


@pytest.fixture(autouse=True)
def opened(monkeypatch) -> list[str]:
    """Every URL any code asked the desktop to open."""
    calls: list[str] = []

    def record(url: QUrl) -> bool:
        calls.append(url.toString())
        return True

    monkeypatch.setattr(QDesktopServices, "openUrl", record)
    return calls


@pytest.mark.parametrize("url", GOOD)
def test_a_web_link_opens_exactly_as_written(opened, url):
    assert safe_link(url) == url.strip()
    assert links.open_in_browser(url)
    assert opened == [QUrl(url.strip()).toString()]


@pytest.mark.parametrize("url", BAD)
def test_anything_else_is_refused_and_never_reaches_the_desktop(opened, url):
    assert safe_link(url) is None
    assert not links.open_in_browser(url)
    assert opened == []


# -- in the window ---------------------------------------------------------------------------

LINKED = {
    "good link": "https://example.org/story",
    "script link": "javascript:alert(1)",
    "file link": "file:///etc/passwd",
    "user-info link": "https://example.org@evil.example/",
    "data link": "data:text/html,<b>x</b>",
}


@pytest.fixture
def linked_race(tmp_path):
    """A race file whose notes carry links, good and bad."""
    path = tmp_path / "links.pfrace"
    store = Store.create(
        path, Race("Links", 10_000), [Competitor("a", "A", ""), Competitor("b", "B", "")]
    )
    store.append(
        [
            Snapshot(T0 + i * 60_000, h, 100 + i * (3 if h == "a" else 2))
            for i in range(30)
            for h in ("a", "b")
        ]
    )
    for i, (text, url) in enumerate(LINKED.items()):
        store.add_event(Event(T0 + (5 + 4 * i) * 60_000, KIND_NOTE, text, "a", url, ORIGIN_USER))
    store.close()
    return path


@pytest.fixture
def linked_window(qtbot, linked_race, opened):
    from photofinish.app.windows import open_window

    window = open_window(linked_race, restore=False)
    window.resize(1600, 900)
    qtbot.waitExposed(window)
    window.live.stop()
    yield window
    from photofinish.ui.dialogs.notice import open_notices

    for box in open_notices():  # before the window, their parent, is deleted
        box.close()
    window.close()
    QApplication.processEvents()


def rendered(text: str) -> str:
    """What Qt shows for a tooltip: rich text when it looks like rich text, else as is."""
    if not QtGui.Qt.mightBeRichText(text):
        return text
    doc = QTextDocument()
    doc.setHtml(text)
    return doc.toPlainText()


def _note_rows(window) -> dict[str, int]:
    log = window.log_panel
    rows = {}
    for row in range(log.proxy.rowCount()):
        event = log.event_at_view_row(row)
        if event is not None and event.text in LINKED:
            rows[event.text] = row
    assert set(rows) == set(LINKED)
    return rows


def test_opening_a_file_and_importing_links_opens_nothing(qtbot, linked_window, tmp_path, opened):
    notes = tmp_path / "notes.jsonl"
    lines = [
        {"timestamp": "2023-11-14T22:20:00Z", "text": f"imported {i}", "url": url}
        for i, url in enumerate([*LINKED.values(), "https://example.org/imported"])
    ]
    notes.write_text("\n".join(json.dumps(x) for x in lines) + "\n", encoding="utf-8")
    report = linked_window.imports.import_file(notes).wait()
    assert report.annotations == len(lines)
    qtbot.wait(50)
    assert opened == []


def test_hovering_and_tooltips_over_links_open_nothing(qtbot, linked_window, opened):
    view = linked_window.log_panel.view
    shown = []
    for text, row in _note_rows(linked_window).items():
        view.scrollTo(view.model().index(row, 2))
        pos = view.visualRect(view.model().index(row, 2)).center()
        qtbot.mouseMove(view.viewport(), pos)
        help_event = QHelpEvent(QEvent.Type.ToolTip, pos, view.viewport().mapToGlobal(pos))
        QApplication.sendEvent(view.viewport(), help_event)
        tip = QToolTip.text()
        shown.append(tip)
        # The tooltip shows the link as text: no anchor anyone could click.
        assert "<a " not in tip and "<a>" not in tip, tip
        assert LINKED[text] in rendered(tip), tip
        QToolTip.hideText()
    assert len(shown) == len(LINKED) and all(shown)
    assert opened == []


def test_selecting_and_keyboard_navigation_through_the_log_open_nothing(
    qtbot, linked_window, opened
):
    from photofinish.ui.widgets.event_log.model import KEY_ROLE

    view = linked_window.log_panel.view
    rows = _note_rows(linked_window)
    for row in rows.values():  # a single click selects; it does not open
        index = view.model().index(row, 2)
        view.scrollTo(index)
        qtbot.wait(QApplication.doubleClickInterval() + 50)  # separate clicks, not a double
        qtbot.mouseClick(
            view.viewport(), Qt.MouseButton.LeftButton, pos=view.visualRect(index).center()
        )
        assert linked_window.log_panel.selected_key() == index.data(KEY_ROLE)
    view.setFocus()
    view.setCurrentIndex(view.model().index(0, 2))
    last = view.model().rowCount() - 1
    for key in [Qt.Key.Key_Down] * (last + 2):
        qtbot.keyClick(view, key)
    assert view.currentIndex().row() == last  # the keys reached the log
    for key in (Qt.Key.Key_PageUp, Qt.Key.Key_Home, Qt.Key.Key_PageDown, Qt.Key.Key_End):
        qtbot.keyClick(view, key)
    assert view.currentIndex().row() == last
    for row in rows.values():
        view.setCurrentIndex(view.model().index(row, 2))
        # (Space is the window's Play/Pause shortcut: it starts a replay, not a link.)
        for key in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_F2, Qt.Key.Key_Select):
            qtbot.keyClick(view, key)
        assert view.currentIndex().row() == row
    assert QApplication.activeModalWidget() is None
    assert opened == []


def test_double_clicking_a_note_edits_it_and_opens_no_link(qtbot, linked_window, opened):
    from photofinish.ui.dialogs.note import NoteDialog

    view = linked_window.log_panel.view
    row = _note_rows(linked_window)["good link"]
    view.scrollTo(view.model().index(row, 2))
    centre = view.visualRect(view.model().index(row, 2)).center()
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=centre)
    qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=centre)
    editors = [d for d in linked_window.findChildren(NoteDialog) if d.isVisible()]
    assert len(editors) == 1 and editors[0].url.text() == LINKED["good link"]
    editors[0].reject()
    assert opened == []


def test_clicking_a_note_on_the_chart_selects_it_and_opens_nothing(qtbot, linked_window, opened):
    chart = linked_window.chart
    vb = chart.getViewBox()
    keys = [p.data()[0] for p in chart.notes.points()]
    assert len(keys) == len(LINKED)
    for key in keys:
        chart.fit_all()  # selecting the last one centred the chart on it
        qtbot.wait(QApplication.doubleClickInterval() + 50)  # separate clicks, not a double
        point = next(p for p in chart.notes.points() if p.data()[0] == key)
        pos = chart.mapFromScene(vb.mapViewToScene(QPointF(point.pos().x(), point.pos().y())))
        with qtbot.waitSignal(chart.event_clicked, timeout=2000) as clicked:
            qtbot.mouseClick(chart.viewport(), Qt.MouseButton.LeftButton, pos=pos)
        assert clicked.args[0] == key == linked_window.log_panel.selected_key()
    assert opened == []


def test_only_the_explicit_menu_command_opens_and_only_a_web_link(qtbot, linked_window, opened):
    log = linked_window.log_panel
    for text, row in _note_rows(linked_window).items():
        event = log.event_at_view_row(row)
        menu = log.context_menu_for(event)
        action = next(a for a in menu.actions() if a.objectName() == "openLink")
        assert opened == []  # building (and showing) the menu opens nothing
        if text == "good link":
            assert action.isEnabled()
            assert "<a" not in action.toolTip()
            action.trigger()
            assert opened == [QUrl(LINKED[text]).toString()]
            opened.clear()
        else:
            assert not action.isEnabled(), text
            action.trigger()  # a disabled action does nothing, even when triggered
            assert opened == [], text
        menu.deleteLater()


def test_no_label_in_the_window_or_dialogs_opens_links_by_itself(qtbot, linked_window):
    linked_window.edits.add_note(T0)
    linked_window.edits.edit_race()
    widgets = [linked_window, *QApplication.topLevelWidgets()]
    labels = [label for w in widgets for label in w.findChildren(QLabel)]
    assert len(labels) > 20
    for label in labels:
        # A link in a label only does something when the label opens it or someone listens.
        assert not label.openExternalLinks(), label.text()
        assert label.receivers(SIGNAL("linkActivated(QString)")) == 0, label.text()


def test_the_note_dialog_refuses_links_that_are_not_plain_web_links(linked_window, opened):
    dialog = linked_window.edits.add_note(T0)
    dialog.text.setPlainText("words")
    ok = dialog.buttons.button(dialog.buttons.StandardButton.Ok)
    for url in BAD:
        if not url.strip():
            continue
        dialog.url.setText(url)
        assert not ok.isEnabled(), url
        assert dialog.link() is None
    dialog.url.setText("https://example.org/fine")
    assert ok.isEnabled() and dialog.link() == "https://example.org/fine"
    dialog.reject()
    assert opened == []


@pytest.mark.qt_log_ignore("This plugin does not support grabbing")
def test_showing_the_context_menu_opens_nothing(qtbot, linked_window, opened):
    # A right click shows a menu at the pointer; only its command opens anything.
    log = linked_window.log_panel
    row = _note_rows(linked_window)["good link"]
    index = log.view.model().index(row, 2)
    log.view.scrollTo(index)
    pos: QPoint = log.view.visualRect(index).center()
    shown = []

    def close_menu() -> None:
        menu = QApplication.activePopupWidget()
        shown.append([a.objectName() for a in menu.actions()] if menu else None)
        if menu is not None:
            menu.close()

    QTimer.singleShot(100, close_menu)
    log.view.customContextMenuRequested.emit(pos)  # runs the menu until it is closed
    assert shown and shown[0] is not None and "openLink" in shown[0]
    assert log.selected_key() is not None
    assert opened == []
