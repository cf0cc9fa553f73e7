"""File > New Race and Race > Edit Race, driven through their dialogs."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication, QFileDialog, QLineEdit, QToolButton

from photofinish.app import windows as app_module
from photofinish.core.store import Store
from photofinish.ui import theme
from tests.stored import stored


def fill_new_race(dialog, qtbot) -> None:
    dialog.title_edit.clear()
    qtbot.keyClicks(dialog.title_edit, "Bluesky <b>showdown</b>")
    dialog.milestone_spin.setValue(250_000)
    dialog.platform_combo.setCurrentText("Bluesky")
    dialog.zone_combo.setCurrentText("Europe/Paris")
    qtbot.keyClicks(dialog.findChild(QLineEdit, "handleEdit1"), "@alice.bsky.social")
    qtbot.keyClicks(dialog.findChild(QLineEdit, "nameEdit1"), "Alice")
    qtbot.keyClicks(dialog.findChild(QLineEdit, "handleEdit2"), "bob.bsky.social")


def test_new_race_creates_the_file_where_asked_and_opens_it(qtbot, tmp_path, monkeypatch):
    target = tmp_path / "showdown"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), "sessions"))
    dialog = app_module.new_race_dialog(None)
    qtbot.addWidget(dialog)
    assert not dialog.ok_button.isEnabled()
    fill_new_race(dialog, qtbot)
    assert dialog.ok_button.isEnabled(), dialog.problem()
    dialog.ok_button.click()

    created = target.with_suffix(".pfrace")
    assert created.is_file()
    window = app_module.window_for(created)
    assert window is not None
    assert window.windowTitle() == "Photo Finish — Bluesky <b>showdown</b>"
    with Store.open(created, read_only=True) as store:
        race = store.race()
        assert (race.title, race.milestone, race.platform, race.display_tz) == (
            "Bluesky <b>showdown</b>",
            250_000,
            "Bluesky",
            "Europe/Paris",
        )
        comps = store.competitors()
        assert [(c.handle, c.name, c.position) for c in comps] == [
            ("alice.bsky.social", "Alice", 0),
            ("bob.bsky.social", "bob.bsky.social", 1),
        ]
        assert comps[0].colour.lower() != comps[1].colour.lower()


def test_new_race_cancelled_at_the_file_dialog_writes_nothing(qtbot, tmp_path, monkeypatch):
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: ("", ""))
    dialog = app_module.new_race_dialog(None)
    qtbot.addWidget(dialog)
    fill_new_race(dialog, qtbot)
    dialog.ok_button.click()
    assert list(tmp_path.iterdir()) == []
    assert app_module.open_windows() == []


def test_edit_race_stores_at_once_redraws_and_undoes(qtbot, window, monkeypatch):
    from PySide6.QtGui import QColor
    from PySide6.QtWidgets import QColorDialog

    session = window.session
    dialog = window.edits.edit_race()
    qtbot.addWidget(dialog)
    assert dialog.findChild(QLineEdit, "handleEdit1").isReadOnly()
    dialog.title_edit.setText("Kutcher v CNN, the rematch")
    dialog.milestone_spin.setValue(1_010_000)
    dialog.zone_combo.setCurrentText("Europe/London")
    name = dialog.findChild(QLineEdit, "nameEdit1")
    name.setText("Ashton")
    monkeypatch.setattr(QColorDialog, "getColor", lambda *a, **k: QColor("#009e73"))
    dialog.findChild(QToolButton, "colourButton1").click()
    dialog.ok_button.click()

    with stored(session) as store:
        race, comps = store.race(), store.competitors()
    assert (race.title, race.milestone, race.display_tz) == (
        "Kutcher v CNN, the rematch",
        1_010_000,
        "Europe/London",
    )
    ashton = comps[0]
    assert (ashton.name, ashton.colour.lower()) == ("Ashton", "#009e73")
    # Everything redraws: title, scoreboard, legend, axis zone, derived events, status.
    assert window.windowTitle() == "Photo Finish — Kutcher v CNN, the rematch"
    assert window.scoreboard.cards[0].name.text() == "Ashton"
    card = window.scoreboard.cards[0]
    assert "#009e73" in card.styleSheet().lower()  # the accent as chosen
    readable = theme.readable("#009e73", theme.current().card_bg)  # the name, darkened to read
    assert readable in card.name.styleSheet().lower()
    legend = [label.text for _, label in window.chart.legend.items]
    assert any("Ashton (@aplusk)" in text for text in legend)
    assert window.chart.curves["aplusk"].opts["pen"].color().name() == "#009e73"
    assert str(window.chart.axis.zone) == "Europe/London"
    assert "Europe/London" in window.zone_label.text()
    assert window.chart.milestone_line.value() == 1_010_000
    assert any("Ashton reaches 1,010,000" in e.text for e in session.events)
    assert not any("reaches 1,000,000" in e.text for e in session.events)

    window.undo_stack.undo()
    with stored(session) as store:
        race, comps = store.race(), store.competitors()
    assert (race.title, race.milestone, race.display_tz) == (
        "Kutcher vs CNN: the race to a million followers (April 2009)",
        1_000_000,
        "America/Los_Angeles",
    )
    assert window.windowTitle().startswith("Photo Finish — Kutcher vs CNN: the race")
    assert comps[0].name == "Ashton Kutcher"
    assert window.scoreboard.cards[0].name.text() == "Ashton Kutcher"
    assert any("Ashton Kutcher reaches 1,000,000" in e.text for e in session.events)


def test_create_watch_note_close_and_reopen_from_recent(qtbot, tmp_path, monkeypatch, sample_path):
    """The whole story: nothing the user did is lost between two runs."""
    import shutil

    from photofinish.core.model import Competitor, Race, Snapshot

    target = tmp_path / "evening.pfrace"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    race = Race("Evening race", 1_000, "bluesky", "Europe/Paris")
    window = app_module.create_race_file(
        race, [Competitor("a", "Alice", "#D55E00"), Competitor("b", "Bob", "#0072B2")]
    )
    assert window is not None
    t0 = 1_700_000_000_000
    window.session.append(
        [
            Snapshot(t0 + i * 60_000, h, 800 + i * (3 if h == "a" else 2))
            for i in range(60)
            for h in "ab"
        ]
    )
    dialog = window.edits.add_note(t0 + 30 * 60_000)
    dialog.text.setPlainText("Alice's fans wake up")
    dialog.accept()
    window.log_check.setChecked(True)
    window.chart.show_range(t0 + 10 * 60_000, t0 + 40 * 60_000)
    window.close()
    QApplication.processEvents()
    assert app_module.window_for(target) is None

    other = tmp_path / "other.db"
    shutil.copyfile(sample_path, other)
    host = app_module.open_path(other)
    host.rebuild_recent_menu()
    entry = next(a for a in host.recent_menu.actions() if a.data() == str(target.resolve()))
    entry.trigger()
    again = app_module.window_for(target)
    assert again is not None
    assert any(e.text == "Alice's fans wake up" for e in again.session.events)
    assert again.chart.log_y and not again.chart.following
    (x0, x1), _ = again.chart.getViewBox().viewRange()
    assert abs(x0 * 1000 - (t0 + 10 * 60_000)) < 1000 and abs(x1 * 1000 - (t0 + 40 * 60_000)) < 1000
    assert sum(len(s) for s in again.session.series.values()) == 120


def test_a_new_star_race_opens_following_both_repositories_with_their_history(
    qtbot, tmp_path, monkeypatch, services
):
    """File ▸ New Race with two GitHub links: looked up, created, followed, history loaded."""
    from photofinish.core.live import specs

    monkeypatch.setitem(specs.DEFAULT_BASES, "github-stars", services.base_url)
    sunday = 1_788_048_000
    for repo in ("octo-org/atlas", "octo-org/beacon"):
        services.history[repo] = [
            {"week": sunday - i * 7 * 86_400, "total": 7, "days": [1] * 7} for i in range(10)
        ]
    services.count, services.step = 70, 0  # both have 70 stars, the sum of their days
    target = tmp_path / "stars.pfrace"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    dialog = app_module.new_race_dialog(None)
    qtbot.addWidget(dialog)
    dialog.title_edit.setText("Stars")
    dialog._rows[0].handle.insert("https://github.com/octo-org/atlas")
    dialog._rows[1].handle.insert("https://github.com/octo-org/beacon")
    qtbot.waitUntil(dialog.ok_button.isEnabled, timeout=10_000)
    dialog.ok_button.click()
    window = app_module.window_for(target)
    assert window is not None
    qtbot.waitUntil(
        lambda: all(
            len(window.session.series[r]) >= 71 for r in ("octo-org/atlas", "octo-org/beacon")
        ),
        timeout=15_000,
    )
    with Store.open(target, read_only=True) as store:
        sources = {s.source for s in store.snapshots("octo-org/atlas")}
        assert [s.spec for s in store.sources()] == [
            "github-stars:octo-org/atlas",
            "github-stars:octo-org/beacon",
        ]
    assert {"history", "github-stars:octo-org/atlas"} <= sources
    window.close()
