"""Bad session files: each is refused with a notice naming it and its problem, and left as it was.

Every kind of bad file is opened from a window already showing a good race,
as Open, Open Recent or a drop would: the window must carry on, and the file
must keep its bytes, its modification time and its folder (no journal or WAL
files beside it). The same files given to ``photofinish summary`` must give a
one-line error and exit code 2. A write-protected good session is the one
exception: it opens, read-only, with a banner, and is still never changed.

A file without read permission needs a reader the system refuses: root reads
anything, so a root run does that case in a child process that has given up
the capabilities to override file permissions (CAP_DAC_OVERRIDE and
CAP_DAC_READ_SEARCH), which makes it an ordinary reader of that file. (It
stays uid 0 rather than becoming nobody because the interpreter may live in
root's own home folder, where nobody else can reach it.)
"""

from __future__ import annotations

import ctypes
import hashlib
import json
import os
import random
import shutil
import sqlite3
import stat
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from photofinish import settings
from photofinish.app import windows as app_module
from photofinish.app.application import application
from photofinish.core.model import Snapshot
from photofinish.core.store import SCHEMA_VERSION, Store
from tests.cli.support import run
from tests.conftest import ROOT
from tests.stored import stored

SAMPLE = ROOT / "data" / "race-2009.db"
PAGE = 4096


# -- the bad files -------------------------------------------------------------------------------
def _copy(folder: Path, name: str = "race.pfrace") -> Path:
    target = folder / name
    shutil.copyfile(SAMPLE, target)
    return target


def _random_bytes(folder: Path) -> Path:
    path = folder / "noise.pfrace"
    path.write_bytes(random.Random(2009).randbytes(20_000))
    return path


def _text_file(folder: Path) -> Path:
    path = folder / "readings.pfrace"
    path.write_text("timestamp,competitor,count\n2009-04-17T06:13:00Z,aplusk,1000000\n")
    return path


def _other_database(folder: Path) -> Path:
    path = folder / "addresses.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE people (name TEXT, email TEXT)")
    conn.execute("INSERT INTO people VALUES ('Ada', 'ada@example.org')")
    conn.commit()
    conn.close()
    return path


def _newer_schema(folder: Path) -> Path:
    path = _copy(folder)
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    return path


def _root_page(path: Path, name: str) -> int:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return int(
            conn.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", [name]).fetchone()[0]
        )
    finally:
        conn.close()


def _wipe_pages(path: Path, pages: list[int]) -> None:
    """Overwrite the start (the b-tree page header) of some 1-based pages."""
    data = bytearray(path.read_bytes())
    for page in pages:
        data[(page - 1) * PAGE : (page - 1) * PAGE + 100] = b"\xee" * 100
    path.write_bytes(bytes(data))


