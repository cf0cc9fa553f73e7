"""The note dialog: a note's time, text, optional link and optional competitor."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from PySide6.QtCore import QDateTime, QTimeZone, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from ...core.model import Competitor, Event
from .. import fmt, forms, theme
from ..links import safe_link

MAX_NOTE_CHARS = 2000


class NoteDialog(QDialog):
    """Add or edit a note. Text is plain text; the link must be http or https."""

    def __init__(
        self,
        zone: ZoneInfo,
        competitors: list[Competitor],
        at_ms: int,
        note: Event | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Edit Note" if note else "Add Note")
        self.setMinimumWidth(480)
        self._zone = zone

        self.when = forms.time_edit(QTimeZone(zone.key.encode()))
        self.when.setObjectName("noteTime")
        self.when.setAccessibleName("Time of the note")
        self.when.setDateTime(QDateTime.fromMSecsSinceEpoch(at_ms, QTimeZone(zone.key.encode())))
        self.when.setToolTip(f"When it happened, in {zone.key}")
        zone_label = forms.plain_label(zone.key)
        theme.mute(zone_label)

        self.text = QPlainTextEdit()
        self.text.setObjectName("noteText")
        self.text.setAccessibleName("Note text")
        self.text.setTabChangesFocus(True)
        self.text.setPlaceholderText("What happened, e.g. “CNN anchors ask viewers to follow”")
        self.text.setFixedHeight(90)
        self.text.setToolTip(
            f"What happened, shown exactly as typed (up to {fmt.count(MAX_NOTE_CHARS)} "
            "characters); Tab moves on to the link"
        )

        self.url = QLineEdit()
        self.url.setObjectName("noteUrl")
        self.url.setAccessibleName("Link")
        self.url.setPlaceholderText("https://… (optional)")
        self.url.setToolTip("A web page about it; only http and https links are accepted")

        self.competitor = QComboBox()
        self.competitor.setObjectName("noteCompetitor")
        self.competitor.setAccessibleName("Competitor")
        self.competitor.setToolTip("The competitor the note is about, if it is about one")
        self.competitor.addItem("Nobody in particular", None)
        for comp in competitors:
            self.competitor.addItem(f"{comp.name} (@{comp.handle})", comp.handle)

        form = QFormLayout()
        time_row = QWidget()
        time_box = QHBoxLayout(time_row)
        time_box.setContentsMargins(0, 0, 0, 0)
        time_box.addWidget(self.when, 1)
        time_box.addWidget(zone_label)
        form.addRow("&When:", time_row)
        form.addRow("&Note:", self.text)
        form.addRow("&Link:", self.url)
        form.addRow("&About:", self.competitor)

        self.problem = forms.plain_label("", "noteProblem")
        self.problem.setStyleSheet(forms.problem_style())
        self.buttons, self.ok_button = forms.ok_cancel_box(
            self,
            "Save" if note else "Add Note",
            "Keep the changes to the note (Ctrl+Z undoes them)"
            if note
            else "Put the note in the log and on the chart (Ctrl+Z takes it back)",
            ok_name="",
        )

        box = QVBoxLayout(self)
        box.addLayout(form)
        box.addWidget(self.problem)
        box.addWidget(self.buttons)

        if note is not None:
            self.text.setPlainText(note.text)
            self.url.setText(note.url or "")
            index = self.competitor.findData(note.handle)
            self.competitor.setCurrentIndex(max(index, 0))
        self.text.textChanged.connect(self._validate)
        self.url.textChanged.connect(self._validate)
        self._validate()
        self.text.setFocus()

    # -- values --------------------------------------------------------------------------
    def at_ms(self) -> int:
        """The note's time, UTC milliseconds."""
        return int(self.when.dateTime().toMSecsSinceEpoch())

    def note_text(self) -> str:
        """The note's text, trimmed."""
        return self.text.toPlainText().strip()

    def link(self) -> str | None:
        """The link, or None."""
        return safe_link(self.url.text())

    def handle(self) -> str | None:
        """The competitor the note is about, or None."""
        data = self.competitor.currentData()
        return str(data) if data else None

    # -- checking ------------------------------------------------------------------------
    def problem_text(self) -> str:
        """What stops the note from being saved, in words ("" when nothing)."""
        text = self.note_text()
        if not text:
            return "Write what happened"
        if len(text) > MAX_NOTE_CHARS:
            return f"Keep the note under {fmt.count(MAX_NOTE_CHARS)} characters"
        raw = self.url.text().strip()
        if raw and self.link() is None:
            return (
                "The link must start with http:// or https:// and name a host, "
                "with no spaces or user name"
            )
        return ""

    @Slot()
    def _validate(self) -> None:
        problem = self.problem_text()
        self.problem.setText(problem if self.note_text() or self.url.text() else "")
        self.ok_button.setEnabled(not problem)
