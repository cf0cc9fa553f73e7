"""Run every benchmark (issues 7, 19 and 23) in order and end with a table of their PASS/FAIL lines.

    .venv/bin/python tests/bench/run_all.py [--quick] [--session build/bench/10m.pfrace]

The full run takes about three quarters of an hour (the live soaks alone are
fifteen minutes, plus their warm-ups); ``--quick`` takes a few minutes: fewer runs, and a one-minute
soak. Each benchmark's own output is shown as it runs. Exits 0 unless a
benchmark crashed; a failed target is a figure to report, not an error.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

from benchlib import BIG, PYTHON, ROOT

HERE = Path(__file__).resolve().parent


def plan(quick: bool, session: Path) -> list[list[str]]:
    """The benchmarks and their arguments, in order."""
    big = ["--session", str(session)]
    if quick:
        return [
            ["bench_open.py", *big, "--runs", "2"],
            ["bench_pan.py", *big, "--runs", "1", "--steps", "100"],
            ["bench_replay.py", *big, "--runs", "1", "--seconds", "10"],
            ["bench_clip.py", *big, "--runs", "1"],
            ["bench_live.py", "--minutes", "1"],
            ["bench_live.py", *big, "--rate", "100", "--minutes", "1", "--warmup-seconds", "20"],
            ["bench_summary.py", *big, "--runs", "2"],
            ["bench_open.py", *big, "--bare", "--runs", "2"],
            ["bench_summary.py", *big, "--bare", "--runs", "2"],
            ["bench_startup.py", "--runs", "3"],
            ["bench_import.py", "--rows", "200000"],
            ["bench_forecast.py", "--races", "60"],
        ]
    return [
        ["bench_open.py", *big],
        ["bench_pan.py", *big],
        ["bench_replay.py", *big],
        ["bench_clip.py", *big],
        ["bench_live.py"],
        ["bench_live.py", *big, "--rate", "100", "--minutes", "5"],
        ["bench_summary.py", *big],
        ["bench_open.py", *big, "--bare"],
        ["bench_summary.py", *big, "--bare"],
        ["bench_startup.py"],
        ["bench_import.py"],
        ["bench_forecast.py", *big],
    ]


def main() -> int:
    """Command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer runs, a 1-minute soak")
    parser.add_argument("--session", type=Path, default=BIG)
    args = parser.parse_args()
    rows: list[tuple[str, str, str, str]] = []
    crashed = False
    for script, *rest in plan(args.quick, args.session):
        print(f"\n=== {script} {' '.join(rest)}", flush=True)
        started = time.perf_counter()
        proc = subprocess.Popen(
            [PYTHON, str(HERE / script), *rest], cwd=ROOT, stdout=subprocess.PIPE, text=True
        )
        assert proc.stdout is not None
        found = 0
        for line in proc.stdout:
            print(line, end="", flush=True)
            verdict, _, rest_of_line = line.partition("  ")
            if verdict in ("PASS", "FAIL"):
                target, _, detail = rest_of_line.strip().partition(": ")
                rows.append((script, target, verdict, detail))
                found += 1
        code = proc.wait()
        print(f"=== {script}: {time.perf_counter() - started:.0f} s", flush=True)
        if code != 0 or not found:
            crashed = True
            rows.append((script, "(the benchmark)", "CRASH", f"exit status {code}"))

    width = max(len(target) for _, target, _, _ in rows)
    print("\nSummary" + (" (quick)" if args.quick else ""))
    for _script, target, verdict, detail in rows:
        print(f"  {verdict:<5}  {target:<{width}}  {detail}")
    return 1 if crashed else 0


if __name__ == "__main__":
    sys.exit(main())
