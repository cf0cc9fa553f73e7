"""Race > Sources…: the live sources attached to competitors, and the keys some of them need."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import replace
from functools import partial

from PySide6.QtCore import QEvent, QObject, Qt, Slot
from PySide6.QtGui import QKeyEvent, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ... import settings
from ...core.live.specs import SECRET_ENV, SourceSpec, SpecError, parse_spec, secret_from_env
from ...core.model import Competitor, SourceConfig
from .. import fmt, forms
from .source_editor import SECRET_LABELS, SourceEditor, interval_text, spec_message

_GITHUB = SourceSpec("github-stars", "owner/repo")
SECRET_HINTS = {
    "github_token": "Optional: raises GitHub's limit from 60 to 5,000 requests an hour, "
    f"so GitHub sources can poll every {_GITHUB.min_interval_s(has_secret=True):g} s "
    f"instead of every {_GITHUB.min_interval_s(has_secret=False):g} s.",
    "youtube_key": "Needed for YouTube subscriber counts (a YouTube Data API v3 key).",
    "x_token": "Needed for X follower counts (an X API bearer token); X charges for each "
    "request, so X sources poll every 15 minutes unless told otherwise.",
}
_COMPETITOR, _SOURCE, _EVERY, _STATE, _STATUS = range(5)


def env_variable(name: str) -> str | None:
    """The environment variable that supplies a secret, or None when none does."""
    if not secret_from_env(name):
        return None
    for var in SECRET_ENV.get(name, ()):
        if os.environ.get(var, "").strip():
            return var
    return SECRET_ENV[name][0]


class SourcesDialog(QDialog):
    """The race's live sources (add, edit, pause, remove) and the API keys they may use."""

    def __init__(
        self,
        competitors: list[Competitor],
        sources: list[SourceConfig],
        status: Mapping[str, str] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._competitors = sorted(competitors, key=lambda c: c.position)
        self._by_handle = {c.handle: c for c in self._competitors}
        self._original = {s.id: replace(s) for s in sources if s.id is not None}
        self._sources = [replace(s) for s in sources]
        self._status = dict(status or {})
        self._saved_secrets: dict[str, str] = {}
        self._changed_secrets: list[str] = []
        self.editor: SourceEditor | None = None
        self.setObjectName("sourcesDialog")
        self.setWindowTitle("Sources")
        self.setMinimumSize(680, 520)
        self.setSizeGripEnabled(True)

        self.intro_label = forms.plain_label(
            "Sources read each competitor's count on a schedule while the race is open. "
            "One source per competitor is the usual set-up.",
            "introLabel",
        )
        self.intro_label.setWordWrap(True)

        self.table = QTableWidget(0, 5)
        self.table.setObjectName("sourcesTable")
        self.table.setAccessibleName("Sources")
        self.table.setToolTip("The race's sources; double-click one to edit it")
        self.table.setHorizontalHeaderLabels(["Competitor", "Source", "Every", "State", "Status"])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)
        self.table.setMinimumHeight(140)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(_COMPETITOR, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(_SOURCE, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(_EVERY, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(_STATE, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(_STATUS, QHeaderView.ResizeMode.Stretch)
        self.table.installEventFilter(self)
        self.table.itemDoubleClicked.connect(self._on_table_item_double_clicked)
        self.table.itemSelectionChanged.connect(self._update_buttons)

        self.add_button = QPushButton("&Add…")
        forms.name_widget(
            self.add_button, "addSourceButton", "Add source", "Attach a source to a competitor"
        )
        self.edit_button = QPushButton("&Edit…")
        forms.name_widget(
            self.edit_button, "editSourceButton", "Edit source", "Change the selected source"
        )
        self.pause_button = QPushButton("&Pause")
        forms.name_widget(
            self.pause_button,
            "pauseSourceButton",
            "Pause or resume source",
            "Stop reading the selected source for now, or start it again",
        )
        self.remove_button = QPushButton("&Remove")
        forms.name_widget(
            self.remove_button,
            "removeSourceButton",
            "Remove source",
            "Detach the selected source (Delete); its readings stay in the race",
        )
        self.add_button.clicked.connect(self._on_add_button_clicked)
        self.edit_button.clicked.connect(self._on_edit_button_clicked)
        self.pause_button.clicked.connect(self._on_pause_button_clicked)
        self.remove_button.clicked.connect(self._on_remove_button_clicked)
        buttons = QVBoxLayout()
        for button in (self.add_button, self.edit_button, self.pause_button, self.remove_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        table_row = QHBoxLayout()
        table_row.addWidget(self.table, 1)
        table_row.addLayout(buttons)

        self.coverage_label = forms.hint_label("", "coverageLabel")

        self.keys_box = QGroupBox("Keys")
        self.keys_box.setObjectName("keysBox")
        keys_form = QFormLayout(self.keys_box)
        keys_form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        keys_explanation = forms.plain_label(
            "Keys are kept in your user settings on this computer, never in the race "
            "file, so sharing a race never shares them.",
            "keysExplanation",
        )
        keys_explanation.setWordWrap(True)
        keys_form.addRow(keys_explanation)
        self.key_edits: dict[str, QLineEdit] = {}
        self.key_notes: dict[str, QLabel] = {}
        for name, label in SECRET_LABELS.items():
            edit = QLineEdit()
            edit.setEchoMode(QLineEdit.EchoMode.Password)
            edit.setMaxLength(500)
            edit.setClearButtonEnabled(True)
            forms.name_widget(edit, f"{name}Edit", label, f"Your {label}; empty for none")
            var = env_variable(name)
            if var is not None:
                note = f"Using {var} from the environment"
                edit.setEnabled(False)
                edit.setPlaceholderText("Set by the environment")
                edit.setToolTip(f"{note}; unset it to use a key saved here")
            else:
                note = SECRET_HINTS.get(name, "")
                self._saved_secrets[name] = settings.secret(name)
                edit.setText(self._saved_secrets[name])
                edit.setPlaceholderText("Not set")
            self.key_edits[name] = edit
            self.key_notes[name] = forms.hint_label(note, f"{name}Note")
            keys_form.addRow(forms.buddy(f"{label}:", edit), edit)
            keys_form.addRow("", self.key_notes[name])

        self.button_box, self.ok_button = forms.ok_cancel_box(
            self, ok_tip="Keep the changes to the sources and keys"
        )

        layout = QVBoxLayout(self)
        layout.addWidget(self.intro_label)
        layout.addLayout(table_row, 1)
        layout.addWidget(self.coverage_label)
        layout.addSpacing(4)
        layout.addWidget(self.keys_box)
        layout.addWidget(self.button_box)

        self._refresh()
        if self._sources:
            self.table.selectRow(0)
        self.resize(780, 580)

    # -- public API -----------------------------------------------------------

    def sources(self) -> list[SourceConfig]:
        """The edited sources; existing ones keep their id, new ones have id None."""
        return [replace(s) for s in self._sources]

    def changed_secrets(self) -> list[str]:
        """The names of the keys that OK saved (so running sources can be restarted)."""
        return list(self._changed_secrets)

    def selected_row(self) -> int | None:
        """The index of the selected source, or None."""
        rows = self.table.selectionModel().selectedRows()
        return rows[0].row() if rows else None

    def accept(self) -> None:
        """Save the changed keys to the user's settings, then close."""
        self._changed_secrets = []
        for name, saved in self._saved_secrets.items():
            value = self.key_edits[name].text().strip()
            if value != saved:
                settings.set_secret(name, value)
                self._changed_secrets.append(name)
        super().accept()

    # -- table ----------------------------------------------------------------

    def _item(self, text: str, tip: str = "") -> QTableWidgetItem:
        item = QTableWidgetItem(text)
        item.setToolTip(fmt.plain_tooltip(tip or text))
        return item

    def _status_text(self, source: SourceConfig) -> str:
        if source.id is None:
            return "New: starts when you press OK"
        original = self._original.get(source.id)
        if original is not None and replace(original, enabled=True) != replace(
            source, enabled=True
        ):
            return "Changed: restarts when you press OK"
        if original is not None and original.enabled != source.enabled:
            return "Resumes when you press OK" if source.enabled else "Pauses when you press OK"
        return self._status.get(str(source.id), "") or "–"

    def _refresh(self) -> None:
        selected = self.selected_row()
        self.table.setRowCount(len(self._sources))
        muted = self.palette().color(QPalette.ColorRole.PlaceholderText)
        for row, source in enumerate(self._sources):
            comp = self._by_handle.get(source.handle)
            if comp is not None:
                who = self._item(comp.name, f"{comp.name} (@{comp.handle})")
                who.setIcon(forms.swatch(comp.colour))
            else:
                who = self._item(f"@{source.handle}", f"@{source.handle} is not in the race")
            try:
                label = parse_spec(source.spec, source.base_url).label()
            except SpecError as exc:
                label = spec_message(exc)
            tip = label if not source.base_url else f"{label}\nServer: {source.base_url}"
            cells = [
                who,
                self._item(source.spec, f"{source.spec}\n{tip}"),
                self._item(interval_text(source.interval_s), "Time between readings"),
                self._item("Active" if source.enabled else "Paused"),
                self._item(self._status_text(source)),
            ]
            for column, item in enumerate(cells):
                if not source.enabled:
                    item.setForeground(muted)
                self.table.setItem(row, column, item)
        self.table.resizeColumnToContents(_COMPETITOR)
        width = self.table.columnWidth(_COMPETITOR)
        self.table.setColumnWidth(_COMPETITOR, max(120, min(width + 8, 220)))
        if selected is not None and self._sources:
            self.table.selectRow(min(selected, len(self._sources) - 1))
        self._update_coverage()
        self._update_buttons()

    def _update_coverage(self) -> None:
        covered = {s.handle for s in self._sources if s.enabled}
        missing = [c.name for c in self._competitors if c.handle not in covered]
        if not self._sources:
            text = "No sources yet: Add… attaches one to a competitor."
        elif missing:
            text = "No active source for: " + ", ".join(missing)
        else:
            text = "Every competitor has an active source."
        self.coverage_label.setText(text)

    @Slot()
    def _update_buttons(self) -> None:
        row = self.selected_row()
        has = row is not None
        self.edit_button.setEnabled(has)
        self.pause_button.setEnabled(has)
        self.remove_button.setEnabled(has)
        self.add_button.setEnabled(bool(self._competitors))
        paused = has and row is not None and not self._sources[row].enabled
        self.pause_button.setText("Res&ume" if paused else "&Pause")

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt name)
        """Delete (or Backspace) in the table removes the selected source."""
        if (
            watched is self.table
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace)
            and self.selected_row() is not None
        ):
            self._on_remove_button_clicked()
            return True
        return super().eventFilter(watched, event)

    # -- actions --------------------------------------------------------------

    def _has_secret(self, name: str) -> bool:
        if secret_from_env(name):
            return True
        edit = self.key_edits.get(name)
        return bool(edit.text().strip()) if edit is not None else bool(settings.secret(name))

    def _default_handle(self) -> str | None:
        covered = {s.handle for s in self._sources if s.enabled}
        for comp in self._competitors:
            if comp.handle not in covered:
                return comp.handle
        row = self.selected_row()
        if row is not None:
            return self._sources[row].handle
        return self._competitors[0].handle if self._competitors else None

    def _open_editor(self, row: int | None) -> SourceEditor | None:
        if self.editor is not None:
            return None
        source = self._sources[row] if row is not None else None
        others = [s for i, s in enumerate(self._sources) if i != row]
        handle = source.handle if source is not None else self._default_handle()
        editor = SourceEditor(self._competitors, others, source, handle, self._has_secret, self)
        editor.accepted.connect(partial(self._on_editor_accepted, editor, row))
        editor.finished.connect(partial(self._on_editor_finished, editor))
        self.editor = editor
        editor.open()
        return editor

    def _on_editor_accepted(self, editor: SourceEditor, row: int | None) -> None:
        source = editor.source()
        if row is None:
            self._sources.append(source)
            row = len(self._sources) - 1
        else:
            self._sources[row] = source
        self._refresh()
        self.table.selectRow(row)

    def _on_editor_finished(self, editor: SourceEditor, _result: int) -> None:
        if self.editor is editor:
            self.editor = None
        editor.deleteLater()
        self.table.setFocus()

    @Slot()
    def _on_add_button_clicked(self) -> None:
        self._open_editor(None)

    @Slot()
    def _on_edit_button_clicked(self) -> None:
        row = self.selected_row()
        if row is not None:
            self._open_editor(row)

    @Slot(QTableWidgetItem)
    def _on_table_item_double_clicked(self, item: QTableWidgetItem) -> None:
        self._open_editor(item.row())

    @Slot()
    def _on_pause_button_clicked(self) -> None:
        row = self.selected_row()
        if row is None:
            return
        self._sources[row].enabled = not self._sources[row].enabled
        self._refresh()

    @Slot()
    def _on_remove_button_clicked(self) -> None:
        row = self.selected_row()
        if row is None:
            return
        del self._sources[row]
        self.table.clearSelection()
        self._refresh()
        if self._sources:
            self.table.selectRow(min(row, len(self._sources) - 1))
