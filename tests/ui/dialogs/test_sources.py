"""Race > Sources…: the sources table, the Add/Edit sub-dialog and the keys, driven by hand."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QFileDialog, QLabel, QLineEdit

from photofinish import settings
from photofinish.core.live.specs import SECRET_ENV, SourceSpec, SpecError, parse_spec
from photofinish.core.model import Competitor, SourceConfig
from photofinish.ui.dialogs.source_editor import SourceEditor, spec_message
from photofinish.ui.dialogs.sources import SourcesDialog

_COMPETITOR, _SOURCE, _EVERY, _STATE, _STATUS = range(5)


@pytest.fixture(autouse=True)
def _no_secrets_in_env(monkeypatch):
    """Keys from the developer's own environment must not change what the dialog shows."""
    for names in SECRET_ENV.values():
        for name in names:
            monkeypatch.delenv(name, raising=False)


@pytest.fixture
def competitors() -> list[Competitor]:
    return [
        Competitor("cnnbrk", "CNN Breaking News", "#2e86de", 1, 12),
        Competitor("aplusk", "Ashton Kutcher", "#e4572e", 0, 11),
    ]


@pytest.fixture
def sources() -> list[SourceConfig]:
    return [
        SourceConfig("aplusk", "bluesky:aplusk.bsky.social", 60.0, True, None, 7),
        SourceConfig("cnnbrk", "github-stars:python/cpython", 300.0, False, None, 8),
    ]


def _dialog(qtbot, competitors, sources, status=None) -> SourcesDialog:
    dlg = SourcesDialog(competitors, sources, status)
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.waitExposed(dlg)
    return dlg


def _cell(dlg: SourcesDialog, row: int, column: int) -> str:
    item = dlg.table.item(row, column)
    assert item is not None
    return item.text()


def _open_add(qtbot, dlg: SourcesDialog) -> SourceEditor:
    qtbot.mouseClick(dlg.add_button, Qt.MouseButton.LeftButton)
    editor = dlg.editor
    assert editor is not None
    qtbot.waitExposed(editor)
    return editor


def _choose_kind(editor: SourceEditor, kind: str) -> None:
    index = editor.kind_combo.findData(kind)
    assert index >= 0, kind
    editor.kind_combo.setCurrentIndex(index)


def _type(qtbot, widget: QLineEdit, text: str) -> None:
    widget.clear()
    qtbot.keyClicks(widget, text)


def _click_ok(qtbot, editor: SourceEditor) -> None:
    assert editor.ok_button.isEnabled(), editor.problem()
    qtbot.mouseClick(editor.ok_button, Qt.MouseButton.LeftButton)


# -- the table ----------------------------------------------------------------


def test_table_lists_the_sources_with_state_and_status(qtbot, competitors, sources):
    dlg = _dialog(qtbot, competitors, sources, {"7": "Read 1,000,000 at 12:00", "8": "x"})
    assert dlg.windowTitle() == "Sources"
    assert dlg.table.rowCount() == 2
    assert [_cell(dlg, 0, c) for c in range(5)] == [
        "Ashton Kutcher",
        "bluesky:aplusk.bsky.social",
        "1 min",
        "Active",
        "Read 1,000,000 at 12:00",
    ]
    assert [_cell(dlg, 1, c) for c in range(5)] == [
        "CNN Breaking News",
        "github-stars:python/cpython",
        "5 min",
        "Paused",
        "x",
    ]
    # The competitor cell carries a swatch in the competitor's colour.
    item = dlg.table.item(0, _COMPETITOR)
    assert item is not None
    image = item.icon().pixmap(16, 12).toImage()
    assert image.pixelColor(QPoint(8, 6)).name() == "#e4572e"
    assert dlg.coverage_label.text() == "No active source for: CNN Breaking News"
    assert dlg.sources() == sources


def test_no_sources_says_how_to_start(qtbot, competitors):
    dlg = _dialog(qtbot, competitors, [])
    assert dlg.table.rowCount() == 0
    assert dlg.coverage_label.text() == "No sources yet: Add… attaches one to a competitor."
    assert not dlg.edit_button.isEnabled()
    assert not dlg.pause_button.isEnabled()
    assert not dlg.remove_button.isEnabled()
    assert dlg.add_button.isEnabled()
    assert dlg.sources() == []


