"""Widget helpers the dialogs share: labels, icons, swatches, OK/Cancel, time fields, sizing."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QRectF, QSize, Qt, QTimeZone
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QKeyEvent, QPainter, QPalette, QPixmap
from PySide6.QtWidgets import (
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStyle,
    QWidget,
)

from . import theme

PROBLEM_RED = "#b03a2e"
KEYBOARD_FOCUS = (
    Qt.FocusReason.TabFocusReason,
    Qt.FocusReason.BacktabFocusReason,
    Qt.FocusReason.ShortcutFocusReason,
)


def keyboard_brought(reason: Qt.FocusReason) -> bool:
    """Whether the keyboard moved the focus here (Tab, Shift+Tab, a shortcut).

    A focus ring shows then; not on a click, nor when the window opens or comes
    back to the front.
    """
    return reason in KEYBOARD_FOCUS


def problem_style() -> str:
    """Red text for what is wrong with an entry, readable on the scheme showing."""
    background = QGuiApplication.palette().color(QPalette.ColorRole.Window).name()
    return f"color: {theme.readable(PROBLEM_RED, background)};"


HINT_STYLE = "color: palette(placeholder-text);"
SWATCH_SIZE = QSize(16, 12)


def plain_label(text: str, object_name: str = "") -> QLabel:
    """A label that shows its text as plain text (never rich text), with an object name."""
    label = QLabel(text)
    if object_name:
        label.setObjectName(object_name)
    label.setTextFormat(Qt.TextFormat.PlainText)
    return label


def hint_label(text: str, object_name: str = "") -> QLabel:
    """A wrapped plain-text label in the muted hint colour."""
    label = plain_label(text, object_name)
    label.setWordWrap(True)
    label.setStyleSheet(HINT_STYLE)
    return label


def buddy(text: str, widget: QWidget) -> QLabel:
    """A plain-text form label whose mnemonic ("&Name:") focuses widget."""
    label = plain_label(text)
    label.setBuddy(widget)
    return label


def name_widget(widget: QWidget, object_name: str, accessible: str, tip: str) -> None:
    """Give widget its object name, accessible name and tool tip."""
    widget.setObjectName(object_name)
    widget.setAccessibleName(accessible)
    widget.setToolTip(tip)


def icon_label(widget: QWidget, pixmap: QStyle.StandardPixmap, object_name: str = "") -> QLabel:
    """A label showing one of widget's style's standard icons at the small icon size."""
    style = widget.style()
    size = style.pixelMetric(QStyle.PixelMetric.PM_SmallIconSize)
    icon = QLabel()
    if object_name:
        icon.setObjectName(object_name)
    icon.setPixmap(style.standardIcon(pixmap).pixmap(size, size))
    icon.setFixedSize(size, size)
    return icon


def warning_icon(widget: QWidget, object_name: str = "problemIcon") -> QLabel:
    """The small warning icon shown beside a dialog's problem message."""
    return icon_label(widget, QStyle.StandardPixmap.SP_MessageBoxWarning, object_name)


def message_row(label: QLabel, icon: QLabel) -> QHBoxLayout:
    """A row with icon at the top left and label taking the rest of the width."""
    row = QHBoxLayout()
    row.addWidget(icon, 0, Qt.AlignmentFlag.AlignTop)
    row.addWidget(label, 1)
    return row


def ok_cancel_box(
    dialog: QDialog, ok_text: str = "", ok_tip: str = "", ok_name: str = "okButton"
) -> tuple[QDialogButtonBox, QPushButton]:
    """OK and Cancel buttons wired to dialog's accept and reject, and the OK button.

    Empty ok_text, ok_tip or ok_name leave the OK button's default text, tip or name.
    """
    box = QDialogButtonBox(
        QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
    )
    cancel = box.button(QDialogButtonBox.StandardButton.Cancel)
    cancel.setObjectName("cancelButton")
    cancel.setToolTip("Close without keeping any change (Esc)")
    ok = box.button(QDialogButtonBox.StandardButton.Ok)
    if ok_name:
        ok.setObjectName(ok_name)
    if ok_text:
        ok.setText(ok_text)
    if ok_tip:
        ok.setToolTip(ok_tip)
    box.accepted.connect(dialog.accept)
    box.rejected.connect(dialog.reject)
    return box, ok


def time_edit(zone: QTimeZone) -> QDateTimeEdit:
    """A date-and-time field in zone, to the second, with a calendar pop-up."""
    edit = QDateTimeEdit()
    edit.setTimeZone(zone)
    edit.setDisplayFormat("yyyy-MM-dd HH:mm:ss")
    edit.setCalendarPopup(True)
    return edit


def swatch(colour: str, size: QSize = SWATCH_SIZE) -> QIcon:
    """A rounded rectangle of colour with a faint outline, as an icon of the given size."""
    pixmap = QPixmap(size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(QColor(0, 0, 0, 110))
    painter.setBrush(QColor(colour))
    painter.drawRoundedRect(QRectF(0.5, 0.5, size.width() - 1, size.height() - 1), 3, 3)
    painter.end()
    return QIcon(pixmap)


def fit_height(dialog: QWidget) -> None:
    """Grow dialog to show wrapped messages in full (a layout does not ask for it by itself)."""
    layout = dialog.layout()
    if layout is None:
        return
    layout.activate()
    needed = layout.totalHeightForWidth(dialog.width()) if layout.hasHeightForWidth() else -1
    needed = max(needed, layout.totalMinimumSize().height())
    if needed > dialog.height():
        dialog.resize(dialog.width(), needed)


class _SpaceKeeper(QObject):
    """Lets the focused widget have the space bar before a window shortcut on Space."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt naming
        """Claim Space (no modifier) when the shortcut map asks whether the widget wants it."""
        if (
            event.type() == QEvent.Type.ShortcutOverride
            and isinstance(event, QKeyEvent)
            and event.key() == Qt.Key.Key_Space
            and not (event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier)
        ):
            event.accept()  # accepted: the key goes to the widget, not to the shortcut
            return True
        return False


_space_keeper: _SpaceKeeper | None = None


def keep_space_key(widget: QWidget) -> None:
    """Space presses a focused button or opens a focused combo box, as everywhere else.

    Without this the window's Space shortcut (play/pause) takes the key first,
    and a keyboard user could not press the button they tabbed to.
    """
    global _space_keeper
    if _space_keeper is None:
        _space_keeper = _SpaceKeeper()
    widget.installEventFilter(_space_keeper)
