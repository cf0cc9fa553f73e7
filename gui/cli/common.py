"""What the commands share: where their output goes, and whether a window can be shown."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from zoneinfo import ZoneInfo

from .parser import STDIO, UsageError


def writable_target(path: str) -> Path:
    """The path to write an output to, once its folder is known to exist and be writable."""
    p = Path(path)
    parent = p.parent if str(p.parent) else Path(".")
    if not parent.is_dir():
        raise UsageError(f"{p}: folder {parent} does not exist")
    if not os.access(parent, os.W_OK):
        raise UsageError(f"{p}: folder {parent} is not writable")
    return p


def moment(command: str, text: str | None, zone: ZoneInfo) -> int | None:
    """``--at``: a time as typed (in the race's zone unless it names one), in UTC milliseconds."""
    if not text:
        return None
    from ..core.importing.values import parse_timestamp

    try:
        return parse_timestamp(text, zone)
    except ValueError as exc:
        raise UsageError(f"{command}: --at: {exc}") from None


def has_display() -> bool:
    """Whether a window can be shown (X11, Wayland, or an explicit Qt platform)."""
    if os.environ.get("QT_QPA_PLATFORM"):
        return True
    if sys.platform in ("win32", "darwin"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


@contextmanager
def from_stdin(path: str) -> Iterator[str]:
    """``path``, or for ``-`` a file holding what standard input brought (read to its end)."""
    if path != STDIO:
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="photofinish-") as tmp:
        spool = Path(tmp) / "standard input"
        with spool.open("wb") as out:
            shutil.copyfileobj(sys.stdin.buffer, out)
        yield str(spool)


@contextmanager
def to_stdout(path: str, suffix: str) -> Iterator[Path]:
    """Where to write ``path``; for ``-`` a file whose bytes go to standard output once written."""
    if path != STDIO:
        yield writable_target(path)
        return
    with tempfile.TemporaryDirectory(prefix="photofinish-") as tmp:
        out = Path(tmp) / f"standard output{suffix}"
        yield out
        if out.exists():  # written whole (a stopped export leaves nothing)
            with out.open("rb") as written:
                shutil.copyfileobj(written, sys.stdout.buffer)
            sys.stdout.buffer.flush()
