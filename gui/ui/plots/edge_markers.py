"""Markers the race chart holds at the edges of its view: glitch crosses and note triangles.

A glitch is drawn where it was read, but never above a little under the top
of the view (a spike to two million must not squash the race), and a note
sits at the foot. Only the markers near the visible range are handed to
pyqtgraph, and only when what they show or the view changed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pyqtgraph as pg

from ...core.analysis.result import Glitch, RaceAnalysis
from ...core.model import (
    KIND_CROSSED,
    KIND_GLITCH,
    KIND_LEAD_CHANGE,
    KIND_SOURCE,
    KIND_TO_GO,
    Event,
)
from ...session import Session
from .. import fmt

# Derived events have markers of their own (stars, crosses, the gap plot's dots).
DERIVED_MARKED = (KIND_CROSSED, KIND_GLITCH, KIND_LEAD_CHANGE, KIND_TO_GO)
# The newest reading while it may still turn out to be a glitch: a hollow amber ring.
PROVISIONAL_PEN = pg.mkPen("#d68000", width=2)
PROVISIONAL_BRUSH = pg.mkBrush(255, 255, 255, 0)
GLITCH_PEN = pg.mkPen("#c0392b", width=2)
GLITCH_BRUSH = pg.mkBrush("#c0392b")

_GlitchPoint = tuple[float, float, str, Glitch, bool]  # x (s), count, key, glitch, provisional
_NotePoint = tuple[float, str, str]  # x (s), key, text


class EdgeMarkers:
    """The chart's glitch and note markers, placed for the view."""

    def __init__(self, session: Session, tip: Callable[[float, float, object], str]) -> None:
        self.session = session
        self.glitches = pg.ScatterPlotItem(
            size=13, symbol="x", pen=GLITCH_PEN, brush=GLITCH_BRUSH, hoverable=True, tip=tip
        )
        self.glitches.setZValue(20)
        self.notes = pg.ScatterPlotItem(
            size=11,
            symbol="t1",
            pen=pg.mkPen("#7d5a00"),
            brush=pg.mkBrush("#f5c542"),
            hoverable=True,
            tip=tip,
        )
        self.notes.setZValue(15)
        self._glitch_points: list[_GlitchPoint] = []
        self._note_points: list[_NotePoint] = []
        self._placed: tuple[object, ...] | None = None  # what they were last placed for
        self._tips: dict[tuple[str, int, int, bool], str] = {}
        self.holding = False  # a range change in two steps places them once, after

    def forget_words(self) -> None:
        """Names or the zone changed: tooltips are worded again."""
        self._tips.clear()
        self._placed = None

    def take(self, analysis: RaceAnalysis, events: Sequence[Event]) -> None:
        """The glitches and notes to mark (kept as they were when unchanged)."""
        glitch_points = [
            (g.at_ms / 1000, float(g.count), f"glitch:{g.handle}:{g.at_ms}:{g.count}", g, False)
            for g in analysis.glitches
        ] + [
            (g.at_ms / 1000, float(g.count), f"provisional:{g.handle}:{g.at_ms}:{g.count}", g, True)
            for g in analysis.provisional
        ]
        note_points = [
            (e.at_ms / 1000, e.key or f"id:{e.id}", e.text)
            for e in events
            if e.kind not in DERIVED_MARKED and e.kind != KIND_SOURCE  # source trouble: log only
        ]
        if glitch_points != self._glitch_points:
            self._glitch_points = glitch_points
        if note_points != self._note_points:
            self._note_points = note_points

    def place(
        self,
        view: tuple[tuple[float, float], tuple[float, float]],
        plot_y: Callable[[float], float],
        log_y: bool,
    ) -> None:
        """Put the markers near the view ``((x0, x1), (y0, y1))`` where they belong in it."""
        if self.holding:
            return
        (x0, x1), (y0, y1) = view
        height = y1 - y0
        top = y1 - height * 0.06
        bottom = y0 + height * 0.04
        # Markers outside the visible range (with a view's width to spare) are left
        # out: a long race has hundreds, and each range change places them again.
        lo, hi = x0 - (x1 - x0), x1 + (x1 - x0)
        placed = (x0, x1, y0, y1, log_y, id(self._glitch_points), id(self._note_points))
        if placed == self._placed:
            return
        self._placed = placed
        shown = [g for g in self._glitch_points if lo <= g[0] <= hi]
        # One style for all when none is provisional: pyqtgraph styles each spot otherwise.
        mixed = any(g[4] for g in shown)
        self.glitches.setData(
            x=np.array([g[0] for g in shown], dtype=np.float64),
            y=np.array([min(plot_y(g[1]), top) for g in shown], dtype=np.float64),
            data=[(g[2], self._glitch_tip(g[3], g[4])) for g in shown],
            symbol=["o" if g[4] else "x" for g in shown] if mixed else "x",
            pen=[PROVISIONAL_PEN if g[4] else GLITCH_PEN for g in shown] if mixed else GLITCH_PEN,
            brush=(
                [PROVISIONAL_BRUSH if g[4] else GLITCH_BRUSH for g in shown]
                if mixed
                else GLITCH_BRUSH
            ),
        )
        notes = [n for n in self._note_points if lo <= n[0] <= hi]
        self.notes.setData(
            x=np.array([n[0] for n in notes], dtype=np.float64),
            y=np.full(len(notes), bottom, dtype=np.float64),
            data=[(key, text) for _, key, text in notes],
        )

    def _glitch_tip(self, glitch: Glitch, provisional: bool) -> str:
        """A glitch marker's tooltip (worked out once for each reading, then kept)."""
        key = (glitch.handle, glitch.at_ms, glitch.count, provisional)
        tip = self._tips.get(key)
        if tip is None:
            name = self.session.name(glitch.handle)
            when = fmt.local(glitch.at_ms, self.session.zone)
            if provisional:
                tip = (
                    f"Provisional: {fmt.count(glitch.count)} for {name} at {when} jumps like a "
                    "glitch; it stays out of the figures until the next reading shows whether "
                    "it is real"
                )
            else:
                count = fmt.count(glitch.count)
                tip = f"Glitch: {count} for {name} at {when}, left out of the figures"
            self._tips[key] = tip
        return tip
