"""Live HTTP sources against a local server: every preset, every fault, recovery and secrets."""

from __future__ import annotations

import logging
import time

import pytest

from photofinish.core.analysis.glitches import detect_glitches
from photofinish.core.live.source_state import FAILING, OK, RETRYING
from photofinish.core.model import KIND_SOURCE, ORIGIN_SOURCE, SourceConfig

PRESETS = [
    ("bluesky:alice.example.com", "/xrpc/app.bsky.actor.getProfile?actor=alice.example.com"),
    ("mastodon:@alice@example.social", "/api/v1/accounts/lookup?acct=alice"),
    ("github-stars:octo/photo-finish", "/repos/octo/photo-finish"),
    ("github-followers:octo", "/users/octo"),
    (
        "youtube:UC1234567890abcdefghij",
        "/youtube/v3/channels?part=id%2Csnippet%2Cstatistics&id=UC1234567890abcdefghij",
    ),
    ("json:{base}/custom.json#data.followers", "/custom.json"),
]


def _stored(store, handle="alice"):
    return [s.count for s in store.snapshots(handle)]


def _config(spec, services, **kw):
    if spec.startswith("json:"):
        return SourceConfig("alice", spec.format(base=services.base_url), 0.05, True, None, 1, **kw)
    return SourceConfig("alice", spec, 0.05, True, services.base_url, 1, **kw)


@pytest.mark.parametrize(("spec", "path"), PRESETS)
def test_each_preset_reads_the_count_from_its_real_shape(
    qtbot, services, race_store, make_runner, spec, path
):
    runner = make_runner(secrets={"youtube_key": "yt-key-123"})
    runner.set_sources([_config(spec, services)])
    # A json: source has no base URL to override, so its 5 s minimum interval applies.
    need = 2 if spec.startswith("json:") else 3
    qtbot.waitUntil(lambda: len(_stored(race_store)) >= need, timeout=10_000)
    runner.stop()
    stored = _stored(race_store)
    served = services.served[: len(stored)]
    if spec.startswith("youtube:"):
        assert stored == [int(float(f"{c:.3g}")) for c in served]
    else:
        assert stored == served
    assert services.requests[0]["path"].startswith(path)
    assert services.requests[0]["headers"]["user-agent"].startswith("PhotoFinish/")
    sources = {s.source for s in race_store.snapshots("alice")}
    assert len(sources) == 1 and sources.pop().split(":")[0] == spec.split(":")[0]


FAULTS = ["500", "503", "429", "403-rate", "timeout", "malformed", "html", "missing", "string"]


def test_recovers_after_every_fault_and_stores_exactly_the_good_readings(
    qtbot, services, race_store, make_runner
):
    services.hang_s = 1.5
    runner = make_runner(timeout_ms=500)
    runner.set_sources([_config("github-stars:octo/photo-finish", services)])
    qtbot.waitUntil(lambda: len(_stored(race_store)) >= 1, timeout=5000)
    reasons = []
    for fault in FAULTS:
        runner.flush()  # readings buffered before the fault are not the recovery
        before = len(_stored(race_store))
        services.faults.append(fault)
        qtbot.waitUntil(lambda: runner.status_of("1").state in (RETRYING, FAILING), timeout=5000)
        reasons.append(runner.status_of("1").reason)
        qtbot.waitUntil(
            lambda b=before: runner.status_of("1").state == OK and len(_stored(race_store)) > b,
            timeout=8000,
        )
    runner.stop()
    stored = _stored(race_store)
    assert stored == services.served[: len(stored)]
    assert len(stored) == len(set(stored))
    expected = [
        "HTTP 500",
        "HTTP 503",
        "rate limit",
        "rate limit",
        "no answer within 0.5 s",
        "not valid JSON",
        "HTML page",
        "stargazers_count",
        "not a whole number",
    ]
    for reason, words in zip(reasons, expected, strict=True):
        assert words.lower() in reason.lower(), (reason, words)
    # One event when trouble starts and one when it ends, per fault: not one per failed poll.
    events = [e for e in race_store.events() if e.kind == KIND_SOURCE]
    assert all(e.origin == ORIGIN_SOURCE and e.handle == "alice" for e in events)
    assert len(events) == 2 * len(FAULTS)
    assert [("working again" in e.text) for e in events] == [False, True] * len(FAULTS)


def test_retry_after_is_honoured(qtbot, services, race_store, make_runner):
    services.retry_after = "2"
    runner = make_runner()
    runner.set_sources([_config("bluesky:alice.example.com", services)])
    qtbot.waitUntil(lambda: len(_stored(race_store)) >= 1, timeout=5000)
    services.faults.append("429")
    qtbot.waitUntil(lambda: runner.status_of("1").state == RETRYING, timeout=5000)
    assert "retrying in 2 s" in runner.status_of("1").text(runner.status_of("1").retry_at - 2)
    qtbot.waitUntil(lambda: runner.status_of("1").state == OK, timeout=8000)
    limited = next(i for i, r in enumerate(services.requests) if r["fault"] == "429")
    gap = services.requests[limited + 1]["at"] - services.requests[limited]["at"]
    assert gap >= 1.9


