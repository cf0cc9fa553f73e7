"""Race ▸ Alerts…: which happenings of this race notify you, kept in your settings."""

from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QDialog, QVBoxLayout, QWidget

from ...core.alerts import ALERT_NAMES, AlertChoice
from .. import forms


class AlertsDialog(QDialog):
    """A box per kind of alert, and whether a replay notifies too."""

    def __init__(self, choice: AlertChoice, race_title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("alertsDialog")
        self.setWindowTitle("Alerts")
        intro = forms.plain_label(f"Tell me on the desktop when, in “{race_title}”:", "alertsIntro")
        intro.setWordWrap(True)
        self.boxes: dict[str, QCheckBox] = {}
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        for kind, label in ALERT_NAMES.items():
            box = QCheckBox(label)
            box.setObjectName(f"alert_{kind}")
            box.setChecked(kind in choice.on)
            box.setToolTip(f"A desktop notification: {label.lower()}")
            self.boxes[kind] = box
            layout.addWidget(box)
        self.replay_box = QCheckBox("Also while replaying the race (for a demonstration)")
        self.replay_box.setObjectName("alertInReplay")
        self.replay_box.setChecked(choice.in_replay)
        self.replay_box.setToolTip(
            "Off: only what happens live notifies. On: a replay notifies as the race did"
        )
        layout.addSpacing(6)
        layout.addWidget(self.replay_box)
        note = forms.hint_label(
            "Kept for you on this computer, not in the race file: whoever you share the "
            "race with chooses their own. Opening a race never notifies what happened before.",
            "alertsNote",
        )
        layout.addWidget(note)
        self.button_box, self.ok_button = forms.ok_cancel_box(
            self, "Save", "Keep these alerts for this race"
        )
        layout.addWidget(self.button_box)

    def choice(self) -> AlertChoice:
        """The alerts as chosen in the dialog."""
        on = frozenset(kind for kind, box in self.boxes.items() if box.isChecked())
        return AlertChoice(on, self.replay_box.isChecked())
