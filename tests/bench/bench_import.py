"""How fast ``photofinish import`` reads a big CSV, against a bare ``sqlite3`` executemany.

    python tests/bench/bench_import.py [--rows 1000000] [--repeat 3] [--seed 2009]
    python tests/bench/bench_import.py --memory [--rows 10000000]

Writes a seeded CSV (two competitors, one reading a second each, ISO 8601
times with a Z), then, in the same run and taking turns:

* the baseline: the rows, parsed once into tuples in memory beforehand, go
  into a fresh session file (``Store.create``: the same table and indexes,
  its triggers dropped) with one bare ``executemany`` and a commit; only that
  is timed;
* the import: ``python -m photofinish import SESSION FILE`` into another fresh session,
  as a subprocess, timed as a whole (start-up and the analysis at the end
  included).

Each is repeated (fresh files every time) and the medians are compared. The
target (issue 19): the import runs at no less than 0.8 of the baseline's speed.

``--memory`` imports 1,000,000 and then ``--rows`` (default 10,000,000) rows
and reports each import's peak resident memory, which should hardly grow with
the file.
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from photofinish.core.model import Competitor, Race  # noqa: E402
from photofinish.core.store import Store  # noqa: E402

TARGET = 0.8  # the import's speed over the bare executemany's
START_S = 1_767_225_600  # 2026-01-01T00:00Z
HANDLES = ("alpha", "beta")
BLOCK = 100_000  # seconds written at a time
# ``python -m photofinish`` with the analysis after an import (refresh_derived) left out, to show
# how much of the import's time and memory is that analysis.
NO_ANALYSIS = (
    "import sys; import photofinish.core.jobs.imports as job; "
    "job.refresh_derived = lambda store, result=None: None; "
    "from photofinish.cli.main import main; sys.exit(main(sys.argv[1:]))"
)
# The statement of Store.insert_arrays: the same columns the import writes.
BARE_INSERT = (
    "INSERT OR IGNORE INTO snapshots (competitor_id, at_ms, count, source) VALUES (?, ?, ?, ?)"
)


def write_csv(path: Path, rows: int, seed: int) -> None:
    """``rows`` readings, half for each competitor, one a second each; same seed, same file."""
    rng = np.random.default_rng(seed)
    seconds = rows // len(HANDLES)
    counts = [1_000_000, 990_000]
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write("timestamp,competitor,count\n")
        for first in range(0, seconds, BLOCK):
            n = min(BLOCK, seconds - first)
            first_second = np.datetime64(START_S + first, "s")
            stamps = np.datetime_as_string(first_second + np.arange(n), unit="s").tolist()
            columns = []
            for i in range(len(HANDLES)):
                steps = np.cumsum(rng.poisson(0.8 + 0.1 * i, n)) + counts[i]
                counts[i] = int(steps[-1])
                columns.append(steps.tolist())
            fh.write(
                "".join(
                    f"{t}Z,alpha,{a}\n{t}Z,beta,{b}\n"
                    for t, a, b in zip(stamps, columns[0], columns[1], strict=True)
                )
            )


def parse_rows(path: Path, ids: dict[str, int]) -> list[tuple[int, int, int, str]]:
    """The file's rows as tuples for the store, read plainly (csv and datetime)."""
    rows = []
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        next(reader)
        for stamp, handle, count in reader:
            at_ms = round(datetime.fromisoformat(stamp).timestamp() * 1000)
            rows.append((ids[handle], at_ms, int(count), "import"))
    return rows


def new_session(path: Path) -> None:
    """A fresh session file with the two competitors."""
    for extra in ("", "-wal", "-shm"):
        Path(f"{path}{extra}").unlink(missing_ok=True)
    race = Race("Import benchmark", 10_000_000, "bench", "UTC")
    comps = [Competitor(h, h.title(), "", position=i) for i, h in enumerate(HANDLES)]
    Store.create(path, race, comps).close()


def digest(path: Path) -> tuple[int, int, int]:
    """Row count and sums of times and counts: the same in both sessions when all went in."""
    conn = sqlite3.connect(path)
    try:
        row = conn.execute("SELECT count(*), sum(at_ms), sum(count) FROM snapshots").fetchone()
    finally:
        conn.close()
    return int(row[0]), int(row[1] or 0), int(row[2] or 0)


def bare(session: Path, rows: list[tuple[int, int, int, str]]) -> float:
    """Seconds for one executemany of every row, and its commit.

    Into the session's own ``snapshots`` table with its index, less the triggers
    that keep the packed blocks and the stored analysis in step: a bare indexed table.
    """
    new_session(session)
    conn = sqlite3.connect(session)
    try:
        names = conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall()
        for (name,) in names:
            conn.execute(f'DROP TRIGGER "{name}"')
        conn.commit()
        start = time.perf_counter()
        conn.executemany(BARE_INSERT, rows)
        conn.commit()
        return time.perf_counter() - start
    finally:
        conn.close()


