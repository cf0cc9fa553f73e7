"""Replay: how long one step takes, and how smoothly real playback at 250x runs, on a big race.

Targets (issue 19): a replay step on the 10-million session takes at most
twice as long as on the bundled 2009 race (medians, same run); real playback
at 250x draws at least 20 frames a second with memory flat.

Each session is measured in a fresh process: the window (read-only session,
1600x900, offscreen) opened as the app opens it.

(a) Steps: ``--steps`` moments spread over the middle 80% of the readings
    (by their times' quantiles, so that every step moves through readings:
    the 2009 race starts with one reading three weeks before the rest),
    visited in order; a step is ``Replayer.seek`` (``Session.set_as_of``: the
    analysis of the moment) plus ``processEvents`` (which paints what
    changed), with a forced ``repaint`` of the chart when nothing was painted.
    Both sessions take the same number of steps, so a step on the big race
    covers as large a share of its readings as one on the small race does of
    its own (some 40,000 readings of the big race a step, 10 of the small one).
(b) Playback: the replay bar plays at 250x from the middle of the race for
    ``--seconds`` of wall time with its own timer, as a user's would; it
    counts the chart's paints a second, measures how late a 10 ms timer
    fires (the event loop's lateness) and compares the resident memory at the
    start and the end of the playback.

    .venv/bin/python tests/bench/bench_replay.py [--session build/bench/10m.pfrace] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from benchlib import (
    BIG,
    PYTHON,
    SAMPLE,
    compare,
    median,
    need,
    percentile,
    rss_mb,
    run_child,
    verdict,
)

STEP_RATIO = 2.0
PLAY_FPS = 20
PLAY_SPEED = 250
MEMORY_GROWTH = 0.05


def open_window(path: str):
    """The application and a shown window on a read-only session."""
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PySide6.QtWidgets import QApplication

    from photofinish.app.application import application
    from photofinish.session import open_session
    from photofinish.ui.window.main_window import MainWindow

    app = application()
    session = open_session(Path(path), read_only=True)
    window = MainWindow(session, replay=False, restore=False)
    window.resize(1600, 900)
    window.show()
    for _ in range(3):
        QApplication.processEvents()
    return app, session, window


def paint_counter(widget):
    """An event filter counting a widget's paints (keep the returned object alive)."""
    from PySide6.QtCore import QEvent, QObject

    class Spy(QObject):
        paints = 0

        def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt naming
            if event.type() == QEvent.Type.Paint:
                self.paints += 1
            return False

    spy = Spy()
    widget.installEventFilter(spy)
    return spy


def steps_child(path: str, steps: int) -> None:
    """In a fresh process: time the replay steps, print them (ms) as JSON."""
    from PySide6.QtWidgets import QApplication

    _, session, window = open_window(path)
    chart = window.chart.viewport()
    spy = paint_counter(chart)
    import numpy as np

    clean = session.complete_analysis().clean
    times = np.sort(np.concatenate([t for t, _ in clean.values()]))
    replayer = window.replay_bar.replayer
    moments = np.quantile(times, [0.1 + 0.8 * i / steps for i in range(steps + 10)]).tolist()
    took, forced = [], 0
    for i, at in enumerate(moments):
        before = spy.paints
        t0 = time.perf_counter()
        replayer.seek(int(at))
        QApplication.processEvents()
        if spy.paints == before:
            chart.repaint()
            forced += 1
        if i >= 10:  # the first few warm up caches
            took.append((time.perf_counter() - t0) * 1000)
    print(json.dumps({"steps": took, "forced": forced}), flush=True)
    os._exit(0)


