"""Help ▸ About Photo Finish: the version, the licence, the toolkit and where the 2009 data is from.

Every text here is the app's own; links open in the browser only when clicked,
through the same http(s)-only path as links in notes.
"""

from __future__ import annotations

import html
import platform
from importlib import metadata

import PySide6
from PySide6.QtCore import Qt, Slot, qVersion
from PySide6.QtGui import QFont, QFontDatabase, QIcon
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ...core import paths

APP_NAME = "Photo Finish"
SUMMARY = (
    "Follow two counters racing to a milestone, live: one chart, the gap between them, "
    "who gets there first, and a log of everything on the way."
)
# The outlets whose published figures are the "reported" readings of the bundled race
# (data/NOTES.md); everything between them is reconstructed and marked as such.
DATA_SOURCES = (
    "CNET's live blog of the night",
    "ABC News",
    "TVNewser (Adweek)",
    "the Associated Press",
    "CNN",
    "Business Insider",
    "MTV News",
    "Inquisitr",
    "the nickburcher.com blog",
)
CREDITS = (
    "The bundled race is the April 2009 contest between Ashton Kutcher (@aplusk) and "
    "CNN Breaking News (@cnnbrk) to reach a million Twitter followers first. Its published "
    f"counts and times are taken from reports by {', '.join(DATA_SOURCES[:-1])} and "
    f"{DATA_SOURCES[-1]}. The readings in between are a reconstruction, and the file marks "
    "each of them as one."
)
LIBRARIES = (
    ("Qt", "https://www.qt.io/"),
    ("PySide6", "https://doc.qt.io/qtforpython-6/"),
    ("pyqtgraph", "https://www.pyqtgraph.org/"),
    ("sqlite-utils", "https://sqlite-utils.datasette.io/"),
)
LICENSE_FALLBACK = (
    "The licence text was not installed with this copy of Photo Finish.\n\n"
    "Photo Finish is released under the MIT licence: "
    "https://opensource.org/license/mit"
)


def app_version() -> str:
    """The installed package's version, or a plain note when it is not installed."""
    try:
        return metadata.version("photofinish")
    except metadata.PackageNotFoundError:
        return "unknown (not installed as a package)"


def toolkit_versions() -> str:
    """Qt, PySide6 and Python versions, as shown in the dialog."""
    return (
        f"Qt {qVersion()} · PySide6 {PySide6.__version__} · "
        f"Python {platform.python_version()} ({platform.python_implementation()})"
    )


def license_text() -> str:
    """The full MIT licence shipped with the app (a short note if it is missing)."""
    try:
        return (paths.resources_dir() / "LICENSE").read_text(encoding="utf-8")
    except OSError:
        return LICENSE_FALLBACK


