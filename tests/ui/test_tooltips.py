"""Every control in the window and in every dialog says what it does when hovered."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QComboBox,
    QLineEdit,
    QPlainTextEdit,
    QSlider,
    QTextEdit,
    QWidget,
)

from photofinish.core.model import SourceConfig

# What a user operates: buttons (push, tool, check, radio), combo boxes, line edits,
# spin boxes and date-time edits, sliders and text fields.
CONTROLS = (
    QAbstractButton,
    QComboBox,
    QLineEdit,
    QAbstractSpinBox,
    QSlider,
    QPlainTextEdit,
    QTextEdit,
)
# Qt's own parts of other widgets: a line edit's clear button, a table's corner button.
QT_PARTS = {"QLineEditIconButton", "QTableCornerButton", "QCalendarPopup"}


def is_part_of_another(widget: QWidget, root: QWidget) -> bool:
    """The line edit inside a spin box or combo box, and Qt's own internal widgets."""
    if widget.objectName().startswith("qt_") or widget.metaObject().className() in QT_PARTS:
        return True
    parent = widget.parentWidget()
    while parent is not None and parent is not root:
        if isinstance(parent, QAbstractSpinBox | QComboBox):
            return True
        parent = parent.parentWidget()
    return False


def controls(root: QWidget) -> list[QWidget]:
    return [
        w
        for w in root.findChildren(QWidget)
        if isinstance(w, CONTROLS) and w.window() is root and not is_part_of_another(w, root)
    ]


def describe(widget: QWidget) -> str:
    text = ""
    if isinstance(widget, QAbstractButton):
        text = widget.text()
    elif isinstance(widget, QLineEdit):
        text = widget.placeholderText()
    elif isinstance(widget, QComboBox):
        text = widget.currentText()
    name = widget.accessibleName() or text
    return f"{widget.metaObject().className()}#{widget.objectName()} {name!r}"


def missing_tooltips(root: QWidget) -> list[str]:
    title = root.windowTitle() or type(root).__name__
    return [f"{title}: {describe(w)}" for w in controls(root) if not w.toolTip().strip()]


def assert_all_have_tooltips(*roots: QWidget) -> None:
    missing = [line for root in roots for line in missing_tooltips(root)]
    assert not missing, "Controls without a tooltip:\n" + "\n".join(missing)


def test_the_walk_finds_the_controls(window):
    found = controls(window)
    assert window.replay_bar.slider in found and window.log_panel.search in found
    assert window.log_check in found and window.fit_button in found
    assert window.live_button in found  # hidden until the chart leaves the live edge
    # Qt's parts are not counted: the line edit inside the speed box, the clear button.
    assert not any(w.parentWidget() is window.replay_bar.speed_box for w in found)


def test_every_control_in_the_main_window_has_a_tooltip(window):
    assert_all_have_tooltips(window)


def test_every_control_in_the_race_dialogs_has_a_tooltip(qtbot, window):
    from photofinish.ui.dialogs.race import RaceDialog

    new = RaceDialog(window)
    qtbot.addWidget(new)
    new.add_button.click()  # a third row: Remove becomes possible
    edit = window.edits.edit_race()
    assert_all_have_tooltips(new, edit)
    edit.reject()


def test_every_control_in_the_note_and_reading_dialogs_has_a_tooltip(qtbot, window):
    from photofinish.ui.dialogs.reading import ReadingDialog

    session = window.session
    note = window.edits.add_note()
    reading = ReadingDialog(session.competitors, session.zone, parent=window)
    qtbot.addWidget(reading)
    assert_all_have_tooltips(note, reading)
    note.reject()


@pytest.mark.parametrize("kind", ["png", "svg", "clip"])
def test_every_control_in_the_export_dialog_has_a_tooltip(qtbot, kind):
    from photofinish.ui.dialogs.export import ExportDialog

    dialog = ExportDialog(kind, "16 Apr 19:00 – 17 Apr 01:00 PDT", "the whole race", (800, 450))
    qtbot.addWidget(dialog)
    assert_all_have_tooltips(dialog)


def test_every_control_in_the_sources_dialogs_has_a_tooltip(qtbot, window):
    from photofinish.ui.dialogs.sources import SourcesDialog

    session = window.session
    sources = [
        SourceConfig("aplusk", "bluesky:aplusk.bsky.social", 60.0, id=1),
        SourceConfig("cnnbrk", "github-stars:cnn/breaking", 120.0, enabled=False, id=2),
    ]
    dialog = SourcesDialog(session.competitors, sources, {}, window)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.add_button.click()
    add = dialog.editor
    assert add is not None
    assert_all_have_tooltips(dialog, add)
    add.reject()
    qtbot.waitUntil(lambda: dialog.editor is None)
    for kind in ("file", "json", "youtube"):
        dialog.table.selectRow(0)
        dialog.edit_button.click()
        editor = dialog.editor
        assert editor is not None
        editor.kind_combo.setCurrentIndex(editor.kind_combo.findData(kind))
        editor.advanced_button.setChecked(True)
        assert_all_have_tooltips(editor)
        editor.reject()
        qtbot.waitUntil(lambda: dialog.editor is None)
