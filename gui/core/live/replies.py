"""Reading the count out of a live source's HTTP reply, or saying why there is none."""

from __future__ import annotations

import json
import math
import re
from http import HTTPStatus
from typing import Any

from .specs import SourceSpec

__all__ = ["COUNT_FIELDS", "ReadingError", "extract_count"]


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


# The field that holds the count in each preset's reply (for messages).
COUNT_FIELDS: dict[str, str] = {
    "bluesky": "followersCount",
    "mastodon": "followers_count",
    "github-stars": "stargazers_count",
    "github-followers": "followers",
    "youtube": "subscriberCount",
}

_MAX_COUNT = 2**63 - 1  # what SQLite's INTEGER holds
_EXCERPT_CHARS = 120

_MISSING = object()

_NOT_FOUND_HINTS = {
    "bluesky": "check the handle",
    "mastodon": "check the account",
    "github-stars": "check the repository",
    "github-followers": "check the user name",
    "youtube": "check the channel id",
    "json": "check the URL",
}


def extract_count(spec: SourceSpec, status: int, content_type: str, body: bytes) -> int:
    """The count in a reply to ``request_for(spec)``; raise ReadingError saying what is wrong."""
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
        return _youtube_count(spec, doc)
    if spec.kind == "json":
        _, _, path = spec.target.partition("#")
        if not path:
            return _whole_number("the reply", doc)
        value = _walk(doc, spec.json_keys)
        if value is _MISSING:
            raise ReadingError(f"the reply has no {path}")
        return _whole_number(path, value)
    name = COUNT_FIELDS.get(spec.kind)
    if name is None:
        raise ReadingError(f"{spec.kind}: sources are not read over HTTP", retry=False)
    if not isinstance(doc, dict) or name not in doc:
        raise ReadingError(f"the reply has no {name}")
    return _whole_number(name, doc[name])


def _status_error(spec: SourceSpec, status: int, body: bytes) -> ReadingError:
    text = body[:4000].decode("utf-8", "replace").lower()
    if status == 429:
        return ReadingError("rate limited by the server (HTTP 429)", rate_limited=True)
    if status == 403 and "rate limit" in text:
        return ReadingError("rate limited by the server (HTTP 403)", rate_limited=True)
    if status == 403 and "quota" in text:
        return ReadingError("the API quota is used up (HTTP 403)", rate_limited=True)
    if status == 404:
        hint = _NOT_FOUND_HINTS.get(spec.kind, "check the spec")
        return ReadingError(f"not found (HTTP 404): {hint}", retry=False)
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


def _youtube_count(spec: SourceSpec, doc: Any) -> int:
    items = doc.get("items") if isinstance(doc, dict) else None
    if not items or not isinstance(items, list):
        raise ReadingError(f"no channel with id {spec.target}", retry=False)
    stats = items[0].get("statistics") if isinstance(items[0], dict) else None
    if not isinstance(stats, dict):
        raise ReadingError("the reply has no statistics")
    if stats.get("hiddenSubscriberCount") is True:
        raise ReadingError("the channel hides its subscriber count", retry=False)
    if "subscriberCount" not in stats:
        raise ReadingError("the reply has no subscriberCount")
    return _whole_number("subscriberCount", stats["subscriberCount"])


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
