"""Sessions: open, Open Recent, drop, Save As, bad files, and reopening where you left off."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
import threading
import time
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QApplication, QMessageBox

from photofinish import settings
from photofinish.app import windows as app_module
from photofinish.core.model import Snapshot
from photofinish.core.store import Store
from tests.stored import stored

START_MS = 1239926400000  # 2009-04-17 00:00 UTC
END_MS = 1239940800000  # 2009-04-17 04:00 UTC


@pytest.fixture
def copies(tmp_path, sample_path):
    def make(name: str) -> Path:
        target = tmp_path / name
        shutil.copyfile(sample_path, target)
        return target

    return make


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def problem_boxes() -> list[QMessageBox]:
    return [
        w
        for w in QApplication.topLevelWidgets()
        if isinstance(w, QMessageBox) and w.objectName() == "openProblem" and w.isVisible()
    ]


def test_open_adds_to_recent_and_a_second_open_raises_the_same_window(qtbot, copies):
    a, b = copies("a.db"), copies("b.db")
    win_a = app_module.open_path(a)
    win_b = app_module.open_path(b)
    assert win_a is not None and win_b is not None and win_a is not win_b
    assert settings.recent_files()[:2] == [str(b.resolve()), str(a.resolve())]
    assert app_module.open_path(a) is win_a
    assert len(app_module.open_windows()) == 2


def test_recent_keeps_ten_and_prunes_missing_files_with_a_message(qtbot, copies, tmp_path):
    paths = [copies(f"r{i}.db") for i in range(12)]
    for p in paths:
        settings.add_recent(p)
    assert len(settings.recent_files()) == 10
    assert settings.recent_files()[0] == str(paths[-1].resolve())
    win = app_module.open_path(paths[-1])
    paths[-2].unlink()
    paths[-3].unlink()
    win.rebuild_recent_menu()
    shown = [a.data() for a in win.recent_menu.actions() if a.data()]
    assert str(paths[-2].resolve()) not in shown and str(paths[-3].resolve()) not in shown
    assert len(shown) == 8
    assert "r10.db" in win.statusBar().currentMessage()
    assert "r9.db" in win.statusBar().currentMessage()
    # Choosing an entry opens it.
    entry = next(a for a in win.recent_menu.actions() if a.data() == str(paths[2].resolve()))
    entry.trigger()
    assert app_module.window_for(paths[2]) is not None


def test_a_session_dropped_on_the_window_opens(qtbot, copies):
    a, b = copies("a.db"), copies("b.db")
    win = app_module.open_path(a)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(b))])
    event = QDropEvent(
        QPointF(200, 200),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    win.dropEvent(event)
    assert event.isAccepted()
    assert app_module.window_for(b) is None  # opened once the drop is over
    qtbot.waitUntil(lambda: app_module.window_for(b) is not None)


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"", "empty"),
        (b"timestamp,competitor,count\n", "not a SQLite database"),
        (b"SQLite format 3\x00" + b"\x00" * 200, "damaged"),
    ],
)
def test_bad_files_get_a_dialog_naming_the_file_and_are_not_changed(
    qtbot, tmp_path, content, problem
):
    bad = tmp_path / "bad.pfrace"
    bad.write_bytes(content)
    before = digest(bad)
    assert app_module.open_path(bad) is None
    boxes = problem_boxes()
    assert len(boxes) == 1
    assert str(bad) in boxes[0].text() and problem in boxes[0].text()
    assert boxes[0].textFormat() == Qt.TextFormat.PlainText
    assert digest(bad) == before


def test_newer_schema_and_damaged_pages_are_refused_unchanged(qtbot, copies):
    newer = copies("newer.db")
    conn = sqlite3.connect(newer)
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    before = digest(newer)
    assert app_module.open_path(newer) is None
    assert "newer Photo Finish" in problem_boxes()[0].text()
    assert digest(newer) == before

    damaged = copies("damaged.db")
    data = bytearray(damaged.read_bytes())
    page = 4096
    # Wipe the pages holding snapshots (the file's second half), leave the schema readable.
    for offset in range(len(data) // 2, len(data) - page, page):
        data[offset : offset + 100] = b"\xee" * 100
    damaged.write_bytes(bytes(data))
    before = digest(damaged)
    assert app_module.open_path(damaged) is None
    texts = [b.text() for b in problem_boxes()]
    assert any(str(damaged) in t and "damaged" in t for t in texts)
    assert digest(damaged) == before


def test_save_a_copy_during_concurrent_writes(qtbot, copies):
    path = copies("live.db")
    win = app_module.open_path(path)
    stop = threading.Event()
    committed = [0]
    errors: list[BaseException] = []

    def record() -> None:
        try:
            with Store.open(path) as writer:
                at = 1240000000000
                while not stop.is_set():
                    writer.append(
                        [Snapshot(at + i * 1000, "aplusk", 2_000_000 + i) for i in range(50)]
                    )
                    at += 50_000
                    committed[0] += 50
        except BaseException as exc:  # reported below
            errors.append(exc)

    thread = threading.Thread(target=record)
    thread.start()
    try:
        for k in range(3):
            deadline = time.monotonic() + 30
            while committed[0] < 500 * (k + 1) and not errors:
                assert time.monotonic() < deadline
                time.sleep(0.002)
            with stored(win.session) as store:
                before = store.snapshot_count()
            target = path.with_name(f"copy{k}.pfrace")
            assert win.copies.save_copy_to(target)
            with Store.open(target, read_only=True) as copy:
                assert copy.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
                assert copy.snapshot_count() >= before
                assert (copy.snapshot_count() - 2511) % 50 == 0
    finally:
        stop.set()
        thread.join()
    assert not errors, errors


def test_save_as_moves_the_window_to_the_copy_and_keeps_the_view(qtbot, copies):
    path = copies("orig.db")
    win = app_module.open_path(path)
    win.chart.show_range(START_MS, END_MS)
    win.log_check.setChecked(True)
    target = path.with_name("renamed.pfrace")
    assert win.copies.save_as(target)
    new = app_module.window_for(target)
    assert new is not None and new is not win
    assert new.session.path == target
    assert app_module.window_for(path) is None
    assert new.chart.log_y and not new.chart.following
    (x0, x1), _ = new.chart.getViewBox().viewRange()
    assert abs(x0 - START_MS / 1000) < 1 and abs(x1 - END_MS / 1000) < 1


def test_save_a_copy_over_the_open_file_is_refused(qtbot, copies, monkeypatch):
    path = copies("same.db")
    win = app_module.open_path(path)
    with stored(win.session) as store:
        before = store.snapshot_count()
    assert not win.copies.save_copy_to(path)
    box = next(b for b in win.findChildren(QMessageBox) if b.isVisible())
    assert "open session itself" in box.text()
    box.close()
    with stored(win.session) as store:
        assert store.snapshot_count() == before


def test_reopening_restores_the_view(qtbot, copies):
    path = copies("view.db")
    win = app_module.open_path(path)
    win.resize(1500, 850)
    win.chart.show_range(START_MS, END_MS)
    win.log_check.setChecked(True)
    win.log_panel.set_kinds({"note", "lead_change"})
    win.log_panel.search.setText("lead")
    win.split.setSizes([1000, 500])
    win.plots.setSizes([500, 250])
    sizes_main, sizes_plots = win.split.sizes(), win.plots.sizes()
    win.close()
    QApplication.processEvents()

    again = app_module.open_path(path)
    assert again is not win
    assert again.size().width() == 1500 and again.size().height() == 850
    assert again.chart.log_y and again.log_check.isChecked()
    assert not again.chart.following
    (x0, x1), _ = again.chart.getViewBox().viewRange()
    assert abs(x0 - START_MS / 1000) < 1 and abs(x1 - END_MS / 1000) < 1
    assert again.log_panel.shown_kinds() == {"note", "lead_change"}
    assert again.log_panel.search.text() == "lead"
    assert again.split.sizes() == sizes_main
    assert again.plots.sizes() == sizes_plots
    again.close()
    QApplication.processEvents()


def test_reopening_a_live_following_view_follows(qtbot, copies):
    path = copies("follow.db")
    win = app_module.open_path(path)
    win.chart.show_range(START_MS, END_MS)
    win.chart.back_to_live()
    win.close()
    QApplication.processEvents()
    again = app_module.open_path(path)
    assert again.chart.following
    assert not again.live_button.isVisibleTo(again)


def test_a_damaged_saved_view_is_ignored(qtbot, copies):
    path = copies("badview.db")
    with Store.open(path) as store:
        store.set_view_state({"follow": "0", "x_range": "nonsense", "split_main": "a,b"})
    win = app_module.open_path(path)
    assert win is not None
    assert win.chart.following


def test_bad_file_from_the_command_line_window_path_is_one_line(qtbot, tmp_path):
    bad = tmp_path / "x.pfrace"
    bad.write_text("hello")
    with pytest.raises(Exception, match="not a SQLite database"):
        app_module.open_window(bad)
    assert QPoint(0, 0).isNull()


def test_a_writable_file_opened_read_only_on_purpose_shows_no_banner(qtbot, copies):
    """The headless screenshot opens files read-only; its picture must not claim they are."""
    from photofinish.session import Session
    from photofinish.ui.window.main_window import MainWindow

    path = copies("pic.db")
    store = Store.open(path, read_only=True)
    win = MainWindow(Session(store), restore=False)
    qtbot.addWidget(win)
    assert win.session.read_only
    assert not win.banner.isVisibleTo(win)
    assert "read-only" not in win.status_left.text()
    assert not win.add_note_action.isEnabled()
    win.close()
