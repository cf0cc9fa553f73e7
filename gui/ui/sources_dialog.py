"""Race > Sources…: the live sources attached to competitors, and the keys some of them need."""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping
from dataclasses import replace
from functools import partial

from PySide6.QtCore import QEvent, QObject, QRectF, QSize, Qt, Slot
from PySide6.QtGui import QColor, QIcon, QKeyEvent, QPainter, QPalette, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QStyle,
    QTableWidget,
    QTableWidgetItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from gui.core.model import Competitor, SourceConfig
from gui.core.specs import (
    KINDS,
    PRESET_HELP,
    PRESETS,
    SECRET_ENV,
    SourceSpec,
    SpecError,
    parse_spec,
    secret_from_env,
)
from gui.ui import fmt, settings

KIND_NAMES = {
    "bluesky": "Bluesky followers",
    "mastodon": "Mastodon followers",
    "github-stars": "GitHub stars",
    "github-followers": "GitHub followers",
    "youtube": "YouTube subscribers",
    "json": "Any JSON endpoint",
    "file": "Follow a file",
}
TARGET_LABELS = {
    "bluesky": "Account",
    "mastodon": "Account",
    "github-stars": "Repository",
    "github-followers": "User",
    "youtube": "Channel id",
    "json": "URL",
    "file": "File",
}
SECRET_LABELS = {"github_token": "GitHub token", "youtube_key": "YouTube API key"}
_GITHUB = SourceSpec("github-stars", "owner/repo")
SECRET_HINTS = {
    "github_token": "Optional: raises GitHub's limit from 60 to 5,000 requests an hour, "
    f"so GitHub sources can poll every {_GITHUB.min_interval_s(has_secret=True):g} s "
    f"instead of every {_GITHUB.min_interval_s(has_secret=False):g} s.",
    "youtube_key": "Needed for YouTube subscriber counts (a YouTube Data API v3 key).",
}
MAX_INTERVAL_S = 24 * 3600
PROBLEM_STYLE = "color: #b03a2e;"
HINT_STYLE = "color: palette(placeholder-text);"
_COMPETITOR, _SOURCE, _EVERY, _STATE, _STATUS = range(5)


def kind_name(kind: str) -> str:
    """The friendly name of a source kind, e.g. "GitHub stars"."""
    return KIND_NAMES.get(kind, kind)


def example_target(kind: str) -> str:
    """The part after "kind:" of the kind's example spec."""
    example = PRESET_HELP.get(kind, ("", ""))[0]
    return example.removeprefix(f"{kind}:")


def interval_text(seconds: float) -> str:
    """An interval in its largest whole unit: 45 s, 90 s, 5 min, 2 h."""
    s = max(0, int(round(seconds)))
    if s and s % 3600 == 0:
        return f"{s // 3600} h"
    if s >= 60 and s % 60 == 0:
        return f"{s // 60} min"
    return f"{s} s"


def env_variable(name: str) -> str | None:
    """The environment variable that supplies a secret, or None when none does."""
    if not secret_from_env(name):
        return None
    for var in SECRET_ENV.get(name, ()):
        if os.environ.get(var, "").strip():
            return var
    return SECRET_ENV[name][0]


def spec_message(error: SpecError) -> str:
    """A SpecError's message starting with a capital letter, as a sentence in the dialog."""
    text = str(error)
    if text[:1].islower() and not any(text.startswith(f"{kind}:") for kind in KINDS):
        text = text[0].upper() + text[1:]
    return text


