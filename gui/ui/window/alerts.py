"""The window's alerts: desktop notifications for what happens live, each told once.

New derived events (lead changes, "to go" marks, crossings) notify as the
session adds them; the projected winner changing notifies once it has held
for a few minutes; a live source notifies when it has been failing for a
few minutes, and again when it works. What the window showed when it opened
is never told, a replay tells nothing unless asked to (Race ▸ Alerts), and
no event is told twice. Clicking a notice brings the window forward with the
event selected in the log.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from typing import cast

from PySide6.QtCore import QObject, QTimer, Slot
from PySide6.QtWidgets import QDialog, QWidget

from ...core.alerts import (
    PROJECTED,
    SOURCE,
    SOURCE_TROUBLE_S,
    notification,
)
from ...core.live.source_state import SourceStatus
from ...core.model import Event, SourceConfig
from ...session import Session
from ...settings import alert_choice, set_alert_choice
from ...sources.desktop_notices import DesktopNotices
from ..dialogs.alerts import AlertsDialog
from ..widgets.event_log.view import EventLog

log = logging.getLogger(__name__)

PROJECTION_HOLD_S = 300.0  # a new projected winner is told once it has held this long
CHECK_MS = 10_000  # how often the sources' state and the projection are looked at

Statuses = Callable[[], Mapping[str, tuple[SourceConfig, SourceStatus]]]


class Alerts(QObject):
    """Decides what to tell, tells it through the desktop, and answers the clicks."""

    def __init__(
        self,
        session: Session,
        log_panel: EventLog,
        statuses: Statuses,
        parent: QWidget,
        notices: DesktopNotices | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.log_panel = log_panel
        self.statuses = statuses
        self.clock = clock
        self.notices = notices if notices is not None else DesktopNotices(self)
        self.notices.clicked.connect(self._on_notices_clicked)
        self.choice = alert_choice(session.path)
        # Everything stored when the window opens happened before: never told live.
        opened = session.complete_analysis()
        self.told = {e.key for e in opened.events if e.key}
        self.replayed: set[str] = set()  # what a replay has reached (told if asked to)
        self._projected = opened.projected_winner
        self._candidate: tuple[str | None, float] | None = None
        self._troubled: set[str] = set()  # sources told as failing, until they work again
        session.events_added.connect(self._on_session_events_added)
        session.events_reset.connect(self._on_session_events_reset)
        session.analysis_changed.connect(self._on_session_analysis_changed)
        self._timer = QTimer(self)
        self._timer.setInterval(CHECK_MS)
        self._timer.timeout.connect(self.check)
        self._timer.start()

    def window(self) -> QWidget:
        """The window this works for (its parent)."""
        return cast(QWidget, self.parent())

    def stop(self) -> None:
        """The window closes."""
        self._timer.stop()
        self.notices.close()

    # -- Race ▸ Alerts… ------------------------------------------------------------------------
    @Slot()
    def edit(self) -> None:
        """Choose which alerts this race gives (kept per user, per file)."""
        dialog = AlertsDialog(self.choice, self.session.race.title, self.window())
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        self.choice = dialog.choice()
        if self.session.path is not None:
            set_alert_choice(self.session.path, self.choice)

    # -- what to tell ----------------------------------------------------------------------
    def _live(self) -> bool:
        return self.session.as_of_ms is None or self.choice.in_replay

    def _tell(self, title: str, body: str, key: str) -> None:
        log.info("Alert: %s: %s", title, body)
        self.notices.notify(title, body, key)

    @Slot(list)
    def _on_session_events_added(self, events: list[Event]) -> None:
        self._take(events, jump=False)

    @Slot()
    def _on_session_events_reset(self) -> None:
        self._take(self.session.events, jump=True)

    def _take(self, events: list[Event], jump: bool) -> None:
        """Tell the events not told yet: live, every new one; in a replay, those it reaches.

        A replay that jumps (a seek) passes over what it jumped across; live,
        a list read again (an edit changed what is derived) may hold new events.
        """
        replay = self.session.as_of_ms is not None
        if replay and not self.choice.in_replay:
            return
        seen = self.replayed if replay else self.told
        for event in sorted(events, key=lambda e: (e.at_ms, e.key or "")):
            if not event.key or event.key in seen:
                continue
            seen.add(event.key)  # seen now: told, or passed over for good
            if not (replay and jump) and self.choice.wants(event):
                title, body = notification(event, self.session.race.title)
                self._tell(title, body, event.key)

    @Slot()
    def _on_session_analysis_changed(self) -> None:
        self._check_projection()

    @Slot()
    def check(self) -> None:
        """Look at the projection and the sources (a timer calls this every few seconds)."""
        self._check_projection()
        self._check_sources()

    def _check_projection(self) -> None:
        if PROJECTED not in self.choice.on or not self._live():
            return
        now_winner = self.session.analysis.projected_winner
        if now_winner == self._projected:
            self._candidate = None
            return
        if self._candidate is None or self._candidate[0] != now_winner:
            self._candidate = (now_winner, self.clock())
            return
        if now_winner is None or self.clock() - self._candidate[1] < PROJECTION_HOLD_S:
            return
        self._projected, self._candidate = now_winner, None
        race = self.session.race
        self._tell(
            f"Projected winner · {race.title}",
            f"{self.session.name(now_winner)} is now on course to reach {race.milestone:,} first",
            "",
        )

    def _check_sources(self) -> None:
        if SOURCE not in self.choice.on or self.session.as_of_ms is not None:
            return
        now = time.time()
        for key, (config, status) in self.statuses().items():
            name = self.session.name(config.handle)
            if not status.healthy and status.trouble_since is not None:
                if key not in self._troubled and now - status.trouble_since >= SOURCE_TROUBLE_S:
                    self._troubled.add(key)
                    minutes = round((now - status.trouble_since) / 60)
                    self._tell(
                        f"Live source · {self.session.race.title}",
                        f"{status.label} ({name}) has been failing for {minutes} min: "
                        f"{status.reason}",
                        "",
                    )
            elif status.healthy and key in self._troubled:
                self._troubled.discard(key)
                self._tell(
                    f"Live source · {self.session.race.title}",
                    f"{status.label} ({name}) works again",
                    "",
                )

    # -- a click ---------------------------------------------------------------------------
    @Slot(str)
    def _on_notices_clicked(self, key: str) -> None:
        window = self.window()
        window.showNormal() if window.isMinimized() else window.show()
        window.raise_()
        window.activateWindow()
        if key and not self.log_panel.select_key(key):
            log.info("The event of a clicked alert is not in the log's view: %s", key)
