"""Replay clips: a frame with a compact scoreboard over the chart, drawn for each moment."""

from __future__ import annotations

from collections.abc import Generator
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from ...core.clip_writers import (
    ClipError,
    check_clip,
    finish_in_background,
    frame_count,
    frame_times,
    writer_for,
)
from ...core.steps import Progress
from ...session import Session, open_steps
from .. import fmt
from ..widgets.scoreboard import race_state_text
from .chart_figure import CREDIT, ChartFigure, dispose, render_image, rgb_bytes, zone_caption

# A clip frame is laid out at least this wide, so a small clip shrinks rather than crops.
CLIP_MIN_WIDTH = 800


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
