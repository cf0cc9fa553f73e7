"""Looking at a file before using it: is it a session this version reads, and can it be written."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from urllib.parse import quote

from ..errors import SessionFileError
from .schema import SCHEMA_VERSION

SQLITE_MAGIC = b"SQLite format 3\x00"


SESSION_SUFFIX = ".pfrace"


def read_only_uri(path: Path) -> str:
    """A read-only URI. A write-protected file with no write-ahead log is also immutable.

    A read-only connection to a WAL-mode file otherwise creates ``-shm`` and
    ``-wal`` files beside it, and leaves them there when the file is write-protected.
    """
    uri = "file:" + quote(str(path.resolve())) + "?mode=ro"
    wal = path.with_name(path.name + "-wal")
    if not wal.exists() and write_problem(path) is not None:
        uri += "&immutable=1"
    return uri


# Checked whole on every open; the big tables only in files up to QUICK_CHECK_BYTES.
_SMALL_TABLES = ("race", "competitors", "events", "sources", "view_state", "derived_state")


QUICK_CHECK_BYTES = 16 * 1024 * 1024  # about 0.2 s of checking; some 200,000 readings


def _quick_check(conn: sqlite3.Connection, path: Path) -> None:
    """Raise sqlite3.DatabaseError when SQLite finds damage (a cheap check, not a full one).

    A whole ``quick_check`` reads every page: 8 s for a 10-million-reading
    file. The small tables are checked always, everything when the file is small;
    damage in the readings of a big file shows when they are read.
    """
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    checks: list[str | None] = [None]  # the whole file
    if path.stat().st_size > QUICK_CHECK_BYTES:
        checks = [t for t in _SMALL_TABLES if t in tables]
    for table in checks:
        sql = "PRAGMA quick_check" if table is None else f"PRAGMA quick_check({table})"
        found = [r[0] for r in conn.execute(sql)]
        if found != ["ok"]:
            raise sqlite3.DatabaseError("; ".join(str(f) for f in found[:3]))


def inspect_file(path: str | Path) -> int:
    """Check that a file is a session this version can read, without changing it.

    Returns its schema version; raises :class:`SessionFileError` naming the problem.
    """
    p = Path(path)
    if not p.exists():
        raise SessionFileError(p, "no such file")
    if p.is_dir():
        raise SessionFileError(p, "is a folder, not a session file")
    try:
        with p.open("rb") as fh:
            head = fh.read(len(SQLITE_MAGIC))
    except OSError as exc:
        raise SessionFileError(p, f"cannot be read ({exc.strerror or exc})") from exc
    if not head:
        raise SessionFileError(p, "is empty, not a Photo Finish session")
    if head != SQLITE_MAGIC:
        raise SessionFileError(p, "is not a SQLite database, so not a Photo Finish session")
    try:
        conn = sqlite3.connect(read_only_uri(p), uri=True)
        try:
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
            version = int(conn.execute("PRAGMA user_version").fetchone()[0])
            if {"race", "competitors", "snapshots"} <= tables:
                conn.execute("SELECT count(*) FROM race").fetchone()
                _quick_check(conn, p)
        finally:
            conn.close()
    except (sqlite3.DatabaseError, UnicodeDecodeError) as exc:
        # Damaged pages can also turn the schema's own text into bytes that are not UTF-8.
        raise SessionFileError(p, f"is damaged or unreadable ({exc})") from exc
    if not {"race", "competitors", "snapshots"} <= tables:
        raise SessionFileError(
            p, "is a SQLite database but not a Photo Finish session (no race table)"
        )
    if version > SCHEMA_VERSION:
        raise SessionFileError(
            p,
            f"was saved by a newer Photo Finish (schema version {version}; "
            f"this version reads up to {SCHEMA_VERSION}); it was not changed",
        )
    return version


def write_problem(path: Path) -> str | None:
    """Why a session file cannot be written, in words; None when it can.

    The folder must be writable too (for the journal). A file without any
    write permission bit counts as write-protected even for a user (root)
    whom the system would let write: the owner asked for it.
    """
    try:
        mode = path.stat().st_mode
    except OSError as exc:
        return f"{path.name} cannot be checked ({exc.strerror or exc})"
    if not mode & 0o222 or not os.access(path, os.W_OK):
        return f"the file {path.name} is write-protected"
    if not os.access(path.parent, os.W_OK):
        return f"the folder holding {path.name} is write-protected"
    return None
