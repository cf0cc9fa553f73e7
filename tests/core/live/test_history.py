"""A repository's star history: one reading a day, from the newest page back, page by page."""

from __future__ import annotations

import json

import pytest

from photofinish.core.live.fetch import FetchError, Reply
from photofinish.core.live.history import (
    DAY_MS,
    HistoryResult,
    has_history,
    history_steps,
    next_page,
    read_weeks,
)
from photofinish.core.live.replies import ReadingError
from photofinish.core.live.specs import parse_spec
from photofinish.core.steps import run_steps
from tests.fake_services import documented

SPEC = parse_spec("github-stars:octo-org/octo-repo")
BASE = "https://api.github.com/repos/octo-org/octo-repo/stargazers/history"
SUNDAY = 1_788_048_000  # Sunday 30 August 2026, 00:00 UTC
WEEK = 7 * 86_400


def weeks(n: int, per_day: int = 1, newest: int = SUNDAY) -> list[dict]:
    """``n`` weeks newest first, ``per_day`` stars every day."""
    return [
        {"week": newest - i * WEEK, "total": 7 * per_day, "days": [per_day] * 7} for i in range(n)
    ]


class Pages:
    """GitHub's replies for a history of ``weeks``, thirty to a page, with faults in between."""

    def __init__(self, all_weeks: list[dict], faults: dict[int, dict] | None = None) -> None:
        self.weeks = all_weeks
        self.faults = dict(faults or {})  # request number -> documented reply served instead
        self.asked: list[str] = []

    def __call__(self, request) -> Reply:
        self.asked.append(request.url)
        fault = self.faults.pop(len(self.asked), None)
        if fault is not None:
            return Reply(
                fault["status"],
                "application/json",
                json.dumps(fault["body"]).encode(),
                fault["headers"],
            )
        page = int(request.url.partition("?page=")[2] or 1)
        last = max(1, -(-len(self.weeks) // 30))
        links = []
        if page < last:
            links.append(f'<{BASE}?page={page + 1}>; rel="next", <{BASE}?page={last}>; rel="last"')
        headers = dict(documented("github-stargazers-history")["headers"])
        if links:
            headers["link"] = ", ".join(links)
        rows = self.weeks[(page - 1) * 30 : page * 30]
        return Reply(200, "application/json", json.dumps(rows).encode(), headers)


def load(pages, current, now_ms, **kw):
    stored: list[tuple[int, int]] = []
    result = run_steps(history_steps(SPEC, pages, current, stored.extend, now_ms=now_ms, **kw))
    return stored, result


def test_only_github_stars_have_a_history():
    assert has_history(SPEC)
    for spec in ("bluesky:a.bsky.social", "github-followers:octo", "mastodon:@a@b.social"):
        assert not has_history(parse_spec(spec))


def test_the_documented_page_reads_as_weeks_newest_first():
    body = json.dumps(documented("github-stargazers-history")["body"]).encode()
    got = read_weeks(body)
    assert [w for w, _ in got] == sorted((w for w, _ in got), reverse=True)
    assert all(len(days) == 7 for _, days in got)


@pytest.mark.parametrize(
    "body",
    [
        b"{}",
        b"[{}]",
        b'[{"week": 1, "days": [1, 2]}]',
        b'[{"week": "x", "days": [0,0,0,0,0,0,0]}]',
        b"<",
    ],
)
def test_a_page_in_another_shape_is_refused(body):
    with pytest.raises(ReadingError):
        read_weeks(body)


def test_every_page_is_read_and_each_day_is_its_running_total():
    history = weeks(70)  # three pages
    current = 70 * 7
    now = (SUNDAY + WEEK) * 1000  # the end of the newest week: every day is over
    stored, result = load(Pages(history), current, now)
    assert result.pages == 3 and result.complete
    # One reading a day, newest first, each the count at the end of that day.
    assert stored[0] == (now, current)
    days = [at for at, _ in stored]
    assert days == sorted(days, reverse=True)
    assert all(a - b == DAY_MS for a, b in zip(days, days[1:], strict=False))
    assert [total for _, total in stored][:3] == [current, current - 1, current - 2]
    # The day before the first star closes the history at 0.
    assert stored[-1][1] == 0
    assert stored[-1][0] == (SUNDAY - 69 * WEEK) * 1000


def test_the_current_week_stops_at_today_and_nothing_is_in_the_future():
    # Wednesday noon of the newest week: Sunday to Tuesday are over; today and later are not.
    now = (SUNDAY + 3 * 86_400 + 12 * 3600) * 1000
    history = [
        {"week": SUNDAY, "total": 5, "days": [1, 1, 1, 2, 0, 0, 0]},
        *weeks(2, 0, SUNDAY - WEEK),
    ]
    history[1]["days"] = [0, 0, 0, 0, 0, 0, 4]
    current = 9  # 4 the Saturday before, 5 this week (2 of them today)
    stored, result = load(Pages(history), current, now)
    assert all(at <= now for at, _ in stored)
    assert stored[0] == ((SUNDAY + 3 * 86_400) * 1000, 7)  # Tuesday's end: today's 2 not yet
    assert stored[:3] == [
        ((SUNDAY + 3 * 86_400) * 1000, 7),
        ((SUNDAY + 2 * 86_400) * 1000, 6),
        ((SUNDAY + 1 * 86_400) * 1000, 5),
    ]
    assert (SUNDAY * 1000, 4) in stored  # Saturday's end: the 4 of that day
    assert stored[-1] == ((SUNDAY - 86_400) * 1000, 0)  # Friday's end: before the first star
    assert result.complete


def test_empty_weeks_keep_the_total():
    history = [
        *weeks(1, 1),
        {"week": SUNDAY - WEEK, "total": 0, "days": [0] * 7},
        *weeks(1, 1, SUNDAY - 2 * WEEK),
    ]
    now = (SUNDAY + WEEK) * 1000
    stored, _ = load(Pages(history), 14, now)
    totals = dict(stored)
    quiet = [totals[(SUNDAY - WEEK + (d + 1) * 86_400) * 1000] for d in range(7)]
    assert quiet == [7] * 7


def test_a_rate_limit_halfway_is_waited_out_and_the_same_page_read_again():
    history = weeks(70)
    limited = documented("github-rate-limited")
    start = 1_800_000_000.0  # an epoch time, as GitHub's reset is
    clock = [start]
    limited["headers"]["x-ratelimit-reset"] = str(int(clock[0]) + 30)
    pages = Pages(history, {2: limited})
    slept: list[float] = []

    def sleep(s):
        slept.append(s)
        clock[0] += s

    result = HistoryResult()
    progress = []
    steps = history_steps(
        SPEC, pages, 490, lambda r: None, now_ms=(SUNDAY + WEEK) * 1000,
        sleep=sleep, clock=lambda: clock[0], result=result,
    )  # fmt: skip
    while True:
        try:
            progress.append((next(steps), result.waiting_until))
        except StopIteration:
            break
    assert result.complete and result.pages == 3
    assert pages.asked[1] == pages.asked[2]  # page 2 again after the wait
    assert 30 <= sum(slept) <= 32 and result.waited_s == sum(slept)
    waiting = [until for _, until in progress if until]
    assert waiting and waiting[0] == pytest.approx(start + 31.0)


def test_closing_keeps_the_pages_stored_and_asks_no_more():
    pages = Pages(weeks(70))
    stored: list[tuple[int, int]] = []
    steps = history_steps(SPEC, pages, 490, stored.extend, now_ms=(SUNDAY + WEEK) * 1000)
    next(steps)  # the first page is in
    steps.close()
    assert len(stored) == 30 * 7
    assert len(pages.asked) == 1


def test_a_next_page_elsewhere_is_not_followed():
    with pytest.raises(ReadingError, match="evil.example"):
        next_page('<https://evil.example/x?page=2>; rel="next"', BASE)
    assert next_page(f'<{BASE}?page=2>; rel="next", <{BASE}?page=9>; rel="last"', BASE) == (
        f"{BASE}?page=2",
        9,
    )
    assert next_page("", BASE) == (None, 0)


def test_a_repository_that_is_gone_and_a_network_failure_say_so():
    pages = Pages([], {1: documented("github-not-found")})
    with pytest.raises(ReadingError, match="no GitHub repository octo-org/octo-repo"):
        load(pages, 5, SUNDAY * 1000)

    def down(request):
        raise FetchError("the connection was refused")

    with pytest.raises(ReadingError, match="the connection was refused"):
        load(down, 5, SUNDAY * 1000)


def test_the_first_request_is_the_history_of_the_repository():
    pages = Pages(weeks(1))
    load(pages, 7, (SUNDAY + WEEK) * 1000)
    assert pages.asked[0] == "https://api.github.com/repos/octo-org/octo-repo/stargazers/history"
