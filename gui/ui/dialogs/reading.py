"""Race > Enter a Reading…: one count typed by hand, for a competitor, now or at a time."""

from __future__ import annotations

import re
from collections.abc import Callable
from zoneinfo import ZoneInfo

from PySide6.QtCore import QDate, QDateTime, QTime, QTimeZone, Slot
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from ...core.model import Competitor
from .. import fmt, forms

MAX_COUNT = 2**63 - 1  # what SQLite's INTEGER holds
FUTURE_SLACK_MS = 60_000
# Characters people put between groups of digits: spaces of every width, commas,
# underscores and apostrophes (Swiss style).
_GROUPING = re.compile(r"[\s,_'’\u00a0\u2009\u202f]")
_DOTTED = re.compile(r"\d{1,3}(?:\.\d{3})+")


def wall_clock_ms() -> int:
    """Now, in UTC milliseconds."""
    return int(QDateTime.currentMSecsSinceEpoch())


class CountError(ValueError):
    """A count that cannot be used; str() says why, for the dialog."""


def parse_count(text: str) -> int:
    """A count typed with or without thousands separators ("1,000,000", "1 000 000")."""
    raw = text.strip()
    if not raw:
        raise CountError("Enter the count")
    if raw[0] in "-−–":
        raise CountError("A count cannot be negative")
    digits = _GROUPING.sub("", raw.removeprefix("+"))
    group = fmt.locale().groupSeparator()
    if group and group != ".":
        digits = digits.replace(group, "")
    if _DOTTED.fullmatch(digits):
        digits = digits.replace(".", "")  # 1.000.000, the German way
    if not (digits.isascii() and digits.isdigit()):
        if re.fullmatch(r"\d+[.,]\d*", digits):
            raise CountError("A count is a whole number")
        raise CountError(f"“{raw}” is not a count: type digits, e.g. 1,000,000")
    value = int(digits)
    if value > MAX_COUNT:
        raise CountError("That count is too large")
    return value


