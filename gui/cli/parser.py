"""The command line's arguments: one parser per subcommand, and the one for opening the window."""

from __future__ import annotations

import argparse
from typing import Any

SUBCOMMANDS = (
    "sample",
    "new",
    "import",
    "summary",
    "export",
    "screenshot",
    "clip",
    "record",
    "lookup",
    "forecast",
    "desktop-entry",
)


EXIT_BAD_INPUT = 2


class UsageError(Exception):
    """Bad input on the command line: reported as one line, exit 2."""


PROG = "photofinish"
USAGE = (
    "photofinish [SESSION] [--no-replay]   open the window (default: the 2009 race, replaying)\n"
    "       photofinish COMMAND [ARGS]          (photofinish COMMAND --help for each)"
)
STDIO = "-"  # a file argument that means standard input or output


def version_text() -> str:
    """``photofinish VERSION``, as ``--version`` prints it."""
    from importlib import metadata

    try:
        return f"{PROG} {metadata.version('photofinish')}"
    except metadata.PackageNotFoundError:
        return f"{PROG} (not installed)"


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        # "photofinish: error: " comes once, from main; a subcommand names itself.
        command = self.prog.removeprefix(PROG).strip()
        raise UsageError(f"{command}: {message}" if command else message)


class _Version(argparse.Action):
    """``--version``: the version on stdout, exit 0 (the text read when it is asked for)."""

    def __init__(self, option_strings: list[str], dest: str, **kwargs: Any) -> None:
        super().__init__(option_strings, dest, nargs=0, help="print the version and exit")

    def __call__(self, parser: argparse.ArgumentParser, *_args: Any, **_kw: Any) -> None:
        print(version_text())
        parser.exit()


def _common(parser: argparse.ArgumentParser, top: bool) -> None:
    """``--debug`` before or after a subcommand, and ``--version``."""
    parser.add_argument(
        "--debug",
        action="store_true",
        default=False if top else argparse.SUPPRESS,
        help="show tracebacks and debug logs",
    )
    if top:
        parser.add_argument("--version", action=_Version)
        parser.add_argument(
            "--print-completion",
            choices=("bash", "zsh", "tcsh"),
            metavar="SHELL",
            help="print a completion script for bash, zsh or tcsh, and exit",
        )


def build_parser() -> argparse.ArgumentParser:
    """The parser for every subcommand."""
    parser = _Parser(
        prog=PROG,
        usage=USAGE,
        description="Follow a race between two counters toward a milestone. With no "
        "command, open the window on SESSION (--no-replay: as stored), or on the bundled "
        "2009 race, replaying.",
    )
    _common(parser, top=True)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser, prog=PROG)

    _add_sample(sub)
    _add_new(sub)
    _add_import(sub)
    _add_summary(sub)
    _add_export(sub)
    _add_screenshot(sub)
    _add_clip(sub)
    _add_record(sub)
    _add_lookup(sub)
    _add_forecast(sub)
    _add_desktop_entry(sub)
    for command in sub.choices.values():
        _common(command, top=False)
    return parser


def _add_sample(sub: Any) -> None:
    """``photofinish sample``."""
    p = sub.add_parser("sample", help="write a copy of the bundled 2009 race")
    p.add_argument("out", metavar="OUT.db")


def _add_new(sub: Any) -> None:
    """``photofinish new``."""
    p = sub.add_parser("new", help="create a new race session")
    p.add_argument("session", metavar="SESSION")
    p.add_argument("--title", required=True)
    p.add_argument("--milestone", required=True, type=_positive_int)
    p.add_argument(
        "--competitor",
        action="append",
        default=[],
        metavar="HANDLE[=NAME]",
        help="a competitor with no source (repeat; two or more competitors in all, "
        "counting --follow); the first two race head to head",
    )
    p.add_argument(
        "--follow",
        action="append",
        default=[],
        metavar="TARGET",
        help="a competitor followed live: a profile link (Bluesky, Mastodon, GitHub, YouTube, "
        "X) or a spec such as bluesky:name.bsky.social; looked up first (repeat)",
    )
    p.add_argument("--tz", default=None, help="display time zone (IANA name); default: local")
    p.add_argument("--platform", default="", help="where the counts come from, e.g. bluesky")
    p.add_argument(
        "--interval", type=_positive_float, metavar="S", help="seconds between polls of --follow"
    )
    p.add_argument("--base-url", metavar="URL", help="ask this server instead of the service's")


