"""Runs a session's live sources, stores what they read in batches, and keeps their status."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Protocol
from zoneinfo import ZoneInfo

from PySide6.QtCore import QObject, QTimer, Signal, Slot
from PySide6.QtNetwork import QNetworkAccessManager

from ..core.errors import StoreError, storage_problem
from ..core.importing.report import ParsedRow
from ..core.live.source_state import SourceStatus
from ..core.live.specs import SourceSpec, SpecError, parse_spec, secret_to_send
from ..core.model import KIND_SOURCE, ORIGIN_SOURCE, Event, Snapshot, SourceConfig
from .file import FilePoller
from .http import TIMEOUT_MS, HttpPoller

log = logging.getLogger(__name__)

FLUSH_MS = 200  # readings are stored in batches this often
STORE_RETRY_MS = 2000  # while the file cannot be written, try again this often
# Without the public service's rate limits (own instance, proxy, tests) polls may be this close.
MIN_INTERVAL_OWN_SERVER_S = 1.0
# While recording, the file alone (copied, synced) is at most about this far behind.
CHECKPOINT_S = 30.0


class Sink(Protocol):
    """Where readings and source events go: the window's session or the recorder's store."""

    def append(self, snapshots: list[Snapshot]) -> list[Snapshot]:
        """Store readings; return the ones that were new."""
        ...

    def add_events(self, events: list[Event]) -> None:
        """Store events (source trouble and recovery, notes from a followed file)."""
        ...

    def checkpoint(self) -> None:
        """Bring the file itself up to date with its write-ahead log (see Store.checkpoint)."""
        ...


def effective_interval(
    spec: SourceSpec,
    interval_s: float,
    has_secret: bool,
    own_server_floor_s: float = MIN_INTERVAL_OWN_SERVER_S,
) -> float:
    """The interval a source really polls at: never below what the service allows."""
    floor = own_server_floor_s if spec.base_url else spec.min_interval_s(has_secret)
    return max(float(interval_s), floor)


class _Running:
    """A source that is running: its config, spec, poller and status."""

    def __init__(self, config: SourceConfig, spec: SourceSpec, poller: QObject) -> None:
        self.config = config
        self.spec = spec
        self.poller = poller
        self.status = SourceStatus(spec.label())


class SourceRunner(QObject):
    """Owns the pollers of one session; writes their readings through a :class:`Sink`.

    Readings are buffered and written every ``FLUSH_MS``; a reading counts as
    stored only once the sink has committed it. When the sink cannot write (disk
    full, file gone read-only, a lock held too long) recording pauses: the
    sources stop polling, the readings already received stay in the buffer, the
    write is tried again every ``STORE_RETRY_MS``, and once it works the
    sources start again. The pause and the resume are logged and go to the
    event log.
    """

    stored = Signal(list)  # list[Snapshot] just committed
    status_changed = Signal(str)  # source key
    store_failed = Signal(str)  # why readings could not be written
    store_recovered = Signal()
    moved = Signal(str, str)  # source key, the account it moved to (a spec target)

    def __init__(
        self,
        sink: Sink,
        handles: list[str],
        zone: ZoneInfo,
        secret_for: Callable[[str], str],
        parent: QObject | None = None,
        retry_base_s: float = 5.0,
        timeout_ms: int = TIMEOUT_MS,
    ) -> None:
        super().__init__(parent)
        self.timeout_ms = timeout_ms
        self.own_server_floor_s = MIN_INTERVAL_OWN_SERVER_S
        self.sink = sink
        self._handles = {h.lower(): h for h in handles}
        self.zone = zone
        self.secret_for = secret_for
        self.retry_base_s = retry_base_s
        self.manager = QNetworkAccessManager(self)
        self.manager.setAutoDeleteReplies(False)
        self._running: dict[str, _Running] = {}
        self._paused: dict[str, tuple[SourceConfig, SourceStatus]] = {}
        self._pending: list[Snapshot] = []
        self._pending_events: list[Event] = []
        self._store_problem: str | None = None
        self._flush = QTimer(self)
        self._flush.setInterval(FLUSH_MS)
        self._flush.setSingleShot(True)
        self._flush.timeout.connect(self.flush)
        self._stored_since_checkpoint = False
        self._checkpoint = QTimer(self)
        self._checkpoint.setInterval(round(CHECKPOINT_S * 1000))
        self._checkpoint.timeout.connect(self.checkpoint)

    # -- which sources run ---------------------------------------------------------
    @staticmethod
    def key(config: SourceConfig) -> str:
        """How a source is known to the runner and its status listeners."""
        return str(config.id) if config.id is not None else f"{config.handle}={config.spec}"

    def set_sources(self, configs: list[SourceConfig]) -> list[str]:
        """Run exactly these sources (paused ones stay idle); returns problems, one per bad spec."""
        problems = []
        wanted = {self.key(c): c for c in configs}
        for key in list(self._running):
            if key not in wanted or wanted[key] != self._running[key].config:
                self._stop(key)
        self._paused = {}
        for key, config in wanted.items():
            if not config.enabled:
                try:
                    label = parse_spec(config.spec, config.base_url).label()
                except SpecError:
                    label = config.spec
                status = SourceStatus(label)
                status.paused()
                self._paused[key] = (config, status)
                self.status_changed.emit(key)
                continue
            if key in self._running:
                continue
            try:
                self._start(key, config)
            except SpecError as exc:
                problems.append(f"{config.spec}: {exc}")
                log.warning("Source %s not started: %s", config.spec, exc)
        return problems

    def _start(self, key: str, config: SourceConfig) -> None:
        spec = parse_spec(config.spec, config.base_url)
        poller: HttpPoller | FilePoller
        if config.handle.lower() not in self._handles:
            raise SpecError(f"no competitor {config.handle!r} in this race")
        if spec.is_http:
            secret = secret_to_send(spec, self.secret_for)
            interval = effective_interval(
                spec, config.interval_s, bool(secret), self.own_server_floor_s
            )
            poller = HttpPoller(
                self.manager, spec, interval, secret, self, self.retry_base_s, self.timeout_ms
            )
            poller.read.connect(self._on_poller_read)
            poller.moved.connect(self._on_poller_moved)
        else:
            interval = effective_interval(spec, config.interval_s, False, self.own_server_floor_s)
            poller = FilePoller(spec, interval, self.zone, self)
            poller.rows.connect(self._on_poller_rows)
            poller.notice.connect(self._on_poller_notice)
        # Slots find their source through sender(): no lambdas, so no reference cycles.
        poller.setObjectName(key)
        poller.failed.connect(self._on_poller_failed)
        poller.polled.connect(self._on_poller_polled)
        running = _Running(config, spec, poller)
        self._running[key] = running
        if not self._checkpoint.isActive():
            self._checkpoint.start()
        log.info("Source started: %s for %s every %.0f s", spec.label(), config.handle, interval)
        poller.start()
        self.status_changed.emit(key)

    def _stop(self, key: str) -> None:
        running = self._running.pop(key, None)
        if running is not None:
            running.poller.stop()  # type: ignore[attr-defined]
            running.poller.deleteLater()
            if not running.status.healthy:
                # Close the outage in the log: it did not end, the source did.
                self._log_event(
                    running,
                    f"{running.spec.label()}: stopped while {running.status.state} "
                    f"({running.status.reason})",
                    time.time(),
                )

    @Slot()
    def checkpoint(self) -> None:
        """Copy the newest readings into the file itself, off the path of storing them."""
        if not self._stored_since_checkpoint:
            return
        try:
            self.sink.checkpoint()
        except StoreError as exc:  # the next one tries again; the readings are stored
            log.warning("Could not bring the file up to date with its log: %s", exc)
            return
        self._stored_since_checkpoint = False

    def stop(self, attempts: int = 3) -> int:
        """Stop every source and store what is still buffered; returns readings left unstored."""
        for key in list(self._running):
            self._stop(key)
        self._checkpoint.stop()
        self._flush.stop()
        for attempt in range(attempts):
            self.flush()
            if not self._pending and not self._pending_events:
                return 0
            if attempt + 1 < attempts:
                time.sleep(0.5 * (attempt + 1))
        self._flush.stop()
        left = len(self._pending)
        if left:
            log.error("%d live readings could not be stored: %s", left, self._store_problem)
        return left

    # -- reading the state ------------------------------------------------------------
    def statuses(self) -> dict[str, tuple[SourceConfig, SourceStatus]]:
        """Every source's config and status, by key."""
        out = {k: (r.config, r.status) for k, r in self._running.items()}
        out.update(self._paused)
        return out

    def status_of(self, key: str) -> SourceStatus | None:
        """One source's status."""
        if key in self._running:
            return self._running[key].status
        paused = self._paused.get(key)
        return paused[1] if paused else None

    def handle_of(self, key: str) -> str | None:
        """The competitor a running source reads."""
        running = self._running.get(key)
        return running.config.handle if running else None

    @property
    def pending(self) -> int:
        """Readings received but not yet stored."""
        return len(self._pending)

    @property
    def store_problem(self) -> str | None:
        """Why the last write failed (None when writing works)."""
        return self._store_problem

    # -- what the pollers report ----------------------------------------------------------
    def _sender_key(self) -> str:
        sender = self.sender()
        return sender.objectName() if sender is not None else ""

    @Slot(object, float)
    def _on_poller_read(self, count: int, at: float) -> None:
        key = self._sender_key()
        running = self._running.get(key)
        if running is None:
            return
        self._pending.append(
            Snapshot(round(at * 1000), running.config.handle, count, running.spec.text)
        )
        self._schedule_flush()
        self._note_success(running, key, count, at)

    @Slot(str)
    def _on_poller_moved(self, target: str) -> None:
        key = self._sender_key()
        running = self._running.get(key)
        if running is None:
            return
        running.status.moved_to = target
        text = f"{running.spec.label()} has moved to {target}; its count may fall from now on"
        log.info("%s", text)
        self._log_event(running, text, time.time())
        self.status_changed.emit(key)
        self.moved.emit(key, target)

    @Slot(list, float)
    def _on_poller_rows(self, rows: list[ParsedRow], at: float) -> None:
        key = self._sender_key()
        running = self._running.get(key)
        if running is None:
            return
        handle = running.config.handle
        last: int | None = None
        for row in rows:
            if row.snapshot is not None and row.snapshot.handle.lower() == handle.lower():
                snap = row.snapshot
                source = snap.source if snap.source not in ("", "import") else running.spec.text
                self._pending.append(Snapshot(snap.at_ms, handle, snap.count, source))
                last = snap.count
            elif row.event is not None:
                self._pending_events.append(row.event)
        self._schedule_flush()
        self._note_success(running, key, last, at)

    def _note_success(self, running: _Running, key: str, count: int | None, at: float) -> None:
        line = running.status.succeeded(count, at)
        if line:
            self._log_event(running, line, at)
        self.status_changed.emit(key)

    @Slot(float)
    def _on_poller_polled(self, _next_at: float) -> None:
        key = self._sender_key()
        running = self._running.get(key)
        if running is not None and not running.status.healthy:
            self._note_success(running, key, None, time.time())

    @Slot(str, float, bool)
    def _on_poller_failed(self, reason: str, retry_at: float, lasting: bool) -> None:
        key = self._sender_key()
        running = self._running.get(key)
        if running is None:
            return
        now = time.time()
        line = running.status.failed(reason, now, retry_at, lasting)
        if line:
            self._log_event(running, line, now)
        self.status_changed.emit(key)

    @Slot(str)
    def _on_poller_notice(self, text: str) -> None:
        running = self._running.get(self._sender_key())
        if running is not None:
            log.info("%s: %s", running.spec.label(), text)

    def _log_event(self, running: _Running, text: str, at: float) -> None:
        at_ms = round(at * 1000)
        self._pending_events.append(
            Event(
                at_ms,
                KIND_SOURCE,
                text,
                handle=running.config.handle,
                origin=ORIGIN_SOURCE,
                key=f"source:{self.key(running.config)}:{at_ms}",
            )
        )
        self._schedule_flush()

    # -- storing ---------------------------------------------------------------------------
    def _schedule_flush(self) -> None:
        if not self._flush.isActive():
            self._flush.start()

    @Slot()
    def flush(self) -> list[Snapshot]:
        """Write buffered readings and events now; returns the readings that were new."""
        if not self._pending and not self._pending_events:
            return []
        snapshots, events = self._pending, self._pending_events
        try:
            new = self.sink.append(snapshots) if snapshots else []
            self._pending = []
            if events:
                self.sink.add_events(events)
            self._pending_events = []
        except (StoreError, OSError) as exc:
            self._hold(storage_problem(exc), exc)
            self._flush.start(STORE_RETRY_MS)
            return []
        if self._store_problem is not None:
            self._release(len(snapshots))
        if new or events:
            self._stored_since_checkpoint = True
        if new:
            self.stored.emit(new)
        return new

    def _hold(self, reason: str, exc: BaseException) -> None:
        """Pause recording: the file cannot take readings now (they stay buffered)."""
        if reason == self._store_problem:
            return
        first = self._store_problem is None
        self._store_problem = reason
        log.error(
            "Recording paused: %s (%d readings kept in memory): %s",
            reason,
            len(self._pending),
            exc,
        )
        if first:
            self._storage_event(
                "paused",
                f"Recording paused: {reason}. Readings already received are kept "
                "and stored when the file can be written again.",
            )
        for key, running in self._running.items():
            running.poller.stop()  # type: ignore[attr-defined]
            running.status.held(reason)
            self.status_changed.emit(key)
        self.store_failed.emit(reason)

    def _storage_event(self, what: str, text: str) -> None:
        """An event-log line about storing itself (no source of its own), stored when it can be."""
        at_ms = round(time.time() * 1000)
        self._pending_events.append(
            Event(at_ms, KIND_SOURCE, text, origin=ORIGIN_SOURCE, key=f"store:{what}:{at_ms}")
        )

    def _release(self, kept: int) -> None:
        """Storing works again: say so and start the sources."""
        reason, self._store_problem = self._store_problem, None
        log.warning("Recording resumed after: %s (%d kept readings stored)", reason, kept)
        self._storage_event(
            "resumed",
            f"Recording resumed: the session file takes readings again; "
            f"{kept} reading{'s' if kept != 1 else ''} kept while paused "
            f"{'were' if kept != 1 else 'was'} stored.",
        )
        self._schedule_flush()
        for key, running in self._running.items():
            running.status.released()
            running.poller.start()  # type: ignore[attr-defined]
            self.status_changed.emit(key)
        self.store_recovered.emit()
