"""Polling delays: Retry-After, rate-limit resets and jittered exponential backoff."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest

from photofinish.core.live.retry import MAX_WAIT_S, RetryPolicy, rate_limit_reset_s, retry_after_s

NOW = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC).timestamp()


# --- Retry-After ---------------------------------------------------------------------------


def test_retry_after_delta_seconds():
    assert retry_after_s({"Retry-After": "120"}, NOW) == 120.0
    assert retry_after_s({"retry-after": " 7 "}, NOW) == 7.0
    assert retry_after_s({"RETRY-AFTER": "1.5"}, NOW) == 1.5


def test_retry_after_http_date():
    headers = {"Retry-After": "Wed, 01 May 2024 12:01:30 GMT"}
    assert retry_after_s(headers, NOW) == 90.0


def test_retry_after_date_in_the_past_is_zero():
    assert retry_after_s({"Retry-After": "Wed, 01 May 2024 11:00:00 GMT"}, NOW) == 0.0


@pytest.mark.parametrize("value", ["", "soon", "-5", "1e3", "Wed, 99 Foo 2024", "\x00"])
def test_retry_after_garbage_is_ignored(value):
    assert retry_after_s({"Retry-After": value}, NOW) is None


def test_retry_after_absent():
    assert retry_after_s({"Content-Type": "application/json"}, NOW) is None


# --- rate-limit resets ---------------------------------------------------------------------


def test_github_epoch_reset():
    headers = {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(int(NOW) + 1800)}
    assert rate_limit_reset_s(headers, NOW) == 1800.0


def test_mastodon_iso_reset_is_case_insensitive():
    headers = {"x-ratelimit-remaining": "0", "x-ratelimit-reset": "2024-05-01T12:04:00.000Z"}
    assert rate_limit_reset_s(headers, NOW) == 240.0


def test_iso_reset_with_offset():
    headers = {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "2024-05-01T14:05:00+02:00"}
    assert rate_limit_reset_s(headers, NOW) == 300.0


def test_bluesky_unprefixed_headers():
    headers = {"ratelimit-remaining": "0", "ratelimit-reset": str(int(NOW) + 60)}
    assert rate_limit_reset_s(headers, NOW) == 60.0


def test_small_reset_is_seconds_to_wait():
    headers = {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "45"}
    assert rate_limit_reset_s(headers, NOW) == 45.0


def test_reset_in_the_past_is_zero():
    headers = {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(int(NOW) - 10)}
    assert rate_limit_reset_s(headers, NOW) == 0.0


@pytest.mark.parametrize(
    "headers",
    [
        {"X-RateLimit-Remaining": "12", "X-RateLimit-Reset": str(int(NOW) + 1800)},
        {"X-RateLimit-Reset": str(int(NOW) + 1800)},
        {"X-RateLimit-Remaining": "0"},
        {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "tomorrow"},
        {"X-RateLimit-Remaining": "none", "X-RateLimit-Reset": str(int(NOW) + 1800)},
        {},
    ],
)
def test_no_reset_unless_exhausted_and_readable(headers):
    assert rate_limit_reset_s(headers, NOW) is None


# --- the policy ----------------------------------------------------------------------------


def policy(**kwargs) -> RetryPolicy:
    return RetryPolicy(interval_s=60.0, rng=random.Random(1234), **kwargs)


def test_success_waits_the_interval():
    assert policy().after_success({}, NOW) == 60.0


def test_success_waits_for_an_exhausted_rate_limit():
    headers = {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(int(NOW) + 600)}
    assert policy().after_success(headers, NOW) == 600.0
    soon = {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(int(NOW) + 5)}
    assert policy().after_success(soon, NOW) == 60.0
    far = {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(int(NOW) + 86400)}
    assert policy().after_success(far, NOW) == MAX_WAIT_S


def test_backoff_grows_within_jitter_bounds_and_caps():
    p = policy()
    delays = [p.after_failure({}, NOW) for _ in range(12)]
    assert p.failures == 12
    for n, delay in enumerate(delays, start=1):
        full = min(900.0, 5.0 * 2 ** (n - 1))
        assert full * 0.5 <= delay <= full, (n, delay)
    assert delays[0] <= 5.0
    assert delays[-1] >= 450.0
    assert max(delays) <= 900.0


def test_jitter_is_deterministic_and_varies():
    a = [policy().after_failure({}, NOW) for _ in range(1)]
    b = [policy().after_failure({}, NOW) for _ in range(1)]
    assert a == b
    p = RetryPolicy(interval_s=60.0, base_s=100.0, max_s=100.0, rng=random.Random(7))
    delays = {p.after_failure({}, NOW) for _ in range(20)}
    assert len(delays) == 20
    assert all(50.0 <= d <= 100.0 for d in delays)


def test_seeded_rng_gives_known_values():
    p = RetryPolicy(interval_s=60.0, rng=random.Random(42))
    first = p.after_failure({}, NOW)
    expected = 5.0 * random.Random(42).uniform(0.5, 1.0)
    assert first == pytest.approx(expected)


def test_failure_respects_retry_after_and_reset():
    p = policy()
    assert p.after_failure({"Retry-After": "300"}, NOW) == 300.0
    headers = {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(int(NOW) + 1200)}
    assert p.after_failure(headers, NOW) == 1200.0
    both = {"Retry-After": "30", **headers}
    assert p.after_failure(both, NOW) == 1200.0


def test_failure_never_waits_more_than_an_hour():
    p = policy()
    assert p.after_failure({"Retry-After": "86400"}, NOW) == MAX_WAIT_S
    assert p.after_failure({"Retry-After": "9" * 400}, NOW) == MAX_WAIT_S
    p = RetryPolicy(interval_s=60.0, max_s=10_000.0, rng=random.Random(1), failures=40)
    assert p.after_failure({}, NOW) == MAX_WAIT_S


def test_garbage_headers_do_not_raise():
    p = policy()
    delay = p.after_failure({"Retry-After": "later", "X-RateLimit-Remaining": "0"}, NOW)
    assert 2.5 <= delay <= 5.0


def test_many_failures_do_not_overflow():
    p = policy(failures=5000)
    assert 450.0 <= p.after_failure({}, NOW) <= 900.0


def test_success_resets_the_backoff():
    p = policy()
    for _ in range(6):
        p.after_failure({}, NOW)
    assert p.failures == 6
    assert p.after_success({}, NOW) == 60.0
    assert p.failures == 0
    assert p.after_failure({}, NOW) <= 5.0