def play_child(path: str, seconds: float) -> None:
    """In a fresh process: play at 250x for a while; print frames, lateness and memory."""
    from PySide6.QtCore import QTimer

    app, session, window = open_window(path)
    spy = paint_counter(window.chart.viewport())
    first, last = session.time_span()
    bar = window.replay_bar
    bar.replayer.seek(int(first + (last - first) * 0.5))
    bar.set_speed(PLAY_SPEED)
    late: list[float] = []
    tick = QTimer()
    tick.setInterval(10)
    expected = [time.perf_counter() + 0.01]

    def on_tick() -> None:
        now = time.perf_counter()
        late.append(max(0.0, now - expected[0]) * 1000)
        expected[0] = now + 0.01

    tick.timeout.connect(on_tick)
    samples: list[float] = []
    sampler = QTimer()
    sampler.timeout.connect(lambda: samples.append(rss_mb()))
    sampler.start(500)
    start_rss = rss_mb()
    start_paints = spy.paints
    tick.start()
    bar.play()
    t0 = time.perf_counter()
    QTimer.singleShot(round(seconds * 1000), app.quit)
    app.exec()
    wall = time.perf_counter() - t0
    frames = spy.paints - start_paints
    played_ms = bar.replayer.position_ms - int(first + (last - first) * 0.5)
    result = {
        "fps": frames / wall,
        "late_p99": percentile(late, 99) if late else 0.0,
        "late_median": median(late) if late else 0.0,
        "rss_start": start_rss,
        "rss_end": rss_mb(),
        "rss_max": max(samples or [start_rss]),
        "speed": played_ms / (wall * 1000),
    }
    print(json.dumps(result), flush=True)
    os._exit(0)


def main() -> int:
    """Command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--session", type=Path, default=BIG)
    parser.add_argument("--baseline", type=Path, default=SAMPLE)
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--runs", type=int, default=3, help="fresh processes per session")
    parser.add_argument("--steps-child", metavar="SESSION", help=argparse.SUPPRESS)
    parser.add_argument("--play-child", metavar="SESSION", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.steps_child:
        steps_child(args.steps_child, args.steps)
    if args.play_child:
        play_child(args.play_child, args.seconds)
    sessions = {"baseline": need(args.baseline), "big": need(args.session)}
    print(f"replay: {args.session} vs baseline {args.baseline}, {args.runs} runs")
    steps: dict[str, list[float]] = {k: [] for k in sessions}
    plays: dict[str, list[dict[str, float]]] = {k: [] for k in sessions}
    for run in range(args.runs):
        for key, path in sessions.items():
            cmd = [PYTHON, __file__, "--steps-child", str(path), "--steps", str(args.steps)]
            _, _, text = run_child(cmd)
            result = json.loads(text.splitlines()[-1])
            steps[key] += result["steps"]
            cmd = [PYTHON, __file__, "--play-child", str(path), "--seconds", str(args.seconds)]
            _, peak, text = run_child(cmd)
            play = json.loads(text.splitlines()[-1])
            play["peak"] = peak
            plays[key].append(play)
            print(
                f"  run {run + 1} {key}: step median {median(result['steps']):.1f} ms "
                f"({result['forced']} forced repaints); playback {play['fps']:.1f} fps at "
                f"{play['speed']:.0f}x, lateness p99 {play['late_p99']:.0f} ms, RSS "
                f"{play['rss_start']:.0f} -> {play['rss_end']:.0f} MB (peak {peak:.0f} MB)",
                flush=True,
            )
    mid = median(steps["big"]), median(steps["baseline"])
    compare("replay step, median", *mid, "ms", 1)
    compare(
        "replay step, p95", percentile(steps["big"], 95), percentile(steps["baseline"], 95), "ms", 1
    )
    fps = median([p["fps"] for p in plays["big"]])
    compare(
        "playback at 250x, frames a second",
        fps,
        median([p["fps"] for p in plays["baseline"]]),
        "fps",
        1,
    )
    growth = max((p["rss_end"] - p["rss_start"]) / p["rss_start"] for p in plays["big"])
    late = median([p["late_p99"] for p in plays["big"]])
    print(
        f"playback on the big race: event-loop lateness p99 {late:.0f} ms; "
        f"memory growth {growth:+.1%}"
    )
    ratio = mid[0] / mid[1]
    verdict(
        "replay step",
        ratio <= STEP_RATIO,
        f"x{ratio:.2f} the 2009 race's (target: at most x{STEP_RATIO:g})",
    )
    verdict("playback at 250x", fps >= PLAY_FPS, f"{fps:.1f} fps (target: at least {PLAY_FPS})")
    verdict(
        "memory during playback",
        growth < MEMORY_GROWTH,
        f"{growth:+.1%} from start to end (target: flat, under {MEMORY_GROWTH:.0%})",
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
