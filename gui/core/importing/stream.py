"""A file of any size in batches: the usual rows on a fast path, the rest through the parser.

The fast path reads the common shapes (a header of timestamp, competitor,
count and source; JSON objects with those keys) with memos of times, names
and sources; whatever it does not recognise goes to :mod:`.records`, the one
parser, so both give the same results.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Generator, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import chain
from operator import methodcaller
from pathlib import Path
from typing import Any, cast
from zoneinfo import ZoneInfo

from ..errors import ImportFileError
from ..model import Event, SnapshotRow, datetime_to_ms
from .encoding import check_bytes, open_binary
from .records import CSV_COLUMNS, MAX_LINE_CHARS, csv_record, json_line, sniff_format, stored_handle
from .report import ParsedRow, Skipped
from .values import TOO_BIG, latest_reading_ms, parse_count, parse_timestamp

CHUNK_CHARS = 1 << 18


PIECE_BYTES = 1 << 20


_CACHE_LIMIT = 100_000  # entries in one memo of times or sources before it starts afresh


_MINUTE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ](?:[01][0-9]|2[0-3]):[0-5][0-9]")


_BASE_MINUTE = "2000-01-01T00:00"


_BASE_TIME = datetime(2000, 1, 1, tzinfo=UTC)


_US = timedelta(microseconds=1)


@dataclass
class Batch:
    """The results of the next stretch of a file, in file order within each list."""

    rows: list[SnapshotRow] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    bytes_read: int = 0
    bytes_total: int = 0

    def size(self) -> int:
        """How many lines' results the batch holds."""
        return len(self.rows) + len(self.events) + len(self.skipped)


def read_batches(
    path: str | Path,
    zone: ZoneInfo,
    competitor_id: Callable[[str], int],
    name: str | None = None,
    batch_rows: int = 50_000,
    chunk_chars: int = CHUNK_CHARS,
    piece_bytes: int = PIECE_BYTES,
) -> Generator[Batch, None, None]:
    """Read a CSV or JSON Lines file in batches of about ``batch_rows`` lines, in file order.

    The same results as :func:`parse` of :func:`read_text`, with the readings
    as :data:`SnapshotRow` tuples, but the file is never held in memory as a
    whole. ``competitor_id(handle)`` gives the id of a competitor, adding it
    when it is new; it is called only for a handle of a good reading, in file
    order. The whole file is checked (binary, encoding, format) before the first
    batch, so ImportFileError comes before anything is imported.
    """
    p = Path(path)
    label = name or str(p)
    total, encoding = check_bytes(p, str(p), piece_bytes)
    binary = open_binary(p, str(p))
    with io.TextIOWrapper(binary, encoding=encoding.reader, newline="") as fh:
        cast(Any, fh)._CHUNK_SIZE = max(1, piece_bytes)  # how much is decoded at a time
        fmt = _sniff_lines(fh, label)
        fh.seek(0)
        reader = _Reader(zone, competitor_id, total)
        steps = reader.csv(fh, chunk_chars) if fmt == "csv" else reader.jsonl(fh, chunk_chars)
        try:
            for _ in steps:
                if reader.batch.size() >= batch_rows:
                    yield reader.take(reader.read * encoding.width)
        except UnicodeDecodeError:
            raise ImportFileError(
                f"{p}: is not {encoding.name} text (it changed while being read)"
            ) from None
        yield reader.take(total)


def _sniff_lines(fh: io.TextIOWrapper, name: str) -> str:
    """:func:`sniff_format` of the file's first lines, without reading all of it."""
    for physical in fh:
        for raw in physical.splitlines():
            if raw.strip():
                return sniff_format(raw, name)
    raise ImportFileError(f"{name}: is empty")


def _minute_ms(head: str) -> int | None:
    """UTC milliseconds of ``YYYY-MM-DDTHH:MM`` read as UTC, or None for anything else."""
    if not _MINUTE.fullmatch(head):
        return None
    try:
        return datetime_to_ms(datetime.fromisoformat(head + ":00+00:00"))
    except ValueError:
        return None


