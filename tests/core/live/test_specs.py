"""Live source specs: parsing, requests, secrets and reading counts out of replies."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from photofinish.core.live.replies import ReadingError, extract_count
from photofinish.core.live.specs import (
    KINDS,
    PRESET_HELP,
    USER_AGENT,
    SourceSpec,
    SpecError,
    parse_spec,
    redact,
    request_for,
    secret_from_env,
    secret_to_send,
)

JSON = "application/json"


def body(doc: object) -> bytes:
    return json.dumps(doc).encode()


def reading_error(spec: SourceSpec, status: int, data: bytes, ctype: str = JSON) -> ReadingError:
    with pytest.raises(ReadingError) as info:
        extract_count(spec, status, ctype, data)
    return info.value


# --- parsing -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind", "target"),
    [
        ("bluesky:aplusk.bsky.social", "bluesky", "aplusk.bsky.social"),
        ("  Bluesky: @aplusk.bsky.social ", "bluesky", "aplusk.bsky.social"),
        ("bluesky:did:plc:z72i7hdynmk6r22z27h6tvur", "bluesky", "did:plc:z72i7hdynmk6r22z27h6tvur"),
        ("mastodon:@Gargron@Mastodon.Social", "mastodon", "@Gargron@mastodon.social"),
        ("mastodon:Gargron@mastodon.social", "mastodon", "@Gargron@mastodon.social"),
        ("github-stars:python/cpython", "github-stars", "python/cpython"),
        ("github-stars:https://github.com/python/cpython.git", "github-stars", "python/cpython"),
        ("github-followers:@torvalds", "github-followers", "torvalds"),
        ("youtube:UC_x5XG1OV2P6uZZ5FSM9Ttw", "youtube", "UC_x5XG1OV2P6uZZ5FSM9Ttw"),
        ("json:https://x.org/s.json#data.n", "json", "https://x.org/s.json#data.n"),
        ("json:http://x.org/s.json", "json", "http://x.org/s.json"),
    ],
)
def test_parse_spec_gives_canonical_kind_and_target(text, kind, target):
    spec = parse_spec(text)
    assert (spec.kind, spec.target, spec.base_url) == (kind, target, None)
    assert spec.text == f"{kind}:{target}"
    assert parse_spec(spec.text) == spec


def test_file_spec_expands_home(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    spec = parse_spec("file:~/readings.csv")
    assert spec.target == str(tmp_path / "readings.csv")
    assert not spec.is_http
    assert spec.label() == "file readings.csv"
    with pytest.raises(SpecError, match="not read over HTTP"):
        request_for(spec)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "the spec is empty"),
        ("aplusk.bsky.social", "a spec looks like kind:target"),
        ("foo:bar", "unknown kind 'foo': use one of bluesky, mastodon, github-stars"),
        ("bluesky:", "nothing after 'bluesky:'"),
        ("bluesky:not a handle", "a Bluesky account is a handle"),
        ("bluesky:localhost", "a Bluesky account is a handle"),
        ("mastodon:Gargron", "a Mastodon account looks like @user@instance"),
        ("mastodon:@Gargron@", "a Mastodon account looks like @user@instance"),
        ("mastodon:@a@b@c.social", "a Mastodon account looks like @user@instance"),
        ("github-stars:python", "a GitHub repository looks like owner/repo"),
        ("github-stars:a/b/c", "a GitHub repository looks like owner/repo"),
        ("github-followers:bad_name!", "a GitHub user name"),
        ("youtube:@a", "a YouTube handle is @ and 3 to 30"),
        ("youtube:@no spaces", "a YouTube handle is @ and 3 to 30"),
        ("youtube:UC x", "a YouTube channel is an @handle or an id like"),
        ("x:has space", "an X user name has 1 to 15"),
        ("x:sixteen_letters1", "an X user name has 1 to 15"),
        ("json:ftp://x.org/a", "needs an http:// or https:// URL"),
        ("json:https:///a#b", "the URL has no host"),
        ("json:https://x.org/a b", "must not contain spaces"),
        ("json:https://x.org:99999/a", "bad port"),
        ("json:https://x.org/a#a..b", "bad JSON path 'a..b'"),
        ("json:https://x.org/a#a[x]", "bad JSON path"),
    ],
)
def test_parse_spec_errors_are_specific(text, message):
    with pytest.raises(SpecError, match=re.escape(message)):
        parse_spec(text)


@pytest.mark.parametrize(
    ("base", "message"),
    [
        ("ftp://x.org", "must be http"),
        ("http://", "must be http"),
        ("127.0.0.1:8765", "must be http"),
        ("http://u:p@x.org", "user name or password"),
        ("http://x.org/?a=1", "query"),
    ],
)
def test_bad_base_urls_are_refused(base, message):
    with pytest.raises(SpecError, match=message):
        parse_spec("bluesky:bsky.app", base)


def test_base_url_is_refused_for_json_and_file():
    with pytest.raises(SpecError, match="only applies to the presets"):
        parse_spec("json:https://x.org/a", "http://127.0.0.1:8765")
    with pytest.raises(SpecError, match="only applies to the presets"):
        parse_spec("file:feeds/a.csv", "http://127.0.0.1:8765")


def test_blank_base_url_means_none():
    assert parse_spec("bluesky:bsky.app", "  ").base_url is None


def test_spec_errors_are_value_errors():
    assert issubclass(SpecError, ValueError)


# --- properties ------------------------------------------------------------------------------


def test_kinds_and_help_agree():
    assert KINDS == (
        "bluesky",
        "mastodon",
        "github-stars",
        "github-followers",
        "youtube",
        "x",
        "json",
        "file",
    )
    assert set(PRESET_HELP) == set(KINDS)
    for kind, (example, description) in PRESET_HELP.items():
        assert parse_spec(example).kind == kind
        assert description


@pytest.mark.parametrize(
    ("text", "label", "secret", "rounded"),
    [
        ("bluesky:aplusk.bsky.social", "Bluesky @aplusk.bsky.social", None, False),
        ("bluesky:did:plc:abc", "Bluesky did:plc:abc", None, False),
        ("mastodon:a@b.social", "Mastodon @a@b.social", None, False),
        ("github-stars:owner/repo", "GitHub stars of owner/repo", "github_token", False),
        ("github-followers:someone", "GitHub followers of someone", "github_token", False),
        ("youtube:UC_x5XG1OV2P6uZZ5FSM9Ttw", "YouTube channel UC_x5XG1OV2P6uZZ5FSM9Ttw",
         "youtube_key", True),
        ("json:https://x.org/s#data.n", "JSON data.n from x.org", None, False),
        ("json:https://x.org/s", "JSON from x.org", None, False),
    ],
)  # fmt: skip
def test_labels_secrets_and_rounding(text, label, secret, rounded):
    spec = parse_spec(text)
    assert spec.label() == label
    assert spec.secret_name == secret
    assert spec.rounded is rounded
    assert spec.is_http


@pytest.mark.parametrize(
    ("text", "without", "with_secret"),
    [
        ("bluesky:bsky.app", 10.0, 10.0),
        ("mastodon:a@b.social", 10.0, 10.0),
        ("github-stars:a/b", 120.0, 10.0),
        ("github-followers:a", 120.0, 10.0),
        ("youtube:UC_x5XG1OV2P6uZZ5FSM9Ttw", 30.0, 30.0),
        ("json:https://x.org/a", 5.0, 5.0),
        ("file:feeds/a.csv", 1.0, 1.0),
    ],
)
def test_intervals_follow_rate_limits(text, without, with_secret):
    spec = parse_spec(text)
    assert spec.min_interval_s() == without
    assert spec.min_interval_s(has_secret=True) == with_secret
    if spec.kind == "file":  # a local file is looked at every second
        assert spec.default_interval_s() == spec.default_interval_s(has_secret=True) == 1.0
        return
    assert spec.default_interval_s() == max(60.0, without)
    assert spec.default_interval_s(has_secret=True) == 60.0


def test_unauthenticated_github_default_is_its_minimum():
    assert parse_spec("github-stars:a/b").default_interval_s() == 120.0


# --- requests ------------------------------------------------------------------------------


def test_bluesky_request():
    req = request_for(parse_spec("bluesky:aplusk.bsky.social"))
    assert req.url == (
        "https://public.api.bsky.app/xrpc/app.bsky.actor.getProfile?actor=aplusk.bsky.social"
    )
    assert req.display_url == req.url
    assert req.headers == {"User-Agent": USER_AGENT, "Accept": "application/json"}
    assert USER_AGENT.startswith("PhotoFinish/")


def test_bluesky_did_is_quoted_and_base_overridden():
    req = request_for(parse_spec("bluesky:did:plc:abc", "http://127.0.0.1:8765/"))
    assert req.url == "http://127.0.0.1:8765/xrpc/app.bsky.actor.getProfile?actor=did%3Aplc%3Aabc"


def test_mastodon_request_and_base_override():
    spec = parse_spec("mastodon:@Gar+ron@mastodon.social")
    assert request_for(spec).url == (
        "https://mastodon.social/api/v1/accounts/lookup?acct=Gar%2Bron"
    )
    spec = parse_spec("mastodon:user@mastodon.social", "http://127.0.0.1:8765/proxy/")
    assert request_for(spec).url == "http://127.0.0.1:8765/proxy/api/v1/accounts/lookup?acct=user"


def test_github_request_without_token():
    req = request_for(parse_spec("github-stars:python/cpython"))
    assert req.url == "https://api.github.com/repos/python/cpython"
    assert req.headers == {
        "User-Agent": USER_AGENT,
        "Accept": "application/vnd.github+json",
        "X-GitHub-Api-Version": "2022-11-28",
    }


def test_github_request_with_token_and_base():
    spec = parse_spec("github-followers:torvalds", "https://ghe.example.com/api/v3")
    req = request_for(spec, " tok123 ")
    assert req.url == "https://ghe.example.com/api/v3/users/torvalds"
    assert req.headers["Authorization"] == "Bearer tok123"
    assert "tok123" not in req.display_url


def test_github_repo_names_with_dots_are_kept():
    req = request_for(parse_spec("github-stars:owner/my.repo_1"))
    assert req.url == "https://api.github.com/repos/owner/my.repo_1"


def test_youtube_request_hides_the_key_in_display_url():
    spec = parse_spec("youtube:UC_x5XG1OV2P6uZZ5FSM9Ttw")
    req = request_for(spec, "k+y/z")
    assert req.url == (
        "https://www.googleapis.com/youtube/v3/channels"
        "?part=id%2Csnippet%2Cstatistics&id=UC_x5XG1OV2P6uZZ5FSM9Ttw&key=k%2By%2Fz"
    )
    assert req.display_url == (
        "https://www.googleapis.com/youtube/v3/channels"
        "?part=id%2Csnippet%2Cstatistics&id=UC_x5XG1OV2P6uZZ5FSM9Ttw&key=…"
    )
    assert "Authorization" not in req.headers


def test_youtube_without_key_is_a_clear_error():
    spec = parse_spec("youtube:UC_x5XG1OV2P6uZZ5FSM9Ttw")
    with pytest.raises(SpecError, match="a YouTube API key is needed: set PHOTOFINISH_YOUTUBE_KEY"):
        request_for(spec)


def test_json_request_drops_the_path():
    req = request_for(parse_spec("json:https://x.org/s.json?q=1#a.b"))
    assert req.url == req.display_url == "https://x.org/s.json?q=1"


def test_json_url_with_a_password_is_refused():
    # The spec is saved in the race file and on every reading.
    with pytest.raises(SpecError, match="user name or password"):
        parse_spec("json:https://u:pw@x.org/s.json#a.b")


# --- secrets -------------------------------------------------------------------------------


def test_secret_from_env_prefers_photofinish_names():
    env = {"GITHUB_TOKEN": "general", "PHOTOFINISH_GITHUB_TOKEN": "ours"}
    assert secret_from_env("github_token", env) == "ours"
    assert secret_from_env("github_token", {"PHOTOFINISH_GITHUB_TOKEN": " ", "GITHUB_TOKEN": "g"})
    assert secret_from_env("youtube_key", {"YOUTUBE_API_KEY": "yk"}) == "yk"
    assert secret_from_env("youtube_key", {}) == ""


def test_a_key_is_looked_up_only_for_the_service_itself_or_this_computer():
    asked: list[str] = []

    def secrets(name: str) -> str:
        asked.append(name)
        return "ghp_SECRET"

    assert secret_to_send(parse_spec("github-followers:octo"), secrets) == "ghp_SECRET"
    local = parse_spec("github-followers:octo", "http://127.0.0.1:8080")
    assert secret_to_send(local, secrets) == "ghp_SECRET"
    assert asked == ["github_token", "github_token"]
    elsewhere = parse_spec("github-followers:octo", "https://evil.example.org")
    assert secret_to_send(elsewhere, secrets) == ""
    assert secret_to_send(parse_spec("bluesky:alice.bsky.social"), secrets) == ""
    assert asked == ["github_token", "github_token"]  # never asked for the others


def test_secret_from_env_reads_os_environ(monkeypatch):
    monkeypatch.setenv("PHOTOFINISH_YOUTUBE_KEY", "from-env")
    assert secret_from_env("youtube_key") == "from-env"


def test_redact_replaces_plain_and_quoted_forms():
    text = "key=k%2By%2Fz and k+y/z and k%2By/z? also kept"
    assert redact(text, ["k+y/z", ""]) == "key=… and … and k%2By/z? also kept"
    assert redact("nothing here", []) == "nothing here"
    assert redact("a b", [""]) == "a b"


# --- reading replies ---------------------------------------------------------------------------

BSKY = parse_spec("bluesky:aplusk.bsky.social")
GITHUB = parse_spec("github-stars:owner/repo")
YOUTUBE = parse_spec("youtube:UC_x5XG1OV2P6uZZ5FSM9Ttw")


@pytest.mark.parametrize(
    ("text", "doc", "count"),
    [
        ("bluesky:bsky.app", {"followersCount": 1234, "handle": "bsky.app"}, 1234),
        ("mastodon:a@b.social", {"followers_count": 7}, 7),
        ("github-stars:a/b", {"stargazers_count": 65000}, 65000),
        ("github-followers:a", {"followers": 0}, 0),
        ("bluesky:bsky.app", {"followersCount": 12.0}, 12),
    ],
)
def test_presets_read_their_field(text, doc, count):
    assert extract_count(parse_spec(text), 200, JSON, body(doc)) == count


def test_youtube_reads_a_string_of_digits():
    doc = {
        "items": [{"statistics": {"subscriberCount": "1230000", "hiddenSubscriberCount": False}}]
    }
    assert extract_count(YOUTUBE, 200, JSON, body(doc)) == 1_230_000


def test_youtube_hidden_count_is_final():
    doc = {"items": [{"statistics": {"hiddenSubscriberCount": True}}]}
    err = reading_error(YOUTUBE, 200, body(doc))
    assert err.reason == "the YouTube channel UC_x5XG1OV2P6uZZ5FSM9Ttw hides its subscriber count"
    assert err.retry is False


@pytest.mark.parametrize("doc", [{"items": []}, {"pageInfo": {"totalResults": 0}}])
def test_youtube_unknown_channel(doc):
    err = reading_error(YOUTUBE, 200, body(doc))
    assert err.reason == "no YouTube channel UC_x5XG1OV2P6uZZ5FSM9Ttw"
    assert err.retry is False


def test_youtube_bad_key_shows_googles_message():
    doc = {"error": {"code": 400, "message": "API key not valid. Please pass a valid API key."}}
    err = reading_error(YOUTUBE, 400, body(doc))
    assert err.reason == "HTTP 400 Bad Request: API key not valid. Please pass a valid API key."
    assert err.retry is False


def test_youtube_quota_is_a_rate_limit():
    doc = {"error": {"code": 403, "message": "you have exceeded your quota", "errors": []}}
    err = reading_error(YOUTUBE, 403, body(doc))
    assert err.rate_limited
    assert err.retry


@pytest.mark.parametrize(
    ("path", "count"),
    [
        ("data.stats.followers", 5),
        ("/data/stats/followers", 5),
        ("items.0.count", 11),
        ("items[1].count", 22),
        ("/items/1/count", 22),
        ("/a~1b/c~0d", 33),
        ("grid[1][0]", 44),
    ],
)
def test_json_paths(path, count):
    doc = {
        "data": {"stats": {"followers": 5}},
        "items": [{"count": 11}, {"count": 22}],
        "a/b": {"c~d": 33},
        "grid": [[1], [44]],
    }
    spec = parse_spec(f"json:https://x.org/s#{path}")
    assert extract_count(spec, 200, JSON, body(doc)) == count


def test_json_without_path_needs_a_bare_number():
    spec = parse_spec("json:https://x.org/n")
    assert extract_count(spec, 200, "text/plain", b"  42\n") == 42
    assert (
        reading_error(spec, 200, body({"n": 1})).reason
        == "the reply is an object, not a whole number"
    )


@pytest.mark.parametrize(
    "path", ["data.missing", "items.5.count", "items.x", "data.stats.followers.x"]
)
def test_json_missing_path(path):
    doc = {"data": {"stats": {"followers": 5}}, "items": [{"count": 1}]}
    spec = parse_spec(f"json:https://x.org/s#{path}")
    assert reading_error(spec, 200, body(doc)).reason == f"the reply has no {path}"


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("abc", "followersCount is 'abc', not a whole number"),
        ("12a", "followersCount is '12a', not a whole number"),
        ("１２", "followersCount is '１２', not a whole number"),
        (None, "followersCount is null, not a whole number"),
        (True, "followersCount is true, not a whole number"),
        (1.5, "followersCount is 1.5, not a whole number"),
        (-3, "followersCount is -3, a negative count"),
        ("-3", "followersCount is -3, a negative count"),
        ([1], "followersCount is a list, not a whole number"),
        ({"n": 1}, "followersCount is an object, not a whole number"),
        (2**70, "followersCount is too large to be a count"),
    ],
)
def test_odd_values_are_refused(value, reason):
    err = reading_error(BSKY, 200, body({"followersCount": value}))
    assert err.reason == reason
    assert err.retry is True
    assert err.rate_limited is False


@pytest.mark.parametrize(("raw", "shown"), [(b"NaN", "nan"), (b"Infinity", "inf")])
def test_nan_and_infinity_are_refused(raw, shown):
    err = reading_error(BSKY, 200, b'{"followersCount": ' + raw + b"}")
    assert err.reason == f"followersCount is {shown}, not a whole number"


def test_long_string_values_are_cut_and_cleaned():
    err = reading_error(BSKY, 200, body({"followersCount": "x\x1b[31m" + "y" * 200}))
    assert "\x1b" not in err.reason
    assert len(err.reason) < 100


def test_missing_field():
    assert (
        reading_error(BSKY, 200, body({"handle": "a"})).reason == "the reply has no followersCount"
    )
    assert reading_error(BSKY, 200, body([1, 2])).reason == "the reply has no followersCount"


def test_html_page_is_named():
    err = reading_error(BSKY, 200, b"<!doctype html><html></html>", "text/html; charset=utf-8")
    assert err.reason == "the server sent an HTML page (HTTP 200), not JSON"
    err = reading_error(BSKY, 200, b"\n  <html>maintenance</html>", JSON)
    assert err.reason == "the server sent an HTML page (HTTP 200), not JSON"
    assert err.retry


@pytest.mark.parametrize("data", [b'{"followersCount": 1', b"\xff\xfe\x00garbage", b"{'a': 1}"])
def test_malformed_json(data):
    assert reading_error(BSKY, 200, data).reason == "the reply is not valid JSON"


def test_empty_reply():
    assert reading_error(BSKY, 204, b"").reason == "the reply is empty (HTTP 204)"


def test_server_error_with_message_excerpt():
    data = body({"error": "InternalServerError", "message": "db\x00 down\n\tagain " + "z" * 300})
    err = reading_error(BSKY, 503, data)
    assert err.reason.startswith("HTTP 503 Service Unavailable: db down again zzz")
    assert err.reason.endswith("…")
    assert len(err.reason) <= len("HTTP 503 Service Unavailable: ") + 120
    assert err.retry and not err.rate_limited


def test_server_error_without_json():
    err = reading_error(BSKY, 502, b"<html>Bad gateway</html>", "text/html")
    assert err.reason == "HTTP 502 Bad Gateway"
    assert err.retry


def test_unknown_status_code():
    assert reading_error(BSKY, 599, b"").reason == "HTTP 599"


def test_bluesky_unknown_profile_is_final():
    err = reading_error(
        BSKY, 400, body({"error": "InvalidRequest", "message": "Profile not found"})
    )
    assert err.reason == "no Bluesky account named aplusk.bsky.social"
    assert err.retry is False


def test_mastodon_error_field_is_used():
    spec = parse_spec("mastodon:a@b.social")
    err = reading_error(spec, 410, body({"error": "Gone for good"}))
    assert err.reason == "HTTP 410 Gone: Gone for good"


def test_429_is_rate_limited():
    err = reading_error(BSKY, 429, b"")
    assert err.reason == "rate limited by the server (HTTP 429)"
    assert err.rate_limited and err.retry


def test_github_403_rate_limit():
    data = body({"message": "API rate limit exceeded for 1.2.3.4. (But here's the good news…)"})
    err = reading_error(GITHUB, 403, data)
    assert err.reason == "rate limited by the server (HTTP 403)"
    assert err.rate_limited and err.retry


def test_plain_403_is_final():
    err = reading_error(GITHUB, 403, body({"message": "Resource not accessible"}))
    assert err.reason == "HTTP 403 Forbidden: Resource not accessible"
    assert not err.rate_limited and not err.retry


def test_github_401_hints_at_the_token():
    err = reading_error(GITHUB, 401, body({"message": "Bad credentials"}))
    assert err.reason == "HTTP 401 Unauthorized: Bad credentials (check the GitHub token)"
    assert err.retry is False


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("bluesky:bsky.app", "no Bluesky account named bsky.app"),
        ("mastodon:@a@b.social", "no Mastodon account @a@b.social"),
        ("github-stars:a/b", "no GitHub repository a/b"),
        ("github-followers:octocat", "no GitHub user octocat"),
        ("json:https://x.org/a", "not found (HTTP 404): check the URL"),
    ],
)
def test_404_is_final_and_names_what_is_missing(text, reason):
    err = reading_error(parse_spec(text), 404, body({"message": "Not Found"}))
    assert err.reason == reason
    assert err.retry is False


@pytest.mark.parametrize("status", [408, 500, 503])
def test_transient_statuses_are_retried(status):
    assert reading_error(BSKY, status, b"").retry is True


def test_reading_error_defaults():
    err = ReadingError("x")
    assert (str(err), err.reason, err.retry, err.rate_limited) == ("x", "x", True, False)


# --- the split between specs and replies ---------------------------------------------------


def test_a_spec_does_not_need_the_reply_reader():
    """Specs are read before any reply: replies uses specs, never the other way round."""
    code = (
        "import sys, photofinish.core.live.specs; "
        "sys.exit('photofinish.core.live.replies' in sys.modules)"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_replies_import_first():
    code = "import photofinish.core.live.replies as r; r.extract_count"
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize(
    ("text", "keys"),
    [
        ("json:https://x.org/a.json#data.items[0].count", ("data", "items", "0", "count")),
        ("json:https://x.org/a.json#/a~1b/0", ("a/b", "0")),
        ("json:https://x.org/a.json", ()),
        ("bluesky:bsky.app", ()),
    ],
)
def test_json_keys(text, keys):
    assert parse_spec(text).json_keys == keys


def test_a_relative_file_path_is_made_absolute(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert parse_spec("file:feeds/a.csv").text == f"file:{tmp_path / 'feeds' / 'a.csv'}"


def test_json_pointers_follow_rfc_6901():
    assert parse_spec("json:https://x.org/a#/data/a~1b/0").json_keys == ("data", "a/b", "0")
    assert parse_spec("json:https://x.org/a#/m~0n").json_keys == ("m~n",)
    with pytest.raises(SpecError, match="bad JSON Pointer"):
        parse_spec("json:https://x.org/a#/bad~2escape")