def test_trouble_that_lasts_is_failing_with_one_event(qtbot, services, race_store, make_runner):
    runner = make_runner()
    runner.set_sources([_config("bluesky:alice.example.com", services)])
    services.faults.extend(["503"] * 6)
    qtbot.waitUntil(lambda: runner.status_of("1").failures >= 4, timeout=10_000)
    status = runner.status_of("1")
    assert status.state == FAILING
    assert status.text(0).startswith("failing: HTTP 503")
    qtbot.waitUntil(lambda: len(_stored(race_store)) >= 1, timeout=10_000)
    runner.stop()
    texts = [e.text for e in race_store.events() if e.kind == KIND_SOURCE]
    assert len(texts) == 2
    assert "HTTP 503" in texts[0] and "working again" in texts[1]


def test_a_glitch_from_the_server_is_stored_and_detected(qtbot, services, race_store, make_runner):
    runner = make_runner()
    runner.set_sources([_config("bluesky:alice.example.com", services)])
    qtbot.waitUntil(lambda: len(_stored(race_store)) >= 2, timeout=5000)
    services.faults.append("glitch")
    # Readings are stored in batches: wait on what the server gave, then store the rest.
    qtbot.waitUntil(
        lambda: any(r["fault"] == "glitch" for r in services.requests[:-2]), timeout=5000
    )
    runner.stop()
    series = race_store.series("alice")
    flagged = series.count[detect_glitches(series)]
    assert len(flagged) == 1 and flagged[0] >= 10 * 1000


def test_a_huge_reply_is_refused(qtbot, services, race_store, make_runner):
    runner = make_runner()
    runner.set_sources([_config("bluesky:alice.example.com", services)])
    qtbot.waitUntil(lambda: len(_stored(race_store)) >= 1, timeout=5000)
    services.faults.append("huge")
    qtbot.waitUntil(lambda: runner.status_of("1").state == RETRYING, timeout=5000)
    assert "larger than 2 MB" in runner.status_of("1").reason


def test_a_secret_is_sent_but_never_stored_logged_or_shown(
    qtbot, services, race_store, make_runner, caplog
):
    caplog.set_level(logging.DEBUG)
    token = "ghp_FAKE_TOKEN_0123456789"
    runner = make_runner(secrets={"github_token": token})
    runner.set_sources([_config("github-followers:octo", services)])
    qtbot.waitUntil(lambda: len(_stored(race_store)) >= 1, timeout=5000)
    services.faults.extend(["500", "malformed"])
    qtbot.waitUntil(lambda: runner.status_of("1").failures >= 1, timeout=5000)
    qtbot.waitUntil(lambda: runner.status_of("1").state == OK, timeout=8000)
    runner.stop()
    assert services.requests[0]["headers"]["authorization"] == f"Bearer {token}"
    race_store.db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    assert token.encode() not in race_store.path.read_bytes()
    assert token not in caplog.text
    assert token not in runner.out.getvalue()  # type: ignore[attr-defined]
    assert all(token not in e.text for e in race_store.events())


def test_youtube_key_stays_out_of_status_and_events(qtbot, services, race_store, make_runner):
    key = "AIzaFAKEKEY987"
    runner = make_runner(secrets={"youtube_key": key})
    runner.set_sources([_config("youtube:UC1234567890abcdefghij", services)])
    services.faults.append("500")
    qtbot.waitUntil(lambda: len(_stored(race_store)) >= 1, timeout=8000)
    runner.stop()
    assert f"key={key}" in services.requests[0]["path"]
    assert all(key not in e.text for e in race_store.events())
    assert key not in runner.out.getvalue()  # type: ignore[attr-defined]


def test_a_refused_connection_is_a_reason_not_a_crash(qtbot, race_store, make_runner):
    import socket

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    runner = make_runner()
    runner.set_sources(
        [SourceConfig("alice", "bluesky:alice.example.com", 1, True, f"http://127.0.0.1:{port}", 1)]
    )
    qtbot.waitUntil(lambda: runner.status_of("1").state == RETRYING, timeout=5000)
    assert runner.status_of("1").reason == "the connection was refused"


def test_paused_sources_do_not_poll(qtbot, services, race_store, make_runner):
    runner = make_runner()
    config = _config("bluesky:alice.example.com", services)
    config.enabled = False
    runner.set_sources([config])
    qtbot.wait(300)
    assert services.requests == []
    assert runner.status_of("1").text(0) == "paused"


def test_counts_past_two_to_the_31_are_stored(qtbot, race_store, make_runner):
    from tests.fake_services import FakeServices

    big = FakeServices(start=3_000_000_000).start()
    try:
        runner = make_runner()
        runner.set_sources([_config("bluesky:alice.example.com", big)])
        qtbot.waitUntil(lambda: len(_stored(race_store)) >= 1, timeout=5000)
        assert _stored(race_store)[0] == big.served[0] > 2**31
    finally:
        big.stop()