def _damaged_middle(folder: Path) -> Path:
    """The middle third of the pages, which hold readings."""
    path = _copy(folder)
    count = path.stat().st_size // PAGE
    _wipe_pages(path, list(range(count // 3, 2 * count // 3)))
    return path


def _damaged_table(name: str) -> Callable[[Path], Path]:
    def make(folder: Path) -> Path:
        path = _copy(folder)
        _wipe_pages(path, [_root_page(path, name)])
        return path

    return make


def _zero_bytes(folder: Path) -> Path:
    path = folder / "empty.pfrace"
    path.touch()
    return path


def _directory(folder: Path) -> Path:
    path = folder / "race.pfrace"
    path.mkdir()
    (path / "inside.txt").write_text("a folder named like a session")
    return path


def _missing(folder: Path) -> Path:
    return folder / "gone.pfrace"


def _no_permission(folder: Path) -> Path:
    path = _copy(folder)
    path.chmod(0)
    return path


def _read_only(wal: bool) -> Callable[[Path], Path]:
    def make(folder: Path) -> Path:
        path = _copy(folder)
        if wal:  # as the app leaves every session it has written to: in WAL mode
            with Store.open(path) as store:
                store.append([Snapshot(1240000000000, "aplusk", 2_000_001)])
            assert sorted(p.name for p in folder.iterdir()) == [path.name]
        path.chmod(0o444)
        return path

    return make


@dataclass(frozen=True)
class Bad:
    make: Callable[[Path], Path]
    problem: str  # what the notice and the command line must say; "" for a file that opens


NEWER = (
    f"was saved by a newer Photo Finish (schema version {SCHEMA_VERSION + 1}; "
    f"this version reads up to {SCHEMA_VERSION}); it was not changed"
)
NOT_SQLITE = "is not a SQLite database, so not a Photo Finish session"
CASES = {
    "random-bytes": Bad(_random_bytes, NOT_SQLITE),
    "text-file": Bad(_text_file, NOT_SQLITE),
    "other-sqlite-database": Bad(
        _other_database, "is a SQLite database but not a Photo Finish session (no race table)"
    ),
    "newer-schema": Bad(_newer_schema, NEWER),
    "damaged-middle-pages": Bad(_damaged_middle, "is damaged"),
    "damaged-competitors-table": Bad(_damaged_table("competitors"), "is damaged"),
    "damaged-sources-table": Bad(_damaged_table("sources"), "is damaged"),
    "damaged-blocks-table": Bad(_damaged_table("series_blocks"), "is damaged"),
    "zero-bytes": Bad(_zero_bytes, "is empty, not a Photo Finish session"),
    "directory": Bad(_directory, "is a folder, not a session file"),
    "missing": Bad(_missing, "no such file"),
    "no-permission": Bad(_no_permission, "cannot be read (Permission denied)"),
}
READ_ONLY = {
    "read-only": Bad(_read_only(wal=False), ""),
    "read-only-wal": Bad(_read_only(wal=True), ""),
}


# -- what a file is, to tell whether it changed --------------------------------------------------
def _digest(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except PermissionError:  # the unreadable case, when not root: look with permission, briefly
        mode = stat.S_IMODE(path.stat().st_mode)
        path.chmod(0o400)
        try:
            return hashlib.sha256(path.read_bytes()).hexdigest()
        finally:
            path.chmod(mode)


def state(path: Path) -> tuple[Any, ...]:
    """The file's bytes, size, mode and mtime, and the names beside it (journals, WAL files)."""
    beside = tuple(sorted(p.name for p in path.parent.iterdir()))
    if not path.exists():
        return ("missing", beside)
    st = path.stat()
    if path.is_dir():
        inside = tuple(sorted((p.name, _digest(p)) for p in path.iterdir()))
        return ("folder", inside, st.st_mode, st.st_mtime_ns, beside)
    return ("file", _digest(path), st.st_size, st.st_mode, st.st_mtime_ns, beside)


# -- reading a file that root could read: without the capabilities that let root ----------------
def _reads_are_refused(folder: Path) -> bool:
    """Whether this process is refused a file without read permission (false for root)."""
    probe = folder / "probe"
    probe.write_bytes(b"x")
    probe.chmod(0)
    try:
        probe.read_bytes()
    except PermissionError:
        return True
    finally:
        probe.chmod(0o600)
        probe.unlink()
    return False


CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH = 1, 2
PR_CAPBSET_DROP = 24


def _without_file_override() -> None:
    """In the child, before exec: take away root's power to read files it has no permission for.

    Dropped from the bounding set, the two capabilities are not given back by
    exec (and the inheritable and ambient sets hold none), so the child reads
    files as their permission bits say.
    """
    libc = ctypes.CDLL(None, use_errno=True)
    for cap in (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH):
        if libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), f"prctl(PR_CAPBSET_DROP, {cap})")


def _run_unprivileged(args: list[str], home: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env.update(
        QT_QPA_PLATFORM="offscreen",
        PYTHONPATH=str(ROOT),
        XDG_CONFIG_HOME=str(home / "config"),
        XDG_DATA_HOME=str(home / "data"),
        XDG_CACHE_HOME=str(home / "cache"),
        XDG_STATE_HOME=str(home / "state"),
        XDG_RUNTIME_DIR=str(home / "runtime"),
    )
    (home / "runtime").mkdir(mode=0o700, parents=True, exist_ok=True)
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=_without_file_override,
        check=False,
    )


# -- opening a bad file from a window -----------------------------------------------------------
class Notices:
    """Stands in for gui.app.notice: remembers each notice and shows it as the app would."""

    def __init__(self) -> None:
        self.real = app_module.notice
        self.shown: list[dict[str, Any]] = []

    def __call__(self, parent: Any, title: str, text: str, *args: Any, **kwargs: Any) -> Any:
        self.shown.append({"parent": parent, "title": title, "text": text})
        return self.real(parent, title, text, *args, **kwargs)


def attempt(win: Any, bad: Path, notices: Notices) -> dict[str, Any]:
    """Open ``bad`` from ``win`` as the app does; what came of it, and whether ``win`` still works.

    Plain data only, so that a child process can hand it back as JSON.
    """
    windows = app_module.open_windows()
    with stored(win.session) as store:
        count = store.snapshot_count()
    leader = win.session.analysis.leader
    win.open_path(bad)
    QApplication.processEvents()
    got = app_module.window_for(bad)
    boxes = {
        id(b): b
        for b in [*QApplication.topLevelWidgets(), *win.findChildren(QMessageBox)]
        if isinstance(b, QMessageBox) and b.objectName() == "openProblem" and b.isVisible()
    }
    outcome: dict[str, Any] = {
        "notices": [
            {"title": n["title"], "text": n["text"], "from_window": n["parent"] is win}
            for n in notices.shown
        ],
        "boxes": [
            {"text": b.text(), "plain": b.textFormat() == Qt.TextFormat.PlainText}
            for b in boxes.values()
        ],
        "opened": None,
    }
    if got is not None:
        with stored(got.session) as store:
            got_count = store.snapshot_count()
        outcome["opened"] = {
            "same_window": got is win,
            "read_only": bool(got.session.read_only),
            "banner": got.banner.isVisibleTo(got),
            "banner_text": got.banner_label.text(),
            "title": got.windowTitle(),
            "add_note": got.add_note_action.isEnabled(),
            "snapshots": got_count,
        }
        got.close()
        QApplication.processEvents()
    # The window the user had open carries on: its race answers, its actions work.
    win.log_action.trigger()
    log_on = win.chart.log_y
    win.log_action.trigger()
    win.fit_button.click()
    QApplication.processEvents()
    with stored(win.session) as store:
        count_now = store.snapshot_count()
    outcome["window"] = {
        "visible": win.isVisible(),
        "snapshots_unchanged": count_now == count,
        "leader_unchanged": win.session.analysis.leader == leader,
        "log_scale_toggles": log_on and not win.chart.log_y,
        "no_new_windows": app_module.open_windows() == windows,
        "in_recent": str(bad.resolve()) in settings.recent_files(),
    }
    return outcome


def child_main(good: str, bad: str) -> None:
    """The GUI part of one case in a child process: prints what :func:`attempt` found, as JSON."""
    from photofinish.session import Session
    from photofinish.ui.window.main_window import MainWindow

    application()
    store = Store.open(Path(good))
    win = MainWindow(Session(store), replay=False)
    app_module.answer_requests(win)
    win.show()
    QApplication.processEvents()
    notices = Notices()
    app_module.notice = notices  # type: ignore[assignment]
    print(json.dumps(attempt(win, Path(bad), notices)))
    win.close()
    QApplication.processEvents()


def assert_refused(outcome: dict[str, Any], bad: Path, problem: str) -> None:
    assert outcome["opened"] is None
    assert len(outcome["notices"]) == 1, outcome["notices"]
    shown = outcome["notices"][0]
    assert shown["from_window"]
    assert shown["text"].startswith(f"{bad}\n\n"), shown["text"]
    assert problem in shown["text"], shown["text"]
    assert [b["text"] for b in outcome["boxes"]] == [shown["text"]]
    assert all(b["plain"] for b in outcome["boxes"])
    assert outcome["window"] == {
        "visible": True,
        "snapshots_unchanged": True,
        "leader_unchanged": True,
        "log_scale_toggles": True,
        "no_new_windows": True,
        "in_recent": False,
    }


def _folder(tmp_path: Path) -> Path:
    folder = tmp_path / "bad"
    folder.mkdir()
    return folder


@pytest.mark.parametrize("kind", list(CASES))
def test_a_bad_session_is_refused_with_a_notice_and_left_unchanged(
    qtbot, window, tmp_path, monkeypatch, kind
):
    case = CASES[kind]
    bad = case.make(_folder(tmp_path))
    before = state(bad)
    if kind == "no-permission" and not _reads_are_refused(tmp_path):
        good = _copy(tmp_path, "good.pfrace")
        done = _run_unprivileged(
            [
                "-c",
                "import sys, tests.reliability.test_bad_sessions as t; t.child_main(*sys.argv[1:])",
            ]
            + [str(good), str(bad)],
            tmp_path / "child",
        )
        assert done.returncode == 0, done.stderr
        outcome = json.loads(done.stdout.strip().splitlines()[-1])
    else:
        notices = Notices()
        monkeypatch.setattr(app_module, "notice", notices)
        outcome = attempt(window, bad, notices)
    assert_refused(outcome, bad, case.problem)
    assert state(bad) == before


@pytest.mark.parametrize("kind", list(READ_ONLY))
def test_a_write_protected_session_opens_read_only_with_a_banner_and_is_never_changed(
    qtbot, window, tmp_path, monkeypatch, kind
):
    path = READ_ONLY[kind].make(_folder(tmp_path))
    before = state(path)
    notices = Notices()
    monkeypatch.setattr(app_module, "notice", notices)
    outcome = attempt(window, path, notices)
    assert outcome["notices"] == [] and outcome["boxes"] == []
    opened = outcome["opened"]
    assert opened is not None and not opened["same_window"]
    assert opened["read_only"] and opened["banner"] and not opened["add_note"]
    assert f"the file {path.name} is write-protected" in opened["banner_text"]
    assert opened["title"].endswith("(read-only)")
    assert opened["snapshots"] >= 2511
    assert outcome["window"]["in_recent"]  # it did open
    assert {k: v for k, v in outcome["window"].items() if k != "in_recent"} == {
        "visible": True,
        "snapshots_unchanged": True,
        "leader_unchanged": True,
        "log_scale_toggles": True,
        "no_new_windows": True,
    }
    assert state(path) == before


# -- the same files on the command line ---------------------------------------------------------
@pytest.mark.parametrize("kind", list(CASES))
def test_a_bad_session_on_the_command_line_is_one_line_and_exit_2(capsys, tmp_path, kind):
    case = CASES[kind]
    bad = case.make(_folder(tmp_path))
    before = state(bad)
    if kind == "no-permission" and not _reads_are_refused(tmp_path):
        done = _run_unprivileged(["-m", "photofinish", "summary", str(bad)], tmp_path / "child")
        code, out, err = done.returncode, done.stdout, done.stderr
    else:
        code, out, err = run(capsys, "summary", str(bad))
    assert (code, out) == (2, "")
    assert err.endswith("\n") and err.count("\n") == 1, err
    assert err.startswith(f"photofinish: error: {bad}: "), err
    assert case.problem in err
    assert state(bad) == before


@pytest.mark.parametrize("kind", list(READ_ONLY))
def test_a_write_protected_session_summarises_on_the_command_line_unchanged(capsys, tmp_path, kind):
    path = READ_ONLY[kind].make(_folder(tmp_path))
    before = state(path)
    code, out, err = run(capsys, "summary", str(path))
    assert (code, err) == (0, "")
    assert out.startswith("Kutcher vs CNN")
    assert state(path) == before
