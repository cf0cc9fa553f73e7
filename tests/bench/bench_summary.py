"""Summary: how long ``photofinish summary`` takes on a 10-million-reading session.

Target (issue 7): under 2 s on the 10-million session. Both sessions are copied
to a temporary folder first (the command may store derived results in the
file); each is then run once to warm up (page cache, anything stored on first
use) and ``--runs`` times, alternating, with the bundled 2009 race as the
baseline. The figure is the median wall time of the child process.

With ``--bare`` (issue 19) the big session is the write-protected copy with
nothing stored beside the readings (``benchlib.bare``), used as it is: each
run works everything out from the rows. Target there: under 3 s, 500 MB.

    .venv/bin/python tests/bench/bench_summary.py [--session build/bench/10m.pfrace] [--runs 5]
    .venv/bin/python tests/bench/bench_summary.py --bare
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

from benchlib import BIG, PYTHON, SAMPLE, bare, compare, median, need, run_child, verdict

TARGET_S = 2.0
TARGET_S_BARE = 3.0
RSS_MB = 500


def copy_session(source: Path, folder: Path) -> Path:
    """Copy a session file (and its write-ahead log, if it holds anything)."""
    target = folder / source.name
    shutil.copyfile(source, target)
    wal = source.with_name(source.name + "-wal")
    if wal.exists() and wal.stat().st_size:
        shutil.copyfile(wal, target.with_name(target.name + "-wal"))
    return target


def main() -> int:
    """Command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--session", type=Path, default=BIG)
    parser.add_argument("--baseline", type=Path, default=SAMPLE)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--bare", action="store_true", help="a copy with nothing stored beside")
    args = parser.parse_args()
    print(f"summary: {args.session} vs baseline {args.baseline}, {args.runs} runs", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        copies = {
            "baseline": copy_session(need(args.baseline), Path(tmp)),
            # The bare copy is write-protected: every run reads it as the first did.
            "big": bare(need(args.session))
            if args.bare
            else copy_session(need(args.session), Path(tmp)),
        }
        times: dict[str, list[float]] = {k: [] for k in copies}
        rss: dict[str, list[float]] = {k: [] for k in copies}
        for run in range(args.runs + 1):
            for key, path in copies.items():
                seconds, peak, _ = run_child([PYTHON, "-m", "photofinish", "summary", str(path)])
                if run == 0:
                    print(f"  first run ({key}, not counted): {seconds:.2f} s", flush=True)
                    continue
                times[key].append(seconds)
                rss[key].append(peak)
    big, base = median(times["big"]), median(times["baseline"])
    compare("summary wall time (median)", big, base, "s")
    compare("summary peak RSS (max)", max(rss["big"]), max(rss["baseline"]), "MB", 0)
    target = TARGET_S_BARE if args.bare else TARGET_S
    label = "summary (bare file)" if args.bare else "summary"
    verdict(label, big < target, f"{big:.2f} s (target: under {target} s)")
    if args.bare:
        peak = max(rss["big"])
        verdict(f"{label} memory", peak < RSS_MB, f"{peak:.0f} MB (target: under {RSS_MB} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
