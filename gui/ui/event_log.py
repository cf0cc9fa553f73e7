"""The event log: an append-only model, a kind-and-text filter, and a view that follows the end."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QPoint,
    QSortFilterProxyModel,
    Qt,
    QTimer,
    QUrl,
    Signal,
    Slot,
)
from PySide6.QtGui import (
    QAction,
    QColor,
    QDesktopServices,
    QGuiApplication,
    QIcon,
    QKeyEvent,
    QKeySequence,
    QPainter,
    QPixmap,
    QShowEvent,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QMenu,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ..core.model import (
    KIND_CROSSED,
    KIND_GLITCH,
    KIND_LEAD_CHANGE,
    KIND_NOTE,
    KIND_SOURCE,
    KIND_TO_GO,
    NOTE_ORIGINS,
    Event,
)
from ..session import Session
from . import fmt, theme
from .note_dialog import safe_link

log = logging.getLogger(__name__)

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
        if not index.isValid() or not 0 <= index.row() < len(self._events):
            return None
        event = self._events[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if col == 0:
                return fmt.relative(event.at_ms, self.reference_ms(), self.session.zone)
            if col == 1:
                return kind_label(event)
            return event.text
        if role == Qt.ItemDataRole.DecorationRole and col == 1:
            return self._icons.get(event.kind)
        if role == Qt.ItemDataRole.ToolTipRole:
            # Unbroken spaces: the tooltip wraps the text, never the time, to the time's width.
            when = fmt.exact(event.at_ms, self.session.zone)
            when = when.replace(" ", "\u00a0").replace("/", "/\u2060")  # no break after "/"
            extra = f"\n{event.url}" if event.url else ""
            return fmt.plain_tooltip(f"{when}\n{event.text}{extra}")
        if role == Qt.ItemDataRole.AccessibleTextRole and col == 0:
            relative = fmt.relative(event.at_ms, self.reference_ms(), self.session.zone)
            return f"{relative}, {fmt.exact(event.at_ms, self.session.zone)}"
        if role == EXACT_TIME_ROLE:
            return fmt.exact(event.at_ms, self.session.zone)
        if role == Qt.ItemDataRole.ForegroundRole and col == 2 and event.handle:
            return QColor(theme.text_colour(self.session.colour(event.handle)))
        if role == KEY_ROLE:
            return event_key(event)
        if role == KIND_ROLE:
            return event.kind
        if role == TIME_ROLE:
            return event.at_ms
        if role == EVENT_ROLE:
            return event
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


class EventFilter(QSortFilterProxyModel):
    """Shows the kinds the user ticked and rows containing the search text; sorted by time."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.kinds: set[str] = set(KINDS)
        self.text = ""
        self.setSortRole(TIME_ROLE)
        self.setDynamicSortFilter(True)

    def set_kinds(self, kinds: set[str]) -> None:
        """Only show these kinds."""
        self.beginFilterChange()
        self.kinds = set(kinds)
        self.endFilterChange()

    def set_text(self, text: str) -> None:
        """Only show rows whose text contains this (case-insensitive)."""
        self.beginFilterChange()
        self.text = text.strip().casefold()
        self.endFilterChange()

    def filterAcceptsRow(self, row: int, parent: QModelIndex | QPersistentModelIndex) -> bool:  # noqa: N802
        """Kind and text test."""
        model = self.sourceModel()
        index = model.index(row, 2, parent)
        if model.data(index, KIND_ROLE) not in self.kinds:
            return False
        if self.text and self.text not in str(model.data(index)).casefold():
            return False
        return True

    def lessThan(
        self, left: QModelIndex | QPersistentModelIndex, right: QModelIndex | QPersistentModelIndex
    ) -> bool:  # noqa: N802, E501
        """Time order, then arrival order."""
        a, b = left.data(TIME_ROLE), right.data(TIME_ROLE)
        if a == b:
            return left.row() < right.row()
        return bool(a < b)


class LogTable(QTableView):
    """The log's table; the copy key copies the current entry whole, with its exact time."""

    KEY_HELP = (
        "Event log (when it has the focus)",
        (
            (("Up", "Down"), "Select the entry before or after; the chart follows"),
            (("Ctrl+C",), "Copy the entry with its exact time"),
            (("Tab",), "Leave the log for the replay controls"),
        ),
    )

    copy_requested = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt naming
        """Copy (Ctrl+C) copies the entry, not the relative time in the current cell."""
        if event.matches(QKeySequence.StandardKey.Copy):
            self.copy_requested.emit()
            event.accept()
            return
        super().keyPressEvent(event)


