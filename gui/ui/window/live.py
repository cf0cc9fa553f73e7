"""The window's live sources: runs them, shows their state, and the Sources and Reading dialogs."""

from __future__ import annotations

import logging
import time
from dataclasses import replace
from typing import cast

from PySide6.QtCore import QObject, QTimer, Slot
from PySide6.QtGui import QAction, QUndoStack
from PySide6.QtWidgets import QDialog, QMenu, QMessageBox, QStatusBar, QWidget

from ...core.errors import StoreError
from ...core.live.source_state import FAILING, HELD, OK, PAUSED, RETRYING, STARTING
from ...core.model import Snapshot, SourceConfig
from ...session import Session
from ...settings import secret_for
from ...sources.runner import SourceRunner
from .. import fmt
from ..dialogs.notice import notice
from ..widgets.scoreboard import Scoreboard
from . import commands

log = logging.getLogger(__name__)

MANUAL_SOURCE = "manual"
_LEVELS = {
    OK: "ok",
    STARTING: "idle",
    PAUSED: "idle",
    HELD: "warn",
    RETRYING: "warn",
    FAILING: "error",
}


class LiveSources(QObject):
    """Owns one window's :class:`SourceRunner` and keeps the scoreboard's source lines current.

    It works with what it is handed: the session, the scoreboard whose cards
    show each source, the status bar, the undo stack for typed readings, and
    the window as the parent of its dialogs.
    """

    def __init__(
        self,
        session: Session,
        scoreboard: Scoreboard,
        status: QStatusBar,
        undo_stack: QUndoStack,
        parent: QWidget,
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.scoreboard = scoreboard
        self.status = status
        self.undo_stack = undo_stack
        self.runner = SourceRunner(
            self.session,
            [c.handle for c in self.session.competitors],
            self.session.zone,
            secret_for,
            self,
        )
        self.runner.status_changed.connect(self._on_runner_status_changed)
        self.runner.store_failed.connect(self._on_runner_store_failed)
        self.runner.store_recovered.connect(self._on_runner_store_recovered)
        self.runner.moved.connect(self._on_runner_moved)
        self.recorder_pid: int | None = None
        writable = not self.session.read_only
        self.sources_action = QAction("&Sources…", self)
        self.sources_action.setToolTip("Attach, edit, pause and remove live sources")
        self.sources_action.triggered.connect(self.edit_sources)
        self.sources_action.setEnabled(writable)
        self.reading_action = QAction("Enter a &Reading…", self)
        self.reading_action.setShortcut("Ctrl+Shift+R")
        self.reading_action.setToolTip("Type in a count you read somewhere else")
        self.reading_action.triggered.connect(lambda: self.enter_reading(None))
        self.reading_action.setEnabled(writable)
        # Count down "retrying in N s" once a second.
        self._tick = QTimer(self)
        self._tick.timeout.connect(self._on_tick_timeout)
        self._tick.start(1000)

    def dialog_parent(self) -> QWidget:
        """The window this works in (its parent: no reference of its own, so no cycle)."""
        return cast(QWidget, self.parent())

    def add_actions(self, menu: QMenu) -> None:
        """Race ▸ Sources and Enter a Reading."""
        menu.addAction(self.sources_action)
        menu.addAction(self.reading_action)

    # -- running ---------------------------------------------------------------------
    def start(self) -> None:
        """Run the session's stored sources (not when read-only or another process records)."""
        if self.session.read_only:
            return
        self.recorder_pid = self.session.recorder_elsewhere()
        if self.recorder_pid is not None:
            log.info("Recorder %d writes to this file; its readings show here", self.recorder_pid)
            self.refresh()
            return
        for problem in self.runner.set_sources(self.session.sources()):
            self.status.showMessage(f"Source not started: {problem}", 8000)
        self.refresh()

    def stop(self) -> None:
        """Stop every source, storing what is buffered."""
        self._tick.stop()
        self.runner.stop()

    @Slot()
    def _on_tick_timeout(self) -> None:
        if not self.session.read_only:
            self.check_recorder()
        self.refresh()

    def check_recorder(self) -> None:
        """Leave the polling to a recorder that started, and take it back when it ends."""
        try:
            pid = self.session.recorder_elsewhere()
            if pid == self.recorder_pid:
                return
            self.recorder_pid = pid
            if pid is not None:
                log.info("Recorder %d started on this file; its readings show here", pid)
                self.runner.set_sources([])
            else:
                log.info("The recorder stopped; this window polls the sources again")
                self.runner.set_sources(self.session.sources())
        except Exception:  # a closed or vanished file: the window's notice says so elsewhere
            log.warning("Could not check for a recorder", exc_info=True)

    @property
    def active(self) -> bool:
        """Whether any source runs in this window."""
        return any(cfg.enabled for cfg, _ in self.runner.statuses().values())

    # -- showing ---------------------------------------------------------------------
    @Slot(str)
    def _on_runner_status_changed(self, _key: str) -> None:
        self.refresh()

    @Slot()
    def refresh(self) -> None:
        """Put each competitor's source state on its card."""
        now = time.time()
        lines: dict[str, list[tuple[str, str]]] = {}
        for config, status in self.runner.statuses().values():
            text = f"{status.label}: {status.text(now)}"
            if status.state == OK and status.last_ok_at is not None:
                at_ms = round(status.last_ok_at * 1000)
                text += f" · last reading {fmt.local(at_ms, self.session.zone, '%H:%M:%S')}"
            lines.setdefault(config.handle, []).append((text, _LEVELS.get(status.state, "idle")))
        for competitor in self.session.competitors[:2]:
            handle = competitor.handle
            if self.recorder_pid is not None:
                text, level = f"Recording in another process (pid {self.recorder_pid})", "idle"
            elif handle in lines:
                worst = max(
                    lines[handle], key=lambda x: ("idle", "ok", "warn", "error").index(x[1])
                )
                text, level = "  ·  ".join(t for t, _ in lines[handle]), worst[1]
            else:
                text, level = "", "idle"
            self.scoreboard.set_source_status(handle, text, level)

    def status_texts(self) -> dict[str, str]:
        """Each source's state in words, by source id (for the Sources dialog)."""
        now = time.time()
        return {k: st.text(now) for k, (_, st) in self.runner.statuses().items()}

    @Slot(str)
    def _on_runner_store_failed(self, reason: str) -> None:
        self.status.showMessage(
            f"Recording paused: {reason}. Readings already received are kept "
            "and stored as soon as the file can be written."
        )

    @Slot()
    def _on_runner_store_recovered(self) -> None:
        self.status.showMessage("Recording resumed: readings are being stored again", 8000)

    # -- dialogs -------------------------------------------------------------------------
    @Slot()
    @Slot(str, str)
    def _on_runner_moved(self, key: str, target: str) -> None:
        """Offer to follow the account a followed Mastodon account moved to."""
        config = next((c for k, (c, _) in self.runner.statuses().items() if k == key), None)
        if config is None or self.session.read_only:
            return
        who = self.session.name(config.handle)
        box = notice(
            self.dialog_parent(),
            "Account moved",
            f"{config.spec.partition(':')[2]} ({who}) has moved to {target}. The old account's "
            "count may fall as followers move over.\n\nFollow the new account instead? "
            "Readings stored so far stay.",
            name="accountMoved",
            modal=False,
        )
        follow = box.addButton("Follow the New Account", QMessageBox.ButtonRole.AcceptRole)
        box.addButton("Keep Following", QMessageBox.ButtonRole.RejectRole)
        follow.clicked.connect(lambda: self.follow_instead(config, f"mastodon:{target}"))

    def follow_instead(self, old: SourceConfig, spec: str) -> None:
        """Replace a source's spec (a moved account's new one) and run it."""
        sources = [
            replace(c, spec=spec) if c.id == old.id and c.spec == old.spec else c
            for c in self.session.sources()
        ]
        try:
            self.session.replace_sources(sources)
        except StoreError as exc:
            self.status.showMessage(f"The source was not changed: {exc.problem}", 8000)
            return
        self.runner.set_sources(self.session.sources())
        self.status.showMessage(f"{self.session.name(old.handle)} is now followed as {spec}", 8000)
        self.refresh()

    def edit_sources(self) -> None:
        """Race > Sources…: attach, edit, pause and remove sources; they restart as edited."""
        from ..dialogs.sources import SourcesDialog

        before = self.session.sources()
        dialog = SourcesDialog(
            self.session.competitors, before, self.status_texts(), parent=self.dialog_parent()
        )
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        try:
            stored = self.session.replace_sources(dialog.sources())
        except StoreError as exc:  # the file went away or read-only meanwhile
            log.warning("Could not save the sources", exc_info=True)
            notice(self.dialog_parent(), "Could not save the sources", exc.problem, warn=True)
            return
        if dialog.changed_secrets():
            self.runner.set_sources([])  # restart those that use a key
        if self.recorder_pid is None:
            self.runner.set_sources(stored)
        self.refresh()

    @Slot()
    def enter_reading(self, handle: str | None = None) -> None:
        """Race > Enter a Reading…: a count typed in by hand, at now or a given time (undoable)."""
        from ..dialogs.reading import ReadingDialog

        dialog = ReadingDialog(
            self.session.competitors, self.session.zone, handle, parent=self.dialog_parent()
        )
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        self.add_reading(*dialog.reading())

    def add_reading(self, handle: str, at_ms: int, count: int) -> bool:
        """Store a typed-in reading through the undo stack; False when it was already there."""
        command = commands.AddReading(self.session, Snapshot(at_ms, handle, count, MANUAL_SOURCE))
        self.undo_stack.push(command)
        if command.stored is None:
            self.undo_stack.undo()
            self.status.showMessage("That reading is already stored", 5000)
            return False
        self.status.showMessage(f"Stored {fmt.count(count)} for {self.session.name(handle)}", 5000)
        return True
