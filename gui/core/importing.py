"""Reading snapshots and annotations from CSV or JSON Lines, with a report per bad line.

Files are UTF-8 (with or without a byte order mark), or UTF-16 or UTF-32 as
spreadsheet programs save "Unicode text": with a byte order mark, or UTF-16
without one when its zero bytes give it away.

A reading's time may be any moment up to a day from now: epoch seconds 0
(1970) and other early times are kept as written, since the file's own times
are all the importer knows of the race's era, while a reading from more than
a day ahead cannot have been taken yet and is a bad line.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import json
import math
import os
import re
import time
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import chain
from operator import methodcaller
from pathlib import Path
from typing import Any, BinaryIO, cast
from zoneinfo import ZoneInfo

from .errors import ImportFileError
from .model import KIND_NOTE, ORIGIN_IMPORTED, Event, Snapshot, datetime_to_ms

CSV_COLUMNS = ("timestamp", "competitor", "count")
_SEPARATORS = re.compile(r"[,_\s\u00a0\u202f']")
_EPOCH = re.compile(r"^-?\d+(\.\d+)?$")
_TOO_BIG = 2**63  # SQLite stores whole numbers in 64 bits
_LOOKS_ISO = re.compile(r"^[+-]?\d{4}-?\d{2}")  # a date first: a bad one is not a real date
FUTURE_MARGIN_MS = 24 * 3_600_000
"""How far ahead of now a reading's time may be (clocks and zones that are a little off)."""
MAX_LINE_CHARS = 1 << 20
"""A line (a CSV record) longer than this is a bad line, not a reading."""
_LONG_LINE = "line is longer than 1 MB"
_SHOWN_CHARS = 40  # of a bad value quoted in a reason
_SNIFF_BYTES = 8192  # what the checks for binary files and for the encoding look at
# The csv module refuses fields over 128 KiB with an error that would end the import:
# lines longer than MAX_LINE_CHARS are reported as bad lines instead.
csv.field_size_limit(max(csv.field_size_limit(), 2**31 - 1))
SKIPPED_KEPT = 1_000
"""Bad lines listed in an import's report, with their reasons; any more are only counted."""


@dataclass
class Skipped:
    """A line that was not imported, and why."""

    line: int
    reason: str


@dataclass
class ImportReport:
    """What an import did."""

    imported: int = 0
    duplicates: int = 0
    annotations: int = 0
    skipped: list[Skipped] = field(default_factory=list)
    competitors_added: list[str] = field(default_factory=list)
    skipped_more: int = 0
    """Bad lines beyond the first :data:`SKIPPED_KEPT`, counted but not listed."""

    @property
    def bad_lines(self) -> int:
        """How many lines were not imported, listed or not."""
        return len(self.skipped) + self.skipped_more

    def skip(self, row: Skipped) -> None:
        """Note a bad line: listed while fewer than :data:`SKIPPED_KEPT` are, else counted."""
        if len(self.skipped) < SKIPPED_KEPT:
            self.skipped.append(row)
        else:
            self.skipped_more += 1

    def as_json(self) -> dict[str, object]:
        """The report in the command line's JSON shape (bad lines: the first SKIPPED_KEPT)."""
        return {
            "imported": self.imported + self.annotations,
            "duplicates": self.duplicates,
            "skipped": [{"line": s.line, "reason": s.reason} for s in self.skipped],
            "competitors_added": list(self.competitors_added),
        }


@dataclass(frozen=True)
class ParsedRow:
    """One good line: a snapshot or an annotation."""

    line: int
    snapshot: Snapshot | None = None
    event: Event | None = None


def _shown(text: str) -> str:
    """A value as quoted in a reason: its repr, cut short when long."""
    return repr(text if len(text) <= _SHOWN_CHARS else text[:_SHOWN_CHARS] + "…")


def _shown_number(n: int | float) -> str:
    text = str(n)
    return text if len(text) <= _SHOWN_CHARS else f"{text[:12]}… ({len(text):,} digits)"


def latest_reading_ms() -> int:
    """The latest time a reading may have: now plus :data:`FUTURE_MARGIN_MS`."""
    return int(time.time() * 1000) + FUTURE_MARGIN_MS


def parse_timestamp(text: object, zone: ZoneInfo) -> int:
    """UTC milliseconds from ISO 8601 (naive means ``zone``) or epoch seconds."""
    if isinstance(text, bool):
        raise ValueError("timestamp is not a time")
    if isinstance(text, int | float):
        if isinstance(text, float) and not math.isfinite(text):
            raise ValueError("timestamp is not a finite number")
        return _epoch_ms(text)
    if not isinstance(text, str):
        raise ValueError("timestamp is missing")
    s = text.strip()
    if not s:
        raise ValueError("timestamp is empty")
    if _EPOCH.match(s):
        return _epoch_ms(s)
    try:
        dt = datetime.fromisoformat(s)
    except ValueError as exc:
        why = str(exc)
        if _LOOKS_ISO.match(s) and not why.startswith("Invalid isoformat"):
            # Such as 2009-02-30 or 25:00: the shape of a time, but no such moment.
            raise ValueError(f"timestamp {_shown(s)} is not a real date and time ({why})") from None
        raise ValueError(f"timestamp {_shown(s)} is neither ISO 8601 nor epoch seconds") from None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=zone)
    return datetime_to_ms(dt)


