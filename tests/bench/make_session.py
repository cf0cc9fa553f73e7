"""Build a big made-up session for the benchmarks: two random walks with glitches and lead changes.

    python tests/bench/make_session.py OUT.pfrace [--readings 10000000] [--seed 2009]

Both competitors are read once a second (each with its own jitter of up to a
quarter second). Their growth rates swing slowly out of phase, so the lead
changes hands a dozen or so times; a few hundred readings per competitor are
glitches (a count off by 10 to 50 per cent for one reading); the milestone is
set so that the leader crosses it a day before the end. The same seed gives
the same file.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from photofinish.core.jobs.analysis import refresh_derived  # noqa: E402
from photofinish.core.model import Competitor, Race  # noqa: E402
from photofinish.core.store import Store  # noqa: E402

START_MS = 1_767_225_600_000  # 2026-01-01T00:00Z
GLITCHES = 300
BATCH = 1_000_000


def walks(n: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, int]:
    """Times and counts of two competitors, and a milestone."""
    rng = np.random.default_rng(seed)
    i = np.arange(n, dtype=np.float64)
    period = max(n / 6.0, 10.0)
    rate_a = 0.8 + 0.35 * np.sin(2 * np.pi * i / period)
    rate_b = 0.8 + 0.35 * np.sin(2 * np.pi * i / period + 2.0)
    count_a = 1_000_000 + np.cumsum(rng.poisson(rate_a))
    count_b = 1_000_000 + np.cumsum(rng.poisson(rate_b))
    del rate_a, rate_b, i
    base = START_MS + np.arange(n, dtype=np.int64) * 1000
    at_a = base + rng.integers(0, 250, n)
    at_b = base + rng.integers(0, 250, n)
    del base
    for counts in (count_a, count_b):
        spots = rng.choice(np.arange(2, n - 2), size=min(GLITCHES, max(n // 10, 1)), replace=False)
        factor = rng.choice([0.5, 0.7, 0.9, 1.1, 1.3, 1.5], size=spots.size)
        counts[spots] = (counts[spots] * factor).astype(np.int64)
    day = min(86_400, n // 10)
    leader_then = max(int(count_a[n - 1 - day]), int(count_b[n - 1 - day]))
    milestone = -(-leader_then // 10_000) * 10_000
    return at_a, count_a.astype(np.int64), at_b, count_b.astype(np.int64), milestone


def build(path: Path, readings: int, seed: int) -> None:
    """Write the session file."""
    n = readings // 2
    at_a, count_a, at_b, count_b, milestone = walks(n, seed)
    race = Race(f"Benchmark race ({readings:,} readings)", milestone, "bench", "UTC")
    comps = [Competitor("alpha", "Alpha", ""), Competitor("beta", "Beta", "", position=1)]
    store = Store.create(path, race, comps)
    try:
        for handle, at, count in (("alpha", at_a, count_a), ("beta", at_b, count_b)):
            for k in range(0, n, BATCH):
                store.insert_arrays(handle, at[k : k + BATCH], count[k : k + BATCH], "bench")
                print(f"\r{handle}: {min(k + BATCH, n):,} of {n:,}", end="", file=sys.stderr)
            print(file=sys.stderr)
            store.series(handle)  # packs the readings into blocks
        # As an import does: analyse once and store what is settled.
        refresh_derived(store)
    finally:
        store.close()


def main(argv: list[str] | None = None) -> int:
    """Command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--readings", type=int, default=10_000_000)
    parser.add_argument("--seed", type=int, default=2009)
    args = parser.parse_args(argv)
    if args.out.exists():
        parser.error(f"{args.out} already exists")
    started = time.perf_counter()
    build(args.out, args.readings, args.seed)
    print(f"{args.out}: {args.readings:,} readings in {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
