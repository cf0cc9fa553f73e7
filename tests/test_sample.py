"""The bundled 2009 race: rebuilt identically, and telling the story the reports tell."""

from __future__ import annotations

import importlib.util
import sqlite3

from photofinish.core.jobs.analysis import analyse_store
from photofinish.core.store import Store
from tests.conftest import ROOT

TABLES = {
    "race": "SELECT * FROM race",
    "competitors": "SELECT * FROM competitors ORDER BY id",
    "snapshots": "SELECT * FROM snapshots ORDER BY id",
    "events": "SELECT * FROM events ORDER BY id",
}


def dump(path):
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return {name: conn.execute(sql).fetchall() for name, sql in TABLES.items()}
    finally:
        conn.close()


def load_builder():
    spec = importlib.util.spec_from_file_location("build_sample", ROOT / "data" / "build_sample.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_rebuild_matches_the_committed_sample(tmp_path, sample_path):
    built = load_builder().build(tmp_path / "rebuilt.db")
    assert dump(built) == dump(sample_path)


def test_every_snapshot_is_marked_reported_or_reconstructed(sample_path):
    with Store.open(sample_path, read_only=True) as store:
        sources = {s.source.split(":")[0] for s in store.snapshots()}
        reported = [s for s in store.snapshots() if s.source.startswith("reported")]
    assert sources == {"reported", "reconstructed"}
    # Both tables of figures are in, the glitch reading among them.
    assert len(reported) == 21
    assert any(s.count == 1_998_130 for s in reported)


def test_analysis_finds_what_the_reports_say(sample_path):
    with Store.open(sample_path, read_only=True) as store:
        race = analyse_store(store)
    changes = [(c.leader, c.at_ms) for c in race.lead_changes]
    assert changes == [
        ("aplusk", 1239932280000),  # 2009-04-17 01:38 UTC
        ("cnnbrk", 1239940200000),  # 03:50
        ("aplusk", 1239942300000),  # 04:25
    ]
    assert race.winner == "aplusk"
    assert race.crossings["aplusk"].at_ms == 1239948780000  # 06:13 UTC, 11:13 p.m. PDT
    assert race.margin_at_finish == 1_000_000 - 998_239
    assert race.crossings["cnnbrk"].at_ms == 1239950520000  # 06:42
    assert [(g.handle, g.count) for g in race.glitches] == [("cnnbrk", 1_998_130)]
    assert "britneyspears" not in race.crossings


def test_sample_is_shipped_without_a_wal(sample_path):
    conn = sqlite3.connect(f"file:{sample_path}?mode=ro", uri=True)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    conn.close()
