"""Pictures of a race for sharing: the chart as PNG or SVG, the window as PNG, replay clips.

The exported chart is a figure of its own, built from the same ``RaceChart`` as
the window: the race title and the two names in their colours above the plot,
the time zone and a small credit below. It is laid out at no more than
``LEGIBLE_WIDTH`` logical pixels and drawn at a higher pixel ratio when a
bigger image is asked for, so its text stays readable when the picture is
shown 1,200 pixels wide. PNGs are painted by Qt; SVGs come from pyqtgraph's
``SVGExporter``. Replay clips render a chart-and-scoreboard frame for each
moment and hand the pixels to ``gui.core.clip``.

Every export goes through a temporary file and a rename: a failure or a cancel
leaves no half-written file behind.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Generator, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pyqtgraph as pg
import pyqtgraph.exporters  # noqa: F401 - pg.exporters is not imported by pyqtgraph itself
from PySide6.QtCore import QPoint, QSize, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from ...core.clip import (
    ClipError,
    check_clip,
    finish_in_background,
    frame_count,
    frame_times,
    writer_for,
)
from ...core.files import atomic_file, atomic_path
from ...session import Session, open_steps
from .. import fmt
from ..plots.race_chart import RaceChart

log = logging.getLogger(__name__)

CREDIT = "Photo Finish"
# The widest layout an exported picture gets; bigger pictures are drawn at a higher ratio.
LEGIBLE_WIDTH = 1200
FONT = "DejaVu Sans"
# A clip frame is laid out at least this wide, so a small clip shrinks rather than crops.
CLIP_MIN_WIDTH = 800

Progress = tuple[int, int]


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


# -- replay clips ---------------------------------------------------------------------


class ElidedLabel(QLabel):
    """Plain text that ends in "…" when it does not fit, and never widens its frame."""

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt naming
        """Draw the text elided to the label's width."""
        painter = QPainter(self)
        rect = self.contentsRect()
        text = self.fontMetrics().elidedText(self.text(), Qt.TextElideMode.ElideRight, rect.width())
        painter.setPen(self.palette().color(self.foregroundRole()))
        painter.drawText(rect, int(self.alignment()), text)
        painter.end()


def _elided_label(style: str, align: Qt.AlignmentFlag = Qt.AlignmentFlag.AlignLeft) -> QLabel:
    label = ElidedLabel()
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setStyleSheet(style)
    label.setAlignment(align | Qt.AlignmentFlag.AlignVCenter)
    # Text never widens the frame: a clip has the size it was asked for.
    label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
    return label


class ClipScoreboard(QWidget):
    """A compact scoreboard for clips: each side's name and count, the race state between."""

    def __init__(self, session: Session) -> None:
        super().__init__()
        self.session = session
        row = QHBoxLayout(self)
        row.setContentsMargins(10, 4, 10, 4)
        row.setSpacing(10)
        self.names: list[QLabel] = []
        self.counts: list[QLabel] = []
        sides = []
        for i, comp in enumerate(session.competitors[:2]):
            colour = QColor(comp.colour).name()  # never raw text in a style sheet
            align = Qt.AlignmentFlag.AlignLeft if i == 0 else Qt.AlignmentFlag.AlignRight
            name = _elided_label(
                f"color: {comp.colour}; font-weight: bold; font-size: 11pt;", align
            )
            name.setText(comp.name)
            count = _elided_label("color: #1d1d1d; font-weight: bold; font-size: 19pt;", align)
            side = QFrame()
            side.setObjectName("clipSide")
            edge = "left" if i == 0 else "right"
            side.setStyleSheet(
                f"#clipSide {{ border-{edge}: 6px solid {colour}; background: white; }}"
            )
            box = QVBoxLayout(side)
            box.setContentsMargins(8, 0, 8, 0)
            box.setSpacing(0)
            box.addWidget(name)
            box.addWidget(count)
            self.names.append(name)
            self.counts.append(count)
            sides.append(side)
        centre = Qt.AlignmentFlag.AlignHCenter
        self.headline = _elided_label("font-weight: bold; font-size: 11pt;", centre)
        self.detail = _elided_label("color: #444444; font-size: 9pt;", centre)
        middle = QVBoxLayout()
        middle.setSpacing(0)
        middle.addWidget(self.headline)
        middle.addWidget(self.detail)
        if sides:
            row.addWidget(sides[0], 3)
        row.addLayout(middle, 6)
        if len(sides) > 1:
            row.addWidget(sides[1], 3)

    def refresh(self) -> None:
        """Show the figures as of the session's moment."""
        from ..widgets.scoreboard import race_state_text

        stats = self.session.analysis.stats
        for comp, label in zip(self.session.competitors[:2], self.counts, strict=False):
            label.setText(fmt.count(stats[comp.handle].latest_count))
        headline, detail = race_state_text(self.session)
        self.headline.setText(headline)
        self.detail.setText(detail)


