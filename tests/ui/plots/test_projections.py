"""The forecast on screen: dashed projections in bands, the ETA's range, the next lead change."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
from PySide6.QtWidgets import QWidget

from photofinish.ui.window.main_window import MainWindow


def _ms(text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp() * 1000)


def test_a_replay_shows_each_sides_projection_as_it_stood(qtbot, sample_session):
    win = MainWindow(sample_session, replay=False, restore=False)
    qtbot.addWidget(win)
    win.resize(1600, 900)
    win.show()
    session = win.session
    session.set_as_of(_ms("2009-04-17T05:13:00"))
    seen = session.analysis.forecast
    projections = win.chart.projections
    for handle in ("aplusk", "cnnbrk"):
        p = seen.projections[handle]
        line = projections.lines[handle]
        assert line.isVisible()
        x, y = line.getData()
        # From the newest reading to the milestone at the projected time.
        assert np.allclose(x, [p.at_ms / 1000, p.eta_ms / 1000])
        assert np.allclose(y, [p.count, 1_000_000])
        assert projections.bands[handle].isVisible()
    card = win.scoreboard.cards[0]
    assert card.eta_in.text() == "80%: 23:09–23:31"
    state = win.scoreboard.findChild(QWidget, "raceState")
    assert state.accessibleDescription().startswith("Projected winner: Ashton Kutcher (95%)")
    # Kutcher's projected finish is near: the view makes room to show it.
    (_, x1), _ = win.chart.getViewBox().viewRange()
    assert x1 * 1000 >= seen.projections["aplusk"].eta_ms
    # After the finish there is nothing to project.
    session.set_as_of(None)
    assert not any(line.isVisible() for line in projections.lines.values())


def test_the_gap_plot_marks_when_the_trailing_side_would_draw_level(qtbot, sample_session):
    win = MainWindow(sample_session, replay=False, restore=False)
    qtbot.addWidget(win)
    win.show()
    win.session.set_as_of(_ms("2009-04-16T23:00:00"))  # CNN ahead by 3,727, Kutcher gaining
    level = win.session.analysis.forecast.next_lead_change_ms
    assert level is not None
    x, y = win.gap.next_change.getData()
    assert list(x) == [level / 1000] and list(y) == [0]
    assert "Projected lead change" in win.gap.next_change.toolTip()
    win.session.set_as_of(_ms("2009-04-17T05:13:00"))  # Kutcher ahead and faster: none
    assert len(win.gap.next_change.getData()[0]) == 0


def test_help_explains_the_range(qtbot, window):
    dialog = window.show_forecast_help()
    qtbot.addWidget(dialog)
    text = dialog.text.toPlainText()
    assert "8 times out of 10" in text and "learnt" in text
