"""What a session's file holds, read through a connection of the test's own.

Tests look at the file as another program would (the window keeps its store
to itself): a read-only store on the same path sees everything committed.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from photofinish.core.store import Store


@contextmanager
def stored(session) -> Iterator[Store]:
    """A read-only store on the session's file."""
    with Store.open(session.path, read_only=True) as store:
        yield store


def query(session, sql: str, params: list[Any] | tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Rows of a query on the session's file, read with plain sqlite3."""
    conn = sqlite3.connect(f"file:{session.path}?mode=ro", uri=True)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def own_connection(session) -> sqlite3.Connection:
    """The session's own connection, for tests that make the file fail under the window.

    Fault injection (``PRAGMA query_only``, a page limit) must reach the very
    connection the window writes through; nothing else in the tests uses it.
    """
    return session._store.db.conn
