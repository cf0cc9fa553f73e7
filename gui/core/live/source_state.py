"""What a live source is doing (ok, retrying, failing, paused) and the log lines it earns."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

STARTING = "starting"
OK = "ok"
RETRYING = "retrying"
FAILING = "failing"
PAUSED = "paused"
HELD = "held"  # readings cannot be stored: polling waits until they can

# After this many failed polls in a row a source is "failing" rather than
# "retrying": it keeps trying, but the trouble is no longer a blip.
FAILING_AFTER = 3


def _duration(seconds: float) -> str:
    s = max(0, round(seconds))
    if s < 60:
        return f"{s} s"
    if s < 3600:
        return f"{s // 60} min"
    h, m = divmod(s // 60, 60)
    return f"{h} h {m} min" if m else f"{h} h"


@dataclass
class SourceStatus:
    """One source's state as the window and the recorder show it."""

    label: str
    state: str = STARTING
    reason: str = ""
    retry_at: float | None = None  # epoch seconds of the next attempt after a failure
    last_ok_at: float | None = None
    last_count: int | None = None
    failures: int = 0
    trouble_since: float | None = None
    moved_to: str | None = None  # the account moved there (Mastodon); its count may drain

    def text(self, now: float) -> str:
        """A short line such as "ok", "retrying in 40 s: HTTP 503" or "failing: …"."""
        if self.state == OK:
            return f"ok; moved to {self.moved_to}" if self.moved_to else "ok"
        if self.state == PAUSED:
            return "paused"
        if self.state == HELD:
            return f"paused: cannot store readings ({self.reason})"
        if self.state == STARTING:
            return "starting"
        wait = ""
        if self.retry_at is not None:
            left = self.retry_at - now
            wait = f"retrying in {_duration(left)}" if left >= 1 else "retrying now"
        if self.state == RETRYING:
            return f"{wait}: {self.reason}" if wait else f"retrying: {self.reason}"
        return f"failing: {self.reason}" + (f" ({wait})" if wait else "")

    @property
    def healthy(self) -> bool:
        """Whether the last poll worked (or nothing has gone wrong yet)."""
        return self.state in (OK, STARTING, PAUSED)

    # -- changes; each returns the log line the change deserves, or None -------
    def succeeded(self, count: int | None, now: float) -> str | None:
        """A poll brought a reading (or a file brought new lines)."""
        was_in_trouble = self.state in (RETRYING, FAILING)
        since = self.trouble_since
        self.state, self.reason, self.retry_at = OK, "", None
        self.failures, self.trouble_since = 0, None
        self.last_ok_at = now
        if count is not None:
            self.last_count = count
        if was_in_trouble:
            took = f" after {_duration(now - since)}" if since is not None else ""
            return f"{self.label}: working again{took}"
        return None

    def failed(
        self, reason: str, now: float, retry_at: float | None, lasting: bool = False
    ) -> str | None:
        """A poll failed; the source will try again at ``retry_at``.

        ``lasting`` trouble (a wrong handle, a hidden count) is "failing" at once.
        """
        first = self.state not in (RETRYING, FAILING)
        self.failures += 1
        self.reason, self.retry_at = reason, retry_at
        if first:
            self.trouble_since = now
        self.state = FAILING if lasting or self.failures >= FAILING_AFTER else RETRYING
        if first:
            return f"{self.label}: {reason}; retrying"
        return None

    def paused(self) -> None:
        """The user paused the source."""
        self.state, self.reason, self.retry_at = PAUSED, "", None
        self.failures, self.trouble_since = 0, None

    def held(self, reason: str) -> None:
        """Readings cannot be stored (disk full, read-only): polling waits."""
        self.state, self.reason, self.retry_at = HELD, reason, None

    def released(self) -> None:
        """Storing works again: polling restarts."""
        if self.state == HELD:
            self.state, self.reason = STARTING, ""


def clock_text(epoch_s: float) -> str:
    """UTC time of day for a terminal line."""
    return datetime.fromtimestamp(epoch_s, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
