"""A GitHub repository's whole star history, as one reading a day, read a page at a time.

GitHub's REST API answers ``GET /repos/{owner}/{repo}/stargazers/history``
with weeks, newest first: ``{"week": <Unix time of a Sunday>, "total": n,
"days": [7 counts]}``, thirty to a page, at most a hundred pages, the next
page named in the ``Link`` header. The days' counts add up to the current
star count, so the total at the end of any day is the current count less the
stars given after it: each page can be stored as it comes, newest first, and
a stop keeps what came. A day is stored once it is over (never a reading in
the future); the live count takes over from today. No other service that
Photo Finish follows publishes a history of its counts.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from .fetch import Fetch, FetchError
from .replies import ReadingError, missing_text
from .retry import MAX_WAIT_S, rate_limit_reset_s, retry_after_s
from .specs import HttpRequest, SourceSpec, request_for

HISTORY_SOURCE = "history"  # the source written on readings that come from a history
MAX_PAGES = 100  # GitHub serves no more
DAY_MS = 86_400_000
WAIT_STEP_S = 1.0  # a rate-limit wait is told (and can be stopped) this often

_LINK_RE = re.compile(r'<([^>]+)>\s*;\s*rel="?([a-z]+)"?')
_PAGE_RE = re.compile(r"[?&]page=(\d+)")

Progress = tuple[int, int]  # (pages read, pages in all; 0 while unknown)
Store = Callable[[list[tuple[int, int]]], None]  # stores (at_ms, total) readings


def has_history(spec: SourceSpec) -> bool:
    """Whether a source's service publishes a history of its count (GitHub stars only)."""
    return spec.kind == "github-stars"


def no_history_text(spec: SourceSpec) -> str:
    """Why a source has no history to fetch."""
    return (
        f"{spec.label()}: only GitHub keeps a public history (of a repository's stars); "
        "this count is followed from now on"
    )


@dataclass
class HistoryResult:
    """How a history load went: readings stored, pages read, and where it stopped."""

    readings: int = 0
    pages: int = 0
    first_ms: int | None = None  # the oldest reading stored
    complete: bool = False  # every page was read
    waited_s: float = 0.0  # time spent waiting for the rate limit
    waiting_until: float | None = None  # epoch seconds, while a wait is under way


def history_request(spec: SourceSpec, secret: str = "", url: str | None = None) -> HttpRequest:
    """The GET of the first page of a repository's star history (or of ``url``, a next page)."""
    first = request_for(spec, secret)
    if url is None:
        url = f"{first.url}/stargazers/history"
    return HttpRequest(url, first.headers, url)


def next_page(link: str, base_url: str) -> tuple[str | None, int]:
    """The ``Link`` header's next page (only on the same origin), and the last page's number."""
    links = {rel: url for url, rel in _LINK_RE.findall(link or "")}
    last = _PAGE_RE.findall(links.get("last", ""))
    pages = int(last[0]) if last else 0
    url = links.get("next")
    if url is not None:
        here, there = urlsplit(base_url), urlsplit(url)
        if (here.scheme, here.hostname, here.port) != (there.scheme, there.hostname, there.port):
            raise ReadingError(
                f"the next page of the history is on {there.hostname or 'another server'}; "
                "not followed",
                retry=False,
            )
    return url, pages


def read_weeks(body: bytes) -> list[tuple[int, list[int]]]:
    """The weeks of one page, newest first: (Sunday's Unix time, seven counts)."""
    try:
        doc: Any = json.loads(body)
    except (ValueError, RecursionError):
        raise ReadingError("the history reply is not valid JSON") from None
    if not isinstance(doc, list):
        raise ReadingError("the history reply is not a list of weeks")
    weeks: list[tuple[int, list[int]]] = []
    for item in doc:
        week = item.get("week") if isinstance(item, dict) else None
        days = item.get("days") if isinstance(item, dict) else None
        if (
            not isinstance(week, int)
            or isinstance(week, bool)
            or not isinstance(days, list)
            or len(days) != 7
            or not all(isinstance(d, int) and not isinstance(d, bool) and d >= 0 for d in days)
        ):
            raise ReadingError("a week in the history reply is not {week, total, days[7]}")
        weeks.append((week, days))
    return sorted(weeks, key=lambda w: -w[0])