def _add_import(sub: Any) -> None:
    """``photofinish import``."""
    p = sub.add_parser("import", help="import snapshots and annotations (CSV or JSON Lines)")
    p.add_argument("session", metavar="SESSION")
    p.add_argument("file", metavar="FILE", help="the file to read; - for standard input")
    p.add_argument("--json", action="store_true", help="print the report as JSON")


def _add_summary(sub: Any) -> None:
    """``photofinish summary``."""
    p = sub.add_parser("summary", help="the race in numbers")
    p.add_argument("session", metavar="SESSION")
    p.add_argument("--json", action="store_true")


def _add_export(sub: Any) -> None:
    """``photofinish export``."""
    p = sub.add_parser(
        "export",
        help="snapshots out as CSV in the import format, or the event log as CSV or Markdown",
        description="Write the snapshots (CSV in the import format) or the event log "
        "(CSV or a Markdown table, times in the race's display zone and in UTC).",
    )
    p.add_argument("session", metavar="SESSION")
    p.add_argument(
        "out",
        metavar="OUT",
        help="the file to write (.csv, or .md for Markdown); - for standard output",
    )
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


def _add_screenshot(sub: Any) -> None:
    """``photofinish screenshot``."""
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
    _add_range(
        p,
        "show this stretch of time (ISO times; default: the whole race for --chart-only, "
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


def _add_clip(sub: Any) -> None:
    """``photofinish clip``."""
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
    _add_range(p, "replay this stretch of time (ISO times; default: the whole race)")


def _add_record(sub: Any) -> None:
    """``photofinish record``."""
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
        "--on-event",
        action="append",
        default=[],
        metavar="CMD",
        help="run CMD through the shell once per new event (lead change, to go, crossed, "
        'glitch, source trouble), the event on its standard input as JSON: {"kind", "at", '
        '"text", "competitor", "race"}; repeat for more commands',
    )
    p.add_argument(
        "--on-event-limit",
        type=_positive_float,
        default=30.0,
        metavar="S",
        help="stop an --on-event command still running after S seconds (default: 30)",
    )
    p.add_argument(
        "--json",
        action="store_true",
        help='one JSON object a line: {"type": "reading", "at", "handle", "count", "source"}, '
        '{"type": "event", "kind", "at", "handle", "text"}, {"type": "paused", "at", "reason"} '
        'or {"type": "resumed", "at"}',
    )
    p.add_argument(
        "--base-url",
        metavar="URL",
        help="send the presets' requests here instead (own instance, proxy, tests)",
    )


def _add_lookup(sub: Any) -> None:
    """``photofinish lookup``."""
    p = sub.add_parser(
        "lookup",
        help="who an account is and its count now",
        description="Look an account up: its name, its count now and the spec a race follows "
        "it by. Exits 2 when it does not exist, is suspended or hides its count.",
    )
    p.add_argument(
        "target",
        metavar="TARGET",
        help="a profile link (Bluesky, Mastodon, GitHub, YouTube, X), @user@instance, "
        "or a spec such as bluesky:name.bsky.social",
    )
    p.add_argument("--base-url", metavar="URL", help="ask this server instead of the service's")
    p.add_argument("--json", action="store_true", help='print {"spec", "handle", "name", "count"}')


def _add_forecast(sub: Any) -> None:
    """``photofinish forecast``."""
    p = sub.add_parser(
        "forecast",
        help="when each side reaches the milestone, with 80% ranges; or how good that was",
        description="Project each competitor's crossing from the recent rate, with an 80% "
        "range learnt from the race's own past errors, and the projected winner with its "
        "chance. --backtest replays the race and sets such forecasts, made 12 h to 10 min "
        "before each crossing, against what happened.",
    )
    p.add_argument("session", metavar="SESSION")
    p.add_argument(
        "--at", default=None, metavar="ISO-TIME", help="as it would have said then (default: now)"
    )
    p.add_argument("--backtest", action="store_true", help="how good the forecasts were")
    p.add_argument("--json", action="store_true")


def _add_desktop_entry(sub: Any) -> None:
    """``photofinish desktop-entry``."""
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


def _add_range(p: argparse.ArgumentParser, what: str) -> None:
    """``--range START END``: a stretch of time, for the picture commands."""
    p.add_argument("--range", nargs=2, default=None, metavar=("START", "END"), help=what)


def build_gui_parser() -> argparse.ArgumentParser:
    """The parser for opening the window."""
    parser = _Parser(
        prog=PROG,
        usage=USAGE,
        description="Open the race window (default: the bundled 2009 race, replaying). "
        f"Commands: {', '.join(SUBCOMMANDS)}; see 'photofinish --help'.",
    )
    parser.add_argument("session", nargs="?", metavar="SESSION")
    _common(parser, top=True)
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
