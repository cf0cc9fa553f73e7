"""Pan and zoom: how long the window takes to repaint after the race chart's range changes.

Targets (issue 19): on the 10-million session, the median repaint after a
range change is under 16 ms and the 95th percentile under 25 ms.

The window (read-only session, 1600x900, offscreen) is driven through a fixed,
seeded walk of ~200 steps: blocks of ten, each starting with a zoom to the whole
race, a week, a day or an hour (in turn) at a random place, then nine pans of a
tenth of the view. A step is timed as ``chart.show_range()`` (what the app does
to show a time range: X range, then the counts and the gap plot fitted) plus
``QApplication.processEvents()``, which paints what changed; if the chart was
not painted there, a ``viewport().repaint()`` is forced and timed too. The first
block is a warm-up. Each session is measured in fresh processes (``--runs``),
the 2009 race being the baseline; the frame times of all runs are pooled.

    .venv/bin/python tests/bench/bench_pan.py [--session build/bench/10m.pfrace] [--steps 200]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from pathlib import Path

from benchlib import BIG, PYTHON, SAMPLE, compare, median, need, percentile, run_child, verdict

MEDIAN_MS = 16
P95_MS = 25
HOUR_MS = 3_600_000
ZOOMS = {"whole": None, "week": 7 * 24 * HOUR_MS, "day": 24 * HOUR_MS, "hour": HOUR_MS}
BLOCK = 10


def walk(first_ms: int, last_ms: int, steps: int, seed: int = 7) -> list[tuple[str, int, int]]:
    """The zoom level and range of each step: a zoom, then pans, block after block."""
    rng = random.Random(seed)
    span = last_ms - first_ms
    ranges = []
    levels = list(ZOOMS)
    for block in range(-(-steps // BLOCK)):
        level = levels[block % len(levels)]
        width = min(ZOOMS[level] or span, span)
        start = first_ms + rng.random() * (span - width)
        direction = rng.choice((-1, 1))
        for _ in range(BLOCK):
            ranges.append((level, int(start), int(start + width)))
            if not first_ms - width / 2 <= start + direction * width / 10 <= last_ms - width / 2:
                direction = -direction  # bounce off the ends, half the view past them
            start += direction * width / 10
    return ranges[:steps]


def pan_child(path: str, steps: int) -> None:
    """In a fresh process: drive the window through the walk, print the frame times (ms)."""
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PySide6.QtCore import QEvent, QObject
    from PySide6.QtWidgets import QApplication

    from photofinish.app.application import application
    from photofinish.core.store import Store
    from photofinish.session import Session
    from photofinish.ui.window.main_window import MainWindow

    app = application()
    session = Session(Store.open(path, read_only=True))
    window = MainWindow(session, replay=False, restore=False)
    window.resize(1600, 900)
    window.show()
    for _ in range(3):
        app.processEvents()
    chart = window.chart

    class PaintSpy(QObject):
        paints = 0

        def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt naming
            if event.type() == QEvent.Type.Paint:
                PaintSpy.paints += 1
            return False

    spy = PaintSpy()
    chart.viewport().installEventFilter(spy)
    span = session.time_span()
    assert span is not None
    frames, forced = [], 0
    for i, (level, start, end) in enumerate(walk(*span, steps + BLOCK)):
        before = PaintSpy.paints
        t0 = time.perf_counter()
        chart.show_range(start, end)
        QApplication.processEvents()
        if PaintSpy.paints == before:
            chart.viewport().repaint()
            forced += 1
        ms = (time.perf_counter() - t0) * 1000
        if i >= BLOCK:
            frames.append((level, ms))
    print(json.dumps({"frames": frames, "forced": forced}), flush=True)
    os._exit(0)


def main() -> int:
    """Command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--session", type=Path, default=BIG)
    parser.add_argument("--baseline", type=Path, default=SAMPLE)
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3, help="fresh processes per session")
    parser.add_argument("--child", metavar="SESSION", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        pan_child(args.child, args.steps)
    sessions = {"baseline": need(args.baseline), "big": need(args.session)}
    print(f"pan: {args.session} vs baseline {args.baseline}, {args.steps} steps x {args.runs}")
    frames: dict[str, list[float]] = {k: [] for k in sessions}
    levels: dict[str, list[float]] = {k: [] for k in ZOOMS}
    for run in range(args.runs):
        for key, path in sessions.items():
            cmd = [PYTHON, __file__, "--child", str(path), "--steps", str(args.steps)]
            seconds, _, text = run_child(cmd)
            result = json.loads(text.splitlines()[-1])
            times = [ms for _, ms in result["frames"]]
            frames[key] += times
            for level, ms in result["frames"]:
                if key == "big":
                    levels[level].append(ms)
            print(
                f"  run {run + 1} {key}: median {median(times):.1f} ms, "
                f"{result['forced']} forced repaints, {seconds:.1f} s in all",
                flush=True,
            )
    mid = median(frames["big"]), median(frames["baseline"])
    p95 = percentile(frames["big"], 95), percentile(frames["baseline"], 95)
    compare("frame after a range change, median", *mid, "ms", 1)
    compare("frame after a range change, p95", *p95, "ms", 1)
    print(f"slowest frame: {max(frames['big']):.1f} ms vs {max(frames['baseline']):.1f} ms")
    by_level = ", ".join(f"{k} {median(v):.1f} ms" for k, v in levels.items())
    print(f"median by zoom level (big): {by_level}")
    for name, figure, target in (("median", mid[0], MEDIAN_MS), ("p95", p95[0], P95_MS)):
        verdict(f"pan/zoom {name}", figure < target, f"{figure:.1f} ms (target: under {target} ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
