"""The QObject between a session file and the widgets: holds the analysis, emits what changed."""

from __future__ import annotations

import logging
import time
from collections.abc import Generator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal, Slot

from ..core.analysis.race import fingerprint
from ..core.analysis.result import RaceAnalysis
from ..core.analysis.state import RaceState
from ..core.errors import SessionFileError, StoreError
from ..core.jobs.analysis import refresh_derived
from ..core.jobs.exports import export_csv_steps
from ..core.jobs.following import grow
from ..core.live.recording import running_elsewhere
from ..core.model import (
    BY_USER,
    KIND_NOTE,
    NOTE_ORIGINS,
    ORIGIN_DERIVED,
    ORIGIN_USER,
    Competitor,
    Event,
    Race,
    Snapshot,
    SourceConfig,
    zone_of,
)
from ..core.series import Series
from ..core.steps import Progress, run_steps
from ..core.store import Store, write_problem

if TYPE_CHECKING:
    from ..core.importing.report import ImportReport

log = logging.getLogger(__name__)

# Readings arriving faster than this are analysed and drawn together, once a frame.
FRAME_MS = 100


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
    write_failed = Signal(str)  # a change the file could not take, and why (nothing changed)

    analysis: RaceAnalysis
    events: list[Event]

    def __init__(self, store: Store, parent: QObject | None = None, *, load: bool = True) -> None:
        """Read ``store``'s race; with ``load=False``, only its settings (see :meth:`opening`)."""
        super().__init__(parent)
        self._store = store  # only the session (and the functions beside it) touch the file
        self.race: Race = store.race()
        self.competitors: list[Competitor] = store.competitors()
        self.zone = zone_of(self.race.display_tz)
        self.series: dict[str, Series] = {}
        self._notes: list[Event] = []
        self.as_of_ms: int | None = None
        self._state: RaceState | None = None
        self._watch = QTimer(self)
        self._watch.timeout.connect(self.check_file)
        self._pending = False
        self._last_flush = 0.0
        self._frame = QTimer(self)
        self._frame.setSingleShot(True)
        self._frame.timeout.connect(self._flush)
        if load:
            run_steps(self._load())

    @classmethod
    def opening(cls, store: Store) -> Generator[Progress, None, Session]:
        """Read a session step by step, for a progress dialog; returns the session.

        Yields ``(competitors loaded, competitors + 1)`` before loading each
        competitor's readings and before the analysis. Closing it early leaves
        the race in the file as it was (only readings already loaded may have
        been packed into blocks, the file's cache of them); on the first open of
        a file the analysis is stored at the very end, after the last yield.
        """
        session = cls(store, load=False)
        yield from session._load()
        return session

    def _load(self) -> Generator[Progress, None, None]:
        store = self._store
        total = len(self.competitors) + 1
        # Edits logged from here on are looked at by check_file (some may be read twice).
        self._edit_seq = store.last_edit()
        for done, comp in enumerate(self.competitors):
            yield done, total
            self.series[comp.handle] = store.series(comp.handle)
        yield total - 1, total
        self._notes = [e for e in store.events() if e.origin != ORIGIN_DERIVED]
        settled = store.settled(self._fingerprint())
        self._state = RaceState(self.race, self.competitors, self.series, settled)
        self.analysis = self._state.complete()
        self.events = self._events_until(None)
        self._shown = {self._event_id(e) for e in self.events}
        self._max_id = store.max_snapshot_id()
        self._data_version = store.data_version()
        if settled is None and not self.read_only and self.series_count():
            # First open of this file (or of this race's settings): remember what
            # was settled so the next open only works out what is new.
            try:
                refresh_derived(self._store, self.analysis)
            except StoreError as exc:
                log.warning("Could not store the analysis in the file: %s", exc)

    # -- other processes -------------------------------------------------------------
    def watch_file(self, interval_ms: int = 1500) -> None:
        """Look for what other processes (a recorder) write to the file, this often."""
        if self._store.path is not None:
            self._watch.start(interval_ms)

    def stop_watching(self) -> None:
        """Stop looking at the file, after showing what is still pending (before it is closed)."""
        self._watch.stop()
        try:
            self.flush()
        except StoreError as exc:
            log.warning("Could not store the last analysis: %s", exc)
        self._frame.stop()

    @Slot()
    def check_file(self) -> bool:
        """Pick up what another process committed; True when it changed anything.

        New readings are found by their row ids; readings deleted or changed
        (by another program: sqlite3, sqlite-utils, Datasette) through the
        file's edit log, and those competitors are read again from there.
        """
        try:
            version = self._store.data_version()
            if version == self._data_version:
                return False
            self._data_version = version
            self._edit_seq, edited = self._store.edits_since(self._edit_seq)
            new = self._store.snapshots_after(self._max_id)
        except StoreError as exc:
            log.warning("Could not look for new readings in the file: %s", exc)
            return False
        if edited is None:
            log.info("Readings changed by another process: reading them all again")
            self.reload()
            return True
        if new:
            self._max_id = max(s.id or 0 for s in new)
        if edited:
            log.info("Readings changed by another process from %s", edited)
            for s in new:
                edited[s.handle] = min(edited.get(s.handle, s.at_ms), s.at_ms)
            self._reread(edited)
        elif new:
            self._grow(new)
        if new or edited:
            if new:
                log.info("Picked up %d readings written by another process", len(new))
            self._data_changed()
        else:
            self._notes_changed()
        return True

    # -- reading ---------------------------------------------------------------
    @property
    def read_only(self) -> bool:
        """Whether the file can be changed."""
        return self._store.read_only

    @property
    def path(self) -> Path | None:
        """The session file (None for a race kept only in memory)."""
        return self._store.path

    def read_only_reason(self) -> str | None:
        """Why the session cannot be changed, in words; None when nothing stops it.

        None also when the file could be written but was opened read-only on
        purpose, as the headless screenshot does.
        """
        if not self.read_only:
            return None
        path = self.path
        return "this race is only in memory" if path is None else write_problem(path)

    def stored_events(self) -> list[Event]:
        """Every event and note in the file, derived ones included, whatever moment is shown."""
        return self._store.events()

    def sources(self) -> list[SourceConfig]:
        """The live sources attached to the race."""
        return self._store.sources()

    def replace_sources(self, sources: list[SourceConfig]) -> list[SourceConfig]:
        """Keep exactly these sources (new ones have no id); returns them as stored."""
        self._check_writable()
        kept = {s.id for s in sources if s.id is not None}
        with self._store.write():
            for old in self._store.sources():
                if old.id is not None and old.id not in kept:
                    self._store.delete_source(old.id)
            for source in sources:
                self._store.save_source(source)
        return self._store.sources()

    def recorder_elsewhere(self) -> int | None:
        """The pid of another process recording into this file, if one runs."""
        return running_elsewhere(self._store.recorder())

    def unfinished_imports(self) -> list[dict[str, Any]]:
        """Imports into this file that stopped before their end, oldest first."""
        return self._store.unfinished_imports()

    def saved_view(self) -> dict[str, str]:
        """What the window showed when this race was last closed."""
        return self._store.view_state()

    def save_view(self, values: dict[str, str]) -> None:
        """Remember what the window shows, in the file (not for a read-only session)."""
        self._check_writable()
        self._store.set_view_state(values)

    def save_copy(self, target: Path) -> None:
        """Write a consistent copy of the file to ``target`` (SQLite's online backup)."""
        self._store.backup_to(target)

    def close(self) -> None:
        """Stop watching the file and close it."""
        self.stop_watching()
        self._store.close()

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

    def series_count(self) -> int:
        """How many readings are loaded."""
        return sum(len(s) for s in self.series.values())

    def complete_analysis(self) -> RaceAnalysis:
        """The analysis of everything stored, whatever moment is shown."""
        return self._analysis_state().complete()

    def _analysis_state(self) -> RaceState:
        if self._state is None:  # not loaded yet (see opening)
            self._state = RaceState(self.race, self.competitors, self.series)
        return self._state

    # -- moving through time -------------------------------------------------------
    def set_as_of(self, at_ms: int | None) -> None:
        """Show the race as of a moment (``None``: everything)."""
        self.flush()
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
        """Store new readings (live sources), re-analyse and tell the widgets.

        The readings are stored at once. The analysis and the widgets follow at
        most once a frame (:data:`FRAME_MS`): when readings pour in, the batches
        of one frame are analysed and drawn together; :meth:`flush` settles at once.
        """
        new = self._store.append(snapshots)
        if not new:
            return new
        self._max_id = max(self._max_id, *(s.id or 0 for s in new))
        self._grow(new)
        self._pending = True
        wait_ms = FRAME_MS - (time.monotonic() - self._last_flush) * 1000
        if wait_ms <= 0:
            self._flush()
        elif not self._frame.isActive():
            self._frame.start(int(wait_ms) + 1)
        return new

    def flush(self) -> None:
        """Analyse and show readings still waiting for the next frame, now."""
        if self._pending:
            self._flush()

    @Slot()
    def _flush(self) -> None:
        self._frame.stop()
        self._pending = False
        self._last_flush = time.monotonic()
        complete = self._analysis_state().complete()
        try:
            refresh_derived(self._store, complete)
        except StoreError as exc:
            # Derived facts are worked out again next time; the readings are stored.
            log.warning("Could not save the analysis to %s: %s", self._store.path, exc)
        self.analysis = self._analyse()
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

    # -- imports and exports ------------------------------------------------------------
    def import_batches(
        self, path: Path, report: ImportReport
    ) -> Generator[Progress, None, ImportReport]:
        """Import a file's readings and notes into the file, batch by batch.

        ``report`` is filled in as the import goes, so what was stored before a
        stop is known. Closing the job early stops between batches: whole ones
        stay stored. The race shown changes only at :meth:`reload`.
        """
        from ..core.jobs.imports import import_file_steps  # the importer loads when needed

        self._check_writable()
        return (yield from import_file_steps(self._store, path, report, analyse=False))

    def export_snapshots_steps(self, target: Path) -> Generator[Progress, None, int]:
        """Write every stored reading as CSV in the import format, step by step.

        Reads through a connection of its own, so the window's stays free for
        readings that keep arriving meanwhile.
        """
        if self.path is None:
            return (yield from export_csv_steps(self._store, target))
        with Store.open(self.path, read_only=True) as store:
            return (yield from export_csv_steps(store, target))

    # -- notes -----------------------------------------------------------------------------
    def _check_writable(self) -> None:
        if self.read_only:
            raise SessionFileError(self._store.path or ":memory:", "is read-only")

    def add_note(
        self, at_ms: int, text: str, url: str | None = None, handle: str | None = None
    ) -> Event:
        """Store a new note and show it."""
        self._check_writable()
        stored = self._store.add_event(
            Event(at_ms, KIND_NOTE, text, handle, url or None, ORIGIN_USER)
        )
        assert stored is not None  # a note has no key, so it cannot clash
        self._notes_changed()
        return stored

    def update_note(
        self, note_id: int, at_ms: int, text: str, url: str | None, handle: str | None
    ) -> Event:
        """Change a note; returns the note as it was before."""
        self._check_writable()
        old = self._store.event(note_id)
        if old is None or old.origin not in NOTE_ORIGINS:
            raise KeyError(note_id)
        self._store.update_event(note_id, text, url or None, handle, at_ms)
        self._notes_changed()
        return old

    def delete_note(self, note_id: int) -> Event:
        """Delete a note; returns it, so it can be put back."""
        self._check_writable()
        old = self._store.event(note_id)
        if old is None or old.origin not in NOTE_ORIGINS:
            raise KeyError(note_id)
        self._store.delete_event(note_id)
        self._notes_changed()
        return old

    def checkpoint(self) -> None:
        """Bring the file itself up to date with its write-ahead log (see Store.checkpoint)."""
        self._store.checkpoint()

    def add_events(self, events: list[Event]) -> None:
        """Store events from live sources (trouble, recovery, notes from a followed file)."""
        self._check_writable()
        with self._store.write():
            for event in events:
                self._store.add_event(event)
        self._notes_changed()

    def delete_reading(self, snapshot_id: int) -> Snapshot:
        """Remove one reading (undo of a typed-in reading); returns it."""
        self._check_writable()
        old = self._store.delete_snapshot(snapshot_id)
        self._reread({old.handle: old.at_ms})
        self._data_changed()
        return old

    def restore_note(self, note: Event) -> None:
        """Put a deleted note back under its old id."""
        self._check_writable()
        self._store.restore_event(note)
        self._notes_changed()

    def reading_id(self, handle: str, at_ms: int, count: int) -> int | None:
        """The stored row id of a reading."""
        return self._store.snapshot_id(handle, at_ms, count)

    def note(self, note_id: int) -> Event | None:
        """A note by id (None for a derived event or a missing one)."""
        event = self._store.event(note_id)
        return event if event is not None and event.origin in NOTE_ORIGINS else None

    # -- readings, race and reloading --------------------------------------------------------
    def set_flag(self, snapshot_id: int, flag: str, by: str = BY_USER) -> tuple[str, str]:
        """Flag a reading (by hand unless told; ``""`` lets the detector decide).

        Returns the reading's previous (flag, flagged_by), for undo.
        """
        self._check_writable()
        before = self._store.flag_of(snapshot_id)
        if before is None:
            raise KeyError(snapshot_id)
        old_flag, old_by, handle = before
        at_ms = self._store.set_flag(snapshot_id, flag, by)
        self._reread({handle: at_ms if at_ms is not None else -(2**62)})
        self._data_changed()
        return old_flag, old_by

    def update_race(self, race: Race, competitors: list[Competitor]) -> None:
        """Store new race settings and competitor names and colours; everything redraws."""
        self._check_writable()
        with self._store.write():
            self._store.update_race(
                title=race.title,
                milestone=race.milestone,
                platform=race.platform,
                display_tz=race.display_tz,
            )
            for comp in competitors:
                self._store.update_competitor(comp.handle, name=comp.name, colour=comp.colour)
        self.reload()

    def reload(self) -> None:
        """Read everything again from the file (after an import or a race edit)."""
        self.race = self._store.race()
        self.competitors = self._store.competitors()
        self.zone = zone_of(self.race.display_tz)
        self.series = self._store.all_series()
        settled = self._store.settled(self._fingerprint()) if not self.read_only else None
        self._state = RaceState(self.race, self.competitors, self.series, settled)
        self.race_changed.emit()
        self._data_changed()

    def _data_changed(self) -> None:
        """Readings or race settings changed: analyse again, then show."""
        self._pending = False
        self._frame.stop()
        complete = self._analysis_state().complete()
        if not self.read_only:
            refresh_derived(self._store, complete)
        self.analysis = self._analyse()
        self._notes_changed()

    def _notes_changed(self) -> None:
        """Notes changed (the figures did not): rebuild the log and the markers."""
        self._notes = [e for e in self._store.events() if e.origin != ORIGIN_DERIVED]
        self.events = self._events_until(self.as_of_ms)
        self._shown = {self._event_id(e) for e in self.events}
        self.events_reset.emit()
        self.analysis_changed.emit()

    # -- internals ---------------------------------------------------------------------
    def _analyse(self) -> RaceAnalysis:
        """The analysis of the moment shown (everything, when live)."""
        return self._analysis_state().at(self.as_of_ms)

    def _fingerprint(self) -> str:
        return fingerprint(self.race, self.competitors)

    def _reread(self, earliest: dict[str, int]) -> None:
        """Read competitors again, each changed from the time given; analyse from there."""
        changes: dict[str, tuple[Series, int]] = {}
        for handle, at_ms in earliest.items():
            if handle not in self.series:
                continue
            series = self._store.series(handle)
            self.series[handle] = series
            changes[handle] = (series, int(np.searchsorted(series.at_ms, at_ms)))
        self._analysis_state().update(changes)

    def _grow(self, new: list[Snapshot]) -> None:
        """Add new readings to the loaded series (at the end, or by reading them again)."""
        self._analysis_state().update(grow(self._store, self.series, new))

    def _events_until(self, at_ms: int | None) -> list[Event]:
        notes = [e for e in self._notes if at_ms is None or e.at_ms <= at_ms]
        merged = notes + list(self.analysis.events)
        merged.sort(key=lambda e: (e.at_ms, 0 if e.origin == ORIGIN_DERIVED else 1, e.key or ""))
        return merged

    @staticmethod
    def _event_id(event: Event) -> str:
        return event.key or f"id:{event.id}"
