"""Calling the command line in-process, for the CLI tests."""

from __future__ import annotations

from photofinish.cli.main import main


def run(capsys, *args: str) -> tuple[int, str, str]:
    """Run ``photofinish ARGS``; returns the exit code, stdout and stderr."""
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err