def test_sources_returns_copies(qtbot, competitors, sources):
    dlg = _dialog(qtbot, competitors, sources)
    dlg.sources()[0].enabled = False
    assert dlg.sources()[0].enabled
    assert sources[1].enabled is False  # the caller's list is never touched
    dlg.table.selectRow(1)
    qtbot.mouseClick(dlg.pause_button, Qt.MouseButton.LeftButton)
    assert sources[1].enabled is False


# -- pause, resume, remove ----------------------------------------------------


def test_pause_and_resume_toggle_enabled(qtbot, competitors, sources):
    dlg = _dialog(qtbot, competitors, sources, {"7": "Reading"})
    dlg.table.selectRow(0)
    assert dlg.pause_button.text() == "&Pause"
    qtbot.mouseClick(dlg.pause_button, Qt.MouseButton.LeftButton)
    assert [s.enabled for s in dlg.sources()] == [False, False]
    assert _cell(dlg, 0, _STATE) == "Paused"
    assert _cell(dlg, 0, _STATUS) == "Pauses when you press OK"
    assert dlg.pause_button.text() == "Res&ume"
    assert dlg.coverage_label.text() == ("No active source for: Ashton Kutcher, CNN Breaking News")
    qtbot.mouseClick(dlg.pause_button, Qt.MouseButton.LeftButton)
    assert [s.enabled for s in dlg.sources()] == [True, False]
    assert _cell(dlg, 0, _STATUS) == "Reading"
    dlg.table.selectRow(1)
    assert dlg.pause_button.text() == "Res&ume"
    qtbot.mouseClick(dlg.pause_button, Qt.MouseButton.LeftButton)
    assert [s.enabled for s in dlg.sources()] == [True, True]
    assert _cell(dlg, 1, _STATUS) == "Resumes when you press OK"
    assert dlg.coverage_label.text() == "Every competitor has an active source."
    assert [s.id for s in dlg.sources()] == [7, 8]


def test_remove_button_and_delete_key(qtbot, competitors, sources):
    dlg = _dialog(qtbot, competitors, sources)
    dlg.table.selectRow(0)
    qtbot.mouseClick(dlg.remove_button, Qt.MouseButton.LeftButton)
    assert [s.id for s in dlg.sources()] == [8]
    assert dlg.table.rowCount() == 1
    assert dlg.selected_row() == 0  # the next row is selected, ready for another Delete
    dlg.table.setFocus()
    qtbot.keyClick(dlg.table, Qt.Key.Key_Delete)
    assert dlg.sources() == []
    assert not dlg.remove_button.isEnabled()
    # Delete with nothing left does nothing.
    qtbot.keyClick(dlg.table, Qt.Key.Key_Delete)
    assert dlg.sources() == []


# -- adding -------------------------------------------------------------------


def test_add_a_github_source_without_a_token(qtbot, competitors, sources):
    dlg = _dialog(qtbot, competitors, sources)
    editor = _open_add(qtbot, dlg)
    assert editor.windowTitle() == "Add Source"
    # The first competitor without an active source is chosen for you.
    assert editor.handle() == "cnnbrk"
    assert not editor.ok_button.isEnabled()
    _choose_kind(editor, "github-stars")
    assert editor.target_label.text() == "&Repository:"
    assert editor.target_edit.placeholderText() == "e.g. python/cpython"
    qtbot.keyClicks(editor.target_edit, "https://github.com/pallets/flask")
    assert editor.problem() == ""
    assert not editor.problem_label.isVisible()
    # GitHub without a token: the minimum and the default come from the spec rules.
    rule = SourceSpec("github-stars", "pallets/flask")
    assert editor.interval_spin.minimum() == rule.min_interval_s(has_secret=False) == 120
    assert editor.interval_spin.value() == rule.default_interval_s(has_secret=False) == 120
    assert "without a GitHub token" in editor.interval_hint.text()
    editor.interval_spin.setValue(5)  # below the minimum: clamped
    assert editor.interval_spin.value() == 120
    editor.interval_spin.setValue(600)
    _click_ok(qtbot, editor)
    assert dlg.editor is None
    assert dlg.sources()[2] == SourceConfig(
        "cnnbrk", "github-stars:pallets/flask", 600.0, True, None, None
    )
    assert dlg.table.rowCount() == 3
    assert dlg.selected_row() == 2
    assert _cell(dlg, 2, _STATUS) == "New: starts when you press OK"
    assert _cell(dlg, 2, _EVERY) == "10 min"


