"""A followed file through the runner: pieces, partial lines, truncation, notes and bad lines."""

from __future__ import annotations

from photofinish.core.live.source_state import OK, RETRYING
from photofinish.core.model import SourceConfig


def _counts(store, handle="alice"):
    return [s.count for s in store.snapshots(handle)]


def test_lines_appended_in_pieces_are_stored_once_complete(
    qtbot, tmp_path, race_store, make_runner
):
    path = tmp_path / "feed.csv"
    path.write_text("timestamp,competitor,count\n2026-11-22T10:00:00Z,alice,100\n")
    runner = make_runner()
    runner.set_sources([SourceConfig("alice", f"file:{path}", 0.1, True, None, 7)])
    qtbot.waitUntil(lambda: _counts(race_store) == [100], timeout=5000)
    with path.open("a") as fh:
        fh.write("2026-11-22T10:01:00Z,ali")
        fh.flush()
        qtbot.wait(400)
        assert _counts(race_store) == [100]  # a partial line waits for its end
        fh.write("ce,110\n2026-11-22T10:02:00Z,bob,999\n2026-11-22T10:03:00Z,alice,12")
        fh.flush()
        qtbot.waitUntil(lambda: _counts(race_store) == [100, 110], timeout=5000)
        fh.write("0\n")
    qtbot.waitUntil(lambda: _counts(race_store) == [100, 110, 120], timeout=5000)
    assert _counts(race_store, "bob") == []  # another competitor's line is not this source's
    assert {s.source for s in race_store.snapshots("alice")} == {f"file:{path}"}
    assert runner.status_of("7").state == OK


def test_truncation_and_a_missing_file(qtbot, tmp_path, race_store, make_runner):
    path = tmp_path / "feed.jsonl"
    path.write_text('{"timestamp": "2026-11-22T10:00:00Z", "competitor": "alice", "count": 5}\n')
    runner = make_runner()
    runner.set_sources([SourceConfig("alice", f"file:{path}", 0.1, True, None, 1)])
    qtbot.waitUntil(lambda: _counts(race_store) == [5], timeout=5000)
    path.write_text('{"timestamp": "2026-11-22T11:00:00Z", "competitor": "alice", "count": 6}\n')
    qtbot.waitUntil(lambda: _counts(race_store) == [5, 6], timeout=5000)
    path.unlink()
    qtbot.waitUntil(lambda: runner.status_of("1").state == RETRYING, timeout=5000)
    assert "missing" in runner.status_of("1").reason
    path.write_text(
        '{"timestamp": "2026-11-22T12:00:00Z", "competitor": "alice", "count": 7}\n'
        '{"timestamp": "2026-11-22T12:00:00Z", "text": "Back after a restart"}\n'
        "not json\n"
    )
    qtbot.waitUntil(lambda: _counts(race_store) == [5, 6, 7], timeout=5000)
    qtbot.waitUntil(lambda: runner.status_of("1").state == OK, timeout=5000)
    runner.flush()
    texts = [e.text for e in race_store.events()]
    assert "Back after a restart" in texts
    assert any("missing" in t for t in texts) and any("working again" in t for t in texts)


def _copied_count(tmp_path, race_store) -> int:
    """How many readings a copy of the session file alone (no -wal beside it) holds."""
    import shutil
    import sqlite3

    copy = tmp_path / "copied.pfrace"
    shutil.copyfile(race_store.path, copy)
    conn = sqlite3.connect(copy)
    try:
        return int(conn.execute("SELECT count(*) FROM snapshots").fetchone()[0])
    except sqlite3.OperationalError:  # not even the tables yet: all of it is in the -wal
        return 0
    finally:
        conn.close()
        copy.unlink()


def test_while_recording_a_copy_of_the_file_alone_is_at_most_a_checkpoint_behind(
    qtbot, tmp_path, race_store, make_runner
):
    path = tmp_path / "feed.csv"
    lines = "".join(f"2026-11-22T10:{m:02d}:00Z,alice,{100 + m}\n" for m in range(40))
    path.write_text("timestamp,competitor,count\n" + lines)
    runner = make_runner()
    runner._checkpoint.setInterval(300)
    runner.set_sources([SourceConfig("alice", f"file:{path}", 0.1, True, None, 1)])
    qtbot.waitUntil(lambda: len(_counts(race_store)) == 40, timeout=5000)
    qtbot.waitUntil(lambda: _copied_count(tmp_path, race_store) == 40, timeout=3000)


def test_without_checkpoints_the_file_alone_lags_its_log(qtbot, tmp_path, race_store, make_runner):
    """The control: SQLite alone leaves a slow race's readings in the -wal for hours."""
    path = tmp_path / "feed.csv"
    path.write_text("timestamp,competitor,count\n2026-11-22T10:00:00Z,alice,100\n")
    runner = make_runner()
    runner._checkpoint.setInterval(10**8)
    runner.set_sources([SourceConfig("alice", f"file:{path}", 0.1, True, None, 1)])
    qtbot.waitUntil(lambda: len(_counts(race_store)) == 1, timeout=5000)
    qtbot.wait(500)
    assert _copied_count(tmp_path, race_store) == 0
