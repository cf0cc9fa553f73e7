"""Importing CSV and JSON Lines: formats, time zones, bad lines, duplicates."""

from __future__ import annotations

import csv
import io
import json
import random
import threading
from zoneinfo import ZoneInfo

import pytest

from photofinish.core.errors import ImportFileError
from photofinish.core.importing import stream
from photofinish.core.importing.records import csv_record, json_line, sniff_format
from photofinish.core.importing.report import SKIPPED_KEPT, ImportReport, Skipped
from photofinish.core.importing.stream import read_batches
from photofinish.core.importing.values import parse_count, parse_timestamp
from photofinish.core.jobs.imports import import_file
from photofinish.core.model import Competitor, Race
from photofinish.core.store import Store


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


# -- streaming, the fast path and big files -------------------------------------------------------

UTC_ZONE = ZoneInfo("UTC")
LA = ZoneInfo("America/Los_Angeles")

# Every kind of field the careful parser reads, well or badly; the fast path must agree.
TIMES = [
    "2009-04-17T06:13:00Z",
    "2009-04-17T06:13:59Z",
    "2009-04-17 06:13:01Z",
    "2009-04-17T06:13:00.5Z",
    "2009-04-17T06:13:00.123Z",
    "2009-04-17T06:13:00.1234Z",
    "2009-04-17T06:13:00.0006Z",
    "2009-04-17T06:13:00.9995-01:00",
    "2009-04-17T06:13:00.123456+02:00",
    "2009-04-17T02:13:00-04:00",
    "2009-04-17T06:13:00+05:45",
    "2009-04-17T06:13Z",
    "2009-04-16 23:13:00",  # naive: the display zone
    "2009-11-01T01:30:00",  # naive, in the hour Los Angeles repeats
    "2009-04-17T06:13:60Z",
    "2009-02-30T06:13:00Z",
    "2009-04-17T24:00:00Z",
    "2009-04-17T06:13:00 Z",
    " 2009-04-17T06:13:00Z ",
    "2009-04-17x06:13:00Z",
    "20090417T061300Z",
    "1239948780",
    "1239948780.5",
    "-5",
    "0",
    "99999999999999",
    "9" * 400,
    "١٢٣٩٩٤٨٧٨٠",
    "²",
    "yesterday",
    "",
]
COUNTS = ["998239", "0", "00012", "1,000,000", "1 000 000", " 42 ", "+5", "-3", "12.5", "lots"]
COUNTS += ["", "²", "١٢٣", "9" * 19, "9223372036854775807", "9223372036854775808"]
HANDLES = ["aplusk", "@cnnbrk", " spaced ", "", "@", "Aplusk", "new one"]
SOURCES = ["", "ABC", " padded ", "a\x00b"]


def whole_file(path, zone):
    """Every line of a UTF-8 file through the one line parser, the file read whole."""
    text = path.read_bytes().decode("utf-8-sig")
    if sniff_format(text, str(path)) == "jsonl":
        for line, raw in enumerate(text.splitlines(), start=1):
            if raw.strip():
                yield json_line(line, raw, zone)
        return
    reader = csv.reader(io.StringIO(text, newline=""))
    header = None
    for row in reader:
        if not row or all(not cell.strip() for cell in row):
            continue
        if header is None:
            header = [h.strip().lower() for h in row]
            continue
        yield csv_record(reader.line_num, row, header, zone)


def careful(path, zone):
    """What the careful parser makes of a file: readings, notes, bad lines, new handles."""
    snaps, events, skipped, handles = [], [], [], []
    for got in whole_file(path, zone):
        if isinstance(got, Skipped):
            skipped.append((got.line, got.reason))
        elif got.snapshot is not None:
            s = got.snapshot
            snaps.append((s.handle, s.at_ms, s.count, s.source))
            if s.handle not in handles:
                handles.append(s.handle)
        else:
            events.append(got.event)
    return snaps, events, skipped, handles


def streamed(path, zone, **pieces):
    """The same from read_batches, read in the pieces asked for."""
    ids: dict[str, int] = {}
    snaps, events, skipped = [], [], []

    def competitor_id(handle):
        assert handle not in ids, "asked twice for the same competitor"
        ids[handle] = len(ids) + 1
        return ids[handle]

    handle_of = {}
    for batch in read_batches(path, zone, competitor_id, **pieces):
        handle_of = {i: h for h, i in ids.items()}
        snaps += [(handle_of[cid], at, n, src) for cid, at, n, src in batch.rows]
        events += batch.events
        skipped += [(s.line, s.reason) for s in batch.skipped]
        assert 0 <= batch.bytes_read <= batch.bytes_total == path.stat().st_size
    assert batch.bytes_read == batch.bytes_total
    return snaps, events, skipped, list(ids)


