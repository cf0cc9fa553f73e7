"""The store: a session file opened for reading and writing (or reading only)."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterable
from pathlib import Path

from sqlite_utils import Database

from ..errors import SessionFileError
from ..model import Competitor, Race
from ..series import Series
from .checks import inspect_file, read_only_uri, write_problem
from .errors import translated
from .events import EventsTable
from .meta import MetaTable
from .race import RaceTable
from .readings import ReadingsTable
from .schema import SCHEMA_VERSION, migrations
from .sources import SourcesTable

log = logging.getLogger(__name__)


@translated
class Store(RaceTable, ReadingsTable, EventsTable, SourcesTable, MetaTable):
    """A session file opened for reading and writing (or reading only)."""

    # -- opening -----------------------------------------------------------
    @classmethod
    def create(
        cls, path: str | Path | None, race: Race, competitors: Iterable[Competitor]
    ) -> Store:
        """Create a new session file (``None`` for an in-memory one) and open it."""
        if path is not None:
            p = Path(path)
            if p.exists():
                raise SessionFileError(p, "already exists; choose another name")
            try:
                db = Database(p)
            except sqlite3.Error as exc:
                raise SessionFileError(p, f"cannot be created ({exc})") from exc
        else:
            p = None
            db = Database(memory=True)
        try:
            if p is not None:
                db.enable_wal()
            migrations.apply(db)
            store = cls(db, p)
            with db.atomic():
                store.db.execute(
                    "INSERT INTO race (id, title, milestone, platform, display_tz, stale_after_s)"
                    " VALUES (1, ?, ?, ?, ?, ?)",
                    [
                        race.title,
                        race.milestone,
                        race.platform,
                        race.display_tz,
                        race.stale_after_s,
                    ],
                )
                for comp in competitors:
                    store.add_competitor(comp.handle, comp.name, comp.colour)
        except (sqlite3.Error, OSError) as exc:
            raise SessionFileError(p or ":memory:", f"cannot be written ({exc})") from exc
        return store

    @classmethod
    def open(cls, path: str | Path, read_only: bool | None = None) -> Store:
        """Open an existing session; read-only when asked or when the file is."""
        p = Path(path)
        version = inspect_file(p)
        if read_only is None:
            read_only = write_problem(p) is not None
        try:
            if read_only:
                db = Database(sqlite3.connect(read_only_uri(p), uri=True, check_same_thread=False))
            else:
                # Write-ahead logging is switched on at the first write, so a
                # file that turns out to be damaged is never touched.
                db = Database(p)
                if version < SCHEMA_VERSION:
                    log.info("Upgrading %s from schema %d to %d", p, version, SCHEMA_VERSION)
                    migrations.apply(db)
        except sqlite3.Error as exc:
            raise SessionFileError(p, f"cannot be opened ({exc})") from exc
        try:
            return cls(db, p, read_only=read_only)
        except sqlite3.Error as exc:
            db.close()
            raise SessionFileError(p, f"is damaged or unreadable ({exc})") from exc

    def all_series(self) -> dict[str, Series]:
        """Every competitor's readings as arrays."""
        return {c.handle: self.series(c.handle) for c in self.competitors()}
