"""The command line: subcommands for scripts, and the window when none is given.

Arguments are parsed before anything imports Qt, so the data commands start fast
and work on machines without a display.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .core import logs, paths
from .core.errors import (
    DamagedFileError,
    ImportFileError,
    SessionFileError,
    StorageError,
    storage_problem,
)
from .core.model import Competitor, Race
from .core.store import Store

log = logging.getLogger("photofinish")

SUBCOMMANDS = (
    "sample",
    "new",
    "import",
    "summary",
    "export",
    "screenshot",
    "clip",
    "record",
    "desktop-entry",
)
EXIT_BAD_INPUT = 2


class UsageError(Exception):
    """Bad input on the command line: reported as one line, exit 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{self.prog}: {message}")


def build_parser() -> argparse.ArgumentParser:
    """The parser for every subcommand."""
    parser = _Parser(
        prog="photofinish",
        description="Follow a race between two counters toward a milestone.",
    )
    parser.add_argument("--debug", action="store_true", help="show tracebacks and debug logs")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    p = sub.add_parser("sample", help="write a copy of the bundled 2009 race")
    p.add_argument("out", metavar="OUT.db")

    p = sub.add_parser("new", help="create a new race session")
    p.add_argument("session", metavar="SESSION")
    p.add_argument("--title", required=True)
    p.add_argument("--milestone", required=True, type=_positive_int)
    p.add_argument(
        "--competitor",
        action="append",
        required=True,
        metavar="HANDLE[=NAME]",
        help="repeat for each competitor (two or more); the first two race head to head",
    )
    p.add_argument("--tz", default=None, help="display time zone (IANA name); default: local")
    p.add_argument("--platform", default="", help="where the counts come from, e.g. bluesky")

    p = sub.add_parser("import", help="import snapshots and annotations (CSV or JSON Lines)")
    p.add_argument("session", metavar="SESSION")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--json", action="store_true", help="print the report as JSON")

    p = sub.add_parser("summary", help="the race in numbers")
    p.add_argument("session", metavar="SESSION")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser(
        "export",
        help="snapshots out as CSV in the import format, or the event log as CSV or Markdown",
        description="Write the snapshots (CSV in the import format) or the event log "
        "(CSV or a Markdown table, times in the race's display zone and in UTC).",
    )
    p.add_argument("session", metavar="SESSION")
    p.add_argument("out", metavar="OUT", help="the file to write (.csv, or .md for Markdown)")
    p.add_argument(
        "--what",
        choices=("snapshots", "events"),
        default="snapshots",
        help="snapshots (default) or the event log: derived events and notes",
    )
    p.add_argument(
        "--format",
        choices=("csv", "md"),
        default=None,
        help="csv or md (events only); default: md when OUT ends in .md or .markdown, else csv",
    )

    p = sub.add_parser(
        "screenshot", help="render the main window, or just the chart, headless to PNG or SVG"
    )
    p.add_argument("session", metavar="SESSION")
    p.add_argument("out", metavar="OUT", help="the file to write (.png, or .svg with --chart-only)")
    p.add_argument(
        "--size",
        default=None,
        type=_size,
        metavar="WIDTHxHEIGHT",
        help="in pixels (default: 1600x900 for the window, 1200x675 for the chart)",
    )
    p.add_argument("--at", default=None, metavar="ISO-TIME", help="show the race as of then")
    p.add_argument(
        "--chart-only",
        action="store_true",
        help="just the chart, with the race title, the names, the time zone and a credit",
    )
    p.add_argument(
        "--range",
        nargs=2,
        default=None,
        metavar=("START", "END"),
        help="show this stretch of time (ISO times; default: the whole race for --chart-only, "
        "the newest hours for the window)",
    )
    p.add_argument(
        "--format", choices=("png", "svg"), default=None, help="default: by OUT's suffix"
    )
    p.add_argument(
        "--scheme",
        choices=("system", "light", "dark"),
        default=None,
        help="the window's colours (default: as chosen in View > Appearance); "
        "a chart alone is always light",
    )

    p = sub.add_parser("clip", help="render a replay of the race as an animated GIF or an MP4")
    p.add_argument("session", metavar="SESSION")
    p.add_argument("out", metavar="OUT", help="the file to write: .gif, or .mp4 (needs ffmpeg)")
    p.add_argument(
        "--seconds",
        type=_positive_float,
        default=10.0,
        metavar="N",
        help="how long the replay lasts (default: 10)",
    )
    p.add_argument("--size", default="800x450", type=_size, metavar="WIDTHxHEIGHT")
    p.add_argument(
        "--fps", type=_positive_int, default=20, metavar="N", help="frames per second (default: 20)"
    )
    p.add_argument(
        "--range",
        nargs=2,
        default=None,
        metavar=("START", "END"),
        help="replay this stretch of time (ISO times; default: the whole race)",
    )

    p = sub.add_parser(
        "record",
        help="follow live sources without a window, storing every reading",
        description="Poll live sources and store each reading in SESSION as it arrives. "
        "One line is printed per stored reading and per source state change. Stops on "
        "Ctrl+C, SIGTERM or after --duration, with everything read stored. Without "
        "--feed, the sources attached to the race in the window are recorded.",
    )
    p.add_argument("session", metavar="SESSION")
    p.add_argument(
        "--feed",
        action="append",
        default=[],
        metavar="COMPETITOR=SPEC",
        help="e.g. aplusk=bluesky:aplusk.bsky.social, cnnbrk=mastodon:@cnn@mastodon.social, "
        "x=github-stars:OWNER/REPO, x=github-followers:USER, x=youtube:CHANNEL_ID, "
        "x=json:URL#PATH, x=file:PATH (repeat for each competitor)",
    )
    p.add_argument("--interval", type=_positive_float, metavar="S", help="seconds between polls")
    p.add_argument("--duration", type=_positive_float, metavar="S", help="stop after S seconds")
    p.add_argument(
        "--base-url",
        metavar="URL",
        help="send the presets' requests here instead (own instance, proxy, tests)",
    )

    p = sub.add_parser(
        "desktop-entry",
        help="add Photo Finish to the Linux desktop's menu (for this user)",
        description="Show, install or remove the menu entry and icon under $XDG_DATA_HOME "
        "(default ~/.local/share). The entry runs this installation's photofinish, so it "
        "works from a virtual environment. Without an option, prints what it would do.",
    )
    action = p.add_mutually_exclusive_group()
    action.add_argument("--install", action="store_true", help="write the entry and the icon")
    action.add_argument("--uninstall", action="store_true", help="remove them")
    return parser


