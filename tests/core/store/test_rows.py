"""Readings read from the rows in chunks of text, in two halves at once, with their marks."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pytest

from photofinish.core.model import BY_USER, FLAG_GLITCH, FLAG_OK, Competitor, Race
from photofinish.core.store import Store
from photofinish.core.store import rows as rows_module

N = 5_000


@pytest.fixture
def small_chunks(monkeypatch):
    """Chunks and halves small enough for a few thousand readings to need many of each."""
    monkeypatch.setattr(rows_module, "CHUNK_ROWS", 97)
    monkeypatch.setattr(rows_module, "PARALLEL_ROWS", 1_000)


def stored(tmp_path: Path) -> Path:
    """Two competitors' readings as another program writes them: rows, no packed blocks."""
    path = tmp_path / "rows.pfrace"
    rng = np.random.default_rng(5)
    Store.create(path, Race("Rows", 10**7), [Competitor("a", "A", ""), Competitor("b", "B", "")])
    conn = sqlite3.connect(path)
    with conn:
        for cid in (1, 2):
            at = np.cumsum(rng.integers(1, 5, N)) * 1000
            at[100:103] = at[100]  # three readings at one millisecond
            counts = np.cumsum(rng.integers(0, 9, N)) + 1000
            counts[100:103] = counts[100] + np.arange(3)
            source = ["youtube:x" if i % 500 == 7 else "csv" for i in range(N)]
            conn.executemany(
                "INSERT INTO snapshots (competitor_id, at_ms, count, source) VALUES (?, ?, ?, ?)",
                zip([cid] * N, at.tolist(), counts.tolist(), source, strict=True),
            )
    conn.close()
    return path


def plainly(path: Path, handle: str) -> tuple[np.ndarray, np.ndarray]:
    conn = sqlite3.connect(path)
    try:
        got = conn.execute(
            "SELECT at_ms, count FROM snapshots JOIN competitors c ON c.id = competitor_id"
            " WHERE c.handle = ? ORDER BY at_ms, count",
            [handle],
        ).fetchall()
    finally:
        conn.close()
    table = np.array(got, dtype=np.int64)
    return table[:, 0], table[:, 1]


@pytest.mark.parametrize("read_only", [True, False])
def test_rows_read_in_chunks_and_halves_are_the_rows(tmp_path, small_chunks, read_only):
    path = stored(tmp_path)
    with Store.open(path, read_only=read_only) as store:
        for handle in ("a", "b"):
            series = store.series(handle)
            at, count = plainly(path, handle)
            assert np.array_equal(series.at_ms, at) and np.array_equal(series.count, count)
            assert series.rounded is not None
            assert np.flatnonzero(series.rounded).tolist() == list(range(7, N, 500))


def test_hand_flags_come_from_their_index(tmp_path, small_chunks):
    path = stored(tmp_path)
    with Store.open(path) as store:
        at = store.series("a").at_ms
        for i, flag in ((10, FLAG_GLITCH), (4_000, FLAG_OK)):
            sid = store.snapshot_id("a", int(at[i]), int(store.series("a").count[i]))
            assert sid is not None
            store.set_flag(sid, flag, BY_USER)
    with Store.open(path, read_only=True) as store:
        user = store.series("a").user_flag
        assert np.flatnonzero(user).tolist() == [10, 4_000]
        assert (user[10], user[4_000]) == (1, 2)


def test_a_file_from_before_the_indexes_gives_the_same_marks(tmp_path, small_chunks):
    path = stored(tmp_path)
    with Store.open(path, read_only=True) as store:
        want = store.series("b")
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("DROP INDEX snapshots_rounded")
    conn.close()
    with Store.open(path, read_only=True) as store:
        got = store.series("b")
    assert np.array_equal(got.rounded, want.rounded) and np.array_equal(got.at_ms, want.at_ms)


def test_a_write_while_the_halves_are_read_means_reading_again(tmp_path, small_chunks, monkeypatch):
    path = stored(tmp_path)
    real = rows_module._read_with
    calls = []

    def and_meanwhile(*args):
        calls.append(args)
        if len(calls) == 1:  # another program adds a reading as the second half starts
            other = sqlite3.connect(path)
            with other:
                other.execute(
                    "INSERT INTO snapshots (competitor_id, at_ms, count) VALUES (1, 1e12, 1)"
                )
            other.close()
        return real(*args)

    monkeypatch.setattr(rows_module, "_read_with", and_meanwhile)
    with Store.open(path, read_only=True) as store:
        series = store.series("a")
    at, count = plainly(path, "a")
    # Read again through one connection, in one view: all of it, the new reading too or not,
    # never half of one state and half of another.
    assert np.array_equal(series.at_ms, at[: series.at_ms.size])
    assert series.at_ms.size in (N, N + 1)
    assert len(calls) == 1


def test_a_second_reader_that_fails_fails_the_read(tmp_path, small_chunks, monkeypatch):
    from photofinish.core.errors import StoreError

    path = stored(tmp_path)

    def broken(*args):
        raise sqlite3.OperationalError("unable to open database file")

    monkeypatch.setattr(rows_module, "_read_with", broken)
    with Store.open(path, read_only=True) as store, pytest.raises(StoreError, match="open"):
        store.series("a")


def test_readings_out_of_order_are_put_in_order():
    at = np.array([5, 3, 3, 9], dtype=np.int64)
    count = np.array([1, 8, 2, 4], dtype=np.int64)
    got_at, got_count = rows_module._in_order(at, count)
    assert got_at.tolist() == [3, 3, 5, 9] and got_count.tolist() == [2, 8, 1, 4]


def test_more_readings_than_counted_is_damage(tmp_path, monkeypatch):
    path = stored(tmp_path)
    monkeypatch.setattr(rows_module, "_count", lambda *a: N - 1)
    from photofinish.core.errors import StoreError

    with Store.open(path, read_only=True) as store, pytest.raises(StoreError):
        store.series("a")


def test_the_rows_come_as_text_a_chunk_at_a_time(tmp_path, small_chunks):
    path = stored(tmp_path)
    conn = sqlite3.connect(path)
    seen: list[str] = []
    conn.set_trace_callback(seen.append)
    at, _, _ = rows_module.rows_between(conn, 1, -(2**63), 2**63 - 1)
    conn.close()
    assert at.size == N
    chunks = [sql for sql in seen if "group_concat" in sql]
    # No helper given: one reader, a chunk at a time, then a look for anything uncounted.
    assert len(chunks) == -(-N // rows_module.CHUNK_ROWS) + 1
