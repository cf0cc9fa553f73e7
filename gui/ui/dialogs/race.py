"""The New Race / Edit Race dialog: title, milestone, platform, display zone and competitors."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import (
    QEvent,
    QItemSelectionModel,
    QObject,
    QSize,
    Qt,
    Signal,
    Slot,
)
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QColorDialog,
    QComboBox,
    QCompleter,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ...core.model import (
    DEFAULT_COLOURS,
    DEFAULT_STALE_AFTER_S,
    Competitor,
    Race,
    Snapshot,
    SourceConfig,
)
from ...sources.lookup import Lookups
from .. import fmt, forms
from .profile_rows import ProfileRow, ProfileRows
from .zones import canonical_zone, system_zone, zone_names

# Okabe–Ito colour-blind-safe colours, in the order new competitors get them.
PALETTE = DEFAULT_COLOURS  # Okabe-Ito: new rows take the first colour not yet used
PLATFORMS = ("Bluesky", "Mastodon", "GitHub", "YouTube", "Twitter", "Other")
DEFAULT_MILESTONE = 1_000_000
MAX_MILESTONE = 2_147_483_647
MIN_COMPETITORS = 2
_PLATFORM, _HANDLE, _NAME, _COLOUR, _ACCOUNT = range(5)


def normalise_handle(text: str) -> str:
    """A handle without surrounding spaces and without one leading "@"."""
    text = text.strip()
    if text.startswith("@"):
        text = text[1:].strip()
    return text


@dataclass
class _Row:
    """The widgets of one competitor's row and the stored id it edits."""

    handle: QLineEdit
    name: QLineEdit
    colour: QToolButton
    id: int | None = None
    stored_handle: str | None = None
    follows: ProfileRow | None = None  # its look-up, in a new race

    def colour_value(self) -> str:
        return str(self.colour.property("colour"))

    def handle_value(self) -> str:
        if self.stored_handle is not None:
            return self.stored_handle
        if self.follows is not None and self.follows.profile is not None:
            return self.follows.profile.handle  # the account as its service names it
        return normalise_handle(self.handle.text())


