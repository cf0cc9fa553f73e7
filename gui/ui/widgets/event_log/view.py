"""The event log's view: the table that follows the end, its search, kind filter and menus."""

from __future__ import annotations

import logging

from PySide6.QtCore import (
    QEvent,
    QModelIndex,
    QObject,
    QPoint,
    Qt,
    QTimer,
    Signal,
    Slot,
)
from PySide6.QtGui import (
    QAction,
    QGuiApplication,
    QKeyEvent,
    QKeySequence,
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

from ....core.model import NOTE_ORIGINS, Event
from ....session import Session
from ... import fmt
from ...links import open_in_browser, safe_link
from .model import (
    KEY_ROLE,
    KINDS,
    TIME_REFRESH_MS,
    TIME_SAMPLES,
    EventLogModel,
    kind_icon,
    kind_label,
)
from .proxy import EventFilter

log = logging.getLogger(__name__)


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
