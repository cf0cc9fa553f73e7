"""File ▸ Save As and Save a Copy: a consistent copy of the race file, and carrying on in it.

The copy is written by the session (SQLite's online backup, consistent even
while readings arrive). Save As then asks, through ``saved_as``, for the copy
to be opened in this window's place with the view as it is now; opening
windows is the application's business, not the window's.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import cast

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtWidgets import QFileDialog, QStatusBar, QWidget

from ...core.errors import SessionFileError, StoreError
from ..dialogs.notice import notice
from . import view_state
from .view_state import ViewParts

log = logging.getLogger(__name__)

SESSION_FILTER = "Photo Finish sessions (*.pfrace *.db *.sqlite *.sqlite3);;All files (*)"


class Copies(QObject):
    """Copies of the window's race, and Save As."""

    saved_as = Signal(object, dict)  # the copy's path, the view to show it with

    def __init__(self, view: ViewParts, status: QStatusBar, parent: QWidget) -> None:
        super().__init__(parent)
        self.view = view
        self.session = view.session
        self.status = status

    def dialog_parent(self) -> QWidget:
        """The window this works in (its parent: no reference of its own, so no cycle)."""
        return cast(QWidget, self.parent())

    def save_copy_to(self, target: Path) -> bool:
        """Write a consistent copy of the session (SQLite online backup); False on failure."""
        view_state.save(self.view)
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
            self.dialog_parent(),
            "Could not save the copy",
            f"{target}\n\n{problem}\n\nNo file was written and the race is unchanged.",
            warn=True,
        )
        return False

    def save_as(self, target: Path) -> bool:
        """Copy the session to a new file and ask to carry on there (False when no copy)."""
        state = view_state.capture(self.view)
        if not self.save_copy_to(target):
            return False
        self.saved_as.emit(Path(target), state)
        return True

    @Slot()
    def ask_save_copy(self) -> None:
        """File ▸ Save a Copy: ask where, then write it."""
        target = self._ask_target("Save a Copy")
        if target is not None and self.save_copy_to(target):
            self.status.showMessage(f"Copy saved to {target}", 6000)

    @Slot()
    def ask_save_as(self) -> None:
        """File ▸ Save As: ask where, write the copy, and carry on there."""
        target = self._ask_target("Save As")
        if target is not None:
            self.save_as(target)

    def _ask_target(self, title: str) -> Path | None:
        path = self.session.path
        start = str(path.with_name(f"{path.stem} copy.pfrace")) if path else "race.pfrace"
        name, _ = QFileDialog.getSaveFileName(self.dialog_parent(), title, start, SESSION_FILTER)
        if not name:
            return None
        target = Path(name)
        return target if target.suffix else target.with_suffix(".pfrace")
