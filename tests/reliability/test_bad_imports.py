"""Bad input to the importer: whole files it must refuse, and lines it must report and pass over.

A file that cannot be read as a whole raises ImportFileError naming the file,
and nothing is written to the session. A bad line is reported with its line
number and a reason naming what is wrong, and every good line is stored, as
the exact readings checked here.

Decisions these tests pin down:

* UTF-16 (with a byte order mark either way round, or without one) and UTF-32
  with a mark are decoded, as "Unicode text" from spreadsheets; bytes that
  are not valid in the encoding the file starts like are a whole-file error.
* A reading timed more than a day after now is a bad line: it cannot have
  been taken yet. A reading from 1970, epoch seconds 0 included, is stored
  as written: a time is a moment like any other, and the file is all the
  importer knows of the race's era.
* A line (a CSV record) longer than 1 MB is a bad line, as it is for a
  followed file, and never a 1 MB handle or source.
"""

from __future__ import annotations

import codecs
import json
import random
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from photofinish.core.errors import ImportFileError
from photofinish.core.jobs.imports import import_file
from photofinish.core.jobs.summary import summary
from photofinish.core.model import Competitor, Race
from photofinish.core.store import Store
from tests.cli.support import run
from tests.core.importing.test_importing import write

BIG = 10 * 1024 * 1024
T0 = 1239948780000  # 2009-04-17T06:13:00Z
MIN = 60_000
HEADER = "timestamp,competitor,count,source\n"


def stored(store: Store) -> list[tuple[str, int, int, str]]:
    """Every reading in the session: handle, UTC milliseconds, count, source."""
    return [(s.handle, s.at_ms, s.count, s.source) for s in store.snapshots()]


def contents(store: Store) -> list[str]:
    """Everything in the session file, as SQL: equal before and after when nothing was written."""
    return list(store.db.conn.iterdump())


def handles(store: Store) -> list[str]:
    return [c.handle for c in store.competitors()]


def iso(at_ms: int) -> str:
    return datetime.fromtimestamp(at_ms / 1000, UTC).isoformat().replace("+00:00", "Z")


# -- whole files -------------------------------------------------------------------------------
WHOLE_FILE = {
    "empty": (b"", "is empty"),
    "blank-lines-only": (b"\n  \r\n\t\n", "is empty"),
    "wrong-columns": (
        b"name,age,city\nbob,3,Paris\n",
        "is neither CSV with a header of timestamp, competitor, count nor JSON Lines",
    ),
    "wrong-columns-one-missing": (
        b"timestamp,competitor,followers\n2009-04-17T06:13:00Z,aplusk,5\n",
        "is neither CSV with a header of timestamp, competitor, count nor JSON Lines",
    ),
    "binary": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "is a binary file"),
    "binary-after-a-header": (
        b"timestamp,competitor,count\n\x00\x01\x02\x03\n",
        "is a binary file",
    ),
    "not-utf-8": (
        b"timestamp,competitor,count\n2009-04-17T06:13:00Z,\xe9,5\n",
        "is not UTF-8 text (bad byte at offset 48)",
    ),
    "utf-16-broken": (
        codecs.BOM_UTF16_LE + "timestamp,competitor,count\n".encode("utf-16-le") + b"\x00\xdc",
        "is not UTF-8 text, nor the UTF-16 text it starts like (bad byte at offset 54)",
    ),
    "10-mb-single-line": (b"x" * BIG, "is neither CSV"),
    "10-mb-single-quoted-line": (b'"' + b"x" * BIG + b'"', "is neither CSV"),
}


@pytest.mark.parametrize("kind", list(WHOLE_FILE))
def test_a_file_that_cannot_be_read_is_refused_naming_it_and_nothing_is_written(
    store, tmp_path, kind
):
    data, message = WHOLE_FILE[kind]
    path = write(tmp_path, "in.csv", data)
    before = contents(store)
    with pytest.raises(ImportFileError) as refused:
        import_file(store, path)
    assert str(refused.value).startswith(f"{path}: ")
    assert message in str(refused.value)
    assert contents(store) == before
    assert stored(store) == [] and store.events() == []
    assert handles(store) == ["aplusk", "cnnbrk"]
    assert path.read_bytes() == data


