"""The gap plot: the first competitor's lead over the second, under the race chart."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import QColor, QKeyEvent

from ...core import downsampling
from ...session import Session
from .. import fmt, theme
from .race_chart import AXIS_WIDTH, RaceChart
from .style import KEYS_HELP, FocusPlot, ZoneDateAxis, light_grid, style_plot


def _brush(colour: str, alpha: int) -> object:
    c = QColor(colour)
    c.setAlpha(alpha)
    return pg.mkBrush(c)


class GapPlot(FocusPlot):
    """Lead over time, shaded in the leader's colour, with lead changes marked.

    It shares the race chart's time range, and its keys: they move both.
    """

    def __init__(self, session: Session, chart: RaceChart, parent: object = None) -> None:
        self.session = session
        self.axis = ZoneDateAxis(session.zone)
        super().__init__(parent=parent, axisItems={"bottom": self.axis})
        item = self.getPlotItem()
        item.setMenuEnabled(False)
        item.hideButtons()
        light_grid(item)
        left = item.getAxis("left")
        left.setWidth(AXIS_WIDTH)
        left.enableAutoSIPrefix(False)
        left.tickStrings = lambda values, scale, spacing: [fmt.signed(v) for v in values]
        self.chart = chart
        # The time range comes from the race chart and the lead range from _fit_y;
        # auto-ranging would push the whole race into the linked chart.
        item.disableAutoRange()
        self.setXLink(chart)
        self.ahead = pg.PlotDataItem(fillLevel=0, connect="finite")
        self.behind = pg.PlotDataItem(fillLevel=0, connect="finite")
        for curve in (self.ahead, self.behind):
            item.addItem(curve)
        self.zero_line = pg.InfiniteLine(angle=0, pos=0)
        item.addItem(self.zero_line)
        self.changes = pg.ScatterPlotItem(size=10, symbol="o")
        self.changes.setZValue(10)
        item.addItem(self.changes)
        # Where the trailing side, gaining at the projected rates, would draw level.
        self.next_change = pg.ScatterPlotItem(size=11, symbol="o")
        self.next_change.setZValue(11)
        item.addItem(self.next_change, ignoreBounds=True)
        self.apply_race()
        self._shown: tuple[np.ndarray, np.ndarray] = (np.zeros(0, np.int64), np.zeros(0))
        self._drawn_for: object = None  # the analysis and range last drawn
        self._drawn_key: tuple[float, float, int] | None = None
        self._dots: object = None  # what the lead-change dots were drawn for
        chart.getViewBox().sigXRangeChanged.connect(self._draw)
        chart.range_settled.connect(self.getViewBox().updateMatrix)
        session.analysis_changed.connect(self.refresh)
        session.race_changed.connect(self.apply_race)
        self.apply_theme()
        theme.watch(self.apply_theme)

    @Slot()
    def apply_theme(self) -> None:
        """Draw in the current scheme's colours."""
        s = theme.current()
        style_plot(self, s)
        self.zero_line.setPen(pg.mkPen(s.reference, width=1))
        self.changes.setPen(pg.mkPen(s.marker_edge))
        self.next_change.setPen(pg.mkPen(s.text, width=1.5, style=Qt.PenStyle.DashLine))
        self.next_change.setBrush(pg.mkBrush(None))
        self.apply_race()
        self.refresh()

    @Slot()
    def apply_race(self) -> None:
        """Colours and labels from the head-to-head pair."""
        self._dots = None  # drawn again in the new colours
        comps = self.session.competitors
        a = comps[0] if comps else None
        b = comps[1] if len(comps) > 1 else None
        scheme = theme.current()
        for curve, comp in ((self.ahead, a), (self.behind, b)):
            colour = theme.readable(comp.colour if comp else "#888888", scheme.plot_bg, 3.0)
            curve.setPen(pg.mkPen(colour, width=1.5))
            curve.setBrush(_brush(colour, 70))
        if a and b:
            # The name, not the handle: a long handle does not fit up the axis.
            name = a.name if len(a.name) <= 14 else a.name[:13] + "…"
            # pyqtgraph writes the label as HTML: the name from the file is shown as written.
            label = fmt.html_text(f"{name} ahead by")
            self.getPlotItem().setLabel("left", label, color=scheme.axis_text)
        self.axis.zone = self.session.zone
        self.axis.picture = None
        self.axis.update()
        self.setAccessibleName("Gap plot")
        if a and b:
            span = self.session.time_span()
            at = self.session.as_of_ms
            if at is None and span is not None:
                at = span[1]  # the zone's abbreviation where the window is, as its zone label
            zone = fmt.zone_caption(at, self.session.zone)
            self.setAccessibleDescription(
                f"{a.name}'s lead over {b.name} over time; below the line {b.name} is ahead. "
                f"Times in {zone}. {KEYS_HELP}, with the race chart."
            )

    # -- the keyboard: the race chart's keys, since the two share a time range --------------
    def keyPressEvent(self, ev: QKeyEvent) -> None:  # noqa: N802 - Qt naming
        """Pan and zoom with the chart's keys."""
        if self.chart.handle_key(ev):
            ev.accept()
            return
        super().keyPressEvent(ev)

    @Slot()
    def refresh(self) -> None:
        """Redraw from the session's analysis."""
        analysis = self.session.analysis
        colour = self.session.colour
        self.axis.utcOffset = self.chart.axis.utcOffset
        if self.axis.toolTip() != self.chart.axis.toolTip():
            self.axis.setToolTip(self.chart.axis.toolTip())
        self._draw()
        seen = analysis.forecast
        level = seen.next_lead_change_ms if seen is not None else None
        if level is None:
            self.next_change.setData([])
        else:
            tip = (
                "Projected lead change: at the rates projected, the trailing side draws level "
                f"about {fmt.local(level, self.session.zone, '%a %H:%M')}"
            )
            self.next_change.setData([{"pos": (level / 1000, 0), "data": tip}])
            self.next_change.setToolTip(tip)
        # The dots change only with the lead changes (or the colours: apply_race, apply_theme).
        dots = (tuple(analysis.lead_changes), theme.current())
        if dots != self._dots:
            self._dots = dots
            spots = [
                {
                    "pos": (c.at_ms / 1000, 0),
                    "brush": pg.mkBrush(theme.line_colour(colour(c.leader))),
                }
                for c in analysis.lead_changes
            ]
            self.changes.setData(spots)

    @Slot()
    def _draw(self, *args: object) -> None:
        """The lead over the chart's visible range, at most M4 per pixel column."""
        analysis = self.session.analysis
        pair = analysis.pair
        (x0, x1), _ = self.chart.getViewBox().viewRange()
        pixels = max(int(self.getViewBox().width() * self.devicePixelRatioF()), 100)
        drawn = (x0, x1, pixels)
        if self._drawn_for is analysis and self._drawn_key == drawn:
            return  # the same lead over the same range: what is drawn stands
        self._drawn_for, self._drawn_key = analysis, drawn
        t = np.zeros(0, dtype=np.int64)
        lead = np.zeros(0)
        if pair is not None:
            stale = self.session.race.stale_after_s * 1000
            a, b = analysis.clean[pair[0]], analysis.clean[pair[1]]
            t, lead = downsampling.visible_lead(a, b, stale, x0 * 1000, x1 * 1000, pixels)
        x, ahead, behind = downsampling.split_at_zero(t, lead)
        x = x / 1000.0
        self.ahead.setData(x, ahead)
        self.behind.setData(x, behind)
        self._shown = (t, lead)
        self._fit_y()

    def _fit_y(self) -> None:
        x0, x1 = self.chart.getViewBox().viewRange()[0]
        t, lead = self._shown
        if not t.size:
            return
        i0 = max(int(np.searchsorted(t, x0 * 1000)) - 1, 0)
        i1 = int(np.searchsorted(t, x1 * 1000, side="right"))
        part = lead[i0:i1]
        part = part[~np.isnan(part)]
        if not part.size:
            return
        m = max(float(np.abs(part).max()), 10.0) * 1.15
        self.setYRange(-m, m, padding=0)
