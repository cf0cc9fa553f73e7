"""What the file remembers besides the race: the view, unfinished imports, and consistent copies."""

from __future__ import annotations

import json
import os
import sqlite3
import tempfile
from pathlib import Path
from typing import Any

from ..atomic import give_usual_permissions
from ..errors import SessionFileError
from .base import StoreBase
from .errors import translated

RECORDER = "recorder"  # the key naming the process that records into the file
UNFINISHED_IMPORT = "import:unfinished:"  # view_state key prefix, then the file's full path


@translated
class MetaTable(StoreBase):
    """The ``view_state`` table, and copies of the whole file."""

    # -- view state and copies -------------------------------------------------
    def view_state(self) -> dict[str, str]:
        """What the user was looking at, saved per session."""
        return {r[0]: r[1] for r in self.db.execute("SELECT key, value FROM view_state")}

    def set_view_state(self, values: dict[str, str]) -> None:
        """Save view state values."""
        with self.write():
            self.db.conn.executemany(
                "INSERT OR REPLACE INTO view_state (key, value) VALUES (?, ?)",
                list(values.items()),
            )

    def _set_json(self, key: str, value: dict[str, Any] | None) -> None:
        """Keep ``value`` under ``key`` as JSON (None: remove the key)."""
        with self.write():
            if value is None:
                self.db.execute("DELETE FROM view_state WHERE key = ?", [key])
            else:
                self.db.execute(
                    "INSERT OR REPLACE INTO view_state (key, value) VALUES (?, ?)",
                    [key, json.dumps(value)],
                )

    # -- a running recorder -------------------------------------------------------------
    def recorder(self) -> dict[str, Any] | None:
        """The mark a recorder left while it records into the file (None when there is none)."""
        raw = self.view_state().get(RECORDER)
        if not raw:
            return None
        try:
            mark = json.loads(raw)
        except ValueError:
            return None
        return mark if isinstance(mark, dict) else None

    def set_recorder(self, mark: dict[str, Any] | None) -> None:
        """Leave a recorder's mark in the file (None: take it away)."""
        self._set_json(RECORDER, mark)

    # -- imports that did not finish --------------------------------------------------
    def set_unfinished_import(self, key: str, progress: dict[str, Any] | None) -> None:
        """Record how far an import got (None: it finished). Call inside the batch's transaction.

        The row commits with the batch it describes, so after a crash it tells
        exactly what is stored.
        """
        self._set_json(f"{UNFINISHED_IMPORT}{key}", progress)

    def unfinished_imports(self) -> list[dict[str, Any]]:
        """Imports that stopped before the end (killed, crashed or stopped), oldest first."""
        found = []
        for key, value in self.db.execute(
            "SELECT key, value FROM view_state WHERE key >= ? AND key < ? ORDER BY key",
            [UNFINISHED_IMPORT, UNFINISHED_IMPORT + "\uffff"],
        ):
            try:
                progress = json.loads(value)
            except ValueError:
                continue
            if isinstance(progress, dict) and "file" in progress:
                progress["key"] = key.removeprefix(UNFINISHED_IMPORT)
                found.append(progress)
        return sorted(found, key=lambda p: str(p.get("started", "")))

    def backup_to(self, target: str | Path) -> None:
        """Write a consistent copy with SQLite's online backup, never a half-written file.

        The copy is made in one step, so it is the database as of one moment
        even while another connection keeps writing; it goes to a temporary file
        beside the target and is renamed over it only when complete.
        """
        out = Path(target)
        if self.path is not None and out.exists() and out.resolve() == self.path.resolve():
            raise SessionFileError(out, "is the open session itself; choose another name")
        fd, tmp_name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
        os.close(fd)
        tmp = Path(tmp_name)
        try:
            dest = sqlite3.connect(tmp_name)
            try:
                self.db.conn.backup(dest)
                dest.execute("PRAGMA journal_mode = DELETE")
            finally:
                dest.close()
            give_usual_permissions(tmp)
            os.replace(tmp, out)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