def _swatch(colour: str, width: int = 16, height: int = 12) -> QIcon:
    size = QSize(width, height)
    pixmap = QPixmap(size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(QColor(0, 0, 0, 110))
    painter.setBrush(QColor(colour))
    painter.drawRoundedRect(QRectF(0.5, 0.5, size.width() - 1, size.height() - 1), 3, 3)
    painter.end()
    return QIcon(pixmap)


def _plain_label(text: str, object_name: str, *, hint: bool = False) -> QLabel:
    label = QLabel(text)
    label.setObjectName(object_name)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(True)
    if hint:
        label.setStyleSheet(HINT_STYLE)
    return label


def _icon_label(widget: QWidget, pixmap: QStyle.StandardPixmap, object_name: str) -> QLabel:
    icon = QLabel()
    icon.setObjectName(object_name)
    size = widget.style().pixelMetric(QStyle.PixelMetric.PM_SmallIconSize)
    icon.setPixmap(widget.style().standardIcon(pixmap).pixmap(size, size))
    icon.setFixedSize(size, size)
    return icon


def _name(widget: QWidget, object_name: str, accessible: str, tip: str) -> None:
    widget.setObjectName(object_name)
    widget.setAccessibleName(accessible)
    widget.setToolTip(tip)


def _buddy(text: str, widget: QWidget) -> QLabel:
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setBuddy(widget)
    return label


def _message_row(label: QLabel, icon: QLabel) -> QHBoxLayout:
    row = QHBoxLayout()
    row.addWidget(icon, 0, Qt.AlignmentFlag.AlignTop)
    row.addWidget(label, 1)
    return row


class SourceEditor(QDialog):
    """Add or edit one source: competitor, kind, target, interval and base URL, checked as typed."""

    def __init__(
        self,
        competitors: list[Competitor],
        others: list[SourceConfig],
        source: SourceConfig | None = None,
        handle: str | None = None,
        has_secret: Callable[[str], bool] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._others = others
        self._source = source
        self._has_secret = has_secret or (
            lambda name: bool(settings.secret(name) or secret_from_env(name))
        )
        self._names = {c.handle: c.name for c in competitors}
        self._spec: SourceSpec | None = None
        self._problem = ""
        self._interval_touched = source is not None
        self._setting_interval = False
        self.setObjectName("sourceEditor")
        self.setWindowTitle("Edit Source" if source else "Add Source")
        self.setMinimumWidth(540)

        self.competitor_combo = QComboBox()
        _name(
            self.competitor_combo,
            "sourceCompetitor",
            "Competitor",
            "Whose count this source reads",
        )
        for comp in sorted(competitors, key=lambda c: c.position):
            self.competitor_combo.addItem(
                _swatch(comp.colour), f"{comp.name} (@{comp.handle})", comp.handle
            )
        wanted = source.handle if source is not None else handle
        if wanted is not None and self.competitor_combo.findData(wanted) < 0:
            self.competitor_combo.addItem(f"@{wanted} (not in the race)", wanted)

        self.kind_combo = QComboBox()
        _name(self.kind_combo, "sourceKind", "Kind of source", "Where the count comes from")
        for kind in KINDS:
            self.kind_combo.addItem(kind_name(kind), kind)
        self.kind_hint = _plain_label("", "kindHint", hint=True)

        self.target_edit = QLineEdit()
        self.target_edit.setMaxLength(2000)
        _name(self.target_edit, "sourceTarget", "What to follow", "")
        self.target_label = _buddy("&Account:", self.target_edit)
        self.browse_button = QPushButton("&Browse…")
        _name(self.browse_button, "browseButton", "Browse", "Choose the file to follow")
        self.browse_button.clicked.connect(self._on_browse_button_clicked)
        target_row = QHBoxLayout()
        target_row.setContentsMargins(0, 0, 0, 0)
        target_row.addWidget(self.target_edit, 1)
        target_row.addWidget(self.browse_button)

        self.interval_spin = QSpinBox()
        self.interval_spin.setRange(1, MAX_INTERVAL_S)
        self.interval_spin.setSuffix(" s")
        self.interval_spin.setAccelerated(True)
        self.interval_spin.setValue(60)
        _name(
            self.interval_spin,
            "sourceInterval",
            "Seconds between readings",
            "How often to read the count, in seconds; the minimum keeps within the "
            "service's rate limits",
        )
        self.interval_hint = _plain_label("", "intervalHint", hint=True)
        interval_row = QHBoxLayout()
        interval_row.setContentsMargins(0, 0, 0, 0)
        interval_row.addWidget(self.interval_spin)
        interval_row.addWidget(self.interval_hint, 1)

        self.advanced_button = QToolButton()
        self.advanced_button.setText("Advanced")
        self.advanced_button.setCheckable(True)
        self.advanced_button.setAutoRaise(True)
        self.advanced_button.setArrowType(Qt.ArrowType.RightArrow)
        self.advanced_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        _name(
            self.advanced_button,
            "advancedButton",
            "Advanced",
            "Show or hide the base URL, for a self-hosted or alternative server",
        )
        self.base_url_edit = QLineEdit()
        self.base_url_edit.setMaxLength(2000)
        _name(
            self.base_url_edit,
            "sourceBaseUrl",
            "Base URL",
            "Another server for this kind, e.g. https://github.example.com/api/v3; "
            "leave empty for the usual one",
        )
        self.advanced_button.toggled.connect(self._on_advanced_button_toggled)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow(_buddy("&Competitor:", self.competitor_combo), self.competitor_combo)
        form.addRow(_buddy("&Source:", self.kind_combo), self.kind_combo)
        form.addRow("", self.kind_hint)
        form.addRow(self.target_label, target_row)
        form.addRow(_buddy("&Every:", self.interval_spin), interval_row)
        form.addRow("", self.advanced_button)
        form.addRow(_buddy("Base &URL:", self.base_url_edit), self.base_url_edit)
        self.form = form

        self.warning_icon = _icon_label(
            self, QStyle.StandardPixmap.SP_MessageBoxInformation, "warningIcon"
        )
        self.warning_label = _plain_label("", "warningLabel")
        self.problem_icon = _icon_label(
            self, QStyle.StandardPixmap.SP_MessageBoxWarning, "problemIcon"
        )
        self.problem_label = _plain_label("", "problemLabel")
        self.problem_label.setStyleSheet(PROBLEM_STYLE)
        self.problem_label.setAccessibleName("What is wrong")

        self.button_box = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = self.button_box.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setObjectName("okButton")
        self.ok_button.setText("Save" if source else "Add")
        self.ok_button.setToolTip("Keep this source (the race changes when Sources closes)")
        self.button_box.accepted.connect(self.accept)
        self.button_box.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addSpacing(4)
        layout.addLayout(_message_row(self.warning_label, self.warning_icon))
        layout.addLayout(_message_row(self.problem_label, self.problem_icon))
        layout.addStretch(1)
        layout.addWidget(self.button_box)

        self._prefill(source, wanted)
        self.competitor_combo.currentIndexChanged.connect(self._revalidate)
        self.kind_combo.currentIndexChanged.connect(self._on_kind_combo_changed)
        self.target_edit.textChanged.connect(self._on_target_edit_changed)
        self.base_url_edit.textChanged.connect(self._revalidate)
        self.base_url_edit.textChanged.connect(self._show_base_url)
        self.interval_spin.valueChanged.connect(self._on_interval_spin_changed)
        self._on_kind_combo_changed()
        self.target_edit.setFocus()

    # -- public API -----------------------------------------------------------

    def kind(self) -> str:
        """The kind chosen in the combo box."""
        return str(self.kind_combo.currentData())

    def handle(self) -> str:
        """The handle of the competitor chosen."""
        data = self.competitor_combo.currentData()
        return str(data) if data is not None else ""

    def spec(self) -> SourceSpec | None:
        """The parsed spec, or None while the entries are invalid."""
        return self._spec

    def problem(self) -> str:
        """What stops the source from being kept, in plain words; empty when nothing."""
        return self._problem

    def is_valid(self) -> bool:
        """True when the entries make a usable source."""
        return not self._problem

    def source(self) -> SourceConfig:
        """The source as entered (meaningful once :meth:`is_valid`); keeps the edited id."""
        spec = self._spec
        if spec is None:
            raise ValueError(self._problem or "the source is not valid")
        return SourceConfig(
            handle=self.handle(),
            spec=spec.text,
            interval_s=float(self.interval_spin.value()),
            enabled=self._source.enabled if self._source is not None else True,
            base_url=spec.base_url,
            id=self._source.id if self._source is not None else None,
        )

    def accept(self) -> None:
        """Close with OK only when the entries are valid."""
        self._revalidate()
        if self.is_valid():
            super().accept()

    # -- set-up ---------------------------------------------------------------

    def _prefill(self, source: SourceConfig | None, handle: str | None) -> None:
        if handle is not None:
            self.competitor_combo.setCurrentIndex(max(0, self.competitor_combo.findData(handle)))
        if source is None:
            return
        try:
            parsed = parse_spec(source.spec)
            kind, target = parsed.kind, parsed.target
        except SpecError:
            head, _, target = source.spec.partition(":")
            kind = head.strip().lower()
        index = self.kind_combo.findData(kind)
        if index >= 0:
            self.kind_combo.setCurrentIndex(index)
            self.target_edit.setText(target)
        else:
            self.target_edit.setText(source.spec)
        self.base_url_edit.setText(source.base_url or "")
        self.advanced_button.setChecked(bool(source.base_url))
        self.interval_spin.setValue(int(round(source.interval_s)))

    # -- reactions ------------------------------------------------------------

    @Slot()
    def _on_kind_combo_changed(self) -> None:
        kind = self.kind()
        example, description = PRESET_HELP.get(kind, ("", ""))
        self.kind_hint.setText(description)
        self.target_label.setText(f"&{TARGET_LABELS.get(kind, 'Target')}:")
        self.target_edit.setPlaceholderText(f"e.g. {example_target(kind)}")
        self.target_edit.setToolTip(
            fmt.plain_tooltip(
                f"{description}\nAs a spec: {example} (typing the kind: first works too)"
            )
        )
        self.browse_button.setVisible(kind == "file")
        preset = kind in PRESETS
        self.form.setRowVisible(self.advanced_button, preset)
        self._show_base_url()
        self.base_url_edit.setPlaceholderText(
            "The usual server" if kind != "mastodon" else "The account's own server"
        )
        self._revalidate()

    @Slot(str)
    def _on_target_edit_changed(self, text: str) -> None:
        head, sep, rest = text.partition(":")
        kind = head.strip().lower()
        if sep and kind in KINDS:
            # A whole spec pasted or typed (e.g. "github-stars:python/cpython"): pick its kind.
            self.kind_combo.setCurrentIndex(self.kind_combo.findData(kind))
            self.target_edit.setText(rest.lstrip())
            return
        self._revalidate()

    @Slot(int)
    def _on_interval_spin_changed(self, _value: int) -> None:
        if not self._setting_interval:
            self._interval_touched = True
        self._update_interval_hint()

    @Slot(bool)
    def _on_advanced_button_toggled(self, checked: bool) -> None:
        self.advanced_button.setArrowType(
            Qt.ArrowType.DownArrow if checked else Qt.ArrowType.RightArrow
        )
        self._show_base_url()
        if checked:
            self.base_url_edit.setFocus()

    @Slot()
    def _show_base_url(self) -> None:
        visible = self.advanced_button.isChecked() and self.kind() in PRESETS
        self.form.setRowVisible(self.base_url_edit, visible)
        hidden_value = not visible and bool(self.base_url_edit.text().strip())
        self.advanced_button.setText("Advanced (base URL set)" if hidden_value else "Advanced")

    def base_url_visible(self) -> bool:
        """Whether the Advanced part (the base URL) is showing."""
        return self.advanced_button.isChecked() and self.kind() in PRESETS

    @Slot()
    def _on_browse_button_clicked(self) -> None:
        start = os.path.dirname(os.path.expanduser(self.target_edit.text().strip()))
        path, _ = QFileDialog.getOpenFileName(
            self,
            "Follow a File",
            start or os.path.expanduser("~"),
            "Readings (*.csv *.jsonl *.ndjson *.json *.txt);;All files (*)",
        )
        if path:
            self.target_edit.setText(path)

    # -- validation -----------------------------------------------------------

    def _parse(self) -> tuple[SourceSpec | None, str]:
        kind = self.kind()
        target = self.target_edit.text().strip()
        if not self.handle():
            return None, "The race has no competitors to attach a source to"
        if not target:
            what = TARGET_LABELS.get(kind, "target").lower()
            return None, f"Enter the {what} to follow, e.g. {example_target(kind)}"
        base = self.base_url_edit.text().strip() if kind in PRESETS else ""
        try:
            return parse_spec(f"{kind}:{target}", base_url=base or None), ""
        except SpecError as exc:
            return None, spec_message(exc)

    def _secret_available(self, spec: SourceSpec) -> bool:
        name = spec.secret_name
        return bool(name and self._has_secret(name))

    def _rule_spec(self) -> SourceSpec:
        """The spec the interval rules come from: the one typed, else the kind's example."""
        if self._spec is not None:
            return self._spec
        return SourceSpec(self.kind(), example_target(self.kind()))

    @Slot()
    def _revalidate(self) -> None:
        self._spec, self._problem = self._parse()
        self.problem_label.setText(self._problem)
        self.problem_icon.setVisible(bool(self._problem))
        self.problem_label.setVisible(bool(self._problem))
        self.ok_button.setEnabled(not self._problem)
        self._update_interval()
        self._update_warning()

    def _interval_bounds(self) -> tuple[int, int]:
        spec = self._rule_spec()
        has = self._secret_available(spec)
        minimum = max(1, math.ceil(spec.min_interval_s(has_secret=has)))
        default = max(minimum, round(spec.default_interval_s(has_secret=has)))
        return minimum, min(default, MAX_INTERVAL_S)

    def _update_interval(self) -> None:
        minimum, default = self._interval_bounds()
        self._setting_interval = True
        try:
            self.interval_spin.setMinimum(minimum)
            if not self._interval_touched:
                self.interval_spin.setValue(default)
        finally:
            self._setting_interval = False
        self._update_interval_hint()

    def _update_interval_hint(self) -> None:
        spec = self._rule_spec()
        minimum = self.interval_spin.minimum()
        text = f"At least {interval_text(minimum)}"
        name = spec.secret_name
        if name is not None:
            label = SECRET_LABELS.get(name, name)
            if self._has_secret(name):
                text += f" with your {label}"
            elif name == "github_token":
                text += f" without a {label} (add one under Keys)"
        stored = self._source.interval_s if self._source is not None else None
        if stored is not None and stored < minimum:
            text = f"Raised from {interval_text(stored)}: a{text[1:]}"
        self.interval_hint.setText(text)

    def _update_warning(self) -> None:
        notes = []
        handle = self.handle()
        active = [s for s in self._others if s.handle == handle and s.enabled]
        if handle and active:
            who = self._names.get(handle, f"@{handle}")
            notes.append(
                f"{who} already has an active source ({active[0].spec}). Both will be "
                "followed; one source per competitor is usually enough."
            )
        spec = self._rule_spec()
        if spec.kind == "youtube" and not self._has_secret("youtube_key"):
            notes.append("YouTube needs an API key: add one under Keys before this source runs.")
        text = "\n".join(notes)
        self.warning_label.setText(text)
        self.warning_label.setVisible(bool(text))
        self.warning_icon.setVisible(bool(text))
        self._fit_height()

    def _fit_height(self) -> None:
        """Grow to show wrapped messages in full (a layout does not ask for it by itself)."""
        layout = self.layout()
        if layout is None:
            return
        layout.activate()
        needed = layout.totalHeightForWidth(self.width()) if layout.hasHeightForWidth() else -1
        needed = max(needed, layout.totalMinimumSize().height())
        if needed > self.height():
            self.resize(self.width(), needed)


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

        self.intro_label = _plain_label(
            "Sources read each competitor's count on a schedule while the race is open. "
            "One source per competitor is the usual set-up.",
            "introLabel",
        )

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
        _name(self.add_button, "addSourceButton", "Add source", "Attach a source to a competitor")
        self.edit_button = QPushButton("&Edit…")
        _name(self.edit_button, "editSourceButton", "Edit source", "Change the selected source")
        self.pause_button = QPushButton("&Pause")
        _name(
            self.pause_button,
            "pauseSourceButton",
            "Pause or resume source",
            "Stop reading the selected source for now, or start it again",
        )
        self.remove_button = QPushButton("&Remove")
        _name(
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

        self.coverage_label = _plain_label("", "coverageLabel", hint=True)

        self.keys_box = QGroupBox("Keys")
        self.keys_box.setObjectName("keysBox")
        keys_form = QFormLayout(self.keys_box)
        keys_form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        keys_form.addRow(
            _plain_label(
                "Keys are kept in your user settings on this computer, never in the race "
                "file, so sharing a race never shares them.",
                "keysExplanation",
            )
        )
        self.key_edits: dict[str, QLineEdit] = {}
        self.key_notes: dict[str, QLabel] = {}
        for name, label in SECRET_LABELS.items():
            edit = QLineEdit()
            edit.setEchoMode(QLineEdit.EchoMode.Password)
            edit.setMaxLength(500)
            edit.setClearButtonEnabled(True)
            _name(edit, f"{name}Edit", label, f"Your {label}; empty for none")
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
            self.key_notes[name] = _plain_label(note, f"{name}Note", hint=True)
            keys_form.addRow(_buddy(f"{label}:", edit), edit)
            keys_form.addRow("", self.key_notes[name])

        self.button_box = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = self.button_box.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setObjectName("okButton")
        self.ok_button.setToolTip("Keep the changes to the sources and keys")
        self.button_box.accepted.connect(self.accept)
        self.button_box.rejected.connect(self.reject)

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
                who.setIcon(_swatch(comp.colour))
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
