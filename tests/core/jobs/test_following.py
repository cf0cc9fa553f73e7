"""A recorder's analysis follows what it stores, and copes with what others write meanwhile."""

from __future__ import annotations

import sqlite3

from photofinish.core.jobs.analysis import analyse_store
from photofinish.core.jobs.following import Following
from photofinish.core.model import Competitor, Race, Snapshot
from photofinish.core.store import Store


def _store(tmp_path):
    store = Store.create(
        tmp_path / "f.pfrace",
        Race("F", 1_000),
        [Competitor("a", "A", ""), Competitor("b", "B", "")],
    )
    store.append(
        [Snapshot(i * 60_000, h, 800 + i + (5 if h == "b" else 0)) for i in range(10) for h in "ab"]
    )
    return store


def test_each_batch_is_analysed_as_stored_and_matches_a_fresh_analysis(tmp_path):
    store = _store(tmp_path)
    following = Following(store)
    for i in range(10, 30):
        new = store.append(
            [Snapshot(i * 60_000, "a", 800 + 3 * i), Snapshot(i * 60_000, "b", 805 + i)]
        )
        result = following.add(new)
    fresh = analyse_store(store)
    assert [e.key for e in result.events] == [e.key for e in fresh.events]
    assert any(e.kind == "lead_change" for e in result.events)
    stored = {e.key for e in store.events()}
    assert {e.key for e in result.events} <= stored  # kept in the file as it goes


def test_what_another_program_writes_is_read_again_and_a_new_competitor_ignored(tmp_path):
    store = _store(tmp_path)
    following = Following(store)
    other = sqlite3.connect(store.path)
    other.execute(
        "INSERT INTO competitors (handle, name, colour, position) VALUES ('c', 'C', '', 2)"
    )
    other.execute("INSERT INTO snapshots (competitor_id, at_ms, count) VALUES (3, 600000, 5)")
    other.execute("UPDATE snapshots SET count = 2000 WHERE competitor_id = 1 AND at_ms = 300000")
    other.commit()
    other.close()
    result = following.add(store.append([Snapshot(11 * 60_000, "a", 812)]))
    assert set(result.clean) == {"a", "b"}
    assert any(g.count == 2000 for g in result.glitches)  # the other program's spike, seen
