"""Readings inserted, deleted and changed by another program: everyone shows a fresh analysis.

The edits (tests/edits_behind.py) are made with plain sqlite3 from another
process while a window, a session or a recorder has the file open, or before
the command line reads it. Each must then show what an analysis of the rows
from scratch shows: a new glitch and five lead changes instead of three.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from photofinish.core.model import BY_AUTO
from photofinish.core.store import Store
from photofinish.session import Session
from tests.edits_behind import (
    SHIFT_FROM_MS,
    edit_behind,
    from_scratch,
    glitches_of,
    stored_auto_glitches,
    stored_lead_changes,
)

EXE = Path(sys.executable).parent / "photofinish"


@pytest.fixture
def race(tmp_path, sample_path) -> Path:
    copy = tmp_path / "race.pfrace"
    shutil.copyfile(sample_path, copy)
    return copy


def changes_of(result) -> list[tuple[int, str]]:
    return [(c.at_ms, c.leader) for c in result.lead_changes]


def auto_glitches_of(result) -> set[tuple[str, int, int]]:
    return {(g.handle, g.at_ms, g.count) for g in result.glitches if g.by == BY_AUTO}


def test_the_edits_change_what_a_fresh_analysis_finds(race):
    before = from_scratch(race)
    edit_behind(race)
    after = from_scratch(race)
    assert len(before.lead_changes) == 3 and len(after.lead_changes) == 5
    assert [c.leader for c in after.lead_changes[3:]] == ["cnnbrk", "aplusk"]
    assert after.lead_changes[3].at_ms >= SHIFT_FROM_MS
    new = glitches_of(after) - glitches_of(before)
    assert [(h, c) for h, _, c in new] == [("aplusk", 0)]


@pytest.mark.parametrize("read_only", [False, True])
def test_an_open_session_sees_the_edits_when_it_looks_at_the_file(race, read_only):
    with Store.open(race, read_only=read_only) as store:
        session = Session(store)
        assert len(session.analysis.lead_changes) == 3
        edit_behind(race)
        assert session.check_file()
        expected = from_scratch(race)
        assert changes_of(session.analysis) == changes_of(expected)
        assert glitches_of(session.analysis) == glitches_of(expected)
        assert [e.text for e in session.analysis.events] == [e.text for e in expected.events]
        session.stop_watching()
    if not read_only:  # what it stored is what the next reader builds on
        assert stored_lead_changes(race) == changes_of(expected)
        assert stored_auto_glitches(race) == auto_glitches_of(expected)


def test_a_running_window_shows_the_edits(qtbot, tmp_path, sample_path):
    from photofinish.ui.window.main_window import MainWindow

    copy = tmp_path / "race.pfrace"
    shutil.copyfile(sample_path, copy)
    store = Store.open(copy)
    window = MainWindow(Session(store), replay=False, restore=False)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)

    def leads_in_log() -> list[str]:
        view = window.log_panel.proxy
        rows = [str(view.index(r, 2).data()) for r in range(view.rowCount())]
        return [text for text in rows if "takes the lead" in text]

    assert len(leads_in_log()) == 3
    edit_behind(copy)
    # The window looks at the file on its own every 1.5 s.
    qtbot.waitUntil(lambda: len(leads_in_log()) == 5, timeout=10_000)
    expected = from_scratch(copy)
    assert leads_in_log() == [e.text for e in expected.events if e.kind == "lead_change"]
    window.close()
    store.close()


def test_the_command_line_reads_the_edits(race):
    def summary() -> dict:
        done = subprocess.run(
            [str(EXE), "summary", "--json", str(race)],
            capture_output=True,
            text=True,
            timeout=60,
            env=dict(os.environ, QT_QPA_PLATFORM="offscreen"),
        )
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    assert len(summary()["lead_changes"]) == 3  # the analysis is stored on the way
    # Each kind of edit on its own, so that each must move the stored analysis back.
    edit_behind(race, "update")
    got = summary()
    assert [c["leader"] for c in got["lead_changes"]][3:] == ["cnnbrk", "aplusk"]
    edit_behind(race, "insert")
    got = summary()
    zero = [g for g in got["glitches"] if g["handle"] == "aplusk" and g["count"] == 0]
    assert len(zero) == 1
    edit_behind(race, "delete")
    got = summary()
    expected = from_scratch(race)
    assert [c["leader"] for c in got["lead_changes"]] == [c.leader for c in expected.lead_changes]
    assert len(got["glitches"]) == len(expected.glitches)


def test_a_recorder_leaves_the_analysis_of_the_edited_file(race, tmp_path):
    feed = tmp_path / "britney.csv"
    start = 1_239_980_000  # after the bundled race's last reading
    feed.write_text(
        "timestamp,competitor,count\n"
        + "".join(f"{start + 60 * i},britneyspears,{963_600 + 10 * i}\n" for i in range(20))
    )
    proc = subprocess.Popen(
        [str(EXE), "record", str(race), "--duration", "4", "--interval", "1"]
        + [f"--feed=britneyspears=file:{feed}"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ, QT_QPA_PLATFORM="offscreen"),
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        assert "  stored  " in first, first
        edit_behind(race)  # while it records
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
    assert proc.returncode == 0, err
    time.sleep(0.1)
    expected = from_scratch(race)
    assert len(expected.lead_changes) == 5
    assert stored_lead_changes(race) == changes_of(expected)
    assert stored_auto_glitches(race) == auto_glitches_of(expected)
