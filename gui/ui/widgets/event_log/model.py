"""The event log's model: the session's events as rows, appended as they come, with roles.

Like MusicBrainz Picard's log model: rows only ever arrive at the end (or the
whole list is reset), custom roles from ``Qt.UserRole + n`` carry what the
view and the filter need.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Slot
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap

from ....core.model import (
    KIND_CROSSED,
    KIND_GLITCH,
    KIND_LEAD_CHANGE,
    KIND_NOTE,
    KIND_SOURCE,
    KIND_TO_GO,
    Event,
)
from ....session import Session
from ... import fmt, theme

KINDS = {
    KIND_LEAD_CHANGE: ("Lead change", "#8e44ad"),
    KIND_TO_GO: ("To go", "#16a085"),
    KIND_CROSSED: ("Milestone", "#d4a017"),
    KIND_GLITCH: ("Glitch", "#c0392b"),
    KIND_NOTE: ("Note", "#7f8c8d"),
    KIND_SOURCE: ("Source", "#e67e22"),
}


KEY_ROLE = Qt.ItemDataRole.UserRole + 1


KIND_ROLE = Qt.ItemDataRole.UserRole + 2


TIME_ROLE = Qt.ItemDataRole.UserRole + 3


EVENT_ROLE = Qt.ItemDataRole.UserRole + 4


EXACT_TIME_ROLE = Qt.ItemDataRole.UserRole + 5  # the time in full, for copies


COLUMNS = ("Time", "Kind", "What happened")


TIME_REFRESH_MS = 20_000  # when live, "2 min ago" moves on with the clock


# The widest texts the time column shows (relative times, then dates).
TIME_SAMPLES = ("just now", "59 min ago", "23 h ago", "yesterday", "6 days ago", "30 Sep 2009")


def wall_clock_ms() -> int:
    """Now, in UTC milliseconds."""
    return int(time.time() * 1000)


def runs(rows: Iterable[int]) -> list[tuple[int, int]]:
    """Row numbers as (first, last) runs of consecutive rows: [1, 2, 3, 7] -> [(1, 3), (7, 7)]."""
    out: list[tuple[int, int]] = []
    for row in sorted(set(rows)):
        if out and row == out[-1][1] + 1:
            out[-1] = (out[-1][0], row)
        else:
            out.append((row, row))
    return out


def kind_icon(colour: str) -> QIcon:
    """A small round swatch in the kind's colour."""
    pix = QPixmap(12, 12)
    pix.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pix)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setBrush(QColor(colour))
    painter.setPen(Qt.PenStyle.NoPen)
    painter.drawEllipse(1, 1, 10, 10)
    painter.end()
    return QIcon(pix)


def event_key(event: Event) -> str:
    """The identity an event has across the log and the chart."""
    return event.key or f"id:{event.id}"


def kind_label(event: Event) -> str:
    """The kind as the log names it ("Lead change", "Annotation" for an imported note)."""
    if event.origin == "imported":
        return "Annotation"
    return KINDS.get(event.kind, (event.kind, ""))[0]


