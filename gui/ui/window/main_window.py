"""The main window: scoreboard, race chart over gap plot, event log, replay controls.

The window lays its parts out and wires them together; the work behind its
menus is done by controllers that get only what they need (the session, the
chart, the status bar, the undo stack): live sources, imports, exports,
copies and edits. Opening other files is the application's business: the
window asks for it through signals.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QSize, Qt, QTimer, Signal, Slot
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QDragEnterEvent,
    QDropEvent,
    QKeySequence,
    QUndoStack,
)
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMenu,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from ... import settings
from ...core import paths
from ...core.errors import SessionFileError, StoreError
from ...core.reports import unfinished_import_text
from ...session import Session
from .. import fmt, theme
from ..dialogs.notice import notice
from ..forms import keep_space_key
from ..plots.gap_plot import GapPlot
from ..plots.race_chart import RaceChart
from ..widgets.event_log.view import EventLog
from ..widgets.replay_bar import ReplayBar, replay_plan
from ..widgets.scoreboard import Scoreboard
from . import menus, view_state
from .alerts import Alerts
from .copies import SESSION_FILTER, Copies
from .edits import Edits
from .exports import Exports
from .history import HistoryFetch
from .imports import Imports
from .live import LiveSources
from .view_state import ViewParts

log = logging.getLogger(__name__)


class MainWindow(QMainWindow):
    """One window per open session."""

    closed = Signal()
    open_requested = Signal(object)  # a session file's path: open it in a window of its own
    new_race_requested = Signal()
    replace_requested = Signal(object, dict)  # a copy's path and the view: carry on there

    # Kept by the menus (see menus.MENUS) for what changes them later.
    open_action: QAction
    save_as_action: QAction
    save_copy_action: QAction
    import_action: QAction
    add_note_action: QAction
    edit_race_action: QAction
    log_action: QAction
    shortcuts_action: QAction
    undo_action: QAction
    redo_action: QAction
    recent_menu: QMenu

    def __init__(self, session: Session, replay: bool = False, restore: bool = True) -> None:
        super().__init__()
        theme.ensure()  # before any widget picks its colours
        self.session = session
        self.undo_stack = QUndoStack(self)
        self._remember = restore
        self._update_title()
        self.setMinimumSize(QSize(1100, 640))
        self.setAcceptDrops(True)
        self._dropped: list[str] = []

        self.scoreboard = Scoreboard(session)
        self.chart = RaceChart(session)
        self.gap = GapPlot(session, self.chart)
        self.log_panel = EventLog(session)
        self.replay_bar = ReplayBar(session)
        self._lay_out()

        status = self.statusBar()
        self.status_left = QLabel()
        status.addWidget(self.status_left, 1)
        self.view_parts = ViewParts(
            session,
            self.chart,
            self.log_panel,
            self.log_check,
            self.split,
            self.plots,
            self.replay_bar.replayer,
        )
        self.live = LiveSources(session, self.scoreboard, status, self.undo_stack, self)
        self.exports = Exports(session, self.chart, status, self)
        self.imports = Imports(session, status, self)
        self.copies = Copies(self.view_parts, status, self)
        self.edits = Edits(session, self.undo_stack, status, self)
        self.history = HistoryFetch(session, status, self)
        self.alerts = Alerts(session, self.log_panel, self.live.runner.statuses, self)
        menus.build(self, writable=not session.read_only)
        self.log_check.toggled.connect(self.log_action.setChecked)
        self._connect()

        self._update_status()
        self.resize(1600, 900)
        self.split.setSizes([1140, 460])
        self.plots.setSizes([560, 190])
        if restore:
            view_state.restore_geometry(self)
            if not replay:
                view_state.apply(self.view_parts, view_state.load(session))

        self.live.start()
        self._mention_unfinished_imports()
        session.watch_file()
        if replay:
            plan = replay_plan(session)
            if plan is not None:
                start, speed = plan
                self.replay_bar.replayer.seek(start)
                self.replay_bar.set_speed(speed)
                self.replay_bar.play()
        self._name_chart_bar()
        self._set_tab_order()

    # -- building -----------------------------------------------------------------------------
    def _lay_out(self) -> None:
        """Banner, scoreboard, plots beside the log, replay bar."""
        self.zone_label = QLabel()
        self.zone_label.setTextFormat(Qt.TextFormat.PlainText)  # the zone's name is from the file
        theme.mute(self.zone_label)
        self.log_check = QCheckBox("Log scale")
        self.log_check.toggled.connect(self.chart.set_log_y)
        self.fit_button = QPushButton("Whole race")
        self.fit_button.clicked.connect(self.chart.fit_all)
        self.live_button = QPushButton("Back to live ▸")
        self.live_button.setToolTip("Follow the newest readings again (Ctrl+End)")
        self.live_button.setStyleSheet("font-weight: bold;")
        self.live_button.clicked.connect(self.chart.back_to_live)
        self.live_button.hide()
        chart_bar = QHBoxLayout()
        chart_bar.setContentsMargins(8, 0, 8, 0)
        chart_bar.addWidget(self.zone_label)
        chart_bar.addStretch(1)
        chart_bar.addWidget(self.live_button)
        chart_bar.addWidget(self.fit_button)
        chart_bar.addWidget(self.log_check)

        self.plots = QSplitter(Qt.Orientation.Vertical)
        self.plots.setObjectName("plotsSplitter")
        self.plots.addWidget(self.chart)
        self.plots.addWidget(self.gap)
        self.plots.setStretchFactor(0, 3)
        self.plots.setStretchFactor(1, 1)
        self.plots.setChildrenCollapsible(False)
        left = QWidget()
        left_box = QVBoxLayout(left)
        left_box.setContentsMargins(0, 0, 0, 0)
        left_box.setSpacing(2)
        left_box.addLayout(chart_bar)
        left_box.addWidget(self.plots, 1)

        self.split = QSplitter(Qt.Orientation.Horizontal)
        self.split.setObjectName("mainSplitter")
        self.split.addWidget(left)
        self.split.addWidget(self.log_panel)
        self.split.setStretchFactor(0, 3)
        self.split.setStretchFactor(1, 1)
        self.split.setChildrenCollapsible(False)
        self.log_panel.setMinimumWidth(300)

        self.banner = self._read_only_banner()
        self._style_banner()
        theme.watch(self._style_banner)
        central = QWidget()
        box = QVBoxLayout(central)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(4)
        box.addWidget(self.banner)
        box.addWidget(self.scoreboard)
        box.addWidget(self.split, 1)
        box.addWidget(self.replay_bar)
        self.setCentralWidget(central)

    def _connect(self) -> None:
        """What the parts tell each other: a click on the chart selects in the log, and so on."""
        self.chart.following_changed.connect(self._on_chart_following_changed)
        self.chart.event_clicked.connect(self._on_chart_event_clicked)
        self.log_panel.event_selected.connect(self._on_log_event_selected)
        self.log_panel.edit_requested.connect(self.edits.edit_note)
        self.log_panel.delete_requested.connect(self.edits.delete_note)
        self.chart.note_requested.connect(self.edits.add_note)
        self.chart.flag_requested.connect(self.edits.flag_reading)
        self.copies.saved_as.connect(self.replace_requested)
        self.chart.setAcceptDrops(False)
        self.gap.setAcceptDrops(False)
        self.session.analysis_changed.connect(self._update_status)
        self.session.race_changed.connect(self._on_session_race_changed)
        self.session.write_failed.connect(self._on_session_write_failed)
        self.replay_bar.playing_changed.connect(self._update_status)
        self.replay_bar.speed_changed.connect(self._update_status)

    def _name_chart_bar(self) -> None:
        """Accessible names and tooltips for the controls over the chart."""
        self.zone_label.setAccessibleName("Display time zone")
        self.zone_label.setToolTip(
            "Every time in the window is in the race's display time zone "
            "(Race ▸ Edit Race changes it)"
        )
        self.log_check.setAccessibleName("Logarithmic count axis")
        self.log_check.setToolTip("Show the count axis on a logarithmic scale (Ctrl+L)")
        self.fit_button.setAccessibleName("Whole race")
        self.fit_button.setToolTip(
            "Show the whole race in the chart (Ctrl+0, or Home when the chart has the focus)"
        )
        self.live_button.setAccessibleName("Back to live")

    def _set_tab_order(self) -> None:
        """Tab goes through the window as it reads: scoreboard, plots, log, replay controls.

        A button or combo box tabbed to takes Space itself (press, open) rather
        than the window's play/pause shortcut.
        """
        cards = self.scoreboard.cards
        chain: list[QWidget] = [
            *self.banner.findChildren(QPushButton),
            *cards[:1],
            self.scoreboard.middle,
            *cards[1:],
            self.chart,
            self.gap,
            self.live_button,
            self.fit_button,
            self.log_check,
            self.log_panel.search,
            self.log_panel.kind_button,
            self.log_panel.view,
            self.replay_bar.play_button,
            self.replay_bar.speed_box,
            self.replay_bar.slider,
        ]
        for first, second in zip(chain, chain[1:], strict=False):
            QWidget.setTabOrder(first, second)
        for widget in chain:
            if isinstance(widget, QAbstractButton | QComboBox):
                keep_space_key(widget)

    # -- menu items the window answers itself (the table is in menus.py) ----------------------
    def add_undo_actions(self, menu: QMenu) -> None:
        """Edit ▸ Undo and Redo, named after what they would undo or redo."""
        self.undo_action = self.undo_stack.createUndoAction(self, "&Undo")
        self.undo_action.setShortcut(QKeySequence.StandardKey.Undo)
        self.redo_action = self.undo_stack.createRedoAction(self, "&Redo")
        self.redo_action.setShortcut(QKeySequence.StandardKey.Redo)
        menu.addAction(self.undo_action)
        menu.addAction(self.redo_action)

    def add_appearance_menu(self, menu: QMenu) -> None:
        """View ▸ Appearance: follow the system, or keep light or dark."""
        self.scheme_actions = menus.appearance_menu(menu.addMenu("&Appearance"))

    @Slot()
    def focus_log_search(self) -> None:
        """Edit ▸ Find in Log."""
        self.log_panel.search.setFocus()
        self.log_panel.search.selectAll()

    @Slot()
    def restart_replay(self) -> None:
        """Replay ▸ Restart: back to the start of the final stretch, playing."""
        plan = replay_plan(self.session)
        if plan:
            self.replay_bar.replayer.seek(plan[0])
            self.chart.back_to_live()
            self.replay_bar.play()

    @Slot()
    def show_everything(self) -> None:
        """Replay ▸ Show Everything Stored: stop the replay and show the race as stored."""
        self.replay_bar.pause()
        self.session.set_as_of(None)
        self.chart.back_to_live()

    @Slot()
    def quit_all(self) -> None:
        """File ▸ Quit: close every window."""
        QApplication.closeAllWindows()

    @Slot()
    def show_about(self) -> None:
        """Help ▸ About Photo Finish."""
        from ..dialogs.about import show_about

        show_about(self)

    @Slot()
    def show_shortcuts(self) -> QDialog:
        """Help ▸ Keyboard Shortcuts: every key the window answers to."""
        from ..dialogs.help import ShortcutsDialog

        return self._open_help(ShortcutsDialog(self))

    @Slot()
    def show_getting_started(self) -> QDialog:
        """Help ▸ Getting Started: a first race in five steps."""
        from ..dialogs.help import GettingStartedDialog

        return self._open_help(GettingStartedDialog(self))

    def show_forecast_help(self) -> QDialog:
        """Help ▸ Forecasts: what the ETA's range and the winner's chance mean."""
        from ..dialogs.help import ForecastsDialog

        return self._open_help(ForecastsDialog(self))

    @staticmethod
    def _open_help(dialog: QDialog) -> QDialog:
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    # -- other files ------------------------------------------------------------------------
    @Slot()
    def ask_new_race(self) -> None:
        """File ▸ New Race: the application asks for the race and opens its window."""
        self.new_race_requested.emit()

    @Slot()
    def ask_open(self) -> None:
        """File ▸ Open: ask for a session file and ask for it to be opened."""
        name, _ = QFileDialog.getOpenFileName(self, "Open Race", "", SESSION_FILTER)
        if name:
            self.open_path(name)

    def open_path(self, path: str | Path) -> None:
        """Ask for a session to be opened in a window of its own (the application does it)."""
        self.open_requested.emit(Path(path))

    @Slot()
    def open_sample(self) -> None:
        """Help ▸ Open the 2009 Race: the user's own copy of the bundled race."""
        try:
            path = paths.demo_session()
        except (OSError, SessionFileError) as exc:
            log.warning("Could not copy the 2009 race: %s", exc)
            notice(self, "Could not open the 2009 race", str(exc), warn=True)
            return
        self.open_path(path)

    @Slot()
    def rebuild_recent_menu(self) -> None:
        """Fill Open Recent, pruning sessions that are gone (and saying so)."""
        missing = settings.prune_recent()
        if missing:
            names = ", ".join(Path(p).name for p in missing)
            log.info("Removed missing sessions from Open Recent: %s", missing)
            self.statusBar().showMessage(
                f"Removed from Open Recent because the files are gone: {names}", 8000
            )
        menu = self.recent_menu
        menu.clear()
        recent = settings.recent_files()
        for i, path in enumerate(recent, start=1):
            p = Path(path)
            action = menu.addAction(f"&{i % 10} " + fmt.menu_text(f"{p.name} — {p.parent}"))
            action.setToolTip(fmt.plain_tooltip(path))
            action.setData(path)
            action.triggered.connect(lambda _=False, path=path: self.open_path(path))
        if not recent:
            menu.addAction("No recent races").setEnabled(False)
        menu.addSeparator()
        clear = menu.addAction("Clear Menu")
        clear.setEnabled(bool(recent))
        clear.triggered.connect(settings.clear_recent)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 - Qt naming
        """Accept local files dragged onto the window."""
        urls = event.mimeData().urls()
        if urls and all(u.isLocalFile() for u in urls):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 - Qt naming
        """Open each session file dropped on the window."""
        files = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if not files:
            event.ignore()
            return
        event.acceptProposedAction()
        # Opened once the drop is over: a big file shows a progress dialog, which
        # must not run inside the drag-and-drop handler of the window system.
        self._dropped.extend(files)
        QTimer.singleShot(0, self._open_dropped)

    @Slot()
    def _open_dropped(self) -> None:
        files, self._dropped = self._dropped, []
        for name in files:
            self.open_path(name)

    # -- what the window shows about itself -------------------------------------------------
    def _read_only_banner(self) -> QFrame:
        banner = QFrame()
        banner.setObjectName("readOnlyBanner")
        row = QHBoxLayout(banner)
        row.setContentsMargins(12, 6, 12, 6)
        self.banner_label = QLabel()
        self.banner_label.setObjectName("readOnlyText")
        self.banner_label.setTextFormat(Qt.TextFormat.PlainText)
        self.banner_label.setWordWrap(True)
        copy = QPushButton("Save a Copy…")
        copy.setToolTip("Write a copy you can change, and open it")
        copy.clicked.connect(lambda: self.copies.ask_save_as())
        row.addWidget(self.banner_label, 1)
        row.addWidget(copy)
        reason = self.session.read_only_reason()
        self._says_read_only = reason is not None
        if reason is not None:
            self.banner_label.setText(
                f"Read-only: {reason}. You can look, replay and export; "
                "notes, flags and race edits are off until you save a copy."
            )
        else:
            banner.hide()
        return banner

    @Slot()
    def _style_banner(self) -> None:
        s = theme.current()
        self.banner.setStyleSheet(
            f"#readOnlyBanner {{ background: {s.banner_bg}; "
            f"border-bottom: 1px solid {s.banner_border}; }}"
            f" #readOnlyText {{ color: {s.banner_text}; }}"
        )

    def _mention_unfinished_imports(self) -> None:
        """Say so when an import into this file was killed or stopped before its end."""
        try:
            unfinished = self.session.unfinished_imports()
        except StoreError:
            log.warning("Could not check for unfinished imports", exc_info=True)
            return
        if unfinished:
            text = unfinished_import_text(unfinished[-1])
            log.warning("%s: %s", self.session.path, text)
            self.statusBar().showMessage(f"Note: {text}.")

    @Slot()
    def _update_status(self, *args: object) -> None:
        s = self.session
        end = s.as_of_ms
        zone_name = fmt.local(end or (s.time_span() or (0, 0))[1], s.zone, "%Z").split()[-1]
        self.zone_label.setText(f"Times in {s.race.display_tz} ({zone_name})")
        snapshots = s.series_count()
        state = (
            "replaying"
            if self.replay_bar.replayer.playing
            else ("paused" if end is not None else "live")
        )
        speed = self.replay_bar.replayer.speed
        extra = f" at {fmt.count(speed)}×" if state == "replaying" else ""
        ro = " · read-only" if self._says_read_only else ""
        self.status_left.setText(
            f"{fmt.count(snapshots)} snapshots · {fmt.count(len(s.events))} events"
            f" · {state}{extra}{ro}"
        )

    def _update_title(self) -> None:
        ro = " (read-only)" if self.session.read_only else ""
        self.setWindowTitle(f"Photo Finish — {self.session.race.title}{ro}")

    # -- reactions ------------------------------------------------------------------------------
    @Slot(bool)
    def _on_chart_following_changed(self, following: bool) -> None:
        self.live_button.setVisible(not following)

    @Slot(str)
    def _on_chart_event_clicked(self, key: str) -> None:
        if not self.log_panel.select_key(key):
            self.statusBar().showMessage("That event is hidden by the log's filter", 4000)

    @Slot(str)
    def _on_log_event_selected(self, key: str) -> None:
        for event in self.session.events:
            if (event.key or f"id:{event.id}") == key:
                self.chart.center_on(event.at_ms)
                return

    @Slot()
    def _on_session_race_changed(self) -> None:
        self._update_title()
        self._update_status()

    @Slot(str)
    def _on_session_write_failed(self, why: str) -> None:
        self.statusBar().showMessage(f"Not saved: {why}", 10_000)
        notice(
            self,
            "Change not saved",
            f"{why}.\n\nThe session file is as it was before; try again once it can be written.",
            warn=True,
            name="writeFailed",
        )

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt naming
        """Stop the replay and exports, remember the view, and close the session file."""
        self.replay_bar.pause()
        self.exports.cancel_all()
        self.live.stop()
        self.history.stop()
        self.alerts.stop()
        self.session.stop_watching()
        if self._remember:
            view_state.save(self.view_parts)
            view_state.save_geometry(self)
        try:
            self.session.close()
        except Exception:  # closing twice or a vanished file must not block closing
            log.warning("Closing the session file failed", exc_info=True)
        super().closeEvent(event)
        self.closed.emit()