def test_a_typed_token_lowers_the_github_minimum(qtbot, competitors):
    dlg = _dialog(qtbot, competitors, [])
    qtbot.keyClicks(dlg.key_edits["github_token"], "ghp_secret")
    editor = _open_add(qtbot, dlg)
    _choose_kind(editor, "github-followers")
    qtbot.keyClicks(editor.target_edit, "torvalds")
    assert editor.interval_spin.minimum() == 10
    assert editor.interval_spin.value() == 60
    assert editor.interval_hint.text() == "At least 10 s with your GitHub token"


def test_the_default_interval_follows_the_kind_until_changed(qtbot, competitors):
    dlg = _dialog(qtbot, competitors, [])
    editor = _open_add(qtbot, dlg)
    _choose_kind(editor, "github-stars")
    assert editor.interval_spin.value() == 120
    _choose_kind(editor, "bluesky")
    assert editor.interval_spin.value() == 60
    assert editor.interval_spin.minimum() == 10
    editor.interval_spin.setValue(15)
    _choose_kind(editor, "json")
    assert editor.interval_spin.value() == 15  # the user's choice stays
    _choose_kind(editor, "github-stars")
    assert editor.interval_spin.value() == 120  # raised to the new minimum


def test_spec_errors_show_inline_and_block_ok(qtbot, competitors):
    dlg = _dialog(qtbot, competitors, [])
    editor = _open_add(qtbot, dlg)
    assert editor.kind() == "bluesky"
    assert editor.problem() == "Enter the account to follow, e.g. bsky.app"
    qtbot.keyClicks(editor.target_edit, "not a handle")
    with pytest.raises(SpecError) as caught:
        parse_spec("bluesky:not a handle")
    assert editor.problem_label.text() == spec_message(caught.value)
    assert editor.problem_label.text().startswith("A Bluesky account is a handle")
    assert editor.problem_label.isVisible()
    assert editor.problem_label.textFormat() == Qt.TextFormat.PlainText
    assert not editor.ok_button.isEnabled()
    # OK through accept() is refused too.
    editor.accept()
    assert dlg.editor is editor and editor.isVisible()
    _type(qtbot, editor.target_edit, "@aplusk.bsky.social")
    assert editor.ok_button.isEnabled()
    assert not editor.problem_label.isVisible()
    assert editor.spec() == SourceSpec("bluesky", "aplusk.bsky.social")


def test_typing_a_whole_spec_picks_its_kind(qtbot, competitors):
    dlg = _dialog(qtbot, competitors, [])
    editor = _open_add(qtbot, dlg)
    qtbot.keyClicks(editor.target_edit, "mastodon:@Gargron@Mastodon.Social")
    assert editor.kind() == "mastodon"
    assert editor.target_edit.text() == "@Gargron@Mastodon.Social"
    _click_ok(qtbot, editor)
    assert dlg.sources()[0].spec == "mastodon:@Gargron@mastodon.social"  # canonical text


def test_choosing_another_competitor(qtbot, competitors):
    dlg = _dialog(qtbot, competitors, [])
    editor = _open_add(qtbot, dlg)
    assert editor.handle() == "aplusk"  # race order, by position
    assert editor.competitor_combo.itemText(1) == "CNN Breaking News (@cnnbrk)"
    editor.competitor_combo.setCurrentIndex(1)
    qtbot.keyClicks(editor.target_edit, "cnn.com")
    _click_ok(qtbot, editor)
    assert dlg.sources() == [SourceConfig("cnnbrk", "bluesky:cnn.com", 60.0, True, None, None)]


