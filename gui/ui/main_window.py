"""The main window: scoreboard, race chart over gap plot, event log, replay controls."""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import QSize, Qt, Slot
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from gui.session import Session
from gui.ui import fmt
from gui.ui.event_log import EventLog
from gui.ui.gap_plot import GapPlot
from gui.ui.race_chart import RaceChart
from gui.ui.replay_bar import ReplayBar

log = logging.getLogger(__name__)

DEMO_LEAD_IN_MS = 6 * 3_600_000
DEMO_SECONDS_TO_FINISH = 90


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

    def __init__(self, session: Session, replay: bool = False) -> None:
        super().__init__()
        self.session = session
        self.setWindowTitle(f"Photo Finish — {session.race.title}")
        self.setMinimumSize(QSize(1100, 640))

        from gui.ui.scoreboard import Scoreboard

        self.scoreboard = Scoreboard(session)
        self.chart = RaceChart(session)
        self.gap = GapPlot(session, self.chart)
        self.log_panel = EventLog(session)
        self.replay_bar = ReplayBar(session)

        self.zone_label = QLabel()
        self.zone_label.setStyleSheet("color: #555555;")
        self.log_check = QCheckBox("Log scale")
        self.log_check.toggled.connect(self._on_log_check_toggled)
        self.fit_button = QPushButton("Whole race")
        self.fit_button.clicked.connect(self.chart.fit_all)
        self.live_button = QPushButton("Back to live ▸")
        self.live_button.setToolTip("Follow the newest readings again")
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

        central = QWidget()
        box = QVBoxLayout(central)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(4)
        box.addWidget(self.scoreboard)
        box.addWidget(self.split, 1)
        box.addWidget(self.replay_bar)
        self.setCentralWidget(central)

        self.status_left = QLabel()
        self.statusBar().addWidget(self.status_left, 1)
        self._build_menus()

        self.chart.following_changed.connect(self._on_chart_following_changed)
        self.chart.event_clicked.connect(self._on_chart_event_clicked)
        self.log_panel.event_selected.connect(self._on_log_event_selected)
        session.analysis_changed.connect(self._update_status)
        self.replay_bar.playing_changed.connect(self._update_status)
        self._update_status()
        self.resize(1600, 900)
        self.split.setSizes([1140, 460])
        self.plots.setSizes([560, 190])

        if replay:
            plan = replay_plan(session)
            if plan is not None:
                start, speed = plan
                self.replay_bar.replayer.seek(start)
                self.replay_bar.set_speed(speed)
                self.replay_bar.play()

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
        file_menu = bar.addMenu("&File")
        self.open_action = self._action("&Open…", self._on_open, QKeySequence.StandardKey.Open)
        file_menu.addAction(self.open_action)
        file_menu.addSeparator()
        file_menu.addAction(
            self._action("&Close Window", self.close, QKeySequence.StandardKey.Close)
        )
        file_menu.addAction(self._action("&Quit", self._on_quit, QKeySequence.StandardKey.Quit))

        view = bar.addMenu("&View")
        self.log_action = self._action(
            "&Logarithmic Count Axis", self.log_check.setChecked, "Ctrl+L", checkable=True
        )
        self.log_check.toggled.connect(self.log_action.setChecked)
        view.addAction(self.log_action)
        view.addAction(self._action("&Back to Live", self.chart.back_to_live, "Ctrl+End"))
        view.addAction(self._action("&Whole Race", self.chart.fit_all, "Ctrl+0"))
        view.addAction(self._action("Find in &Log", self._on_find, QKeySequence.StandardKey.Find))

        replay = bar.addMenu("&Replay")
        replay.addAction(self._action("&Play / Pause", self.replay_bar.toggle, "Space"))
        replay.addAction(self._action("&Faster", lambda: self.replay_bar.change_speed(1), "Ctrl+]"))
        replay.addAction(
            self._action("&Slower", lambda: self.replay_bar.change_speed(-1), "Ctrl+[")
        )
        replay.addAction(self._action("&Restart", self._on_restart, "Ctrl+Home"))
        replay.addAction(self._action("Show &Everything Stored", self._on_show_all))

        help_menu = bar.addMenu("&Help")
        help_menu.addAction(self._action("&About Photo Finish", self._on_about))

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
        snapshots = sum(len(x) for x in s.series.values())
        state = (
            "replaying"
            if self.replay_bar.replayer.playing
            else ("paused" if end is not None else "live")
        )
        speed = self.replay_bar.replayer.speed
        extra = f" at {fmt.count(speed)}×" if state == "replaying" else ""
        ro = " · read-only" if s.read_only else ""
        self.status_left.setText(
            f"{fmt.count(snapshots)} snapshots · {len(s.events)} events · {state}{extra}{ro}"
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

    @Slot()
    def _on_open(self) -> None:
        from gui.app import open_session_dialog

        open_session_dialog(self)

    @Slot()
    def _on_quit(self) -> None:
        from PySide6.QtWidgets import QApplication

        QApplication.closeAllWindows()

    @Slot()
    def _on_about(self) -> None:
        QMessageBox.about(
            self,
            "About Photo Finish",
            "Photo Finish follows a race between two counters toward a milestone.\n\n"
            "Every reading and note is kept in one SQLite file per race.",
        )

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt naming
        """Stop the replay and close the session file."""
        self.replay_bar.pause()
        try:
            self.session.store.close()
        except Exception:  # closing twice or a vanished file must not block closing
            log.warning("Closing the session file failed", exc_info=True)
        super().closeEvent(event)