def mixed_csv(rng: random.Random, lines: int, header: str = "timestamp,competitor,count,source"):
    """A CSV of good and bad lines of every kind, quoted or not, CRLF or LF."""
    out = ["\ufeff" + header + "\r\n"]
    names = [h.strip().lower() for h in header.split(",")]
    for _ in range(lines):
        roll = rng.random()
        if roll < 0.03:
            out.append(rng.choice(["\n", "\r\n", " , , ,\n", ",,,\n"]))
            continue
        fields = {
            "timestamp": rng.choice(TIMES) if roll < 0.5 else TIMES[rng.randrange(3)],
            "competitor": rng.choice(HANDLES) if roll < 0.5 else "aplusk",
            "count": rng.choice(COUNTS) if roll < 0.5 else str(rng.randrange(10**7)),
            "source": rng.choice(SOURCES[: 3 + (len(out) > 300)]) if roll < 0.5 else "",
        }
        row = [fields.get(name, "x") for name in names]
        if rng.random() < 0.05:
            row = row[:-1] if rng.random() < 0.5 else row + ["extra"]
        if rng.random() < 0.1:
            row = ['"' + f.replace('"', '""') + '"' for f in row]
            if rng.random() < 0.3:
                row[-1] = '"multi\nline ' + row[-1][1:]
        end = rng.choice(["\n", "\n", "\r\n"]) if roll > 0.02 else "\r"
        out.append(",".join(row) + end)
    return "".join(out)


