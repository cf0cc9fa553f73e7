"""Screen readers and the keyboard: names, sentences that follow the race, tab order, keys."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAccessible, QColor, QPalette
from PySide6.QtWidgets import QApplication, QWidget

from photofinish.ui.dialogs.note import NoteDialog

CROSS_MS = 1239948780000  # 2009-04-17 06:13 UTC: Kutcher reaches a million
BEFORE_MS = 1239940000000  # 2009-04-17 03:46 UTC: Kutcher 33 ahead, both under 10,000 to go


def spoken_name(widget: QWidget) -> str:
    """What the accessibility layer (and so a screen reader) reads as the widget's name."""
    iface = QAccessible.queryAccessibleInterface(widget)
    assert iface is not None
    return iface.text(QAccessible.Text.Name)


def spoken_description(widget: QWidget) -> str:
    iface = QAccessible.queryAccessibleInterface(widget)
    assert iface is not None
    return iface.text(QAccessible.Text.Description)


def focus_on(qtbot, window, widget: QWidget) -> None:
    """Give the window the keyboard and the widget the focus (the offscreen platform forgets)."""
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    widget.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(widget.hasFocus)


def x_range(chart) -> tuple[float, float]:
    return tuple(chart.getViewBox().viewRange()[0])


# -- names ------------------------------------------------------------------------------


def test_every_pane_and_control_has_an_accessible_name(window):
    log, bar = window.log_panel, window.replay_bar
    named = {
        window.chart: "Race chart",
        window.gap: "Gap plot",
        log.view: "Event log",
        log.search: "Search the log",
        log.kind_button: "Kinds of entries shown",
        bar.play_button: "Play the replay",
        bar.speed_box: "Replay speed",
        bar.slider: "Replay position",
        window.log_check: "Logarithmic count axis",
        window.fit_button: "Whole race",
        window.live_button: "Back to live",
        window.zone_label: "Display time zone",
    }
    for widget, name in named.items():
        assert widget.accessibleName() == name
        if widget is not bar.speed_box:  # a combo box reads out its current text instead
            assert spoken_name(widget) == name
    for plot in (window.chart, window.gap):
        description = spoken_description(plot)
        assert "America/Los_Angeles (PDT)" in description
        assert "Arrow keys pan" in description
    assert "Ashton Kutcher and CNN Breaking News" in spoken_description(window.chart)
    assert "Ctrl+C" in spoken_description(log.view)
    assert "All kinds shown" == log.kind_button.accessibleDescription()
    log.set_kinds({"note", "lead_change"})
    assert "Glitch" in log.kind_button.accessibleDescription()


def test_scoreboard_cards_are_sentences_that_follow_the_race(window):
    session = window.session
    first, second = window.scoreboard.cards
    state = window.scoreboard.middle
    # Everything stored: Kutcher crossed first.
    assert spoken_name(first) == (
        "Ashton Kutcher, @aplusk: 1,029,112 followers, leads by 17,495, "
        "crossed 1,000,000 first at Thu 23:13 PDT"
    )
    assert spoken_name(second).startswith("CNN Breaking News, @cnnbrk: 1,011,617 followers, ")
    assert "trails by 17,495" in spoken_name(second)
    assert spoken_name(state) == "Race: Ashton Kutcher first, by 1,761"
    # Back before the finish, the same cards read the race of that moment.
    session.set_as_of(BEFORE_MS)
    assert spoken_name(first) == (
        "Ashton Kutcher, @aplusk: 991,411 followers, leads by 33, 8,589 to go, ETA Thu 23:19 PDT"
    )
    assert spoken_name(second) == (
        "CNN Breaking News, @cnnbrk: 991,378 followers, trails by 33, 8,622 to go, "
        "ETA Thu 23:32 PDT"
    )
    assert spoken_description(first) == (
        "+3,279 in the last hour, 55 per minute, ETA in 2 h 33 min, "
        "80% likely between 22:42 and 23:39"
    )
    assert spoken_name(state) == "Race: Ashton Kutcher leads by 33"
    assert spoken_description(state) == "Projected winner: Ashton Kutcher (64%) · 1 lead change"
    # A live source's trouble is read too.
    first.set_source("retrying in 40 s: HTTP 503 Service Unavailable", "warn")
    assert spoken_description(first).endswith(
        "source: retrying in 40 s: HTTP 503 Service Unavailable"
    )


def test_scoreboard_cards_can_be_tabbed_to(window):
    for frame in (*window.scoreboard.cards, window.scoreboard.middle):
        assert frame.focusPolicy() == Qt.FocusPolicy.TabFocus


# -- the keyboard ---------------------------------------------------------------------------


