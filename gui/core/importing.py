"""Reading snapshots and annotations from CSV or JSON Lines, with a report per bad line."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from gui.core.model import KIND_NOTE, ORIGIN_IMPORTED, Event, Snapshot, datetime_to_ms

CSV_COLUMNS = ("timestamp", "competitor", "count")
_SEPARATORS = re.compile(r"[,_\s\u00a0\u202f']")
_EPOCH = re.compile(r"^-?\d+(\.\d+)?$")


class ImportFileError(Exception):
    """The file as a whole cannot be read: nothing is imported."""


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

    def as_json(self) -> dict[str, object]:
        """The report in the command line's JSON shape."""
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


def parse_timestamp(text: object, zone: ZoneInfo) -> int:
    """UTC milliseconds from ISO 8601 (naive means ``zone``) or epoch seconds."""
    if isinstance(text, bool):
        raise ValueError("timestamp is not a time")
    if isinstance(text, int | float):
        if not math.isfinite(text):
            raise ValueError("timestamp is not a finite number")
        return round(float(text) * 1000)
    if not isinstance(text, str):
        raise ValueError("timestamp is missing")
    s = text.strip()
    if not s:
        raise ValueError("timestamp is empty")
    if _EPOCH.match(s):
        return round(float(s) * 1000)
    try:
        dt = datetime.fromisoformat(s)
    except ValueError:
        raise ValueError(f"timestamp {s!r} is neither ISO 8601 nor epoch seconds") from None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=zone)
    return datetime_to_ms(dt)


def parse_count(value: object) -> int:
    """A non-negative whole count; thousands separators are allowed in text."""
    if isinstance(value, bool):
        raise ValueError("count is not a number")
    if isinstance(value, int):
        n = value
    elif isinstance(value, float):
        if not value.is_integer():
            raise ValueError(f"count {value!r} is not a whole number")
        n = int(value)
    elif isinstance(value, str):
        s = _SEPARATORS.sub("", value.strip())
        if not s:
            raise ValueError("count is empty")
        if not s.isdigit():
            raise ValueError(f"count {value.strip()!r} is not a whole number")
        n = int(s)
    else:
        raise ValueError("count is missing")
    if n < 0:
        raise ValueError(f"count {n} is negative")
    return n


def _decode(data: bytes, name: str) -> str:
    if b"\x00" in data[:8192]:
        raise ImportFileError(f"{name}: is a binary file, not CSV or JSON Lines")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFileError(
            f"{name}: is not UTF-8 text (bad byte at offset {exc.start})"
        ) from None


def read_text(path: str | Path) -> str:
    """The file's text, or ImportFileError naming what is wrong with it."""
    p = Path(path)
    try:
        data = p.read_bytes()
    except FileNotFoundError:
        raise ImportFileError(f"{p}: no such file") from None
    except IsADirectoryError:
        raise ImportFileError(f"{p}: is a folder, not a file") from None
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
    if len(row) != len(header):
        return Skipped(line, f"expected {len(header)} fields, found {len(row)}")
    rec = dict(zip(header, row, strict=True))
    return _snapshot_row(line, rec, zone)


def json_line(line: int, raw: str, zone: ZoneInfo) -> ParsedRow | Skipped:
    """One non-blank JSON Lines line: a snapshot, a note (``text``, no ``count``), or why not."""
    try:
        rec = json.loads(raw)
    except json.JSONDecodeError as exc:
        return Skipped(line, f"not valid JSON ({exc.msg})")
    if not isinstance(rec, dict):
        return Skipped(line, "not a JSON object")
    if "text" in rec and "count" not in rec:
        return _annotation_row(line, rec, zone)
    return _snapshot_row(line, rec, zone)


def _parse_jsonl(text: str, zone: ZoneInfo) -> Iterator[ParsedRow | Skipped]:
    for line, raw in enumerate(text.splitlines(), start=1):
        if raw.strip():
            yield json_line(line, raw, zone)


def _snapshot_row(line: int, rec: Mapping[str, object], zone: ZoneInfo) -> ParsedRow | Skipped:
    try:
        at_ms = parse_timestamp(rec.get("timestamp"), zone)
        handle = rec.get("competitor")
        if not isinstance(handle, str) or not handle.strip():
            raise ValueError("competitor is missing")
        count = parse_count(rec.get("count"))
        source = rec.get("source") or ""
        if not isinstance(source, str):
            raise ValueError("source is not text")
    except ValueError as exc:
        return Skipped(line, str(exc))
    handle = handle.strip().lstrip("@")
    return ParsedRow(line, snapshot=Snapshot(at_ms, handle, count, source.strip() or "import"))


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
            handle=handle.strip().lstrip("@") if handle else None,
            url=url or None,
            origin=ORIGIN_IMPORTED,
            key=f"imported:{at_ms}:{digest}",
        ),
    )
