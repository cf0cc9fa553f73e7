"""What the user was looking at: saved per session in the file, per user in QSettings.

The session file keeps the view of that race (time range or live-follow, log
filter, splitter positions, y scale, replay moment) in its ``view_state``
table; window geometry belongs to the user and lives in QSettings.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray

from . import settings
from .event_log import KINDS

if TYPE_CHECKING:
    from .main_window import MainWindow

log = logging.getLogger(__name__)


def capture(window: MainWindow) -> dict[str, str]:
    """What a window shows, as text values."""
    (x0, x1), _ = window.chart.getViewBox().viewRange()
    as_of = window.session.as_of_ms
    return {
        "follow": "1" if window.chart.following else "0",
        "x_range": f"{x0:.3f},{x1:.3f}",
        "log_y": "1" if window.chart.log_y else "0",
        "log_kinds": ",".join(sorted(window.log_panel.shown_kinds())),
        "log_search": window.log_panel.search.text(),
        "split_main": ",".join(str(n) for n in window.split.sizes()),
        "split_plots": ",".join(str(n) for n in window.plots.sizes()),
        "as_of": "" if as_of is None else str(as_of),
    }


def apply(window: MainWindow, state: dict[str, str]) -> None:
    """Show what a saved state describes; a damaged value is logged and skipped."""
    if not state:
        return
    try:
        _apply(window, state)
    except (ValueError, TypeError):
        log.warning("Ignoring a damaged saved view: %r", state, exc_info=True)


def _apply(window: MainWindow, state: dict[str, str]) -> None:
    as_of = state.get("as_of", "")
    if as_of:
        window.replay_bar.replayer.seek(int(as_of))
    if "log_y" in state:
        window.log_check.setChecked(state["log_y"] == "1")
    if "log_kinds" in state:
        window.log_panel.set_kinds({k for k in state["log_kinds"].split(",") if k in KINDS})
    if "log_search" in state:
        window.log_panel.search.setText(state["log_search"])
    for key, splitter in (("split_main", window.split), ("split_plots", window.plots)):
        if state.get(key):
            sizes = [int(n) for n in state[key].split(",")]
            if len(sizes) == splitter.count() and all(n > 0 for n in sizes):
                splitter.setSizes(sizes)
    if state.get("follow") == "0" and state.get("x_range"):
        x0, x1 = (float(v) for v in state["x_range"].split(","))
        if x1 > x0:
            window.chart.show_range(int(x0 * 1000), int(x1 * 1000))
            return
    window.chart.back_to_live()


def load(window: MainWindow) -> dict[str, str]:
    """The view state stored in the window's session ({} when unreadable)."""
    try:
        return window.session.saved_view()
    except Exception:  # noqa: BLE001 - an unreadable view state must not stop the window
        log.warning("Could not read the saved view", exc_info=True)
        return {}


def save(window: MainWindow) -> bool:
    """Store the window's view in its session (not for a read-only session)."""
    if window.session.read_only:
        return False
    try:
        window.session.save_view(capture(window))
    except Exception:  # noqa: BLE001 - closing must go on; the readings are safe
        log.warning("Could not save the view in the session", exc_info=True)
        return False
    return True


def restore_geometry(window: MainWindow) -> None:
    """Put the window where the user last had one."""
    s = settings.settings()
    geometry = s.value("window/geometry")
    if isinstance(geometry, QByteArray) and not geometry.isEmpty():
        window.restoreGeometry(geometry)
    state = s.value("window/state")
    if isinstance(state, QByteArray) and not state.isEmpty():
        window.restoreState(state)


def save_geometry(window: MainWindow) -> None:
    """Remember where the window is, for the next one."""
    s = settings.settings()
    s.setValue("window/geometry", window.saveGeometry())
    s.setValue("window/state", window.saveState())
    s.sync()