class RaceDialog(QDialog):
    """Create a race or edit one: its details and its competitors, checked as you type."""

    validity_changed = Signal(bool)

    def __init__(
        self,
        parent: QWidget | None = None,
        race: Race | None = None,
        competitors: list[Competitor] | None = None,
        lookups: Lookups | None = None,
    ) -> None:
        super().__init__(parent)
        self.profiles: ProfileRows | None = None
        if race is None:  # a new race can follow accounts: each row is looked up as typed
            if lookups is None:
                from ...settings import secret_for

                lookups = Lookups(secret_for, parent=self)
            self.profiles = ProfileRows(lookups, self)
            self.profiles.changed.connect(self._revalidate)
        self._race = race
        self._editing = race is not None
        self._rows: list[_Row] = []
        self._problem = ""
        self._valid: bool | None = None
        self.setObjectName("raceDialog")
        self.setWindowTitle("Edit Race" if self._editing else "New Race")
        self.setMinimumWidth(560 if self._editing else 760)
        self.setSizeGripEnabled(True)

        self.title_edit = QLineEdit()
        self.title_edit.setPlaceholderText("e.g. Race to a million followers")
        self.title_edit.setMaxLength(200)
        forms.name_widget(self.title_edit, "titleEdit", "Race title", "What the race is called")

        self.milestone_spin = QSpinBox()
        self.milestone_spin.setLocale(fmt.locale())
        self.milestone_spin.setRange(1, MAX_MILESTONE)
        self.milestone_spin.setGroupSeparatorShown(True)
        self.milestone_spin.setValue(DEFAULT_MILESTONE)
        self.milestone_spin.setAccelerated(True)
        forms.name_widget(
            self.milestone_spin,
            "milestoneSpin",
            "Milestone",
            "The count that wins the race: the first competitor to reach it crosses the line",
        )

        self.platform_combo = QComboBox()
        self.platform_combo.setEditable(True)
        self.platform_combo.addItems(PLATFORMS)
        self.platform_combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.platform_combo.setCurrentIndex(-1)
        self._line_edit(self.platform_combo).setPlaceholderText("Optional, e.g. Bluesky")
        forms.name_widget(
            self.platform_combo,
            "platformCombo",
            "Platform",
            "Where the counts come from; pick one or type your own",
        )

        self.zone_combo = QComboBox()
        self.zone_combo.setEditable(True)
        self.zone_combo.addItems(list(zone_names()))
        self.zone_combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.zone_combo.setMaxVisibleItems(15)
        completer = QCompleter(self.zone_combo.model(), self.zone_combo)
        completer.setObjectName("zoneCompleter")
        completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setMaxVisibleItems(12)
        self.zone_combo.setCompleter(completer)
        self.zone_combo.setCurrentText(system_zone())
        forms.name_widget(
            self.zone_combo,
            "zoneCombo",
            "Display time zone",
            "The time zone the race's times are shown in; type part of a name, e.g. paris",
        )

        for combo in (self.platform_combo, self.zone_combo):
            combo.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        form.addRow(forms.buddy("&Title:", self.title_edit), self.title_edit)
        form.addRow(forms.buddy("&Milestone:", self.milestone_spin), self.milestone_spin)
        form.addRow(forms.buddy("&Platform:", self.platform_combo), self.platform_combo)
        form.addRow(forms.buddy("Display time &zone:", self.zone_combo), self.zone_combo)

        heading = forms.plain_label("Competitors", "competitorsHeading")
        font = heading.font()
        font.setBold(True)
        heading.setFont(font)
        if self._editing:
            hint_text = (
                "The first two race head to head. Handles identify the stored readings, "
                "so they and the list of competitors stay as they are; names and colours "
                "can change."
            )
        else:
            hint_text = (
                "Paste each competitor's profile link (Bluesky, Mastodon, GitHub, YouTube or X) "
                "to follow it live, or type a handle with Manual for readings you enter or "
                "import. The first two race head to head."
            )
        self.hint_label = forms.plain_label(hint_text, "hintLabel")
        self.hint_label.setWordWrap(True)

        self.table = QTableWidget(0, 5)
        self.table.setObjectName("competitorsTable")
        self.table.setAccessibleName("Competitors")
        self.table.setToolTip("One row per competitor, in race order")
        self.table.setHorizontalHeaderLabels(
            ["Platform", "Profile link or handle", "Display name", "Colour", "Account"]
        )
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setTabKeyNavigation(False)
        self.table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.table.setMinimumHeight(150)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(_HANDLE, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(_NAME, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(_COLOUR, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(_PLATFORM, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(_ACCOUNT, QHeaderView.ResizeMode.Stretch)
        if self._editing:  # handles stay as they are: nothing to look up
            self.table.setColumnHidden(_PLATFORM, True)
            self.table.setColumnHidden(_ACCOUNT, True)
            self.table.setHorizontalHeaderItem(_HANDLE, QTableWidgetItem("Handle"))
        else:  # the account line gets the room a name does not need
            header.setSectionResizeMode(_NAME, QHeaderView.ResizeMode.Interactive)
            header.resizeSection(_NAME, 170)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.verticalHeader().setDefaultSectionSize(
            max(self.title_edit.sizeHint().height() + 4, 30)
        )

        self.add_button = QPushButton("&Add competitor")
        forms.name_widget(
            self.add_button, "addCompetitorButton", "Add competitor", "Add a row for a competitor"
        )
        self.add_button.clicked.connect(self._on_add_button_clicked)
        self.remove_button = QPushButton("&Remove")
        forms.name_widget(
            self.remove_button,
            "removeCompetitorButton",
            "Remove competitor",
            "Remove the selected competitor (the last one when none is selected); "
            "a race needs at least two",
        )
        self.remove_button.clicked.connect(self._on_remove_button_clicked)
        self.table.selectionModel().selectionChanged.connect(self._update_remove_tip)
        row_buttons = QHBoxLayout()
        row_buttons.addWidget(self.add_button)
        row_buttons.addWidget(self.remove_button)
        row_buttons.addStretch(1)
        self.add_button.setVisible(not self._editing)
        self.remove_button.setVisible(not self._editing)

        self.problem_icon = forms.warning_icon(self)
        self.problem_label = forms.plain_label("", "problemLabel")
        self.problem_label.setWordWrap(True)
        self.problem_label.setAccessibleName("What is missing")
        self.problem_label.setMinimumHeight(self.problem_icon.minimumHeight())
        problem = forms.message_row(self.problem_label, self.problem_icon)

        self.button_box, self.ok_button = forms.ok_cancel_box(
            self,
            "Save" if self._editing else "Create…",
            "Save the changes to the race (Ctrl+Z undoes them)"
            if self._editing
            else "Create the race, then choose where to keep its file",
        )
        self.button_box.setObjectName("buttonBox")

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addSpacing(6)
        layout.addWidget(heading)
        layout.addWidget(self.hint_label)
        layout.addWidget(self.table, 1)
        layout.addLayout(row_buttons)
        layout.addSpacing(4)
        layout.addLayout(problem)
        layout.addWidget(self.button_box)

        self.title_edit.textChanged.connect(self._revalidate)
        self._line_edit(self.zone_combo).textChanged.connect(self._revalidate)

        if race is not None:
            self.title_edit.setText(race.title)
            self.milestone_spin.setValue(max(1, min(int(race.milestone), MAX_MILESTONE)))
            self.platform_combo.setCurrentText(race.platform)
            self.zone_combo.setCurrentText(race.display_tz)
        if competitors is not None:
            for competitor in sorted(competitors, key=lambda c: c.position):
                self._append_row(competitor)
        if not self._editing:
            while len(self._rows) < MIN_COMPETITORS:
                self._append_row(None)
        self._refresh_rows()
        self.title_edit.setFocus()
        self.resize(620 if self._editing else 1000, self.sizeHint().height())

    # -- public API -----------------------------------------------------------

    def is_editing(self) -> bool:
        """True when the dialog edits an existing race, False for a new one."""
        return self._editing

    def is_valid(self) -> bool:
        """True when the entries make a race that can be saved."""
        return not self._problem

    def problem(self) -> str:
        """What is missing or wrong, in plain words; empty when all is well."""
        return self._problem

    def race(self) -> Race:
        """The race as entered (meaningful once :meth:`is_valid`)."""
        zone_text = self.zone_combo.currentText()
        return Race(
            title=self.title_edit.text().strip(),
            milestone=int(self.milestone_spin.value()),
            platform=self.platform_combo.currentText().strip(),
            display_tz=canonical_zone(zone_text) or zone_text.strip(),
            stale_after_s=(
                self._race.stale_after_s if self._race is not None else DEFAULT_STALE_AFTER_S
            ),
        )

    def competitors(self) -> list[Competitor]:
        """The competitors in row order; an empty display name becomes the handle."""
        result = []
        for position, row in enumerate(self._rows):
            handle = row.handle_value()
            result.append(
                Competitor(
                    handle=handle,
                    name=row.name.text().strip() or handle,
                    colour=row.colour_value(),
                    position=position,
                    id=row.id,
                )
            )
        return result

    def sources(self) -> list[SourceConfig]:
        """The live sources of the rows that follow an account (a new race)."""
        return [
            SourceConfig(
                row.handle_value(),
                row.follows.profile.spec.text,
                row.follows.profile.spec.default_interval_s(),
            )
            for row in self._rows
            if row.follows is not None and row.follows.profile is not None
        ]

    def first_readings(self) -> list[Snapshot]:
        """The counts the look-ups read, as the race's first readings."""
        return [
            Snapshot(f.found_ms, row.handle_value(), f.profile.count, f.profile.spec.text)
            for row in self._rows
            if (f := row.follows) is not None and f.profile is not None
        ]

    def accept(self) -> None:
        """Close with OK only when the entries are valid."""
        self._revalidate()
        if self.is_valid():
            super().accept()

    # -- rows -----------------------------------------------------------------

    def _append_row(self, competitor: Competitor | None) -> _Row:
        index = len(self._rows)
        handle = QLineEdit()
        handle.setFrame(False)
        handle.setPlaceholderText("@handle" if self._editing else "Profile link or @handle")
        handle.setMaxLength(200)
        name = QLineEdit()
        name.setFrame(False)
        name.setMaxLength(200)
        colour = QToolButton()
        colour.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        colour.setIconSize(QSize(22, 14))
        colour.setAutoRaise(True)
        # Paint like the line edits beside it so a selected row looks the same across.
        colour.setBackgroundRole(QPalette.ColorRole.Base)
        colour.setAutoFillBackground(True)
        row = _Row(handle, name, colour)
        if competitor is not None:
            handle.setText(competitor.handle)
            name.setText(competitor.name)
            row.id = competitor.id
        if self._editing and competitor is not None:
            row.stored_handle = competitor.handle
            handle.setReadOnly(True)
            handle.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
            handle.setToolTip(
                "Handles identify the stored readings and cannot change; the display name can"
            )
            palette = handle.palette()
            palette.setColor(
                handle.foregroundRole(), palette.color(palette.ColorRole.PlaceholderText)
            )
            handle.setPalette(palette)
        else:
            handle.setToolTip(
                "A profile link (bsky.app/profile/…, a Mastodon @user page, github.com/…, "
                "youtube.com/@…, x.com/…) or a handle, with or without a leading @"
            )
        name.setToolTip("How the competitor is shown; empty means the handle")
        colour.setToolTip("The competitor's colour in charts; click to choose another")
        initial = QColor(competitor.colour) if competitor is not None else QColor()
        self._set_colour(row, initial.name() if initial.isValid() else self._free_colour())
        for widget in (handle, name, colour):
            widget.installEventFilter(self)
        handle.textChanged.connect(self._revalidate)
        handle.textChanged.connect(self._refresh_placeholders)
        name.textChanged.connect(self._revalidate)
        colour.clicked.connect(self._on_colour_button_clicked)
        self.table.insertRow(index)
        self.table.setCellWidget(index, _HANDLE, handle)
        self.table.setCellWidget(index, _NAME, name)
        self.table.setCellWidget(index, _COLOUR, colour)
        if self.profiles is not None:
            row.follows = self.profiles.add(handle, name)
            self.table.setCellWidget(index, _PLATFORM, row.follows.platform)
            self.table.setCellWidget(index, _ACCOUNT, row.follows.status)
        self._rows.append(row)
        return row

    def _free_colour(self) -> str:
        used = {row.colour_value().casefold() for row in self._rows}
        for colour in PALETTE:
            if colour.casefold() not in used:
                return QColor(colour).name()
        return QColor(PALETTE[len(self._rows) % len(PALETTE)]).name()

    def _set_colour(self, row: _Row, colour: str) -> None:
        row.colour.setProperty("colour", colour)
        row.colour.setText(colour)
        row.colour.setIcon(forms.swatch(colour, row.colour.iconSize()))

    def _refresh_rows(self) -> None:
        """Renumber names, set the tab order and enable Remove after rows change."""
        for number, row in enumerate(self._rows, start=1):
            row.handle.setObjectName(f"handleEdit{number}")
            row.handle.setAccessibleName(f"Handle of competitor {number}")
            row.name.setObjectName(f"nameEdit{number}")
            row.name.setAccessibleName(f"Display name of competitor {number}")
            row.colour.setObjectName(f"colourButton{number}")
            row.colour.setAccessibleName(f"Colour of competitor {number}")
        self.table.setVerticalHeaderLabels([str(n) for n in range(1, len(self._rows) + 1)])
        self.remove_button.setEnabled(not self._editing and len(self._rows) > MIN_COMPETITORS)
        chain: list[QWidget] = [
            self.title_edit,
            self.milestone_spin,
            self.platform_combo,
            self.zone_combo,
        ]
        for row in self._rows:
            if row.follows is not None:
                chain.append(row.follows.platform)
            chain += [row.handle, row.name, row.colour]
        chain += [self.add_button, self.remove_button, self.button_box]
        for first, second in zip(chain, chain[1:], strict=False):
            QWidget.setTabOrder(first, second)
        self._refresh_placeholders()
        self._update_remove_tip()
        self._revalidate()

    def _row_to_remove(self) -> int:
        selected = self.table.selectionModel().selectedRows()
        return selected[0].row() if selected else len(self._rows) - 1

    @Slot()
    def _update_remove_tip(self) -> None:
        if self._editing:
            return
        if len(self._rows) <= MIN_COMPETITORS:
            tip = "A race needs at least two competitors"
        else:
            tip = f"Remove competitor {self._row_to_remove() + 1} (the selected row, else the last)"
        self.remove_button.setToolTip(tip)
        self.remove_button.setAccessibleDescription(tip)

    @Slot()
    def _refresh_placeholders(self) -> None:
        for row in self._rows:
            handle = row.handle_value()
            row.name.setPlaceholderText(handle if handle else "Same as the handle")

    def _row_of(self, widget: QObject) -> int | None:
        for index, row in enumerate(self._rows):
            if widget in (row.handle, row.name, row.colour):
                return index
        return None

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt name)
        """Select the row whose field has the focus, so Remove knows which one."""
        if event.type() == QEvent.Type.FocusIn:
            index = self._row_of(watched)
            if index is not None:
                # Select without making a cell current: a current cell hands the
                # focus to its widget, which would pull it away from this field.
                self.table.selectionModel().select(
                    self.table.model().index(index, _HANDLE),
                    QItemSelectionModel.SelectionFlag.ClearAndSelect
                    | QItemSelectionModel.SelectionFlag.Rows,
                )
        return super().eventFilter(watched, event)

    @Slot()
    def _on_add_button_clicked(self) -> None:
        if self._editing:
            return
        row = self._append_row(None)
        self._refresh_rows()
        self.table.scrollToBottom()
        row.handle.setFocus()

    @Slot()
    def _on_remove_button_clicked(self) -> None:
        if self._editing or len(self._rows) <= MIN_COMPETITORS:
            return
        index = self._row_to_remove()
        row = self._rows.pop(index)
        if self.profiles is not None:
            self.profiles.remove(row.handle)
        for widget in (row.handle, row.name, row.colour):
            widget.removeEventFilter(self)
            # The view deletes its cell widgets later; until then keep them out
            # of findChild() so their names do not clash with the renumbered rows.
            widget.setObjectName("")
        self.table.removeRow(index)
        self.table.clearSelection()
        self._refresh_rows()

    @Slot()
    def _on_colour_button_clicked(self) -> None:
        index = self._row_of(self.sender())
        if index is None:
            return
        row = self._rows[index]
        who = row.handle_value() or f"competitor {index + 1}"
        chosen = QColorDialog.getColor(QColor(row.colour_value()), self, f"Colour for {who}")
        if chosen.isValid():
            self._set_colour(row, chosen.name())

    # -- validation -----------------------------------------------------------

    def _find_problem(self) -> str:
        if not self.title_edit.text().strip():
            return "Give the race a title"
        zone_text = self.zone_combo.currentText().strip()
        if not zone_text:
            return "Choose a display time zone"
        if canonical_zone(zone_text) is None:
            return f"“{zone_text}” is not a time zone; pick one from the list"
        if len(self._rows) < MIN_COMPETITORS:
            return "A race needs at least two competitors"
        for number, row in enumerate(self._rows, start=1):
            if row.follows is not None and row.follows.problem:
                return f"Competitor {number}: {row.follows.problem}"
        for number, row in enumerate(self._rows, start=1):
            if row.follows is not None and row.follows.pending:
                return f"Looking up competitor {number}…"
        seen: set[str] = set()
        for number, row in enumerate(self._rows, start=1):
            handle = row.handle_value()
            if not handle:
                return f"Competitor {number} needs a handle"
            if handle.casefold() in seen:
                return f"Two competitors share the handle “{handle}”"
            seen.add(handle.casefold())
        return ""

    @Slot()
    def _revalidate(self) -> None:
        self._problem = self._find_problem()
        valid = not self._problem
        self.problem_label.setText(self._problem)
        self.problem_icon.setVisible(not valid)
        self.ok_button.setEnabled(valid)
        if valid != self._valid:
            self._valid = valid
            self.validity_changed.emit(valid)

    # -- helpers --------------------------------------------------------------

    @staticmethod
    def _line_edit(combo: QComboBox) -> QLineEdit:
        edit = combo.lineEdit()
        assert edit is not None
        return edit
