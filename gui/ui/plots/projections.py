"""Each side's projected finish on the race chart: a dashed line to the milestone in a band.

The line runs from the latest reading to the milestone at the projected time;
the band around it reaches the milestone between the early and late ends of
the 80% range (see core.analysis.forecast). A side that has crossed, or that
cannot be projected, shows none. In a replay they are the projections of the
moment shown.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from ...core.analysis.result import RaceAnalysis

BAND_ALPHA = 40
LINE_ALPHA = 200


class Projections:
    """The dashed lines and bands of the head-to-head pair, kept on a plot."""

    def __init__(self, plot: pg.PlotItem) -> None:
        self.plot = plot
        self.lines: dict[str, pg.PlotDataItem] = {}
        self.bands: dict[str, pg.FillBetweenItem] = {}
        self._edges: dict[str, tuple[pg.PlotDataItem, pg.PlotDataItem]] = {}
        self._shown: object = None

    def show(
        self,
        analysis: RaceAnalysis,
        colour_of: Callable[[str], str],
        plot_y: Callable[[float], float],
    ) -> None:
        """Draw the projections of an analysis (only when they changed)."""
        seen = analysis.forecast
        milestone = analysis.race.milestone
        pair = [c.handle for c in analysis.competitors[:2]]
        wanted: dict[str, tuple[float, float, float, float, float]] = {}
        if seen is not None:
            for handle in pair:
                p = seen.projections.get(handle)
                if p is None or p.crossed or None in (p.eta_ms, p.eta_low_ms, p.eta_high_ms):
                    continue
                assert p.eta_ms is not None and p.eta_low_ms is not None
                assert p.eta_high_ms is not None
                wanted[handle] = (
                    p.at_ms / 1000,
                    float(p.count),
                    p.eta_ms / 1000,
                    p.eta_low_ms / 1000,
                    p.eta_high_ms / 1000,
                )
        key = (
            tuple(sorted(wanted.items())),
            milestone,
            plot_y(milestone),
            tuple(colour_of(h) for h in pair),
        )
        if key == self._shown:
            return
        self._shown = key
        for handle in list(self.lines):
            if handle not in wanted:
                self._hide(handle)
        for handle, (t0, c0, eta, early, late) in wanted.items():
            colour = QColor(colour_of(handle))
            y0, y1 = plot_y(c0), plot_y(milestone)
            line = self._line(handle)
            line.setPen(pg.mkPen(_alpha(colour, LINE_ALPHA), width=1.5, style=Qt.PenStyle.DashLine))
            line.setData(np.array([t0, eta]), np.array([y0, y1]))
            upper, lower = self._edges_of(handle, colour)
            # Early end above, late end below: the band is where the count will be.
            upper.setData(np.array([t0, early, late]), np.array([y0, y1, y1]))
            lower.setData(np.array([t0, late]), np.array([y0, y1]))
            self.bands[handle].setBrush(pg.mkBrush(_alpha(colour, BAND_ALPHA)))
            for item in (line, upper, lower, self.bands[handle]):
                item.show()

    def _line(self, handle: str) -> pg.PlotDataItem:
        line = self.lines.get(handle)
        if line is None:
            line = self.lines[handle] = pg.PlotDataItem()
            line.setZValue(6)
            self.plot.addItem(line, ignoreBounds=True)
        return line

    def _edges_of(self, handle: str, colour: QColor) -> tuple[pg.PlotDataItem, pg.PlotDataItem]:
        edges = self._edges.get(handle)
        if edges is None:
            upper, lower = pg.PlotDataItem(), pg.PlotDataItem()
            for edge in (upper, lower):
                edge.setPen(pg.mkPen(None))
                self.plot.addItem(edge, ignoreBounds=True)
            band = pg.FillBetweenItem(upper, lower)
            band.setZValue(1)
            self.plot.addItem(band, ignoreBounds=True)
            self.bands[handle] = band
            edges = self._edges[handle] = (upper, lower)
        return edges

    def _hide(self, handle: str) -> None:
        for item in (self.lines.get(handle), self.bands.get(handle), *self._edges.get(handle, ())):
            if item is not None:
                item.hide()


def _alpha(colour: QColor, alpha: int) -> QColor:
    out = QColor(colour)
    out.setAlpha(alpha)
    return out
