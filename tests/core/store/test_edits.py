"""The file's triggers: any writer's change to readings moves the stored analysis back to it."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from photofinish.core.model import Competitor, Race, Settled, Snapshot
from photofinish.core.store import Store
from photofinish.core.store import derived as derived_table

FINGERPRINT = "fp"


def stored(tmp_path: Path, until_ms: int = 50_000) -> Path:
    """A session with readings every second from 1 s to 100 s, settled up to ``until_ms``."""
    path = tmp_path / "s.pfrace"
    race = Race("Edits", 10**6)
    with Store.create(path, race, [Competitor("a", "A", ""), Competitor("b", "B", "")]) as store:
        store.append([Snapshot(i * 1000, h, i) for i in range(1, 101) for h in ("a", "b")])
        store.settled(FINGERPRINT)
        store.set_settled(Settled(until_ms, ()), FINGERPRINT)
    return path


def until(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return int(
            conn.execute("SELECT value FROM derived_state WHERE key = 'until_ms'").fetchone()[0]
        )
    finally:
        conn.close()


def other(path: Path, sql: str, params=()) -> None:
    """Another program's write, with nothing but sqlite3."""
    conn = sqlite3.connect(path)
    try:
        with conn:
            conn.execute(sql, params)
    finally:
        conn.close()


@pytest.mark.parametrize(
    ("sql", "lowered_to"),
    [
        ("INSERT INTO snapshots (competitor_id, at_ms, count) VALUES (1, 20500, 0)", 20_500),
        ("DELETE FROM snapshots WHERE competitor_id = 2 AND at_ms = 30000", 30_000),
        (
            "UPDATE snapshots SET count = count + 5 WHERE competitor_id = 1 AND at_ms >= 40000",
            40_000,
        ),
        ("UPDATE snapshots SET at_ms = 10500 WHERE competitor_id = 1 AND at_ms = 45000", 10_500),
        ("UPDATE snapshots SET flag = 'ok', flagged_by = 'user' WHERE at_ms = 12000", 12_000),
        ("UPDATE snapshots SET source = 'youtube:x' WHERE at_ms = 33000", 33_000),
    ],
)
def test_a_change_before_the_settled_part_lowers_it_to_the_reading(tmp_path, sql, lowered_to):
    path = stored(tmp_path)
    other(path, sql)
    assert until(path) == lowered_to
    with Store.open(path) as store:
        settled = store.settled(FINGERPRINT)
    assert settled is not None and settled.until_ms == lowered_to


@pytest.mark.parametrize(
    "sql",
    [
        "INSERT INTO snapshots (competitor_id, at_ms, count) VALUES (1, 120000, 130)",
        "DELETE FROM snapshots WHERE competitor_id = 2 AND at_ms = 90000",
        "UPDATE snapshots SET flag = 'glitch', flagged_by = 'auto' WHERE at_ms = 20000",
        "UPDATE snapshots SET count = count WHERE at_ms = 20000",
    ],
)
def test_changes_after_it_or_of_automatic_flags_leave_it(tmp_path, sql):
    path = stored(tmp_path)
    other(path, sql)
    assert until(path) == 50_000


def test_deletions_and_changes_are_logged_with_the_earliest_time_touched(tmp_path):
    path = stored(tmp_path)
    with Store.open(path) as store:
        start = store.last_edit()
        assert store.edits_since(start) == (start, {})
        other(path, "UPDATE snapshots SET flag = 'glitch', flagged_by = 'auto' WHERE at_ms = 5000")
        other(path, "INSERT INTO snapshots (competitor_id, at_ms, count) VALUES (1, 500, 1)")
        assert store.edits_since(start) == (start, {})  # new rows are found by their ids
        other(path, "DELETE FROM snapshots WHERE competitor_id = 2 AND at_ms = 90000")
        other(path, "UPDATE snapshots SET count = 7 WHERE competitor_id = 1 AND at_ms = 70000")
        other(path, "UPDATE snapshots SET at_ms = 60500 WHERE competitor_id = 2 AND at_ms = 95000")
        seq, earliest = store.edits_since(start)
        assert seq == start + 5  # one entry per deletion, two per change (before and after)
        assert earliest == {"a": 70_000, "b": 60_500}
        assert store.edits_since(seq) == (seq, {})


