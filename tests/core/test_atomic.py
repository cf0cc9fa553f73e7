"""Writing files atomically: renamed into place when complete, gone when not."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from photofinish.core import atomic as files
from photofinish.core.atomic import atomic_file, atomic_path
from photofinish.core.jobs import exports as data_exports
from photofinish.core.jobs.exports import export_csv, export_csv_steps
from photofinish.core.jobs.imports import import_file
from photofinish.core.model import Competitor, Race, Snapshot
from photofinish.core.steps import run_steps
from photofinish.core.store import Store


def leftovers(folder: Path, name: str) -> list[str]:
    """Temporary siblings of ``name`` still in ``folder``."""
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(f".{name}."))


def full_disk(src, dst):
    raise OSError(28, "No space left on device")


@pytest.fixture
def umask_027():
    old = os.umask(0o027)
    yield 0o640
    os.umask(old)


# -- atomic_file ----------------------------------------------------------------


def test_atomic_file_writes_through_a_temporary_sibling(tmp_path, umask_027):
    target = tmp_path / "out.csv"
    with atomic_file(target, suffix=".part") as fh:
        (name,) = leftovers(tmp_path, "out.csv")
        assert name.endswith(".part")
        tmp = tmp_path / name
        fh.write("a,b\r\nc,é\n")
        fh.flush()
        assert tmp.read_bytes() == "a,b\r\nc,é\n".encode()
        assert not target.exists()
    assert not tmp.exists()
    # Text is UTF-8 and line endings are written as given.
    assert target.read_bytes() == "a,b\r\nc,é\n".encode()
    assert stat.S_IMODE(target.stat().st_mode) == umask_027
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]


def test_atomic_file_binary(tmp_path):
    target = tmp_path / "out.bin"
    with atomic_file(target, "wb") as fh:
        fh.write(b"\x00\xff\r\n")
    assert target.read_bytes() == b"\x00\xff\r\n"
    assert leftovers(tmp_path, "out.bin") == []


def test_atomic_file_replaces_an_existing_file(tmp_path):
    target = tmp_path / "out.txt"
    target.write_text("old")
    with atomic_file(target) as fh:
        fh.write("new")
        assert target.read_text() == "old"
    assert target.read_text() == "new"
    assert leftovers(tmp_path, "out.txt") == []


def test_atomic_file_relative_path(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with atomic_file("out.txt") as fh:
        assert len(leftovers(tmp_path, "out.txt")) == 1
        fh.write("x")
    assert (tmp_path / "out.txt").read_text() == "x"
    assert leftovers(tmp_path, "out.txt") == []


@pytest.mark.parametrize("exc_type", [ValueError, KeyboardInterrupt, SystemExit])
def test_atomic_file_error_leaves_nothing(tmp_path, exc_type):
    target = tmp_path / "out.txt"
    with pytest.raises(exc_type):
        with atomic_file(target) as fh:
            fh.write("half")
            raise exc_type
    assert list(tmp_path.iterdir()) == []


def test_atomic_file_error_keeps_the_old_file(tmp_path):
    target = tmp_path / "out.txt"
    target.write_text("old")
    with pytest.raises(RuntimeError):
        with atomic_file(target) as fh:
            fh.write("half")
            raise RuntimeError
    assert target.read_text() == "old"
    assert leftovers(tmp_path, "out.txt") == []


def test_atomic_file_failed_rename_leaves_nothing(tmp_path, monkeypatch):
    target = tmp_path / "out.txt"
    monkeypatch.setattr(files.os, "replace", full_disk)
    with pytest.raises(OSError) as info:
        with atomic_file(target) as fh:
            fh.write("all of it")
    assert info.value.errno == 28
    assert list(tmp_path.iterdir()) == []


def test_atomic_file_in_a_closed_generator_leaves_nothing(tmp_path):
    target = tmp_path / "out.txt"
    seen: list[Path] = []

    def job():
        with atomic_file(target) as fh:
            (name,) = leftovers(tmp_path, "out.txt")
            seen.append(tmp_path / name)
            for i in range(10):
                fh.write(f"{i}\n")
                yield i

    gen = job()
    assert next(gen) == 0
    assert next(gen) == 1
    assert seen[0].exists()
    gen.close()
    assert not seen[0].exists()
    assert list(tmp_path.iterdir()) == []


def test_atomic_file_in_a_finished_generator_is_renamed(tmp_path):
    target = tmp_path / "out.txt"

    def job():
        with atomic_file(target) as fh:
            for i in range(3):
                fh.write(f"{i}\n")
                yield i

    assert list(job()) == [0, 1, 2]
    assert target.read_text() == "0\n1\n2\n"
    assert leftovers(tmp_path, "out.txt") == []


# -- atomic_path ----------------------------------------------------------------


def test_atomic_path_renamed_on_success(tmp_path, umask_027):
    target = tmp_path / "clip.mp4"
    with atomic_path(target, ".mp4") as tmp:
        assert tmp.exists() and tmp.stat().st_size == 0
        assert tmp.parent == tmp_path
        assert tmp.name.startswith(".clip.mp4.") and tmp.name.endswith(".mp4")
        tmp.write_bytes(b"movie")
        assert not target.exists()
    assert not tmp.exists()
    assert target.read_bytes() == b"movie"
    assert stat.S_IMODE(target.stat().st_mode) == umask_027
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clip.mp4"]


@pytest.mark.parametrize("exc_type", [ValueError, KeyboardInterrupt])
def test_atomic_path_error_leaves_nothing(tmp_path, exc_type):
    target = tmp_path / "clip.mp4"
    target.write_bytes(b"old")
    with pytest.raises(exc_type):
        with atomic_path(target, ".mp4") as tmp:
            tmp.write_bytes(b"half")
            raise exc_type
    assert target.read_bytes() == b"old"
    assert leftovers(tmp_path, "clip.mp4") == []


def test_atomic_path_failed_rename_leaves_nothing(tmp_path, monkeypatch):
    target = tmp_path / "clip.mp4"
    monkeypatch.setattr(files.os, "replace", full_disk)
    with pytest.raises(OSError, match="No space left on device"):
        with atomic_path(target) as tmp:
            tmp.write_bytes(b"movie")
    assert list(tmp_path.iterdir()) == []


def test_atomic_path_in_a_closed_generator_leaves_nothing(tmp_path):
    target = tmp_path / "clip.mp4"
    seen: list[Path] = []

    def job():
        with atomic_path(target) as tmp:
            seen.append(tmp)
            tmp.write_bytes(b"part")
            yield 1
            yield 2

    gen = job()
    next(gen)
    assert seen[0].exists()
    gen.close()
    assert not seen[0].exists()
    assert list(tmp_path.iterdir()) == []


# -- exporting snapshots as CSV ---------------------------------------------------

RACE = Race("Race to a million", 1_000_000, "twitter", "America/Los_Angeles")
SNAPSHOTS = [
    Snapshot(1_239_948_780_000, "aplusk", 998_000, "ABC"),
    Snapshot(1_239_948_780_000, "cnnbrk", 997_500, "ABC"),
    Snapshot(1_239_948_840_500, "aplusk", 999_000, "twitterholic, rounded"),
    Snapshot(1_239_948_900_000, "cnnbrk", 998_900, 'the "live" page'),
    Snapshot(1_239_948_960_000, "aplusk", 1_000_001, "ABC"),
    Snapshot(1_239_949_020_000, "cnnbrk", 999_950, "müller.example"),
    Snapshot(1_239_949_080_123, "cnnbrk", 1_000_020, "ABC"),
]


def plain(store: Store) -> list[tuple[int, str, int, str]]:
    return [(s.at_ms, s.handle, s.count, s.source) for s in store.snapshots()]


@pytest.fixture
def store(tmp_path):
    s = Store.create(
        tmp_path / "race.db",
        RACE,
        [Competitor("aplusk", "Ashton", ""), Competitor("cnnbrk", "CNN", "")],
    )
    assert s.insert_snapshots(SNAPSHOTS) == len(SNAPSHOTS)
    yield s
    s.close()


@pytest.fixture
def out_dir(tmp_path):
    d = tmp_path / "out"
    d.mkdir()
    return d


def test_export_csv_steps_progress_and_result(store, out_dir, monkeypatch):
    monkeypatch.setattr(data_exports, "EXPORT_STEP_ROWS", 2)
    target = out_dir / "snapshots.csv"
    gen = export_csv_steps(store, target)
    progress = []
    while True:
        try:
            progress.append(next(gen))
        except StopIteration as stop:
            result = stop.value
            break
    assert result == 7
    assert progress == [(0, 7), (2, 7), (4, 7), (6, 7), (7, 7)]
    lines = target.read_text(encoding="utf-8").split("\n")
    assert lines[0] == "timestamp,competitor,count,source"
    assert lines[1] == "2009-04-17T06:13:00.000Z,aplusk,998000,ABC"
    assert lines[3] == '2009-04-17T06:14:00.500Z,aplusk,999000,"twitterholic, rounded"'
    assert lines[4] == '2009-04-17T06:15:00.000Z,cnnbrk,998900,"the ""live"" page"'
    assert lines[-1] == ""  # ends with a newline
    assert len(lines) == 9
    assert sorted(p.name for p in out_dir.iterdir()) == ["snapshots.csv"]


def test_export_csv_round_trips_into_a_fresh_session(store, tmp_path, out_dir):
    target = out_dir / "snapshots.csv"
    assert run_steps(export_csv_steps(store, target)) == 7
    # A different display zone: the export is in UTC, so nothing moves.
    fresh = Store.create(tmp_path / "fresh.db", Race("Copy", 1_000_000, "", "Asia/Tokyo"), [])
    try:
        report = import_file(fresh, target)
        assert report.imported == 7
        assert report.duplicates == 0
        assert report.skipped == []
        assert report.competitors_added == ["aplusk", "cnnbrk"]
        assert [c.handle for c in fresh.competitors()] == ["aplusk", "cnnbrk"]
        assert fresh.snapshot_count() == store.snapshot_count() == 7
        assert plain(fresh) == plain(store)
        # Importing the same file again adds nothing.
        again = import_file(fresh, target)
        assert (again.imported, again.duplicates) == (0, 7)
    finally:
        fresh.close()


def test_export_csv_matches_the_steps(store, out_dir):
    a, b = out_dir / "a.csv", out_dir / "b.csv"
    assert export_csv(store, a) == 7
    assert run_steps(export_csv_steps(store, b)) == 7
    assert a.read_bytes() == b.read_bytes()


def test_export_csv_of_an_empty_session(tmp_path, out_dir):
    empty = Store.create(tmp_path / "empty.db", RACE, [Competitor("aplusk", "Ashton", "")])
    try:
        target = out_dir / "snapshots.csv"
        gen = export_csv_steps(empty, target)
        assert next(gen) == (0, 0)
        assert next(gen) == (0, 0)
        with pytest.raises(StopIteration) as stop:
            next(gen)
        assert stop.value.value == 0
        assert target.read_text() == "timestamp,competitor,count,source\n"
    finally:
        empty.close()


def test_export_csv_closed_midway_leaves_nothing(store, out_dir, monkeypatch):
    monkeypatch.setattr(data_exports, "EXPORT_STEP_ROWS", 2)
    target = out_dir / "snapshots.csv"
    gen = export_csv_steps(store, target)
    assert next(gen) == (0, 7)
    assert next(gen) == (2, 7)
    # Half-way: only the temporary file exists.
    assert len(leftovers(out_dir, "snapshots.csv")) == 1
    assert not target.exists()
    gen.close()
    assert list(out_dir.iterdir()) == []


def test_export_csv_closed_midway_keeps_the_old_file(store, out_dir, monkeypatch):
    monkeypatch.setattr(data_exports, "EXPORT_STEP_ROWS", 3)
    target = out_dir / "snapshots.csv"
    target.write_text("old export\n")
    gen = export_csv_steps(store, target)
    next(gen)
    assert next(gen) == (3, 7)
    gen.close()
    assert target.read_text() == "old export\n"
    assert leftovers(out_dir, "snapshots.csv") == []


def test_export_csv_closed_before_it_starts_leaves_nothing(store, out_dir):
    target = out_dir / "snapshots.csv"
    gen = export_csv_steps(store, target)
    assert next(gen) == (0, 7)
    gen.close()
    assert list(out_dir.iterdir()) == []


def test_export_csv_failed_rename_leaves_nothing(store, out_dir, monkeypatch):
    target = out_dir / "snapshots.csv"
    monkeypatch.setattr(files.os, "replace", full_disk)
    with pytest.raises(OSError, match="No space left on device"):
        run_steps(export_csv_steps(store, target))
    assert list(out_dir.iterdir()) == []
