"""Changes a user makes to the race from the window: notes, hand flags and race settings.

Each goes on the window's undo stack as a command (:mod:`.commands`) that
asks the session to write it; a change the file refuses leaves the stack and
is explained by the window.
"""

from __future__ import annotations

import time
from typing import cast

from PySide6.QtCore import QObject, Slot
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import QStatusBar, QWidget

from ...core.model import FLAG_GLITCH, FLAG_NONE, FLAG_OK, Event
from ...session import Session
from ..dialogs.note import NoteDialog
from ..dialogs.race import RaceDialog
from .commands import AddNote, DeleteNote, EditNote, EditRace, FlagReading


class Edits(QObject):
    """Opens the dialogs for a change and pushes what they give onto the undo stack."""

    def __init__(
        self, session: Session, undo_stack: QUndoStack, status: QStatusBar, parent: QWidget
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.undo_stack = undo_stack
        self.status = status

    def dialog_parent(self) -> QWidget:
        """The window this works in (its parent: no reference of its own, so no cycle)."""
        return cast(QWidget, self.parent())

    @Slot()
    def add_note_now(self) -> NoteDialog | None:
        """Race ▸ Add Note: a note at the moment shown (now, when live)."""
        return self.add_note(None)

    @Slot(object)
    def add_note(self, at_ms: int | None = None) -> NoteDialog | None:
        """Open the note dialog at a moment (default: the moment shown, or now when live)."""
        if self.session.read_only:
            return None
        if at_ms is None:
            at_ms = self.session.as_of_ms
        if at_ms is None:
            at_ms = int(time.time() * 1000)
        s = self.session
        dialog = NoteDialog(s.zone, s.competitors, at_ms, None, self.dialog_parent())

        def push() -> None:
            self.undo_stack.push(
                AddNote(s, dialog.at_ms(), dialog.note_text(), dialog.link(), dialog.handle())
            )

        dialog.accepted.connect(push)
        dialog.open()
        return dialog

    @Slot(int)
    def edit_note(self, note_id: int) -> NoteDialog | None:
        """Open the note dialog on a stored note."""
        s = self.session
        note = s.note(note_id)
        if note is None or s.read_only:
            return None
        dialog = NoteDialog(s.zone, s.competitors, note.at_ms, note, self.dialog_parent())

        def push(note: Event = note) -> None:
            self.undo_stack.push(
                EditNote(
                    s, note, dialog.at_ms(), dialog.note_text(), dialog.link(), dialog.handle()
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
        self.status.showMessage("Note deleted; Edit ▸ Undo brings it back", 5000)

    @Slot(int, str)
    def flag_reading(self, snapshot_id: int, flag: str) -> None:
        """Decide by hand whether a reading is a glitch (undoable)."""
        if self.session.read_only or flag not in (FLAG_GLITCH, FLAG_OK, FLAG_NONE):
            return
        self.undo_stack.push(FlagReading(self.session, snapshot_id, flag))

    @Slot()
    def edit_race(self) -> RaceDialog | None:
        """Open the race dialog; saving stores the changes at once (undoable)."""
        if self.session.read_only:
            return None
        s = self.session
        dialog = RaceDialog(self.dialog_parent(), s.race, s.competitors)
        dialog.accepted.connect(
            lambda: self.undo_stack.push(EditRace(s, dialog.race(), dialog.competitors()))
        )
        dialog.open()
        return dialog
