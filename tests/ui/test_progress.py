"""Long work in the window shows progress and can be cancelled: jobs, importing, opening.

Slowness is made, not waited for: the jobs' clock (``gui.ui.progress.clock``)
is a fake that moves on only when a step says so, so whether a dialog shows
never depends on the machine's speed.
"""

from __future__ import annotations

import logging
import shutil
import sqlite3
from functools import partial

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QLabel, QProgressDialog, QPushButton

from photofinish.app import windows as app_module
from photofinish.core.analysis.race import fingerprint
from photofinish.core.jobs import imports as import_job
from photofinish.core.model import Competitor, Race, Snapshot
from photofinish.core.store import Store
from photofinish.ui import progress
from photofinish.ui.progress import StepJob
from tests.stored import query, stored


class FakeClock:
    """Time that passes only when told to."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch) -> FakeClock:
    fake = FakeClock()
    monkeypatch.setattr(progress, "clock", fake)
    return fake


def job_steps(clock: FakeClock, total: int, seconds_each: float, ended: list[str]):
    try:
        for done in range(total):
            clock.now += seconds_each
            yield done, total
    except GeneratorExit:
        ended.append("closed")
        raise
    ended.append("finished")
    return "result"


def cancel_button(dialog: QProgressDialog) -> QPushButton:
    button = dialog.findChild(QPushButton)
    assert button is not None and button.text() == "Cancel"
    return button


# -- the job and its dialog ------------------------------------------------------------------
def test_a_slow_job_shows_its_dialog_and_names_what_it_does(qtbot, window, clock):
    ended: list[str] = []
    job = StepJob(window, "Export", "Writing x.csv", "rows", job_steps(clock, 10, 0.2, ended))
    dialog = job.dialog
    seen: list[tuple[bool, str]] = []
    job.finished.connect(lambda _: None)
    timer = QTimer()
    timer.timeout.connect(lambda: seen.append((dialog.isVisible(), dialog.labelText())))
    timer.start(0)
    with qtbot.waitSignal(job.finished, timeout=10_000) as blocker:
        job.start()
    timer.stop()
    assert blocker.args == ["result"] and ended == ["finished"]
    assert job.shown
    shown = [text for visible, text in seen if visible]
    assert shown, "the dialog never showed while the job ran"
    assert any(text.startswith("Writing x.csv: ") and "of 10 rows" in text for text in shown)
    assert dialog.windowModality() == Qt.WindowModality.WindowModal
    assert dialog.findChild(QLabel).textFormat() == Qt.TextFormat.PlainText


def test_a_quick_job_never_shows_its_dialog(qtbot, window, clock):
    ended: list[str] = []
    job = StepJob(window, "Export", "Writing x.csv", "rows", job_steps(clock, 500, 0.0, ended))
    with qtbot.waitSignal(job.finished, timeout=10_000):
        job.start()
    assert ended == ["finished"] and not job.shown


def test_a_job_that_looks_long_shows_its_dialog_before_half_a_second(qtbot, window, clock):
    # A tenth of the job took 0.15 s: the whole will take 1.5 s, so the dialog shows now.
    ended: list[str] = []
    job = StepJob(window, "Export", "Writing", "rows", job_steps(clock, 10, 0.15, ended))
    shown_at: list[float] = []
    original = job.dialog.show

    def show() -> None:
        shown_at.append(clock.now - 1000.0)
        original()

    job.dialog.show = show  # type: ignore[method-assign]
    with qtbot.waitSignal(job.finished, timeout=10_000):
        job.start()
    assert shown_at and shown_at[0] < progress.SHOW_AFTER_S


def test_cancel_closes_the_job(qtbot, window, clock):
    ended: list[str] = []
    job = StepJob(window, "Export", "Writing", "rows", job_steps(clock, 1000, 0.2, ended))
    job.start()
    qtbot.waitUntil(lambda: job.shown, timeout=10_000)
    with qtbot.waitSignal(job.cancelled, timeout=10_000):
        cancel_button(job.dialog).click()
    assert ended == ["closed"] and job.was_cancelled and job.done


def test_wait_runs_a_quick_job_straight_through(qtbot, clock):
    ran: list[str] = []
    QTimer.singleShot(0, lambda: ran.append("event"))
    ended: list[str] = []
    job = StepJob(None, "Open", "Opening", "steps", job_steps(clock, 50, 0.001, ended))
    assert job.wait() == "result"
    assert ended == ["finished"] and not job.shown
    assert ran == []  # no event was let in: as quick as a plain call
    qtbot.waitUntil(lambda: ran == ["event"])


def test_wait_turns_to_the_event_loop_and_the_dialog_for_a_slow_job(qtbot, clock):
    ran: list[str] = []
    QTimer.singleShot(0, lambda: ran.append("event"))
    ended: list[str] = []
    job = StepJob(None, "Open", "Opening", "steps", job_steps(clock, 20, 0.2, ended))
    assert job.dialog.windowModality() == Qt.WindowModality.ApplicationModal
    assert job.wait() == "result"
    assert ended == ["finished"] and job.shown
    assert ran == ["event"]  # the windows went on painting and answering meanwhile


def test_a_failing_job_says_why(qtbot, window, clock):
    def broken():
        yield 0, 2
        raise OSError(28, "No space left on device", "/x/out.csv")

    job = StepJob(window, "Export", "Writing", "rows", broken())
    with qtbot.waitSignal(job.failed, timeout=10_000) as blocker:
        job.start()
    assert blocker.args == ["/x/out.csv: No space left on device"]
    assert isinstance(job.error, OSError)


# -- importing in the window -------------------------------------------------------------
ROWS, BATCH = 1_000, 20  # fifty batches


class Batches(list):
    """The readings added by each batch an import stored; ``then`` runs after the n-th."""

    def __init__(self) -> None:
        super().__init__()
        self.then: dict[int, object] = {}


@pytest.fixture
def small_batches(monkeypatch, clock) -> Batches:
    """Imports store batches of about BATCH rows, each taking a fifth of a second."""
    monkeypatch.setattr(import_job, "IMPORT_BATCH", BATCH)
    # The reader cuts batches between chunks of the file: small chunks, small batches.
    monkeypatch.setattr(
        import_job, "read_batches", partial(import_job.read_batches, chunk_chars=64)
    )
    real = Store.insert_rows
    stored = Batches()

    def store_rows(store, rows, packed=None):
        clock.now += 0.2
        added = real(store, rows, packed)
        stored.append(added)
        action = stored.then.get(len(stored))
        if action is not None:
            QTimer.singleShot(0, action)  # once this slice of the job is over
        return added

    monkeypatch.setattr(Store, "insert_rows", store_rows)
    return stored


@pytest.fixture
def shown(monkeypatch) -> list[tuple[str, str]]:
    messages: list[tuple[str, str]] = []
    monkeypatch.setattr(
        "photofinish.ui.window.imports.notice",
        lambda parent, title, text, **kw: messages.append((title, text)),
    )
    return messages


def readings_csv(path, rows: int = ROWS):
    with path.open("w") as fh:
        fh.write("timestamp,competitor,count\n")
        for i in range(rows):
            fh.write(f"{1_239_800_000 + 60 * i},newcomer,{1000 + i}\n")
    return path


COUNT_NEWCOMER = (
    "SELECT count(*) FROM snapshots s JOIN competitors c ON c.id = s.competitor_id"
    " WHERE c.handle = 'newcomer'"
)


def stored_from(window) -> int:
    return int(query(window.session, COUNT_NEWCOMER)[0][0])


def stored_from_file(path) -> int:
    with Store.open(path, read_only=True) as store:
        return int(store.db.execute(COUNT_NEWCOMER).fetchone()[0])


def test_a_cancelled_import_keeps_whole_batches_and_says_so(
    qtbot, window, small_batches, shown, tmp_path
):
    csv = readings_csv(tmp_path / "readings.csv")
    job = window.imports.import_file(csv)
    assert job is not None and job.dialog.labelText().startswith("Importing readings.csv")
    labels: list[str] = []

    def click_cancel() -> None:
        labels.append(job.dialog.labelText())
        cancel_button(job.dialog).click()

    small_batches.then[3] = click_cancel  # the user clicks Cancel as the third batch is stored
    with qtbot.waitSignal(job.cancelled, timeout=10_000):
        pass
    assert job.shown and labels and "kB read" in labels[0]
    kept = sum(small_batches)
    assert len(small_batches) == 3 and min(small_batches) >= BATCH and kept < ROWS
    assert stored_from(window) == kept  # the three batches stored, nothing of a fourth
    assert stored_from(window) == kept
    # The window shows what was stored, and says what to do about the rest.
    assert window.session.series["newcomer"].at_ms.size == kept
    assert [title for title, _ in shown] == ["Import cancelled"]
    text = shown[0][1]
    assert "The import of readings.csv was cancelled" in text
    assert f"{kept:,} readings" in text and "Import the same file again to add the rest" in text
    assert "cancelled" in window.statusBar().currentMessage()
    # Importing it again adds the rest, nothing twice.
    report = window.imports.import_file(csv).wait()
    assert report.imported == ROWS - kept and report.duplicates == kept
    assert stored_from(window) == ROWS
    assert window.session.unfinished_imports() == []
    assert shown[-1][0] == "Import finished"


def test_an_import_cancelled_before_it_began_stored_nothing(
    qtbot, window, small_batches, shown, tmp_path
):
    job = window.imports.import_file(readings_csv(tmp_path / "readings.csv"))
    with qtbot.waitSignal(job.cancelled, timeout=10_000):
        job.cancel()
    assert small_batches == [] and stored_from(window) == 0
    assert shown == [("Import cancelled", shown[0][1])]
    assert "Nothing from it was stored." in shown[0][1]


def test_a_finished_import_reports_and_shows_everything(
    qtbot, window, small_batches, shown, tmp_path
):
    job = window.imports.import_file(readings_csv(tmp_path / "readings.csv"))
    with qtbot.waitSignal(job.finished, timeout=30_000) as blocker:
        pass
    report = blocker.args[0]
    assert report.imported == ROWS and len(small_batches) >= ROWS // (2 * BATCH)
    assert window.session.series["newcomer"].at_ms.size == ROWS
    assert shown[0][0] == "Import finished" and f"Imported {ROWS:,} snapshots" in shown[0][1]
    assert "newcomer" in window.session.complete_analysis().stats


def test_one_import_at_a_time(qtbot, window, small_batches, shown, tmp_path):
    csv = readings_csv(tmp_path / "readings.csv")
    job = window.imports.import_file(csv)
    assert window.imports.import_file(csv) is None
    assert "under way" in window.statusBar().currentMessage()
    job.wait()


def test_a_file_that_cannot_be_imported_is_refused_with_nothing_stored(
    qtbot, window, shown, tmp_path
):
    bad = tmp_path / "picture.csv"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00binary")
    assert window.imports.import_file(bad).wait() is None
    assert shown[0][0] == "Could not import" and "Nothing was imported." in shown[0][1]


def test_closing_the_window_mid_import_stops_it_quietly(
    qtbot, window, small_batches, shown, tmp_path
):
    csv = readings_csv(tmp_path / "readings.csv")
    store_path = window.session.path
    job = window.imports.import_file(csv)
    small_batches.then[2] = window.close
    with qtbot.waitSignal(job.cancelled, timeout=10_000):
        pass
    assert shown == []  # no message on a closing window
    kept = sum(small_batches)
    assert len(small_batches) == 2 and stored_from_file(store_path) == kept
    with Store.open(store_path, read_only=True) as store:
        (unfinished,) = store.unfinished_imports()
        assert unfinished["readings"] == kept


# -- opening a session ----------------------------------------------------------------------
def unsettled_race(path):
    """A session file never opened in a window: its analysis is not stored yet."""
    comps = [Competitor("a", "A", ""), Competitor("b", "B", "")]
    store = Store.create(path, Race("Slow", 10_000), comps)
    start = 1_700_000_000_000
    store.append([Snapshot(start + i * 60_000, h, 100 + i) for i in range(50) for h in ("a", "b")])
    store.close()
    return path


@pytest.fixture
def slow_loading(monkeypatch, clock) -> FakeClock:
    """Loading each competitor's readings takes a second."""
    real = Store.series

    def series(self, handle):
        clock.now += 1.0
        return real(self, handle)

    monkeypatch.setattr(Store, "series", series)
    return clock


