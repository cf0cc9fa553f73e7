"""Long jobs as generators of progress, driven by the window, a terminal or a test.

The window runs a few steps between events, a terminal draws a progress line,
a test runs them straight through.

A job yields ``(done, total)`` as it goes and returns its result. Closing it
early (``generator.close()``: a cancel button, Ctrl+C) runs its clean-up, so a
job that writes a file removes its temporary file.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Callable, Generator, Iterator
from contextlib import contextmanager
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


@contextmanager
def deferred_interrupts() -> Iterator[Callable[[], int]]:
    """Hold Ctrl+C (SIGINT) and SIGTERM until the job's next step.

    Yields a function giving the first signal received (0 while none was).

    A ``KeyboardInterrupt`` raised in the middle of Qt painting a frame (Python
    code called back from C++) can crash the process; the driver checks the
    flag between steps and stops the job cleanly instead.
    """
    asked: list[int] = []

    def note(signum: int, frame: object) -> None:
        asked.append(signum)

    previous = {sig: signal.signal(sig, note) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield lambda: asked[0] if asked else 0
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def run_with_progress(
    steps: Steps,
    label: str,
    unit: str,
    stream: TextIO,
    every_s: float = 0.1,
    stop_asked: Callable[[], object] | None = None,
) -> Any:
    """Drive a job, redrawing one progress line on ``stream`` when it is a terminal.

    When ``stream`` is not a terminal nothing is printed. When ``stop_asked``
    says so between steps, or on any exception (Ctrl+C included), the job is
    closed, so it cleans up; a stop is raised as ``KeyboardInterrupt``.
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
            if stop_asked is not None and stop_asked():
                raise KeyboardInterrupt
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
