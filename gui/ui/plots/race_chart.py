"""The race chart: every competitor's count over time, milestone, crossings, notes and glitches."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPoint, Qt, Signal, Slot
from PySide6.QtGui import (
    QColor,
    QContextMenuEvent,
    QFont,
    QKeyEvent,
)
from PySide6.QtWidgets import QMenu

from ...core import downsampling
from ...session import Session
from .. import fmt, theme
from . import picking
from .edge_markers import EdgeMarkers
from .projections import Projections
from .style import (
    CHART_KEYS,
    KEYS_HELP,
    MIN_SPAN_MS,
    PAN_STEP,
    ZOOM_STEP,
    FocusPlot,
    ZoneDateAxis,
    light_grid,
    pen,
    style_plot,
)

DEFAULT_SPAN_MS = 4 * 3_600_000
AXIS_WIDTH = 78


def marker_tip(x: float, y: float, data: object) -> str:
    """A marker's tooltip: its text, shown exactly as written (it may come from a file)."""
    if isinstance(data, tuple) and len(data) == 2:
        return fmt.plain_tooltip(str(data[1]))
    return ""


# The room right of the newest reading, as shares of the view's width: the usual margin,
# then wider steps that bring a near projected finish into view.
ROOM_STEPS = (0.04, 0.12, 0.22, 0.35)