def build_gui_parser() -> argparse.ArgumentParser:
    """The parser for opening the window."""
    parser = _Parser(
        prog="photofinish",
        description="Open the race window (default: the bundled 2009 race, replaying). "
        f"Subcommands: {', '.join(SUBCOMMANDS)}; see 'photofinish --help'.",
    )
    parser.add_argument("session", nargs="?", metavar="SESSION")
    parser.add_argument("--debug", action="store_true")
    parser.add_argument("--no-replay", action="store_true", help="show the race as stored")
    return parser


def _positive_int(text: str) -> int:
    try:
        n = int(text.replace(",", "").replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if n <= 0:
        raise argparse.ArgumentTypeError(f"must be above zero: {text!r}")
    return n


def _positive_float(text: str) -> float:
    try:
        n = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not n > 0 or n == float("inf"):
        raise argparse.ArgumentTypeError(f"must be more than 0: {text!r}")
    return n


def _size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(x) for x in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected WIDTHxHEIGHT, got {text!r}") from None
    if not (200 <= w <= 10000 and 150 <= h <= 10000):
        raise argparse.ArgumentTypeError(f"size out of range: {text!r}")
    return w, h


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args_list
    logs.setup(debug)
    wants_sub = any(a in SUBCOMMANDS for a in args_list[:2]) or any(
        a in ("-h", "--help") for a in args_list[:1]
    )
    try:
        if wants_sub:
            args = build_parser().parse_args(args_list)
            return _run_subcommand(args)
        gui_args = build_gui_parser().parse_args(args_list)
        return run_gui(gui_args)
    except (UsageError, SessionFileError, ImportFileError) as exc:
        print(f"photofinish: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        return 130
    except StorageError as exc:  # full, read-only or locked past the retries
        log.debug("storage error", exc_info=True)
        print(f"photofinish: error: {exc.problem}", file=sys.stderr)
        return 1
    except DamagedFileError as exc:  # damage found while reading
        log.debug("damaged file", exc_info=True)
        print(f"photofinish: error: the session file is damaged ({exc.detail})", file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as exc:  # a full disk, a folder that went away: the file and the reason
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"photofinish: error: {where}{exc.strerror or exc}", file=sys.stderr)
        return 1
    except Exception as exc:  # the last line of defence for the command line
        if debug:
            raise
        log.debug("unexpected error", exc_info=True)
        print(
            f"photofinish: unexpected error: {type(exc).__name__}: {exc} "
            "(run with --debug for details)",
            file=sys.stderr,
        )
        return 1


def _run_subcommand(args: argparse.Namespace) -> int:
    handlers = {
        "sample": cmd_sample,
        "new": cmd_new,
        "import": cmd_import,
        "summary": cmd_summary,
        "export": cmd_export,
        "screenshot": cmd_screenshot,
        "clip": cmd_clip,
        "record": cmd_record,
        "desktop-entry": cmd_desktop_entry,
    }
    return handlers[args.command](args)


def _writable_target(path: str) -> Path:
    p = Path(path)
    parent = p.parent if str(p.parent) else Path(".")
    if not parent.is_dir():
        raise UsageError(f"{p}: folder {parent} does not exist")
    if not os.access(parent, os.W_OK):
        raise UsageError(f"{p}: folder {parent} is not writable")
    return p


def cmd_sample(args: argparse.Namespace) -> int:
    """Write a copy of the bundled race."""
    out = _writable_target(args.out)
    if out.exists():
        raise UsageError(f"{out}: already exists; choose another name")
    source = paths.sample_session()
    with Store.open(source, read_only=True) as store:
        store.backup_to(out)
    print(out)
    return 0


def _local_zone_name() -> str:
    tz = os.environ.get("TZ", "").lstrip(":")
    candidates = [tz] if tz else []
    try:
        link = os.readlink("/etc/localtime")
        if "zoneinfo/" in link:
            candidates.append(link.split("zoneinfo/", 1)[1])
    except OSError:
        pass
    for name in candidates:
        try:
            ZoneInfo(name)
            return name
        except (ZoneInfoNotFoundError, ValueError):
            continue
    return "UTC"


def cmd_new(args: argparse.Namespace) -> int:
    """Create a session."""
    out = _writable_target(args.session)
    if len(args.competitor) < 2:
        raise UsageError("new: give at least two --competitor HANDLE[=NAME]")
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
    race = Race(args.title, args.milestone, args.platform, tz)
    Store.create(out, race, comps).close()
    print(out)
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    """Import a file into a session, with progress on a terminal; Ctrl+C stops between batches."""
    import signal

    from .core.importing.report import SKIPPED_KEPT, ImportReport
    from .core.jobs.imports import import_file_steps
    from .core.reports import unfinished_import_text
    from .core.steps import deferred_interrupts, run_with_progress

    report = ImportReport()
    with Store.open(args.session) as store:
        if store.read_only:
            raise SessionFileError(args.session, "is read-only; nothing was imported")
        for progress in store.unfinished_imports():
            print(f"photofinish: note: {unfinished_import_text(progress)}", file=sys.stderr)
        steps = import_file_steps(store, args.file, report)
        with deferred_interrupts() as stop_asked:
            try:
                run_with_progress(
                    steps,
                    f"Importing {Path(args.file).name}",
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
        print(
            f"Imported {report.imported:,} snapshots and {report.annotations:,} annotations; "
            f"{report.duplicates:,} duplicates skipped; {report.bad_lines:,} bad lines."
        )
        if report.competitors_added:
            print("New competitors: " + ", ".join(report.competitors_added))
        for s in report.skipped[:50]:
            print(f"  line {s.line}: {s.reason}", file=sys.stderr)
        if report.bad_lines > 50:
            print(f"  ... and {report.bad_lines - 50:,} more", file=sys.stderr)
    return 0


def cmd_summary(args: argparse.Namespace) -> int:
    """Print the race in numbers (a passing progress line on a terminal while it reads)."""
    from .core.jobs.analysis import analyse_store_steps, analysis_stages
    from .core.jobs.summary import summary, summary_text
    from .core.steps import Steps, run_with_progress, stage_line

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
    """Export snapshots as CSV (progress on a terminal), or the event log as CSV or Markdown."""
    import signal

    from .core.jobs.exports import export_csv_steps, export_events_csv, export_events_markdown
    from .core.model import zone_of
    from .core.steps import deferred_interrupts, run_with_progress

    fmt = args.format
    if fmt is None:
        fmt = "md" if Path(args.out).suffix.lower() in (".md", ".markdown") else "csv"
    if fmt == "md" and args.what != "events":
        why = "--format md" if args.format else f"{args.out} (a Markdown name)"
        raise UsageError(
            f"export: {why}: Markdown is only for the event log (--what events); "
            "snapshots export as CSV"
        )
    out = _writable_target(args.out)
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
                    print(f"photofinish: export stopped; {out} was not written", file=sys.stderr)
                    if stop_asked() == signal.SIGTERM:  # stopped, not interrupted: 128 + 15
                        raise SystemExit(128 + signal.SIGTERM) from None
                    raise
            print(f"{rows:,} snapshots written to {out}", file=sys.stderr)
            return 0
        race = store.race()
        zone = zone_of(race.display_tz)
        names = {c.handle: c.name for c in store.competitors()}
        events = store.events()
    if fmt == "md":
        rows = export_events_markdown(events, zone, names, out, race.title)
    else:
        rows = export_events_csv(events, zone, names, out)
    print(f"{rows:,} events written to {out}", file=sys.stderr)
    return 0


def _time_range(command: str, zone: ZoneInfo, texts: list[str] | None) -> tuple[int, int] | None:
    """--range START END as UTC milliseconds, checked."""
    from .core.importing.values import parse_timestamp

    if texts is None:
        return None
    try:
        start, end = (parse_timestamp(t, zone) for t in texts)
    except ValueError as exc:
        raise UsageError(f"{command}: --range: {exc}") from None
    if end <= start:
        raise UsageError(f"{command}: --range: the end must come after the start")
    return start, end


def cmd_screenshot(args: argparse.Namespace) -> int:
    """Render the window, or just the chart, offscreen to PNG (or the chart to SVG)."""
    from .core.importing.values import parse_timestamp
    from .core.model import zone_of

    fmt = args.format or ("svg" if Path(args.out).suffix.lower() == ".svg" else "png")
    if fmt == "svg" and not args.chart_only:
        raise UsageError("screenshot: SVG is for the chart alone; add --chart-only")
    out = _writable_target(args.out)
    with Store.open(args.session, read_only=True) as store:
        zone = zone_of(store.race().display_tz)
    at_ms = None
    if args.at:
        try:
            at_ms = parse_timestamp(args.at, zone)
        except ValueError as exc:
            raise UsageError(f"screenshot: --at: {exc}") from None
    range_ms = _time_range("screenshot", zone, args.range)
    if not has_display():
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from .core.steps import terminal_status

    # One step without progress of its own: a line on a terminal says what is going on.
    with terminal_status(sys.stderr, f"Rendering {out.name}: reading the race and drawing it…"):
        from .ui.render import render_chart, render_window

        if args.chart_only:
            render_chart(Path(args.session), out, args.size or (1200, 675), at_ms, range_ms, fmt)
        else:
            render_window(
                Path(args.session), out, args.size or (1600, 900), at_ms, range_ms, args.scheme
            )
    print(out)
    return 0


def cmd_clip(args: argparse.Namespace) -> int:
    """Render a replay of the race into a GIF or MP4, with progress on a terminal."""
    from .core.clip import ClipError, check_clip
    from .core.model import zone_of

    out = _writable_target(args.out)
    try:
        check_clip(out, args.size, args.seconds, args.fps)
    except ClipError as exc:
        raise UsageError(f"clip: {exc}") from None
    with Store.open(args.session, read_only=True) as store:
        zone = zone_of(store.race().display_tz)
    range_ms = _time_range("clip", zone, args.range)
    if not has_display():
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from .core.steps import terminal_status

    try:
        # Until the first frame is drawn (reading the race), a line says so; then the frames count.
        with terminal_status(sys.stderr, f"Rendering {out.name}: reading the race…"):
            from .ui.render import render_clip

            frames = render_clip(
                Path(args.session), out, args.size, args.seconds, args.fps, range_ms
            )
    except ClipError as exc:
        print(f"photofinish: error: clip: {exc}", file=sys.stderr)
        return 1
    print(f"{frames:,} frames written to {out}", file=sys.stderr)
    print(out)
    return 0


def cmd_record(args: argparse.Namespace) -> int:
    """Record live sources into a session until stopped."""
    from .core.live.recording import running_elsewhere
    from .record import RecordError, plan_feeds, record

    store = Store.open(args.session)
    try:
        if store.read_only:
            raise UsageError(f"{args.session}: is read-only; recording needs to write to it")
        try:
            configs, warnings = plan_feeds(store, args.feed, args.interval, args.base_url)
        except RecordError as exc:
            raise UsageError(f"record: {exc}") from None
        other = running_elsewhere(store.recorder())
        if other is not None:
            raise UsageError(
                f"{args.session}: another recorder (pid {other}) is writing to it; "
                "stop that one first"
            )
        for warning in warnings:
            print(f"photofinish: {warning}", file=sys.stderr)
        print(
            f"photofinish: recording {len(configs)} source(s) into {args.session}; Ctrl+C stops",
            file=sys.stderr,
        )
        try:
            stored = record(store, configs, args.duration)
        except RecordError:
            return 1
        print(f"photofinish: stopped; {stored} new reading(s) stored", file=sys.stderr)
    finally:
        store.close()
    return 0


def cmd_desktop_entry(args: argparse.Namespace) -> int:
    """Show, install or remove the desktop menu entry (see gui.desktop)."""
    from . import desktop

    return desktop.run(args.install, args.uninstall)


def has_display() -> bool:
    """Whether a window can be shown (X11, Wayland, or an explicit Qt platform)."""
    if os.environ.get("QT_QPA_PLATFORM"):
        return True
    if sys.platform in ("win32", "darwin"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def run_gui(args: argparse.Namespace) -> int:
    """Open the window, or without a display print the summary and write a screenshot."""
    session = Path(args.session) if args.session else paths.demo_session()
    replay = not args.no_replay and args.session is None
    if not has_display():
        from .core.jobs.summary import summary, summary_text

        print(
            "photofinish: no display found (DISPLAY and WAYLAND_DISPLAY are unset); "
            "printing the race summary and writing a screenshot instead.",
            file=sys.stderr,
        )
        with Store.open(session, read_only=True) as store:
            print(summary_text(summary(store)), end="")
        out = paths.screenshot_dir() / f"{session.stem}.png"
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
        from .ui.render import render_window

        render_window(session, out, (1600, 900), None)
        print(f"Screenshot of the window: {out}")
        return 0
    from .app import run  # a bad file raises SessionFileError before the window opens

    return run(session, replay=replay)
