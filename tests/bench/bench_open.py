"""Open: a 10-million-reading session reaches a painted window fast and in little memory.

Target (issue 7): a painted window at most 1.5 s later than on the bundled 2009
race (data/race-2009.db), with a peak RSS under 500 MB. Measured two ways, each
run in a fresh process (so every run is a cold start of Python and Qt):

(a) ``photofinish screenshot SESSION OUT.png --size 1600x900``: the child's wall
    time and peak RSS (the same code path as the window);
(b) the window itself: ``MainWindow`` on a read-only session, shown at 1600x900
    offscreen, timed from the spawn of the process to the chart's first paint.

The 2009 race is the baseline, measured in the same run. Runs alternate between
the two sessions; one warm-up run of each (which also fills the page cache) is
not counted. Figures are medians of the runs; peak RSS is the highest seen.

With ``--bare`` (issue 19) the big session is a write-protected copy with no
packed blocks and no stored analysis (``benchlib.bare``): the first open of
another program's file, which every read-only open of it repeats. Targets
there: at most 2 s later than the 2009 race, under 500 MB.

    .venv/bin/python tests/bench/bench_open.py [--session build/bench/10m.pfrace] [--runs 5]
    .venv/bin/python tests/bench/bench_open.py --bare
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

from benchlib import BIG, PYTHON, SAMPLE, bare, compare, median, need, run_child, verdict

EXTRA_S = 1.5
EXTRA_S_BARE = 2.0
RSS_MB = 500


def window_child(path: str) -> None:
    """In a fresh process: open the window on a session and report when it is painted."""
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    started = time.perf_counter()
    from PySide6.QtCore import QEvent, QObject

    from photofinish.app.application import application
    from photofinish.core.store import Store
    from photofinish.session import Session
    from photofinish.ui.window.main_window import MainWindow

    app = application()
    imported = time.perf_counter()
    session = Session(Store.open(path, read_only=True))
    opened = time.perf_counter()
    window = MainWindow(session, replay=False, restore=False)
    built = time.perf_counter()

    class PaintSpy(QObject):
        painted = False

        def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt naming
            if event.type() == QEvent.Type.Paint:
                PaintSpy.painted = True
            return False

    spy = PaintSpy()
    window.chart.viewport().installEventFilter(spy)
    window.resize(1600, 900)
    window.show()
    while not PaintSpy.painted:  # the paint event is handled inside processEvents
        app.processEvents()
    painted = time.perf_counter()
    times = {
        "painted_at": time.time(),
        "imports": imported - started,
        "open": opened - imported,
        "window": built - opened,
        "first paint": painted - built,
    }
    print(json.dumps(times), flush=True)
    os._exit(0)  # the frame is painted: tearing down is not part of opening


def main() -> int:
    """Command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--session", type=Path, default=BIG)
    parser.add_argument("--baseline", type=Path, default=SAMPLE)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--bare", action="store_true", help="a copy with nothing stored beside")
    parser.add_argument("--window-child", metavar="SESSION", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.window_child:
        window_child(args.window_child)
    big = bare(need(args.session)) if args.bare else need(args.session)
    sessions = {"baseline": need(args.baseline), "big": big}
    limit = EXTRA_S_BARE if args.bare else EXTRA_S
    label = "open (bare file)" if args.bare else "open"
    print(f"open: {big} vs baseline {args.baseline}, {args.runs} runs", flush=True)

    shot_s: dict[str, list[float]] = {k: [] for k in sessions}
    shot_rss: dict[str, list[float]] = {k: [] for k in sessions}
    win_s: dict[str, list[float]] = {k: [] for k in sessions}
    win_rss: dict[str, list[float]] = {k: [] for k in sessions}
    parts: dict[str, list[dict[str, float]]] = {k: [] for k in sessions}
    with tempfile.TemporaryDirectory() as tmp:
        for run in range(args.runs + 1):
            for key, path in sessions.items():
                out = str(Path(tmp) / f"{key}.png")
                cmd = [
                    PYTHON,
                    "-m",
                    "photofinish",
                    "screenshot",
                    str(path),
                    out,
                    "--size",
                    "1600x900",
                ]
                seconds, rss, _ = run_child(cmd)
                spawned = time.time()
                _, wrss, text = run_child([PYTHON, __file__, "--window-child", str(path)])
                times = json.loads(text.splitlines()[-1])
                if run == 0:
                    continue  # warm-up
                shot_s[key].append(seconds)
                shot_rss[key].append(rss)
                win_s[key].append(times.pop("painted_at") - spawned)
                win_rss[key].append(wrss)
                parts[key].append(times)
            print(f"  run {run or 'warm-up'} done", flush=True)

    shot = median(shot_s["big"]), median(shot_s["baseline"])
    win = median(win_s["big"]), median(win_s["baseline"])
    compare("screenshot wall time (median)", *shot, "s")
    compare("screenshot peak RSS (max)", max(shot_rss["big"]), max(shot_rss["baseline"]), "MB", 0)
    compare("window to first paint (median)", *win, "s")
    compare("window peak RSS (max)", max(win_rss["big"]), max(win_rss["baseline"]), "MB", 0)
    for key in sessions:
        steps = ", ".join(
            f"{name} {median([p[name] for p in parts[key]]):.2f} s" for name in parts[key][0]
        )
        print(f"window breakdown ({key}, medians): {steps}")
    for how, (big, base) in (("screenshot", shot), ("window", win)):
        extra = big - base
        verdict(f"{label}, {how}", extra <= limit, f"+{extra:.2f} s (target: at most +{limit} s)")
    for how, rss in (("screenshot", shot_rss), ("window", win_rss)):
        peak = max(rss["big"])
        verdict(
            f"{label} memory, {how}", peak < RSS_MB, f"{peak:.0f} MB (target: under {RSS_MB} MB)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