def test_warns_when_the_competitor_already_has_an_active_source(qtbot, competitors, sources):
    dlg = _dialog(qtbot, competitors, sources)
    editor = _open_add(qtbot, dlg)
    assert editor.handle() == "cnnbrk"
    assert not editor.warning_label.isVisible()  # cnnbrk's source is paused
    editor.competitor_combo.setCurrentIndex(editor.competitor_combo.findData("aplusk"))
    assert editor.warning_label.isVisible()
    assert editor.warning_label.text().startswith(
        "Ashton Kutcher already has an active source (bluesky:aplusk.bsky.social)."
    )
    # A warning, not a refusal.
    qtbot.keyClicks(editor.target_edit, "json:https://example.com/n.json#count")
    _click_ok(qtbot, editor)
    assert [s.handle for s in dlg.sources()] == ["aplusk", "cnnbrk", "aplusk"]
    assert dlg.sources()[2].spec == "json:https://example.com/n.json#count"


def test_youtube_without_a_key_warns(qtbot, competitors):
    dlg = _dialog(qtbot, competitors, [])
    editor = _open_add(qtbot, dlg)
    _choose_kind(editor, "youtube")
    assert "YouTube needs an API key" in editor.warning_label.text()
    editor.reject()
    qtbot.keyClicks(dlg.key_edits["youtube_key"], "AIza-key")
    editor = _open_add(qtbot, dlg)
    _choose_kind(editor, "youtube")
    assert not editor.warning_label.isVisible()


def test_file_kind_has_a_browse_button(monkeypatch, qtbot, competitors, tmp_path):
    chosen = str(tmp_path / "readings.csv")
    calls = []

    def fake_open(parent, caption, folder, filters, *args, **kwargs):
        calls.append(caption)
        return chosen, filters

    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(fake_open))
    dlg = _dialog(qtbot, competitors, [])
    editor = _open_add(qtbot, dlg)
    assert not editor.browse_button.isVisible()
    _choose_kind(editor, "file")
    assert editor.browse_button.isVisible()
    assert not editor.advanced_button.isVisible()  # a file has no base URL
    qtbot.mouseClick(editor.browse_button, Qt.MouseButton.LeftButton)
    assert calls == ["Follow a File"]
    assert editor.target_edit.text() == chosen
    assert editor.interval_spin.minimum() == 1
    _click_ok(qtbot, editor)
    assert dlg.sources()[0].spec == f"file:{chosen}"


def test_base_url_is_validated_and_stored(qtbot, competitors):
    dlg = _dialog(qtbot, competitors, [])
    editor = _open_add(qtbot, dlg)
    _choose_kind(editor, "github-stars")
    qtbot.keyClicks(editor.target_edit, "python/cpython")
    assert not editor.base_url_visible()
    qtbot.mouseClick(editor.advanced_button, Qt.MouseButton.LeftButton)
    assert editor.base_url_visible() and editor.base_url_edit.isVisible()
    qtbot.keyClicks(editor.base_url_edit, "ftp://example.com")
    assert editor.problem().startswith("The base URL must be http(s)://")
    assert not editor.ok_button.isEnabled()
    _type(qtbot, editor.base_url_edit, "https://github.example.com/api/v3/")
    _click_ok(qtbot, editor)
    assert dlg.sources()[0].base_url == "https://github.example.com/api/v3"


# -- editing ------------------------------------------------------------------


def test_edit_keeps_the_id_and_the_state(qtbot, competitors, sources):
    dlg = _dialog(qtbot, competitors, sources, {"8": "Paused by you"})
    dlg.table.selectRow(1)
    qtbot.mouseClick(dlg.edit_button, Qt.MouseButton.LeftButton)
    editor = dlg.editor
    assert editor is not None
    assert editor.windowTitle() == "Edit Source"
    assert editor.kind() == "github-stars"
    assert editor.target_edit.text() == "python/cpython"
    assert editor.interval_spin.value() == 300
    assert not editor.warning_label.isVisible()  # its own source does not count
    _type(qtbot, editor.target_edit, "python/mypy")
    _click_ok(qtbot, editor)
    assert dlg.sources()[1] == SourceConfig(
        "cnnbrk", "github-stars:python/mypy", 300.0, False, None, 8
    )
    assert dlg.sources()[0] == sources[0]
    assert _cell(dlg, 1, _STATUS) == "Changed: restarts when you press OK"


