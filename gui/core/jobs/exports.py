"""Data out of a session: readings as CSV in the import format, the log as CSV or Markdown."""

from __future__ import annotations

import csv
from collections.abc import Generator, Iterable, Iterator, Mapping
from datetime import tzinfo
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from ..atomic import atomic_file
from ..model import Event, iso_utc, ms_to_datetime
from ..steps import Progress, run_steps
from ..store import Store


def export_rows(store: Store) -> Iterator[list[str]]:
    """Snapshot rows in the import format, header first."""
    yield ["timestamp", "competitor", "count", "source"]
    for s in store.snapshots():
        yield [iso_utc(s.at_ms) or "", s.handle, str(s.count), s.source]


def write_atomically(path: str | Path, write: Any, mode: str = "w") -> None:
    """Write a file through a temporary sibling and a rename; nothing half-written is left."""
    with atomic_file(path, mode) as fh:
        write(fh)


# Rows written between progress reports (and between looks at a cancel button).
EXPORT_STEP_ROWS = 5_000


def export_csv_steps(store: Store, path: str | Path) -> Generator[Progress, None, int]:
    """Write every snapshot as CSV in the import format, reporting progress as it goes.

    Yields ``(rows written, rows in all)`` every few thousand rows and returns
    the row count. Closing the generator early (a cancelled export) removes the
    temporary file: the target is left as it was.
    """
    total = store.snapshot_count()
    done = 0
    yield done, total
    with atomic_file(path) as fh:
        writer = csv.writer(fh, lineterminator="\n")
        rows = export_rows(store)
        writer.writerow(next(rows))
        for row in rows:
            writer.writerow(row)
            done += 1
            if done % EXPORT_STEP_ROWS == 0:
                yield done, total
    yield done, total
    return done


def export_csv(store: Store, path: str | Path) -> int:
    """Write every snapshot as CSV in the import format; returns the row count."""
    return int(run_steps(export_csv_steps(store, path)))


# -- the event log out, as CSV and as Markdown --------------------------------

EVENT_COLUMNS = ["time_local", "time_utc", "kind", "competitor", "name", "text", "url", "origin"]


# Characters that would start Markdown or HTML markup; each shows literally after a backslash.
_MD_ESCAPED = frozenset("\\`*_[]|#~")


_MD_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}


# Safe in an autolink inside a table cell; everything else in a URL is percent-encoded.
_URL_SAFE = "/:?#[]@!$&'()*+,;=%-._~"


def _local_time(at_ms: int, zone: tzinfo) -> str:
    return ms_to_datetime(at_ms).astimezone(zone).strftime("%Y-%m-%d %H:%M:%S %Z")


def _zone_name(zone: tzinfo) -> str:
    return str(getattr(zone, "key", None) or zone)


def event_rows(
    events: Iterable[Event], zone: tzinfo, names: Mapping[str, str]
) -> Iterator[list[str]]:
    """Event log rows for a table, header first; local times in ``zone``, names by handle."""
    yield list(EVENT_COLUMNS)
    for e in events:
        handle = e.handle or ""
        yield [
            _local_time(e.at_ms, zone),
            iso_utc(e.at_ms) or "",
            e.kind,
            handle,
            names.get(handle, "") if handle else "",
            e.text,
            e.url or "",
            e.origin,
        ]


def export_events_csv(
    events: Iterable[Event], zone: tzinfo, names: Mapping[str, str], path: str | Path
) -> int:
    """Write the event log as CSV (columns of ``event_rows``); returns the event count."""
    rows = 0

    def write(fh: Any) -> None:
        nonlocal rows
        writer = csv.writer(fh, lineterminator="\n")
        for row in event_rows(events, zone, names):
            writer.writerow(row)
            rows += 1

    write_atomically(path, write)
    return rows - 1


def md_escape(text: str) -> str:
    """Text that a Markdown renderer shows literally, on one line, safe in a table cell."""
    out = []
    for ch in " ".join(text.splitlines()):
        if ch in _MD_ESCAPED:
            out.append("\\" + ch)
        elif ch in _MD_ENTITIES:
            out.append(_MD_ENTITIES[ch])
        elif ch < " " or ch == "\x7f":
            out.append(" ")
        else:
            out.append(ch)
    return "".join(out)


def md_link(url: str | None) -> str:
    """An autolink for an http(s) URL; anything else as escaped plain text."""
    if not url:
        return ""
    candidate = url.strip()
    try:
        parts = urlsplit(candidate)
    except ValueError:  # such as a broken IPv6 host: not a link
        return md_escape(url)
    plain = all(ch > " " and ch != "\x7f" for ch in candidate)
    if plain and parts.scheme.lower() in ("http", "https") and parts.netloc:
        return f"<{quote(candidate, safe=_URL_SAFE)}>"
    return md_escape(url)


def _md_row(cells: Iterable[str]) -> str:
    return "| " + " | ".join(cells) + " |\n"


def export_events_markdown(
    events: Iterable[Event],
    zone: tzinfo,
    names: Mapping[str, str],
    path: str | Path,
    title: str,
) -> int:
    """Write the event log as a Markdown page with one table; returns the event count."""
    zone_name = md_escape(_zone_name(zone))
    count = 0

    def write(fh: Any) -> None:
        nonlocal count
        fh.write(f"# {md_escape(title)}\n\n")
        fh.write(f"Times are in {zone_name}, with UTC alongside.\n\n")
        fh.write(
            _md_row([f"Time ({zone_name})", "UTC", "Kind", "Competitor", "What happened", "Link"])
        )
        fh.write(_md_row(["---"] * 6))
        for e in events:
            handle = e.handle or ""
            name = names.get(handle, "") if handle else ""
            who = f"@{handle}" if handle else ""
            if name and name != handle:
                who = f"{name} ({who})"
            cells = [
                _local_time(e.at_ms, zone),
                iso_utc(e.at_ms) or "",
                e.kind,
                who,
                e.text,
            ]
            fh.write(_md_row([md_escape(c) for c in cells] + [md_link(e.url)]))
            count += 1

    write_atomically(path, write)
    return count