def _epoch_ms(text: int | float | str) -> int:
    try:
        seconds = float(text)
    except OverflowError:  # a whole number too big for a float
        seconds = math.inf
    if not abs(seconds) * 1000 < _TOO_BIG:
        shown = _shown(text) if isinstance(text, str) else _shown_number(text)
        raise ValueError(f"timestamp {shown} is out of range")
    return round(seconds * 1000)


def parse_count(value: object) -> int:
    """A non-negative whole count; thousands separators are allowed in text."""
    if isinstance(value, bool):
        raise ValueError("count is not a number")
    if isinstance(value, int):
        n = value
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"count {value!r} is not a number")
        if value < 0:
            raise ValueError(f"count {value!r} is negative")
        if value >= _TOO_BIG:
            raise ValueError(f"count {value!r} is too big")
        if not value.is_integer():
            raise ValueError(f"count {value!r} is not a whole number")
        n = int(value)
    elif isinstance(value, str):
        text = value.strip()
        s = _SEPARATORS.sub("", text)
        if not s:
            raise ValueError("count is empty")
        if not s.isdigit():
            raise ValueError(f"count {_shown(text)} {_count_problem(s)}")
        if len(s.lstrip("0")) > 19:  # more digits than any count that fits
            raise ValueError(f"count {_shown(text)} is too big")
        try:
            n = int(s)
        except ValueError:  # digits int() does not read, such as ²
            raise ValueError(f"count {_shown(text)} is not a whole number") from None
        if n >= _TOO_BIG:
            raise ValueError(f"count {_shown(text)} is too big")
    else:
        raise ValueError("count is missing")
    if n < 0:
        raise ValueError(f"count {_shown_number(n)} is negative")
    if n >= _TOO_BIG:
        raise ValueError(f"count {_shown_number(n)} is too big")
    return n


def _count_problem(s: str) -> str:
    """What is wrong with a count written as ``s`` (separators taken out), not digits."""
    if s.lower().lstrip("+-") in ("nan", "inf", "infinity"):
        return "is not a number"
    try:
        value = float(s)
    except ValueError:
        return "is not a whole number"
    if value < 0:
        return "is negative"
    if value >= _TOO_BIG:  # such as 1e30
        return "is too big"
    return "is not a whole number"


@dataclass(frozen=True)
class TextEncoding:
    """How a file's text is encoded, as worked out from its first bytes."""

    name: str  # as messages say it: UTF-8, UTF-16 or UTF-32
    codec: str  # decodes the bytes after the byte order mark
    reader: str  # decodes the whole file, byte order mark and all
    bom: int = 0  # bytes of byte order mark
    width: int = 1  # about how many bytes one character takes (for progress)

    def bad_byte(self, name: str, offset: int) -> ImportFileError:
        """The error for bytes that are not text in this encoding (offset after the mark)."""
        if self.name == "UTF-8":
            return ImportFileError(f"{name}: is not UTF-8 text (bad byte at offset {offset})")
        return ImportFileError(
            f"{name}: is not UTF-8 text, nor the {self.name} text it starts like "
            f"(bad byte at offset {offset})"
        )


UTF8 = TextEncoding("UTF-8", "utf-8", "utf-8-sig")
_MARKED = (  # UTF-32 first: its little-endian mark starts like UTF-16's
    (codecs.BOM_UTF32_LE, TextEncoding("UTF-32", "utf-32-le", "utf-32", 4, 4)),
    (codecs.BOM_UTF32_BE, TextEncoding("UTF-32", "utf-32-be", "utf-32", 4, 4)),
    (codecs.BOM_UTF8, TextEncoding("UTF-8", "utf-8", "utf-8-sig", 3)),
    (codecs.BOM_UTF16_LE, TextEncoding("UTF-16", "utf-16-le", "utf-16", 2, 2)),
    (codecs.BOM_UTF16_BE, TextEncoding("UTF-16", "utf-16-be", "utf-16", 2, 2)),
)


