"""The man page and the shell completions, both generated from the argument parser.

``photofinish --print-completion bash`` (or zsh, tcsh) prints a completion
script; the wheel also ships them, with the man page, in its resources (made
by ``python -m photofinish.cli.manual DIR``; a test checks they match the
parser, so they never fall behind it).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .parser import PROG, build_parser

SHELLS = ("bash", "zsh", "tcsh")
MANUAL_DATE = "December 2026"  # the manual's own date (kept fixed: the same parser, the same page)
# Arguments that name files, so the shell completes paths for them.
_FILE_METAVARS = {"SESSION", "OUT", "FILE", "OUT.db"}


def _with_file_hints(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    import shtab

    for action in parser._actions:  # noqa: SLF001 - argparse keeps its arguments here
        if action.metavar in _FILE_METAVARS or action.dest in ("session", "out", "file"):
            action.complete = shtab.FILE  # type: ignore[attr-defined]
        if isinstance(action, argparse._SubParsersAction):  # noqa: SLF001
            for sub in action.choices.values():
                _with_file_hints(sub)
    return parser


def completion(shell: str) -> str:
    """The completion script for ``shell`` (bash, zsh or tcsh)."""
    import shtab

    return str(shtab.complete(_with_file_hints(build_parser()), shell=shell))


def man_page() -> str:
    """The man page (roff), section 1."""
    from argparse_manpage.manpage import Manpage

    parser = build_parser()
    parser.usage = f"{PROG} [SESSION] [--no-replay] | {PROG} COMMAND [ARGS]"
    data = {
        "project_name": PROG,
        "prog": PROG,
        "version": "",
        "description": "follow a race between two counters toward a milestone",
        "date": MANUAL_DATE,
        "url": None,
        "authors": None,
    }
    return str(Manpage(parser, _data=data))


def shipped() -> dict[str, str]:
    """The files the wheel ships, by name, as the parser makes them now."""
    files = {f"{PROG}.{shell}": completion(shell) for shell in ("bash", "zsh")}
    files[f"{PROG}.1"] = man_page()
    return files


def main(argv: list[str]) -> int:
    """Write the shipped files into a folder (the project's resources/)."""
    target = Path(argv[0] if argv else "resources")
    for name, text in shipped().items():
        (target / name).write_text(text, encoding="utf-8")
        print(target / name)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
