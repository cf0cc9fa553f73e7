"""The data commands: sample, new, import, summary and export (no Qt, no display needed)."""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..core import paths
from ..core.errors import DamagedFileError, SessionFileError, StorageError, storage_problem
from ..core.model import Competitor, Race
from ..core.reports import bad_line_lines, import_lines
from ..core.store import Store
from .common import from_stdin, to_stdout, writable_target
from .parser import STDIO, UsageError

log = logging.getLogger("photofinish")
LISTED_BAD_LINES = 50  # bad lines an import lists on the terminal


def cmd_sample(args: argparse.Namespace) -> int:
    """Write a copy of the bundled race."""
    out = writable_target(args.out)
    if out.exists():
        raise UsageError(f"{out}: already exists; choose another name")
    source = paths.sample_session()
    with Store.open(source, read_only=True) as store:
        store.backup_to(out)
    print(out)
    return 0


def _local_zone_name() -> str:
    """The computer's IANA zone name (tzlocal reads TZ and /etc), else UTC."""
    import tzlocal

    try:
        name = tzlocal.get_localzone_name()
        if name:
            ZoneInfo(name)
            return name
    except (ZoneInfoNotFoundError, ValueError, LookupError) as exc:
        log.debug("No local time zone found (%s): using UTC", exc)
    return "UTC"


def cmd_new(args: argparse.Namespace) -> int:
    """Create a session; with ``--follow``, look the accounts up and attach their sources."""
    out = writable_target(args.session)
    if len(args.competitor) + len(args.follow) < 2:
        raise UsageError(
            "new: give at least two competitors: --follow TARGET or --competitor HANDLE[=NAME]"
        )
    tz = args.tz or _local_zone_name()
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise UsageError(
            f"new: unknown time zone {tz!r} (use an IANA name such as Europe/Paris)"
        ) from None
    comps = []
    seen: set[str] = set()
    for spec in args.competitor:
        handle, _, name = spec.partition("=")
        handle = handle.strip().lstrip("@")
        if not handle:
            raise UsageError(f"new: empty handle in --competitor {spec!r}")
        if handle in seen:
            raise UsageError(f"new: competitor {handle!r} given twice")
        seen.add(handle)
        comps.append(Competitor(handle, name.strip() or handle, ""))
    profiles = []
    if args.follow:
        from . import follow  # the network, only when asked for

        # Everything is looked up before the file is written: a wrong target writes nothing.
        profiles = follow.followed(args.follow, args.base_url)
        for p in profiles:
            if p.handle in seen:
                raise UsageError(f"new: competitor {p.handle!r} given twice")
            seen.add(p.handle)
        comps = follow.new_competitors(profiles) + comps
    race = Race(args.title, args.milestone, args.platform, tz)
    with Store.create(out, race, comps) as store:
        if profiles:
            follow.attach(store, profiles, args.interval, round(time.time() * 1000))
    print(out)
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    """Import a file into a session, with progress on a terminal; Ctrl+C stops between batches."""
    import signal

    from ..core.importing.report import SKIPPED_KEPT, ImportReport
    from ..core.jobs.imports import import_file_steps
    from ..core.reports import unfinished_import_text
    from ..core.steps import deferred_interrupts, run_with_progress

    report = ImportReport()
    with Store.open(args.session) as store:
        if store.read_only:
            raise SessionFileError(args.session, "is read-only; nothing was imported")
        for progress in store.unfinished_imports():
            print(f"photofinish: note: {unfinished_import_text(progress)}", file=sys.stderr)
        with from_stdin(args.file) as source, deferred_interrupts() as stop_asked:
            steps = import_file_steps(store, source, report)
            try:
                run_with_progress(
                    steps,
                    f"Importing {Path(source).name}",
                    "bytes",
                    sys.stderr,
                    stop_asked=stop_asked,
                )
            except (StorageError, DamagedFileError) as exc:
                log.debug("import stopped", exc_info=True)
                print(
                    f"photofinish: error: {args.session}: the import stopped: "
                    f"{storage_problem(exc)}; {report.imported:,} snapshots and "
                    f"{report.annotations:,} annotations were stored before it "
                    "(importing the file again adds the rest, nothing twice)",
                    file=sys.stderr,
                )
                return 1
            except KeyboardInterrupt:
                print(
                    f"photofinish: import stopped; {report.imported:,} snapshots and "
                    f"{report.annotations:,} annotations were stored before the stop "
                    "(importing the file again adds the rest)",
                    file=sys.stderr,
                )
                if stop_asked() == signal.SIGTERM:  # stopped, not interrupted: 128 + 15
                    raise SystemExit(128 + signal.SIGTERM) from None
                raise
    if args.json:
        print(json.dumps(report.as_json()))
        if report.skipped_more:
            print(
                f"photofinish: import: the report lists the first {SKIPPED_KEPT:,} of "
                f"{report.bad_lines:,} bad lines",
                file=sys.stderr,
            )
    else:
        for line in import_lines(report):
            print(line)
        for line in bad_line_lines(report, LISTED_BAD_LINES):
            print(line, file=sys.stderr)
    return 0


