"""Headless recording: run live sources without a window and store every reading as it comes."""

from __future__ import annotations

import logging
import signal
import sys
from collections.abc import Callable
from typing import TextIO

from PySide6.QtCore import QCoreApplication, QTimer

from ..core.alerts import new_events
from ..core.errors import StoreError
from ..core.jobs.analysis import refresh_derived
from ..core.jobs.following import Following
from ..core.live import recording
from ..core.live.specs import (
    PRESETS,
    SECRET_ENV,
    SpecError,
    parse_spec,
    request_for,
    secret_to_send,
)
from ..core.model import KIND_SOURCE, Event, Snapshot, SourceConfig, zone_of
from ..core.store import Store
from ..settings import secret_for
from ..sources.runner import SourceRunner, effective_interval
from .announcer import Announcer
from .record_lines import RecordLines

log = logging.getLogger(__name__)


class RecordError(Exception):
    """A feed that cannot be recorded (unknown competitor, bad spec, missing key)."""


def parse_feed(text: str, handles: list[str]) -> tuple[str, str]:
    """``COMPETITOR=SPEC`` → (handle, spec text), checking the competitor is in the race."""
    name, sep, spec = text.partition("=")
    name = name.strip().lstrip("@")
    if not sep or not name or not spec.strip():
        raise RecordError(f"--feed {text!r}: expected COMPETITOR=SPEC, e.g. aplusk=bluesky:NAME")
    by_lower = {h.lower(): h for h in handles}
    if name.lower() not in by_lower:
        raise RecordError(
            f"--feed {text!r}: no competitor {name!r} in this race "
            f"(competitors: {', '.join(handles)})"
        )
    return by_lower[name.lower()], spec.strip()


def plan_feeds(
    store: Store,
    feeds: list[str],
    interval_s: float | None,
    base_url: str | None,
    secrets: Callable[[str], str] = secret_for,
) -> tuple[list[SourceConfig], list[str]]:
    """The sources to record and warnings worth printing; raises RecordError on a bad feed."""
    handles = [c.handle for c in store.competitors()]
    warnings: list[str] = []
    configs: list[SourceConfig] = []
    if feeds:
        for n, text in enumerate(feeds, start=1):
            handle, spec_text = parse_feed(text, handles)
            kind = spec_text.partition(":")[0].strip().lower()
            base = base_url if kind in PRESETS else None  # not for json: and file:
            configs.append(SourceConfig(handle, spec_text, interval_s or 0.0, True, base, -n))
    else:
        configs = [c for c in store.sources() if c.enabled]
        if not configs:
            raise RecordError(
                "nothing to record: give --feed COMPETITOR=SPEC, or attach sources to the race "
                "in the window (Race > Sources)"
            )
        for c in configs:
            if interval_s:
                c.interval_s = interval_s
            if base_url and c.spec.partition(":")[0].strip().lower() in PRESETS:
                c.base_url = base_url
    for c in configs:
        try:
            spec = parse_spec(c.spec, c.base_url)
            secret = secret_to_send(spec, secrets)
            if spec.is_http:
                request_for(spec, secret)  # fails now, not later, when a key is missing
        except SpecError as exc:
            hint = ""
            if "key" in str(exc).lower() or "token" in str(exc).lower():
                names = ", ".join(v for vs in SECRET_ENV.values() for v in vs)
                hint = f" (secrets come from the environment: {names})"
            raise RecordError(f"{c.handle}={c.spec}: {exc}{hint}") from None
        default = spec.default_interval_s(bool(secret))
        wanted = c.interval_s or default
        real = effective_interval(spec, wanted, bool(secret))
        if real > wanted:
            warnings.append(
                f"{c.handle}: polling every {real:g} s, not {wanted:g} s: "
                f"the service's rate limit allows no more"
            )
        c.interval_s = real
    return configs, warnings


