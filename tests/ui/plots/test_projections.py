"""The forecast on screen: dashed projections in bands, the ETA's range, the next lead change."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from PySide6.QtWidgets import QWidget

from photofinish.core.analysis.result import Projection
from photofinish.ui.widgets.scoreboard import eta_range
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


@pytest.mark.parametrize(
    ("low", "high", "short", "full"),
    [
        ("2009-04-16T23:05", "2009-04-16T23:40", "23:05–23:40", "23:05–23:40"),
        ("2009-04-16T23:28", "2009-04-17T00:09", "23:28–00:09", "Thu 23:28–Fri 00:09"),
        ("2009-04-18T02:00", "2009-04-18T22:00", "Sat 02:00–22:00", "02:00–22:00"),
        ("2009-04-16T18:59", "2009-04-20T04:08", "Thu–Mon", "Thu 18:59–Mon 04:08"),
        ("2009-04-16T18:59", "2009-04-23T04:08", "16 Apr–23 Apr", "16 Apr 18:59–23 Apr 04:08"),
    ],
)
def test_the_cards_range_is_as_precise_as_the_range_is_narrow(low, high, short, full):
    zone = ZoneInfo("America/Los_Angeles")

    def at(text: str) -> int:
        return int(datetime.fromisoformat(text).replace(tzinfo=zone).timestamp() * 1000)

    eta = (at(low) + at(high)) // 2
    p = Projection("aplusk", 990_000, at(low) - 3_600_000, 60.0, eta, at(low), at(high))
    assert eta_range(p, zone) == short
    assert eta_range(p, zone, full=True) == full
    assert eta_range(None, zone) == ""
    unprojected = Projection("aplusk", 990_000, at(low), None, None, None, None)
    assert eta_range(unprojected, zone) == ""


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
