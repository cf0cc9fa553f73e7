"""Importing CSV and JSON Lines: formats, time zones, bad lines, duplicates."""

from __future__ import annotations

import json
from zoneinfo import ZoneInfo

import pytest

from gui.core.importing import ImportFileError, parse_count, parse_timestamp
from gui.core.model import Competitor, Race
from gui.core.operations import import_file
from gui.core.store import Store


@pytest.fixture
def store(tmp_path):
    s = Store.create(
        tmp_path / "s.db",
        Race("r", 1_000_000, display_tz="America/Los_Angeles"),
        [Competitor("aplusk", "Ashton", ""), Competitor("cnnbrk", "CNN", "")],
    )
    yield s
    s.close()


def write(tmp_path, name, data: bytes | str):
    p = tmp_path / name
    p.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return p


def test_timestamps():
    la = ZoneInfo("America/Los_Angeles")
    assert parse_timestamp("2009-04-17T06:13:00Z", la) == 1239948780000
    assert parse_timestamp("2009-04-17T02:13:00-04:00", la) == 1239948780000
    assert parse_timestamp("1239948780", la) == 1239948780000
    assert parse_timestamp(1239948780.5, la) == 1239948780500
    # Naive: read in the display zone (PDT in April 2009, UTC-7).
    assert parse_timestamp("2009-04-16 23:13:00", la) == 1239948780000
    with pytest.raises(ValueError, match="neither ISO 8601"):
        parse_timestamp("yesterday", la)


def test_counts():
    assert parse_count("1,000,000") == 1_000_000
    assert parse_count("1 000 000") == 1_000_000
    assert parse_count(42) == 42
    for bad in ("12.5", "-3", "", "abc", True):
        with pytest.raises(ValueError):
            parse_count(bad)


def test_csv_with_bom_crlf_and_bad_rows(store, tmp_path):
    text = (
        "\ufefftimestamp,competitor,count,source\r\n"
        '2009-04-17T06:13:00Z,aplusk,"1,000,000",ABC\r\n'
        "2009-04-17T06:13:00Z,cnnbrk,998239,ABC\r\n"
        "not a time,aplusk,5,x\r\n"
        "2009-04-17T06:14:00Z,aplusk,lots,x\r\n"
        "2009-04-17T06:15:00Z,britneyspears,963000\r\n"
    )
    report = import_file(store, write(tmp_path, "a.csv", text))
    assert report.imported == 2
    assert [(s.line, s.reason.split(" ")[0]) for s in report.skipped] == [
        (4, "timestamp"),
        (5, "count"),
        (6, "expected"),
    ]
    assert report.competitors_added == []
    # The short row (no source column) was rejected, so britneyspears was not added.
    assert [c.handle for c in store.competitors()] == ["aplusk", "cnnbrk"]


def test_new_competitors_are_added_and_reported(store, tmp_path):
    text = "timestamp,competitor,count\n2009-04-17T13:30:00Z,@britneyspears,963564\n"
    report = import_file(store, write(tmp_path, "b.csv", text))
    assert report.competitors_added == ["britneyspears"]
    assert store.competitors()[2].handle == "britneyspears"


def test_importing_twice_adds_nothing(store, tmp_path):
    p = write(
        tmp_path, "c.csv", "timestamp,competitor,count\n1,aplusk,10\n2,aplusk,11\n2,aplusk,11\n"
    )
    first = import_file(store, p)
    assert (first.imported, first.duplicates) == (2, 1)
    second = import_file(store, p)
    assert (second.imported, second.duplicates) == (0, 3)
    assert store.snapshot_count() == 2


def test_json_lines_with_annotations(store, tmp_path):
    lines = [
        {"timestamp": "2009-04-17T05:48:00Z", "text": "On air plea", "url": "https://x.test/a"},
        {"timestamp": "2009-04-17T05:49:00Z", "competitor": "cnnbrk", "count": 997000},
        "not json",
        {"timestamp": "2009-04-17T05:50:00Z", "competitor": "cnnbrk"},
    ]
    text = "\n".join(x if isinstance(x, str) else json.dumps(x) for x in lines) + "\n"
    report = import_file(store, write(tmp_path, "d.jsonl", text))
    assert report.imported == 1 and report.annotations == 1
    assert [s.line for s in report.skipped] == [3, 4]
    notes = [e for e in store.events() if e.origin == "imported"]
    assert [(n.text, n.url) for n in notes] == [("On air plea", "https://x.test/a")]
    again = import_file(store, write(tmp_path, "d.jsonl", text))
    assert again.annotations == 0 and again.duplicates == 2


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00", "binary"),
        (b"name,age\nbob,3\n", "neither CSV"),
        (b"", "empty"),
        (b"\xff\xfe\xfa bad", "not UTF-8"),
    ],
)
def test_unreadable_files_write_nothing(store, tmp_path, data, message):
    with pytest.raises(ImportFileError, match=message):
        import_file(store, write(tmp_path, "bad.txt", data))
    assert store.snapshot_count() == 0


def test_missing_file(store, tmp_path):
    with pytest.raises(ImportFileError, match="no such file"):
        import_file(store, tmp_path / "missing.csv")
