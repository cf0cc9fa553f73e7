"""The live sources attached to competitors (never their keys)."""

from __future__ import annotations

import json
import logging
from dataclasses import replace

from ..model import SourceConfig
from .base import StoreBase
from .errors import translated

log = logging.getLogger(__name__)


@translated
class SourcesTable(StoreBase):
    """The ``sources`` table."""

    # -- live sources ----------------------------------------------------------
    def sources(self) -> list[SourceConfig]:
        """The live sources attached to competitors, in the order they were added."""
        out = []
        for sid, spec, cid, interval, enabled, options in self.db.execute(
            "SELECT id, spec, competitor_id, interval_s, enabled, options FROM sources ORDER BY id"
        ):
            try:
                opts = json.loads(options) if options else {}
            except ValueError:
                log.warning("Source %d has unreadable options; using none", sid)
                opts = {}
            base = opts.get("base_url") if isinstance(opts, dict) else None
            out.append(
                SourceConfig(
                    self._handles.get(cid, ""),
                    spec,
                    float(interval),
                    bool(enabled),
                    base if isinstance(base, str) and base else None,
                    int(sid),
                )
            )
        return out

    def save_source(self, source: SourceConfig) -> SourceConfig:
        """Add a source (no id) or change one; returns it with its id."""
        options = json.dumps({"base_url": source.base_url} if source.base_url else {})
        values = [
            source.spec,
            self._ids[source.handle],
            float(source.interval_s),
            int(source.enabled),
            options,
        ]
        with self.write():
            if source.id is None:
                cur = self.db.execute(
                    "INSERT INTO sources (spec, competitor_id, interval_s, enabled, options)"
                    " VALUES (?, ?, ?, ?, ?)",
                    values,
                )
                new_id = int(cur.lastrowid or 0)
            else:
                self.db.execute(
                    "UPDATE sources SET spec = ?, competitor_id = ?, interval_s = ?,"
                    " enabled = ?, options = ? WHERE id = ?",
                    [*values, source.id],
                )
                new_id = source.id
        return replace(source, id=new_id)

    def delete_source(self, source_id: int) -> None:
        """Detach a source (its readings stay)."""
        with self.write():
            self.db.execute("DELETE FROM sources WHERE id = ?", [source_id])
