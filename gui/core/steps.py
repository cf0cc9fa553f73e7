"""Long jobs as generators of progress, driven by the window, a terminal or a test.

The window runs a few steps between events, a terminal draws a progress line,
a test runs them straight through.

A job yields ``(done, total)`` as it goes and returns its result. Closing it
early (``generator.close()``: a cancel button, Ctrl+C) runs its clean-up, so a
job that writes a file removes its temporary file.
"""

from __future__ import annotations

import time
from collections.abc import Generator
from typing import Any, TextIO

Progress = tuple[int, int]  # (done, total)
Steps = Generator[Progress, None, Any]


def run_steps(steps: Steps) -> Any:
    """Drive a job to its end without reporting; returns its result."""
    while True:
        try:
            next(steps)
        except StopIteration as stop:
            return stop.value


def progress_line(label: str, done: int, total: int, unit: str) -> str:
    """One line of progress, such as "Exporting: 45% (90 of 200 frames)"."""
    if total <= 0:
        return f"{label}: {done:,} {unit}"
    return f"{label}: {done * 100 // total}% ({done:,} of {total:,} {unit})"


def run_with_progress(
    steps: Steps, label: str, unit: str, stream: TextIO, every_s: float = 0.1
) -> Any:
    """Drive a job, redrawing one progress line on ``stream`` when it is a terminal.

    When ``stream`` is not a terminal nothing is printed. Ctrl+C (or any
    exception) closes the job, so it cleans up, and is raised again.
    """
    tty = stream.isatty()
    last = 0.0
    shown = False
    try:
        while True:
            try:
                done, total = next(steps)
            except StopIteration as stop:
                return stop.value
            now = time.monotonic()
            if tty and (now - last >= every_s or done == total):
                last = now
                stream.write("\r\x1b[2K" + progress_line(label, done, total, unit))
                stream.flush()
                shown = True
    except BaseException:
        steps.close()
        raise
    finally:
        if shown:
            stream.write("\n")
            stream.flush()