def _tail_ms(tail: str) -> int | None:
    """Milliseconds that the rest of a time after ``HH:MM`` adds (seconds, fraction, offset).

    None unless the rest names its offset (Z or ±HH:MM) and comes to whole
    milliseconds: then a minute's milliseconds plus these are exactly what
    :func:`parse_timestamp` gives for the whole text.
    """
    try:
        dt = datetime.fromisoformat((_BASE_MINUTE + tail).strip())
    except ValueError:
        return None
    if dt.tzinfo is None:
        return None
    us = (dt - _BASE_TIME) // _US
    return None if us % 1000 else us // 1000


class _Careful(Exception):
    """A line the fast path leaves to the careful parser."""


class _Reader:
    """Turns lines into a batch; remembers what it worked out about times, names and sources."""

    def __init__(self, zone: ZoneInfo, competitor_id: Callable[[str], int], total: int) -> None:
        self.zone = zone
        self.competitor_id = competitor_id
        self.total = total
        self.batch = Batch(bytes_total=total)
        self.read = 0  # about how many bytes were read: the characters, rather
        self.minutes: dict[str, int | None] = {}
        self.tails: dict[str, int | None] = {}
        self.sources: dict[str, str] = {}
        self.ids: dict[str, int] = {}  # handle as written -> competitor id
        self.handles: dict[str, int] = {}  # handle as stored -> competitor id

    def take(self, bytes_read: int) -> Batch:
        """The batch so far; the next one starts empty."""
        batch, self.batch = self.batch, Batch(bytes_total=self.total)
        batch.bytes_read = min(bytes_read, self.total)
        return batch

    # -- the memos --------------------------------------------------------------
    def ms(self, text: str) -> int:
        """:func:`parse_timestamp` of a string, remembering minutes and tails."""
        if text.isdigit() and len(text) <= 12:
            return int(text) * 1000  # epoch seconds, exactly as float(text) * 1000
        head, tail = text[:16], text[16:]
        minutes, tails = self.minutes, self.tails
        if head not in minutes:
            if len(minutes) >= _CACHE_LIMIT:
                minutes.clear()
            minutes[head] = _minute_ms(head)
        if tail not in tails:
            if len(tails) >= _CACHE_LIMIT:
                tails.clear()
            tails[tail] = _tail_ms(tail)
        minute, rest = minutes[head], tails[tail]
        if minute is not None and rest is not None:
            return minute + rest
        return parse_timestamp(text, self.zone)

    def source(self, raw: str) -> str:
        """The source as stored for one written in a file."""
        if len(self.sources) >= _CACHE_LIMIT:
            self.sources.clear()
        got = self.sources[raw] = raw.strip() or "import"
        return got

    def cid(self, raw: str) -> int:
        """The competitor id for a handle as written (ValueError when there is none)."""
        handle = stored_handle(raw)
        if not handle:
            raise ValueError("competitor is missing")
        got = self.ids[raw] = self.handle_id(handle)
        return got

    def handle_id(self, handle: str) -> int:
        """The competitor id for a handle as stored, adding the competitor when new."""
        got = self.handles.get(handle)
        if got is None:
            got = self.handles[handle] = self.competitor_id(handle)
        return got

    def add(self, got: ParsedRow | Skipped) -> None:
        """Put the careful parser's result in the batch."""
        if isinstance(got, Skipped):
            self.batch.skipped.append(got)
        elif got.snapshot is not None:
            s = got.snapshot
            self.batch.rows.append((self.handle_id(s.handle), s.at_ms, s.count, s.source))
        elif got.event is not None:
            self.batch.events.append(got.event)

    # -- CSV ---------------------------------------------------------------------
    def csv(self, fh: io.TextIOWrapper, chunk_chars: int) -> Iterator[None]:
        """Parse CSV lines into the batch, yielding after each chunk."""
        head = csv.reader(fh)
        header: list[str] | None = None
        for row in head:
            if row and not all(not cell.strip() for cell in row):
                header = [h.strip().lower() for h in row]
                break
        if header is None:
            return
        done = head.line_num  # lines read so far
        while True:
            lines = fh.readlines(chunk_chars)
            if not lines:
                return
            text = "".join(lines)
            self.read += len(text)
            if '"' in text:  # quoted fields, maybe over several lines: the csv module reads them
                reader = csv.reader(chain(lines, fh))
                self.csv_rows(_until(reader, len(lines)), header, done, reader, True)
                done += reader.line_num
            else:
                if "\r" not in text:
                    parts = text.split("\n")
                elif text.count("\r") == text.count("\r\n"):
                    parts = text.replace("\r\n", "\n").split("\n")
                else:
                    parts = [line.rstrip("\r\n") for line in lines]
                if text.endswith(("\n", "\r")) and len(parts) > len(lines):
                    parts.pop()
                rows = map(methodcaller("split", ","), parts)
                self.csv_rows(rows, header, done, None, len(text) > MAX_LINE_CHARS)
                done += len(lines)
            yield

    def csv_rows(
        self,
        rows: Iterable[list[str]],
        header: list[str],
        done: int,
        reader: Any,
        long_rows: bool = False,
    ) -> None:
        """Read rows of fields; a line the fast path cannot read goes to :func:`csv_record`.

        ``long_rows`` says a row may be longer than :data:`MAX_LINE_CHARS` (then
        each is measured; otherwise none can be).
        """
        where = {name: i for i, name in enumerate(header)}  # the last column of a name wins
        # Without the usual columns every line goes to the careful parser (width -1).
        width = len(header) if all(col in where for col in CSV_COLUMNS) else -1
        at_i, who_i, count_i = (where.get(col, 0) for col in CSV_COLUMNS)
        source_i = where.get("source")
        minute_of, tail_of = self.minutes.get, self.tails.get
        id_of, source_of = self.ids.get, self.sources.get
        ms, cid, source = self.ms, self.cid, self.source
        append = self.batch.rows.append
        last_text, last_ms = None, 0
        latest = latest_reading_ms()
        k = 0
        for row in rows:
            k += 1
            try:
                if len(row) != width or (long_rows and sum(map(len, row)) > MAX_LINE_CHARS):
                    raise _Careful
                text = row[at_i]
                if text == last_text:
                    at = last_ms
                else:
                    minute, rest = minute_of(text[:16]), tail_of(text[16:])
                    if minute is None or rest is None:
                        at = ms(text)
                    else:
                        at = minute + rest
                    last_text, last_ms = text, at
                if at > latest:
                    raise _Careful
                n = row[count_i]
                count = int(n) if n.isdigit() and len(n) < 19 else parse_count(n)
                if source_i is None:
                    src = "import"
                else:
                    raw = row[source_i]
                    src = source_of(raw) or source(raw)
                who = row[who_i]
                competitor = id_of(who)
                if competitor is None:
                    competitor = cid(who)
                append((competitor, at, count, src))
            except (ValueError, _Careful):
                if row and not all(not cell.strip() for cell in row):
                    line = done + (reader.line_num if reader is not None else k)
                    self.add(csv_record(line, row, header, self.zone))

    # -- JSON Lines --------------------------------------------------------------
    def jsonl(self, fh: io.TextIOWrapper, chunk_chars: int) -> Iterator[None]:
        """Parse JSON Lines into the batch, yielding after each chunk."""
        loads = json.loads
        line = 0
        while True:
            lines = fh.readlines(chunk_chars)
            if not lines:
                return
            append = self.batch.rows.append
            latest = latest_reading_ms()
            self.read += sum(map(len, lines))
            for physical in lines:
                for raw in physical.splitlines():
                    line += 1
                    if not raw or raw.isspace():
                        continue
                    try:
                        if len(raw) > MAX_LINE_CHARS:
                            raise _Careful
                        rec = loads(raw)
                        if type(rec) is not dict or ("text" in rec and "count" not in rec):
                            raise _Careful
                        text, n = rec.get("timestamp"), rec.get("count")
                        who, src = rec.get("competitor"), rec.get("source")
                        if type(text) is not str or type(n) is not int or type(who) is not str:
                            raise _Careful
                        if n < 0 or n >= TOO_BIG:
                            raise _Careful
                        at = self.ms(text)
                        if at > latest:
                            raise _Careful
                        if src is None or src == "":
                            src = "import"
                        elif type(src) is str:
                            src = self.sources.get(src) or self.source(src)
                        else:
                            raise _Careful
                        competitor = self.ids.get(who)
                        if competitor is None:
                            competitor = self.cid(who)
                        append((competitor, at, n, src))
                    except (ValueError, _Careful):
                        self.add(json_line(line, raw, self.zone))
            yield


def _until(reader: Any, lines: int) -> Iterator[list[str]]:
    """The records of a csv reader until it has read ``lines`` lines (or more, for the last)."""
    for row in reader:
        yield row
        if reader.line_num >= lines:
            return