class _Days:
    """Running totals from the newest day back: the count at the end of each day that is over."""

    def __init__(self, current: int, now_ms: int) -> None:
        self.left = current  # the total at the end of the day being looked at
        self.now_ms = now_ms
        self.done = False  # past the first star: older days are all zero
        self.oldest_ms: int | None = None  # the start of the oldest day seen

    def readings(self, weeks: list[tuple[int, list[int]]]) -> list[tuple[int, int]]:
        out: list[tuple[int, int]] = []
        for week, days in weeks:
            for i in range(6, -1, -1):
                if self.done:
                    return out
                end = week * 1000 + (i + 1) * DAY_MS
                if end <= self.now_ms:
                    out.append((end, max(self.left, 0)))
                    if self.left <= 0:
                        self.done = True  # the day before the first star: the curve starts at 0
                self.left -= days[i]
                self.oldest_ms = end - DAY_MS
        return out

    def last(self) -> list[tuple[int, int]]:
        """After the oldest page: a zero before the first star, when no day said so yet."""
        if self.done or self.oldest_ms is None or self.left > 0 or self.oldest_ms > self.now_ms:
            return []
        self.done = True
        return [(self.oldest_ms, 0)]


def history_steps(
    spec: SourceSpec,
    fetch: Fetch,
    current: int,
    store: Store,
    secret: str = "",
    now_ms: int | None = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.time,
    result: HistoryResult | None = None,
) -> Generator[Progress, None, HistoryResult]:
    """Read a repository's star history page by page, storing each page's readings.

    ``current`` is the repository's star count now (the sum of every day).
    Yields ``(pages read, pages in all)`` after each page, and once a second
    while it waits out GitHub's rate limit (``result.waiting_until`` says
    until when; pass ``result`` to read it as it goes). Closing the generator
    stops it: what was stored stays. Raises ReadingError when the service
    cannot give it.
    """
    result = HistoryResult() if result is None else result
    days = _Days(current, int(clock() * 1000) if now_ms is None else now_ms)
    request = history_request(spec, secret)
    base = request.url
    total = 0
    while True:
        try:
            reply = fetch(request)
        except FetchError as exc:
            raise ReadingError(f"the history could not be read: {exc.reason}") from None
        wait = _rate_limit_wait(reply.status, reply.headers, reply.body, clock())
        if wait is not None:
            result.waiting_until = clock() + wait
            while clock() < result.waiting_until:
                yield result.pages, total
                step = min(WAIT_STEP_S, max(result.waiting_until - clock(), 0.0))
                sleep(step)
                result.waited_s += step
            result.waiting_until = None
            continue
        if reply.status == 404:
            raise ReadingError(missing_text(spec), retry=False)
        if not 200 <= reply.status < 300:
            raise ReadingError(f"the history could not be read (HTTP {reply.status})")
        readings = days.readings(read_weeks(reply.body))
        url, last = next_page(reply.headers.get("link", ""), base)
        if url is None:
            readings += days.last()
        if readings:
            store(readings)
            result.readings += len(readings)
            result.first_ms = readings[-1][0]
        result.pages += 1
        total = max(total, last, result.pages)
        if url is None or days.done or result.pages >= MAX_PAGES:
            result.complete = url is None or days.done
            yield result.pages, result.pages
            return result
        yield result.pages, total
        request = history_request(spec, secret, url)


def _rate_limit_wait(
    status: int, headers: Mapping[str, str], body: bytes, now: float
) -> float | None:
    """Seconds to wait when GitHub says the rate limit is used up (403 or 429), else None."""
    if status not in (403, 429):
        return None
    reset = rate_limit_reset_s(headers, now)
    limited = status == 429 or reset is not None or b"rate limit" in body.lower()
    if not limited:
        return None
    told = retry_after_s(headers, now)
    if told is not None:
        return min(told, MAX_WAIT_S)
    if reset is not None:
        return min(reset + 1.0, MAX_WAIT_S)  # a second's margin past the reset
    return 60.0  # GitHub's advice when it names no time: wait a minute