class EventLogModel(QAbstractTableModel):
    """Events in arrival order. Rows are appended, or the whole list is reset.

    Times show how long before the moment the window shows each event happened
    (the replay's moment, or now when live); the exact time is in the tooltip
    and in :data:`EXACT_TIME_ROLE`. The moment moves on only when told
    (:meth:`refresh_times`), so all rows count from the same "now".
    """

    def __init__(self, session: Session, parent: Any = None) -> None:
        super().__init__(parent)
        self.session = session
        self._events: list[Event] = list(session.events)
        self._icons = {kind: kind_icon(colour) for kind, (_, colour) in KINDS.items()}
        roles = Qt.ItemDataRole
        self._answers: dict[int, Callable[[Event, int], Any]] = {
            roles.DisplayRole: self._display,
            roles.DecorationRole: self._decoration,
            roles.ToolTipRole: self._tooltip,
            roles.AccessibleTextRole: self._accessible,
            roles.ForegroundRole: self._foreground,
            EXACT_TIME_ROLE: lambda event, _col: fmt.exact(event.at_ms, self.session.zone),
            KEY_ROLE: lambda event, _col: event_key(event),
            KIND_ROLE: lambda event, _col: event.kind,
            TIME_ROLE: lambda event, _col: event.at_ms,
            EVENT_ROLE: lambda event, _col: event,
        }
        self.clock: Callable[[], int] = wall_clock_ms
        self._now_ms = self.clock()
        self._abbr = self._zone_abbr()
        session.events_added.connect(self._on_session_events_added)
        session.events_reset.connect(self._on_session_events_reset)

    # -- the moment times count from -----------------------------------------------------
    def reference_ms(self) -> int:
        """The moment the relative times count from: the replay's moment, else now."""
        at = self.session.as_of_ms
        return self._now_ms if at is None else at

    def _zone_abbr(self) -> str:
        """The zone's abbreviation where the window is (as the window's zone label has it)."""
        at = self.session.as_of_ms
        if at is None:
            span = self.session.time_span()
            at = span[1] if span else self._now_ms
        return fmt.zone_abbr(at, self.session.zone)

    def refresh_times(self, rows: Iterable[int] = ()) -> None:
        """Move "now" on and tell the views that these rows' relative times changed."""
        self._now_ms = self.clock()
        abbr = self._zone_abbr()
        if abbr != self._abbr:
            self._abbr = abbr
            self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, 0)
        roles = [Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole]
        for first, last in runs(r for r in rows if 0 <= r < len(self._events)):
            self.dataChanged.emit(self.index(first, 0), self.index(last, 0), roles)

    def time_header(self) -> str:
        """The time column's title, naming the zone: "Time (PDT)"."""
        return f"{COLUMNS[0]} ({self._abbr})"

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        """Number of events (a flat table)."""
        return 0 if parent.isValid() else len(self._events)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        """Time, kind and text."""
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:  # noqa: N802, E501
        """Column titles; the time column names the zone."""
        if orientation != Qt.Orientation.Horizontal:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.time_header() if section == 0 else COLUMNS[section]
        if role == Qt.ItemDataRole.ToolTipRole and section == 0:
            zone = fmt.zone_caption(self.reference_ms(), self.session.zone)
            return (
                "How long before the moment shown each entry happened (now, when live). "
                f"Hover an entry for its exact time in {zone}."
            )
        return None

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:  # noqa: E501
        """What each cell shows, and the custom roles the filter and the window use."""
        # A view asks a dozen roles of every cell it paints, most of which the log
        # leaves to the style: those cost one lookup.
        answer = self._answers.get(role)
        if answer is None:
            return None
        row = index.row()
        if not 0 <= row < len(self._events) or not index.isValid():
            return None
        return answer(self._events[row], index.column())

    def _display(self, event: Event, col: int) -> Any:
        if col == 0:
            return fmt.relative(event.at_ms, self.reference_ms(), self.session.zone)
        if col == 1:
            return kind_label(event)
        return event.text

    def _decoration(self, event: Event, col: int) -> Any:
        return self._icons.get(event.kind) if col == 1 else None

    def _tooltip(self, event: Event, col: int) -> Any:
        # Unbroken spaces: the tooltip wraps the text, never the time, to the time's width.
        when = fmt.exact(event.at_ms, self.session.zone)
        when = when.replace(" ", "\u00a0").replace("/", "/\u2060")  # no break after "/"
        extra = f"\n{event.url}" if event.url else ""
        return fmt.plain_tooltip(f"{when}\n{event.text}{extra}")

    def _accessible(self, event: Event, col: int) -> Any:
        if col != 0:
            return None
        relative = fmt.relative(event.at_ms, self.reference_ms(), self.session.zone)
        return f"{relative}, {fmt.exact(event.at_ms, self.session.zone)}"

    def _foreground(self, event: Event, col: int) -> Any:
        if col == 2 and event.handle:
            return QColor(theme.text_colour(self.session.colour(event.handle)))
        return None

    def event_at(self, row: int) -> Event:
        """The event in a row."""
        return self._events[row]

    def row_of(self, key: str) -> int | None:
        """The row of an event, by key."""
        for i, e in enumerate(self._events):
            if event_key(e) == key:
                return i
        return None

    @Slot(list)
    def _on_session_events_added(self, events: list[Event]) -> None:
        if not events:
            return
        first = len(self._events)
        self.beginInsertRows(QModelIndex(), first, first + len(events) - 1)
        self._events.extend(events)
        self.endInsertRows()

    @Slot()
    def _on_session_events_reset(self) -> None:
        self.beginResetModel()
        self._events = list(self.session.events)
        self.endResetModel()
