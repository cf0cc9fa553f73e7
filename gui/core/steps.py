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
from collections.abc import Callable, Generator, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TextIO

Progress = tuple[int, int]  # (done, total)
Steps = Generator[Progress, None, Any]
CLEAR_LINE = "\r\x1b[2K"  # back to the start of the line, and blank it


def run_steps(steps: Steps) -> Any:
    """Drive a job to its end without reporting; returns its result."""
    while True:
        try:
            next(steps)
        except StopIteration as stop:
            return stop.value


def progress_line(label: str, done: int, total: int, unit: str) -> str:
    """One line of progress, such as "Exporting: 45% (90 of 200 frames)".

    Bytes are counted in kB, MB or GB: "Importing x.csv: 45% (155.2 of 345.0 MB)".
    """
    if unit == "bytes":
        return _bytes_line(label, done, total)
    if total <= 0:
        return f"{label}: {done:,} {unit}"
    return f"{label}: {done * 100 // total}% ({done:,} of {total:,} {unit})"


def _bytes_line(label: str, done: int, total: int) -> str:
    if total <= 0:
        return f"{label}: {size_text(done, total)}"
    return f"{label}: {done * 100 // total}% ({size_text(done, total)})"


def size_text(done: int, total: int) -> str:
    """How much of how many bytes, in one unit: "155.2 of 345.0 MB" ("155.2 MB" without a total)."""
    size = max(total, done, 1)
    scale, name = next(
        ((s, n) for s, n in ((10**9, "GB"), (10**6, "MB"), (10**3, "kB")) if size >= s),
        (1, "bytes"),
    )
    digits = 1 if scale > 1 else 0

    def amount(n: int) -> str:
        return f"{n / scale:,.{digits}f}"

    if total <= 0:
        return f"{amount(done)} {name}"
    return f"{amount(done)} of {amount(total)} {name}"


def stage_line(
    label: str, stages: Sequence[str], two_lines: bool = False
) -> Callable[[int, int], str]:
    """Describes a job whose steps are named stages, for a progress line or dialog.

    ``(done, total)`` counts the steps finished and the line names the stage
    under way (stage ``done``, the last one once past it): "Opening x.pfrace:
    loading the readings of Alpha… 25%". With ``two_lines`` (a dialog, whose
    bar shows the figure), the label and the stage are on lines of their own.
    """

    def describe(done: int, total: int) -> str:
        if not stages:
            return label
        stage = stages[min(max(done, 0), len(stages) - 1)]
        if two_lines:
            return f"{label}\n{stage[:1].upper()}{stage[1:]}…"
        share = f" {done * 100 // total}%" if total > 0 else ""
        return f"{label}: {stage}…{share}"

    return describe


def within(steps: Steps, before: int, total: int) -> Steps:
    """A job run as part of a bigger one: its ``done`` counts on from ``before``, of ``total``.

    Returns the inner job's result; closing the outer job closes the inner one.
    """
    try:
        while True:
            try:
                done, _ = next(steps)
            except StopIteration as stop:
                return stop.value
            yield before + done, total
    finally:
        steps.close()


@contextmanager
def terminal_status(stream: TextIO, text: str) -> Iterator[None]:
    """Show ``text`` on one line of ``stream`` while a step without progress runs.

    For work that cannot report how far it got: the line says what is going
    on, and is cleared afterwards. Nothing is written when ``stream`` is not a
    terminal. A progress line drawn meanwhile replaces it.
    """
    tty = stream.isatty()
    if tty:
        stream.write(CLEAR_LINE + text)
        stream.flush()
    try:
        yield
    finally:
        if tty:
            stream.write(CLEAR_LINE)
            stream.flush()


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
    describe: Callable[[int, int], str] | None = None,
    keep: bool = True,
) -> Any:
    """Drive a job, redrawing one progress line on ``stream`` when it is a terminal.

    When ``stream`` is not a terminal nothing is printed. When ``stop_asked``
    says so between steps, or on any exception (Ctrl+C included), the job is
    closed, so it cleans up; a stop is raised as ``KeyboardInterrupt``.
    ``describe(done, total)``, when given, writes the line instead of
    :func:`progress_line` (see :func:`stage_line`), and a new stage is drawn
    at once. The last line stays, ended, unless ``keep`` is false: then it is
    cleared (the progress of a job whose output says it all).
    """
    tty = stream.isatty()
    last = 0.0
    drawn: str | None = None
    try:
        while True:
            try:
                done, total = next(steps)
            except StopIteration as stop:
                return stop.value
            if stop_asked is not None and stop_asked():
                raise KeyboardInterrupt
            now = time.monotonic()
            if not tty:
                continue
            line = describe(done, total) if describe else None
            if now - last >= every_s or done == total or (line is not None and line != drawn):
                last = now
                drawn = line or progress_line(label, done, total, unit)
                stream.write(CLEAR_LINE + drawn)
                stream.flush()
    except BaseException:
        steps.close()
        raise
    finally:
        if drawn is not None:
            stream.write("\n" if keep else CLEAR_LINE)
            stream.flush()