def test_a_log_trimmed_past_what_a_session_saw_says_so(tmp_path, monkeypatch):
    monkeypatch.setattr(derived_table, "EDITS_KEPT", 3)
    path = stored(tmp_path)
    with Store.open(path) as store:
        start = store.last_edit()
        for t in range(10_000, 20_000, 1000):
            other(path, "DELETE FROM snapshots WHERE competitor_id = 1 AND at_ms = ?", [t])
        store.set_settled(Settled(90_000, ()), FINGERPRINT)  # trims the log
        seq, earliest = store.edits_since(start)
        assert earliest is None and seq == start + 10
        assert store.edits_since(seq - 2) == (seq, {"a": 18_000})
        other(path, "DELETE FROM reading_edits")
        assert store.edits_since(seq)[1] is None  # emptied by hand: anything may have changed


def test_storing_the_settled_part_keeps_a_lower_mark_another_writer_left(tmp_path):
    path = stored(tmp_path)
    with Store.open(path) as store:
        assert store.settled(FINGERPRINT) == Settled(50_000, ())
        # Another program changes a reading while this store's analysis is under way ...
        other(path, "DELETE FROM snapshots WHERE competitor_id = 1 AND at_ms = 20000")
        # ... whose result, from readings read before, must not hide that change.
        store.set_settled(Settled(80_000, ()), FINGERPRINT)
        assert until(path) == 20_000
        # The next analysis, which saw it, moves the mark on.
        store.set_settled(Settled(80_000, ()), FINGERPRINT)
        assert until(path) == 80_000


def test_an_older_file_read_only_settles_nothing(tmp_path):
    """Schema 3 had no such triggers: what it stored may not match its readings."""
    path = stored(tmp_path)
    other(path, "DROP TABLE reading_edits")
    with Store.open(path, read_only=True) as store:
        assert store.settled(FINGERPRINT) is None
        assert store.edits_since(0) == (0, {})


def test_upgrading_forgets_what_an_older_version_settled(tmp_path):
    path = stored(tmp_path)
    conn = sqlite3.connect(path)
    with conn:
        conn.executescript(
            """
            DROP TRIGGER readings_after_insert;
            DROP TRIGGER readings_after_delete;
            DROP TRIGGER readings_after_update;
            DROP TABLE reading_edits;
            DROP INDEX snapshots_rounded;
            DELETE FROM _sqlite_migrations WHERE name = '0004_analysis_follows_edits';
            PRAGMA user_version = 3;
            """
        )
    conn.close()
    with Store.open(path) as store:
        assert store.db.execute("PRAGMA user_version").fetchone()[0] == 4
        assert store.settled(FINGERPRINT) is None


def test_what_the_store_remembers_of_its_derived_facts_yields_to_other_writers(tmp_path):
    """A live frame does not read the stored flags and events again: others' changes show."""
    from photofinish.core.model import Event

    path = stored(tmp_path)
    glitch = [("a", 20_000, 20)]
    lead = [Event(30_000, "lead_change", "A leads", "a", key="lead_change:a:30000")]
    with Store.open(path) as store:
        store.record_auto_glitches(glitch)
        store.sync_derived_events(lead)
        other(path, "UPDATE snapshots SET flag = '', flagged_by = '' WHERE flagged_by = 'auto'")
        other(path, "DELETE FROM events WHERE origin = 'derived'")
        store.record_auto_glitches(glitch)
        store.sync_derived_events(lead)
    conn = sqlite3.connect(path)
    try:
        flagged = conn.execute(
            "SELECT at_ms FROM snapshots WHERE flagged_by = 'auto' AND flag = 'glitch'"
        ).fetchall()
        keys = conn.execute("SELECT key FROM events WHERE origin = 'derived'").fetchall()
    finally:
        conn.close()
    assert flagged == [(20_000,)]
    assert keys == [("lead_change:a:30000",)]


def test_a_hand_flag_or_a_failed_write_forgets_what_was_remembered(tmp_path):
    path = stored(tmp_path)
    with Store.open(path) as store:
        store.record_auto_glitches([("a", 20_000, 20)])
        sid = store.snapshot_id("a", 20_000, 20)
        assert sid is not None
        store.set_flag(sid, "ok")  # the user says it is real: no longer an automatic glitch
        store.set_flag(sid, "")  # and then leaves it to the detector
        store.record_auto_glitches([("a", 20_000, 20)])
        assert store.flag_of(sid) == ("glitch", "auto", "a")
        with pytest.raises(RuntimeError), store.write():
            store.record_auto_glitches([("a", 21_000, 21)])
            raise RuntimeError("the frame fails after it")
        store.record_auto_glitches([("a", 21_000, 21)])
        assert store.flag_of(store.snapshot_id("a", 21_000, 21)) == ("glitch", "auto", "a")
        assert store.flag_of(sid) == ("", "", "a")


