"""``photofinish lookup`` and ``new --follow`` against services that answer as documented."""

from __future__ import annotations

import json
import time

import pytest

from photofinish.core.live.history import HISTORY_SOURCE
from photofinish.core.store import Store
from tests.cli.support import run

SUNDAY = 1_788_048_000  # a Sunday, 00:00 UTC


@pytest.fixture(autouse=True)
def _keys(monkeypatch):
    monkeypatch.setenv("PHOTOFINISH_X_TOKEN", "x-token")
    monkeypatch.setenv("PHOTOFINISH_YOUTUBE_KEY", "yt-key")


def test_lookup_prints_who_it_is_as_json(capsys, services):
    code, out, err = run(
        capsys, "lookup", "https://bsky.app/profile/alice.bsky.social", "--base-url",
        services.base_url, "--json",
    )  # fmt: skip
    assert code == 0, err
    assert json.loads(out) == {
        "spec": "bluesky:alice.bsky.social",
        "handle": "alice.bsky.social",
        "name": "Alice",
        "count": services.served[-1],
    }


@pytest.mark.parametrize(
    "target",
    [
        "https://example.social/@carol",
        "https://github.com/octo-org/octo-repo",
        "https://github.com/octo-user",
        "https://www.youtube.com/@alicephotos",
        "https://x.com/alice_photo",
    ],
)
def test_lookup_knows_every_service(capsys, services, target):
    code, out, err = run(capsys, "lookup", target, "--base-url", services.base_url, "--json")
    assert code == 0, err
    found = json.loads(out)
    assert set(found) == {"spec", "handle", "name", "count"}
    assert found["count"] == int(float(f"{services.served[-1]:.3g}")) or (
        found["count"] == services.served[-1]
    )


def test_lookup_in_words(capsys, services):
    code, out, _ = run(capsys, "lookup", "x:alice_photo", "--base-url", services.base_url)
    assert code == 0
    assert out.startswith("Alice_Photo (alice_photo): ")
    assert out.rstrip().endswith("follow it as x:alice_photo")


@pytest.mark.parametrize(
    ("target", "reply", "why"),
    [
        ("bluesky:nobody.bsky.social", None, "no Bluesky account named nobody.bsky.social"),
        ("bluesky:gone.bsky.social", "bluesky-suspended", "is suspended"),
        ("mastodon:@mallory@example.social", "mastodon-suspended", "is suspended"),
        ("mastodon:@hidden@example.social", "mastodon-hidden-count", "hides its follower count"),
        ("x:mallory_x", "x-suspended", "is suspended"),
        ("https://github.com/octo-org/nothing", None, "no GitHub repository octo-org/nothing"),
    ],
)
def test_lookup_exits_2_with_one_line_saying_which_and_why(capsys, services, target, reply, why):
    name = target.rpartition("/")[2].rpartition(":")[2].removeprefix("@").partition("@")[0]
    if reply is None:
        services.missing.add(name if "github" not in target else "octo-org/nothing")
    else:
        services.replies[name] = reply
    code, out, err = run(capsys, "lookup", target, "--base-url", services.base_url)
    assert code == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1
    assert why in err


def test_a_link_nobody_can_follow_exits_2(capsys):
    code, _, err = run(capsys, "lookup", "https://example.com/about")
    assert code == 2 and "cannot follow https://example.com/about" in err


def test_a_server_that_is_down_exits_1(capsys):
    code, _, err = run(
        capsys, "lookup", "bluesky:alice.bsky.social", "--base-url", "http://127.0.0.1:9"
    )
    assert code == 1 and "Bluesky @alice.bsky.social" in err


