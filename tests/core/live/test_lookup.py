"""Look-ups: pasted links understood, and each service's documented replies read as meant."""

from __future__ import annotations

import json

import pytest

from photofinish.core.live.fetch import FetchError, Reply
from photofinish.core.live.lookup import LookupError, look_up, parse_target
from photofinish.core.live.replies import ReadingError, read_answer
from photofinish.core.live.specs import SpecError, parse_spec
from tests.fake_services import documented


@pytest.mark.parametrize(
    ("pasted", "spec"),
    [
        ("https://bsky.app/profile/alice.bsky.social", "bluesky:alice.bsky.social"),
        ("bsky.app/profile/did:plc:abc123", "bluesky:did:plc:abc123"),
        ("https://example.social/@alice", "mastodon:@alice@example.social"),
        ("https://example.social/users/alice", "mastodon:@alice@example.social"),
        ("@alice@example.social", "mastodon:@alice@example.social"),
        ("alice@example.social", "mastodon:@alice@example.social"),
        ("https://github.com/octo-org/octo-repo", "github-stars:octo-org/octo-repo"),
        ("https://github.com/octo-org/octo-repo/tree/main/src", "github-stars:octo-org/octo-repo"),
        ("https://github.com/octo-user", "github-followers:octo-user"),
        ("github.com/octo-user/", "github-followers:octo-user"),
        ("https://www.youtube.com/@AlicePhotos", "youtube:@AlicePhotos"),
        ("https://m.youtube.com/@AlicePhotos/videos", "youtube:@AlicePhotos"),
        (
            "https://www.youtube.com/channel/UCa1b2c3d4e5f6g7h8i9j0kL",
            "youtube:UCa1b2c3d4e5f6g7h8i9j0kL",
        ),
        ("https://x.com/alice_photo", "x:alice_photo"),
        ("https://twitter.com/alice_photo?lang=en", "x:alice_photo"),
        ("https://mobile.twitter.com/alice_photo", "x:alice_photo"),
        ("bluesky:alice.bsky.social", "bluesky:alice.bsky.social"),
        ("youtube:@AlicePhotos", "youtube:@AlicePhotos"),
        ("alice.bsky.social", "bluesky:alice.bsky.social"),
        ("  https://bsky.app/profile/alice.bsky.social  ", "bluesky:alice.bsky.social"),
    ],
)
def test_what_people_paste_becomes_a_spec(pasted, spec):
    assert parse_target(pasted).text == spec


@pytest.mark.parametrize(
    ("typed", "platform", "spec"),
    [
        ("@alice_photo", "x", "x:alice_photo"),
        ("octo-user", "github-followers", "github-followers:octo-user"),
        ("@AlicePhotos", "youtube", "youtube:@AlicePhotos"),
        ("alice.example.com", "bluesky", "bluesky:alice.example.com"),
    ],
)
def test_a_plain_handle_takes_the_platform_chosen(typed, platform, spec):
    assert parse_target(typed, platform).text == spec


@pytest.mark.parametrize(
    ("pasted", "message"),
    [
        ("", "paste a profile link"),
        ("alice", "choose a platform for 'alice'"),
        ("https://example.com/about", "cannot follow https://example.com/about"),
        ("https://github.com/settings/profile", "a GitHub link names a repository"),
        ("https://bsky.app/search?q=x", "a Bluesky profile link looks like"),
        ("https://www.youtube.com/watch?v=abc", "a YouTube channel link looks like"),
        ("https://x.com/", "an X profile link looks like"),
        ("https://x.com/far_too_long_a_name_for_x", "an X user name has 1 to 15"),
    ],
)
def test_what_cannot_be_followed_says_why(pasted, message):
    with pytest.raises(SpecError, match=message):
        parse_target(pasted)


def _fetch_documented(name: str, **changes):
    """A fetch answering with a documented reply (maybe changed), recording what it is asked."""
    reply = documented(name)
    body = reply["body"]
    for key, value in changes.items():
        body[key] = value
    asked = []

    def fetch(request):
        asked.append(request)
        headers = dict(reply["headers"])
        return Reply(reply["status"], headers["content-type"], json.dumps(body).encode(), headers)

    fetch.asked = asked  # type: ignore[attr-defined]
    return fetch


@pytest.mark.parametrize(
    ("spec", "reply", "handle", "name", "count"),
    [
        ("bluesky:alice.bsky.social", "bluesky-profile", "alice.bsky.social", "Alice", 1234),
        (
            "mastodon:@alice@example.social",
            "mastodon-account",
            "alice@example.social",
            "Alice",
            547,
        ),
        (
            "github-stars:octo-org/octo-repo",
            "github-repo",
            "octo-org/octo-repo",
            "octo-org/octo-repo",
            None,
        ),
        ("github-followers:octo-user", "github-user", "octo-user", None, None),
        ("youtube:@alicephotos", "youtube-channel-by-handle", "alicephotos", "Alice Photos", None),
        ("x:alice_photo", "x-user", "alice_photo", "Alice", 583423),
    ],
)
def test_a_documented_profile_says_who_and_how_many(spec, reply, handle, name, count):
    doc = documented(reply)["body"]
    profile = look_up(parse_spec(spec), _fetch_documented(reply), "key")
    assert profile.handle == handle
    assert profile.spec.text == spec
    if name is not None:
        assert profile.name == name
    if count is None:  # read from the document itself, where the count sits
        if reply == "github-repo":
            count = doc["stargazers_count"]
        elif reply == "github-user":
            count = doc["followers"]
        else:
            count = int(doc["items"][0]["statistics"]["subscriberCount"])
    assert profile.count == count
    assert profile.as_json() == {
        "spec": spec,
        "handle": handle,
        "name": profile.name,
        "count": count,
    }


