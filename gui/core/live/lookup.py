"""Who an account is: a pasted profile link or a spec turned into what to follow, and looked up.

People paste what their browser shows (``https://bsky.app/profile/alice.bsky.social``,
``https://example.social/@alice``, ``https://github.com/owner/repo``,
``https://www.youtube.com/@handle``, ``https://x.com/name``) or type a spec
(``bluesky:alice.bsky.social``). :func:`parse_target` says which source that
is; :func:`look_up` asks the service and says who it is and what its count is,
or exactly why not (no such account, suspended, hidden count).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from .fetch import Fetch, FetchError
from .replies import ReadingError, read_answer
from .specs import KINDS, PRESETS, SourceSpec, SpecError, parse_spec, request_for

__all__ = ["LookupError", "Profile", "look_up", "names_a_source", "parse_target"]

# Paths on github.com that are pages of the site, not users or repositories.
_GITHUB_PAGES = frozenset(
    "about apps collections enterprise events explore features issues login marketplace "
    "new notifications orgs organizations pricing pulls search settings sponsors topics "
    "trending".split()
)
_HOSTS = {
    "bsky.app": "bluesky",
    "github.com": "github",
    "youtube.com": "youtube",
    "x.com": "x",
    "twitter.com": "x",
}
_KNOWN = "a Bluesky, Mastodon, GitHub, YouTube or X profile link, or a spec such as bluesky:name"


class LookupError(Exception):  # noqa: A001 - the module's own, as qutebrowser names its errors
    """The target cannot be followed; str() says which and why, in one line."""

    def __init__(self, reason: str, *, final: bool = True) -> None:
        super().__init__(reason)
        self.reason = reason
        self.final = final  # False: the service may answer later (network, rate limit)


@dataclass(frozen=True)
class Profile:
    """An account found: the spec to follow, its handle in a race, its name and count now."""

    spec: SourceSpec
    handle: str
    name: str
    count: int

    def as_json(self) -> dict[str, object]:
        """The look-up's answer as ``photofinish lookup --json`` prints it."""
        return {
            "spec": self.spec.text,
            "handle": self.handle,
            "name": self.name,
            "count": self.count,
        }


def _is_spec(text: str) -> bool:
    kind, sep, _ = text.partition(":")
    return bool(sep) and kind.lower() in KINDS


def _is_link(text: str) -> bool:
    return bool(re.match(r"(?i)https?://", text) or re.match(r"[\w.-]+\.[a-z]{2,}/", text, re.I))


def names_a_source(text: str) -> bool:
    """Whether text names its own service (a profile link or a spec), unlike a bare handle."""
    text = text.strip()
    return _is_spec(text) or _is_link(text)


def parse_target(text: str, platform: str | None = None, base_url: str | None = None) -> SourceSpec:
    """The source a pasted link, ``@user@instance``, spec or handle names; SpecError otherwise.

    ``platform`` (a preset such as ``bluesky``) says what a plain handle is.
    """
    text = text.strip()
    if not text:
        raise SpecError("paste a profile link or type a handle")
    if _is_spec(text):
        return parse_spec(text, base_url)
    if _is_link(text):
        return parse_spec(_from_link(text), base_url)
    if re.fullmatch(r"@?[^\s@/]+@[^\s@/]+\.[^\s@/]+", text):
        return parse_spec(f"mastodon:{text}", base_url)
    if platform:
        if platform not in PRESETS:
            raise SpecError(f"unknown platform {platform!r}: use one of {', '.join(PRESETS)}")
        return parse_spec(f"{platform}:{text}", base_url)
    if text.lower().removeprefix("@").endswith(".bsky.social"):
        return parse_spec(f"bluesky:{text}", base_url)
    raise SpecError(f"choose a platform for {text!r}, or paste {_KNOWN}")


def _from_link(text: str) -> str:
    """The spec a profile link names."""
    url = text if "://" in text else f"https://{text}"
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    site = _HOSTS.get(host.removeprefix("www.").removeprefix("m.").removeprefix("mobile."))
    path = [unquote(p) for p in parts.path.split("/") if p]
    if site == "bluesky":
        if len(path) >= 2 and path[0] == "profile":
            return f"bluesky:{path[1]}"
        raise SpecError(
            f"a Bluesky profile link looks like https://bsky.app/profile/NAME, not {text}"
        )
    if site == "github":
        if path and path[0].lower() not in _GITHUB_PAGES:
            if len(path) >= 2:
                return f"github-stars:{path[0]}/{path[1]}"
            return f"github-followers:{path[0]}"
        raise SpecError(
            f"a GitHub link names a repository (github.com/OWNER/REPO) or a user, not {text}"
        )
    if site == "youtube":
        if path and path[0].startswith("@"):
            return f"youtube:{path[0]}"
        if len(path) >= 2 and path[0] == "channel":
            return f"youtube:{path[1]}"
        raise SpecError(
            f"a YouTube channel link looks like youtube.com/@handle or youtube.com/channel/ID, "
            f"not {text}"
        )
    if site == "x":
        if len(path) >= 1:
            return f"x:{path[0]}"
        raise SpecError(f"an X profile link looks like https://x.com/NAME, not {text}")
    if host and path and path[0].startswith("@") and len(path[0]) > 1:
        return f"mastodon:{path[0]}@{host}"  # a Mastodon server's profile page
    if host and len(path) >= 2 and path[0] == "users":
        return f"mastodon:@{path[1]}@{host}"  # the same account's ActivityPub address
    raise SpecError(f"Photo Finish cannot follow {text}: paste {_KNOWN}")


def look_up(spec: SourceSpec, fetch: Fetch, secret: str = "") -> Profile:
    """Ask the service who ``spec`` is; LookupError saying which and why when it cannot tell."""
    if not spec.is_http or spec.kind == "json":
        raise LookupError(f"{spec.text}: only the presets ({', '.join(PRESETS)}) can be looked up")
    try:
        request = request_for(spec, secret)
    except SpecError as exc:
        raise LookupError(str(exc)) from None
    try:
        reply = fetch(request)
    except FetchError as exc:
        raise LookupError(f"{spec.label()}: {exc.reason}", final=False) from None
    try:
        answer = read_answer(spec, reply.status, reply.content_type, reply.body)
    except ReadingError as exc:
        if exc.retry:
            raise LookupError(f"{spec.label()}: {exc.reason}", final=False) from None
        raise LookupError(exc.reason) from None
    handle = answer.handle.removeprefix("@") or spec.target.removeprefix("@")
    return Profile(spec, handle, answer.name or handle, answer.count)