class ClipFrame(QWidget):
    """One frame of a replay clip: title and moment, scoreboard, chart, zone and credit."""

    def __init__(self, session: Session, start_ms: int, end_ms: int) -> None:
        super().__init__()
        self.session = session
        self.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen)
        self.setAutoFillBackground(True)
        self.setStyleSheet("ClipFrame { background: white; }")
        self.title = _elided_label("font-size: 13pt; font-weight: bold; color: #1d1d1d;")
        self.title.setText(session.race.title)
        self.moment = QLabel()
        self.moment.setTextFormat(Qt.TextFormat.PlainText)
        self.moment.setStyleSheet("font-size: 11pt; color: #333333;")
        top = QHBoxLayout()
        top.setContentsMargins(10, 6, 10, 0)
        top.addWidget(self.title, 1)
        top.addWidget(self.moment)
        self.scoreboard = ClipScoreboard(session)
        self.chart = ChartFigure(session, x_range=(start_ms / 1000, end_ms / 1000), captions=False)
        self.chart.now_line.show()
        self.footer = QLabel()
        self.footer.setTextFormat(Qt.TextFormat.PlainText)
        self.footer.setText(f"{zone_caption(session, end_ms)}   ·   {CREDIT}")
        self.footer.setStyleSheet("color: #666666; font-size: 8pt;")
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 4)
        box.setSpacing(2)
        box.addLayout(top)
        box.addWidget(self.scoreboard)
        box.addWidget(self.chart, 1)
        foot = QHBoxLayout()
        foot.setContentsMargins(10, 0, 10, 0)
        foot.addWidget(self.footer)
        box.addLayout(foot)

    def show_moment(self, at_ms: int) -> None:
        """Move the replay to a moment."""
        self.session.set_as_of(at_ms)
        self.scoreboard.refresh()
        self.moment.setText(fmt.local(at_ms, self.session.zone, "%a %d %b %Y, %H:%M"))


def clip_steps(
    session_path: Path,
    out: Path,
    size: tuple[int, int],
    seconds: float,
    fps: int,
    range_ms: tuple[int, int] | None = None,
) -> Generator[Progress, None, int]:
    """Render a replay of the race into a GIF or MP4, a frame per step.

    Yields ``(frames done, frames in all)``; returns the frame count. Opens its
    own read-only view of the session, so the window's replay and view are
    untouched. Closing the generator early (a cancel) leaves nothing behind.
    """
    check_clip(out, size, seconds, fps)
    count = frame_count(seconds, fps)
    session: Session | None = None
    frame: ClipFrame | None = None
    # A big race takes seconds to read: step through it, so the window can
    # show the progress dialog and a Cancel is heard between competitors.
    opening = open_steps(session_path, read_only=True)
    try:
        while session is None:
            try:
                next(opening)
            except StopIteration as opened:
                session = opened.value
            else:
                yield 0, count
        span = session.time_span()
        if span is None:
            raise ClipError("the race has no readings to replay yet")
        start, end = range_ms or span
        start, end = max(start, span[0]), min(end, span[1])
        if end <= start:
            raise ClipError("the range holds no readings to replay")
        times = frame_times(start, end, count)
        frame = ClipFrame(session, start, end)
        frame.show_moment(end)
        palette = None
        if out.suffix.lower() == ".gif":
            palette = rgb_bytes(render_image(frame, size, CLIP_MIN_WIDTH))
        writer = writer_for(out, size, fps, palette)
        try:
            yield 0, count
            for i, at_ms in enumerate(times):
                frame.show_moment(at_ms)
                writer.add(rgb_bytes(render_image(frame, size, CLIP_MIN_WIDTH)))
                yield i + 1, count
            yield from finish_in_background(writer, count)
        except BaseException:
            writer.abort()
            raise
        return count
    finally:
        if frame is not None:
            dispose(frame)
        opening.close()  # a cancel while reading closes the file it opened
        if session is not None:
            try:
                session.close()
                session.deleteLater()
            except RuntimeError:  # the app is quitting and deleted it
                pass