@pytest.mark.parametrize(
    ("spec", "reply", "reason"),
    [
        (
            "bluesky:nobody.bsky.social",
            "bluesky-not-found",
            "no Bluesky account named nobody.bsky.social",
        ),
        (
            "bluesky:gone.bsky.social",
            "bluesky-suspended",
            "the Bluesky account gone.bsky.social is suspended",
        ),
        (
            "bluesky:off.bsky.social",
            "bluesky-deactivated",
            "the Bluesky account off.bsky.social is deactivated",
        ),
        (
            "mastodon:@nobody@example.social",
            "mastodon-not-found",
            "no Mastodon account @nobody@example.social",
        ),
        (
            "mastodon:@mallory@example.social",
            "mastodon-suspended",
            "the Mastodon account @mallory@example.social is suspended",
        ),
        ("mastodon:@hidden@glitch.example", "mastodon-hidden-count", "hides its follower count"),
        (
            "mastodon:@alice@akkoma.example",
            "mastodon-hidden-count-akkoma",
            "hides its follower count",
        ),
        (
            "github-stars:octo-org/nothing",
            "github-not-found",
            "no GitHub repository octo-org/nothing",
        ),
        ("github-followers:nobody-here", "github-user-not-found", "no GitHub user nobody-here"),
        ("youtube:@nobody", "youtube-no-channel", "no YouTube channel @nobody"),
        ("x:nobody_here_123", "x-not-found", "no X account named nobody_here_123"),
        ("x:mallory_x", "x-suspended", "the X account mallory_x is suspended"),
    ],
)
def test_missing_suspended_and_hidden_accounts_are_final_and_say_so(spec, reply, reason):
    with pytest.raises(LookupError, match=reason) as err:
        look_up(parse_spec(spec), _fetch_documented(reply), "key")
    assert err.value.final


def test_a_suspended_mastodon_account_is_never_a_count_even_with_counts_in_it():
    """Mastodon keeps the counts of a suspended account: ``suspended`` decides, not zeros."""
    reply = documented("mastodon-suspended")
    reply["body"]["followers_count"] = 5000
    with pytest.raises(ReadingError) as err:
        read_answer(
            parse_spec("mastodon:@mallory@example.social"),
            200,
            "application/json",
            json.dumps(reply["body"]).encode(),
        )
    assert not err.value.retry


def test_a_moved_mastodon_account_still_counts_and_names_where_it_went():
    reply = documented("mastodon-moved")
    answer = read_answer(
        parse_spec("mastodon:@oldalice@example.social"),
        200,
        "application/json",
        json.dumps(reply["body"]).encode(),
    )
    assert answer.count == reply["body"]["followers_count"]
    moved = reply["body"]["moved"]["acct"]
    expected = f"@{moved}" if "@" in moved else f"@{moved}@example.social"
    assert answer.moved_to == expected


@pytest.mark.parametrize("reply", ["x-rate-limited", "youtube-quota", "github-rate-limited"])
def test_a_rate_limit_is_not_final(reply):
    spec = {"x": "x:alice_photo", "youtube": "youtube:@alice", "github": "github-stars:a/b"}[
        reply.split("-")[0]
    ]
    with pytest.raises(LookupError) as err:
        look_up(parse_spec(spec), _fetch_documented(reply), "key")
    assert not err.value.final


def test_a_network_failure_is_not_final_and_names_the_source():
    def fetch(request):
        raise FetchError("the server's name could not be found")

    with pytest.raises(LookupError, match="Bluesky @alice.bsky.social: the server's name") as err:
        look_up(parse_spec("bluesky:alice.bsky.social"), fetch)
    assert not err.value.final


def test_keys_are_asked_for_before_anything_is_sent():
    fetch = _fetch_documented("x-user")
    with pytest.raises(LookupError, match="PHOTOFINISH_X_TOKEN"):
        look_up(parse_spec("x:alice_photo"), fetch, "")
    assert fetch.asked == []


def test_youtube_by_handle_asks_for_the_handle_once_for_one_quota_unit():
    fetch = _fetch_documented("youtube-channel-by-handle")
    look_up(parse_spec("youtube:@alicephotos"), fetch, "k")
    (request,) = fetch.asked
    assert "forHandle=%40alicephotos" in request.url
    assert "part=id%2Csnippet%2Cstatistics" in request.url


def test_x_asks_for_public_metrics_with_the_bearer_token():
    fetch = _fetch_documented("x-user")
    look_up(parse_spec("x:alice_photo"), fetch, "tok")
    (request,) = fetch.asked
    assert request.url == (
        "https://api.x.com/2/users/by/username/alice_photo?user.fields=public_metrics"
    )
    assert request.headers["Authorization"] == "Bearer tok"


def test_json_sources_are_not_looked_up():
    with pytest.raises(LookupError, match="only the presets"):
        look_up(parse_spec("json:https://example.com/a.json"), _fetch_documented("x-user"))