class ReadingDialog(QDialog):
    """Enter one reading by hand: whose count, how many, and when (now or a time)."""

    def __init__(
        self,
        competitors: list[Competitor],
        zone: ZoneInfo,
        handle: str | None = None,
        now_ms: int | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._zone = zone
        self._qzone = QTimeZone(zone.key.encode())
        # What "now" is, in UTC milliseconds (a fixed moment when one is given).
        self.clock: Callable[[], int] = (lambda: now_ms) if now_ms is not None else wall_clock_ms
        self._accepted_ms: int | None = None
        self._problem = ""
        self.setObjectName("readingDialog")
        self.setWindowTitle("Enter a Reading")
        self.setMinimumWidth(520)

        self.competitor_combo = QComboBox()
        self.competitor_combo.setObjectName("readingCompetitor")
        self.competitor_combo.setAccessibleName("Competitor")
        self.competitor_combo.setToolTip("Whose count you read")
        for comp in sorted(competitors, key=lambda c: c.position):
            self.competitor_combo.addItem(
                forms.swatch(comp.colour), f"{comp.name} (@{comp.handle})", comp.handle
            )
        if handle is not None:
            self.competitor_combo.setCurrentIndex(max(0, self.competitor_combo.findData(handle)))

        self.count_edit = QLineEdit()
        self.count_edit.setObjectName("readingCount")
        self.count_edit.setAccessibleName("Count")
        self.count_edit.setMaxLength(40)
        self.count_edit.setPlaceholderText("e.g. 1,000,000")
        self.count_edit.setToolTip(
            "The count you saw; thousands separators are fine (1,000,000 or 1 000 000)"
        )
        self.count_preview = forms.plain_label("", "countPreview")
        self.count_preview.setStyleSheet(forms.HINT_STYLE)
        self.count_preview.setToolTip("The count as it will be stored")
        count_row = QHBoxLayout()
        count_row.setContentsMargins(0, 0, 0, 0)
        count_row.addWidget(self.count_edit, 1)
        count_row.addWidget(self.count_preview)

        self.now_radio = QRadioButton("&Now")
        self.now_radio.setObjectName("readingNow")
        self.now_radio.setToolTip("The moment you press Add Reading")
        self.at_radio = QRadioButton("A&t:")
        self.at_radio.setObjectName("readingAt")
        self.at_radio.setToolTip(f"A time you choose, in {zone.key}")
        self.time_group = QButtonGroup(self)
        self.time_group.addButton(self.now_radio)
        self.time_group.addButton(self.at_radio)
        self.now_radio.setChecked(True)

        start = self._now()
        self.when = forms.time_edit(self._qzone)
        self.when.setObjectName("readingTime")
        self.when.setAccessibleName("Time of the reading")
        self.when.setMinimumDate(QDate(1970, 1, 1))
        self.when.setDateTime(QDateTime.fromMSecsSinceEpoch(start - start % 1000, self._qzone))
        self.when.setToolTip(f"When you read the count, in {zone.key}, to the second")
        self.when.setEnabled(False)
        self.zone_label = forms.plain_label(zone.key, "zoneLabel")
        self.zone_label.setStyleSheet(forms.HINT_STYLE)
        self.zone_label.setToolTip("The race's display time zone")
        time_box = QWidget()
        time_layout = QHBoxLayout(time_box)
        time_layout.setContentsMargins(0, 0, 0, 0)
        time_layout.addWidget(self.now_radio)
        time_layout.addSpacing(12)
        time_layout.addWidget(self.at_radio)
        time_layout.addWidget(self.when, 1)
        time_layout.addWidget(self.zone_label)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        form.addRow(forms.buddy("&Competitor:", self.competitor_combo), self.competitor_combo)
        form.addRow(forms.buddy("C&ount:", self.count_edit), count_row)
        form.addRow(forms.buddy("When:", self.now_radio), time_box)

        self.problem_icon = forms.warning_icon(self)
        self.problem_label = forms.plain_label("", "problemLabel")
        self.problem_label.setWordWrap(True)
        self.problem_label.setStyleSheet(forms.problem_style())
        self.problem_label.setAccessibleName("What is wrong")
        problem_row = forms.message_row(self.problem_label, self.problem_icon)

        self.button_box, self.ok_button = forms.ok_cancel_box(
            self, "Add Reading", "Store the reading in the race"
        )

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(problem_row)
        layout.addStretch(1)
        layout.addWidget(self.button_box)

        self.count_edit.textChanged.connect(self._revalidate)
        self.competitor_combo.currentIndexChanged.connect(self._revalidate)
        self.at_radio.toggled.connect(self._on_at_radio_toggled)
        self.when.dateTimeChanged.connect(self._revalidate)
        self._revalidate()
        self.count_edit.setFocus()

    # -- public API -----------------------------------------------------------

    def handle(self) -> str:
        """The handle of the competitor chosen ("" when the race has none)."""
        data = self.competitor_combo.currentData()
        return str(data) if data is not None else ""

    def count(self) -> int | None:
        """The count typed, or None while it is not a count."""
        try:
            return parse_count(self.count_edit.text())
        except CountError:
            return None

    def at_ms(self) -> int:
        """The reading's time, UTC milliseconds ("Now" is the moment OK was pressed)."""
        if self.now_radio.isChecked():
            return self._accepted_ms if self._accepted_ms is not None else self._now()
        return int(self.when.dateTime().toMSecsSinceEpoch())

    def reading(self) -> tuple[str, int, int]:
        """(handle, at_ms, count) as entered; meaningful once the dialog is valid."""
        count = self.count()
        if count is None or not self.handle():
            raise ValueError(self._problem or "the reading is not valid")
        return self.handle(), self.at_ms(), count

    def problem(self) -> str:
        """What stops the reading from being stored, in plain words; empty when nothing."""
        return self._problem

    def is_valid(self) -> bool:
        """True when the entries make a reading."""
        return not self._problem

    def accept(self) -> None:
        """Fix "Now" to this moment and close, when the entries are valid."""
        self._revalidate()
        if not self.is_valid():
            return
        if self.now_radio.isChecked():
            self._accepted_ms = self._now()
        super().accept()

    # -- checking -------------------------------------------------------------

    def _now(self) -> int:
        return self.clock()

    def _find_problem(self) -> str:
        if not self.handle():
            return "The race has no competitors"
        try:
            parse_count(self.count_edit.text())
        except CountError as exc:
            return str(exc)
        if self.at_radio.isChecked():
            ahead = self.at_ms() - self._now()
            if ahead > FUTURE_SLACK_MS:
                return (
                    f"That time is {fmt.duration(ahead)} in the future; "
                    "a reading is a count already seen"
                )
        return ""

    @Slot()
    def _revalidate(self) -> None:
        self._problem = self._find_problem()
        shown = self._problem
        if shown == "Enter the count" and not self.count_edit.text():
            shown = ""  # nothing typed yet: the placeholder says what to do
        self.problem_label.setText(shown)
        self.problem_label.setVisible(bool(shown))
        self.problem_icon.setVisible(bool(shown))
        self.ok_button.setEnabled(not self._problem)
        count = self.count()
        self.count_preview.setText(f"= {fmt.count(count)}" if count is not None else "")
        forms.fit_height(self)

    @Slot(bool)
    def _on_at_radio_toggled(self, checked: bool) -> None:
        self.when.setEnabled(checked)
        if checked:
            self.when.setFocus()
        self._revalidate()

    def set_local_time(self, date: QDate, time: QTime) -> None:
        """Choose "At" with a wall-clock time in the race's zone (for callers and tests)."""
        self.at_radio.setChecked(True)
        self.when.setDateTime(QDateTime(date, time, self._qzone))
