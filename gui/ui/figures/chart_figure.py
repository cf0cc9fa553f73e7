"""The chart dressed for sharing, as PNG or SVG, and pictures of any widget at a given size.

The exported chart is a figure of its own, built from the same ``RaceChart`` as
the window: the race title and the two names in their colours above the plot,
the time zone and a small credit below. It is laid out at no more than
``LEGIBLE_WIDTH`` logical pixels and drawn at a higher pixel ratio when a
bigger image is asked for, so its text stays readable when the picture is
shown 1,200 pixels wide. PNGs are painted by Qt; SVGs come from pyqtgraph's
``SVGExporter``; replay clips (:mod:`.clip`) draw this figure under a small
scoreboard for each moment.

Every export goes through a temporary file and a rename: a failure or a cancel
leaves no half-written file behind.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pyqtgraph as pg
import pyqtgraph.exporters  # noqa: F401 - pg.exporters is not imported by pyqtgraph itself
from PySide6.QtCore import QPoint, QSize, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPen
from PySide6.QtWidgets import (
    QApplication,
    QWidget,
)

from ...core.atomic import atomic_file, atomic_path
from ...session import Session
from .. import fmt
from ..plots.race_chart import RaceChart

log = logging.getLogger(__name__)

CREDIT = "Photo Finish"
# The widest layout an exported picture gets; bigger pictures are drawn at a higher ratio.
LEGIBLE_WIDTH = 1200
FONT = "DejaVu Sans"


def figure_scale(size: tuple[int, int], min_width: int = 0) -> float:
    """The pixel ratio that lays a picture of ``size`` out between min_width and LEGIBLE_WIDTH.

    Wider pictures are drawn at a higher ratio so their text stays legible when
    shown smaller; narrower ones (a small clip) at a lower ratio so everything fits.
    """
    logical = min(max(size[0], min_width), LEGIBLE_WIDTH)
    return size[0] / logical


def zone_caption(session: Session, at_ms: int | None) -> str:
    """The zone by name, and its abbreviation at a moment: "Times in Europe/Paris (CEST)"."""
    key = str(getattr(session.zone, "key", session.zone))
    if at_ms is None:
        return f"Times in {key}"
    abbr = datetime.fromtimestamp(at_ms / 1000, tz=session.zone).tzname() or ""
    return f"Times in {key} ({abbr})" if abbr and abbr not in key else f"Times in {key}"


def _names_html(session: Session, size_pt: int) -> str:
    parts = []
    for comp in session.competitors[:2]:
        name = fmt.html_text(f"{comp.name} (@{comp.handle})")
        parts.append(
            f"<span style='color:{QColor(comp.colour).name()}; font-size:{size_pt}pt; "
            f"font-weight:bold'>&#9632;&nbsp;{name}</span>"
        )
    return "&nbsp;&nbsp;&nbsp;&nbsp;".join(parts)


class ChartFigure(RaceChart):
    """The race chart dressed for export: title, names, zone and credit; no hover items.

    ``x_range`` and ``y_range`` are in the chart's own units (seconds, counts);
    without them it shows the whole race.
    """

    follows_theme = False  # a figure for print and posts: light whatever the window shows

    def __init__(
        self,
        session: Session,
        x_range: tuple[float, float] | None = None,
        y_range: tuple[float, float] | None = None,
        log_y: bool = False,
        captions: bool = True,
    ) -> None:
        super().__init__(session)
        self.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen)
        self.setFrameShape(self.Shape.NoFrame)
        item = self.getPlotItem()
        item.layout.setContentsMargins(6, 8, 18, 4)
        # pyqtgraph draws the view's (invisible) border as a path its SVG exporter cannot read.
        self.getViewBox().border = None
        tick_font = QFont(FONT, 10)
        for side in ("left", "bottom"):
            axis = item.getAxis(side)
            axis.setStyle(tickFont=tick_font)
            axis.setTextPen(pg.mkPen("#222222"))
        item.getAxis("left").setWidth(86)
        self.now_line.setVisible(session.as_of_ms is not None)
        # The legend goes to the lower right, where rising counts leave room.
        self.legend.anchor(itemPos=(1, 1), parentPos=(1, 1), offset=(-12, -28))
        self.legend.setZValue(50)  # over the moving "now" line of a clip
        if captions and len(session.competitors) <= 2:
            self.legend.hide()  # the names are in the title
        if captions:
            title = fmt.html_text(session.race.title)
            item.setTitle(
                f"<span style='font-size:15pt; font-weight:bold; color:#1d1d1d'>{title}</span>"
                f"<br>{_names_html(session, 11)}"
            )
            # Two lines of title: pyqtgraph gives the title row one line's height.
            height = item.titleLabel.itemRect().height() + 6
            item.titleLabel.setMaximumHeight(height)
            item.layout.setRowFixedHeight(0, height)
            self.footer = pg.LabelItem(justify="left")
            item.layout.addItem(self.footer, 5, 0, 1, 3)
            end = self._end_ms()
            self.footer.setText(
                f"<span style='color:#555555; font-size:9pt'>"
                f"{fmt.html_text(zone_caption(session, end))}</span>"
                f"<span style='color:#888888; font-size:8pt'>&nbsp;&nbsp;·&nbsp;&nbsp;"
                f"{CREDIT}</span>"
            )
        self._pixel_ratio = 1.0
        self._base_widths: dict[int, float] = {}
        if log_y:
            self.set_log_y(True)
        self.set_following(False)
        if x_range is None:
            self.fit_all()
        else:
            self.show_range(int(x_range[0] * 1000), int(x_range[1] * 1000))
        if y_range is not None:
            self.setYRange(*y_range, padding=0)
        (x0, _), (y0, _) = self.getViewBox().viewRange()
        self._origin: tuple[float, float] | None = (x0, 0.0 if log_y else y0)
        self.refresh()

    def refresh(self) -> None:
        """Redraw, with each curve's points relative to the figure's lower left corner.

        Times (about 1.2e9 s) and counts (millions) drawn as they are lose their
        last digits in an SVG, whose coordinates have six significant digits:
        the lines come out as staircases. Drawn relative to the corner, with the
        curve moved back into place, they keep their detail.
        """
        super().refresh()

    def _set_curve(self, curve: pg.PlotDataItem, x: np.ndarray, y: np.ndarray) -> None:
        origin = getattr(self, "_origin", None)
        if origin is None:
            super()._set_curve(curve, x, y)
            return
        ox, oy = origin
        curve.setData(x - ox, y - oy, skipFiniteCheck=True)
        curve.setPos(ox, oy)

    def set_pixel_ratio(self, ratio: float) -> None:
        """Thicken the lines for a picture drawn at ``ratio`` (Qt keeps them one pixel)."""
        if ratio == self._pixel_ratio:
            return
        self._pixel_ratio = ratio
        for i, curve in enumerate(self.curves.values()):
            curve.setPen(_scaled(curve.opts["pen"], ratio, self._base_widths, i))
        for j, line in enumerate((self.milestone_line, self.now_line), start=1000):
            line.setPen(_scaled(line.pen, ratio, self._base_widths, j))


def _scaled(pen: QPen, ratio: float, base: dict[int, float], key: int) -> QPen:
    base.setdefault(key, pen.widthF())
    out = QPen(pen)
    out.setWidthF(base[key] * ratio)
    return out


def render_image(widget: QWidget, size: tuple[int, int], min_width: int = 0) -> QImage:
    """Paint a widget into an image of exactly ``size`` pixels, laid out legibly.

    The widget is laid out at ``size`` divided by ``figure_scale(size, min_width)``
    and painted at that pixel ratio (lines thickened to match, where it knows how).
    """
    scale = figure_scale(size, min_width)
    for chart in [widget, *widget.findChildren(ChartFigure)]:
        if isinstance(chart, ChartFigure):
            chart.set_pixel_ratio(scale)
    logical = QSize(round(size[0] / scale), round(size[1] / scale))
    if widget.size() != logical:
        # Laid out and painted without being shown: no window, nothing on screen.
        widget.resize(logical)
        widget.ensurePolished()
        QApplication.sendPostedEvents()
    # Lay out what changed since (new texts in a clip frame) before painting.
    QApplication.sendPostedEvents()
    image = QImage(size[0], size[1], QImage.Format.Format_RGB32)
    image.setDevicePixelRatio(scale)
    image.fill(QColor("white"))
    painter = QPainter(image)
    try:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        # QWidget's render, whole widget with its children (a plot's own render takes a rect).
        QWidget.render(widget, painter, QPoint())
    finally:
        painter.end()
    return image


def rgb_bytes(image: QImage) -> bytes:
    """An image's pixels as tightly packed RGB bytes (rows without Qt's padding)."""
    rgb = image.convertToFormat(QImage.Format.Format_RGB888)
    w, h = rgb.width(), rgb.height()
    rows = np.frombuffer(rgb.constBits(), dtype=np.uint8, count=rgb.bytesPerLine() * h)
    return rows.reshape(h, rgb.bytesPerLine())[:, : w * 3].tobytes()


def save_image(image: QImage, out: Path) -> None:
    """Write a PNG through a temporary file and a rename."""
    with atomic_path(out, suffix=".png") as tmp:
        if not image.save(str(tmp)):  # PNG, by the suffix
            raise OSError(f"{out}: could not write the PNG")


def chart_png(figure: ChartFigure, size: tuple[int, int], out: Path) -> QImage:
    """Write the figure as a PNG of ``size`` pixels; returns the image."""
    image = render_image(figure, size)
    save_image(image, out)
    return image


@contextmanager
def _svg_paths_may_close() -> Iterator[None]:
    """Let pyqtgraph's SVG exporter read paths that Qt closes with a bare "Z".

    pyqtgraph 0.14 rewrites each path's coordinates token by token and expects
    every token to be an "x,y" pair; Qt 6's SVG generator ends closed paths
    (the plot's clip rectangle, filled symbols) with a separate "Z" and the
    export fails (pyqtgraph issue #3485). While exporting, each "Z" is handed
    over as a harmless "Z0,0" and put back to "Z" afterwards.
    """
    module = sys.modules["pyqtgraph.exporters.SVGExporter"]
    original = getattr(module, "correctCoordinates")  # noqa: B009 - patched below

    def correct(node: Any, defs: Any, item: Any, options: Any) -> Any:
        paths = node.getElementsByTagName("path")
        for path in paths:
            tokens = path.getAttribute("d").split()
            path.setAttribute("d", " ".join("Z0,0" if t in ("Z", "z") else t for t in tokens))
        result = original(node, defs, item, options)
        for path in paths:
            tokens = path.getAttribute("d").split()
            path.setAttribute("d", " ".join("Z" if t[:1] in ("Z", "z") else t for t in tokens))
        return result

    setattr(module, "correctCoordinates", correct)  # noqa: B010
    try:
        yield
    finally:
        setattr(module, "correctCoordinates", original)  # noqa: B010


def chart_svg(figure: ChartFigure, size: tuple[int, int], out: Path) -> None:
    """Write the figure as SVG through pyqtgraph's exporter, laid out at ``size``."""
    render_image(figure, size)  # lays it out
    exporter = pg.exporters.SVGExporter(figure.getPlotItem())
    with _svg_paths_may_close():
        data = exporter.export(toBytes=True)
    if not isinstance(data, bytes | bytearray) or not data:
        raise OSError(f"{out}: the SVG exporter produced nothing")
    data = _sized_svg(bytes(data), size)
    with atomic_file(out, "wb") as fh:
        fh.write(data)


def _sized_svg(data: bytes, size: tuple[int, int]) -> bytes:
    """Give the drawing the size asked for; its viewBox keeps the legible layout.

    Lines are cosmetic (non-scaling) in pyqtgraph's SVG and were thickened by
    the same ratio, so they look as they do in a PNG of that size.
    """
    head, sep, rest = data.partition(b"<svg")
    tag, close, tail = rest.partition(b">")
    tag = re.sub(rb'\s(width|height)="[^"]*"', b"", tag)
    tag = f' width="{size[0]}px" height="{size[1]}px"'.encode() + tag
    return head + sep + tag + close + tail


def dispose(widget: QWidget) -> None:
    """Detach an offscreen widget from its session, close it and delete it.

    A figure on the window's own session would otherwise still answer the
    session's signals (a replay tick) between ``close()`` and its deletion.
    Safe on a widget Qt has already deleted (the app quitting mid-export).
    """
    try:
        charts = [widget, *widget.findChildren(RaceChart)]
        for chart in charts:
            if isinstance(chart, RaceChart):
                chart.detach()
        widget.close()
        widget.deleteLater()
    except RuntimeError:  # the C++ side is gone already
        log.debug("export widget already deleted")