def cmd_summary(args: argparse.Namespace) -> int:
    """Print the race in numbers (a passing progress line on a terminal while it reads)."""
    from ..core.jobs.analysis import analyse_store_steps, analysis_stages
    from ..core.jobs.summary import summary, summary_text
    from ..core.steps import Steps, run_with_progress, stage_line

    with Store.open(args.session, read_only=True) as store:

        def steps() -> Steps:
            return summary(store, (yield from analyse_store_steps(store)))

        label = f"Reading {Path(args.session).name}"
        describe = stage_line(label, analysis_stages(store))
        data = run_with_progress(steps(), label, "", sys.stderr, describe=describe, keep=False)
    if args.json:
        print(json.dumps(data, indent=2))
    else:
        print(summary_text(data), end="")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    """Export snapshots as CSV (progress on a terminal), or the event log as CSV or Markdown.

    ``-`` as OUT writes to standard output (the format from ``--format``, else CSV).
    """
    fmt = args.format
    if fmt is None:
        fmt = "md" if Path(args.out).suffix.lower() in (".md", ".markdown") else "csv"
    if fmt == "md" and args.what != "events":
        why = "--format md" if args.format else f"{args.out} (a Markdown name)"
        raise UsageError(
            f"export: {why}: Markdown is only for the event log (--what events); "
            "snapshots export as CSV"
        )
    with to_stdout(args.out, f".{fmt}") as out:
        return _export(args, fmt, out, "standard output" if args.out == STDIO else str(out))


def _export(args: argparse.Namespace, fmt: str, out: Path, shown: str) -> int:
    import signal

    from ..core.jobs.exports import export_csv_steps, export_events_csv, export_events_markdown
    from ..core.model import zone_of
    from ..core.steps import deferred_interrupts, run_with_progress

    with Store.open(args.session, read_only=True) as store:
        if args.what == "snapshots":
            # Progress on a terminal; Ctrl+C or SIGTERM stop it between rows, writing nothing.
            with deferred_interrupts() as stop_asked:
                try:
                    rows = run_with_progress(
                        export_csv_steps(store, out),
                        f"Writing {out.name}",
                        "rows",
                        sys.stderr,
                        stop_asked=stop_asked,
                    )
                except KeyboardInterrupt:
                    print(f"photofinish: export stopped; {shown} was not written", file=sys.stderr)
                    if stop_asked() == signal.SIGTERM:  # stopped, not interrupted: 128 + 15
                        raise SystemExit(128 + signal.SIGTERM) from None
                    raise
            print(f"{rows:,} snapshots written to {shown}", file=sys.stderr)
            return 0
        race = store.race()
        zone = zone_of(race.display_tz)
        names = {c.handle: c.name for c in store.competitors()}
        events = store.events()
    if fmt == "md":
        rows = export_events_markdown(events, zone, names, out, race.title)
    else:
        rows = export_events_csv(events, zone, names, out)
    print(f"{rows:,} events written to {shown}", file=sys.stderr)
    return 0