def test_a_header_and_nothing_else_imports_nothing_and_is_no_error(store, tmp_path):
    before = contents(store)
    report = import_file(store, write(tmp_path, "in.csv", "timestamp,competitor,count\n\n"))
    assert (report.imported, report.annotations, report.duplicates, report.bad_lines) == (
        0,
        0,
        0,
        0,
    )
    assert report.competitors_added == []
    assert contents(store) == before


TEXT = (
    "timestamp,competitor,count,source\r\n"
    "2009-04-17T06:13:00Z,aplusk,1000000,Zoë’s feed\r\n"
    "2009-04-17T06:13:00Z,@Zoë,7,\r\n"
    "not a time,aplusk,5,\r\n"
    '2009-04-17T06:14:00Z,cnnbrk,"998,239",CNN\r\n'
)
UNICODE_TEXT = {
    "utf-16-bom-le": codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le"),
    "utf-16-bom-be": codecs.BOM_UTF16_BE + TEXT.encode("utf-16-be"),
    "utf-16-le-no-bom": TEXT.encode("utf-16-le"),
    "utf-16-be-no-bom": TEXT.encode("utf-16-be"),
    "utf-32-bom": codecs.BOM_UTF32_LE + TEXT.encode("utf-32-le"),
    "utf-8-bom": codecs.BOM_UTF8 + TEXT.encode("utf-8"),
}


@pytest.mark.parametrize("kind", list(UNICODE_TEXT))
def test_utf_16_and_32_text_is_read_like_utf_8(store, tmp_path, kind):
    report = import_file(store, write(tmp_path, "in.csv", UNICODE_TEXT[kind]))
    assert [(s.line, s.reason) for s in report.skipped] == [
        (4, "timestamp 'not a time' is neither ISO 8601 nor epoch seconds")
    ]
    assert report.competitors_added == ["Zoë"]
    assert stored(store) == [
        ("aplusk", T0, 1_000_000, "Zoë’s feed"),
        ("Zoë", T0, 7, "import"),
        ("cnnbrk", T0 + MIN, 998_239, "CNN"),
    ]


def test_utf_16_json_lines_are_read_too(store, tmp_path):
    lines = [
        {"timestamp": "2009-04-17T06:13:00Z", "competitor": "aplusk", "count": 5},
        {"timestamp": "2009-04-17T06:13:00Z", "text": "Ein Schritt – weiter"},
    ]
    text = "\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\n"
    report = import_file(store, write(tmp_path, "in.jsonl", text.encode("utf-16")))
    assert (report.imported, report.annotations, report.bad_lines) == (1, 1, 0)
    assert stored(store) == [("aplusk", T0, 5, "import")]
    assert [e.text for e in store.events() if e.origin == "imported"] == ["Ein Schritt – weiter"]


# -- bad lines among good ones ------------------------------------------------------------------
GOOD_FIRST = "2009-04-17T06:13:00Z,aplusk,1000000,ABC"
GOOD_LAST = "2009-04-17T06:20:00Z,cnnbrk,998239,CNN"
KEPT = [("aplusk", T0, 1_000_000, "ABC"), ("cnnbrk", T0 + 7 * MIN, 998_239, "CNN")]
LONG = "line is longer than 1 MB"

# Each bad CSV line goes on line 3, between two good ones; the reason must be exactly this.
BAD_CSV_LINES = {
    "non-numeric-count": (
        "2009-04-17T06:14:00Z,aplusk,lots,x",
        "count 'lots' is not a whole number",
    ),
    "empty-count": ("2009-04-17T06:14:00Z,aplusk,,x", "count is empty"),
    "negative-count": ("2009-04-17T06:14:00Z,aplusk,-3,x", "count '-3' is negative"),
    "negative-count-with-separators": (
        '2009-04-17T06:14:00Z,aplusk,"-1,000",x',
        "count '-1,000' is negative",
    ),
    "fractional-count": (
        "2009-04-17T06:14:00Z,aplusk,12.5,x",
        "count '12.5' is not a whole number",
    ),
    "nan-count": ("2009-04-17T06:14:00Z,aplusk,NaN,x", "count 'NaN' is not a number"),
    "infinite-count": ("2009-04-17T06:14:00Z,aplusk,inf,x", "count 'inf' is not a number"),
    "1e30-count": ("2009-04-17T06:14:00Z,aplusk,1e30,x", "count '1e30' is too big"),
    "count-too-big-for-the-file": (
        "2009-04-17T06:14:00Z,aplusk,9223372036854775808,x",
        "count '9223372036854775808' is too big",
    ),
    "count-of-5000-digits": (
        "2009-04-17T06:14:00Z,aplusk," + "9" * 5000 + ",x",
        "count '" + "9" * 40 + "…' is too big",
    ),
    "nan-timestamp": ("NaN,aplusk,5,x", "timestamp 'NaN' is neither ISO 8601 nor epoch seconds"),
    "1e30-timestamp": ("1e30,aplusk,5,x", "timestamp '1e30' is neither ISO 8601 nor epoch seconds"),
    "huge-epoch-timestamp": ("9" * 30 + ",aplusk,5,x", f"timestamp '{'9' * 30}' is out of range"),
    "future-timestamp": (
        "2999-01-01T00:00:00Z,aplusk,5,x",
        "timestamp '2999-01-01T00:00:00Z' is in the future (a reading cannot be taken yet)",
    ),
    "future-epoch-seconds": (
        "32503680000,aplusk,5,x",
        "timestamp '32503680000' is in the future (a reading cannot be taken yet)",
    ),
    "30-february": (
        "2009-02-30T06:13:00Z,aplusk,5,x",
        "timestamp '2009-02-30T06:13:00Z' is not a real date and time "
        "(day is out of range for month)",
    ),
    "hour-25": (
        "2009-04-17T25:00:00Z,aplusk,5,x",
        "timestamp '2009-04-17T25:00:00Z' is not a real date and time (hour must be in 0..23)",
    ),
    "hour-25-naive": (
        "2009-04-17 25:00,aplusk,5,x",
        "timestamp '2009-04-17 25:00' is not a real date and time (hour must be in 0..23)",
    ),
    "month-13": (
        "2009-13-01T00:00:00Z,aplusk,5,x",
        "timestamp '2009-13-01T00:00:00Z' is not a real date and time (month must be in 1..12)",
    ),
    "no-competitor": ("2009-04-17T06:14:00Z, ,5,x", "competitor is missing"),
    "only-an-at-sign": ("2009-04-17T06:14:00Z,@,5,x", "competitor is missing"),
    "too-few-fields": ("2009-04-17T06:14:00Z,aplusk", "expected 4 fields, found 2"),
    "too-many-fields": ("2009-04-17T06:14:00Z,aplusk,5,x,y", "expected 4 fields, found 5"),
    "10-mb-line": ("x" * BIG, LONG),
    "10-mb-source": ("2009-04-17T06:14:00Z,aplusk,5," + "s" * BIG, LONG),
    "10-mb-quoted-source": ('2009-04-17T06:14:00Z,aplusk,5,"' + "s" * BIG + '"', LONG),
    "10-mb-competitor": ("2009-04-17T06:14:00Z," + "c" * BIG + ",5,x", LONG),
}


@pytest.mark.parametrize("kind", list(BAD_CSV_LINES))
def test_a_bad_csv_line_is_reported_by_number_and_reason_and_good_lines_are_kept(
    store, tmp_path, kind
):
    line, reason = BAD_CSV_LINES[kind]
    path = write(tmp_path, "in.csv", HEADER + f"{GOOD_FIRST}\n{line}\n{GOOD_LAST}\n")
    report = import_file(store, path)
    assert [(s.line, s.reason) for s in report.skipped] == [(3, reason)]
    assert (report.imported, report.duplicates, report.bad_lines) == (2, 0, 1)
    assert stored(store) == KEPT
    assert handles(store) == ["aplusk", "cnnbrk"] and report.competitors_added == []


GOOD_JSON = [
    {
        "timestamp": "2009-04-17T06:13:00Z",
        "competitor": "aplusk",
        "count": 1_000_000,
        "source": "ABC",
    },
    {
        "timestamp": "2009-04-17T06:20:00Z",
        "competitor": "cnnbrk",
        "count": 998_239,
        "source": "CNN",
    },
]
AT = "2009-04-17T06:14:00Z"
BAD_JSON_LINES = {
    "string-count": (
        {"timestamp": AT, "competitor": "a", "count": "lots"},
        "count 'lots' is not a whole number",
    ),
    "negative-count": ({"timestamp": AT, "competitor": "a", "count": -3}, "count -3 is negative"),
    "fractional-count": (
        {"timestamp": AT, "competitor": "a", "count": 2.5},
        "count 2.5 is not a whole number",
    ),
    "nan-count": (
        f'{{"timestamp": "{AT}", "competitor": "a", "count": NaN}}',
        "count nan is not a number",
    ),
    "1e30-count": ({"timestamp": AT, "competitor": "a", "count": 1e30}, "count 1e+30 is too big"),
    "10**30-count": (
        {"timestamp": AT, "competitor": "a", "count": 10**30},
        "count 1000000000000000000000000000000 is too big",
    ),
    "5000-digit-count": (
        f'{{"timestamp": "{AT}", "competitor": "a", "count": {"9" * 5000}}}',
        "not valid JSON (a number in it is too long)",
    ),
    "boolean-count": ({"timestamp": AT, "competitor": "a", "count": True}, "count is not a number"),
    "nan-timestamp": (
        '{"timestamp": NaN, "competitor": "a", "count": 5}',
        "timestamp is not a finite number",
    ),
    "1e30-timestamp": (
        {"timestamp": 1e30, "competitor": "a", "count": 5},
        "timestamp 1e+30 is out of range",
    ),
    "future-timestamp": (
        {"timestamp": 32503680000, "competitor": "a", "count": 5},
        "timestamp 32503680000 is in the future (a reading cannot be taken yet)",
    ),
    "30-february": (
        {"timestamp": "2009-02-30T06:13:00Z", "competitor": "a", "count": 5},
        "timestamp '2009-02-30T06:13:00Z' is not a real date and time "
        "(day is out of range for month)",
    ),
    "no-timestamp": ({"competitor": "a", "count": 5}, "timestamp is missing"),
    "only-an-at-sign": ({"timestamp": AT, "competitor": "@", "count": 5}, "competitor is missing"),
    "competitor-not-text": (
        {"timestamp": AT, "competitor": 7, "count": 5},
        "competitor is missing",
    ),
    "source-not-text": (
        {"timestamp": AT, "competitor": "a", "count": 5, "source": ["s"]},
        "source is not text",
    ),
    "not-an-object": ("[1, 2, 3]", "not a JSON object"),
    "broken-json": (
        '{"timestamp": "2009-04-17T06:14',
        "not valid JSON (Unterminated string starting at)",
    ),
    "10-mb-line": (
        {"timestamp": AT, "competitor": "a", "count": 5, "source": "s" * BIG},
        LONG,
    ),
}


@pytest.mark.parametrize("kind", list(BAD_JSON_LINES))
def test_a_bad_json_line_is_reported_by_number_and_reason_and_good_lines_are_kept(
    store, tmp_path, kind
):
    bad, reason = BAD_JSON_LINES[kind]
    lines = [json.dumps(GOOD_JSON[0]), bad if isinstance(bad, str) else json.dumps(bad)]
    lines.append(json.dumps(GOOD_JSON[1]))
    report = import_file(store, write(tmp_path, "in.jsonl", "\n".join(lines) + "\n"))
    assert [(s.line, s.reason) for s in report.skipped] == [(2, reason)]
    assert (report.imported, report.duplicates, report.bad_lines) == (2, 0, 1)
    assert stored(store) == KEPT
    assert handles(store) == ["aplusk", "cnnbrk"]


def test_the_future_starts_a_day_from_now(store, tmp_path):
    now = int(time.time()) * 1000
    lines = [
        f"{iso(now - MIN)},aplusk,1,",  # a minute ago
        f"{iso(now + 12 * 3_600_000)},aplusk,2,",  # a clock half a day ahead: still fine
        f"{iso(now + 2 * 86_400_000)},aplusk,3,",  # two days ahead: not a reading yet
    ]
    report = import_file(store, write(tmp_path, "in.csv", HEADER + "\n".join(lines) + "\n"))
    assert [(s.line, s.reason.split(" is ")[1]) for s in report.skipped] == [
        (4, "in the future (a reading cannot be taken yet)")
    ]
    assert [(h, at, n) for h, at, n, _ in stored(store)] == [
        ("aplusk", now - MIN, 1),
        ("aplusk", now + 12 * 3_600_000, 2),
    ]


def test_1970_and_other_early_times_are_stored_as_written(store, tmp_path):
    lines = [
        "0,aplusk,10,",  # epoch seconds 0
        "1970-01-01T00:00:00Z,cnnbrk,11,",
        "1969-12-31T23:59:59Z,cnnbrk,12,",
        "1970-01-01T00:00:01.5+00:00,aplusk,13,",
    ]
    report = import_file(store, write(tmp_path, "in.csv", HEADER + "\n".join(lines) + "\n"))
    assert report.skipped == [] and report.imported == 4
    assert stored(store) == [
        ("cnnbrk", -1000, 12, "import"),
        ("aplusk", 0, 10, "import"),
        ("cnnbrk", 0, 11, "import"),
        ("aplusk", 1500, 13, "import"),
    ]


def test_mixed_utc_offsets_are_converted_not_rejected(store, tmp_path):
    # Each is one moment written in another zone; the display zone is Los Angeles (PDT, UTC-7).
    lines = [
        ("2009-04-17T06:13:00Z", T0),
        ("2009-04-17T11:58:00+05:45", T0),  # Nepal
        ("2009-04-16T20:13:00-10:00", T0),  # Hawaii
        ("2009-04-17T20:13:00+14:00", T0),  # Kiribati
        ("2009-04-17T02:13:00-04:00", T0),
        ("2009-04-17T07:14:00+0100", T0 + MIN),  # basic format offset
        ("2009-04-17T06:15:00+00:00", T0 + 2 * MIN),
        ("2009-04-17T06:16:00.250Z", T0 + 3 * MIN + 250),
        ("2009-04-16 23:17:00", T0 + 4 * MIN),  # no offset: the race's zone
        ("1239949080", T0 + 5 * MIN),  # epoch seconds
    ]
    text = HEADER + "".join(f"{t},aplusk,{100 + i},\n" for i, (t, _) in enumerate(lines))
    report = import_file(store, write(tmp_path, "in.csv", text))
    assert report.skipped == [] and report.imported == len(lines)
    assert stored(store) == sorted(
        ("aplusk", at, 100 + i, "import") for i, (_, at) in enumerate(lines)
    )


def test_duplicates_are_stored_once_whatever_their_notation(store, tmp_path):
    lines = [
        "2009-04-17T06:13:00Z,aplusk,5,first",
        "2009-04-17T06:13:00Z,aplusk,5,first",
        "1239948780,@aplusk,5,second",  # the same reading: same competitor, moment and count
        "2009-04-16T23:13:00-07:00, aplusk ,5,third",
        "2009-04-17T06:13:00Z,aplusk,6,",  # the same moment, another count: another reading
        "2009-04-17T06:13:00Z,cnnbrk,5,",  # another competitor
        "2009-04-17T06:13:00Z,aplusk,5,first",
    ]
    report = import_file(store, write(tmp_path, "in.csv", HEADER + "\n".join(lines) + "\n"))
    assert (report.imported, report.duplicates, report.bad_lines) == (3, 4, 0)
    assert stored(store) == [
        ("aplusk", T0, 5, "first"),
        ("aplusk", T0, 6, "import"),
        ("cnnbrk", T0, 5, "import"),
    ]
    again = import_file(store, write(tmp_path, "in.csv", HEADER + "\n".join(lines) + "\n"))
    assert (again.imported, again.duplicates) == (0, 7)


def _race_lines(rng: random.Random) -> list[str]:
    """Two counters passing each other a few times, with a spike and a drop to zero."""
    out = []
    a, b = 901_500, 900_000
    for i in range(300):
        a += rng.randrange(0, 60) + (60 if (i // 50) % 2 else 0)
        b += rng.randrange(0, 60) + (0 if (i // 50) % 2 else 60)
        out.append(f"{iso(T0 + i * MIN)},aplusk,{a},")
        out.append(f"{iso(T0 + i * MIN + 7_000)},cnnbrk,{b},")
    out[101] = f"{iso(T0 + 50 * MIN + 7_000)},cnnbrk,0,"  # a drop to zero
    out[200] = f"{iso(T0 + 100 * MIN)},aplusk,3000000,"  # a spike
    return out


def test_shuffled_rows_give_the_same_race_as_sorted_ones(tmp_path):
    lines = _race_lines(random.Random(5))
    shuffled = list(lines)
    random.Random(6).shuffle(shuffled)
    results = []
    for name, rows in (("sorted", lines), ("shuffled", shuffled)):
        with Store.create(
            tmp_path / f"{name}.db",
            Race("r", 912_000, display_tz="UTC"),
            [Competitor("aplusk", "Ashton", ""), Competitor("cnnbrk", "CNN", "")],
        ) as s:
            report = import_file(s, write(tmp_path, f"{name}.csv", HEADER + "\n".join(rows) + "\n"))
            assert (report.imported, report.bad_lines) == (600, 0)
            flags = [(x.handle, x.at_ms, x.count, x.flag, x.flagged_by) for x in s.snapshots()]
            events = [(e.at_ms, e.kind, e.key, e.text) for e in s.events()]
            results.append((flags, events, summary(s)))
    assert results[0] == results[1]
    flags, events, numbers = results[0]
    assert len(numbers["lead_changes"]) >= 4 and len(numbers["glitches"]) == 2
    assert numbers["winner"] is not None
    assert {(h, n) for h, _, n, f, _ in flags if f == "glitch"} == {
        ("cnnbrk", 0),
        ("aplusk", 3_000_000),
    }


# -- the command line --------------------------------------------------------------------------
def _session(tmp_path: Path) -> Path:
    path = tmp_path / "cli.pfrace"
    Store.create(
        path, Race("r", 1_000_000), [Competitor("aplusk", "A", ""), Competitor("cnnbrk", "C", "")]
    ).close()
    return path


def test_the_command_line_prints_each_bad_line_with_its_number_and_reason(capsys, tmp_path):
    session = _session(tmp_path)
    lines = [
        GOOD_FIRST,
        "2009-04-17T06:14:00Z,aplusk,-3,x",
        "2009-02-30T06:13:00Z,aplusk,5,x",
        "2999-01-01T00:00:00Z,aplusk,5,x",
        GOOD_LAST,
    ]
    path = write(tmp_path, "in.csv", HEADER + "\n".join(lines) + "\n")
    code, out, err = run(capsys, "import", str(session), str(path))
    assert code == 0
    assert out.splitlines()[0] == (
        "Imported 2 snapshots and 0 annotations; 0 duplicates skipped; 3 bad lines."
    )
    assert [line for line in err.splitlines() if line.startswith("  line ")] == [
        "  line 3: count '-3' is negative",
        "  line 4: timestamp '2009-02-30T06:13:00Z' is not a real date and time "
        "(day is out of range for month)",
        "  line 5: timestamp '2999-01-01T00:00:00Z' is in the future "
        "(a reading cannot be taken yet)",
    ]
    code, out, _ = run(capsys, "import", str(session), str(path), "--json")
    assert json.loads(out)["skipped"] == [
        {"line": 3, "reason": "count '-3' is negative"},
        {
            "line": 4,
            "reason": "timestamp '2009-02-30T06:13:00Z' is not a real date and time "
            "(day is out of range for month)",
        },
        {
            "line": 5,
            "reason": "timestamp '2999-01-01T00:00:00Z' is in the future "
            "(a reading cannot be taken yet)",
        },
    ]
    with Store.open(session, read_only=True) as s:
        assert stored(s) == KEPT


def test_the_command_line_refuses_a_whole_file_in_one_line_and_writes_nothing(capsys, tmp_path):
    session = _session(tmp_path)
    path = write(tmp_path, "in.csv", WHOLE_FILE["binary"][0])
    code, out, err = run(capsys, "import", str(session), str(path))
    assert (code, out) == (2, "")
    assert err == f"photofinish: error: {path}: is a binary file, not CSV or JSON Lines\n"
    with Store.open(session, read_only=True) as s:
        assert s.snapshot_count() == 0 and handles(s) == ["aplusk", "cnnbrk"]