def open_dialog() -> QProgressDialog | None:
    for widget in QApplication.topLevelWidgets():
        if isinstance(widget, QProgressDialog) and widget.objectName() == "openProgress":
            if widget.isVisible():
                return widget
    return None


def test_a_slow_open_shows_progress_then_the_window(qtbot, slow_loading, tmp_path):
    path = unsettled_race(tmp_path / "slow.pfrace")
    labels: list[str] = []

    def look() -> None:
        dialog = open_dialog()
        if dialog is not None:
            labels.append(dialog.labelText())

    timer = QTimer()
    timer.timeout.connect(look)
    timer.start(0)
    window = app_module.open_window(path, restore=False)
    timer.stop()
    assert window is not None and window.isVisible()
    assert any(text.startswith("Opening slow.pfrace\n") for text in labels)
    assert any("Loading the readings of B" in text for text in labels)
    assert open_dialog() is None  # gone once the window is there
    with stored(window.session) as store:
        assert store.settled(fingerprint(store.race(), store.competitors())) is not None


def test_cancelling_a_slow_open_leaves_no_window_and_the_file_as_it_was(
    qtbot, slow_loading, tmp_path, monkeypatch, caplog
):
    path = unsettled_race(tmp_path / "slow.pfrace")
    before = path.read_bytes()
    stores: list[Store] = []
    real_open = Store.open.__func__

    def spy_open(cls, *args, **kwargs):
        stores.append(real_open(cls, *args, **kwargs))
        return stores[-1]

    monkeypatch.setattr(Store, "open", classmethod(spy_open))

    def click_cancel() -> None:
        dialog = open_dialog()
        if dialog is None:
            QTimer.singleShot(0, click_cancel)
        else:
            cancel_button(dialog).click()

    QTimer.singleShot(0, click_cancel)  # runs once the open lets events in: the dialog is up
    caplog.set_level(logging.INFO, logger="photofinish.ui.progress")
    assert app_module.open_window(path) is None
    assert app_module.open_windows() == [] and app_module.window_for(path) is None
    assert open_dialog() is None
    (store,) = stores
    with pytest.raises(sqlite3.ProgrammingError):  # closed
        store.db.conn.execute("SELECT 1")
    assert path.read_bytes() == before  # not even the analysis was stored
    assert not path.with_name(path.name + "-wal").exists()
    assert f"Opening {path} cancelled" in caplog.text
    # Opening it again works.
    assert app_module.open_window(path, restore=False) is not None