def test_double_click_edits(qtbot, competitors, sources):
    dlg = _dialog(qtbot, competitors, sources)
    rect = dlg.table.visualItemRect(dlg.table.item(0, _SOURCE))
    # A real double-click starts with a press; the view ignores a lone double-click event.
    qtbot.mouseClick(dlg.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(dlg.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    editor = dlg.editor
    assert editor is not None
    assert editor.target_edit.text() == "aplusk.bsky.social"
    editor.base_url_edit.setText("https://bsky.example.org")
    assert editor.advanced_button.text() == "Advanced (base URL set)"
    _click_ok(qtbot, editor)
    assert dlg.sources()[0].base_url == "https://bsky.example.org"
    assert dlg.sources()[0].id == 7


def test_cancelling_the_editor_changes_nothing(qtbot, competitors, sources):
    dlg = _dialog(qtbot, competitors, sources)
    dlg.table.selectRow(0)
    qtbot.mouseClick(dlg.edit_button, Qt.MouseButton.LeftButton)
    editor = dlg.editor
    assert editor is not None
    _type(qtbot, editor.target_edit, "someone.else.social")
    editor.reject()
    assert dlg.editor is None
    assert dlg.sources() == sources
    editor = _open_add(qtbot, dlg)
    editor.reject()
    assert dlg.sources() == sources


def test_an_interval_below_the_minimum_is_raised_and_says_so(qtbot, competitors):
    stored = [SourceConfig("aplusk", "github-followers:aplusk", 30.0, True, None, 3)]
    dlg = _dialog(qtbot, competitors, stored)
    dlg.table.selectRow(0)
    qtbot.mouseClick(dlg.edit_button, Qt.MouseButton.LeftButton)
    editor = dlg.editor
    assert editor is not None
    assert editor.interval_spin.value() == 120
    assert editor.interval_hint.text().startswith("Raised from 30 s: at least 2 min")
    _click_ok(qtbot, editor)
    assert dlg.sources()[0].interval_s == 120.0


def test_a_source_of_someone_not_in_the_race_still_shows(qtbot, competitors):
    stored = [SourceConfig("ghost", "bluesky:ghost.bsky.social", 60.0, True, None, 4)]
    dlg = _dialog(qtbot, competitors, stored)
    assert _cell(dlg, 0, _COMPETITOR) == "@ghost"
    dlg.table.selectRow(0)
    qtbot.mouseClick(dlg.edit_button, Qt.MouseButton.LeftButton)
    editor = dlg.editor
    assert editor is not None
    assert editor.handle() == "ghost"
    assert editor.competitor_combo.currentText() == "@ghost (not in the race)"


# -- keys ---------------------------------------------------------------------


def test_keys_are_password_fields_prefilled_from_settings(qtbot, competitors):
    settings.set_secret("github_token", "ghp_old")
    dlg = _dialog(qtbot, competitors, [])
    github = dlg.key_edits["github_token"]
    youtube = dlg.key_edits["youtube_key"]
    assert github.echoMode() == QLineEdit.EchoMode.Password
    assert youtube.echoMode() == QLineEdit.EchoMode.Password
    assert github.text() == "ghp_old"
    assert youtube.text() == ""
    assert github.isEnabled() and youtube.isEnabled()
    assert "never in the race file" in dlg.findChild(QLabel, "keysExplanation").text()


def test_changed_keys_are_saved_on_ok(qtbot, competitors):
    settings.set_secret("github_token", "ghp_old")
    dlg = _dialog(qtbot, competitors, [])
    dlg.key_edits["github_token"].clear()
    qtbot.keyClicks(dlg.key_edits["youtube_key"], "  AIza-new  ")
    assert settings.secret("youtube_key") == ""  # nothing is saved before OK
    qtbot.mouseClick(dlg.ok_button, Qt.MouseButton.LeftButton)
    assert dlg.result() == dlg.DialogCode.Accepted
    assert settings.secret("youtube_key") == "AIza-new"
    assert settings.secret("github_token") == ""
    assert sorted(dlg.changed_secrets()) == ["github_token", "youtube_key"]


def test_unchanged_keys_are_not_rewritten_and_cancel_saves_nothing(qtbot, competitors):
    settings.set_secret("github_token", "ghp_old")
    dlg = _dialog(qtbot, competitors, [])
    dlg.accept()
    assert dlg.changed_secrets() == []
    dlg = _dialog(qtbot, competitors, [])
    qtbot.keyClicks(dlg.key_edits["github_token"], "more")
    dlg.reject()
    assert settings.secret("github_token") == "ghp_old"


def test_a_key_from_the_environment_disables_the_field(monkeypatch, qtbot, competitors):
    monkeypatch.setenv("PHOTOFINISH_GITHUB_TOKEN", "ghp_env")
    settings.set_secret("github_token", "ghp_saved")
    dlg = _dialog(qtbot, competitors, [])
    github = dlg.key_edits["github_token"]
    assert not github.isEnabled()
    assert github.text() == ""  # the environment's token is never shown
    note = dlg.key_notes["github_token"]
    assert note.text() == "Using PHOTOFINISH_GITHUB_TOKEN from the environment"
    assert note.textFormat() == Qt.TextFormat.PlainText
    editor = _open_add(qtbot, dlg)
    _choose_kind(editor, "github-stars")
    assert editor.interval_spin.minimum() == 10
    editor.reject()
    dlg.accept()
    assert settings.secret("github_token") == "ghp_saved"  # left alone
    assert dlg.changed_secrets() == []


def test_the_second_variable_name_is_named_too(monkeypatch, qtbot, competitors):
    monkeypatch.setenv("YOUTUBE_API_KEY", "k")
    dlg = _dialog(qtbot, competitors, [])
    assert dlg.key_notes["youtube_key"].text() == "Using YOUTUBE_API_KEY from the environment"
    assert dlg.key_edits["github_token"].isEnabled()


# -- user text stays text -----------------------------------------------------


def test_markup_is_shown_literally(qtbot):
    hostile = [
        Competitor("x", "<b>x</b>", "#123456", 0, 1),
        Competitor("y", "<i>y</i>", "#654321", 1, 2),
    ]
    stored = [SourceConfig("x", "bluesky:x.bsky.social", 60.0, True, None, 1)]
    dlg = _dialog(qtbot, hostile, stored, {"1": "<b>boom</b>"})
    assert _cell(dlg, 0, _COMPETITOR) == "<b>x</b>"
    assert _cell(dlg, 0, _STATUS) == "<b>boom</b>"
    status_item = dlg.table.item(0, _STATUS)
    assert status_item is not None
    assert "&lt;b&gt;boom&lt;/b&gt;" in status_item.toolTip()
    dlg.table.selectRow(0)
    editor = _open_add(qtbot, dlg)
    editor.competitor_combo.setCurrentIndex(editor.competitor_combo.findData("x"))
    assert editor.competitor_combo.currentText() == "<b>x</b> (@x)"
    assert editor.warning_label.text().startswith("<b>x</b> already has")
    qtbot.keyClicks(editor.target_edit, "<b>x</b>")
    assert "'<b>x</b>'" in editor.problem_label.text()
    for widget in (dlg, editor):
        labels = widget.findChildren(QLabel)
        assert len(labels) >= 4
        for label in labels:
            if label.pixmap() is not None and not label.pixmap().isNull():
                continue
            assert label.textFormat() == Qt.TextFormat.PlainText, label.text()


def test_controls_have_tooltips(qtbot, competitors):
    dlg = _dialog(qtbot, competitors, [])
    editor = _open_add(qtbot, dlg)
    controls = [
        dlg.add_button,
        dlg.edit_button,
        dlg.pause_button,
        dlg.remove_button,
        dlg.table,
        *dlg.key_edits.values(),
        editor.competitor_combo,
        editor.kind_combo,
        editor.target_edit,
        editor.browse_button,
        editor.interval_spin,
        editor.advanced_button,
        editor.base_url_edit,
    ]
    for control in controls:
        assert control.toolTip(), control.objectName()


def test_renders_at_a_sensible_size(qtbot, competitors, sources, tmp_path):
    dlg = _dialog(qtbot, competitors, sources, {"7": "Read 1,000,000 at 12:00"})
    assert dlg.minimumWidth() <= 1280 and dlg.minimumHeight() <= 720
    assert dlg.width() <= 1280 and dlg.height() <= 720
    image = dlg.grab()
    assert image.width() >= 680
    assert image.save(str(tmp_path / "sources.png"))
    editor = _open_add(qtbot, dlg)
    assert editor.grab().save(str(tmp_path / "source_editor.png"))
