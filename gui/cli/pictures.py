"""The picture commands: ``screenshot`` and ``clip``, rendered headless."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

from ..core.model import zone_of
from ..core.store import Store
from .common import has_display, moment, writable_target
from .parser import UsageError


def _time_range(command: str, zone: ZoneInfo, texts: list[str] | None) -> tuple[int, int] | None:
    """--range START END as UTC milliseconds, checked."""
    from ..core.importing.values import parse_timestamp

    if texts is None:
        return None
    try:
        start, end = (parse_timestamp(t, zone) for t in texts)
    except ValueError as exc:
        raise UsageError(f"{command}: --range: {exc}") from None
    if end <= start:
        raise UsageError(f"{command}: --range: the end must come after the start")
    return start, end


def cmd_screenshot(args: argparse.Namespace) -> int:
    """Render the window, or just the chart, offscreen to PNG (or the chart to SVG)."""
    fmt = args.format or ("svg" if Path(args.out).suffix.lower() == ".svg" else "png")
    if fmt == "svg" and not args.chart_only:
        raise UsageError("screenshot: SVG is for the chart alone; add --chart-only")
    out = writable_target(args.out)
    with Store.open(args.session, read_only=True) as store:
        zone = zone_of(store.race().display_tz)
    at_ms = moment("screenshot", args.at, zone)
    range_ms = _time_range("screenshot", zone, args.range)
    if not has_display():
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from ..core.steps import terminal_status

    # One step without progress of its own: a line on a terminal says what is going on.
    with terminal_status(sys.stderr, f"Rendering {out.name}: reading the race and drawing it…"):
        from ..headless.render import render_chart, render_window

        if args.chart_only:
            render_chart(Path(args.session), out, args.size or (1200, 675), at_ms, range_ms, fmt)
        else:
            render_window(
                Path(args.session), out, args.size or (1600, 900), at_ms, range_ms, args.scheme
            )
    print(out)
    return 0


def cmd_clip(args: argparse.Namespace) -> int:
    """Render a replay of the race into a GIF or MP4, with progress on a terminal."""
    from ..core.clip_writers import ClipError, check_clip

    out = writable_target(args.out)
    try:
        check_clip(out, args.size, args.seconds, args.fps)
    except ClipError as exc:
        raise UsageError(f"clip: {exc}") from None
    with Store.open(args.session, read_only=True) as store:
        zone = zone_of(store.race().display_tz)
    range_ms = _time_range("clip", zone, args.range)
    if not has_display():
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from ..core.steps import terminal_status

    try:
        # Until the first frame is drawn (reading the race), a line says so; then the frames count.
        with terminal_status(sys.stderr, f"Rendering {out.name}: reading the race…"):
            from ..headless.render import render_clip

            frames = render_clip(
                Path(args.session), out, args.size, args.seconds, args.fps, range_ms
            )
    except ClipError as exc:
        print(f"photofinish: error: clip: {exc}", file=sys.stderr)
        return 1
    print(f"{frames:,} frames written to {out}", file=sys.stderr)
    print(out)
    return 0
