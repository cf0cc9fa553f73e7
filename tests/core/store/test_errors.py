"""What SQLite raises inside the store comes out as the project's own errors, never the driver's."""

from __future__ import annotations

import sqlite3

import pytest

from photofinish.core.errors import DamagedFileError, StorageError, StoreError
from photofinish.core.model import Competitor, Event, Race, Snapshot
from photofinish.core.store import Store
from photofinish.core.store.errors import from_driver


@pytest.mark.parametrize(
    ("raised", "kind", "words"),
    [
        (sqlite3.OperationalError("database or disk is full"), StorageError, "the disk is full"),
        (sqlite3.OperationalError("database is locked"), StorageError, "another program holds"),
        (sqlite3.IntegrityError("CHECK constraint failed"), StorageError, "cannot be written"),
        (sqlite3.DatabaseError("database disk image is malformed"), DamagedFileError, "damaged"),
        (sqlite3.ProgrammingError("Cannot operate on a closed database."), StorageError, "closed"),
    ],
)
def test_each_driver_error_becomes_one_of_ours(raised, kind, words):
    ours = from_driver(raised, "race.pfrace")
    assert type(ours) is kind and words in ours.problem
    assert ours.path == "race.pfrace" and ours.detail == str(raised)


def test_every_table_of_a_closed_store_raises_our_errors():
    store = Store.create(None, Race("r", 10), [Competitor("a", "A", "")])
    store.close()
    calls = [
        store.race,
        store.competitors,
        lambda: list(store.snapshots()),
        lambda: store.append([Snapshot(1, "a", 1)]),
        store.events,
        lambda: store.add_event(Event(1, "note", "x", origin="user")),
        store.sources,
        store.view_state,
        lambda: store.set_view_state({"k": "v"}),
        store.unfinished_imports,
        lambda: store.series("a"),
    ]
    for call in calls:
        with pytest.raises(StoreError) as raised:
            call()
        assert isinstance(raised.value.__cause__, sqlite3.Error)


def test_a_damaged_page_is_damage_not_a_driver_error(tmp_path):
    path = tmp_path / "big.pfrace"
    with Store.create(path, Race("r", 10), [Competitor("a", "A", "")]) as store:
        store.append([Snapshot(i, "a", i, "x" * 200) for i in range(2000)])
    with sqlite3.connect(path) as conn:
        page = conn.execute("PRAGMA page_size").fetchone()[0]
        root = conn.execute(
            "SELECT rootpage FROM sqlite_master WHERE name = 'snapshots'"
        ).fetchone()[0]
    data = bytearray(path.read_bytes())
    start = (root - 1) * page
    data[start : start + page] = b"\xff" * page  # the snapshots table's first page, scribbled
    path.write_bytes(bytes(data))
    with pytest.raises((DamagedFileError, StoreError)) as raised:
        with Store.open(path, read_only=True) as store:
            list(store.snapshots())
    assert not isinstance(raised.value, sqlite3.Error)