class StoreSink:
    """The recorder's sink: commits to the file, works out what it means, says so.

    Each batch of readings is analysed as it is stored (events are derived
    while recording), new events are printed and, with ``--on-event``,
    handed to the announcer.
    """

    def __init__(
        self,
        store: Store,
        out: TextIO | RecordLines,
        announcer: Announcer | None = None,
        follow: bool = True,
    ) -> None:
        self.store = store
        self.lines = out if isinstance(out, RecordLines) else RecordLines(out)
        self.readings = 0
        self.announcer = announcer
        self.following = Following(store) if follow else None
        self._seen = {e.key for e in store.events() if e.key}  # told before this run

    def append(self, snapshots: list[Snapshot]) -> list[Snapshot]:
        """Store readings; print one line per new reading, after the commit; derive events."""
        new = self.store.append(snapshots)
        for s in new:
            self.lines.reading(s)
        self.readings += len(new)
        if new and self.following is not None:
            try:
                result = self.following.add(new)
            except StoreError as exc:  # the readings are stored; the analysis follows later
                log.warning("Could not work out the race after storing readings: %s", exc)
            except Exception:  # the readings are stored: recording goes on, and says why
                log.exception("Working out the race after storing readings failed")
            else:
                self._tell(result.events)
        return new

    def add_events(self, events: list[Event]) -> None:
        """Store source events and followed notes; print them."""
        with self.store.write():
            for e in events:
                self.store.add_event(e)
        for e in events:
            self.lines.event(e)
        if self.announcer is not None:
            self.announcer.announce(e for e in events if e.kind == KIND_SOURCE)

    def _tell(self, events: list[Event]) -> None:
        for e in new_events(events, self._seen):
            self._seen.add(e.key or "")
            self.lines.event(e)
        if self.announcer is not None:
            self.announcer.announce(events)

    def checkpoint(self) -> None:
        """Bring the file itself up to date (see Store.checkpoint)."""
        self.store.checkpoint()


def record(
    store: Store,
    configs: list[SourceConfig],
    duration_s: float | None,
    out: TextIO | None = None,
    retry_base_s: float = 5.0,
    as_json: bool = False,
    on_event: list[str] | None = None,
    on_event_limit_s: float = 30.0,
) -> int:
    """Record until SIGINT/SIGTERM or the duration ends; returns how many readings were new.

    ``on_event`` commands run once per event derived or logged while recording
    (see :mod:`.announcer`); events already in the file are not announced.
    """
    app = QCoreApplication.instance() or QCoreApplication([])
    lines = RecordLines(out or sys.stdout, as_json)  # stdout as it is now, not at import
    announcer = None
    if on_event:
        announcer = Announcer(store, on_event, store.race().title, on_event_limit_s)
        announcer.skip(store.events())
    sink = StoreSink(store, lines, announcer)
    runner = SourceRunner(
        sink,
        [c.handle for c in store.competitors()],
        zone_of(store.race().display_tz),
        secret_for,
        None,
        retry_base_s,
    )
    runner.store_failed.connect(lines.paused)
    runner.store_recovered.connect(lines.resumed)

    stopping = False

    def stop(*_: object) -> None:
        nonlocal stopping
        log.info("Recorder stopping")
        stopping = True
        app.quit()  # no effect before exec() runs: the flag covers that

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    wake = QTimer()
    wake.timeout.connect(lambda: None)  # lets Python run its signal handlers
    wake.start(200)
    if duration_s:
        QTimer.singleShot(round(duration_s * 1000), stop)
    store.set_recorder(recording.this_process())
    try:
        for problem in runner.set_sources(configs):
            print(f"photofinish: warning: {problem}", file=sys.stderr)
        if not stopping:
            app.exec()
    finally:
        lost = runner.stop()  # stores whatever is still buffered
        wake.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        try:
            store.set_recorder(None)
            refresh_derived(store)
        except Exception:  # the readings are stored; derived events are rebuilt on open
            log.warning("Could not tidy up after recording", exc_info=True)
        store_problem = runner.store_problem
        runner.deleteLater()
        if announcer is not None:
            announcer.close()
    if lost:
        print(
            f"photofinish: error: {lost} reading(s) received but not stored: {store_problem}",
            file=sys.stderr,
        )
        raise RecordError(f"{lost} reading(s) could not be stored")
    return sink.readings
