"""The command line: subcommands for scripts, and the window when none is given.

Arguments are parsed before anything imports Qt, so the data commands start fast
and work on machines without a display.
"""

from __future__ import annotations

import argparse
import difflib
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from ..core import logs, paths
from ..core.errors import DamagedFileError, ImportFileError, SessionFileError, StorageError
from ..core.store import Store
from .common import has_display
from .data import cmd_export, cmd_import, cmd_new, cmd_sample, cmd_summary
from .forecast import cmd_forecast
from .parser import EXIT_BAD_INPUT, SUBCOMMANDS, UsageError, build_gui_parser, build_parser
from .pictures import cmd_clip, cmd_screenshot
from .record import cmd_record

log = logging.getLogger("photofinish")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args_list
    logs.setup(debug)
    wants_sub = any(a in SUBCOMMANDS for a in args_list[:2]) or any(
        a in ("-h", "--help", "--print-completion") for a in args_list[:1]
    )
    try:
        mistyped = _mistyped_command(args_list)
        if mistyped:
            raise UsageError(mistyped)
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
    except BrokenPipeError:  # the reader went away (| head): stop quietly, as Unix tools do
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 128 + 13  # SIGPIPE
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


def cmd_lookup(args: argparse.Namespace) -> int:
    """``photofinish lookup`` (the network code loads only for it: start-up stays quick)."""
    from .follow import cmd_lookup as look_up

    return look_up(args)


def _mistyped_command(args: list[str]) -> str | None:
    """What to say when the first word is neither a command nor a file, but looks like one."""
    words = [a for a in args if not a.startswith("-")]
    if not words or words[0] in SUBCOMMANDS or Path(words[0]).exists():
        return None
    first = words[0]
    close = difflib.get_close_matches(first, SUBCOMMANDS, n=1, cutoff=0.6)
    if close:
        return f"unknown command {first!r}; did you mean {close[0]!r}?"
    if len(words) > 1 and "/" not in first and "." not in first:
        return f"unknown command {first!r}; the commands are {', '.join(SUBCOMMANDS)}"
    return None


def _run_subcommand(args: argparse.Namespace) -> int:
    if getattr(args, "print_completion", None):
        from .manual import completion

        print(completion(args.print_completion), end="")
        return 0
    if args.command is None:
        raise UsageError("give a command, or a race file to open (see photofinish --help)")
    handlers = {
        "sample": cmd_sample,
        "new": cmd_new,
        "import": cmd_import,
        "summary": cmd_summary,
        "export": cmd_export,
        "screenshot": cmd_screenshot,
        "clip": cmd_clip,
        "record": cmd_record,
        "lookup": cmd_lookup,
        "forecast": cmd_forecast,
        "desktop-entry": cmd_desktop_entry,
    }
    return handlers[args.command](args)


def cmd_desktop_entry(args: argparse.Namespace) -> int:
    """Show, install or remove the desktop menu entry (see .desktop_entry)."""
    from . import desktop_entry as desktop

    return desktop.run(args.install, args.uninstall)


def run_gui(args: argparse.Namespace) -> int:
    """Open the window, or without a display print the summary and write a screenshot."""
    session = Path(args.session) if args.session else paths.demo_session()
    replay = not args.no_replay and args.session is None
    if not has_display():
        from ..core.jobs.summary import summary, summary_text

        print(
            "photofinish: no display found (DISPLAY and WAYLAND_DISPLAY are unset); "
            "printing the race summary and writing a screenshot instead.",
            file=sys.stderr,
        )
        with Store.open(session, read_only=True) as store:
            print(summary_text(summary(store)), end="")
        out = paths.screenshot_dir() / f"{session.stem}.png"
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
        from ..headless.render import render_window

        render_window(session, out, (1600, 900), None)
        print(f"Screenshot of the window: {out}")
        return 0
    from ..app.windows import run  # a bad file raises SessionFileError before the window opens

    return run(session, replay=replay)
