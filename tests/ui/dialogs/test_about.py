"""Help ▸ About: version, credits, licence, links on click only; and the app's window icon."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from importlib import metadata

import pytest
from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QColor, QDesktopServices, QIcon, QImage
from PySide6.QtWidgets import QDialog, QLabel, QPlainTextEdit, QPushButton, QWidget

from photofinish.core import paths
from photofinish.ui.dialogs import about
from photofinish.ui.dialogs.about import show_about


@pytest.fixture
def opened(monkeypatch) -> list[str]:
    """Every URL handed to the desktop (none is actually opened)."""
    calls: list[str] = []

    def record(url: QUrl) -> bool:
        calls.append(url.toString())
        return True

    monkeypatch.setattr(QDesktopServices, "openUrl", staticmethod(record))
    return calls


@pytest.fixture
def dialog(qtbot, opened) -> Iterator[QDialog]:
    parent = QWidget()
    qtbot.addWidget(parent)
    parent.show()
    dialog = show_about(parent)
    qtbot.waitExposed(dialog)
    yield dialog  # the parent stays alive (and so its dialog) until the test ends
    dialog.close()


def _text(dialog: QDialog) -> str:
    return "\n".join(label.text() for label in dialog.findChildren(QLabel))


def test_opens_without_blocking_and_is_named(dialog):
    assert dialog.objectName() == "aboutDialog"
    assert dialog.isVisible()  # open() returned while it shows
    assert dialog.windowTitle() == "About Photo Finish"
    assert not dialog.findChild(QLabel, "aboutIcon").pixmap().isNull()


def test_a_second_call_brings_the_open_dialog_forward(dialog):
    assert show_about(dialog.parentWidget()) is dialog


def test_version_is_the_package_metadata(dialog):
    version = dialog.findChild(QLabel, "aboutVersion").text()
    assert version == f"Version {metadata.version('photofinish')}"


def test_version_falls_back_when_not_installed(monkeypatch):
    def missing(name: str) -> str:
        raise metadata.PackageNotFoundError(name)

    monkeypatch.setattr(metadata, "version", missing)
    assert about.app_version().startswith("unknown")


def test_toolkit_versions_are_shown(dialog):
    import platform

    import PySide6
    from PySide6.QtCore import qVersion

    text = dialog.findChild(QLabel, "aboutToolkit").text()
    assert f"Qt {qVersion()}" in text
    assert f"PySide6 {PySide6.__version__}" in text
    assert f"Python {platform.python_version()}" in text


def test_credits_name_every_outlet_of_the_bundled_race(dialog):
    credits = dialog.findChild(QLabel, "aboutCredits").text()
    assert "Ashton Kutcher" in credits and "CNN Breaking News" in credits
    with sqlite3.connect(f"file:{paths.sample_session()}?mode=ro", uri=True) as db:
        sources = [row[0] for row in db.execute("SELECT DISTINCT source FROM snapshots")]
    outlets = set()
    for source in sources:
        if source.startswith("reported: "):
            for part in source.removeprefix("reported: ").split("(")[0].split(","):
                if part.strip() and not part.strip().startswith("quoted"):
                    outlets.add(part.strip().removesuffix(" live blog"))
    assert len(outlets) >= 8
    assert [o for o in sorted(outlets) if o not in credits] == []
    assert "reconstruct" in credits  # and says the rest is not a published figure


def test_licence_is_named_and_its_full_text_is_one_click_away(qtbot, dialog):
    assert "MIT licence" in dialog.findChild(QLabel, "aboutLicense").text()
    button = dialog.findChild(QPushButton, "aboutLicenseButton")
    button.click()
    shown = dialog.findChild(QDialog, "licenseDialog")
    assert shown is not None
    qtbot.waitExposed(shown)
    text = shown.findChild(QPlainTextEdit, "licenseText")
    assert text.isReadOnly()
    assert text.toPlainText() == (paths.resources_dir() / "LICENSE").read_text(encoding="utf-8")
    assert (
        "MIT License" in text.toPlainText() and "Permission is hereby granted" in text.toPlainText()
    )
    button.click()  # one licence window at a time
    assert len([d for d in dialog.findChildren(QDialog, "licenseDialog") if d.isVisible()]) == 1


def test_licence_text_missing_gives_a_note(monkeypatch, tmp_path):
    monkeypatch.setattr(paths, "resources_dir", lambda: tmp_path)
    assert "MIT" in about.license_text() and "not installed" in about.license_text()


def test_links_open_only_on_a_click_and_only_in_the_browser(dialog, opened):
    assert opened == []  # showing the dialog opens nothing
    label = dialog.findChild(QLabel, "aboutToolkit")
    assert not label.openExternalLinks()
    label.linkActivated.emit("https://www.pyqtgraph.org/")
    assert opened == ["https://www.pyqtgraph.org/"]
    label.linkActivated.emit("file:///etc/passwd")  # refused, whatever asks
    assert opened == ["https://www.pyqtgraph.org/"]


def test_only_the_link_line_is_rich_text(dialog):
    for label in dialog.findChildren(QLabel):
        if label.objectName() == "aboutToolkit":
            assert label.textFormat() == Qt.TextFormat.RichText
        elif label.textFormat() != Qt.TextFormat.PlainText:
            assert "<" not in label.text() and "&" not in label.text(), label.objectName()


def test_the_app_window_icon_is_the_svg(qapp):
    from photofinish.app.application import application

    icon = application().windowIcon()
    assert not icon.isNull()
    svg = str(paths.resources_dir() / "photofinish.svg")
    expected = QIcon(svg)
    for size in (16, 32, 48, 256):
        got = icon.pixmap(size, size).toImage()
        assert got.size().width() == size
        assert got == expected.pixmap(size, size).toImage()
    # Drawn, not an empty square: the vermillion line is there at 256 px.
    image = icon.pixmap(256, 256).toImage().convertToFormat(QImage.Format.Format_RGB32)
    vermillion = QColor("#D55E00").rgb()
    assert any(image.pixel(x, y) == vermillion for x in range(0, 256, 4) for y in range(0, 256, 4))
