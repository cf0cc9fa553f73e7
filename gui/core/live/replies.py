"""Reading the count out of a live source's HTTP reply, or saying why there is none."""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from .specs import SourceSpec

__all__ = ["COUNT_FIELDS", "Answer", "ReadingError", "extract_count", "read_answer"]


class ReadingError(Exception):
    """A poll got an answer but no usable count.

    ``reason`` is short plain text for a status line (never a raw body, never a
    secret). ``retry`` is False when the answer says the target itself is wrong
    (HTTP 4xx other than 408/425/429 and rate limits, no such YouTube channel,
    a hidden subscriber count): polling again would give the same answer, so
    the source should stop and tell the user. Everything that may pass (5xx,
    an HTML maintenance page, malformed JSON, a missing or odd field) keeps
    ``retry`` True and is left to the backoff. ``rate_limited`` marks a reply
    that says the server wants us to slow down.
    """

    def __init__(self, reason: str, *, retry: bool = True, rate_limited: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry = retry
        self.rate_limited = rate_limited


@dataclass(frozen=True)
class Answer:
    """What a good reply says: the count, and who it is when the service says so.

    ``handle`` is the account as the service writes it (``alice.bsky.social``,
    ``@alice@example.social``, ``owner/repo``, ``@channel``); ``moved_to`` is
    the account a Mastodon account moved to, as a spec target.
    """

    count: int
    name: str = ""
    handle: str = ""
    moved_to: str | None = None


# The field that holds the count in each preset's reply (for messages).
COUNT_FIELDS: dict[str, str] = {
    "bluesky": "followersCount",
    "mastodon": "followers_count",
    "github-stars": "stargazers_count",
    "github-followers": "followers",
    "youtube": "subscriberCount",
    "x": "followers_count",
}

_MAX_COUNT = 2**63 - 1  # what SQLite's INTEGER holds
_EXCERPT_CHARS = 120

_MISSING = object()

_SERVICES = {
    "bluesky": "Bluesky",
    "mastodon": "Mastodon",
    "github-stars": "GitHub",
    "github-followers": "GitHub",
    "youtube": "YouTube",
    "x": "X",
}


def missing_text(spec: SourceSpec) -> str:
    """How a look-up says the target does not exist: "no Bluesky account named x.bsky.social"."""
    target = spec.target
    return {
        "bluesky": f"no Bluesky account named {target}",
        "mastodon": f"no Mastodon account {target}",
        "github-stars": f"no GitHub repository {target}",
        "github-followers": f"no GitHub user {target}",
        "youtube": f"no YouTube channel {target}",
        "x": f"no X account named {target}",
    }.get(spec.kind, "not found (HTTP 404): check the URL")


def suspended_text(spec: SourceSpec) -> str:
    """How a look-up says the account is suspended: "the Mastodon account … is suspended"."""
    service = _SERVICES.get(spec.kind)
    what = f"{service} account" if service else "account"
    return f"the {what} {spec.target} is suspended"


def extract_count(spec: SourceSpec, status: int, content_type: str, body: bytes) -> int:
    """The count in a reply to ``request_for(spec)``; raise ReadingError saying what is wrong."""
    return read_answer(spec, status, content_type, body).count


def read_answer(spec: SourceSpec, status: int, content_type: str, body: bytes) -> Answer:
    """The count, name and handle in a reply to ``request_for(spec)``; or ReadingError.

    A reply that says the account is missing, suspended or hides its count
    raises with ``retry`` False and stores nothing, whatever its HTTP status
    (Bluesky answers 400, Mastodon 200 with ``suspended``, X 200 with
    ``errors``).
    """
    if not 200 <= status < 300:
        raise _status_error(spec, status, body)
    if "html" in content_type.lower() or body.lstrip()[:1] == b"<":
        raise ReadingError(f"the server sent an HTML page (HTTP {status}), not JSON")
    if not body.strip():
        raise ReadingError(f"the reply is empty (HTTP {status})")
    try:
        doc = json.loads(body)
    except (ValueError, RecursionError):
        raise ReadingError("the reply is not valid JSON") from None
    if spec.kind == "youtube":
        return _youtube_answer(spec, doc)
    if spec.kind == "x":
        return _x_answer(spec, doc)
    if spec.kind == "json":
        _, _, path = spec.target.partition("#")
        if not path:
            return Answer(_whole_number("the reply", doc))
        value = _walk(doc, spec.json_keys)
        if value is _MISSING:
            raise ReadingError(f"the reply has no {path}")
        return Answer(_whole_number(path, value))
    name = COUNT_FIELDS.get(spec.kind)
    if name is None:
        raise ReadingError(f"{spec.kind}: sources are not read over HTTP", retry=False)
    if not isinstance(doc, dict) or name not in doc:
        raise ReadingError(f"the reply has no {name}")
    if spec.kind == "mastodon":
        return _mastodon_answer(spec, doc)
    count = _whole_number(name, doc[name])
    if spec.kind == "bluesky":
        handle = _text(doc.get("handle")) or spec.target
        return Answer(count, _text(doc.get("displayName")) or handle, handle)
    if spec.kind == "github-stars":
        full = _text(doc.get("full_name")) or spec.target
        return Answer(count, full, full)
    login = _text(doc.get("login")) or spec.target
    return Answer(count, _text(doc.get("name")) or login, login)


def _text(value: Any) -> str:
    """A name or handle from a reply as plain one-line text ("" when it is not a string)."""
    return _clean(value, 200) if isinstance(value, str) else ""


def _mastodon_answer(spec: SourceSpec, doc: dict[str, Any]) -> Answer:
    """Mastodon's Account: suspended accounts answer 200 with zero counts; forks hide with -1."""
    if doc.get("suspended") is True:
        raise ReadingError(suspended_text(spec), retry=False)
    value = doc["followers_count"]
    # glitch-soc hides the count as -1; Akkoma and Pleroma as 0 with a flag beside it.
    extra = doc.get("pleroma")
    hidden = isinstance(extra, dict) and extra.get("hide_followers_count") is True
    if hidden or (isinstance(value, int) and not isinstance(value, bool) and value < 0):
        raise ReadingError(
            f"the Mastodon account {spec.target} hides its follower count", retry=False
        )
    count = _whole_number("followers_count", value)
    instance = spec.target.rpartition("@")[2]
    acct = _text(doc.get("acct")) or spec.target.removeprefix("@").rpartition("@")[0]
    handle = f"@{acct}" if "@" in acct else f"@{acct}@{instance}"
    moved = doc.get("moved")
    moved_to = None
    if isinstance(moved, dict):
        other = _text(moved.get("acct"))
        if other:
            moved_to = f"@{other}" if "@" in other else f"@{other}@{instance}"
    name = _text(doc.get("display_name")) or _text(doc.get("username")) or handle
    return Answer(count, name, handle, moved_to)


def _x_answer(spec: SourceSpec, doc: Any) -> Answer:
    """X's users/by/username: a missing or suspended user is HTTP 200 with ``errors``."""
    data = doc.get("data") if isinstance(doc, dict) else None
    if not isinstance(data, dict):
        errors = doc.get("errors") if isinstance(doc, dict) else None
        first = errors[0] if isinstance(errors, list) and errors else {}
        detail = " ".join(
            str(first.get(k, "")) for k in ("title", "detail") if isinstance(first, dict)
        ).lower()
        if "suspended" in detail:
            raise ReadingError(suspended_text(spec), retry=False)
        if "not found" in detail or "could not find" in detail:
            raise ReadingError(missing_text(spec), retry=False)
        raise ReadingError("the reply has no data")
    metrics = data.get("public_metrics")
    if not isinstance(metrics, dict) or "followers_count" not in metrics:
        raise ReadingError("the reply has no public_metrics.followers_count")
    count = _whole_number("followers_count", metrics["followers_count"])
    username = _text(data.get("username")) or spec.target
    return Answer(count, _text(data.get("name")) or username, username)


def _status_error(spec: SourceSpec, status: int, body: bytes) -> ReadingError:
    text = body[:4000].decode("utf-8", "replace").lower()
    if status == 429:
        return ReadingError("rate limited by the server (HTTP 429)", rate_limited=True)
    if status == 403 and "rate limit" in text:
        return ReadingError("rate limited by the server (HTTP 403)", rate_limited=True)
    if status == 403 and "quota" in text:
        return ReadingError("the API quota is used up (HTTP 403)", rate_limited=True)
    if status == 404:
        return ReadingError(missing_text(spec), retry=False)
    if spec.kind == "bluesky" and status == 400:
        # Bluesky answers a handle it does not know, and a taken-down account, with 400.
        if "profile not found" in text or "actor not found" in text:
            return ReadingError(missing_text(spec), retry=False)
        if "suspended" in text or "takedown" in text:
            return ReadingError(suspended_text(spec), retry=False)
        if "deactivated" in text:
            return ReadingError(f"the Bluesky account {spec.target} is deactivated", retry=False)
    try:
        reason = f"HTTP {status} {HTTPStatus(status).phrase}"
    except ValueError:
        reason = f"HTTP {status}"
    excerpt = _error_excerpt(body)
    if excerpt:
        reason = f"{reason}: {excerpt}"
    if status == 401 and spec.secret_name == "github_token":
        reason = f"{reason} (check the GitHub token)"
    retry = not (400 <= status < 500) or status in (408, 425)
    return ReadingError(reason, retry=retry)


def _error_excerpt(body: bytes) -> str:
    """A short, plain-text excerpt of a JSON error reply's message, or ""."""
    try:
        doc = json.loads(body)
    except (ValueError, RecursionError):
        return ""
    if not isinstance(doc, dict):
        return ""
    message: Any = doc.get("message")
    error: Any = doc.get("error")
    if not isinstance(message, str) and isinstance(error, dict):
        message = error.get("message")  # Google APIs: {"error": {"message": …}}
    if not isinstance(message, str) or not message.strip():
        message = error if isinstance(error, str) else ""
    return _clean(message)


def _clean(text: str, limit: int = _EXCERPT_CHARS) -> str:
    """Drop control characters, collapse white space, cut to ``limit`` characters."""
    text = "".join(c if c.isprintable() else " " for c in text)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _youtube_answer(spec: SourceSpec, doc: Any) -> Answer:
    items = doc.get("items") if isinstance(doc, dict) else None
    if not items or not isinstance(items, list):
        raise ReadingError(missing_text(spec), retry=False)
    item = items[0] if isinstance(items[0], dict) else {}
    stats = item.get("statistics")
    if not isinstance(stats, dict):
        raise ReadingError("the reply has no statistics")
    if stats.get("hiddenSubscriberCount") is True:
        raise ReadingError(
            f"the YouTube channel {spec.target} hides its subscriber count", retry=False
        )
    if "subscriberCount" not in stats:
        raise ReadingError("the reply has no subscriberCount")
    count = _whole_number("subscriberCount", stats["subscriberCount"])
    found = item.get("snippet")
    snippet: dict[str, Any] = found if isinstance(found, dict) else {}
    handle = _text(snippet.get("customUrl")) or _text(item.get("id")) or spec.target
    return Answer(count, _text(snippet.get("title")) or handle, handle)


def _walk(doc: Any, keys: tuple[str, ...]) -> Any:
    value = doc
    for key in keys:
        if isinstance(value, dict) and key in value:
            value = value[key]
        elif isinstance(value, list) and key.isascii() and key.isdigit() and int(key) < len(value):
            value = value[int(key)]
        else:
            return _MISSING
    return value


def _whole_number(name: str, value: Any) -> int:
    """``value`` as a count: an int, a float with no fraction, or a string of digits."""
    if isinstance(value, bool) or value is None:
        raise ReadingError(f"{name} is {json.dumps(value)}, not a whole number")
    if isinstance(value, str):
        digits = value.strip()
        if not re.fullmatch(r"-?[0-9]+", digits):
            raise ReadingError(f"{name} is {_clean(value, 40)!r}, not a whole number")
        value = int(digits)
    elif isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            raise ReadingError(f"{name} is {value}, not a whole number")
        if not value.is_integer():
            raise ReadingError(f"{name} is {value}, not a whole number")
        value = int(value)
    elif isinstance(value, dict | list):
        what = "an object" if isinstance(value, dict) else "a list"
        raise ReadingError(f"{name} is {what}, not a whole number")
    if not isinstance(value, int):
        raise ReadingError(f"{name} is not a whole number")
    if value < 0:
        raise ReadingError(f"{name} is {value}, a negative count")
    if value > _MAX_COUNT:
        raise ReadingError(f"{name} is too large to be a count")
    return value
