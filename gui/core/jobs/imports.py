"""Importing a CSV or JSON Lines file into a session in batches, so a stop keeps whole ones."""

from __future__ import annotations

import time
from collections.abc import Generator
from contextlib import closing
from dataclasses import replace
from pathlib import Path
from typing import Any, cast

from ..importing.ahead import read_ahead
from ..importing.report import ImportReport
from ..importing.stream import read_batches
from ..model import Event, iso_utc, zone_of
from ..steps import Progress, run_steps
from ..store import Store, pack_rows
from .analysis import refresh_derived

IMPORT_BATCH = 50_000


def import_file_steps(
    store: Store, path: str | Path, report: ImportReport | None = None, analyse: bool = True
) -> Generator[Progress, None, ImportReport]:
    """Import a CSV or JSON Lines file into a session, batch by batch, reporting progress.

    Yields ``(bytes read, bytes in all)`` after each batch is read and returns
    the report; ``report``, when given, is filled in as the import goes, so a
    caller can say what was stored before a stop. Each batch of readings is
    stored in one transaction. Closing the generator early stops between batches: the batches
    stored so far stay. Raises ImportFileError, with nothing written, when the
    file cannot be read. At the end the race is analysed again and the result
    stored, unless ``analyse`` is false (the window's session does it as it reloads).
    """
    report = report if report is not None else ImportReport()
    zone = zone_of(store.race().display_tz)

    def competitor_id(handle: str) -> int:
        try:
            return store.competitor_id(handle)
        except KeyError:
            report.competitors_added.append(handle)
            return int(store.add_competitor(handle).id or 0)

    # Notes naming a competitor not (yet) in the session wait for the end, when a
    # reading later in the file may have added it.
    waiting: list[Event] = []
    key = str(Path(path).resolve())
    progress: dict[str, Any] = {
        "file": str(path),
        "started": iso_utc(round(time.time() * 1000)),
        "bytes_done": 0,
        "bytes_total": 0,
        "readings": 0,
        "notes": 0,
    }
    # The next batch is read while this one is stored (see importing.ahead).
    batches = read_ahead(
        lambda ask: read_batches(path, zone, ask, str(path), IMPORT_BATCH),
        competitor_id,
        lambda batch: (batch, pack_rows(batch.rows)),
    )
    with closing(batches):
        for batch, packed in batches:
            for bad in batch.skipped:
                report.skip(bad)
            # A batch's readings, its notes and the note of how far the import
            # got commit together: after a crash the file holds whole batches.
            with store.write():
                if batch.rows:
                    added = store.insert_rows(batch.rows, packed)
                    report.imported += added
                    report.duplicates += len(batch.rows) - added
                for event in batch.events:
                    if event.handle and not _known(store, event.handle):
                        waiting.append(event)
                    else:
                        _add_note(store, event, report)
                progress.update(
                    bytes_done=batch.bytes_read,
                    bytes_total=batch.bytes_total,
                    readings=report.imported,
                    notes=report.annotations,
                )
                store.set_unfinished_import(key, progress)
            yield batch.bytes_read, batch.bytes_total
    with store.write():
        for event in waiting:
            if event.handle and not _known(store, event.handle):
                event = replace(event, handle=None)
            _add_note(store, event, report)
        store.set_unfinished_import(key, None)
    if report.imported and analyse:
        refresh_derived(store)
    return report


def _known(store: Store, handle: str) -> bool:
    try:
        store.competitor_id(handle)
    except KeyError:
        return False
    return True


def _add_note(store: Store, event: Event, report: ImportReport) -> None:
    if store.add_event(event) is None:
        report.duplicates += 1
    else:
        report.annotations += 1


def import_file(store: Store, path: str | Path) -> ImportReport:
    """Import a CSV or JSON Lines file into a session, batch by batch.

    Raises ImportFileError, with nothing written, when the file cannot be read.
    """
    return cast("ImportReport", run_steps(import_file_steps(store, path)))
