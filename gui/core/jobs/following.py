"""A stored race's analysis kept current as readings arrive, for a recorder without a window.

The window's :class:`~photofinish.session.Session` does the same on the Qt
event loop; both grow the loaded series by the same rule (:func:`grow`) and
keep what the analysis decides in the file, so events are derived while a
race is recorded, not only when the recorder stops.
"""

from __future__ import annotations

import numpy as np

from ..analysis.race import fingerprint
from ..analysis.result import RaceAnalysis
from ..analysis.state import RaceState
from ..model import Snapshot
from ..series import Series
from ..store import Store
from .analysis import refresh_derived


def grow(
    store: Store, series: dict[str, Series], new: list[Snapshot]
) -> dict[str, tuple[Series, int]]:
    """Add new readings to loaded series; returns each changed series and where it changed.

    Readings after the loaded ones are appended; any earlier one (a late
    reading, a history) reads that competitor again from the file.
    """
    changes: dict[str, tuple[Series, int]] = {}
    for handle in {s.handle for s in new}:
        mine = [s for s in new if s.handle == handle]
        old = series.get(handle, Series.empty(handle))
        grown = old.extended(mine)
        changed = len(old)
        if grown is None:  # not all after the readings loaded: read them all again
            grown = store.series(handle)
            changed = int(np.searchsorted(grown.at_ms, min(s.at_ms for s in mine)))
        series[handle] = grown
        changes[handle] = (grown, changed)
    return changes


class Following:
    """The analysis of what a recorder stores, brought up to date with each batch."""

    def __init__(self, store: Store) -> None:
        self.store = store
        # The race as it was when recording began: a competitor another program adds
        # later (an import of someone else's readings) is not this recorder's to follow.
        self.handles = {c.handle for c in store.competitors()}
        self._load()

    def _load(self) -> None:
        store = self.store
        race = store.race()
        comps = [c for c in store.competitors() if c.handle in self.handles]
        self.series = {c.handle: store.series(c.handle) for c in comps}
        settled = store.settled(fingerprint(race, comps))
        self.state = RaceState(race, comps, self.series, settled)
        self._version = store.data_version()

    def add(self, new: list[Snapshot]) -> RaceAnalysis:
        """Take readings just stored; store what the analysis now decides and return it.

        When another program wrote to the file meanwhile (a window's hand
        flag, an edit), everything is read again first.
        """
        if self.store.data_version() != self._version:
            self._load()
        elif new:
            mine = [s for s in new if s.handle in self.handles]
            self.state.update(grow(self.store, self.series, mine))
        result = self.state.complete()
        refresh_derived(self.store, result)
        self._version = self.store.data_version()
        return result