def test_a_small_file_opens_straight_through_without_a_dialog(qtbot, clock, tmp_path, sample_path):
    copy = tmp_path / "race.db"
    shutil.copyfile(sample_path, copy)
    ran: list[str] = []
    QTimer.singleShot(0, lambda: ran.append("event"))
    window = app_module.open_window(copy, restore=False)
    assert window is not None
    assert ran == []  # no event loop turned, no dialog: just as before
    assert open_dialog() is None


def test_a_bad_file_is_still_refused_with_its_reason(qtbot, tmp_path):
    from photofinish.core.errors import SessionFileError

    bad = tmp_path / "notes.pfrace"
    bad.write_text("not a session")
    with pytest.raises(SessionFileError, match="not a SQLite database"):
        app_module.open_window(bad)
    assert app_module.open_windows() == []


def test_clip_export_is_heard_while_the_race_loads(qtbot, sample_path, tmp_path):
    """The clip reads the race a competitor at a time, so the dialog and Cancel get a turn."""
    from photofinish.ui.figures.clip import clip_steps

    out = tmp_path / "clip.gif"
    steps = clip_steps(sample_path, out, (480, 270), 2.0, 4)
    loading = [next(steps) for _ in range(4)]  # three competitors and the analysis
    assert all(done == 0 for done, _ in loading)
    steps.close()  # a Cancel while loading
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []
