"""Following a growing CSV or JSON Lines file: pieces, formats, truncation, rotation."""

from __future__ import annotations

import json
import os
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from photofinish.core.live.follow import FileFollower, FileMissing, FollowError, FollowResult

UTC = ZoneInfo("UTC")
HEADER = "timestamp,competitor,count\n"
T0 = 1239948780  # 2009-04-17T06:13:00Z in epoch seconds


def append(path: Path, data: str | bytes) -> None:
    with open(path, "ab") as fh:
        fh.write(data.encode("utf-8") if isinstance(data, str) else data)


def csv_line(i: int, handle: str = "aplusk") -> str:
    return f"{T0 + i},{handle},{1000 + i}\n"


def json_record(i: int, handle: str = "cnnbrk") -> str:
    return json.dumps({"timestamp": T0 + i, "competitor": handle, "count": 2000 + i}) + "\n"


def counts(result: FollowResult) -> list[int]:
    return [r.snapshot.count for r in result.rows if r.snapshot is not None]


def lines(result: FollowResult) -> list[int]:
    return [r.line for r in result.rows]


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "readings.csv"


def test_csv_header_is_detected_and_rows_carry_file_line_numbers(path):
    append(path, HEADER + csv_line(1) + csv_line(2, "cnnbrk"))
    f = FileFollower(path, UTC)
    got = f.poll()
    assert f.format == "csv"
    assert counts(got) == [1001, 1002]
    assert lines(got) == [2, 3]
    assert [r.snapshot.handle for r in got.rows if r.snapshot] == ["aplusk", "cnnbrk"]
    assert got.skipped == [] and got.notice is None
    assert f.poll() == FollowResult()


def test_jsonl_snapshots_and_notes(tmp_path):
    p = tmp_path / "feed.jsonl"
    note = json.dumps({"timestamp": T0, "text": "Oprah tweets"}) + "\n"
    append(p, "\n" + json_record(1) + note)
    f = FileFollower(p, UTC)
    got = f.poll()
    assert f.format == "jsonl"
    assert lines(got) == [2, 3]
    assert got.rows[0].snapshot is not None and got.rows[0].snapshot.count == 2001
    assert got.rows[1].event is not None and got.rows[1].event.text == "Oprah tweets"


def test_a_line_written_in_three_pieces_appears_only_when_complete(path):
    append(path, HEADER)
    f = FileFollower(path, UTC)
    assert f.poll().rows == []
    line = csv_line(1)
    append(path, line[:4])
    assert f.poll().rows == []
    append(path, line[4:12])
    assert f.poll().rows == []
    append(path, line[12:])
    got = f.poll()
    assert counts(got) == [1001] and lines(got) == [2]
    assert f.poll().rows == []


def test_a_partial_last_line_is_held_back(path):
    append(path, HEADER + csv_line(1) + csv_line(2)[:-1])
    f = FileFollower(path, UTC)
    assert counts(f.poll()) == [1001]
    assert f.offset == path.stat().st_size
    append(path, "\n")
    got = f.poll()
    assert counts(got) == [1002] and lines(got) == [3]


def test_header_arriving_in_pieces(path):
    append(path, "times")
    f = FileFollower(path, UTC)
    assert f.poll() == FollowResult()
    assert f.format is None
    append(path, "tamp,competitor,count,source\n" + f"{T0},aplusk,5,ABC\n")
    got = f.poll()
    assert f.format == "csv"
    assert got.rows[0].snapshot is not None and got.rows[0].snapshot.source == "ABC"


def test_bad_lines_keep_their_real_line_numbers_across_polls(path):
    append(path, HEADER + csv_line(1) + "not a time,aplusk,5\n")
    f = FileFollower(path, UTC)
    got = f.poll()
    assert lines(got) == [2]
    assert [s.line for s in got.skipped] == [3]
    assert "neither ISO 8601" in got.skipped[0].reason
    append(path, "\n" + csv_line(2) + f"{T0},aplusk,lots\n" + f"{T0},aplusk\n")
    got = f.poll()
    assert lines(got) == [5]
    assert [s.line for s in got.skipped] == [6, 7]
    assert "expected 3 fields, found 2" in got.skipped[1].reason


def test_bad_json_line_number_across_polls(tmp_path):
    p = tmp_path / "feed.jsonl"
    append(p, json_record(1))
    f = FileFollower(p, UTC)
    assert lines(f.poll()) == [1]
    append(p, "{oops\n" + "[1, 2]\n" + json_record(2))
    got = f.poll()
    assert [(s.line, s.reason.split(" (")[0]) for s in got.skipped] == [
        (2, "not valid JSON"),
        (3, "not a JSON object"),
    ]
    assert lines(got) == [4]


def test_bom_and_crlf(path):
    append(path, b"\xef\xbb\xbftimestamp,competitor,count\r\n" + csv_line(1).encode())
    append(path, csv_line(2).replace("\n", "\r\n").encode())
    f = FileFollower(path, UTC)
    got = f.poll()
    assert f.format == "csv"
    assert counts(got) == [1001, 1002] and got.skipped == []
    assert [r.snapshot.handle for r in got.rows if r.snapshot] == ["aplusk", "aplusk"]


def test_bom_on_jsonl(tmp_path):
    p = tmp_path / "feed.jsonl"
    append(p, b"\xef\xbb\xbf" + json_record(1).replace("\n", "\r\n").encode())
    f = FileFollower(p, UTC)
    got = f.poll()
    assert f.format == "jsonl" and counts(got) == [2001] and got.skipped == []


def test_undecodable_line_is_skipped_and_following_continues(path):
    append(path, HEADER + csv_line(1))
    append(path, b"1239948780,caf\xe9,5\n")
    append(path, csv_line(3))
    f = FileFollower(path, UTC)
    got = f.poll()
    assert lines(got) == [2, 4]
    assert [s.line for s in got.skipped] == [3]
    assert "not UTF-8" in got.skipped[0].reason


def test_only_new_bytes_are_read(path):
    append(path, HEADER + "".join(csv_line(i) for i in range(1, 21)))
    f = FileFollower(path, UTC)
    assert counts(f.poll()) == [1000 + i for i in range(1, 21)]
    size = path.stat().st_size
    assert f.offset == size > 300
    # Scribble over what was already read, past the file's first bytes (same
    # length, same file): were it read again, the garbage would show up as
    # skipped lines.
    with open(path, "r+b") as fh:
        fh.seek(300)
        fh.write(b"x" * (size - 301) + b"\n")
    append(path, csv_line(21))
    got = f.poll()
    assert counts(got) == [1021] and got.skipped == [] and got.notice is None
    assert f.offset == path.stat().st_size


def test_a_rewrite_of_the_same_size_is_noticed(path):
    append(path, HEADER + csv_line(1))
    f = FileFollower(path, UTC)
    assert counts(f.poll()) == [1001]
    path.write_text(HEADER + csv_line(2))  # same length, new content, same inode
    got = f.poll()
    assert counts(got) == [1002]
    assert got.notice is not None and "rewritten" in got.notice


def test_a_big_backlog_is_read_in_chunks(path):
    append(path, HEADER + "".join(csv_line(i) for i in range(100)))
    size = path.stat().st_size
    f = FileFollower(path, UTC, chunk_size=256)
    seen: list[int] = []
    polls = 0
    while True:
        got = f.poll()
        polls += 1
        seen += lines(got)
        assert f.offset == min(polls * 256, size)
        if not got.more:
            break
    assert seen == list(range(2, 102))
    assert polls == -(-size // 256)


def test_truncation_restarts_from_the_start(path):
    append(path, HEADER + csv_line(1) + csv_line(2))
    f = FileFollower(path, UTC)
    assert len(f.poll().rows) == 2
    ino = path.stat().st_ino
    with open(path, "wb") as fh:  # truncate in place
        fh.write((HEADER + csv_line(3)).encode())
    assert path.stat().st_ino == ino
    got = f.poll()
    assert got.notice == "readings.csv was truncated; reading it again from the start"
    assert counts(got) == [1003] and lines(got) == [2]
    assert f.poll().notice is None


def test_truncation_can_switch_the_format(path):
    append(path, HEADER + csv_line(1) + csv_line(2))
    f = FileFollower(path, UTC)
    f.poll()
    with open(path, "wb") as fh:
        fh.write(json_record(1).encode())
    got = f.poll()
    assert got.notice is not None and "truncated" in got.notice
    assert f.format == "jsonl" and counts(got) == [2001]


def test_rotation_reads_the_new_file_from_the_start(path):
    append(path, HEADER + csv_line(1))
    f = FileFollower(path, UTC)
    assert len(f.poll().rows) == 1
    os.rename(path, path.with_suffix(".csv.1"))
    # The new file is longer than the old one: only its identity tells it apart.
    append(path, "timestamp,count,competitor\n" + "".join(f"{T0},{i},x\n" for i in range(5)))
    got = f.poll()
    assert got.notice == "readings.csv was replaced (rotated); reading the new one from the start"
    assert counts(got) == [0, 1, 2, 3, 4]
    assert lines(got) == [2, 3, 4, 5, 6]


def test_missing_then_appearing(path):
    f = FileFollower(path, UTC)
    with pytest.raises(
        FileMissing, match=r"^readings.csv is missing \(waiting for it to appear\)$"
    ):
        f.poll()
    append(path, HEADER + csv_line(1))
    got = f.poll()
    assert counts(got) == [1001] and got.notice is None


def test_deleted_and_recreated_is_read_from_the_start(path):
    append(path, HEADER + csv_line(1) + csv_line(2))
    f = FileFollower(path, UTC)
    f.poll()
    path.unlink()
    with pytest.raises(FileMissing):
        f.poll()
    append(path, HEADER + csv_line(3))
    got = f.poll()
    assert counts(got) == [1003] and lines(got) == [2]
    assert got.notice is None  # it was already reported as missing; this is a fresh start


def test_a_folder_is_a_clear_error(tmp_path):
    d = tmp_path / "readings.csv"
    d.mkdir()
    with pytest.raises(FollowError, match="readings.csv is a folder") as info:
        FileFollower(d, UTC).poll()
    assert not isinstance(info.value, FileMissing)


def test_a_file_that_is_neither_format_keeps_failing_until_replaced(path):
    append(path, "when,who,how many\n" + csv_line(1))
    f = FileFollower(path, UTC)
    for _ in range(2):
        with pytest.raises(FollowError, match="neither CSV with a header"):
            f.poll()
    with open(path, "wb") as fh:
        fh.write((HEADER + csv_line(2)).encode())
    assert path.stat().st_size > f.offset  # rewritten longer: only the content tells
    got = f.poll()
    assert got.notice is not None and got.notice.endswith("reading it again from the start")
    assert counts(got) == [1002]


def test_a_binary_file_is_a_clear_error(path):
    append(path, b"\x00\x01\x02\x03 no newline yet")
    with pytest.raises(
        FollowError, match=r"^readings.csv is a binary file, not CSV or JSON Lines$"
    ):
        FileFollower(path, UTC).poll()


def test_a_first_line_that_is_not_utf8_is_a_clear_error(path):
    append(path, b"\x89PNG\r\n\x1a\n")
    with pytest.raises(FollowError, match=r"readings.csv is not UTF-8 text \(bad byte 0x89"):
        FileFollower(path, UTC).poll()


def test_an_overlong_line_is_skipped_not_buffered(path):
    append(path, HEADER + csv_line(1))
    f = FileFollower(path, UTC, max_line=100)
    assert counts(f.poll()) == [1001]
    append(path, "9" * 150)
    got = f.poll()
    assert [s.line for s in got.skipped] == [3]
    assert "longer than 100 bytes" in got.skipped[0].reason
    assert f.offset == path.stat().st_size
    append(path, "9" * 500)  # still the same line: dropped, not held and not reported twice
    assert f.poll() == FollowResult()
    append(path, "9\n" + csv_line(4))
    got = f.poll()
    assert got.skipped == [] and counts(got) == [1004] and lines(got) == [4]


def test_an_overlong_complete_line_is_skipped(path):
    append(path, HEADER + "8" * 200 + "\n" + csv_line(3))
    got = FileFollower(path, UTC, max_line=100).poll()
    assert [s.line for s in got.skipped] == [2] and lines(got) == [3]


def test_the_default_line_limit_is_about_a_megabyte(path):
    append(path, HEADER + "7" * (2 * 1024 * 1024))
    got = FileFollower(path, UTC).poll()
    assert [s.line for s in got.skipped] == [2]
    assert "longer than 1 MB" in got.skipped[0].reason


def test_a_repeated_header_is_not_a_bad_line(path):
    append(path, HEADER + csv_line(1) + HEADER + csv_line(2))
    got = FileFollower(path, UTC).poll()
    assert got.skipped == [] and lines(got) == [2, 4]


def test_from_the_end_reports_only_new_lines(path):
    append(path, HEADER + csv_line(1) + csv_line(2)[:10])
    f = FileFollower(path, UTC, from_start=False)
    assert f.poll() == FollowResult()
    assert f.format == "csv"
    append(path, csv_line(2)[10:] + csv_line(3))
    got = f.poll()
    assert counts(got) == [1002, 1003] and lines(got) == [3, 4]


def test_from_the_end_over_several_chunks(tmp_path):
    p = tmp_path / "feed.jsonl"
    append(p, "".join(json_record(i) for i in range(50)))
    f = FileFollower(p, UTC, from_start=False, chunk_size=300)
    while (got := f.poll()).more:
        assert got.rows == []
    assert got.rows == [] and f.lines_read == 50
    append(p, json_record(99))
    assert lines(f.poll()) == [51]