class RaceChart(FocusPlot):
    """The main chart. Follows the live edge until the user pans or zooms away.

    With the keyboard's focus: the arrow keys pan, + and − zoom the time axis,
    Home shows the whole race and End goes back to live.
    """

    KEY_HELP = ("Chart and gap plot (when one has the focus)", CHART_KEYS)

    event_clicked = Signal(str)  # the event's key
    following_changed = Signal(bool)
    note_requested = Signal(object)  # UTC ms picked on the chart (beyond 32 bits)
    flag_requested = Signal(int, str)  # snapshot id, flag
    range_settled = Signal()  # a range change was applied (linked plots follow)

    def __init__(self, session: Session, parent: object = None) -> None:
        self.session = session
        self.axis = ZoneDateAxis(session.zone)
        super().__init__(parent=parent, axisItems={"bottom": self.axis})
        self.following = True
        self.span_ms = DEFAULT_SPAN_MS
        self.log_y = False

        item = self.getPlotItem()
        light_grid(item)
        item.setMenuEnabled(False)
        item.getAxis("left").setWidth(AXIS_WIDTH)
        item.getAxis("left").enableAutoSIPrefix(False)
        item.getAxis("left").tickStrings = self._count_ticks
        item.hideButtons()
        self.legend = item.addLegend(offset=(10, 10), labelTextSize="10pt")
        self.legend.setZValue(50)  # above the glitch crosses held under the top edge

        self.curves: dict[str, pg.PlotDataItem] = {}
        # Each curve's points as last handed over (times in ms, counts).
        self._drawn: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        # What the curves and markers were last drawn from, so a second ask redraws nothing.
        self._curves_for: object = None
        self._curves_key: tuple[float, float, int, int] | None = None
        self._stars: object = None  # what the crossing stars were drawn for
        self._sync_curves()

        self.milestone_line = pg.InfiniteLine(
            angle=0,
            label="",
            labelOpts={"position": 0.45, "anchors": [(0.5, 1), (0.5, 1)]},
        )
        item.addItem(self.milestone_line, ignoreBounds=True)

        self.crossings = pg.ScatterPlotItem(
            size=16, symbol="star", hoverable=True, tip=marker_tip, pxMode=True
        )
        self.crossings.setZValue(20)
        item.addItem(self.crossings)
        self.edge = EdgeMarkers(session, marker_tip)
        self.glitches, self.notes = self.edge.glitches, self.edge.notes
        item.addItem(self.glitches, ignoreBounds=True)
        item.addItem(self.notes, ignoreBounds=True)
        for scatter in (self.crossings, self.glitches, self.notes):
            scatter.sigClicked.connect(self._on_scatter_clicked)

        self.projections = Projections(item)
        self.now_line = pg.InfiniteLine(angle=90)
        item.addItem(self.now_line, ignoreBounds=True)
        self.selected_line = pg.InfiniteLine(
            angle=90, pen=pg.mkPen("#f0a202", width=2, style=Qt.PenStyle.DashLine)
        )
        self.selected_line.hide()
        item.addItem(self.selected_line, ignoreBounds=True)

        self.cross_v = pg.InfiniteLine(angle=90)
        self.cross_v.hide()
        item.addItem(self.cross_v, ignoreBounds=True)
        self.readout = pg.TextItem(anchor=(1, 0))
        self.readout.setFont(QFont("DejaVu Sans", 9))
        self.readout.setZValue(30)
        self.readout.hide()
        item.addItem(self.readout, ignoreBounds=True)

        vb = item.getViewBox()
        vb.sigRangeChangedManually.connect(self._on_view_range_changed_manually)
        vb.sigYRangeChanged.connect(self._place_clamped_markers)
        vb.sigXRangeChanged.connect(self._place_clamped_markers)
        vb.sigXRangeChanged.connect(self._draw_curves)
        vb.sigResized.connect(self._draw_curves)
        self.scene().sigMouseMoved.connect(self._on_mouse_moved)
        self.setAccessibleName("Race chart")
        self._describe()
        session.analysis_changed.connect(self.refresh)
        session.race_changed.connect(self.apply_race)
        self.apply_theme()
        if self.follows_theme:
            theme.watch(self.apply_theme)

    follows_theme = True  # an exported figure keeps to the light scheme

    def scheme(self) -> theme.Scheme:
        """The colours this chart draws with."""
        return theme.current() if self.follows_theme else theme.LIGHT_SCHEME

    @Slot()
    def apply_theme(self) -> None:
        """Draw in the current scheme's colours: background, axes, lines and labels."""
        s = self.scheme()
        style_plot(self, s)
        self.legend.setBrush(pg.mkBrush(QColor(s.legend_fill)))
        self.legend.setLabelTextColor(s.text)
        self.milestone_line.setPen(pg.mkPen(s.reference, width=1, style=Qt.PenStyle.DashLine))
        self.milestone_line.label.setColor(s.reference)
        self.now_line.setPen(pg.mkPen(s.now_line, width=1))
        self.cross_v.setPen(pg.mkPen(s.crosshair, width=1))
        self.readout.setColor(s.text)
        self.readout.fill = pg.mkBrush(QColor(s.legend_fill))
        self._sync_curves()
        self.refresh()

    def detach(self) -> None:
        """Stop following the session (a figure about to be deleted)."""
        for signal, slot in (
            (self.session.analysis_changed, self.refresh),
            (self.session.race_changed, self.apply_race),
        ):
            try:
                signal.disconnect(slot)
            except (RuntimeError, TypeError, RuntimeWarning):
                pass  # not connected

    # -- data ------------------------------------------------------------------------
    def _sync_curves(self) -> None:
        """One curve per competitor, in the competitor's colour and name."""
        item = self.getPlotItem()
        self.legend.clear()
        for i, comp in enumerate(self.session.competitors):
            head = i < 2
            colour = theme.readable(comp.colour, self.scheme().plot_bg, 3.0)
            style = pen(colour, 2.0 if head else 1.4, 255 if head else 150, dash=not head)
            name = f"{comp.name} (@{comp.handle})"
            curve = self.curves.get(comp.handle)
            if curve is None:
                # The chart hands each curve only what the view needs (core.downsampling).
                curve = pg.PlotDataItem(connect="finite", skipFiniteCheck=True)
                item.addItem(curve)
                self.curves[comp.handle] = curve
            curve.setPen(style)
            curve.opts["name"] = name
            curve.setZValue(10 if head else 5)
            # The legend's labels are rich text: names from a file are shown as written.
            self.legend.addItem(curve, fmt.html_text(name))

    @Slot()
    def _draw_curves(self, *args: object) -> None:
        """Hand each curve the readings the visible range needs: at most M4 per pixel column."""
        vb = self.getViewBox()
        (x0, x1), _ = vb.viewRange()
        pixels = max(int(vb.width() * self.devicePixelRatioF()), 100)
        analysis = self.session.analysis
        drawn = (x0, x1, pixels, len(self.curves))
        if self._curves_for is analysis and self._curves_key == drawn:
            return  # the same readings over the same range: what is drawn stands
        self._curves_for, self._curves_key = analysis, drawn
        clean = analysis.clean
        for handle, curve in self.curves.items():
            t, c = clean.get(handle, (np.zeros(0, np.int64), np.zeros(0, np.int64)))
            ts, cs = downsampling.visible(t, c, x0 * 1000, x1 * 1000, pixels)
            self._drawn[handle] = (ts, cs)
            self._set_curve(curve, ts / 1000.0, cs.astype(np.float64))

    def _set_curve(self, curve: pg.PlotDataItem, x: np.ndarray, y: np.ndarray) -> None:
        curve.setData(x, y, skipFiniteCheck=True)

    @Slot()
    def apply_race(self) -> None:
        """Redraw after the race's settings, names or colours changed."""
        self.axis.zone = self.session.zone
        self.edge.forget_words()  # names and the zone are in the tooltips
        self._stars = None
        self._sync_curves()
        self.refresh()
        self.axis.picture = None
        self.axis.update()
        self._describe()

    def _describe(self) -> None:
        """The chart in words for a screen reader: who is drawn, in which zone, which keys."""
        names = " and ".join(c.name for c in self.session.competitors[:2]) or "the competitors"
        end = self._end_ms()
        zone = fmt.zone_caption(end, self.session.zone)
        self.setAccessibleDescription(
            f"Counts of {names} over time toward {fmt.count(self.session.race.milestone)}, "
            f"times in {zone}. {KEYS_HELP}."
        )

    @Slot()
    def refresh(self) -> None:
        """Redraw from the session's current analysis."""
        analysis = self.session.analysis
        race = self.session.race
        self.milestone_line.setValue(self.plot_y(race.milestone))
        self.milestone_line.label.setFormat(f"Milestone {fmt.count(race.milestone)}")

        # The stars change only when a crossing does (or the look, see apply_race and apply_theme).
        stars = (tuple(analysis.crossings.values()), self.log_y, self.scheme())
        if stars != self._stars:
            self._stars = stars
            self._draw_crossings()
        self.edge.take(analysis, self.session.events)
        self.projections.show(analysis, self._line_colour, self.plot_y)
        end = self._end_ms()
        if end is not None:
            self.axis.set_reference(end)
            self.now_line.setValue(end / 1000)
        if self.following:
            self._follow()
        else:
            self._draw_curves()
        self._place_clamped_markers()

    def _draw_crossings(self) -> None:
        """A star where each competitor reached the milestone."""
        analysis = self.session.analysis
        race = self.session.race
        spots = []
        for crossing in analysis.crossings.values():
            colour = self.session.colour(crossing.handle)
            spots.append(
                {
                    "pos": (crossing.at_ms / 1000, self.plot_y(crossing.count)),
                    "brush": pg.mkBrush(theme.readable(colour, self.scheme().plot_bg, 3.0)),
                    "pen": pg.mkPen(self.scheme().marker_edge, width=1),
                    "data": (
                        f"crossed:{crossing.handle}",
                        f"{self.session.name(crossing.handle)} reaches "
                        f"{fmt.count(race.milestone)} at "
                        f"{fmt.local(crossing.at_ms, self.session.zone)}",
                    ),
                }
            )
        self.crossings.setData(spots)

    def _line_colour(self, handle: str) -> str:
        """A competitor's colour as its curve is drawn (readable on the plot's background)."""
        return theme.readable(self.session.colour(handle), self.scheme().plot_bg, 3.0)

    def plot_y(self, value: float) -> float:
        """Where a count is drawn: itself, or its logarithm on a log axis."""
        return float(np.log10(max(value, 1))) if self.log_y else float(value)

    def _end_ms(self) -> int | None:
        if self.session.as_of_ms is not None:
            return self.session.as_of_ms
        span = self.session.time_span()
        return span[1] if span else None

    # -- view ------------------------------------------------------------------------
    @contextmanager
    def _markers_after(self) -> Iterator[None]:
        """Change the time and count ranges, then place the clamped markers once."""
        self.edge.holding = True
        try:
            yield
        finally:
            self.edge.holding = False
        self._place_clamped_markers()

    def _follow(self) -> None:
        end = self._end_ms()
        span = self.session.time_span()
        if end is None or span is None:
            return
        width = min(self.span_ms, max(end - span[0], 60_000))
        x0, x1 = (end - width) / 1000, (end + self._room_ahead(end, width)) / 1000
        vb = self.getViewBox()
        (c0, c1), _ = vb.viewRange()
        # Live, the edge moves a pixel every few seconds: until it has, the view stays
        # (the new readings are in it, short of the margin) and the axes need no redraw.
        pixel = (x1 - x0) / max(vb.width(), 1.0)
        moved = abs((c1 - c0) - (x1 - x0)) > pixel / 2 or abs(c1 - x1) >= pixel
        with self._markers_after():
            if moved:
                self.setXRange(x0, x1, padding=0)
            self._draw_curves()  # drawn once for the new range, before the counts are fitted
            self._fit_y(int(x0 * 1000), end, steady=True)
        self.settle()

    def _room_ahead(self, end: int, width: int) -> float:
        """Room right of the newest reading: a margin, or enough to show the first projected finish.

        Only a finish within a third of the view's width is brought into it (see
        .projections), and the room grows in a few steps, so a projection that
        moves a little with each reading does not move the view (nor redraw the axes).
        """
        seen = self.session.analysis.forecast
        etas = [
            p.eta_ms
            for h, p in (seen.projections.items() if seen is not None else ())
            if h in self.pair_handles() and not p.crossed and p.eta_ms is not None
        ]
        ahead = (min(etas) - end) * 1.05 if etas else 0.0
        for share in ROOM_STEPS:
            if ahead <= width * share:
                return width * share
        return width * ROOM_STEPS[0]  # too far off to show: the usual margin

    def pair_handles(self) -> list[str]:
        """The head-to-head pair's handles."""
        return [c.handle for c in self.session.competitors[:2]]

    def _fit_y(self, start_ms: int, end_ms: int, steady: bool = False) -> None:
        """Fit the head-to-head pair (and the milestone when it is near) in the view.

        ``steady`` keeps the count range while the readings stay well inside
        it and it is not much looser than a fresh fit (following the live edge:
        the range, and the axis, then change now and then rather than every frame).
        """
        lo, hi = np.inf, -np.inf
        (x0, x1), _ = self.getViewBox().viewRange()
        # What is drawn keeps every pixel column's lowest and highest reading: when
        # it covers the range, fitting to it is as good and needs no pass over millions.
        drawn = x0 * 1000 <= start_ms and end_ms <= x1 * 1000
        for comp in self.session.competitors[:2]:
            if drawn and comp.handle in self._drawn:
                t, c = self._drawn[comp.handle]
            else:
                t, c = self.session.analysis.clean.get(comp.handle, (np.zeros(0), np.zeros(0)))
            if not t.size:
                continue
            i0 = max(int(np.searchsorted(t, start_ms)) - 1, 0)
            i1 = int(np.searchsorted(t, end_ms, side="right"))
            part = c[i0:i1]
            if part.size:
                lo, hi = min(lo, float(part.min())), max(hi, float(part.max()))
        if not np.isfinite(lo):
            return
        milestone = float(self.session.race.milestone)
        height = max(hi - lo, 10.0)
        if milestone > hi and milestone - hi < 1.5 * height:
            hi = milestone
        pad = max((hi - lo) * 0.08, 5.0)
        inner = (self.plot_y(lo - pad / 2), self.plot_y(hi + pad / 2))
        lo, hi = self.plot_y(lo - pad), self.plot_y(hi + pad)
        if steady:
            _, (y0, y1) = self.getViewBox().viewRange()
            if y0 <= inner[0] and inner[1] <= y1 and (y1 - y0) <= 1.5 * (hi - lo):
                return
        self.setYRange(lo, hi, padding=0)

    def set_following(self, on: bool) -> None:
        """Follow the live edge (or stop)."""
        if on == self.following:
            return
        self.following = on
        if on:
            self.span_ms = DEFAULT_SPAN_MS
            self._follow()
        self.following_changed.emit(on)

    @Slot()
    def back_to_live(self) -> None:
        """Return to the live edge."""
        self.set_following(True)
        self._follow()

    def set_log_y(self, on: bool) -> None:
        """Switch the count axis between linear and logarithmic."""
        self.log_y = on
        self.getPlotItem().setLogMode(y=on)
        self.refresh()
        if not self.following:
            self.getPlotItem().enableAutoRange(y=True)

    def center_on(self, at_ms: int) -> None:
        """Centre the view on a moment and mark it; stops following."""
        self.set_following(False)
        x0, x1 = self.getViewBox().viewRange()[0]
        half = (x1 - x0) / 2
        t = at_ms / 1000
        with self._markers_after():
            self.setXRange(t - half, t + half, padding=0)
            self._fit_y(int((t - half) * 1000), int((t + half) * 1000))
        self.settle()
        self.selected_line.setValue(t)
        self.selected_line.show()

    def show_range(self, start_ms: int, end_ms: int) -> None:
        """Show a time range (stops following) with the counts fitted."""
        self.set_following(False)
        with self._markers_after():
            self.setXRange(start_ms / 1000, end_ms / 1000, padding=0)
            self._fit_y(start_ms, end_ms)
        self.settle()

    def settle(self) -> None:
        """Apply a range change to the view now, so the next frame paints it once.

        pyqtgraph otherwise applies it while painting, which moves every item
        and asks for a second paint of the whole chart.
        """
        self.getViewBox().updateMatrix()
        self.range_settled.emit()

    def fit_all(self) -> None:
        """Show the whole race."""
        span = self.session.time_span()
        if span is None:
            return
        self.set_following(False)
        self.setXRange(span[0] / 1000, span[1] / 1000, padding=0.02)
        self._fit_y(span[0], span[1])
        self.settle()

    # -- the keyboard -----------------------------------------------------------------------
    def pan_by(self, fraction: float) -> None:
        """Move the time range by a fraction of its width (negative: back in time)."""
        (x0, x1), _ = self.getViewBox().viewRange()
        shift = (x1 - x0) * fraction
        self.show_range(int((x0 + shift) * 1000), int((x1 + shift) * 1000))

    def pan_counts_by(self, fraction: float) -> None:
        """Move the count range by a fraction of its height (negative: down)."""
        _, (y0, y1) = self.getViewBox().viewRange()
        shift = (y1 - y0) * fraction
        self.set_following(False)
        self.setYRange(y0 + shift, y1 + shift, padding=0)
        self.settle()

    def zoom_by(self, factor: float) -> None:
        """Widen (factor > 1) or narrow the time range about its middle."""
        (x0, x1), _ = self.getViewBox().viewRange()
        span = self.session.time_span()
        most = 3 * (span[1] - span[0]) / 1000 if span else (x1 - x0) * factor
        half = min(max((x1 - x0) * factor, MIN_SPAN_MS / 1000), max(most, x1 - x0)) / 2
        middle = (x0 + x1) / 2
        self.show_range(int((middle - half) * 1000), int((middle + half) * 1000))

    def handle_key(self, ev: QKeyEvent) -> bool:
        """Pan, zoom, whole race or back to live for a key; False when the key is not one."""
        mods = ev.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        shift = mods == Qt.KeyboardModifier.ShiftModifier
        if mods not in (Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.ShiftModifier):
            return False
        key = ev.key()
        step = 0.5 if shift else PAN_STEP
        if key == Qt.Key.Key_Left:
            self.pan_by(-step)
        elif key == Qt.Key.Key_Right:
            self.pan_by(step)
        elif key == Qt.Key.Key_Up:
            self.pan_counts_by(step)
        elif key == Qt.Key.Key_Down:
            self.pan_counts_by(-step)
        elif key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
            self.zoom_by(1 / ZOOM_STEP)
        elif key in (Qt.Key.Key_Minus, Qt.Key.Key_Underscore):
            self.zoom_by(ZOOM_STEP)
        elif key == Qt.Key.Key_Home:
            self.fit_all()
        elif key == Qt.Key.Key_End:
            self.back_to_live()
        else:
            return False
        return True

    def keyPressEvent(self, ev: QKeyEvent) -> None:  # noqa: N802 - Qt naming
        """The chart's keys (see the class); others go to pyqtgraph."""
        if self.handle_key(ev):
            ev.accept()
            return
        super().keyPressEvent(ev)

    # -- markers that stick to the edges of the view ------------------------------------
    def _place_clamped_markers(self, *args: object) -> None:
        """Glitch crosses (held under the top) and note triangles (at the foot), in view only."""
        self.edge.place(self.getViewBox().viewRange(), self.plot_y, self.log_y)

    @Slot(object, object, object)
    def _on_scatter_clicked(self, item: object, points: object, ev: object = None) -> None:
        for point in points:  # type: ignore[attr-defined]
            data = point.data()
            if isinstance(data, tuple) and data:
                self.event_clicked.emit(str(data[0]))
                return

    @Slot()
    def _on_view_range_changed_manually(self, *args: object) -> None:
        self.set_following(False)

    def _count_ticks(self, values, scale, spacing):  # noqa: ANN001
        if self.log_y:
            return [fmt.count(10**v) for v in values]
        return [fmt.count(v) for v in values]

    @Slot(object)
    def _on_mouse_moved(self, pos: object) -> None:
        vb = self.getViewBox()
        if not self.sceneBoundingRect().contains(pos) or not vb.sceneBoundingRect().contains(pos):
            self.cross_v.hide()
            self.readout.hide()
            return
        point = vb.mapSceneToView(pos)
        self.show_readout(int(point.x() * 1000))

    def show_readout(self, at_ms: int) -> None:
        """Show the crosshair and exact counts at a moment."""
        self.cross_v.setValue(at_ms / 1000)
        self.cross_v.show()
        lines = [fmt.local(at_ms, self.session.zone, "%a %d %b %H:%M:%S")]
        stale = self.session.race.stale_after_s * 1000
        values = {}
        for comp in self.session.competitors:
            t, c = self.session.analysis.clean.get(comp.handle, (np.zeros(0), np.zeros(0)))
            i = int(np.searchsorted(t, at_ms, side="right")) - 1
            if i >= 0 and at_ms - int(t[i]) <= stale:
                values[comp.handle] = int(c[i])
                lines.append(f"{comp.name}: {fmt.count(int(c[i]))}")
        pair = self.session.competitors[:2]
        if len(pair) == 2 and all(p.handle in values for p in pair):
            lead = values[pair[0].handle] - values[pair[1].handle]
            leader = pair[0] if lead >= 0 else pair[1]
            lines.append(f"Lead: {leader.name} by {fmt.count(abs(lead))}")
        self.readout.setText("\n".join(lines))
        (x0, x1), (y0, y1) = self.getViewBox().viewRange()
        self.readout.setPos(x1, y1)
        self.readout.show()

    def readout_text(self) -> str:
        """The crosshair's text (for tests)."""
        return str(self.readout.textItem.toPlainText())

    def context_menu_at(self, widget_pos: QPoint) -> QMenu:
        """The chart's context menu for a point of the widget (built, not shown)."""
        return picking.context_menu(self, widget_pos)

    def contextMenuEvent(self, ev: QContextMenuEvent) -> None:  # noqa: N802 - Qt naming
        """Notes and hand flags from the chart."""
        menu = self.context_menu_at(ev.pos())
        menu.exec(ev.globalPos())
        menu.deleteLater()
        ev.accept()