class AboutDialog(QDialog):
    """The About box: name, icon, version, licence, toolkit versions and data credits."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("aboutDialog")
        self.setWindowTitle(f"About {APP_NAME}")
        self.license_dialog: QDialog | None = None

        icon = QLabel()
        icon.setObjectName("aboutIcon")
        icon.setPixmap(
            QIcon(str(paths.resources_dir() / "photofinish.svg")).pixmap(72, 72, QIcon.Mode.Normal)
        )
        icon.setAlignment(Qt.AlignmentFlag.AlignTop)

        name = QLabel(APP_NAME)
        name.setObjectName("aboutName")
        font = QFont(name.font())
        font.setPointSizeF(font.pointSizeF() * 1.6)
        font.setBold(True)
        name.setFont(font)
        self.version = app_version()
        version = _plain_label(f"Version {self.version}", "aboutVersion")
        version.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        summary = _plain_label(SUMMARY, "aboutSummary")

        heading = QVBoxLayout()
        heading.setSpacing(4)
        heading.addWidget(name)
        heading.addWidget(version)
        heading.addSpacing(6)
        heading.addWidget(summary)
        top = QHBoxLayout()
        top.setSpacing(16)
        top.addWidget(icon, 0, Qt.AlignmentFlag.AlignTop)
        top.addLayout(heading, 1)

        credits_title = _plain_label("The 2009 race", "aboutCreditsTitle")
        bold = QFont(credits_title.font())
        bold.setBold(True)
        credits_title.setFont(bold)
        credits = _plain_label(CREDITS, "aboutCredits")

        links = ", ".join(
            f'<a href="{html.escape(url)}">{html.escape(label)}</a>' for label, url in LIBRARIES
        )
        built = self._link_label(
            f"Built with {links}.<br>{html.escape(toolkit_versions())}", "aboutToolkit"
        )
        built.setTextInteractionFlags(
            Qt.TextInteractionFlag.LinksAccessibleByMouse
            | Qt.TextInteractionFlag.LinksAccessibleByKeyboard
            | Qt.TextInteractionFlag.TextSelectableByMouse
        )
        licence = _plain_label(
            "Photo Finish is free software under the MIT licence.", "aboutLicense"
        )

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.license_button = QPushButton("&Licence…")
        self.license_button.setObjectName("aboutLicenseButton")
        self.license_button.setAutoDefault(False)
        buttons.addButton(self.license_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.license_button.clicked.connect(self.show_license)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 20, 20, 14)
        layout.setSpacing(10)
        layout.addLayout(top)
        layout.addSpacing(4)
        layout.addWidget(credits_title)
        layout.addWidget(credits)
        layout.addSpacing(4)
        layout.addWidget(built)
        layout.addWidget(licence)
        layout.addSpacing(4)
        layout.addWidget(buttons)
        self.setMinimumWidth(560)
        self.setMaximumWidth(680)
        buttons.button(QDialogButtonBox.StandardButton.Close).setFocus()

    def _link_label(self, rich: str, name: str) -> QLabel:
        label = QLabel(rich)
        label.setObjectName(name)
        label.setTextFormat(Qt.TextFormat.RichText)
        label.setWordWrap(True)
        label.setOpenExternalLinks(False)  # opened by _on_link_activated, on a click only
        label.setTextInteractionFlags(
            Qt.TextInteractionFlag.LinksAccessibleByMouse
            | Qt.TextInteractionFlag.LinksAccessibleByKeyboard
        )
        label.linkActivated.connect(self._on_link_activated)
        return label

    @Slot(str)
    def _on_link_activated(self, link: str) -> None:
        from ..links import open_in_browser

        open_in_browser(link)

    @Slot()
    def show_license(self) -> QDialog:
        """Show the full licence text in a window of its own (one at a time)."""
        if self.license_dialog is not None:
            self.license_dialog.raise_()
            self.license_dialog.activateWindow()
            return self.license_dialog
        dialog = QDialog(self)
        dialog.setObjectName("licenseDialog")
        dialog.setWindowTitle(f"{APP_NAME}: Licence")
        text = QPlainTextEdit(license_text())
        text.setObjectName("licenseText")
        text.setReadOnly(True)
        text.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        text.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(dialog.reject)
        layout = QVBoxLayout(dialog)
        layout.addWidget(text)
        layout.addWidget(buttons)
        metrics = text.fontMetrics()
        dialog.resize(metrics.horizontalAdvance("x" * 84) + 60, metrics.lineSpacing() * 24 + 70)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.finished.connect(self._on_license_finished)
        self.license_dialog = dialog
        dialog.open()
        return dialog

    @Slot()
    def _on_license_finished(self) -> None:
        self.license_dialog = None


def _plain_label(text: str, name: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName(name)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(True)
    return label


def show_about(parent: QWidget) -> QDialog:
    """Open the About dialog over ``parent`` without waiting; an open one is brought forward."""
    for existing in parent.findChildren(AboutDialog, "aboutDialog"):
        if existing.isVisible():
            existing.raise_()
            existing.activateWindow()
            return existing
    dialog = AboutDialog(parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    return dialog