def test_tab_goes_through_the_window_in_reading_order(qtbot, window):
    scoreboard, log, bar = window.scoreboard, window.log_panel, window.replay_bar
    expected = [
        scoreboard.cards[0],
        scoreboard.middle,
        scoreboard.cards[1],
        window.chart,
        window.gap,
        window.fit_button,  # Back to live is hidden while the chart follows the race
        window.log_check,
        log.search,
        log.kind_button,
        log.view,
        bar.play_button,
        bar.speed_box,
        bar.slider,
    ]
    focus_on(qtbot, window, expected[0])
    seen = []
    for _ in expected:
        widget = QApplication.focusWidget()
        seen.append(widget)
        qtbot.keyClick(widget, Qt.Key.Key_Tab)
    names = [f"{type(w).__name__}#{w.objectName()}" for w in seen]
    assert seen == expected, names
    # Tab leaves the log's list (it does not walk its cells), and Shift+Tab goes back.
    focus_on(qtbot, window, log.view)
    qtbot.keyClick(log.view, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is bar.play_button
    qtbot.keyClick(bar.play_button, Qt.Key.Key_Backtab)
    assert QApplication.focusWidget() is log.view


def test_arrow_keys_pan_and_plus_minus_zoom_the_chart(qtbot, window):
    chart = window.chart
    focus_on(qtbot, window, chart)
    assert chart.following
    x0, x1 = x_range(chart)
    width = x1 - x0
    qtbot.keyClick(chart, Qt.Key.Key_Left)
    assert not chart.following and window.live_button.isVisible()
    a0, a1 = x_range(chart)
    assert a0 == pytest.approx(x0 - width * 0.1, abs=1) and a1 - a0 == pytest.approx(width, abs=1)
    qtbot.keyClick(chart, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)  # half a view
    b0, _ = x_range(chart)
    assert b0 == pytest.approx(a0 + width * 0.5, abs=1)
    qtbot.keyClick(chart, Qt.Key.Key_Plus)
    c0, c1 = x_range(chart)
    assert c1 - c0 == pytest.approx(width / 1.5, abs=1)
    qtbot.keyClick(chart, Qt.Key.Key_Minus)
    qtbot.keyClick(chart, Qt.Key.Key_Minus)
    d0, d1 = x_range(chart)
    assert d1 - d0 == pytest.approx(width * 1.5, abs=1)
    _, (y0, y1) = chart.getViewBox().viewRange()
    qtbot.keyClick(chart, Qt.Key.Key_Up)
    _, (e0, e1) = chart.getViewBox().viewRange()
    assert e0 == pytest.approx(y0 + (y1 - y0) * 0.1) and e1 - e0 == pytest.approx(y1 - y0)
    qtbot.keyClick(chart, Qt.Key.Key_Home)
    start, end = window.session.time_span()
    h0, h1 = x_range(chart)
    assert h0 <= start / 1000 and h1 >= end / 1000
    qtbot.keyClick(chart, Qt.Key.Key_End)
    assert chart.following and not window.live_button.isVisible()


def test_the_gap_plot_takes_the_same_keys(qtbot, window):
    focus_on(qtbot, window, window.gap)
    x0, _ = x_range(window.chart)
    qtbot.keyClick(window.gap, Qt.Key.Key_Right)
    assert x_range(window.chart)[0] > x0 and not window.chart.following


def test_the_chart_shows_when_the_keyboard_is_on_it(qtbot, window):
    chart = window.chart
    highlight = chart.palette().color(QPalette.ColorRole.Highlight)

    def edge_colour() -> QColor:
        image = chart.viewport().grab().toImage()
        return image.pixelColor(1, image.height() // 2)

    focus_on(qtbot, window, window.log_panel.view)
    assert edge_colour() != highlight
    focus_on(qtbot, window, chart)  # as by Tab
    assert edge_colour() == highlight
    window.log_panel.view.setFocus(Qt.FocusReason.MouseFocusReason)
    chart.setFocus(Qt.FocusReason.MouseFocusReason)  # a click: no ring
    assert edge_colour() != highlight
    window.log_panel.view.setFocus(Qt.FocusReason.MouseFocusReason)
    chart.setFocus(Qt.FocusReason.ActiveWindowFocusReason)  # the window came back: no ring
    assert edge_colour() != highlight


@pytest.mark.parametrize("where", ["log", "chart", "gap", "card"])
def test_space_plays_and_pauses_from_the_log_and_the_plots(qtbot, window, where):
    target = {
        "log": window.log_panel.view,
        "chart": window.chart,
        "gap": window.gap,
        "card": window.scoreboard.cards[0],
    }[where]
    bar = window.replay_bar
    focus_on(qtbot, window, target)
    qtbot.keyClick(target, Qt.Key.Key_Space)
    assert bar.replayer.playing
    qtbot.keyClick(target, Qt.Key.Key_Space)
    assert not bar.replayer.playing


def test_space_types_in_the_search_and_presses_a_focused_button(qtbot, window):
    bar, search = window.replay_bar, window.log_panel.search
    focus_on(qtbot, window, search)
    qtbot.keyClicks(search, "to go")
    assert search.text() == "to go" and not bar.replayer.playing
    focus_on(qtbot, window, window.log_check)
    qtbot.keyClick(window.log_check, Qt.Key.Key_Space)
    assert window.log_check.isChecked() and not bar.replayer.playing


@pytest.mark.parametrize("where", ["log", "chart", "search"])
def test_back_to_live_and_add_note_from_anywhere(qtbot, window, where):
    target = {
        "log": window.log_panel.view,
        "chart": window.chart,
        "search": window.log_panel.search,
    }[where]
    window.chart.fit_all()
    assert not window.chart.following
    focus_on(qtbot, window, target)
    qtbot.keyClick(target, Qt.Key.Key_End, Qt.KeyboardModifier.ControlModifier)
    assert window.chart.following
    qtbot.keyClick(
        target,
        Qt.Key.Key_N,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    dialogs = [d for d in window.findChildren(NoteDialog) if d.isVisible()]
    assert len(dialogs) == 1
    dialogs[0].reject()


def test_the_replay_slider_moves_with_the_keyboard(qtbot, window):
    bar, session = window.replay_bar, window.session
    start, end = bar.replayer.start_ms, bar.replayer.end_ms
    bar.replayer.seek(start)
    focus_on(qtbot, window, bar.slider)
    qtbot.keyClick(bar.slider, Qt.Key.Key_Right)
    assert session.as_of_ms == pytest.approx(start + (end - start) / 100, abs=1000)
    qtbot.keyClick(bar.slider, Qt.Key.Key_PageUp)
    assert session.as_of_ms == pytest.approx(start + (end - start) * 11 / 100, abs=1000)
    assert bar.slider.accessibleDescription() == bar.now_label.text()
