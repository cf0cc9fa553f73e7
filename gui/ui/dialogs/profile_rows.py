"""The New Race dialog's competitor rows that follow an account: platform, look-up as you type.

Each row gets a platform box and a line saying who the account is. What is
typed is looked up a moment after typing stops, in another thread (see
:class:`~photofinish.sources.lookup.Lookups`): the line then shows the
account's name and count, or exactly what is wrong, and the display name is
filled in. A plain handle with "Manual" as its platform is a competitor with
no source, as before.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from PySide6.QtCore import QObject, QTimer, Signal, Slot
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit

from ...core.live.lookup import Profile, names_a_source, parse_target
from ...core.live.specs import PRESETS, SourceSpec, SpecError
from ...sources.lookup import Lookups
from .. import fmt, forms

LOOKUP_DELAY_MS = 600  # after the last key press
MANUAL = ""  # the platform of a competitor with no source
PLATFORM_NAMES = {
    MANUAL: "Manual",
    "bluesky": "Bluesky",
    "mastodon": "Mastodon",
    "github-stars": "GitHub stars",
    "github-followers": "GitHub followers",
    "youtube": "YouTube",
    "x": "X (Twitter)",
}
_WHAT = {
    "github-stars": "stars",
    "youtube": "subscribers",
}
assert set(PLATFORM_NAMES) - {MANUAL} == set(PRESETS)


@dataclass(eq=False)
class ProfileRow:
    """One row's look-up: its widgets, what is asked, and what came back."""

    edit: QLineEdit
    name: QLineEdit
    platform: QComboBox
    status: QLabel
    timer: QTimer
    spec: SourceSpec | None = None  # what the row follows (None: a manual competitor)
    token: int = 0  # the look-up whose answer the row waits for (0: none)
    profile: Profile | None = None
    found_ms: int = 0  # when the profile's count was read
    problem: str = ""
    filled_name: str = field(default="")  # the name the look-up put in (replaced by the next)

    @property
    def pending(self) -> bool:
        """Whether the row waits for a look-up."""
        return self.spec is not None and self.profile is None and not self.problem

    def platform_kind(self) -> str:
        """The platform chosen ("" for Manual)."""
        return str(self.platform.currentData() or MANUAL)


class ProfileRows(QObject):
    """Looks up what each row names and keeps the row's line, name and state current."""

    changed = Signal()  # a row's state changed: the dialog checks itself again

    def __init__(self, lookups: Lookups, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.lookups = lookups
        self.rows: list[ProfileRow] = []
        lookups.found.connect(self._on_lookups_found)
        lookups.failed.connect(self._on_lookups_failed)

    def add(self, edit: QLineEdit, name: QLineEdit) -> ProfileRow:
        """Follow a row's handle field; returns the row with its platform box and status line."""
        platform = QComboBox()
        for kind, label in PLATFORM_NAMES.items():
            platform.addItem(label, kind)
        platform.setToolTip(
            "Where the competitor's count comes from; Manual: readings you enter or import. "
            "A pasted profile link chooses it"
        )
        status = forms.plain_label("")
        status.setObjectName("accountLabel")
        # Painted like the line edits beside it, so a selected row reads the same across.
        status.setBackgroundRole(QPalette.ColorRole.Base)
        status.setAutoFillBackground(True)
        status.setContentsMargins(4, 0, 4, 0)
        status.setMinimumWidth(0)
        status.setToolTip("Who the account is and its count now, as the service says")
        timer = QTimer(self)
        timer.setSingleShot(True)
        timer.setInterval(LOOKUP_DELAY_MS)
        row = ProfileRow(edit, name, platform, status, timer)
        timer.timeout.connect(lambda: self._look_up(row))
        edit.textChanged.connect(lambda _text: self._edited(row))
        platform.currentIndexChanged.connect(lambda _i: self._edited(row))
        self.rows.append(row)
        return row

    def remove(self, edit: QLineEdit) -> None:
        """Forget a removed row (an answer for it is dropped)."""
        self.rows = [r for r in self.rows if r.edit is not edit]

    def row_for(self, edit: QLineEdit) -> ProfileRow | None:
        """The look-up state of the row whose handle field is ``edit``."""
        return next((r for r in self.rows if r.edit is edit), None)

    # -- asking ----------------------------------------------------------------------
    def _edited(self, row: ProfileRow) -> None:
        text = row.edit.text().strip()
        kind = row.platform_kind()
        row.token, row.profile, row.problem = 0, None, ""
        manual = not text or (not kind and not names_a_source(text))
        try:
            spec = None if manual else parse_target(text, kind or None)
        except SpecError as exc:
            row.spec = None
            row.problem = str(exc)
            self._show(row, str(exc), problem=True)
        else:
            row.spec = spec
            if spec is not None and spec.kind != kind and spec.kind in PLATFORM_NAMES:
                row.platform.blockSignals(True)  # a pasted link chooses the platform
                row.platform.setCurrentIndex(row.platform.findData(spec.kind))
                row.platform.blockSignals(False)
            self._show(row, "Looking up…" if spec is not None else "")
        if row.spec is not None:
            row.timer.start()
        else:
            row.timer.stop()
        self.changed.emit()

    def _look_up(self, row: ProfileRow) -> None:
        if row.spec is not None and row in self.rows:
            row.token = self.lookups.look_up(row.spec)

    # -- answers -----------------------------------------------------------------------
    @Slot(int, object)
    def _on_lookups_found(self, token: int, profile: Profile) -> None:
        row = next((r for r in self.rows if token and r.token == token), None)
        if row is None:
            return  # an answer for text no longer there
        row.profile = profile
        row.found_ms = round(time.time() * 1000)
        what = _WHAT.get(profile.spec.kind, "followers")
        self._show(row, f"✓ {profile.name} · {fmt.count(profile.count)} {what}")
        row.status.setToolTip(f"{profile.name} ({profile.handle}), followed as {profile.spec.text}")
        if not row.name.text().strip() or row.name.text() == row.filled_name:
            row.name.setText(profile.name)
            row.filled_name = profile.name
        self.changed.emit()

    @Slot(int, str, bool)
    def _on_lookups_failed(self, token: int, reason: str, final: bool) -> None:
        row = next((r for r in self.rows if token and r.token == token), None)
        if row is None:
            return
        row.problem = reason if final else f"{reason}; edit the entry to try again"
        self._show(row, row.problem, problem=True)
        self.changed.emit()

    def _show(self, row: ProfileRow, text: str, problem: bool = False) -> None:
        row.status.setText(text)
        row.status.setStyleSheet(forms.problem_style() if problem else "")
        row.status.setToolTip(text or "Who the account is and its count now, as the service says")
