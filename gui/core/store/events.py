"""The event log as stored: notes, imported annotations, derived events and source trouble."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..model import ORIGIN_DERIVED, Event
from .base import StoreBase
from .errors import translated

DERIVED_EVENTS = "derived events"  # what _remembered keeps: key -> (id, text, time)


@translated
class EventsTable(StoreBase):
    """The ``events`` table."""

    # -- events --------------------------------------------------------------
    def events(self) -> list[Event]:
        """All events and notes in time order."""
        return self._events_where("1", [])

    def _events_where(self, condition: str, params: list[Any]) -> list[Event]:
        """Events matching a fixed SQL condition with bound parameters, in time order."""
        return [
            Event(
                r[1], r[2], r[4], self._handles.get(r[3]) if r[3] else None, r[5], r[6], r[7], r[0]
            )
            for r in self.db.execute(
                "SELECT id, at_ms, kind, competitor_id, text, url, origin, key FROM events"
                f" WHERE {condition} ORDER BY at_ms, id",
                params,
            )
        ]

    def add_event(self, event: Event) -> Event | None:
        """Store one event; returns it with its id, or None when its key already exists."""
        self._remember(DERIVED_EVENTS, None)
        return self._insert_event(event)

    def _insert_event(self, event: Event) -> Event | None:
        cid = self._ids.get(event.handle) if event.handle else None
        with self.write():
            cur = self.db.execute(
                "INSERT INTO events (at_ms, kind, competitor_id, text, url, origin, key)"
                " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO NOTHING",
                [event.at_ms, event.kind, cid, event.text, event.url, event.origin, event.key],
            )
        if not cur.rowcount:
            return None
        return Event(
            event.at_ms,
            event.kind,
            event.text,
            event.handle,
            event.url,
            event.origin,
            event.key,
            int(cur.lastrowid or 0),
        )

    def update_event(
        self, event_id: int, text: str, url: str | None, handle: str | None, at_ms: int
    ) -> None:
        """Change a note's text, link, competitor or time."""
        cid = self._ids.get(handle) if handle else None
        self._remember(DERIVED_EVENTS, None)
        with self.write():
            self.db.execute(
                "UPDATE events SET text = ?, url = ?, competitor_id = ?, at_ms = ? WHERE id = ?",
                [text, url, cid, at_ms, event_id],
            )

    def delete_event(self, event_id: int) -> None:
        """Remove one event."""
        self._remember(DERIVED_EVENTS, None)
        with self.write():
            self.db.execute("DELETE FROM events WHERE id = ?", [event_id])

    def restore_event(self, event: Event) -> Event:
        """Put back a deleted note under its old id (undo of a delete)."""
        if event.id is None:
            raise ValueError("only a stored event can be restored")
        cid = self._ids.get(event.handle) if event.handle else None
        self._remember(DERIVED_EVENTS, None)
        with self.write():
            self.db.execute(
                "INSERT INTO events (id, at_ms, kind, competitor_id, text, url, origin, key)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    event.id,
                    event.at_ms,
                    event.kind,
                    cid,
                    event.text,
                    event.url,
                    event.origin,
                    event.key,
                ],
            )
        return event

    def event(self, event_id: int) -> Event | None:
        """One stored event by id."""
        for e in self._events_where("id = ?", [event_id]):
            return e
        return None

    def sync_derived_events(self, derived: Iterable[Event]) -> tuple[list[Event], list[int]]:
        """Make the stored derived events exactly ``derived``; return (added, removed ids).

        What is stored is remembered until another connection writes the file.
        """
        wanted = {e.key: e for e in derived if e.key}
        with self.write():
            stored = self._remembered(DERIVED_EVENTS)
            if stored is None:
                stored = {
                    r[1]: (r[0], r[2], r[3])
                    for r in self.db.execute(
                        "SELECT id, key, text, at_ms FROM events WHERE origin = ?",
                        [ORIGIN_DERIVED],
                    )
                }
            removed = [
                row[0]
                for key, row in stored.items()
                if key not in wanted or (row[1], row[2]) != (wanted[key].text, wanted[key].at_ms)
            ]
            self.db.conn.executemany("DELETE FROM events WHERE id = ?", [(i,) for i in removed])
            now = {k: row for k, row in stored.items() if row[0] not in removed}
            added = []
            complete = True
            for key, event in wanted.items():
                if key in now:
                    continue
                stored_event = self._insert_event(event)
                if stored_event is None:
                    complete = False  # another event holds the key
                    continue
                added.append(stored_event)
                now[key] = (stored_event.id, event.text, event.at_ms)
            self._remember(DERIVED_EVENTS, now if complete else None)
        return added, removed

    # -- what has been told ----------------------------------------------------------------
    def announced(self, channel: str) -> set[str]:
        """The keys of the events ``channel`` has told someone about."""
        return {
            r[0] for r in self.db.execute("SELECT key FROM announced WHERE channel = ?", [channel])
        }

    def announce(self, channel: str, keys: Iterable[str]) -> None:
        """Remember that ``channel`` told these events (once: a key told again is ignored)."""
        with self.write():
            self.db.conn.executemany(
                "INSERT OR IGNORE INTO announced (channel, key) VALUES (?, ?)",
                [(channel, key) for key in keys],
            )
