"""What the command line and the window do with a session: import, analyse, summarise, export."""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Generator, Iterable, Iterator, Mapping
from contextlib import closing
from dataclasses import replace
from datetime import tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import quote, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .analysis import RaceAnalysis, analyse, fingerprint, settled_from
from .files import atomic_file
from .model import Event, iso_utc, ms_to_datetime
from .steps import Progress, run_steps
from .store import Store

if TYPE_CHECKING:  # the importer is loaded when an import starts, not with the window
    from .importing import ImportReport, SnapshotRow

IMPORT_BATCH = 50_000


def zone_of(name: str) -> ZoneInfo:
    """The named IANA zone, or UTC when the name is unknown."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def analyse_store(store: Store, as_of_ms: int | None = None) -> RaceAnalysis:
    """Analyse everything stored in a session (building on what it settled before)."""
    return cast(RaceAnalysis, run_steps(analyse_store_steps(store, as_of_ms)))


def analyse_store_steps(
    store: Store, as_of_ms: int | None = None
) -> Generator[Progress, None, RaceAnalysis]:
    """:func:`analyse_store` step by step: yields before each competitor's load and the analysis.

    ``(done, total)`` counts the stages finished of ``competitors + 1``; see
    :func:`analysis_stages` for their names.
    """
    race, comps = store.race(), store.competitors()
    series = {}
    for done, comp in enumerate(comps):
        yield done, len(comps) + 1
        series[comp.handle] = store.series(comp.handle)
    yield len(comps), len(comps) + 1
    settled = store.settled(fingerprint(race, comps)) if as_of_ms is None else None
    return analyse(race, comps, series, as_of_ms, settled)


def analysis_stages(store: Store) -> list[str]:
    """The stages of :func:`analyse_store_steps`, in words, for a progress line."""
    names = [f"loading the readings of {c.name}" for c in store.competitors()]
    return [*names, "working out the race"]


def refresh_derived(store: Store, result: RaceAnalysis | None = None) -> RaceAnalysis:
    """Store the glitch flags, derived events and settled part of an analysis of everything.

    Analyses the store first unless the caller already has that analysis.
    """
    result = result or analyse_store(store)
    with store.write():
        store.record_auto_glitches(
            (g.handle, g.at_ms, g.count) for g in result.glitches if g.by == "auto"
        )
        store.sync_derived_events(result.events)
        store.set_settled(settled_from(result), fingerprint(result.race, result.competitors))
    return result


# A reading as the import writes it; flags keep their defaults (none yet).
_INSERT_ROWS = (
    "INSERT OR IGNORE INTO snapshots (competitor_id, at_ms, count, source) VALUES (?, ?, ?, ?)"
)


def _store_rows(store: Store, rows: list[SnapshotRow]) -> int:
    """Store one batch of readings in one transaction; returns how many were new."""
    with store.write():
        # rowcount counts the rows inserted, not what the triggers did.
        added = int(store.db.conn.executemany(_INSERT_ROWS, rows).rowcount)
        # Older readings unsettle what an earlier analysis settled (duplicates change nothing).
        if added:
            store.unsettle(min(r[1] for r in rows))
    return added


def import_file_steps(
    store: Store, path: str | Path, report: ImportReport | None = None, analyse: bool = True
) -> Generator[Progress, None, ImportReport]:
    """Import a CSV or JSON Lines file into a session, batch by batch, reporting progress.

    Yields ``(bytes read, bytes in all)`` after each batch is read and returns
    the report; ``report``, when given, is filled in as the import goes, so a
    caller can say what was stored before a stop. Each batch of readings is
    stored in one transaction. Closing the generator early stops between batches: the batches
    stored so far stay. Raises ImportFileError, with nothing written, when the
    file cannot be read. At the end the race is analysed again and the result
    stored, unless ``analyse`` is false (the window's session does it as it reloads).
    """
    from .importing import ImportReport, read_batches

    report = report if report is not None else ImportReport()
    zone = zone_of(store.race().display_tz)

    def competitor_id(handle: str) -> int:
        try:
            return store.competitor_id(handle)
        except KeyError:
            report.competitors_added.append(handle)
            return int(store.add_competitor(handle).id or 0)

    # Notes naming a competitor not (yet) in the session wait for the end, when a
    # reading later in the file may have added it.
    waiting: list[Event] = []
    key = str(Path(path).resolve())
    progress: dict[str, Any] = {
        "file": str(path),
        "started": iso_utc(round(time.time() * 1000)),
        "bytes_done": 0,
        "bytes_total": 0,
        "readings": 0,
        "notes": 0,
    }
    batches = read_batches(path, zone, competitor_id, str(path), IMPORT_BATCH)
    with closing(batches):
        for batch in batches:
            for bad in batch.skipped:
                report.skip(bad)
            # A batch's readings, its notes and the note of how far the import
            # got commit together: after a crash the file holds whole batches.
            with store.write():
                if batch.rows:
                    added = _store_rows(store, batch.rows)
                    report.imported += added
                    report.duplicates += len(batch.rows) - added
                for event in batch.events:
                    if event.handle and not _known(store, event.handle):
                        waiting.append(event)
                    else:
                        _add_note(store, event, report)
                progress.update(
                    bytes_done=batch.bytes_read,
                    bytes_total=batch.bytes_total,
                    readings=report.imported,
                    notes=report.annotations,
                )
                store.set_unfinished_import(key, progress)
            yield batch.bytes_read, batch.bytes_total
    with store.write():
        for event in waiting:
            if event.handle and not _known(store, event.handle):
                event = replace(event, handle=None)
            _add_note(store, event, report)
        store.set_unfinished_import(key, None)
    if report.imported and analyse:
        refresh_derived(store)
    return report


def unfinished_import_text(progress: dict[str, Any]) -> str:
    """What an import that stopped early stored, and what to do about it."""
    done, total = int(progress.get("bytes_done", 0)), int(progress.get("bytes_total", 0))
    where = f" ({done / total:.0%} of the file read)" if total else ""
    return (
        f"an import of {progress.get('file')} started {progress.get('started')} did not "
        f"finish{where}: {int(progress.get('readings', 0)):,} readings and "
        f"{int(progress.get('notes', 0)):,} notes from it are stored. Import the same file "
        "again to add the rest; what is already stored is skipped, never added twice"
    )


def _known(store: Store, handle: str) -> bool:
    try:
        store.competitor_id(handle)
    except KeyError:
        return False
    return True


def _add_note(store: Store, event: Event, report: ImportReport) -> None:
    if store.add_event(event) is None:
        report.duplicates += 1
    else:
        report.annotations += 1


def import_file(store: Store, path: str | Path) -> ImportReport:
    """Import a CSV or JSON Lines file into a session, batch by batch.

    Raises ImportFileError, with nothing written, when the file cannot be read.
    """
    return cast("ImportReport", run_steps(import_file_steps(store, path)))


def summary(store: Store, result: RaceAnalysis | None = None) -> dict[str, Any]:
    """The race in numbers, in the shape of ``photofinish summary --json``."""
    result = result or analyse_store(store)
    race = result.race
    comps = []
    for comp in result.competitors:
        st = result.stats[comp.handle]
        comps.append(
            {
                "handle": comp.handle,
                "name": comp.name,
                "latest_count": st.latest_count,
                "latest_at": iso_utc(st.latest_at_ms),
                "crossed_at": iso_utc(st.crossed_at_ms),
                "rate_per_hour": None if st.rate_per_hour is None else round(st.rate_per_hour, 1),
                "eta": iso_utc(st.eta_ms),
            }
        )
    return {
        "title": race.title,
        "milestone": race.milestone,
        "display_tz": race.display_tz,
        "snapshots": store.snapshot_count(),
        "competitors": comps,
        "leader": result.leader,
        "lead": result.current_lead,
        "winner": result.winner,
        "margin_at_finish": result.margin_at_finish,
        "lead_changes": [{"at": iso_utc(c.at_ms), "leader": c.leader} for c in result.lead_changes],
        "glitches": [
            {"handle": g.handle, "at": iso_utc(g.at_ms), "count": g.count} for g in result.glitches
        ],
    }


def _local(at: str | None, zone: ZoneInfo) -> str:
    if at is None:
        return "-"
    from datetime import datetime

    dt = datetime.fromisoformat(at).astimezone(zone)
    return dt.strftime("%Y-%m-%d %H:%M %Z")


def summary_text(data: dict[str, Any]) -> str:
    """The summary as lines a person reads, times in the race's display zone."""
    zone = zone_of(data["display_tz"])
    out = io.StringIO()
    out.write(f"{data['title']}\n")
    out.write(
        f"Milestone {data['milestone']:,} · times in {data['display_tz']} · "
        f"{data['snapshots']:,} snapshots\n\n"
    )
    for c in data["competitors"]:
        count = "-" if c["latest_count"] is None else f"{c['latest_count']:,}"
        line = f"  {c['name']} (@{c['handle']}): {count} at {_local(c['latest_at'], zone)}"
        if c["crossed_at"]:
            line += f"; crossed {_local(c['crossed_at'], zone)}"
        elif c["eta"]:
            line += f"; ETA {_local(c['eta'], zone)}"
        if c["rate_per_hour"] is not None:
            line += f"; {c['rate_per_hour']:,.0f}/h"
        out.write(line + "\n")
    out.write("\n")
    if data["winner"]:
        margin = data["margin_at_finish"]
        by = f" by {margin:,}" if margin is not None else ""
        out.write(f"Winner: @{data['winner']}, first to {data['milestone']:,}{by}\n")
    if data["leader"]:
        out.write(f"Leader now: @{data['leader']} by {data['lead']:,}\n")
    if data["lead_changes"]:
        out.write("Lead changes:\n")
        for ch in data["lead_changes"]:
            out.write(f"  {_local(ch['at'], zone)}  @{ch['leader']} takes the lead\n")
    if data["glitches"]:
        out.write("Glitch readings left out:\n")
        for g in data["glitches"]:
            out.write(f"  {_local(g['at'], zone)}  @{g['handle']} {g['count']:,}\n")
    return out.getvalue()


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