def mixed_jsonl(rng: random.Random, lines: int) -> str:
    out = []
    for _ in range(lines):
        roll = rng.random()
        rec: object
        if roll < 0.1:
            rec = {"timestamp": rng.choice(TIMES), "text": rng.choice(["On air", "", " x "])}
            if rng.random() < 0.5:
                rec["competitor"] = rng.choice(HANDLES + [None, 5])
            if rng.random() < 0.3:
                rec["url"] = rng.choice(["https://x.test/a", 3])
        elif roll < 0.15:
            rec = rng.choice([[1, 2], "text", 5, None])
        else:
            rec = {
                "timestamp": rng.choice(TIMES + [1239948780, 1239948780.25, True, None]),
                "competitor": rng.choice(HANDLES + [None, 7]),
                "count": rng.choice([0, 5, -1, 2.0, 2.5, True, 2**63, 2**64, None] + COUNTS),
            }
            if rng.random() < 0.3:
                rec["source"] = rng.choice(SOURCES + [None, 0, ["s"]])
        line = json.dumps(rec, ensure_ascii=rng.random() < 0.5)
        if rng.random() < 0.03:
            line = line[: len(line) // 2]  # broken JSON
        if rng.random() < 0.02:
            line = '{"timestamp": "2009-04-17T06:13:00Z", "competitor": "a\u2028b", "count": 1}'
        out.append(line + rng.choice(["\n", "\r\n", "\n\n", "\n \n"]))
    return "".join(out)


PIECES = [
    {},
    {"chunk_chars": 1, "piece_bytes": 1},
    {"chunk_chars": 50, "piece_bytes": 7},
    {"chunk_chars": 700, "piece_bytes": 3, "batch_rows": 13},
]


@pytest.mark.parametrize("pieces", PIECES)
@pytest.mark.parametrize("zone", [UTC_ZONE, LA])
@pytest.mark.parametrize(
    "header",
    [
        "timestamp,competitor,count,source",
        "timestamp,competitor,count",
        "Count , Timestamp,source,COMPETITOR,note",
        "timestamp,competitor,count,count",  # the last column of a name wins
    ],
)
def test_a_csv_read_in_pieces_gives_what_the_careful_parser_gives(tmp_path, pieces, zone, header):
    path = write(tmp_path, "mixed.csv", mixed_csv(random.Random(7), 1500, header))
    expected = careful(path, zone)
    assert len(expected[0]) > 500 and len(expected[2]) > 100  # both kinds, plenty of each
    assert streamed(path, zone, **pieces) == expected


@pytest.mark.parametrize("pieces", PIECES)
def test_json_lines_read_in_pieces_give_what_the_careful_parser_gives(tmp_path, pieces):
    path = write(tmp_path, "mixed.jsonl", mixed_jsonl(random.Random(11), 1500))
    expected = careful(path, LA)
    assert len(expected[0]) > 200 and expected[1] and len(expected[2]) > 100
    assert streamed(path, LA, **pieces) == expected


def outcome(read, *args, **kwargs):
    """What a reader gives, or the message of the ImportFileError it raises."""
    try:
        return read(*args, **kwargs)
    except ImportFileError as exc:
        return str(exc)


@pytest.mark.parametrize("seed", range(20))
def test_small_random_files_agree_whatever_the_pieces(tmp_path, seed):
    rng = random.Random(seed)
    text = mixed_csv(rng, rng.randrange(1, 40)) if seed % 2 else mixed_jsonl(rng, 30)
    path = write(tmp_path, "small.txt", text)
    expected = outcome(careful, path, LA)
    for chunk in (1, 2, 5, 64):
        for piece in (1, 2, 3, 1 << 20):
            assert outcome(streamed, path, LA, chunk_chars=chunk, piece_bytes=piece) == expected


def test_the_fast_path_reads_the_usual_rows_without_the_careful_parser(tmp_path, monkeypatch):
    def refuse(*args):
        raise AssertionError("the careful parser was asked")

    monkeypatch.setattr(stream, "csv_record", refuse)
    monkeypatch.setattr(stream, "parse_timestamp", refuse)
    rows = "".join(f"2009-04-17T06:{i // 60:02d}:{i % 60:02d}Z,aplusk,{i},\n" for i in range(3000))
    rows += "1239948780,aplusk,5,\n2009-04-17T06:13:00.250+02:00,@cnnbrk,7, TV \n"
    path = write(tmp_path, "usual.csv", "timestamp,competitor,count,source\n" + rows)
    snaps, _, skipped, handles = streamed(path, UTC_ZONE)
    assert skipped == [] and len(snaps) == 3002 and handles == ["aplusk", "cnnbrk"]
    assert snaps[61] == ("aplusk", 1239948780000 - 13 * 60_000 + 61_000, 61, "import")
    assert snaps[-2] == ("aplusk", 1239948780000, 5, "import")
    assert snaps[-1] == ("cnnbrk", 1239948780000 - 7_200_000 + 250, 7, "TV")


@pytest.mark.parametrize(
    ("data", "offset"),
    [
        (b"timestamp,competitor,count\n" + b"1,a,1\n" * 5000 + b"1,\xff,1\n", 30_029),
        (b"\xef\xbb\xbftimestamp,competitor,count\n1,\xe2\x82,1\n", 29),
        (b"timestamp,competitor,count\n1,a,1\n\xe2\x82", 33),
        (b"\xef\xbb\xbf\xff", 0),
    ],
)
def test_a_bad_byte_anywhere_is_found_before_anything_is_written(store, tmp_path, data, offset):
    path = write(tmp_path, "bad.csv", data)
    messages = set()
    for piece in (1, 2, 7, 1 << 20):
        with pytest.raises(ImportFileError) as stream_error:
            next(read_batches(path, UTC_ZONE, lambda h: 1, piece_bytes=piece))
        messages.add(str(stream_error.value))
        assert f"bad byte at offset {offset})" in str(stream_error.value)
    assert len(messages) == 1, messages  # however the file is read in pieces
    with pytest.raises(ImportFileError, match="not UTF-8"):
        import_file(store, path)
    assert store.snapshot_count() == 0
    assert [c.handle for c in store.competitors()] == ["aplusk", "cnnbrk"]


def test_only_the_first_bad_lines_are_kept(store, tmp_path, capsys):
    lines = ["timestamp,competitor,count"]
    for i in range(3000):
        lines.append(f"{1239948780 + i},aplusk,{i}" if i % 2 else f"{i},aplusk,lots")
    path = write(tmp_path, "many.csv", "\n".join(lines) + "\n")
    report = import_file(store, path)
    assert report.imported == 1500
    assert len(report.skipped) == SKIPPED_KEPT == 1000
    assert report.skipped_more == 500 and report.bad_lines == 1500
    assert [s.line for s in report.skipped] == list(range(2, 2001, 2))
    assert len(report.as_json()["skipped"]) == 1000  # type: ignore[arg-type]

    from tests.cli.support import run

    store.close()
    code, out, err = run(capsys, "import", str(tmp_path / "s.db"), str(path))
    assert code == 0
    assert "1,500 bad lines." in out and "1,500 duplicates skipped" in out
    assert "  line 2: count 'lots' is not a whole number" in err
    assert "... and 1,450 more" in err
    code, out, err = run(capsys, "import", str(tmp_path / "s.db"), str(path), "--json")
    assert len(json.loads(out)["skipped"]) == 1000
    assert "the report lists the first 1,000 of 1,500 bad lines" in err


def test_a_bad_line_deep_in_a_big_file_is_reported_with_its_number(store, tmp_path, monkeypatch):
    from photofinish.core.jobs import imports as operations

    monkeypatch.setattr(operations, "IMPORT_BATCH", 7_000)
    lines = ["timestamp,competitor,count"]
    lines += [
        f"2009-04-17T06:13:{i % 60:02d}Z,{'aplusk' if i % 2 else 'cnnbrk'},{i}"
        for i in range(60_000)
    ]
    lines[45_679] = "2009-04-17T06:13:00Z,aplusk,12.5"
    lines[45_680] = '"2009-04-17T06:13:00Z","aplusk","not\na number"'
    path = write(tmp_path, "big.csv", "\n".join(lines) + "\n")
    progress = []
    steps = operations.import_file_steps(store, path)
    while True:
        try:
            progress.append(next(steps))
        except StopIteration as stop:
            report = stop.value
            break
    assert [(s.line, s.reason) for s in report.skipped] == [
        (45_680, "count '12.5' is not a whole number"),
        (45_682, "count 'not\\na number' is not a whole number"),
    ]
    assert report.imported == 59_998 and report.duplicates == 0
    assert store.snapshot_count() == 59_998
    assert len(progress) > 5
    assert [done for done, _ in progress] == sorted(done for done, _ in progress)
    assert progress[-1] == (path.stat().st_size, path.stat().st_size)


def test_duplicates_in_the_same_batch_and_across_batches(store, tmp_path, monkeypatch):
    from photofinish.core.jobs import imports as operations

    monkeypatch.setattr(operations, "IMPORT_BATCH", 3)
    rows = ["2009-04-17T06:13:00Z,aplusk,1"] * 4 + ["2009-04-17T06:13:01Z,aplusk,2"] * 4
    path = write(tmp_path, "dup.csv", "timestamp,competitor,count\n" + "\n".join(rows) + "\n")
    report = import_file(store, path)
    assert (report.imported, report.duplicates) == (2, 6)


def test_stopping_early_keeps_the_batches_stored(store, tmp_path, monkeypatch):
    from photofinish.core.jobs import imports as operations

    monkeypatch.setattr(operations, "IMPORT_BATCH", 1_000)
    rows = "".join(f"{1239948780 + i},aplusk,{i}\n" for i in range(80_000))
    path = write(tmp_path, "stop.csv", "timestamp,competitor,count\n" + rows)
    report = ImportReport()
    steps = operations.import_file_steps(store, path, report)
    for _ in range(4):  # the fourth batch waits for room: the first is stored by then
        next(steps)
    steps.close()
    assert 0 < report.imported < 80_000
    assert report.imported == store.snapshot_count()
    assert [t for t in threading.enumerate() if t.name == "photofinish-import"] == []
    again = import_file(store, path)
    assert again.imported == 80_000 - report.imported
    assert again.duplicates == report.imported


def test_an_in_memory_session_imports_on_its_own_connection(tmp_path):
    s = Store.create(None, Race("r", 10), [Competitor("a", "A", "")])
    try:
        path = write(tmp_path, "m.csv", "timestamp,competitor,count\n1,a,1\n2,b,2\n")
        report = import_file(s, path)
        assert (report.imported, report.competitors_added) == (2, ["b"])
        assert [(x.handle, x.at_ms) for x in s.snapshots()] == [("a", 1000), ("b", 2000)]
    finally:
        s.close()


def test_text_comes_back_exactly_as_written(store, tmp_path):
    text = "timestamp,competitor,count,source\n" + "".join(f"{i},cnnbrk,{i},\n" for i in range(900))
    text += '1,aplusk,1,"nul \x00 here"\n2,aplusk,2,"é ü \u2028 \\u0000"\n'
    path = write(tmp_path, "text.csv", text)
    assert import_file(store, path).imported == 902
    sources = [s.source for s in store.snapshots("aplusk")]
    assert sources == ["nul \x00 here", "é ü \u2028 \\u0000"]


def test_notes_keep_a_competitor_that_a_later_line_adds(store, tmp_path):
    lines = [
        {"timestamp": "2009-04-17T05:48:00Z", "text": "Enter Oprah", "competitor": "oprah"},
        {"timestamp": "2009-04-17T05:48:30Z", "text": "Nobody", "competitor": "ghost"},
        {"timestamp": "2009-04-17T05:49:00Z", "competitor": "oprah", "count": 5},
    ]
    path = write(tmp_path, "n.jsonl", "\n".join(json.dumps(x) for x in lines) + "\n")
    report = import_file(store, path)
    assert report.annotations == 2 and report.competitors_added == ["oprah"]
    notes = {e.text: e.handle for e in store.events() if e.origin == "imported"}
    assert notes == {"Enter Oprah": "oprah", "Nobody": None}


def test_counts_and_times_too_big_for_the_file_are_bad_lines(store, tmp_path):
    text = "timestamp,competitor,count\n1,aplusk,9223372036854775808\n" + "9" * 30 + ",aplusk,1\n"
    report = import_file(store, write(tmp_path, "big.csv", text))
    assert report.imported == 0
    assert [s.reason.split(" ")[0] for s in report.skipped] == ["count", "timestamp"]
    with pytest.raises(ValueError, match="out of range"):
        parse_timestamp(10**400, UTC_ZONE)
