"""Window-modal messages that never block the event loop and never render user text as HTML."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget

_open: list[QMessageBox] = []  # keeps parentless boxes alive until they close


def notice(
    parent: QWidget | None,
    title: str,
    text: str,
    warn: bool = False,
    name: str = "notice",
    modal: bool = True,
) -> QMessageBox:
    """Show a message (plain text) without waiting for it; returns the box.

    A modal notice holds its window's input until dismissed (the event loop
    runs on); ``modal=False`` leaves the window usable while it shows.
    """
    icon = QMessageBox.Icon.Warning if warn else QMessageBox.Icon.Information
    box = QMessageBox(icon, title, text, parent=parent)
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.setObjectName(name)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    _open.append(box)
    box.finished.connect(lambda *_: _open.remove(box) if box in _open else None)
    if modal:
        box.open()
    else:
        box.setWindowModality(Qt.WindowModality.NonModal)
        box.show()
    return box


def open_notices() -> list[QMessageBox]:
    """Boxes still open (for closing them at exit and in tests)."""
    return list(_open)
