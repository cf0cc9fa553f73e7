"""Headless rendering for the command line: the window or the chart to a file, replay clips."""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path


def _start() -> object:
    os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")
    from ..app.application import application

    return application()


def render_window(
    session_path: Path,
    out: Path,
    size: tuple[int, int],
    at_ms: int | None,
    range_ms: tuple[int, int] | None = None,
    scheme: str | None = None,
) -> None:
    """Render the window on a session, as of a moment (default: the end), to a PNG.

    ``scheme`` (system, light or dark) is used for this picture only; by
    default the picture follows the user's choice in View ▸ Appearance.
    """
    app = _start()
    from PySide6.QtWidgets import QApplication

    from ..ui import theme

    running = theme.ensure()
    if scheme is not None and running is not None:
        running.set_choice(scheme, remember=False)

    from ..session import open_session
    from ..ui.figures.chart_figure import save_image
    from ..ui.window.main_window import MainWindow

    session = open_session(session_path, read_only=True)
    if at_ms is not None:
        session.set_as_of(at_ms)
    window = MainWindow(session, replay=False, restore=False)
    try:
        window.resize(*size)
        window.show()
        for _ in range(3):
            app.processEvents()  # type: ignore[attr-defined]
        if range_ms is None:
            window.chart.back_to_live()
        else:
            window.chart.show_range(*range_ms)
        for _ in range(3):
            app.processEvents()  # type: ignore[attr-defined]
        save_image(window.grab().toImage(), out)
    finally:
        window.close()
        window.deleteLater()
        QApplication.processEvents()


def render_chart(
    session_path: Path,
    out: Path,
    size: tuple[int, int],
    at_ms: int | None,
    range_ms: tuple[int, int] | None,
    fmt: str,
) -> None:
    """Render the export figure of the chart (title, names, zone, credit) to PNG or SVG."""
    _start()
    from ..session import open_session
    from ..ui.figures.chart_figure import ChartFigure, chart_png, chart_svg, dispose

    session = open_session(session_path, read_only=True)
    try:
        if at_ms is not None:
            session.set_as_of(at_ms)
        x_range = None if range_ms is None else (range_ms[0] / 1000, range_ms[1] / 1000)
        figure = ChartFigure(session, x_range)
        try:
            if fmt == "svg":
                chart_svg(figure, size, out)
            else:
                chart_png(figure, size, out)
        finally:
            dispose(figure)
    finally:
        session.close()
        session.deleteLater()


def render_clip(
    session_path: Path,
    out: Path,
    size: tuple[int, int],
    seconds: float,
    fps: int,
    range_ms: tuple[int, int] | None,
) -> int:
    """Render a replay clip, with a progress line on stderr when it is a terminal."""
    _start()
    from ..core.steps import deferred_interrupts, run_with_progress
    from ..ui.figures.clip import clip_steps

    steps = clip_steps(session_path, out, size, seconds, fps, range_ms)
    with deferred_interrupts() as stop_asked:
        label = f"Rendering {out.name}"
        try:
            done = run_with_progress(steps, label, "frames", sys.stderr, stop_asked=stop_asked)
        except KeyboardInterrupt:
            if stop_asked() == signal.SIGTERM:  # stopped, not interrupted: 128 + 15
                raise SystemExit(128 + signal.SIGTERM) from None
            raise
        return int(done)
