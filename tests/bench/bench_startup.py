"""Start-up: ``photofinish screenshot`` on the 2009 race against a bare PySide6 + pyqtgraph script.

Target (issue 7): the screenshot takes no more than 1.5 times as long as a bare
script that imports PySide6 and pyqtgraph, shows an empty PlotWidget at
1600x900 and grabs it to a PNG (the floor any Qt + pyqtgraph program pays).
Both run offscreen as child processes: one warm-up each, then ``--runs``
alternating runs; the figures are median wall times.

    .venv/bin/python tests/bench/bench_startup.py [--runs 7]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from benchlib import PYTHON, SAMPLE, compare, median, need, run_child, verdict

TARGET_RATIO = 1.5
BARE = """\
import sys

from PySide6.QtWidgets import QApplication
import pyqtgraph as pg

app = QApplication(sys.argv[:1])
plot = pg.PlotWidget()
plot.resize(1600, 900)
plot.show()
app.processEvents()
plot.grab().save(sys.argv[1])
"""


def main() -> int:
    """Command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--session", type=Path, default=SAMPLE)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    print(f"startup: screenshot of {args.session} vs a bare PlotWidget, {args.runs} runs")
    with tempfile.TemporaryDirectory() as tmp:
        bare = Path(tmp) / "bare.py"
        bare.write_text(BARE)
        commands = {
            "bare": [PYTHON, str(bare), str(Path(tmp) / "bare.png")],
            "screenshot": [
                *(PYTHON, "-m", "photofinish", "screenshot", str(need(args.session))),
                *(str(Path(tmp) / "shot.png"), "--size", "1600x900"),
            ],
        }
        times: dict[str, list[float]] = {k: [] for k in commands}
        for run in range(args.runs + 1):
            for key, cmd in commands.items():
                seconds, _, _ = run_child(cmd)
                if run:  # the first is a warm-up
                    times[key].append(seconds)
    shot, bare_s = median(times["screenshot"]), median(times["bare"])
    compare("start-up wall time (median)", shot, bare_s, "s")
    ratio = shot / bare_s
    verdict("start-up", ratio <= TARGET_RATIO, f"x{ratio:.2f} (target: at most x{TARGET_RATIO})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
