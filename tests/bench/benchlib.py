"""Helpers shared by the benchmark scripts of issue 7: child processes, statistics, report lines.

Not a benchmark itself. Each ``bench_*.py`` prints its figures next to a baseline
measured in the same run, then one ``PASS`` or ``FAIL`` line per target of the
issue; ``run_all.py`` collects those lines into a table.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # for `tests.bench`; photofinish itself comes from the venv
    sys.path.insert(0, str(ROOT))
SAMPLE = ROOT / "data" / "race-2009.db"
# The 10-million-reading session, built by make_session.py (seeded) on first use.
BIG = ROOT / "build" / "bench" / "10m.pfrace"
_VENV_PYTHON = ROOT / ".venv" / "bin" / "python"
PYTHON = str(_VENV_PYTHON if _VENV_PYTHON.exists() else Path(sys.executable))


def offscreen_env() -> dict[str, str]:
    """The environment for a child that runs Qt headless."""
    env = dict(os.environ)
    env["QT_QPA_PLATFORM"] = "offscreen"
    env["PYQTGRAPH_QT_LIB"] = "PySide6"
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    # As on a user's machine: compiled modules are cached after the first run
    # (with this set, every start compiled some forty modules again).
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def run_child(cmd: Sequence[str], env: dict[str, str] | None = None) -> tuple[float, float, str]:
    """Run a command; returns its wall time (s), its peak RSS (MB) and its stdout.

    The peak RSS is the child's own (``wait4``), so earlier children do not mask it.
    Raises RuntimeError, with the child's stderr, when it fails.
    """
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        proc = subprocess.Popen(
            list(cmd), cwd=ROOT, env=env or offscreen_env(), stdout=out, stderr=err
        )
        _, status, usage = os.wait4(proc.pid, 0)  # not proc.wait(): wait4 gives its rusage
        seconds = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        text, problem = out.read(), err.read()
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} exited {proc.returncode}:\n{problem[-3000:]}")
    return seconds, usage.ru_maxrss / 1024, text


def median(values: Sequence[float]) -> float:
    """The median (of a non-empty list)."""
    return percentile(values, 50)


def percentile(values: Sequence[float], pct: float) -> float:
    """The pct-th percentile, linearly interpolated between the nearest ranks."""
    ordered = sorted(values)
    if not ordered:
        raise ValueError("no values")
    rank = (len(ordered) - 1) * pct / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def compare(label: str, figure: float, baseline: float, unit: str, digits: int = 2) -> str:
    """Print one figure next to its baseline, with the difference and the ratio."""
    ratio = figure / baseline if baseline else float("inf")
    line = (
        f"{label}: {figure:.{digits}f} {unit} vs baseline {baseline:.{digits}f} {unit}"
        f" (+{figure - baseline:.{digits}f} {unit}, x{ratio:.2f})"
    )
    print(line, flush=True)
    return line


def verdict(target: str, ok: bool, detail: str) -> bool:
    """Print a PASS or FAIL line for one target of the issue."""
    print(f"{'PASS' if ok else 'FAIL'}  {target}: {detail}", flush=True)
    return ok


def rss_mb() -> float:
    """The resident memory of this process now, in MB (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def bare(path: Path) -> Path:
    """A write-protected copy of a session with no stored analysis and no packed blocks.

    What another program's file looks like (or an older version's): every
    open reads the rows and works the race out from them. Made once, beside
    ``path``, with ``-bare`` in its name.
    """
    copy = path.with_name(f"{path.stem}-bare{path.suffix}")
    if copy.exists():
        return copy
    print(f"Making {copy} (the same readings with nothing stored beside them)", flush=True)
    import sqlite3

    work = copy.with_name(copy.name + ".part")
    shutil.copyfile(path, work)
    conn = sqlite3.connect(work)
    try:
        conn.execute("PRAGMA journal_mode = DELETE")
        with conn:
            conn.execute("DELETE FROM series_blocks")
            conn.execute("DELETE FROM derived_state")
            conn.execute("DELETE FROM events WHERE origin = 'derived'")
            conn.execute("DELETE FROM reading_edits")
            conn.execute(
                "UPDATE snapshots SET flag = '', flagged_by = '' WHERE flagged_by = 'auto'"
            )
        conn.execute("VACUUM")
    finally:
        conn.close()
    work.chmod(0o444)  # opened read-only, so no open packs or stores anything
    work.rename(copy)
    return copy


def need(path: Path) -> Path:
    """A session the benchmark needs: the big one is built (seeded) when it is missing."""
    if not path.exists():
        if path != BIG:
            sys.exit(f"{path} does not exist")
        print(f"Building {path} (10 million readings, about a minute)", flush=True)
        path.parent.mkdir(parents=True, exist_ok=True)
        script = Path(__file__).with_name("make_session.py")
        subprocess.run([PYTHON, str(script), str(path)], cwd=ROOT, check=True)
    return path
