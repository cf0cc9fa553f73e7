"""What goes wrong with a session file, in words a user can act on."""

from __future__ import annotations

import errno
from pathlib import Path


class SessionError(Exception):
    """A session file that cannot be used, with the file and the problem named."""

    def __init__(self, path: str | Path, problem: str) -> None:
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")


def _busy(exc: BaseException) -> bool:
    """Whether another connection's lock made this fail (waiting may help)."""
    name = getattr(exc, "sqlite_errorname", "") or ""
    return name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or "locked" in str(exc)


def storage_problem(exc: BaseException) -> str:
    """Why a write to a session failed, in words a user can act on."""
    name = getattr(exc, "sqlite_errorname", "") or ""
    text = str(exc)
    full = name == "SQLITE_FULL" or "disk is full" in text
    if (isinstance(exc, OSError) and exc.errno == errno.ENOSPC) or full:
        return "the disk is full"
    if name.startswith("SQLITE_READONLY") or "readonly" in text or "read-only" in text:
        return "the session file or its folder has become read-only"
    if _busy(exc):
        return "another program holds the session file's lock"
    if name.startswith("SQLITE_IOERR") or "I/O error" in text or isinstance(exc, OSError):
        return f"the disk reported an error, so the file cannot be written ({text})"
    if isinstance(exc, SessionError):
        return exc.problem
    return f"the session file cannot be written ({text})"