def test_a_bulk_insert_does_what_the_trigger_does_once_and_puts_it_back(tmp_path, monkeypatch):
    from photofinish.core.store import blocks as blocks_module
    from photofinish.core.store import readings

    monkeypatch.setattr(blocks_module, "BLOCK_ROWS", 10)
    monkeypatch.setattr(readings, "BULK_ROWS", 5)
    path = stored(tmp_path)
    with Store.open(path) as store:
        store.series("a")  # packs a's readings in blocks of about ten
        spans = store.db.execute(
            "SELECT first_ms, last_ms FROM series_blocks WHERE competitor_id = 1 ORDER BY first_ms"
        ).fetchall()
        assert len(spans) >= 5
        rows = [(1, t, 999_000 + t, "import") for t in range(30_500, 40_500, 1000)]
        assert store.insert_rows(rows) == len(rows)
        left = store.db.execute(
            "SELECT first_ms, last_ms FROM series_blocks WHERE competitor_id = 1"
        ).fetchall()
        triggers = {
            r[0] for r in store.db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        }
    assert left and all(last < 30_500 or first > 39_500 for first, last in left)
    assert until(path) == 30_500
    assert "readings_after_insert" in triggers
    # And the trigger is the one the schema made: a reading added by hand still lowers the mark.
    other(path, "INSERT INTO snapshots (competitor_id, at_ms, count) VALUES (2, 1500, 1)")
    assert until(path) == 1_500


def test_a_bulk_insert_that_fails_leaves_the_trigger(tmp_path, monkeypatch):
    from photofinish.core.errors import StoreError
    from photofinish.core.store import readings

    monkeypatch.setattr(readings, "BULK_ROWS", 2)

    def disk_full(self, rows):
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(Store, "_after_bulk", disk_full)  # after the rows, before the trigger
    path = stored(tmp_path)
    with Store.open(path) as store, pytest.raises(StoreError, match="full"):
        store.insert_rows([(1, 200_000, 5, "x"), (1, 201_000, 6, "x")])
    conn = sqlite3.connect(path)
    try:
        names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='trigger'")}
        count = conn.execute("SELECT count(*) FROM snapshots WHERE at_ms >= 200000").fetchone()[0]
    finally:
        conn.close()
    assert "readings_after_insert" in names and count == 0


def test_a_bulk_insert_stores_what_the_row_by_row_insert_stores(tmp_path, monkeypatch):
    """Big batches go in as one JSON statement: the same rows, duplicates and odd text included."""
    from photofinish.core.store import readings

    rows = [
        (1, 500_000, 2**63 - 1, "import"),  # the largest count SQLite holds
        (1, 501_000, 7, 'a "quoted", comma\\ source'),
        (2, 502_000, 8, "日本語 🏁"),
        (2, 502_000, 8, "日本語 🏁"),  # an exact duplicate: left out
        (1, 503_000, 0, ""),
    ]
    stored_rows = []
    for name, bulk_rows in (("row", 10**9), ("bulk", 1)):
        monkeypatch.setattr(readings, "BULK_ROWS", bulk_rows)
        (tmp_path / name).mkdir()
        path = stored(tmp_path / name)
        with Store.open(path) as store:
            assert store.insert_rows(rows) == len(rows) - 1
        conn = sqlite3.connect(path)
        try:
            stored_rows.append(
                conn.execute(
                    "SELECT competitor_id, at_ms, count, typeof(count), source, flag, flagged_by"
                    " FROM snapshots WHERE at_ms >= 500000 ORDER BY id"
                ).fetchall()
            )
        finally:
            conn.close()
    assert stored_rows[0] == stored_rows[1]
    assert [r[:3] for r in stored_rows[1]] == [
        (1, 500_000, 2**63 - 1),
        (1, 501_000, 7),
        (2, 502_000, 8),
        (1, 503_000, 0),
    ]
    assert stored_rows[1][2][4] == "日本語 🏁" and stored_rows[1][0][3] == "integer"
