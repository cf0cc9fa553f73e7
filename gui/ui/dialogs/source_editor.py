"""Race > Sources… > Add/Edit: the sub-dialog that edits one source, checked as typed."""

from __future__ import annotations

import math
import os
from collections.abc import Callable

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QStyle,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ... import settings
from ...core.live.specs import (
    KINDS,
    PRESET_HELP,
    PRESETS,
    SourceSpec,
    SpecError,
    parse_spec,
    secret_from_env,
)
from ...core.model import Competitor, SourceConfig
from .. import fmt, forms

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
SECRET_LABELS = {
    "github_token": "GitHub token",
    "youtube_key": "YouTube API key",
    "x_token": "X bearer token",
}
MAX_INTERVAL_S = 24 * 3600


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


def spec_message(error: SpecError) -> str:
    """A SpecError's message starting with a capital letter, as a sentence in the dialog."""
    text = str(error)
    if text[:1].islower() and not any(text.startswith(f"{kind}:") for kind in KINDS):
        text = text[0].upper() + text[1:]
    return text


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
        forms.name_widget(
            self.competitor_combo,
            "sourceCompetitor",
            "Competitor",
            "Whose count this source reads",
        )
        for comp in sorted(competitors, key=lambda c: c.position):
            self.competitor_combo.addItem(
                forms.swatch(comp.colour), f"{comp.name} (@{comp.handle})", comp.handle
            )
        wanted = source.handle if source is not None else handle
        if wanted is not None and self.competitor_combo.findData(wanted) < 0:
            self.competitor_combo.addItem(f"@{wanted} (not in the race)", wanted)

        self.kind_combo = QComboBox()
        forms.name_widget(
            self.kind_combo, "sourceKind", "Kind of source", "Where the count comes from"
        )
        for kind in KINDS:
            self.kind_combo.addItem(kind_name(kind), kind)
        self.kind_hint = forms.hint_label("", "kindHint")

        self.target_edit = QLineEdit()
        self.target_edit.setMaxLength(2000)
        forms.name_widget(self.target_edit, "sourceTarget", "What to follow", "")
        self.target_label = forms.buddy("&Account:", self.target_edit)
        self.browse_button = QPushButton("&Browse…")
        forms.name_widget(self.browse_button, "browseButton", "Browse", "Choose the file to follow")
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
        forms.name_widget(
            self.interval_spin,
            "sourceInterval",
            "Seconds between readings",
            "How often to read the count, in seconds; the minimum keeps within the "
            "service's rate limits",
        )
        self.interval_hint = forms.hint_label("", "intervalHint")
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
        forms.name_widget(
            self.advanced_button,
            "advancedButton",
            "Advanced",
            "Show or hide the base URL, for a self-hosted or alternative server",
        )
        self.base_url_edit = QLineEdit()
        self.base_url_edit.setMaxLength(2000)
        forms.name_widget(
            self.base_url_edit,
            "sourceBaseUrl",
            "Base URL",
            "Another server for this kind, e.g. https://github.example.com/api/v3; "
            "leave empty for the usual one",
        )
        self.advanced_button.toggled.connect(self._on_advanced_button_toggled)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow(forms.buddy("&Competitor:", self.competitor_combo), self.competitor_combo)
        form.addRow(forms.buddy("&Source:", self.kind_combo), self.kind_combo)
        form.addRow("", self.kind_hint)
        form.addRow(self.target_label, target_row)
        form.addRow(forms.buddy("&Every:", self.interval_spin), interval_row)
        form.addRow("", self.advanced_button)
        form.addRow(forms.buddy("Base &URL:", self.base_url_edit), self.base_url_edit)
        self.form = form

        self.warning_icon = forms.icon_label(
            self, QStyle.StandardPixmap.SP_MessageBoxInformation, "warningIcon"
        )
        self.warning_label = forms.plain_label("", "warningLabel")
        self.warning_label.setWordWrap(True)
        self.problem_icon = forms.warning_icon(self)
        self.problem_label = forms.plain_label("", "problemLabel")
        self.problem_label.setWordWrap(True)
        self.problem_label.setStyleSheet(forms.problem_style())
        self.problem_label.setAccessibleName("What is wrong")

        self.button_box, self.ok_button = forms.ok_cancel_box(
            self,
            "Save" if source else "Add",
            "Keep this source (the race changes when Sources closes)",
        )

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addSpacing(4)
        layout.addLayout(forms.message_row(self.warning_label, self.warning_icon))
        layout.addLayout(forms.message_row(self.problem_label, self.problem_icon))
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
        if spec.kind == "x" and not self._has_secret("x_token"):
            notes.append("X needs an API bearer token: add one under Keys before this source runs.")
        if spec.kind == "x":
            notes.append("X's API is paid per request: a slow interval keeps the bill small.")
        text = "\n".join(notes)
        self.warning_label.setText(text)
        self.warning_label.setVisible(bool(text))
        self.warning_icon.setVisible(bool(text))
        forms.fit_height(self)
