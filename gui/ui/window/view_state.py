"""What the user was looking at: saved per session in the file, per user in QSettings.

The session file keeps the view of that race (time range or live-follow, log
filter, splitter positions, y scale, replay moment) in its ``view_state``
table; window geometry belongs to the user and lives in QSettings. The window
hands over the parts that make up its view (:class:`ViewParts`); nothing here
knows the window itself.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from PySide6.QtCore import QByteArray
from PySide6.QtWidgets import QCheckBox, QMainWindow, QSplitter

from ... import settings
from ...core.errors import StoreError
from ...session import Session
from ..plots.race_chart import RaceChart
from ..widgets.event_log.model import KINDS
from ..widgets.event_log.view import EventLog
from ..widgets.replay_bar import Replayer

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ViewParts:
    """The widgets whose state makes up a window's view of its race."""

    session: Session
    chart: RaceChart
    log_panel: EventLog
    log_scale: QCheckBox
    main_split: QSplitter
    plots_split: QSplitter
    replayer: Replayer


def capture(parts: ViewParts) -> dict[str, str]:
    """What a window shows, as text values."""
    (x0, x1), _ = parts.chart.getViewBox().viewRange()
    as_of = parts.session.as_of_ms
    return {
        "follow": "1" if parts.chart.following else "0",
        "x_range": f"{x0:.3f},{x1:.3f}",
        "log_y": "1" if parts.chart.log_y else "0",
        "log_kinds": ",".join(sorted(parts.log_panel.shown_kinds())),
        "log_search": parts.log_panel.search.text(),
        "split_main": ",".join(str(n) for n in parts.main_split.sizes()),
        "split_plots": ",".join(str(n) for n in parts.plots_split.sizes()),
        "as_of": "" if as_of is None else str(as_of),
    }


def apply(parts: ViewParts, state: dict[str, str]) -> None:
    """Show what a saved state describes; a damaged value is logged and skipped."""
    if not state:
        return
    try:
        _apply(parts, state)
    except (ValueError, TypeError):
        log.warning("Ignoring a damaged saved view: %r", state, exc_info=True)


def _apply(parts: ViewParts, state: dict[str, str]) -> None:
    as_of = state.get("as_of", "")
    if as_of:
        parts.replayer.seek(int(as_of))
    if "log_y" in state:
        parts.log_scale.setChecked(state["log_y"] == "1")
    if "log_kinds" in state:
        parts.log_panel.set_kinds({k for k in state["log_kinds"].split(",") if k in KINDS})
    if "log_search" in state:
        parts.log_panel.search.setText(state["log_search"])
    for key, splitter in (("split_main", parts.main_split), ("split_plots", parts.plots_split)):
        if state.get(key):
            sizes = [int(n) for n in state[key].split(",")]
            if len(sizes) == splitter.count() and all(n > 0 for n in sizes):
                splitter.setSizes(sizes)
    if state.get("follow") == "0" and state.get("x_range"):
        x0, x1 = (float(v) for v in state["x_range"].split(","))
        if x1 > x0:
            parts.chart.show_range(int(x0 * 1000), int(x1 * 1000))
            return
    parts.chart.back_to_live()


def load(session: Session) -> dict[str, str]:
    """The view state stored in a session ({} when unreadable)."""
    try:
        return session.saved_view()
    except StoreError:  # an unreadable view state must not stop the window
        log.warning("Could not read the saved view", exc_info=True)
        return {}


def save(parts: ViewParts) -> bool:
    """Store the window's view in its session (not for a read-only session)."""
    if parts.session.read_only:
        return False
    try:
        parts.session.save_view(capture(parts))
    except StoreError:  # closing must go on; the readings are safe
        log.warning("Could not save the view in the session", exc_info=True)
        return False
    return True


def restore_geometry(window: QMainWindow) -> None:
    """Put the window where the user last had one."""
    s = settings.settings()
    geometry = s.value("window/geometry")
    if isinstance(geometry, QByteArray) and not geometry.isEmpty():
        window.restoreGeometry(geometry)
    state = s.value("window/state")
    if isinstance(state, QByteArray) and not state.isEmpty():
        window.restoreState(state)


def save_geometry(window: QMainWindow) -> None:
    """Remember where the window is, for the next one."""
    s = settings.settings()
    s.setValue("window/geometry", window.saveGeometry())
    s.setValue("window/state", window.saveState())
    s.sync()
