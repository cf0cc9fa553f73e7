"""The session file answers the usual questions right with plain ``sqlite3``, glitches left out."""

from __future__ import annotations

import shutil
import sqlite3

from photofinish.core.model import BY_AUTO, FLAG_GLITCH, Competitor, Race, Snapshot
from photofinish.core.store import SCHEMA_VERSION, Store


def _ask(path, sql):
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def test_the_2009_race_says_when_each_reached_a_million(sample_path, tmp_path):
    copy = tmp_path / "race.db"
    shutil.copyfile(sample_path, copy)
    # The obvious question, asked naively, falls for CNN's glitched 1,998,130 ...
    naive = dict(
        _ask(
            copy,
            "SELECT handle, min(at_utc) FROM snapshots_readable WHERE count >= 1000000"
            " GROUP BY handle",
        )
    )
    assert naive["cnnbrk"] == "2009-04-17T05:32:00.000Z"
    # ... the view knows better: Kutcher first, at 06:13 UTC, CNN half an hour later.
    crossed = {h: (at, n) for h, _name, _m, at, n in _ask(copy, "SELECT * FROM crossings")}
    assert crossed["aplusk"] == ("2009-04-17T06:13:00.000Z", 1_000_000)
    assert crossed["cnnbrk"][0] > crossed["aplusk"][0]
    assert crossed["cnnbrk"][0] == "2009-04-17T06:42:00.000Z"
    assert "britneyspears" not in crossed
    clean = _ask(copy, "SELECT count(*), max(count) FROM readings_clean WHERE handle = 'cnnbrk'")
    assert clean[0][1] < 1_998_130


def test_a_new_file_has_the_views_and_they_follow_flags(tmp_path):
    path = tmp_path / "new.pfrace"
    with Store.create(
        path, Race("R", 100), [Competitor("a", "A", ""), Competitor("b", "B", "")]
    ) as store:
        store.append(
            [
                Snapshot(1_000, "a", 90),
                Snapshot(2_000, "a", 500, flag=FLAG_GLITCH, flagged_by=BY_AUTO),
                Snapshot(3_000, "a", 101),
                Snapshot(1_500, "b", 99),
            ]
        )
    assert _ask(path, "SELECT handle, crossed_at_utc, count FROM crossings") == [
        ("a", "1970-01-01T00:00:03.000Z", 101)
    ]
    assert _ask(path, "SELECT count(*) FROM readings_clean") == [(3,)]
    assert _ask(path, "PRAGMA user_version") == [(SCHEMA_VERSION,)]
