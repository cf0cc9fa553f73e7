"""The QObject between a session file and the widgets: holds the analysis, emits what changed."""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, Signal

from gui.core.analysis import RaceAnalysis, Series, analyse
from gui.core.model import ORIGIN_DERIVED, Competitor, Event, Race, Snapshot
from gui.core.operations import refresh_derived, zone_of
from gui.core.store import Store

log = logging.getLogger(__name__)


class Session(QObject):
    """One open race. Widgets read from it; only it writes to the store.

    The session shows the race *as of* a moment: ``None`` means everything
    stored (live); a time means a replay has got that far. Moving forward adds
    events incrementally; moving back resets them.
    """

    analysis_changed = Signal()
    events_added = Signal(list)  # list[Event], in time order
    events_reset = Signal()
    race_changed = Signal()
    as_of_changed = Signal()

    def __init__(self, store: Store, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.race: Race = store.race()
        self.competitors: list[Competitor] = store.competitors()
        self.zone = zone_of(self.race.display_tz)
        self.series: dict[str, Series] = store.all_series()
        self._notes: list[Event] = [e for e in store.events() if e.origin != ORIGIN_DERIVED]
        self.as_of_ms: int | None = None
        self.analysis: RaceAnalysis = self._analyse()
        self._complete: RaceAnalysis | None = self.analysis
        self.events: list[Event] = self._events_until(None)
        self._shown = {self._event_id(e) for e in self.events}

    # -- reading ---------------------------------------------------------------
    @property
    def read_only(self) -> bool:
        """Whether the file can be changed."""
        return self.store.read_only

    def time_span(self) -> tuple[int, int] | None:
        """First and last snapshot times, in UTC milliseconds."""
        starts = [int(s.at_ms[0]) for s in self.series.values() if len(s)]
        ends = [int(s.at_ms[-1]) for s in self.series.values() if len(s)]
        if not starts:
            return None
        return min(starts), max(ends)

    def name(self, handle: str | None) -> str:
        """A competitor's display name."""
        for c in self.competitors:
            if c.handle == handle:
                return c.name
        return handle or ""

    def colour(self, handle: str | None) -> str:
        """A competitor's colour."""
        for c in self.competitors:
            if c.handle == handle:
                return c.colour
        return "#888888"

    def complete_analysis(self) -> RaceAnalysis:
        """The analysis of everything stored, whatever moment is shown."""
        if self._complete is None:
            self._complete = analyse(self.race, self.competitors, self.series)
        return self._complete

    # -- moving through time -------------------------------------------------------
    def set_as_of(self, at_ms: int | None) -> None:
        """Show the race as of a moment (``None``: everything)."""
        if at_ms == self.as_of_ms:
            return
        backwards = at_ms is not None and (self.as_of_ms is None or at_ms < self.as_of_ms)
        self.as_of_ms = at_ms
        self.analysis = self._analyse()
        events = self._events_until(at_ms)
        if backwards:
            self.events = events
            self._shown = {self._event_id(e) for e in events}
            self.events_reset.emit()
        else:
            new = [e for e in events if self._event_id(e) not in self._shown]
            if new:
                self.events.extend(new)
                self._shown.update(self._event_id(e) for e in new)
                self.events_added.emit(new)
        self.as_of_changed.emit()
        self.analysis_changed.emit()

    # -- writing ---------------------------------------------------------------------
    def append(self, snapshots: list[Snapshot]) -> list[Snapshot]:
        """Store new readings (live sources), re-analyse and tell the widgets."""
        new = self.store.append(snapshots)
        if not new:
            return new
        for handle in {s.handle for s in new}:
            self.series[handle] = self.store.series(handle)
        self._complete = analyse(self.race, self.competitors, self.series)
        refresh_derived(self.store, self._complete)
        self.analysis = self._complete if self.as_of_ms is None else self._analyse()
        events = self._events_until(self.as_of_ms)
        added = [e for e in events if self._event_id(e) not in self._shown]
        if len(added) + len(self.events) != len(events):
            # Something derived went away (a reading turned out to be a glitch).
            self.events = events
            self._shown = {self._event_id(e) for e in events}
            self.events_reset.emit()
        elif added:
            self.events.extend(added)
            self._shown.update(self._event_id(e) for e in added)
            self.events_added.emit(added)
        self.analysis_changed.emit()
        return new

    # -- internals ---------------------------------------------------------------------
    def _analyse(self) -> RaceAnalysis:
        return analyse(self.race, self.competitors, self.series, self.as_of_ms)

    def _events_until(self, at_ms: int | None) -> list[Event]:
        notes = [e for e in self._notes if at_ms is None or e.at_ms <= at_ms]
        merged = notes + list(self.analysis.events)
        merged.sort(key=lambda e: (e.at_ms, 0 if e.origin == ORIGIN_DERIVED else 1, e.key or ""))
        return merged

    @staticmethod
    def _event_id(event: Event) -> str:
        return event.key or f"id:{event.id}"