class EventLog(QWidget):
    """The log panel: filter bar and table. Emits the key of the event the user selects."""

    event_selected = Signal(str)
    edit_requested = Signal(int)  # a note's id
    delete_requested = Signal(int)  # a note's id

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = EventLogModel(session, self)
        self.proxy = EventFilter(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.sort(0, Qt.SortOrder.AscendingOrder)

        self.search = QLineEdit()
        self.search.setObjectName("logSearch")
        self.search.setPlaceholderText("Search the log")
        self.search.setClearButtonEnabled(True)
        self.search.setAccessibleName("Search the log")
        find = QKeySequence(QKeySequence.StandardKey.Find).toString(
            QKeySequence.SequenceFormat.NativeText
        )
        self.search.setToolTip(
            "Show only the entries whose text contains this (any case)"
            + (f" ({find})" if find else "")
        )
        self.search.textChanged.connect(self.proxy.set_text)
        self.search.installEventFilter(self)
        self.kind_button = QToolButton()
        self.kind_button.setObjectName("logKinds")
        self.kind_button.setText("Kinds")
        self.kind_button.setAccessibleName("Kinds of entries shown")
        self.kind_button.setToolTip(
            "Choose which kinds of entries the log shows: lead changes, to go, "
            "milestones, glitches, notes and source trouble"
        )
        self.kind_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self.kind_button)
        self.kind_actions: dict[str, QAction] = {}
        for kind, (label, colour) in KINDS.items():
            action = QAction(kind_icon(colour), label, menu)
            action.setCheckable(True)
            action.setChecked(True)
            action.toggled.connect(self._on_kind_toggled)
            menu.addAction(action)
            self.kind_actions[kind] = action
        self.kind_button.setMenu(menu)
        self.kind_button.setAccessibleDescription("All kinds shown")

        self.view = LogTable()
        self.view.setObjectName("logView")
        self.view.setModel(self.proxy)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setWordWrap(True)
        self.view.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.view.setAlternatingRowColors(True)
        self.view.verticalHeader().hide()
        self.view.setShowGrid(False)
        self.view.setTabKeyNavigation(False)  # Tab leaves the list; the arrow keys move in it
        # Sizes come from the font, not from measuring every row: a long race has
        # thousands of entries, and sizing each to its contents took seconds.
        fm = self.view.fontMetrics()
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Fixed)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Fixed)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self._size_time_column()
        widest = max(fm.horizontalAdvance(label) for label, _ in KINDS.values())
        header.resizeSection(1, max(widest, fm.horizontalAdvance("Annotation")) + 40)
        # Two lines a row; longer entries end in an ellipsis and show whole on hover.
        rows = self.view.verticalHeader()
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        rows.setDefaultSectionSize(2 * fm.lineSpacing() + 6)
        self.view.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.view.selectionModel().currentRowChanged.connect(self._on_view_current_row_changed)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._on_view_context_menu_requested)
        self.view.doubleClicked.connect(self._on_view_double_clicked)
        self.view.setAccessibleName("Event log")
        self.view.setAccessibleDescription(
            "Lead changes, counts to go, milestones, glitches and notes, oldest first. "
            "Times count back from the moment shown; Ctrl+C copies an entry with its exact time."
        )
        self.view.copy_requested.connect(self._on_view_copy_requested)
        self.model.headerDataChanged.connect(self._size_time_column)

        bar = QHBoxLayout()
        bar.setContentsMargins(0, 0, 6, 0)
        bar.addWidget(self.search, 1)
        bar.addWidget(self.kind_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.view)

        self._stick_to_bottom = True
        scroll = self.view.verticalScrollBar()
        scroll.valueChanged.connect(self._on_scroll_value_changed)
        # Rows rewrap and grow after a resize or a reset: keep the newest in sight.
        scroll.rangeChanged.connect(self._on_scroll_range_changed)
        self.proxy.rowsInserted.connect(self._on_proxy_rows_inserted)
        self.proxy.modelReset.connect(self._on_proxy_rows_inserted)
        self.model.modelAboutToBeReset.connect(self._remember_selection)
        self.model.modelReset.connect(self._restore_selection)
        self._selection_before_reset: str | None = None
        self.view.scrollToBottom()

        # Relative times follow the moment shown: the replay's, or the clock's when live.
        self.clock_timer = QTimer(self)
        self.clock_timer.setInterval(TIME_REFRESH_MS)
        self.clock_timer.timeout.connect(self.refresh_times)
        self.clock_timer.start()
        session.as_of_changed.connect(self.refresh_times)
        session.race_changed.connect(self.refresh_times)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt naming
        """Ctrl+Home and Ctrl+End reach the window (restart, back to live) from the search.

        In a one-line field they would only do what Home and End do.
        """
        if (
            watched is self.search
            and event.type() == QEvent.Type.ShortcutOverride
            and isinstance(event, QKeyEvent)
            and event.modifiers() == Qt.KeyboardModifier.ControlModifier
            and event.key() in (Qt.Key.Key_Home, Qt.Key.Key_End)
        ):
            event.ignore()
            return True
        return super().eventFilter(watched, event)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt naming
        """Start at the newest entry."""
        super().showEvent(event)
        if self._stick_to_bottom:
            QTimer.singleShot(0, self, self._scroll_to_bottom)

    # -- relative times ----------------------------------------------------------------------
    def visible_rows(self) -> list[int]:
        """The model rows the view shows now (only these need their times redrawn)."""
        count = self.proxy.rowCount()
        if not count or not self.view.isVisible():
            return []
        viewport = self.view.viewport()
        top = self.view.rowAt(0)
        bottom = self.view.rowAt(viewport.height() - 1)
        top = 0 if top < 0 else top
        bottom = count - 1 if bottom < 0 else bottom
        return [
            self.proxy.mapToSource(self.proxy.index(row, 0)).row() for row in range(top, bottom + 1)
        ]

    @Slot()
    def refresh_times(self) -> None:
        """Recount the relative times of the visible rows from the moment shown."""
        self.model.refresh_times(self.visible_rows())

    @Slot()
    def _size_time_column(self, *args: object) -> None:
        """Wide enough for the longest relative time and for the title naming the zone."""
        header = self.view.horizontalHeader()
        cells = max(self.view.fontMetrics().horizontalAdvance(t) for t in TIME_SAMPLES)
        title = header.fontMetrics().horizontalAdvance(self.model.time_header())
        header.resizeSection(0, max(cells + 18, title + 24))

    # -- copies ----------------------------------------------------------------------------
    def entry_text(self, event: Event) -> str:
        """An entry as copied: exact time, kind and text (and link), tab-separated."""
        text = event.text + (f" {event.url}" if event.url else "")
        return "\t".join((fmt.exact(event.at_ms, self.model.session.zone), kind_label(event), text))

    @Slot()
    def _on_view_copy_requested(self) -> None:
        index = self.view.currentIndex()
        event = self.event_at_view_row(index.row()) if index.isValid() else None
        if event is not None:
            QGuiApplication.clipboard().setText(self.entry_text(event))

    # -- filter --------------------------------------------------------------------------
    @Slot(bool)
    def _on_kind_toggled(self, _checked: bool) -> None:
        kinds = {k for k, a in self.kind_actions.items() if a.isChecked()}
        self.proxy.set_kinds(kinds)
        hidden = len(KINDS) - len(kinds)
        self.kind_button.setText("Kinds" if not hidden else f"Kinds ({hidden} hidden)")
        off = [label for kind, (label, _) in KINDS.items() if kind not in kinds]
        self.kind_button.setAccessibleDescription(
            "All kinds shown" if not off else "Hidden: " + ", ".join(off)
        )

    def set_kinds(self, kinds: set[str]) -> None:
        """Tick exactly these kinds."""
        for kind, action in self.kind_actions.items():
            action.setChecked(kind in kinds)

    # -- selection -------------------------------------------------------------------------
    @Slot(QModelIndex, QModelIndex)
    def _on_view_current_row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if current.isValid():
            self.event_selected.emit(str(current.data(KEY_ROLE)))

    def select_key(self, key: str) -> bool:
        """Select an event by key (from a chart marker); False when it is not shown."""
        row = self.model.row_of(key)
        if row is None:
            return False
        index = self.proxy.mapFromSource(self.model.index(row, 0))
        if not index.isValid():
            return False
        self.view.selectRow(index.row())
        self.view.scrollTo(index, QAbstractItemView.ScrollHint.PositionAtCenter)
        return True

    def selected_key(self) -> str | None:
        """The selected event's key."""
        rows = self.view.selectionModel().selectedRows()
        return str(rows[0].data(KEY_ROLE)) if rows else None

    # -- following the end -------------------------------------------------------------------
    @Slot(int)
    def _on_scroll_value_changed(self, value: int) -> None:
        scroll = self.view.verticalScrollBar()
        self._stick_to_bottom = value >= scroll.maximum() - 4

    @Slot(int, int)
    def _on_scroll_range_changed(self, _low: int, high: int) -> None:
        if self._stick_to_bottom:
            self.view.verticalScrollBar().setValue(high)

    @Slot()
    def _on_proxy_rows_inserted(self, *args: object) -> None:
        if self._stick_to_bottom:
            # After the view has laid out the new rows, or the bottom is the old one.
            QTimer.singleShot(0, self, self._scroll_to_bottom)

    @Slot()
    def _scroll_to_bottom(self) -> None:
        if self._stick_to_bottom:  # unless the user scrolled up in the meantime
            self.view.scrollToBottom()

    def at_bottom(self) -> bool:
        """Whether the log is following its newest entry."""
        return self._stick_to_bottom

    # -- filter state (saved per session) ------------------------------------------------------
    def shown_kinds(self) -> set[str]:
        """The kinds ticked in the filter."""
        return {k for k, a in self.kind_actions.items() if a.isChecked()}

    # -- notes: context menu, edit, delete, links ------------------------------------------------
    def event_at_view_row(self, row: int) -> Event | None:
        """The event shown in a row of the view."""
        index = self.proxy.index(row, 0)
        if not index.isValid():
            return None
        source = self.proxy.mapToSource(index)
        return self.model.event_at(source.row())

    def context_menu_for(self, event: Event | None) -> QMenu:
        """The log's context menu for an event (built, not shown)."""
        menu = QMenu(self)
        is_note = event is not None and event.origin in NOTE_ORIGINS and event.id is not None
        writable = not self.model.session.read_only
        edit = menu.addAction("Edit Note…")
        edit.setObjectName("editNote")
        edit.setEnabled(is_note and writable)
        delete = menu.addAction("Delete Note")
        delete.setObjectName("deleteNote")
        delete.setEnabled(is_note and writable)
        if event is not None and event.id is not None:
            note_id = event.id
            edit.triggered.connect(lambda: self.edit_requested.emit(note_id))
            delete.triggered.connect(lambda: self.delete_requested.emit(note_id))
        menu.addSeparator()
        link = safe_link(event.url if event else None)
        open_link = menu.addAction("Open Link in Browser")
        open_link.setObjectName("openLink")
        open_link.setEnabled(link is not None)
        if link is not None:
            open_link.setToolTip(fmt.plain_tooltip(link))
            open_link.triggered.connect(lambda: open_in_browser(link))
        copy = menu.addAction("Copy Text")
        copy.setObjectName("copyText")
        copy.setEnabled(event is not None)
        entry = menu.addAction("Copy Entry with Time")
        entry.setObjectName("copyEntry")
        entry.setShortcut(QKeySequence.StandardKey.Copy)  # shown; the view handles the key
        entry.setEnabled(event is not None)
        if event is not None:
            text = event.text + (f" {event.url}" if event.url else "")
            copy.triggered.connect(lambda: QGuiApplication.clipboard().setText(text))
            whole = self.entry_text(event)
            entry.triggered.connect(lambda: QGuiApplication.clipboard().setText(whole))
        return menu

    @Slot(QPoint)
    def _on_view_context_menu_requested(self, pos: QPoint) -> None:
        index = self.view.indexAt(pos)
        event = self.event_at_view_row(index.row()) if index.isValid() else None
        if index.isValid():
            self.view.selectRow(index.row())
        menu = self.context_menu_for(event)
        menu.exec(self.view.viewport().mapToGlobal(pos))
        menu.deleteLater()

    @Slot(QModelIndex)
    def _on_view_double_clicked(self, index: QModelIndex) -> None:
        event = self.event_at_view_row(index.row())
        if event is None:
            return
        if event.origin in NOTE_ORIGINS and event.id is not None:
            if not self.model.session.read_only:
                self.edit_requested.emit(event.id)

    @Slot()
    def _remember_selection(self) -> None:
        self._selection_before_reset = self.selected_key()

    @Slot()
    def _restore_selection(self) -> None:
        key = self._selection_before_reset
        self._selection_before_reset = None
        if key is not None:
            row = self.model.row_of(key)
            if row is not None:
                index = self.proxy.mapFromSource(self.model.index(row, 0))
                if index.isValid():
                    self.view.selectionModel().blockSignals(True)
                    self.view.selectRow(index.row())
                    self.view.selectionModel().blockSignals(False)


def open_in_browser(url: str) -> bool:
    """Open an http or https link in the user's browser; anything else is refused."""
    link = safe_link(url)
    if link is None:
        log.warning("Refused to open a link that is not http or https: %r", url)
        return False
    return bool(QDesktopServices.openUrl(QUrl(link)))