def run_import(session: Path, csv_path: Path, analysis: bool = True) -> tuple[float, int]:
    """Seconds for ``python -m photofinish import`` as a whole, and its peak RSS in kilobytes."""
    new_session(session)
    how = ["-m", "photofinish"] if analysis else ["-c", NO_ANALYSIS]
    cmd = [sys.executable, *how, "import", str(session), str(csv_path)]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    out = proc.stdout.read().decode() if proc.stdout else ""
    err = proc.stderr.read().decode() if proc.stderr else ""
    if proc.returncode != 0:
        raise SystemExit(f"import failed ({proc.returncode}): {out}{err}")
    return seconds, int(usage.ru_maxrss)


def speed(args: argparse.Namespace, work: Path) -> None:
    """The import against the bare executemany, taking turns."""
    csv_path = work / "readings.csv"
    write_csv(csv_path, args.rows, args.seed)
    session = work / "bare.pfrace"
    new_session(session)
    with Store.open(session) as store:
        ids = {h: store.competitor_id(h) for h in HANDLES}
    rows = parse_rows(csv_path, ids)
    bare_s, import_s, alone_s = [], [], []
    for i in range(args.repeat):
        bare_s.append(bare(work / f"bare{i}.pfrace", rows))
        import_s.append(run_import(work / f"import{i}.pfrace", csv_path)[0])
        alone_s.append(run_import(work / f"alone{i}.pfrace", csv_path, analysis=False)[0])
        expected = digest(work / f"bare{i}.pfrace")
        for name in (f"import{i}", f"alone{i}"):
            if (got := digest(work / f"{name}.pfrace")) != expected:
                raise SystemExit(f"the import stored {got}, the bare executemany {expected}")
        print(
            f"  run {i + 1}: import {import_s[-1]:.2f} s (without the analysis "
            f"{alone_s[-1]:.2f} s), bare {bare_s[-1]:.2f} s",
            file=sys.stderr,
            flush=True,
        )
        for name in (f"bare{i}", f"import{i}", f"alone{i}"):
            for extra in ("", "-wal", "-shm"):
                Path(f"{work / name}.pfrace{extra}").unlink(missing_ok=True)
    imp, base = statistics.median(import_s), statistics.median(bare_s)
    alone = statistics.median(alone_s)
    print(
        f"import {args.rows:,} rows: {imp:.1f} s (median of {args.repeat}); "
        f"bare executemany {base:.1f} s; speed ratio {base / imp:.2f} (target >= {TARGET})"
    )
    print(
        f"  the same without the analysis at the end (refresh_derived): {alone:.1f} s; "
        f"speed ratio {base / alone:.2f}"
    )
    print(
        f"{'PASS' if base / imp >= TARGET else 'FAIL'}  import speed: ratio {base / imp:.2f} "
        f"to a bare executemany (target: at least {TARGET})",
        flush=True,
    )


def memory(args: argparse.Namespace, work: Path) -> None:
    """Peak memory of an import of 1,000,000 rows and of ``--rows``."""
    results = []
    for rows in sorted({1_000_000, args.rows}):
        csv_path = work / f"readings-{rows}.csv"
        write_csv(csv_path, rows, args.seed)
        session = work / f"memory-{rows}.pfrace"
        seconds, rss_kb = run_import(session, csv_path)
        alone, alone_kb = run_import(session, csv_path, analysis=False)
        size = csv_path.stat().st_size
        csv_path.unlink()
        results.append((rows, size, seconds, rss_kb, alone, alone_kb))
    for rows, size, seconds, rss_kb, alone, alone_kb in results:
        print(
            f"{'PASS' if rss_kb / 1024 < 500 else 'FAIL'}  import memory, {rows:,} rows: "
            f"peak RSS {rss_kb / 1024:,.0f} MB (target: steady; here under 500 MB)",
            flush=True,
        )
        print(
            f"memory: import {rows:,} rows ({size / 1e6:,.0f} MB of CSV): {seconds:.1f} s, "
            f"{rows / seconds:,.0f} rows/s, peak RSS {rss_kb / 1024:,.0f} MB; "
            f"without the analysis at the end {alone:.1f} s, peak RSS {alone_kb / 1024:,.0f} MB"
        )


def main(argv: list[str] | None = None) -> int:
    """Command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--rows", type=int, default=None, help="default 1,000,000 (10,000,000 with --memory)"
    )
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=2009)
    parser.add_argument("--memory", action="store_true", help="report peak memory instead")
    parser.add_argument(
        "--dir", type=Path, default=None, help="where the files go (default: a temporary folder)"
    )
    args = parser.parse_args(argv)
    if args.rows is None:
        args.rows = 10_000_000 if args.memory else 1_000_000
    work = Path(tempfile.mkdtemp(prefix="bench-import-", dir=args.dir))
    try:
        (memory if args.memory else speed)(args, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