def test_a_server_that_drips_bytes_is_cut_off_at_the_deadline(
    qtbot, services, race_store, make_runner
):
    runner = make_runner(timeout_ms=800)
    runner.set_sources([_config("bluesky:alice.example.com", services)])
    qtbot.waitUntil(lambda: len(_stored(race_store)) >= 1, timeout=5000)
    services.faults.append("drip")
    qtbot.waitUntil(lambda: runner.status_of("1").state == RETRYING, timeout=3000)
    assert runner.status_of("1").reason == "no answer within 0.8 s"
    dripped = next(r for r in services.requests if r["fault"] == "drip")
    qtbot.waitUntil(lambda: runner.status_of("1").state == OK, timeout=5000)
    after = services.requests[services.requests.index(dripped) + 1]
    assert after["at"] - dripped["at"] < 2.5  # not the 4 s the drip would take


def test_a_wrong_handle_is_failing_at_once_and_not_hammered(
    qtbot, services, race_store, make_runner
):
    runner = make_runner()
    runner.set_sources([_config("github-stars:octo/photo-finish", services)])
    qtbot.waitUntil(lambda: len(_stored(race_store)) >= 1, timeout=5000)
    services.faults.append("404")
    qtbot.waitUntil(lambda: runner.status_of("1").state == FAILING, timeout=5000)
    status = runner.status_of("1")
    assert status.failures == 1 and status.reason == "no GitHub repository octo/photo-finish"
    assert status.retry_at is not None and status.retry_at - time.time() >= 0.4


@pytest.mark.parametrize(
    ("spec", "target", "reply", "reason"),
    [
        # Mastodon says a suspended account is there (HTTP 200), with counts in it.
        ("mastodon:@mallory@example.social", "mallory", "mastodon-suspended", "is suspended"),
        # A fork hiding the count answers -1: not a retry loop, and never a reading.
        (
            "mastodon:@hidden@glitch.example",
            "hidden",
            "mastodon-hidden-count",
            "hides its follower count",
        ),
        # Bluesky answers an unknown handle and a taken-down account with HTTP 400, not 404.
        (
            "bluesky:nobody.bsky.social",
            "nobody.bsky.social",
            "bluesky-not-found",
            "no Bluesky account named",
        ),
        ("bluesky:gone.bsky.social", "gone.bsky.social", "bluesky-suspended", "is suspended"),
        ("x:mallory_x", "mallory_x", "x-suspended", "is suspended"),
    ],
)
def test_documented_dead_ends_fail_at_once_and_store_nothing(
    qtbot, services, race_store, make_runner, spec, target, reply, reason
):
    services.replies[target] = reply
    runner = make_runner(secrets={"x_token": "tok"})
    runner.set_sources([_config(spec, services)])
    qtbot.waitUntil(lambda: runner.status_of("1").state == FAILING, timeout=5000)
    status = runner.status_of("1")
    assert reason in status.reason
    assert status.failures == 1 and status.retry_at is not None
    qtbot.wait(300)
    assert _stored(race_store) == []
    assert len(services.requests) == 1  # a final answer is not asked again and again


def test_keys_go_only_to_the_service_itself_or_this_computer(
    qtbot, services, race_store, make_runner
):
    from photofinish.core.live.specs import parse_spec, secret_allowed

    assert secret_allowed(parse_spec("github-followers:octo"))
    assert secret_allowed(parse_spec("github-followers:octo", "https://api.github.com"))
    assert secret_allowed(parse_spec("github-followers:octo", "http://127.0.0.1:8080"))
    assert secret_allowed(parse_spec("youtube:UC1234567890abcdefghij", "http://localhost:1"))
    assert not secret_allowed(parse_spec("github-followers:octo", "https://evil.example.org"))
    runner = make_runner(secrets={"github_token": "ghp_SECRET", "youtube_key": "yt"})
    runner.set_sources(
        [SourceConfig("alice", "github-followers:octo", 60, True, "https://evil.example.org", 1)]
    )
    assert runner._running["1"].poller.secret == ""  # type: ignore[attr-defined]
    problems = runner.set_sources(
        [
            SourceConfig(
                "bob", "youtube:UC1234567890abcdefghij", 60, True, "https://evil.example.org", 2
            )
        ]
    )
    assert problems and "key" in problems[0].lower()


def test_a_source_for_an_unknown_competitor_is_refused(race_store, make_runner):
    runner = make_runner()
    problems = runner.set_sources(
        [SourceConfig("carol", "bluesky:c.example.com", 60, True, None, 1)]
    )
    assert problems == ["bluesky:c.example.com: no competitor 'carol' in this race"]


def test_stopping_a_source_in_trouble_closes_the_outage_in_the_log(
    qtbot, services, race_store, make_runner
):
    runner = make_runner()
    runner.set_sources([_config("bluesky:alice.example.com", services)])
    services.faults.extend(["503"] * 50)
    qtbot.waitUntil(lambda: runner.status_of("1").state == RETRYING, timeout=5000)
    assert runner.stop() == 0
    texts = [e.text for e in race_store.events() if e.kind == KIND_SOURCE]
    assert len(texts) == 2
    assert texts[1].startswith("Bluesky @alice.example.com: stopped while")
