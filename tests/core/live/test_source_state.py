"""A live source's state: ok, retrying, failing, paused, and the log lines each change earns."""

from __future__ import annotations

import pytest

from photofinish.core.live.source_state import (
    FAILING,
    FAILING_AFTER,
    OK,
    PAUSED,
    RETRYING,
    STARTING,
    SourceStatus,
    clock_text,
)

T0 = 1_700_000_000.0


def test_a_new_source_is_starting_and_healthy():
    s = SourceStatus("Bluesky @a")
    assert s.state == STARTING
    assert s.text(T0) == "starting"
    assert s.healthy
    assert (s.failures, s.trouble_since, s.last_ok_at, s.last_count) == (0, None, None, None)


def test_success_when_fine_says_nothing():
    s = SourceStatus("Bluesky @a")
    assert s.succeeded(10, T0) is None
    assert (s.state, s.last_ok_at, s.last_count) == (OK, T0, 10)
    assert s.text(T0) == "ok"
    assert s.succeeded(None, T0 + 60) is None
    assert (s.last_ok_at, s.last_count) == (T0 + 60, 10)  # no count keeps the old one


def test_first_failure_logs_and_retries():
    s = SourceStatus("Bluesky @a")
    s.succeeded(10, T0)
    line = s.failed("HTTP 503", T0 + 5, T0 + 45)
    assert line == "Bluesky @a: HTTP 503; retrying"
    assert s.state == RETRYING
    assert not s.healthy
    assert (s.failures, s.reason, s.retry_at, s.trouble_since) == (1, "HTTP 503", T0 + 45, T0 + 5)
    assert s.last_count == 10 and s.last_ok_at == T0


def test_first_failure_while_starting_logs_too():
    s = SourceStatus("file readings.csv")
    assert s.failed("no such file", T0, None) == "file readings.csv: no such file; retrying"
    assert s.state == RETRYING


def test_later_failures_are_quiet_and_turn_into_failing():
    s = SourceStatus("Bluesky @a")
    states, lines = [], []
    for i in range(FAILING_AFTER + 2):
        lines.append(s.failed(f"error {i}", T0 + i, T0 + i + 30))
        states.append(s.state)
    assert FAILING_AFTER == 3
    assert lines[0] == "Bluesky @a: error 0; retrying"
    assert lines[1:] == [None] * (FAILING_AFTER + 1)
    assert states == [RETRYING] * (FAILING_AFTER - 1) + [FAILING] * 3
    assert s.failures == FAILING_AFTER + 2
    assert s.reason == "error 4"  # the newest reason
    assert s.trouble_since == T0  # since the first failure
    assert not s.healthy


@pytest.mark.parametrize(
    ("failed_for", "took"),
    [
        (0.4, "0 s"),
        (45, "45 s"),
        (59.4, "59 s"),
        (59.6, "1 min"),
        (150, "2 min"),
        (3600, "1 h"),
        (3600 + 25 * 60, "1 h 25 min"),
        (26 * 3600, "26 h"),
    ],
)
def test_success_after_trouble_says_how_long_it_took(failed_for, took):
    s = SourceStatus("GitHub stars of o/r")
    s.succeeded(5, T0 - 100)
    s.failed("timed out", T0, T0 + 30)
    s.failed("timed out", T0 + 30, T0 + 60)
    line = s.succeeded(7, T0 + failed_for)
    assert line == f"GitHub stars of o/r: working again after {took}"
    assert (s.state, s.reason, s.retry_at, s.failures, s.trouble_since) == (OK, "", None, 0, None)
    assert (s.last_count, s.last_ok_at) == (7, T0 + failed_for)
    assert s.text(T0 + failed_for) == "ok"
    # The next trouble is a new first failure, logged again.
    assert s.failed("HTTP 500", T0 + 5000, None) == "GitHub stars of o/r: HTTP 500; retrying"
    assert s.failures == 1 and s.trouble_since == T0 + 5000


def test_success_after_failing_resets_everything():
    s = SourceStatus("x")
    for i in range(FAILING_AFTER):
        s.failed("down", T0 + 60 * i, T0 + 60 * i + 60)
    assert s.state == FAILING
    assert s.succeeded(1, T0 + 600) == "x: working again after 10 min"
    assert s.state == OK and s.failures == 0
    s.failed("down", T0 + 700, None)
    assert s.state == RETRYING  # counting starts again


def test_text_of_each_state():
    s = SourceStatus("x")
    assert s.text(T0) == "starting"
    s.failed("HTTP 503", T0, T0 + 40)
    assert s.text(T0) == "retrying in 40 s: HTTP 503"
    assert s.text(T0 + 10.4) == "retrying in 30 s: HTTP 503"
    assert s.text(T0 + 39.9) == "retrying now: HTTP 503"
    assert s.text(T0 + 100) == "retrying now: HTTP 503"  # overdue, never negative
    s.failed("HTTP 503", T0 + 40, T0 + 40 + 300)
    assert s.text(T0 + 40) == "retrying in 5 min: HTTP 503"
    s.failed("rate limited", T0 + 340, T0 + 340 + 7200)
    assert s.state == FAILING
    assert s.text(T0 + 340) == "failing: rate limited (retrying in 2 h)"
    assert s.text(T0 + 340 + 90) == "failing: rate limited (retrying in 1 h 58 min)"
    assert s.text(T0 + 340 + 7200 - 90) == "failing: rate limited (retrying in 1 min)"
    s.retry_at = None
    assert s.text(T0) == "failing: rate limited"
    s.state, s.retry_at = RETRYING, None
    assert s.text(T0) == "retrying: rate limited"
    s.succeeded(3, T0)
    assert s.text(T0) == "ok"
    s.paused()
    assert s.text(T0) == "paused"


def test_pause_clears_trouble_and_counts_as_healthy():
    s = SourceStatus("x")
    s.succeeded(42, T0)
    for i in range(FAILING_AFTER):
        s.failed("down", T0 + i, T0 + i + 30)
    s.paused()
    assert s.state == PAUSED
    assert (s.reason, s.retry_at, s.failures, s.trouble_since) == ("", None, 0, None)
    assert s.healthy
    assert s.last_count == 42 and s.last_ok_at == T0
    # Resuming and succeeding is not a recovery worth a log line.
    assert s.succeeded(43, T0 + 100) is None
    # A failure after a pause is a first failure.
    s.paused()
    assert s.failed("down", T0 + 200, None) == "x: down; retrying"
    assert s.state == RETRYING and s.failures == 1


def test_clock_text_is_utc():
    assert clock_text(1239948780) == "2009-04-17T06:13:00Z"
    assert clock_text(1239948780.9) == "2009-04-17T06:13:00Z"
