"""The project's own errors: what a command line or a window tells a user, never a traceback.

The store turns whatever SQLite raises into a :class:`StoreError` in one
place, so callers catch what happened (the file cannot be used, cannot be
written, is damaged), not a driver's error code. Kept in a small module of
their own so the command line can catch them without loading the rest.
"""

from __future__ import annotations

import errno
from pathlib import Path


class ImportFileError(Exception):
    """The file as a whole cannot be read: nothing is imported."""


class StoreError(Exception):
    """Something about a session file stopped an operation: the file and the problem named.

    ``problem`` is plain words for a message; ``detail`` is what the database
    itself said, when it said something.
    """

    def __init__(self, path: str | Path, problem: str, detail: str = "") -> None:
        self.path = str(path)
        self.problem = problem
        self.detail = detail
        super().__init__(f"{self.path}: {problem}")


class SessionFileError(StoreError):
    """A file that cannot be used as a session: missing, not a session, newer, or damaged."""


class StorageError(StoreError):
    """A read or write the file refused: a full disk, a read-only file, a lock held too long."""


class DamagedFileError(StoreError):
    """Damage found in a session file while reading it; nothing was changed."""


def is_busy(exc: BaseException) -> bool:
    """Whether another connection's lock made this fail (waiting may help)."""
    name = getattr(exc, "sqlite_errorname", "") or ""
    return name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or "locked" in str(exc)


def storage_problem(exc: BaseException) -> str:
    """Why a write to a session failed, in words a user can act on."""
    if isinstance(exc, StoreError):
        return exc.problem
    name = getattr(exc, "sqlite_errorname", "") or ""
    text = str(exc)
    full = name == "SQLITE_FULL" or "disk is full" in text
    if (isinstance(exc, OSError) and exc.errno == errno.ENOSPC) or full:
        return "the disk is full"
    if name.startswith("SQLITE_READONLY") or "readonly" in text or "read-only" in text:
        return "the session file or its folder has become read-only"
    if is_busy(exc):
        return "another program holds the session file's lock"
    if name.startswith("SQLITE_IOERR") or "I/O error" in text or isinstance(exc, OSError):
        return f"the disk reported an error, so the file cannot be written ({text})"
    return f"the session file cannot be written ({text})"
