"""What is under the pointer on the race chart, and the chart's context menu for it.

It needs only a little of the chart (:class:`Chart`): where things are drawn,
the session, and the signals that ask for a note or a hand flag.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPoint, QPointF, SignalInstance
from PySide6.QtWidgets import QMenu, QWidget

from ...core.model import FLAG_GLITCH, FLAG_NONE, FLAG_OK
from ...session import Session
from .. import fmt


class Chart(Protocol):
    """What of the race chart the pointer and the menu need."""

    session: Session
    following: bool
    note_requested: SignalInstance
    flag_requested: SignalInstance

    def getViewBox(self) -> pg.ViewBox: ...  # noqa: D102, N802 - pyqtgraph's name

    def mapToScene(self, pos: QPoint) -> QPointF: ...  # noqa: D102, N802 - Qt's name

    def plot_y(self, value: float) -> float: ...  # noqa: D102

    def fit_all(self) -> None: ...  # noqa: D102

    def back_to_live(self) -> None: ...  # noqa: D102


@dataclass(frozen=True)
class Reading:
    """A stored reading under the pointer."""

    id: int
    handle: str
    at_ms: int
    count: int
    glitch: bool
    user_flag: int


# -- context menu: notes and hand flags ------------------------------------------------
def nearest_reading(chart: Chart, scene_pos: QPointF, radius_px: float = 12.0) -> Reading | None:
    """The stored reading drawn nearest a point of the scene, within a radius."""
    vb = chart.getViewBox()
    if not vb.sceneBoundingRect().contains(scene_pos):
        return None
    here = vb.mapSceneToView(scene_pos)
    left = vb.mapSceneToView(QPointF(scene_pos.x() - radius_px, scene_pos.y()))
    half_ms = abs(here.x() - left.x()) * 1000
    at_ms = here.x() * 1000
    glitches = {(g.handle, g.at_ms, g.count) for g in chart.session.analysis.glitches}
    (_, _), (y0, y1) = vb.viewRange()
    top = y1 - (y1 - y0) * 0.06
    as_of = chart.session.as_of_ms
    best: tuple[float, str, int, int, bool, int] | None = None
    for comp in chart.session.competitors:
        s = chart.session.series.get(comp.handle)
        if s is None or not len(s):
            continue
        i0 = int(np.searchsorted(s.at_ms, int(at_ms - half_ms)))
        i1 = int(np.searchsorted(s.at_ms, int(at_ms + half_ms), side="right"))
        for i in range(i0, min(i1, i0 + 400)):
            t = int(s.at_ms[i])
            if as_of is not None and t > as_of:
                break
            count = int(s.count[i])
            glitch = (comp.handle, t, count) in glitches
            y = chart.plot_y(count)
            if glitch:
                y = min(y, top)
            p = vb.mapViewToScene(QPointF(t / 1000, y))
            d = float(np.hypot(p.x() - scene_pos.x(), p.y() - scene_pos.y()))
            if d <= radius_px and (best is None or d < best[0]):
                best = (d, comp.handle, t, count, glitch, int(s.user_flag[i]))
    if best is None:
        return None
    _, handle, t, count, glitch, user_flag = best
    sid = chart.session.reading_id(handle, t, count)
    return None if sid is None else Reading(sid, handle, t, count, glitch, user_flag)


def context_menu(chart: Chart, widget_pos: QPoint) -> QMenu:
    """The chart's context menu for a point of the widget (built, not shown)."""
    scene_pos = chart.mapToScene(widget_pos)
    vb = chart.getViewBox()
    menu = QMenu(chart if isinstance(chart, QWidget) else None)
    inside = vb.sceneBoundingRect().contains(scene_pos)
    writable = not chart.session.read_only
    if inside:
        at_ms = int(vb.mapSceneToView(scene_pos).x() * 1000)
        when = fmt.local(at_ms, chart.session.zone, "%a %H:%M")
        add = menu.addAction(f"Add Note Here ({when})…")
        add.setObjectName("addNoteHere")
        add.setEnabled(writable)
        add.triggered.connect(lambda: chart.note_requested.emit(at_ms))
        reading = nearest_reading(chart, scene_pos)
        if reading is not None:
            menu.addSeparator()
            what = (
                f"{chart.session.name(reading.handle)}: {fmt.count(reading.count)} at "
                f"{fmt.local(reading.at_ms, chart.session.zone, '%a %H:%M:%S')}"
            )
            # The name is the user's: no mnemonic in the item, no rich text in its tip.
            title = menu.addAction(fmt.menu_text(what))
            title.setToolTip(fmt.plain_tooltip(what))
            title.setEnabled(False)
            if reading.glitch:
                act = menu.addAction("Unflag: Count This Reading")
                act.setObjectName("unflagReading")
                act.triggered.connect(lambda: chart.flag_requested.emit(reading.id, FLAG_OK))
            else:
                act = menu.addAction("Flag as Glitch")
                act.setObjectName("flagReading")
                act.triggered.connect(lambda: chart.flag_requested.emit(reading.id, FLAG_GLITCH))
            act.setEnabled(writable)
            if reading.user_flag:
                clear = menu.addAction("Let the Detector Decide")
                clear.setObjectName("clearFlag")
                clear.setEnabled(writable)
                clear.triggered.connect(lambda: chart.flag_requested.emit(reading.id, FLAG_NONE))
        menu.addSeparator()
    menu.addAction("Whole Race", chart.fit_all)
    live = menu.addAction("Back to Live", chart.back_to_live)
    live.setEnabled(not chart.following)
    return menu
