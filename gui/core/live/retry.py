"""When to poll a live source next: the interval, rate-limit headers and jittered backoff."""

from __future__ import annotations

import random
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

MAX_WAIT_S = 3600.0
"""No header can make a source wait longer than this (a misconfigured server
asking for a day would otherwise silence the race)."""

# A reset below this is a number of seconds to wait, not an epoch time (2001-09-09).
_EPOCH_FLOOR = 1_000_000_000
_NUMBER_RE = re.compile(r"[0-9]+(?:\.[0-9]+)?")


def _header(headers: Mapping[str, str], name: str) -> str | None:
    """The value of header ``name``, looked up case-insensitively, stripped."""
    name = name.lower()
    for key, value in headers.items():
        if isinstance(key, str) and key.lower() == name and isinstance(value, str):
            return value.strip()
    return None


def _parse_when(value: str, now: float) -> float | None:
    """Seconds from ``now`` until an ISO 8601 or HTTP date, at least 0; None if garbage."""
    when: datetime | None = None
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    try:
        return max(0.0, when.timestamp() - now)
    except (OverflowError, OSError, ValueError):
        return None


def retry_after_s(headers: Mapping[str, str], now: float) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP date), or None."""
    value = _header(headers, "Retry-After")
    if not value:
        return None
    if _NUMBER_RE.fullmatch(value):
        return float(value)
    return _parse_when(value, now)


def rate_limit_reset_s(headers: Mapping[str, str], now: float) -> float | None:
    """Seconds until the rate limit resets, only when the reply says none is left; else None.

    Reads ``X-RateLimit-Remaining``/``X-RateLimit-Reset`` (GitHub: epoch seconds;
    Mastodon: an ISO 8601 time) and the unprefixed ``RateLimit-*`` pair
    (Bluesky: epoch seconds). A small number is taken as seconds to wait.
    """
    for prefix in ("X-RateLimit-", "RateLimit-"):
        remaining = _header(headers, prefix + "Remaining")
        if remaining is None:
            continue
        if not _NUMBER_RE.fullmatch(remaining) or float(remaining) != 0:
            return None
        reset = _header(headers, prefix + "Reset")
        if not reset:
            return None
        if _NUMBER_RE.fullmatch(reset):
            seconds = float(reset)
            if seconds < _EPOCH_FLOOR:
                return seconds
            return max(0.0, seconds - now)
        return _parse_when(reset, now)
    return None


@dataclass
class RetryPolicy:
    """Delays between polls of one source: deterministic under a seeded ``rng``."""

    interval_s: float
    base_s: float = 5.0
    max_s: float = 900.0
    rng: random.Random = field(default_factory=random.Random)
    failures: int = 0

    def after_success(self, headers: Mapping[str, str], now: float) -> float:
        """Reset the failure count; the delay until the next poll (longer if rate-limited)."""
        self.failures = 0
        reset = rate_limit_reset_s(headers, now)
        if reset is None:
            return self.interval_s
        return max(self.interval_s, min(reset, MAX_WAIT_S))

    def after_failure(self, headers: Mapping[str, str], now: float) -> float:
        """Count a failure; the delay until the retry: jittered exponential backoff.

        The backoff is ``base_s * 2**(failures - 1)``, capped at ``max_s``, times
        a random factor in [0.5, 1.0] (so sources that failed together spread
        out); never less than a Retry-After or rate-limit reset, never more
        than ``MAX_WAIT_S``.
        """
        self.failures += 1
        backoff = min(self.max_s, self.base_s * 2.0 ** min(self.failures - 1, 60))
        delay = backoff * self.rng.uniform(0.5, 1.0)
        for told in (retry_after_s(headers, now), rate_limit_reset_s(headers, now)):
            if told is not None:
                delay = max(delay, told)
        return min(delay, MAX_WAIT_S)
