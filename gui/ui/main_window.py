"""The main window: scoreboard, race chart over gap plot, event log, replay controls."""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSize, Qt, QTimer, Signal, Slot
from PySide6.QtGui import (
    QAction,
    QActionGroup,
    QCloseEvent,
    QDragEnterEvent,
    QDropEvent,
    QKeySequence,
    QUndoStack,
)
from PySide6.QtWidgets import (
    QCheckBox,
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

from ..core.errors import SessionFileError, StoreError
from ..core.model import FLAG_GLITCH, FLAG_NONE, FLAG_OK, Event
from ..session import Session
from . import fmt, settings, theme, view_state
from .commands import AddNote, DeleteNote, EditNote, EditRace, FlagReading
from .event_log import EventLog
from .gap_plot import GapPlot
from .help import SHORTCUTS_KEYS
from .note_dialog import NoteDialog
from .notice import notice
from .race_chart import RaceChart
from .replay_bar import ReplayBar

log = logging.getLogger(__name__)

DEMO_LEAD_IN_MS = 6 * 3_600_000
DEMO_SECONDS_TO_FINISH = 90
ADD_NOTE_SHORTCUT = "Ctrl+Shift+N"  # Ctrl+N is New Race; no standard key uses this one
SESSION_FILTER = "Photo Finish sessions (*.pfrace *.db *.sqlite *.sqlite3);;All files (*)"


def replay_plan(session: Session) -> tuple[int, float] | None:
    """Where a replay starts and how fast it runs: the final stretch, crossing after ~90 s."""
    span = session.time_span()
    if span is None:
        return None
    analysis = session.complete_analysis()
    pair = [c.handle for c in session.competitors[:2]]
    crossings = [analysis.crossings[h].at_ms for h in pair if h in analysis.crossings]
    target = min(crossings) if crossings else span[1]
    start = max(span[0], target - DEMO_LEAD_IN_MS)
    speed = max((target - start) / (DEMO_SECONDS_TO_FINISH * 1000), 1.0)
    return start, speed


class MainWindow(QMainWindow):
    """One window per open session."""

    closed = Signal()

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

        from .scoreboard import Scoreboard

        self.scoreboard = Scoreboard(session)
        self.chart = RaceChart(session)
        self.gap = GapPlot(session, self.chart)
        self.log_panel = EventLog(session)
        self.replay_bar = ReplayBar(session)

        self.zone_label = QLabel()
        self.zone_label.setTextFormat(Qt.TextFormat.PlainText)  # the zone's name is from the file
        theme.mute(self.zone_label)
        self.log_check = QCheckBox("Log scale")
        self.log_check.toggled.connect(self._on_log_check_toggled)
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

        self.status_left = QLabel()
        self.statusBar().addWidget(self.status_left, 1)
        from .live import LiveSources

        self.live = LiveSources(self)
        from .exports import Exports

        self.exports = Exports(self)
        from .imports import Imports

        self.imports = Imports(self)
        self._build_menus()

        self.chart.following_changed.connect(self._on_chart_following_changed)
        self.chart.event_clicked.connect(self._on_chart_event_clicked)
        self.log_panel.event_selected.connect(self._on_log_event_selected)
        self.log_panel.edit_requested.connect(self.edit_note)
        self.log_panel.delete_requested.connect(self.delete_note)
        self.chart.note_requested.connect(self.add_note)
        self.chart.flag_requested.connect(self.flag_reading)
        self.chart.setAcceptDrops(False)
        self.gap.setAcceptDrops(False)
        session.analysis_changed.connect(self._update_status)
        session.race_changed.connect(self._on_session_race_changed)
        session.write_failed.connect(self._on_session_write_failed)
        self.replay_bar.playing_changed.connect(self._update_status)
        self._update_status()
        self.resize(1600, 900)
        self.split.setSizes([1140, 460])
        self.plots.setSizes([560, 190])
        if restore:
            view_state.restore_geometry(self)
            if not replay:
                view_state.apply(self, view_state.load(self))

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
        from PySide6.QtWidgets import QAbstractButton, QComboBox

        from .forms import keep_space_key

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

    # -- menus -----------------------------------------------------------------------------
    def _action(
        self,
        text: str,
        slot: Any,
        shortcut: QKeySequence.StandardKey | str | None = None,
        checkable: bool = False,
    ) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(shortcut)
        action.setCheckable(checkable)
        if checkable:
            action.toggled.connect(slot)
        else:
            action.triggered.connect(slot)
        return action

    def _build_menus(self) -> None:
        bar = self.menuBar()
        writable = not self.session.read_only
        file_menu = bar.addMenu("&File")
        file_menu.addAction(
            self._action("&New Race…", self._on_new_race, QKeySequence.StandardKey.New)
        )
        self.open_action = self._action("&Open…", self._on_open, QKeySequence.StandardKey.Open)
        file_menu.addAction(self.open_action)
        self.recent_menu = file_menu.addMenu("Open &Recent")
        self.recent_menu.setObjectName("recentMenu")
        self.recent_menu.aboutToShow.connect(self.rebuild_recent_menu)
        file_menu.addSeparator()
        self.save_as_action = self._action(
            "Save &As…", self._on_save_as, QKeySequence.StandardKey.SaveAs
        )
        file_menu.addAction(self.save_as_action)
        self.save_copy_action = self._action("Save a &Copy…", self._on_save_copy)
        file_menu.addAction(self.save_copy_action)
        file_menu.addSeparator()
        self.import_action = self._action("&Import Readings and Notes…", self._on_import)
        self.import_action.setEnabled(writable)
        file_menu.addAction(self.import_action)
        self.exports.build_menu(file_menu)
        file_menu.addSeparator()
        file_menu.addAction(
            self._action("&Close Window", self.close, QKeySequence.StandardKey.Close)
        )
        quit_action = self._action("&Quit", self._on_quit, QKeySequence.StandardKey.Quit)
        if not quit_action.shortcuts():  # desktops without a standard key for quitting
            quit_action.setShortcut(QKeySequence("Ctrl+Q"))
        file_menu.addAction(quit_action)

        edit = bar.addMenu("&Edit")
        self.undo_action = self.undo_stack.createUndoAction(self, "&Undo")
        self.undo_action.setShortcut(QKeySequence.StandardKey.Undo)
        self.redo_action = self.undo_stack.createRedoAction(self, "&Redo")
        self.redo_action.setShortcut(QKeySequence.StandardKey.Redo)
        edit.addAction(self.undo_action)
        edit.addAction(self.redo_action)
        edit.addSeparator()
        edit.addAction(self._action("Find in &Log", self._on_find, QKeySequence.StandardKey.Find))

        race = bar.addMenu("Ra&ce")
        self.add_note_action = self._action(
            "Add &Note…", lambda: self.add_note(None), ADD_NOTE_SHORTCUT
        )
        self.add_note_action.setEnabled(writable)
        race.addAction(self.add_note_action)
        self.edit_race_action = self._action("&Edit Race…", self.edit_race, "Ctrl+E")
        self.edit_race_action.setEnabled(writable)
        race.addAction(self.edit_race_action)
        race.addSeparator()
        race.addAction(self.live.sources_action)
        race.addAction(self.live.reading_action)

        view = bar.addMenu("&View")
        self.log_action = self._action(
            "&Logarithmic Count Axis", self.log_check.setChecked, "Ctrl+L", checkable=True
        )
        self.log_check.toggled.connect(self.log_action.setChecked)
        view.addAction(self.log_action)
        view.addAction(self._action("&Back to Live", self.chart.back_to_live, "Ctrl+End"))
        view.addAction(self._action("&Whole Race", self.chart.fit_all, "Ctrl+0"))
        view.addSeparator()
        self._build_appearance_menu(view.addMenu("&Appearance"))

        replay = bar.addMenu("&Replay")
        replay.addAction(self._action("&Play / Pause", self.replay_bar.toggle, "Space"))
        replay.addAction(self._action("&Faster", lambda: self.replay_bar.change_speed(1), "Ctrl+]"))
        replay.addAction(
            self._action("&Slower", lambda: self.replay_bar.change_speed(-1), "Ctrl+[")
        )
        replay.addAction(self._action("&Restart", self._on_restart, "Ctrl+Home"))
        replay.addAction(self._action("Show &Everything Stored", self._on_show_all))

        help_menu = bar.addMenu("&Help")
        help_menu.addAction(self._action("&Getting Started", self.show_getting_started))
        self.shortcuts_action = self._action("&Keyboard Shortcuts", self.show_shortcuts)
        self.shortcuts_action.setShortcuts([QKeySequence(k) for k in SHORTCUTS_KEYS])
        help_menu.addAction(self.shortcuts_action)
        help_menu.addAction(self._action("Open the &2009 Race", self._on_open_sample))
        help_menu.addSeparator()
        help_menu.addAction(self._action("&About Photo Finish", self._on_about))

    def _build_appearance_menu(self, menu: QMenu) -> None:
        """System, Light or Dark: the colour scheme, the same in every window."""
        menu.setObjectName("appearanceMenu")
        group = QActionGroup(menu)
        group.setExclusive(True)
        running = theme.theme()
        chosen = running.choice if running is not None else theme.SYSTEM
        self.scheme_actions: dict[str, QAction] = {}
        for choice, text, tip in (
            (theme.SYSTEM, "Follow the &System", "Light or dark as the desktop is set"),
            (theme.LIGHT, "&Light", "Dark text on light backgrounds, whatever the desktop"),
            (theme.DARK, "&Dark", "Light text on dark backgrounds, whatever the desktop"),
        ):
            action = QAction(text, menu)
            action.setCheckable(True)
            action.setChecked(choice == chosen)
            action.setStatusTip(tip)
            action.setData(choice)
            group.addAction(action)
            menu.addAction(action)
            self.scheme_actions[choice] = action
        group.triggered.connect(self._on_scheme_chosen)
        menu.aboutToShow.connect(self._sync_scheme_actions)

    @Slot(QAction)
    def _on_scheme_chosen(self, action: QAction) -> None:
        running = theme.theme()
        if running is not None:
            running.set_choice(str(action.data()))

    @Slot()
    def _sync_scheme_actions(self) -> None:
        """Tick the choice made in any window."""
        running = theme.theme()
        if running is not None:
            self.scheme_actions[running.choice].setChecked(True)

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

    def _mention_unfinished_imports(self) -> None:
        """Say so when an import into this file was killed or stopped before its end."""
        from ..core.reports import unfinished_import_text

        try:
            unfinished = self.session.unfinished_imports()
        except StoreError:
            log.warning("Could not check for unfinished imports", exc_info=True)
            return
        if unfinished:
            text = unfinished_import_text(unfinished[-1])
            log.warning("%s: %s", self.session.path, text)
            self.statusBar().showMessage(f"Note: {text}.")

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
        copy.clicked.connect(self._on_save_as)
        row.addWidget(self.banner_label, 1)
        row.addWidget(copy)
        reason = self._read_only_reason()
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

    def _read_only_reason(self) -> str | None:
        """Why the session cannot be changed, in words; None when nothing stops it.

        None also when the file could be written but was opened read-only on
        purpose, as the headless screenshot does: no banner in pictures.
        """
        return self.session.read_only_reason()

    # -- reactions ------------------------------------------------------------------------------
    @Slot(bool)
    def _on_log_check_toggled(self, on: bool) -> None:
        self.chart.set_log_y(on)

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

    @Slot()
    def _on_find(self) -> None:
        self.log_panel.search.setFocus()
        self.log_panel.search.selectAll()

    @Slot()
    def _on_restart(self) -> None:
        plan = replay_plan(self.session)
        if plan:
            self.replay_bar.replayer.seek(plan[0])
            self.chart.back_to_live()
            self.replay_bar.play()

    @Slot()
    def _on_show_all(self) -> None:
        self.replay_bar.pause()
        self.session.set_as_of(None)
        self.chart.back_to_live()

    # -- opening sessions ------------------------------------------------------------------
    @Slot()
    def _on_open(self) -> None:
        from ..app import open_session_dialog

        open_session_dialog(self)

    @Slot()
    def _on_new_race(self) -> None:
        from ..app import new_race_dialog

        new_race_dialog(self)

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
        menu: QMenu = self.recent_menu
        menu.clear()
        paths = settings.recent_files()
        for i, path in enumerate(paths, start=1):
            p = Path(path)
            action = menu.addAction(f"&{i % 10} " + fmt.menu_text(f"{p.name} — {p.parent}"))
            action.setToolTip(fmt.plain_tooltip(path))
            action.setData(path)
            action.triggered.connect(lambda _=False, path=path: self.open_path(path))
        if not paths:
            menu.addAction("No recent races").setEnabled(False)
        menu.addSeparator()
        clear = menu.addAction("Clear Menu")
        clear.setEnabled(bool(paths))
        clear.triggered.connect(settings.clear_recent)

    def open_path(self, path: str | Path) -> QWidget | None:
        """Open a session in a window of its own, explaining any problem in a dialog."""
        from ..app import open_path

        return open_path(Path(path), self)

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

    # -- copies ---------------------------------------------------------------------------------
    def _ask_copy_target(self, title: str) -> Path | None:
        path = self.session.path
        start = str(path.with_name(f"{path.stem} copy.pfrace")) if path else "race.pfrace"
        name, _ = QFileDialog.getSaveFileName(self, title, start, SESSION_FILTER)
        if not name:
            return None
        target = Path(name)
        return target if target.suffix else target.with_suffix(".pfrace")

    def save_copy_to(self, target: Path) -> bool:
        """Write a consistent copy of the session (SQLite online backup); False on failure."""
        view_state.save(self)
        try:
            self.session.save_copy(target)
        except StoreError as exc:
            problem = exc.problem if isinstance(exc, SessionFileError) else exc.detail
        except OSError as exc:
            problem = str(exc)
        else:
            return True
        log.warning("Could not write a copy to %s: %s", target, problem)
        notice(
            self,
            "Could not save the copy",
            f"{target}\n\n{problem}\n\nNo file was written and the race is unchanged.",
            warn=True,
        )
        return False

    @Slot()
    def _on_save_copy(self) -> None:
        target = self._ask_copy_target("Save a Copy")
        if target is not None and self.save_copy_to(target):
            self.statusBar().showMessage(f"Copy saved to {target}", 6000)

    @Slot()
    def _on_save_as(self) -> None:
        target = self._ask_copy_target("Save As")
        if target is not None:
            self.save_as(target)

    def save_as(self, target: Path) -> QWidget | None:
        """Copy the session to a new file and carry on there, in this window's place."""
        from ..app import open_path

        state = view_state.capture(self)
        if not self.save_copy_to(target):
            return None
        window = open_path(target, self, restore=False)
        if window is None:
            return None
        view_state.apply(window, state)  # type: ignore[arg-type]
        window.setGeometry(self.geometry())
        self.close()
        return window

    # -- import and export --------------------------------------------------------------------
    @Slot()
    def _on_import(self) -> None:
        self.imports.ask()

    def import_file(self, path: Path) -> Any:
        """Start importing a CSV or JSON Lines file of readings and notes, with progress.

        Returns the job (``wait()`` gives the report), or None while another
        import runs; see :mod:`gui.ui.imports`.
        """
        return self.imports.import_file(Path(path))

    def export_log(self, target: Path, kind: str) -> int | None:
        """Write every event and note of the session as CSV or Markdown."""
        return self.exports.export_log(target, kind)

    # -- notes, flags and the race -----------------------------------------------------------
    @Slot()
    def add_note(self, at_ms: int | None = None) -> NoteDialog | None:
        """Open the note dialog at a moment (default: the moment shown, or now when live)."""
        if self.session.read_only:
            return None
        if at_ms is None:
            at_ms = self.session.as_of_ms
        if at_ms is None:
            at_ms = int(time.time() * 1000)
        dialog = NoteDialog(self.session.zone, self.session.competitors, at_ms, None, self)

        def push() -> None:
            self.undo_stack.push(
                AddNote(
                    self.session, dialog.at_ms(), dialog.note_text(), dialog.link(), dialog.handle()
                )
            )

        dialog.accepted.connect(push)
        dialog.open()
        return dialog

    @Slot(int)
    def edit_note(self, note_id: int) -> NoteDialog | None:
        """Open the note dialog on a stored note."""
        note = self.session.note(note_id)
        if note is None or self.session.read_only:
            return None
        dialog = NoteDialog(self.session.zone, self.session.competitors, note.at_ms, note, self)

        def push(note: Event = note) -> None:
            self.undo_stack.push(
                EditNote(
                    self.session,
                    note,
                    dialog.at_ms(),
                    dialog.note_text(),
                    dialog.link(),
                    dialog.handle(),
                )
            )

        dialog.accepted.connect(push)
        dialog.open()
        return dialog

    @Slot(int)
    def delete_note(self, note_id: int) -> None:
        """Delete a note (undoable)."""
        note = self.session.note(note_id)
        if note is None or self.session.read_only:
            return
        self.undo_stack.push(DeleteNote(self.session, note))
        self.statusBar().showMessage("Note deleted; Edit ▸ Undo brings it back", 5000)

    @Slot(int, str)
    def flag_reading(self, snapshot_id: int, flag: str) -> None:
        """Decide by hand whether a reading is a glitch (undoable)."""
        if self.session.read_only or flag not in (FLAG_GLITCH, FLAG_OK, FLAG_NONE):
            return
        self.undo_stack.push(FlagReading(self.session, snapshot_id, flag))

    @Slot()
    def edit_race(self) -> Any:
        """Open the race dialog; saving stores the changes at once (undoable)."""
        from .race_dialog import RaceDialog

        if self.session.read_only:
            return None
        dialog = RaceDialog(self, self.session.race, self.session.competitors)
        dialog.accepted.connect(
            lambda: self.undo_stack.push(
                EditRace(self.session, dialog.race(), dialog.competitors())
            )
        )
        dialog.open()
        return dialog

    @Slot()
    def _on_session_race_changed(self) -> None:
        self._update_title()
        self._update_status()

    def _update_title(self) -> None:
        ro = " (read-only)" if self.session.read_only else ""
        self.setWindowTitle(f"Photo Finish — {self.session.race.title}{ro}")

    @Slot()
    def _on_quit(self) -> None:
        from PySide6.QtWidgets import QApplication

        QApplication.closeAllWindows()

    @Slot()
    def _on_about(self) -> None:
        from .about import show_about

        show_about(self)

    @Slot()
    def show_shortcuts(self) -> QDialog:
        """Help ▸ Keyboard Shortcuts: every key the window answers to."""
        from .help import ShortcutsDialog

        return self._open_help(ShortcutsDialog(self))

    @Slot()
    def show_getting_started(self) -> QDialog:
        """Help ▸ Getting Started: a first race in five steps."""
        from .help import GettingStartedDialog

        return self._open_help(GettingStartedDialog(self))

    @staticmethod
    def _open_help(dialog: QDialog) -> QDialog:
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    @Slot()
    def _on_open_sample(self) -> None:
        from ..core import paths

        try:
            path = paths.demo_session()
        except (OSError, SessionFileError) as exc:
            log.warning("Could not copy the 2009 race: %s", exc)
            notice(self, "Could not open the 2009 race", str(exc), warn=True)
            return
        self.open_path(path)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt naming
        """Stop the replay and exports, remember the view, and close the session file."""
        self.replay_bar.pause()
        self.exports.cancel_all()
        self.live.stop()
        self.session.stop_watching()
        if self._remember:
            view_state.save(self)
            view_state.save_geometry(self)
        try:
            self.session.close()
        except Exception:  # closing twice or a vanished file must not block closing
            log.warning("Closing the session file failed", exc_info=True)
        super().closeEvent(event)
        self.closed.emit()
