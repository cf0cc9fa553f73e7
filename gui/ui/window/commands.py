"""Undoable changes to a session: notes, hand flags and race settings (QUndoStack commands).

Every change is written to the session file at once; undo writes the old
state back, so the file always holds what the window shows. A change the file
cannot take (disk full, gone read-only, locked too long) is not kept on the
undo stack: the session says why through ``write_failed`` and nothing changed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtGui import QUndoCommand

from ...core.errors import StoreError, storage_problem
from ...core.model import FLAG_GLITCH, FLAG_NONE, FLAG_OK, Competitor, Event, Race, Snapshot
from ...session import Session
from .. import fmt

log = logging.getLogger(__name__)


def _short(text: str, limit: int = 30) -> str:
    one_line = " ".join(text.split())
    short = one_line if len(one_line) <= limit else one_line[: limit - 1] + "…"
    return short.replace("&", "&&")  # shown in the Edit menu: one "&" would be a mnemonic


class _Change(QUndoCommand):
    """A change written to the session file; one the file refuses leaves the undo stack."""

    session: Session

    def redo(self) -> None:
        """Make the change (Qt calls this on push and on Redo)."""
        self._guard(self.apply)

    def undo(self) -> None:
        """Take the change back."""
        self._guard(self.revert)

    def apply(self) -> None:
        """Write the change."""
        raise NotImplementedError

    def revert(self) -> None:
        """Write the old state back."""
        raise NotImplementedError

    def _guard(self, step: Callable[[], None]) -> None:
        try:
            step()
        except StoreError as exc:
            log.error("%s not saved: %s", self.text(), exc)
            self.setObsolete(True)  # QUndoStack drops it: nothing to undo or redo
            self.session.write_failed.emit(f"{self.text()}: {storage_problem(exc)}")


class AddNote(_Change):
    """Add a note; undo deletes it, redo puts it back under the same id."""

    def __init__(
        self, session: Session, at_ms: int, text: str, url: str | None, handle: str | None
    ) -> None:
        super().__init__(f"Add Note “{_short(text)}”")
        self.session = session
        self.values = (at_ms, text, url, handle)
        self.note: Event | None = None

    def apply(self) -> None:
        """Add (or put back) the note."""
        if self.note is None:
            self.note = self.session.add_note(*self.values)
        else:
            self.session.restore_note(self.note)

    def revert(self) -> None:
        """Remove the note."""
        if self.note is not None and self.note.id is not None:
            self.session.delete_note(self.note.id)


class EditNote(_Change):
    """Change a note's time, text, link or competitor."""

    def __init__(
        self,
        session: Session,
        note: Event,
        at_ms: int,
        text: str,
        url: str | None,
        handle: str | None,
    ) -> None:
        super().__init__(f"Edit Note “{_short(text)}”")
        assert note.id is not None
        self.session = session
        self.note_id = note.id
        self.old = (note.at_ms, note.text, note.url, note.handle)
        self.new = (at_ms, text, url, handle)

    def apply(self) -> None:
        """Write the new values."""
        self.session.update_note(self.note_id, *self.new)

    def revert(self) -> None:
        """Write the old values back."""
        self.session.update_note(self.note_id, *self.old)


class DeleteNote(_Change):
    """Delete a note; undo puts it back under the same id."""

    def __init__(self, session: Session, note: Event) -> None:
        super().__init__(f"Delete Note “{_short(note.text)}”")
        assert note.id is not None
        self.session = session
        self.note = note

    def apply(self) -> None:
        """Delete the note."""
        assert self.note.id is not None
        self.session.delete_note(self.note.id)

    def revert(self) -> None:
        """Put it back."""
        self.session.restore_note(self.note)


class FlagReading(_Change):
    """Decide by hand whether a reading is a glitch."""

    LABELS = {
        FLAG_GLITCH: "Flag Reading as Glitch",
        FLAG_OK: "Keep Reading as Real",
        FLAG_NONE: "Clear Hand Flag",
    }

    def __init__(self, session: Session, snapshot_id: int, flag: str) -> None:
        super().__init__(self.LABELS.get(flag, "Flag Reading"))
        self.session = session
        self.snapshot_id = snapshot_id
        self.flag = flag
        self.old: tuple[str, str] | None = None

    def apply(self) -> None:
        """Store the hand decision."""
        self.old = self.session.set_flag(self.snapshot_id, self.flag)

    def revert(self) -> None:
        """Restore the reading's previous flag."""
        if self.old is not None:
            self.session.set_flag(self.snapshot_id, *self.old)


class EditRace(_Change):
    """Change the race's settings and the competitors' names and colours."""

    def __init__(self, session: Session, race: Race, competitors: list[Competitor]) -> None:
        super().__init__("Edit Race")
        self.session = session
        self.old = (
            Race(**vars(session.race)),
            [Competitor(**vars(c)) for c in session.competitors],
        )
        self.new = (race, competitors)

    def apply(self) -> None:
        """Store the new settings."""
        self.session.update_race(*self.new)

    def revert(self) -> None:
        """Store the old settings."""
        self.session.update_race(*self.old)


class AddReading(_Change):
    """Store a reading typed in by hand; undo removes it again."""

    def __init__(self, session: Session, snapshot: Snapshot) -> None:
        super().__init__(f"Enter Reading {fmt.count(snapshot.count)} for {snapshot.handle}")
        self.session = session
        self.snapshot = snapshot
        self.stored: Snapshot | None = None

    def apply(self) -> None:
        """Store the reading."""
        new = self.session.append([self.snapshot])
        self.stored = new[0] if new else None

    def revert(self) -> None:
        """Remove the reading."""
        if self.stored is not None and self.stored.id is not None:
            self.session.delete_reading(self.stored.id)
            self.stored = None
