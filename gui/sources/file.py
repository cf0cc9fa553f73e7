"""One file source: follows a CSV or JSON Lines file that another program appends to."""

from __future__ import annotations

import logging
import os
import time
from zoneinfo import ZoneInfo

from PySide6.QtCore import QFileSystemWatcher, QObject, QTimer, Signal, Slot

from ..core.live.follow import FileFollower, FollowError
from ..core.live.specs import SourceSpec

log = logging.getLogger(__name__)


class FilePoller(QObject):
    """Reads new complete lines on a timer, and at once when the file system says it changed."""

    rows = Signal(list, float)  # list[ParsedRow], epoch seconds
    failed = Signal(str, float, bool)  # reason, epoch seconds of the next look, lasting
    polled = Signal(float)  # a look worked; epoch seconds of the next one
    notice = Signal(str)  # truncation, rotation, bad lines: worth a line in the status

    def __init__(
        self, spec: SourceSpec, interval_s: float, zone: ZoneInfo, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.spec = spec
        self.interval_s = interval_s
        self.follower = FileFollower(spec.target, zone)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.poll)
        self._watcher = QFileSystemWatcher(self)
        self._watcher.fileChanged.connect(self._on_watcher_file_changed)
        self._failing = False

    def start(self, delay_s: float = 0.0) -> None:
        """Look now (or after a delay), then on schedule."""
        self._timer.start(round(max(0.0, delay_s) * 1000))

    def stop(self) -> None:
        """Stop following."""
        self._timer.stop()
        files = self._watcher.files()
        if files:
            self._watcher.removePaths(files)

    @property
    def busy(self) -> bool:
        """Reading a file is synchronous: never in flight between events."""
        return False

    @Slot(str)
    def _on_watcher_file_changed(self, _path: str) -> None:
        # Coalesce bursts of writes: look shortly, not once per write.
        if not self._timer.isActive() or self._timer.remainingTime() > 100:
            self._timer.start(50)

    @Slot()
    def poll(self) -> None:
        """Read what was added since the last look."""
        now = time.time()
        next_at = now + self.interval_s
        try:
            result = self.follower.poll()
        except FollowError as exc:
            self._failing = True
            self.failed.emit(str(exc), next_at, False)
            self._timer.start(round(self.interval_s * 1000))
            return
        if self.spec.target not in self._watcher.files() and os.path.isfile(self.spec.target):
            # Watch again after a rotation (the watcher follows the old inode).
            self._watcher.addPath(self.spec.target)
        if result.notice:
            self.notice.emit(result.notice)
        for skipped in result.skipped:
            log.warning("%s line %d skipped: %s", self.spec.target, skipped.line, skipped.reason)
        if result.skipped:
            first = result.skipped[0]
            more = f" (and {len(result.skipped) - 1} more)" if len(result.skipped) > 1 else ""
            self.notice.emit(f"line {first.line} skipped: {first.reason}{more}")
        if result.rows:
            self.rows.emit(list(result.rows), now)
        self.polled.emit(next_at)
        # A big backlog is read a chunk at a time, letting the window breathe between.
        self._timer.start(0 if result.more else round(self.interval_s * 1000))
