"""Several processes on one session: a recorder and an import write, windows read and write.

No "database is locked" may reach anybody: not the window (a notice, the
status bar, an exception in a slot, which pytest-qt turns into a failure), not
the recorder (a "paused" line) and not the import (its exit status and stderr).
"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

from photofinish.core.store import Store
from photofinish.session import Session
from photofinish.ui.dialogs.notice import open_notices
from tests.reliability.support import EXE, Feeds, Recorder, new_race


def _write_csv(path: Path, rows: int) -> None:
    with path.open("w") as fh:
        fh.write("timestamp,competitor,count\n")
        for i in range(rows):
            fh.write(f"{1_600_000_000 + i},carol,{5_000 + i}\n")


def test_a_recorder_an_import_and_two_windows_share_one_file(qtbot, tmp_path):
    from photofinish.ui.window.main_window import MainWindow

    path = tmp_path / "shared.pfrace"
    new_race(path, "Shared")
    big = tmp_path / "carol.csv"
    _write_csv(big, 150_000)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")

    store = Store.open(path)
    writer_window = MainWindow(Session(store), replay=False, restore=False)
    viewer_store = Store.open(path, read_only=True)
    viewer = MainWindow(Session(viewer_store), replay=False, restore=False)
    for w in (writer_window, viewer):
        qtbot.addWidget(w)
        w.show()
    said: list[str] = []
    for w in (writer_window, viewer):
        w.statusBar().messageChanged.connect(said.append)

    with Feeds(tmp_path, pause_s=0.002) as feeds, Recorder(path, feeds) as recorder:
        recorder.wait_for("stored")
        importer = subprocess.Popen(
            [str(EXE), "import", str(path), str(big)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        deadline = time.monotonic() + 30
        # Meanwhile the window writes notes and both windows look for new readings.
        notes = 0
        while importer.poll() is None or notes < 20:
            writer_window.session.add_note(1_600_000_000_000 + notes, f"note {notes}")
            notes += 1
            for w in (writer_window, viewer):
                w.session.check_file()
            qtbot.wait(30)
            assert time.monotonic() < deadline + 120, "the import did not finish"
        imported_out, imported_err = importer.communicate(timeout=60)
        time.sleep(0.5)
        recorder_err = recorder.finish()

    assert importer.returncode == 0, imported_err
    assert "locked" not in imported_err.lower()
    assert "Imported 150,000 snapshots" in imported_out
    assert recorder.proc.returncode == 0, recorder_err
    out = recorder.lines
    assert not [line for line in out if "  paused  " in line], out
    assert "locked" not in recorder_err.lower()
    assert not [s for s in said if "locked" in s.lower() or "paused" in s.lower()], said
    assert not open_notices()
    # Every write landed: the recorder's readings, the import and the notes.
    with Store.open(path, read_only=True) as check:
        assert (
            check.snapshot_count()
            - sum(1 for _ in check.snapshots("alice"))
            - sum(1 for _ in check.snapshots("bob"))
            == 150_000
        )
        stored_alice = {s.count for s in check.snapshots("alice")}
        texts = {e.text for e in check.events() if e.kind == "note"}
    printed = {
        int(line.split("  ")[3]) for line in out if "  stored  " in line and "  alice  " in line
    }
    assert printed and printed <= stored_alice
    assert {f"note {i}" for i in range(notes)} <= texts
    writer_window.live.stop()
    viewer.live.stop()
    writer_window.close()
    viewer.close()
    writer_window.session.stop_watching()
    viewer.session.stop_watching()
    store.close()
    viewer_store.close()
