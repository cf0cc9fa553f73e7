"""One competitor's readings as parallel arrays: what the store fills and the analysis reads."""

from __future__ import annotations

import weakref
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from .model import BY_USER, FLAG_GLITCH, FLAG_OK, Snapshot

# Readings from sources with this prefix are public counts rounded to three
# significant digits (YouTube).
ROUNDED_SOURCE_PREFIX = "youtube:"

# A hand decision on a reading, as Series.user_flag holds it.
USER_NONE, USER_GLITCH, USER_OK = 0, 1, 2


@dataclass
class Series:
    """One competitor's readings, sorted by time (then count), as parallel arrays."""

    handle: str
    ids: np.ndarray  # row ids; empty when not loaded (see id_of)
    at_ms: np.ndarray
    count: np.ndarray
    user_flag: np.ndarray
    # True where the count is a public figure rounded to three significant
    # digits (YouTube); None when no reading is rounded.
    rounded: np.ndarray | None = None
    # True where an earlier analysis stored the reading as an automatic
    # glitch (see Settled); None when nothing was stored.
    auto: np.ndarray | None = None

    @classmethod
    def from_snapshots(cls, handle: str, snapshots: Iterable[Snapshot]) -> Series:
        """Build a series from snapshots of one competitor, in any order."""
        rows = [
            (
                s.at_ms,
                s.count,
                -1 if s.id is None else s.id,
                _user_code(s.flag, s.flagged_by),
                int(s.source.startswith(ROUNDED_SOURCE_PREFIX)),
            )
            for s in snapshots
            if s.handle == handle
        ]
        rows.sort()
        if not rows:
            return cls.empty(handle)
        arr = np.array(rows, dtype=np.int64)
        rounded = arr[:, 4].astype(bool) if arr[:, 4].any() else None
        return cls(handle, arr[:, 2], arr[:, 0], arr[:, 1], arr[:, 3].astype(np.int8), rounded)

    @classmethod
    def empty(cls, handle: str) -> Series:
        """A series with no readings."""
        z = np.zeros(0, dtype=np.int64)
        return cls(handle, z, z, z, np.zeros(0, dtype=np.int8))

    def __len__(self) -> int:
        return int(self.at_ms.size)

    def extended(self, snapshots: Sequence[Snapshot]) -> Series | None:
        """The series with newer readings added at the end; None when they are not all newer."""
        if not snapshots:
            return self
        add = Series.from_snapshots(self.handle, snapshots)
        if len(self) and len(add) and add.at_ms[0] <= self.at_ms[-1]:
            return None
        n, k = len(self), len(add)
        rounded = None
        if self.rounded is not None or add.rounded is not None:
            rounded = _grown(
                self.rounded if self.rounded is not None else np.zeros(n, bool),
                add.rounded if add.rounded is not None else np.zeros(k, bool),
            )
        auto = None
        if self.auto is not None:
            auto = _grown(self.auto, np.zeros(k, bool))
        # Row ids stay unloaded when they were (a big session does not keep them).
        ids = _grown(self.ids, add.ids) if self.ids.size == n else self.ids
        count = add.count
        if self.count.dtype == np.int32 and (
            not k or (count.min() >= -(2**31) and count.max() < 2**31)
        ):
            count = count.astype(np.int32)
        return Series(
            self.handle,
            ids,
            _grown(self.at_ms, add.at_ms),
            _grown(self.count, count),
            _grown(self.user_flag, add.user_flag),
            rounded,
            auto,
        )

    def id_of(self, i: int) -> int | None:
        """The stored row id of reading ``i`` (None when unknown or not loaded)."""
        if self.ids.size != self.at_ms.size:
            return None
        sid = int(self.ids[i])
        return sid if sid >= 0 else None

    def part(self, lo: int, hi: int) -> Series:
        """The readings from index ``lo`` up to ``hi`` (views, not copies)."""
        return Series(
            self.handle,
            self.ids[lo:hi],
            self.at_ms[lo:hi],
            self.count[lo:hi],
            self.user_flag[lo:hi],
            None if self.rounded is None else self.rounded[lo:hi],
            None if self.auto is None else self.auto[lo:hi],
        )


def _grown(values: np.ndarray, more: np.ndarray) -> np.ndarray:
    """``values`` then ``more``, in room kept at the end of the same buffer when there is some.

    Live readings come a few at a time: copying millions for each batch churned
    memory. The buffer grows by half when full; readers only ever see the
    filled part (a view), which later additions do not touch.
    """
    n, k = values.size, more.size
    base = values.base if isinstance(values.base, np.ndarray) else None
    if (
        base is not None
        and base.ndim == 1
        and base.dtype == values.dtype == more.dtype
        and values.ctypes.data == base.ctypes.data
        and base.size >= n + k
        and _filled.get(id(base)) == n
    ):
        base[n : n + k] = more
        _filled[id(base)] = n + k
        return base[: n + k]
    dtype = np.result_type(values, more)
    base = np.empty(max(int((n + k) * 1.5), 1024), dtype=dtype)
    base[:n] = values
    base[n : n + k] = more
    _filled[id(base)] = n + k
    _forget_later(base)
    return base[: n + k]


# How much of each growing buffer is in use, by id; a buffer is forgotten when freed.
_filled: dict[int, int] = {}


def _forget_later(base: np.ndarray) -> None:
    weakref.finalize(base, _filled.pop, id(base), None)


def _user_code(flag: str, flagged_by: str) -> int:
    if flagged_by != BY_USER:
        return USER_NONE
    if flag == FLAG_GLITCH:
        return USER_GLITCH
    if flag == FLAG_OK:
        return USER_OK
    return USER_NONE
