"""The one parser of a line of CSV or JSON Lines: a reading, a note, or the reason it is neither.

A reading's time may be any moment up to a day from now: epoch seconds 0
(1970) and other early times are kept as written, since the file's own times
are all the importer knows of the race's era, while a reading from more than
a day ahead cannot have been taken yet and is a bad line.
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Mapping
from zoneinfo import ZoneInfo

from ..errors import ImportFileError
from ..model import KIND_NOTE, ORIGIN_IMPORTED, Event, Snapshot
from .report import ParsedRow, Skipped
from .values import latest_reading_ms, parse_count, parse_timestamp, shown

CSV_COLUMNS = ("timestamp", "competitor", "count")


MAX_LINE_CHARS = 1 << 20


_LONG_LINE = "line is longer than 1 MB"

# The csv module refuses fields over 128 KiB with an error that would end the import:
# lines longer than MAX_LINE_CHARS are reported as bad lines instead.
csv.field_size_limit(max(csv.field_size_limit(), 2**31 - 1))


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


def stored_handle(raw: str) -> str:
    """A competitor's handle as written in a file, as stored ("" when there is none)."""
    return raw.strip().lstrip("@").strip()


def _future(text: object) -> ValueError:
    quoted = shown(text) if isinstance(text, str) else repr(text)
    return ValueError(f"timestamp {quoted} is in the future (a reading cannot be taken yet)")


def _snapshot_row(line: int, rec: Mapping[str, object], zone: ZoneInfo) -> ParsedRow | Skipped:
    try:
        text = rec.get("timestamp")
        at_ms = parse_timestamp(text, zone)
        if at_ms > latest_reading_ms():
            raise _future(text)
        handle = rec.get("competitor")
        if not isinstance(handle, str) or not stored_handle(handle):
            raise ValueError("competitor is missing")
        count = parse_count(rec.get("count"))
        source = rec.get("source") or ""
        if not isinstance(source, str):
            raise ValueError("source is not text")
    except ValueError as exc:
        return Skipped(line, str(exc))
    snapshot = Snapshot(at_ms, stored_handle(handle), count, source.strip() or "import")
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
            handle=(stored_handle(handle) or None) if handle else None,
            url=url or None,
            origin=ORIGIN_IMPORTED,
            key=f"imported:{at_ms}:{digest}",
        ),
    )
