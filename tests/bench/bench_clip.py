"""Clip: ``photofinish clip`` of a replay of the 10-million race against the 2009 race.

Targets (issue 19): the big race's clip takes at most 2.5 times as long as the
2009 race's (medians of the child's wall time, same run), with a peak RSS
under 500 MB. Each clip is 2 s at 10 frames a second (20 frames, each a
moment of the replay analysed and drawn), written as a GIF to a temporary
folder; runs alternate between the two sessions after one warm-up each.

    .venv/bin/python tests/bench/bench_clip.py [--session build/bench/10m.pfrace] [--runs 3]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from benchlib import BIG, PYTHON, SAMPLE, compare, median, need, run_child, verdict

RATIO = 2.5
RSS_MB = 500


def main() -> int:
    """Command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--session", type=Path, default=BIG)
    parser.add_argument("--baseline", type=Path, default=SAMPLE)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    sessions = {"baseline": need(args.baseline), "big": need(args.session)}
    print(f"clip: {args.session} vs baseline {args.baseline}, {args.runs} runs", flush=True)
    times: dict[str, list[float]] = {k: [] for k in sessions}
    peaks: dict[str, list[float]] = {k: [] for k in sessions}
    with tempfile.TemporaryDirectory() as tmp:
        for run in range(args.runs + 1):
            for key, path in sessions.items():
                out = Path(tmp) / f"{key}.gif"
                cmd = [PYTHON, "-m", "photofinish", "clip", str(path), str(out)]
                seconds, peak, _ = run_child([*cmd, "--seconds", "2", "--fps", "10"])
                if run:  # the first is a warm-up
                    times[key].append(seconds)
                    peaks[key].append(peak)
            print(f"  run {run or 'warm-up'} done", flush=True)
    big, base = median(times["big"]), median(times["baseline"])
    compare("clip wall time (median)", big, base, "s")
    compare("clip peak RSS (max)", max(peaks["big"]), max(peaks["baseline"]), "MB", 0)
    verdict("clip time", big <= RATIO * base, f"x{big / base:.2f} (target: at most x{RATIO})")
    peak = max(peaks["big"])
    verdict("clip memory", peak < RSS_MB, f"{peak:.0f} MB (target: under {RSS_MB} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
