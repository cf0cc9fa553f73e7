"""One competitor's side of the analysis, kept up to date: glitch decisions, clean readings, marks.

A :class:`Track` holds what the race arithmetic needs of one competitor and
changes it in proportion to what changed in its readings: new readings at the
end are decided, the clean arrays grow in place, and the first clean reading
at or above each mark (the milestone, the "to go" thresholds) is looked for
only among readings it has not seen. Readings changed further back (a hand
flag, a deletion, another program's edit) redo the track from there.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from ..model import BY_AUTO, BY_USER
from ..series import USER_GLITCH, USER_NONE, USER_OK, Series
from .glitches import NEIGHBOUR_REACH, back, detect_from, pending_index
from .result import Glitch

EMPTY = np.zeros(0, dtype=np.int64)
# Marks are looked for in pieces of this many readings (no big temporaries).
SCAN_CHUNK = 1 << 20


class Column:
    """A column that grows at its end in room kept for it; a view handed out never changes.

    Appending writes past the end of every view handed out so far; anything
    else (changing readings already in the column) writes a new buffer, so an
    analysis made earlier keeps the arrays it was given.
    """

    def __init__(self, values: np.ndarray) -> None:
        self._buf = np.array(values)
        self._n = int(values.size)

    @property
    def view(self) -> np.ndarray:
        """The column as it is now (a view, not a copy)."""
        return self._buf[: self._n]

    def __len__(self) -> int:
        return self._n

    def replace_from(self, start: int, values: np.ndarray) -> int:
        """Make the column its first ``start`` values then ``values``; returns where it changed.

        The values already in place that ``values`` repeats are left as they
        are, so the common case, more at the end, appends in the same buffer.
        """
        n = self._n
        overlap = min(n - start, values.size)
        same = overlap
        if overlap > 0:
            differ = np.flatnonzero(self._buf[start : start + overlap] != values[:overlap])
            same = int(differ[0]) if differ.size else overlap
        changed = start + same
        if changed == n:  # nothing before the end changes: append
            self._append(values[same:])
            return changed
        # Readings already handed out change: a new buffer, the old views keep theirs.
        dtype = np.result_type(self._buf.dtype, values.dtype)
        size = start + values.size
        buf = np.empty(max(int(size * 1.25), 1024), dtype=dtype)
        buf[:start] = self._buf[:start]
        buf[start:size] = values
        self._buf, self._n = buf, size
        return changed

    def _append(self, more: np.ndarray) -> None:
        n, k = self._n, more.size
        if not k:
            return
        if self._buf.size < n + k or np.result_type(self._buf.dtype, more.dtype) != self._buf.dtype:
            dtype = np.result_type(self._buf.dtype, more.dtype)
            buf = np.empty(max(int((n + k) * 1.5), 1024), dtype=dtype)
            buf[:n] = self._buf[:n]
            self._buf = buf
        self._buf[n : n + k] = more
        self._n = n + k


class Track:
    """The analysis of one competitor's readings, made once and brought up to date after."""

    def __init__(
        self, series: Series, marks: Iterable[int], stored_until: int | None = None
    ) -> None:
        """Analyse ``series``; with ``stored_until``, take its stored decisions before then.

        ``series.auto`` holds the glitch decisions an earlier analysis stored
        (see :class:`~photofinish.core.model.Settled`); readings before
        ``stored_until`` keep them, and only the rest are decided again.
        """
        self.handle = series.handle
        self.series = series
        self._glitches: tuple[np.ndarray, list[Glitch]] | None = None
        self._same_glitches = 0  # how many of them still hold after an update
        self.marks = sorted(set(marks))
        n = len(series)
        start = 0
        if stored_until is not None and series.auto is not None:
            start = back(series, int(np.searchsorted(series.at_ms, stored_until)), NEIGHBOUR_REACH)
        auto = np.zeros(n, dtype=bool)
        if start:
            assert series.auto is not None
            auto[:start] = series.auto[:start] & (series.user_flag[:start] == USER_NONE)
        auto[start:] = detect_from(series, start)
        self.built_from = start  # decided here from this reading on; before, as stored
        self.auto = Column(auto)
        self.user_glitches = np.flatnonzero(series.user_flag == USER_GLITCH)
        self.user_kept = np.flatnonzero(series.user_flag == USER_OK)
        self.excluded = np.union1d(np.flatnonzero(auto), self.user_glitches)
        self.pending = pending_index(series, n, self.excluded)
        drop = self.excluded if self.pending < 0 else np.union1d(self.excluded, [self.pending])
        self.clean_t = Column(np.delete(series.at_ms, drop))
        self.clean_c = Column(np.delete(series.count, drop))
        self.first: dict[int, int | None] = {mark: None for mark in self.marks}
        self._scan(0)

    # -- reading ---------------------------------------------------------------------------
    def clean(self) -> tuple[np.ndarray, np.ndarray]:
        """The readings that count: times and counts, glitches and the provisional one left out."""
        return self.clean_t.view, self.clean_c.view

    def glitches(self, end: int) -> list[Glitch]:
        """The readings left out as glitches among the first ``end``, in order, and who said so."""
        if self._glitches is None or self._glitches[0] is not self.excluded:
            s = self.series
            # The first ones are as they were when only later readings changed (see update).
            found = self._glitches[1][: self._same_glitches] if self._glitches else []
            found += [
                Glitch(
                    s.handle,
                    int(s.at_ms[i]),
                    int(s.count[i]),
                    s.id_of(i),
                    BY_USER if s.user_flag[i] == USER_GLITCH else BY_AUTO,
                )
                for i in self.excluded[len(found) :].tolist()
            ]
            self._glitches = (self.excluded, found)
        return self._glitches[1][: int(np.searchsorted(self.excluded, end))]

    def kept(self, end: int) -> list[Glitch]:
        """The readings among the first ``end`` that the user said are real."""
        s = self.series
        return [
            Glitch(s.handle, int(s.at_ms[i]), int(s.count[i]), s.id_of(i), BY_USER)
            for i in self.user_kept[: int(np.searchsorted(self.user_kept, end))].tolist()
        ]

    def position(self, index: int) -> int:
        """Where reading ``index`` stands (or would stand) among the clean readings."""
        left_out = int(np.searchsorted(self.excluded, index))
        if 0 <= self.pending < index:
            left_out += 1
        return index - left_out

    # -- changing --------------------------------------------------------------------------
    def update(self, series: Series, changed: int) -> int | None:
        """Take ``series``, the same readings up to index ``changed`` and others after it.

        Returns the earliest time from which the clean readings may differ, or
        None when they do not (nothing new, or only readings left out).
        """
        self.series = series
        n = len(series)
        start = back(series, min(changed, n), NEIGHBOUR_REACH)
        auto = detect_from(series, start)
        self.auto.replace_from(start, auto)
        self.user_glitches = _from(self.user_glitches, start, series.user_flag, USER_GLITCH)
        self.user_kept = _from(self.user_kept, start, series.user_flag, USER_OK)
        kept = self.excluded[: np.searchsorted(self.excluded, start)]
        later = self.user_glitches[np.searchsorted(self.user_glitches, start) :]
        tail = np.union1d(start + np.flatnonzero(auto), later)
        if self._glitches is not None and self._glitches[0] is self.excluded:
            self._same_glitches = kept.size  # glitches() words only the rest again
        else:
            self._glitches, self._same_glitches = None, 0
        self.excluded = np.concatenate((kept, tail)).astype(np.int64)
        self.pending = pending_index(series, n, self.excluded)
        # The clean readings from ``start`` on: the rest of the series less what is left out.
        drop = tail - start
        if self.pending >= start:
            drop = np.union1d(drop, [self.pending - start])
        position = start - kept.size
        old_t = self.clean_t.view
        since = min(
            self.clean_t.replace_from(position, np.delete(series.at_ms[start:], drop)),
            self.clean_c.replace_from(position, np.delete(series.count[start:], drop)),
        )
        new_t = self.clean_t.view
        times = [int(t[since]) for t in (old_t, new_t) if since < t.size]
        if not times:
            return None  # the clean readings are as they were
        self._scan(since)
        return min(times)

    def _scan(self, start: int) -> None:
        """Find the first clean reading at or above each mark, among those from ``start`` on."""
        counts = self.clean_c.view
        for mark in self.marks:
            found = self.first[mark]
            if found is not None and found < start:
                continue
            self.first[mark] = _first_at_least(counts, mark, start)


def _from(found: np.ndarray, start: int, flags: np.ndarray, flag: int) -> np.ndarray:
    """Sorted indices where ``flags`` is ``flag``: those before ``start`` kept, the rest anew."""
    before = found[: np.searchsorted(found, start)]
    return np.concatenate((before, start + np.flatnonzero(flags[start:] == flag)))


def _first_at_least(counts: np.ndarray, mark: int, start: int) -> int | None:
    """The position of the first count at or above ``mark`` from ``start`` on, in pieces."""
    for lo in range(start, counts.size, SCAN_CHUNK):
        hit = counts[lo : lo + SCAN_CHUNK] >= mark
        i = int(np.argmax(hit))
        if hit.size and hit[i]:
            return lo + i
    return None