def test_new_follow_looks_up_attaches_and_stores_the_first_readings(capsys, services, tmp_path):
    target = tmp_path / "race.pfrace"
    code, out, err = run(
        capsys, "new", str(target), "--title", "Two profiles", "--milestone", "5000",
        "--follow", "https://bsky.app/profile/alice.bsky.social",
        "--follow", "@carol@example.social", "--tz", "UTC",
        "--base-url", services.base_url, "--interval", "30",
    )  # fmt: skip
    assert code == 0, err
    assert out.strip() == str(target)
    assert "Bluesky @alice.bsky.social: only GitHub keeps a public history" in err
    with Store.open(target, read_only=True) as store:
        comps = store.competitors()
        sources = store.sources()
        readings = list(store.snapshots())
    assert [(c.handle, c.name) for c in comps] == [
        ("alice.bsky.social", "Alice"),
        ("carol@example.social", "Carol"),
    ]
    assert [(s.handle, s.spec, s.interval_s, s.base_url) for s in sources] == [
        ("alice.bsky.social", "bluesky:alice.bsky.social", 30.0, services.base_url),
        ("carol@example.social", "mastodon:@carol@example.social", 30.0, services.base_url),
    ]
    assert sorted(r.count for r in readings) == sorted(services.served)
    assert {r.source for r in readings} == {s.spec for s in sources}
    assert all(abs(r.at_ms / 1000 - time.time()) < 60 for r in readings)


def test_new_follow_of_a_star_race_starts_with_the_whole_history(capsys, services, tmp_path):
    services.count = 0  # the next answers count on from here
    services.step = 0
    weeks = [{"week": SUNDAY - i * 7 * 86_400, "total": 7, "days": [1] * 7} for i in range(40)]
    services.history["octo-org/octo-repo"] = weeks
    services.count = 40 * 7  # the stars in all
    target = tmp_path / "stars.pfrace"
    code, _, err = run(
        capsys, "new", str(target), "--title", "Stars", "--milestone", "1000",
        "--follow", "https://github.com/octo-org/octo-repo",
        "--competitor", "rival=Rival", "--base-url", services.base_url,
    )  # fmt: skip
    assert code == 0, err
    assert "stored" in err and "daily readings of its star history" in err
    with Store.open(target, read_only=True) as store:
        history = [s for s in store.snapshots("octo-org/octo-repo") if s.source == HISTORY_SOURCE]
        comps = [c.handle for c in store.competitors()]
    assert comps == ["octo-org/octo-repo", "rival"]
    assert len(history) == 40 * 7 + 1  # every day, and the zero before the first star
    assert max(s.count for s in history) == 280 and min(s.count for s in history) == 0
    assert all(s.at_ms <= time.time() * 1000 for s in history)
    pages = [r["path"] for r in services.requests if "stargazers/history" in r["path"]]
    assert len(pages) == 2  # thirty weeks a page


def test_new_follow_of_a_missing_account_exits_2_and_writes_nothing(capsys, services, tmp_path):
    services.missing.add("nobody.bsky.social")
    target = tmp_path / "never.pfrace"
    code, out, err = run(
        capsys, "new", str(target), "--title", "T", "--milestone", "10",
        "--follow", "bluesky:alice.bsky.social", "--follow", "bluesky:nobody.bsky.social",
        "--base-url", services.base_url,
    )  # fmt: skip
    assert code == 2
    assert "--follow bluesky:nobody.bsky.social" in err
    assert "no Bluesky account named nobody.bsky.social" in err
    assert not target.exists() and out == ""


def test_new_with_competitors_only_still_works(capsys, tmp_path):
    target = tmp_path / "manual.pfrace"
    code, _, err = run(
        capsys, "new", str(target), "--title", "Manual", "--milestone", "10",
        "--competitor", "a=A", "--competitor", "b",
    )  # fmt: skip
    assert code == 0, err
    with Store.open(target, read_only=True) as store:
        assert [c.handle for c in store.competitors()] == ["a", "b"]
        assert store.sources() == []


def test_new_needs_two_competitors_in_all(capsys, tmp_path):
    code, _, err = run(
        capsys, "new", str(tmp_path / "x.pfrace"), "--title", "T", "--milestone", "10",
        "--competitor", "a",
    )  # fmt: skip
    assert code == 2 and "at least two competitors" in err
