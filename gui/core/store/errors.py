"""SQLite's errors turned into the project's own, in one place, for every table of the store."""

from __future__ import annotations

import functools
import inspect
import sqlite3
from collections.abc import Callable, Generator
from pathlib import Path
from typing import Any, TypeVar

from ..errors import DamagedFileError, StorageError, StoreError, storage_problem


def from_driver(exc: sqlite3.Error, path: str | Path | None) -> StoreError:
    """The project's error for what SQLite raised while working on ``path``.

    A refused operation (a lock, a full disk, a read-only file, a constraint, a
    closed file) is a :class:`StorageError`; any other database error means the
    file is damaged.
    """
    where = path if path is not None else ":memory:"
    refused = (
        sqlite3.OperationalError,
        sqlite3.IntegrityError,
        sqlite3.ProgrammingError,
        sqlite3.InterfaceError,
    )
    if isinstance(exc, refused) or not isinstance(exc, sqlite3.DatabaseError):
        return StorageError(where, storage_problem(exc), str(exc))
    return DamagedFileError(where, f"is damaged ({exc})", str(exc))


F = TypeVar("F", bound=Callable[..., Any])
C = TypeVar("C", bound=type)


def _wrap(method: F) -> F:
    if inspect.isgeneratorfunction(method):

        @functools.wraps(method)
        def each(self: Any, *args: Any, **kwargs: Any) -> Generator[Any, Any, Any]:
            try:
                return (yield from method(self, *args, **kwargs))
            except sqlite3.Error as exc:
                raise from_driver(exc, getattr(self, "path", None)) from exc

        return each  # type: ignore[return-value]

    @functools.wraps(method)
    def call(self: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except sqlite3.Error as exc:
            raise from_driver(exc, getattr(self, "path", None)) from exc

    return call  # type: ignore[return-value]


def translated(cls: C) -> C:
    """Make every public method of a store class raise the project's errors, not the driver's."""
    for name, member in list(vars(cls).items()):
        if name.startswith("_") and name not in ("__enter__", "__exit__"):
            continue
        if inspect.isfunction(member):
            setattr(cls, name, _wrap(member))
    return cls
