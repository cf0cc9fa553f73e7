"""What the race chart and the gap plot share: the zone's time axis, plot styles, the focus ring."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFocusEvent, QPainter, QPaintEvent, QPalette, QPen
from PySide6.QtWidgets import QGraphicsView

from .. import fmt, forms, theme


class ZoneDateAxis(pg.DateAxisItem):
    """A date axis that labels ticks in the race's display zone."""

    def __init__(self, zone: ZoneInfo, **kwargs: object) -> None:
        super().__init__(orientation="bottom", **kwargs)
        self.zone = zone

    def set_reference(self, at_ms: int) -> None:
        """Align tick spacing to the zone's offset near a moment; name the zone on hover."""
        offset = datetime.fromtimestamp(at_ms / 1000, tz=self.zone).utcoffset()
        self.utcOffset = -offset.total_seconds() if offset is not None else 0
        # The zone's name comes from the file: a plain tooltip shows it as written.
        tip = fmt.plain_tooltip(f"Times in {fmt.zone_caption(at_ms, self.zone)}")
        if tip != self.toolTip():
            self.setToolTip(tip)

    def tickStrings(self, values, scale, spacing):  # noqa: N802 - Qt naming
        """Tick labels in the display zone."""
        spec = next((s for s in self.zoomLevel.tickSpecs if s.spacing == spacing), None)
        pattern = spec.format if spec is not None else "%H:%M"
        out = []
        for v in values:
            try:
                dt = datetime.fromtimestamp(v, tz=self.zone)
            except (OverflowError, OSError, ValueError):
                out.append("")
                continue
            text = dt.strftime(pattern)
            if "%f" in pattern:
                text = text[:-3]
            out.append(text.lstrip("0") if "%Y" in pattern else text)
        return out


def light_grid(item: pg.PlotItem) -> None:
    """Opaque grid lines in the scheme's quiet colour: translucent ones cost more to draw."""
    item.showGrid(x=True, y=True)
    for name in ("left", "bottom"):
        axis = item.getAxis(name)
        # Major and minor lines only, opaque, and behind the curves, legend and labels.
        axis.setStyle(tickAlpha=255, maxTickLevel=1)
        axis.setZValue(-100)


def style_plot(widget: pg.PlotWidget, scheme: theme.Scheme) -> None:
    """A plot's background, grid, axis lines and tick labels in a scheme's colours."""
    widget.setBackground(scheme.plot_bg)
    item = widget.getPlotItem()
    for name in ("left", "bottom"):
        axis = item.getAxis(name)
        axis.setTickPen(pg.mkPen(scheme.grid))
        axis.setPen(pg.mkPen(scheme.now_line))
        axis.setTextPen(pg.mkPen(scheme.axis_text))
        axis.picture = None
        axis.update()
    label = item.getAxis("left").label
    label.setDefaultTextColor(QColor(scheme.axis_text))


def pen(colour: str, width: float = 2.0, alpha: int = 255, dash: bool = False) -> object:
    """A cosmetic pen in a competitor's colour."""
    c = QColor(colour)
    c.setAlpha(alpha)
    p = pg.mkPen(c, width=width)
    if dash:
        p.setStyle(Qt.PenStyle.DashLine)
    return p


KEYS_HELP = "Arrow keys pan, + and − zoom, Home shows the whole race, End goes back to live"


PAN_STEP = 0.1  # of the view's width or height per arrow key (Shift: half a view)


# The chart's own keys, for Help ▸ Keyboard Shortcuts (the gap plot answers to the same).
CHART_KEYS = (
    (("Left", "Right"), "Move back or forward in time"),
    (("Up", "Down"), "Move up or down the counts"),
    (("Shift+Left", "Shift+Right"), "Move half a view at a time"),
    (("+", "−"), "Zoom in or out in time"),
    (("Home",), "Show the whole race"),
    (("End",), "Back to the newest readings"),
)


ZOOM_STEP = 1.5


MIN_SPAN_MS = 60_000


def paint_focus_ring(view: QGraphicsView) -> None:
    """Draw a ring in the highlight colour inside a plot that has the keyboard's focus."""
    painter = QPainter(view.viewport())
    pen = QPen(view.palette().color(QPalette.ColorRole.Highlight), 2)
    painter.setPen(pen)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawRect(view.viewport().rect().adjusted(1, 1, -1, -1))
    painter.end()


class FocusPlot(pg.PlotWidget):
    """A plot a keyboard user can tab to: a focus ring while the keyboard brought it there."""

    _focus_ring = False

    def focusInEvent(self, ev: QFocusEvent) -> None:  # noqa: N802 - Qt naming
        """Ring the plot when the keyboard brought the focus (not a click)."""
        super().focusInEvent(ev)
        self._focus_ring = forms.keyboard_brought(ev.reason())
        self.viewport().update()

    def focusOutEvent(self, ev: QFocusEvent) -> None:  # noqa: N802 - Qt naming
        """Drop the ring."""
        super().focusOutEvent(ev)
        self.viewport().update()

    def paintEvent(self, ev: QPaintEvent) -> None:  # noqa: N802 - Qt naming
        """The plot, and the focus ring while the keyboard is here."""
        super().paintEvent(ev)
        if self._focus_ring and self.hasFocus():
            paint_focus_ring(self)