def text_encoding(head: bytes) -> TextEncoding:
    """The encoding of a file that starts with ``head`` (its first few kilobytes).

    A byte order mark decides; without one, text whose every other byte is
    zero (mostly, and starting so) is UTF-16 without a mark, as some programs
    write it; anything else is read as UTF-8.
    """
    for mark, encoding in _MARKED:
        if head.startswith(mark):
            return encoding
    n = len(head) // 2 * 2
    if n >= 4:
        even, odd = head[0:n:2].count(0), head[1:n:2].count(0)
        half = n // 2
        if head[0] and not head[1] and odd * 2 >= half and even * 20 <= half:
            return TextEncoding("UTF-16", "utf-16-le", "utf-16-le", 0, 2)
        if head[1] and not head[0] and even * 2 >= half and odd * 20 <= half:
            return TextEncoding("UTF-16", "utf-16-be", "utf-16-be", 0, 2)
    return UTF8


def _check_head(head: bytes, name: str) -> TextEncoding:
    """The encoding of a file starting with ``head``; ImportFileError when the head is binary."""
    encoding = text_encoding(head)
    if encoding.codec == "utf-8":
        if b"\x00" in head:
            raise ImportFileError(f"{name}: is a binary file, not CSV or JSON Lines")
        return encoding
    decoder = codecs.getincrementaldecoder(encoding.codec)()
    try:
        text = decoder.decode(head[encoding.bom :])
    except UnicodeDecodeError as exc:
        raise encoding.bad_byte(name, exc.start) from None
    if "\x00" in text:
        raise ImportFileError(f"{name}: is a binary file, not CSV or JSON Lines")
    return encoding


def _decode(data: bytes, name: str) -> str:
    encoding = _check_head(data[:_SNIFF_BYTES], name)
    try:
        return data[encoding.bom :].decode(encoding.codec)
    except UnicodeDecodeError as exc:
        raise encoding.bad_byte(name, exc.start) from None


def read_text(path: str | Path) -> str:
    """The file's text, or ImportFileError naming what is wrong with it."""
    p = Path(path)
    with _open_binary(p, str(p)) as fh:
        try:
            data = fh.read()
        except OSError as exc:
            raise ImportFileError(f"{p}: cannot be read ({exc.strerror or exc})") from None
    return _decode(data, str(p))


def sniff_format(text: str, name: str = "file") -> str:
    """``"jsonl"`` or ``"csv"``; ImportFileError when it is neither."""
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        if line.startswith("{"):
            return "jsonl"
        if csv_header(line) is not None:
            return "csv"
        raise ImportFileError(
            f"{name}: is neither CSV with a header of {', '.join(CSV_COLUMNS)} nor JSON Lines"
        )
    raise ImportFileError(f"{name}: is empty")


def parse(text: str, zone: ZoneInfo, name: str = "file") -> Iterator[ParsedRow | Skipped]:
    """Yield every line's result, good or bad, in file order."""
    fmt = sniff_format(text, name)
    if fmt == "jsonl":
        yield from _parse_jsonl(text, zone)
    else:
        yield from _parse_csv(text, zone)


def _parse_csv(text: str, zone: ZoneInfo) -> Iterator[ParsedRow | Skipped]:
    reader = csv.reader(io.StringIO(text, newline=""))
    header: list[str] | None = None
    for row in reader:
        line = reader.line_num
        if not row or all(not cell.strip() for cell in row):
            continue
        if header is None:
            header = [h.strip().lower() for h in row]
            continue
        yield csv_record(line, row, header, zone)


def csv_header(line: str) -> list[str] | None:
    """The lower-cased column names when ``line`` is a usable CSV header, else None."""
    header = [h.strip().lower() for h in next(csv.reader([line]), [])]
    return header if all(col in header for col in CSV_COLUMNS) else None


def csv_fields(line: str) -> list[str]:
    """The fields of one CSV line (a record that fits on one line)."""
    return next(csv.reader([line]), [])


def csv_record(line: int, row: list[str], header: list[str], zone: ZoneInfo) -> ParsedRow | Skipped:
    """One CSV record, already split into fields, read against a known header."""
    if sum(map(len, row)) > MAX_LINE_CHARS:
        return Skipped(line, _LONG_LINE)
    if len(row) != len(header):
        return Skipped(line, f"expected {len(header)} fields, found {len(row)}")
    rec = dict(zip(header, row, strict=True))
    return _snapshot_row(line, rec, zone)


def json_line(line: int, raw: str, zone: ZoneInfo) -> ParsedRow | Skipped:
    """One non-blank JSON Lines line: a snapshot, a note (``text``, no ``count``), or why not."""
    if len(raw) > MAX_LINE_CHARS:
        return Skipped(line, _LONG_LINE)
    try:
        rec = json.loads(raw)
    except json.JSONDecodeError as exc:
        return Skipped(line, f"not valid JSON ({exc.msg})")
    except ValueError:  # a whole number of thousands of digits
        return Skipped(line, "not valid JSON (a number in it is too long)")
    if not isinstance(rec, dict):
        return Skipped(line, "not a JSON object")
    if "text" in rec and "count" not in rec:
        return _annotation_row(line, rec, zone)
    return _snapshot_row(line, rec, zone)


