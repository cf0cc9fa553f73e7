"""The Session, the one gate between the window and a race file: what it offers and what it keeps.

The window side never holds the store: these are the things it asks the
session instead, each checked against what the file then holds.
"""

from __future__ import annotations

import ast
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from photofinish.core.errors import SessionFileError, StorageError, StoreError
from photofinish.core.importing.report import ImportReport
from photofinish.core.model import Competitor, Race, Snapshot, SourceConfig
from photofinish.core.steps import run_steps
from photofinish.core.store import Store
from photofinish.session import open_session
from tests.stored import own_connection, stored

PACKAGE = Path(__file__).resolve().parents[2] / "gui"
T0 = 1_700_000_000_000


@pytest.fixture
def session(qtbot, tmp_path):
    path = tmp_path / "gate.pfrace"
    Store.create(
        path, Race("Gate", 10_000), [Competitor("a", "A", ""), Competitor("b", "B", "")]
    ).close()
    s = open_session(path)
    yield s
    s.close()


def test_nothing_outside_the_session_reaches_for_its_store():
    """No module but the session's own names a ``_store`` or asks a session for ``store``."""
    found = []
    for path in PACKAGE.rglob("*.py"):
        if path.parent.name == "session":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Attribute) and node.attr in ("_store", "store"):
                owner = ast.unparse(node.value)
                if "session" in owner:
                    found.append(f"{path.relative_to(PACKAGE)}:{node.lineno}: {ast.unparse(node)}")
    assert found == []


def test_sources_are_replaced_as_a_whole(session):
    first = session.replace_sources(
        [
            SourceConfig("a", "bluesky:a.example.com"),
            SourceConfig("b", "mastodon:@b@example.social", 30.0),
        ]
    )
    kept = first[0]
    kept.enabled = False
    after = session.replace_sources([kept, SourceConfig("b", "github-stars:b/repo")])
    assert [(s.handle, s.spec, s.enabled) for s in after] == [
        ("a", "bluesky:a.example.com", False),
        ("b", "github-stars:b/repo", True),
    ]
    with stored(session) as store:
        assert store.sources() == after == session.sources()


def test_the_view_is_kept_in_the_file(session):
    session.save_view({"follow": "0", "log_search": "<b>"})
    assert session.saved_view()["log_search"] == "<b>"
    with stored(session) as store:
        assert store.view_state()["follow"] == "0"


def test_a_copy_is_the_whole_race_and_never_the_file_itself(session, tmp_path):
    session.append([Snapshot(T0, "a", 5), Snapshot(T0, "b", 4)])
    session.add_note(T0, "first")
    copy = tmp_path / "copy.pfrace"
    session.save_copy(copy)
    with Store.open(copy, read_only=True) as store:
        assert store.snapshot_count() == 2 and [e.text for e in store.events()] == ["first"]
    with pytest.raises(SessionFileError, match="open session itself"):
        session.save_copy(session.path)


def test_an_import_is_stored_in_batches_and_shown_after_a_reload(session, tmp_path):
    path = tmp_path / "in.csv"
    path.write_text("timestamp,competitor,count\n1700000000,a,7\n1700000060,c,3\n")
    report = ImportReport()
    run_steps(session.import_batches(path, report))
    assert (report.imported, report.competitors_added) == (2, ["c"])
    assert session.series_count() == 0  # not shown until the race is read again
    session.reload()
    assert session.series_count() == 2 and [c.handle for c in session.competitors] == [
        "a",
        "b",
        "c",
    ]


def test_a_snapshot_export_writes_every_reading_while_more_arrive(session, tmp_path):
    session.append([Snapshot(T0 + i, "a", i) for i in range(10)])
    out = tmp_path / "out.csv"
    steps = session.export_snapshots_steps(out)
    next(steps)
    session.append([Snapshot(T0 + 100, "b", 1)])  # arrives while the export runs
    written = run_steps(steps)
    assert written in (10, 11)  # from its own connection: the window's is free meanwhile
    assert len(out.read_text().splitlines()) == written + 1


def test_a_recorder_elsewhere_is_seen_while_it_runs(session):
    assert session.recorder_elsewhere() is None
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        with Store.open(session.path) as store:
            store.set_recorder({"pid": other.pid, "host": socket.gethostname(), "since_ms": 0})
        assert session.recorder_elsewhere() == other.pid
    finally:
        other.kill()
        other.wait()
    assert session.recorder_elsewhere() is None  # gone without tidying up
    with Store.open(session.path) as store:
        store.set_recorder({"pid": os.getpid(), "host": socket.gethostname(), "since_ms": 0})
    assert session.recorder_elsewhere() is None  # this very process is not "elsewhere"


def test_why_a_race_cannot_be_changed(qtbot, tmp_path, sample_path):
    copy = tmp_path / "ro.db"
    shutil.copyfile(sample_path, copy)
    copy.chmod(0o444)
    s = open_session(copy)
    try:
        assert s.read_only and "write-protected" in s.read_only_reason()
        with pytest.raises(SessionFileError, match="read-only"):
            s.save_view({"follow": "1"})
    finally:
        s.close()


def test_a_file_that_refuses_a_write_says_so_in_the_projects_words(session):
    own_connection(session).execute("PRAGMA query_only = ON")  # read-only under the session
    with pytest.raises(StorageError, match="read-only") as refused:
        session.add_note(T0, "not kept")
    assert not isinstance(refused.value.__cause__, StoreError)  # the driver's error, kept


def test_a_closed_session_raises_the_projects_errors(session):
    session.close()
    with pytest.raises(StoreError):
        session.sources()