def _parse_jsonl(text: str, zone: ZoneInfo) -> Iterator[ParsedRow | Skipped]:
    for line, raw in enumerate(text.splitlines(), start=1):
        if raw.strip():
            yield json_line(line, raw, zone)


def _handle(raw: str) -> str:
    """A competitor's handle as written in a file, as stored ("" when there is none)."""
    return raw.strip().lstrip("@").strip()


def _future(text: object) -> ValueError:
    shown = _shown(text) if isinstance(text, str) else repr(text)
    return ValueError(f"timestamp {shown} is in the future (a reading cannot be taken yet)")


def _snapshot_row(line: int, rec: Mapping[str, object], zone: ZoneInfo) -> ParsedRow | Skipped:
    try:
        text = rec.get("timestamp")
        at_ms = parse_timestamp(text, zone)
        if at_ms > latest_reading_ms():
            raise _future(text)
        handle = rec.get("competitor")
        if not isinstance(handle, str) or not _handle(handle):
            raise ValueError("competitor is missing")
        count = parse_count(rec.get("count"))
        source = rec.get("source") or ""
        if not isinstance(source, str):
            raise ValueError("source is not text")
    except ValueError as exc:
        return Skipped(line, str(exc))
    snapshot = Snapshot(at_ms, _handle(handle), count, source.strip() or "import")
    return ParsedRow(line, snapshot=snapshot)


def _annotation_row(line: int, rec: Mapping[str, object], zone: ZoneInfo) -> ParsedRow | Skipped:
    try:
        at_ms = parse_timestamp(rec.get("timestamp"), zone)
        text = rec.get("text")
        if not isinstance(text, str) or not text.strip():
            raise ValueError("text is empty")
        url = rec.get("url")
        if url is not None and not isinstance(url, str):
            raise ValueError("url is not text")
        handle = rec.get("competitor")
        if handle is not None and not isinstance(handle, str):
            raise ValueError("competitor is not text")
    except ValueError as exc:
        return Skipped(line, str(exc))
    digest = hashlib.sha1(text.encode("utf-8")).hexdigest()[:16]
    return ParsedRow(
        line,
        event=Event(
            at_ms,
            KIND_NOTE,
            text.strip(),
            handle=(_handle(handle) or None) if handle else None,
            url=url or None,
            origin=ORIGIN_IMPORTED,
            key=f"imported:{at_ms}:{digest}",
        ),
    )


# -- streaming: a file of any size in pieces, the usual rows on a fast path ----------------------

CHUNK_CHARS = 1 << 18
"""About how much text is read and parsed at a time (a batch is one chunk or more)."""
PIECE_BYTES = 1 << 20
"""How many bytes are read from the file (and decoded) at a time."""
_CACHE_LIMIT = 100_000  # entries in one memo of times or sources before it starts afresh
_MINUTE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ](?:[01][0-9]|2[0-3]):[0-5][0-9]")
_BASE_MINUTE = "2000-01-01T00:00"
_BASE_TIME = datetime(2000, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)

SnapshotRow = tuple[int, int, int, str]
"""A reading ready for the store: competitor id, UTC milliseconds, count, source."""


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
    total, encoding = _check_bytes(p, str(p), piece_bytes)
    binary = _open_binary(p, str(p))
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


def _open_binary(p: Path, name: str) -> BinaryIO:
    try:
        return p.open("rb")
    except FileNotFoundError:
        raise ImportFileError(f"{name}: no such file") from None
    except IsADirectoryError:
        raise ImportFileError(f"{name}: is a folder, not a file") from None
    except OSError as exc:
        raise ImportFileError(f"{name}: cannot be read ({exc.strerror or exc})") from None


def _check_bytes(p: Path, name: str, piece_bytes: int) -> tuple[int, TextEncoding]:
    """The file's size and encoding, once it is known to be text throughout (as read_text)."""
    with _open_binary(p, name) as fh:
        try:
            head = fh.read(_SNIFF_BYTES)
            encoding = _check_head(head, name)
            decoder = codecs.getincrementaldecoder(encoding.codec)()
            # Offsets count from after a byte order mark, as in read_text.
            fed = 0
            data = head[encoding.bom :]
            while True:
                held = len(decoder.getstate()[0])
                try:
                    decoder.decode(data, final=not data)
                except UnicodeDecodeError as exc:
                    raise encoding.bad_byte(name, fed - held + exc.start) from None
                if not data:
                    return os.fstat(fh.fileno()).st_size, encoding
                fed += len(data)
                data = fh.read(max(1, piece_bytes))
        except OSError as exc:
            raise ImportFileError(f"{name}: cannot be read ({exc.strerror or exc})") from None


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
        handle = _handle(raw)
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
                        if n < 0 or n >= _TOO_BIG:
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
