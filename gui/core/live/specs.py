"""Live source specs: parse what the user typed, build the HTTP request, redact secrets."""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from urllib.parse import quote, quote_plus, urlencode, urlsplit, urlunsplit

from jsonpointer import JsonPointer, JsonPointerException

log = logging.getLogger(__name__)


class SpecError(ValueError):
    """A spec the user typed cannot be used; str() is a clear message for a dialog."""


# The services Photo Finish knows (each with a base URL of its own), in the order shown.
PRESETS: tuple[str, ...] = (
    "bluesky",
    "mastodon",
    "github-stars",
    "github-followers",
    "youtube",
    "x",
)
KINDS: tuple[str, ...] = (*PRESETS, "json", "file")

PRESET_HELP: dict[str, tuple[str, str]] = {
    "bluesky": ("bluesky:bsky.app", "Followers of a Bluesky account (handle or DID)."),
    "mastodon": ("mastodon:@Gargron@mastodon.social", "Followers of a Mastodon account."),
    "github-stars": ("github-stars:python/cpython", "Stars of a GitHub repository."),
    "github-followers": ("github-followers:torvalds", "Followers of a GitHub user."),
    "youtube": (
        "youtube:@handle",
        "Subscribers of a YouTube channel, by @handle or UC… id "
        "(needs an API key; counts are rounded).",
    ),
    "x": ("x:NAME", "Followers of an X (Twitter) account (needs an API bearer token; paid)."),
    "json": (
        "json:https://example.com/stats.json#data.followers",
        "A number in any JSON reply: URL#dotted.path or URL#/json/pointer.",
    ),
    "file": ("file:~/readings.csv", "Follow a local CSV or JSON Lines file as it grows."),
}

SECRET_ENV: dict[str, tuple[str, ...]] = {
    "github_token": ("PHOTOFINISH_GITHUB_TOKEN", "GITHUB_TOKEN"),
    "youtube_key": ("PHOTOFINISH_YOUTUBE_KEY", "YOUTUBE_API_KEY"),
    "x_token": ("PHOTOFINISH_X_TOKEN",),
}

DEFAULT_BASES: dict[str, str] = {
    "bluesky": "https://public.api.bsky.app",
    "github-stars": "https://api.github.com",
    "github-followers": "https://api.github.com",
    "youtube": "https://www.googleapis.com",
    "x": "https://api.x.com",
}


_DEFAULT_INTERVAL_S = 60.0
_X_INTERVAL_S = 900.0


def _project_url() -> str | None:
    """The project's home page as the installed package declares it, if it declares one."""
    try:
        meta = metadata.metadata("photofinish")
    except metadata.PackageNotFoundError:
        return None
    urls: list[str] = [str(u) for u in meta.get_all("Home-page") or []]
    urls += [entry.partition(",")[2] for entry in meta.get_all("Project-URL") or []]
    for url in (u.strip() for u in urls):
        if urlsplit(url).scheme in ("http", "https"):
            return url
    return None


def _user_agent() -> str:
    """``PhotoFinish/VERSION``, with the project's page when the package names one.

    No page is made up: servers' operators read this to find who is calling.
    """
    try:
        version = metadata.version("photofinish")
    except metadata.PackageNotFoundError:
        version = "0"
    url = _project_url()
    return f"PhotoFinish/{version} (+{url})" if url else f"PhotoFinish/{version}"


USER_AGENT: str = _user_agent()


@dataclass(frozen=True)
class SourceSpec:
    """A parsed, validated live source: ``kind:target`` plus an optional base URL."""

    kind: str
    target: str
    base_url: str | None = None

    @property
    def text(self) -> str:
        """The canonical spec string, without the base URL or any secret."""
        return f"{self.kind}:{self.target}"

    @property
    def is_http(self) -> bool:
        """Whether the source is polled over HTTP (everything but ``file``)."""
        return self.kind != "file"

    @property
    def rounded(self) -> bool:
        """Whether the service rounds public counts (YouTube: three significant digits)."""
        return self.kind == "youtube"

    @property
    def secret_name(self) -> str | None:
        """The name of the secret this kind uses (a key of ``SECRET_ENV``), if any."""
        if self.kind in ("github-stars", "github-followers"):
            return "github_token"
        if self.kind == "youtube":
            return "youtube_key"
        if self.kind == "x":
            return "x_token"
        return None

    @property
    def json_keys(self) -> tuple[str, ...]:
        """For ``json:URL#path``, the path split into keys; () without a path or for other kinds."""
        path = self.target.partition("#")[2] if self.kind == "json" else ""
        return _parse_json_path(path) if path else ()

    def min_interval_s(self, has_secret: bool = False) -> float:
        """The shortest polling interval that keeps a two-source race within the rate limits."""
        if self.kind == "bluesky":
            # Public AppView: 3000 requests per 5 minutes per IP = 10 per second;
            # 10 s leaves nearly all of it to anything else on the same address.
            return 10.0
        if self.kind == "mastodon":
            # Mastodon: 300 requests per 5 minutes per IP = 1 per second;
            # two sources every 10 s use a fifth of it.
            return 10.0
        if self.kind in ("github-stars", "github-followers"):
            # GitHub REST: 5000 requests per hour with a token (10 s x 2 sources
            # = 720/h); without one 60 per hour per IP, shared by both
            # competitors: 120 s x 2 = 60/h.
            return 10.0 if has_secret else 120.0
        if self.kind == "youtube":
            # YouTube Data API: 10,000 units per day, channels.list costs 1;
            # two channels every 30 s = 5760 units, room for restarts.
            return 30.0
        if self.kind == "x":
            # X's API is paid per request: a reading a minute at the most.
            return 60.0
        if self.kind == "json":
            # An unknown server: be polite.
            return 5.0
        # A local file: cheap to stat.
        return 1.0

    def default_interval_s(self, has_secret: bool = False) -> float:
        """The suggested polling interval: a minute (a followed file: a second), or the minimum."""
        if self.kind == "file":
            return 1.0  # the file system also says when it changes; a look costs a stat
        if self.kind == "x":
            return _X_INTERVAL_S  # every request is paid for
        return max(_DEFAULT_INTERVAL_S, self.min_interval_s(has_secret))

    def label(self) -> str:
        """A short human label for a status line."""
        target = self.target
        if self.kind == "bluesky":
            return f"Bluesky {target}" if target.startswith("did:") else f"Bluesky @{target}"
        if self.kind == "mastodon":
            return f"Mastodon {target}"
        if self.kind == "github-stars":
            return f"GitHub stars of {target}"
        if self.kind == "github-followers":
            return f"GitHub followers of {target}"
        if self.kind == "youtube":
            return f"YouTube channel {target}"
        if self.kind == "x":
            return f"X @{target}"
        if self.kind == "json":
            url, _, path = target.partition("#")
            host = urlsplit(url).hostname or url
            return f"JSON {path} from {host}" if path else f"JSON from {host}"
        return f"file {Path(target).name}"


@dataclass(frozen=True)
class HttpRequest:
    """One GET to send: the real URL and headers, and a URL safe to log or show."""

    url: str
    headers: dict[str, str]
    display_url: str


# --- parsing -------------------------------------------------------------------------------

_HANDLE_RE = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)+")
_DID_RE = re.compile(r"did:[a-z]+:[A-Za-z0-9._:%-]+")
_HOST_RE = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?(?::[0-9]{1,5})?")
_MASTODON_USER_RE = re.compile(r"[^\s@/?#]+")
_GITHUB_OWNER_RE = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?")
_GITHUB_REPO_RE = re.compile(r"[A-Za-z0-9._-]+")
_YOUTUBE_ID_RE = re.compile(r"[A-Za-z0-9_-]{10,64}")
# YouTube handles: 3 to 30 letters, digits, underscores, hyphens and dots.
_YOUTUBE_HANDLE_RE = re.compile(r"@[\w.-]{3,30}")
_X_NAME_RE = re.compile(r"[A-Za-z0-9_]{1,15}")
_INDEX_RE = re.compile(r"\[(\d+)\]")


def parse_spec(text: str, base_url: str | None = None) -> SourceSpec:
    """Parse a spec the user typed (``kind:target``); raise SpecError with a specific message."""
    text = text.strip()
    if not text:
        raise SpecError("the spec is empty: type kind:target, e.g. bluesky:bsky.app")
    kind, sep, rest = text.partition(":")
    kind = kind.strip().lower()
    if not sep:
        raise SpecError(f"a spec looks like kind:target, e.g. bluesky:bsky.app (got {text!r})")
    if kind not in KINDS:
        raise SpecError(f"unknown kind {kind!r}: use one of {', '.join(KINDS)}")
    rest = rest.strip()
    if not rest:
        raise SpecError(f"nothing after '{kind}:': e.g. {PRESET_HELP[kind][0]}")
    base = _parse_base_url(kind, base_url)
    target = _PARSERS[kind](rest)
    return SourceSpec(kind, target, base)


def _parse_base_url(kind: str, base_url: str | None) -> str | None:
    if base_url is None or not base_url.strip():
        return None
    if kind not in PRESETS:
        where = "the json: URL" if kind == "json" else "the file path"
        raise SpecError(f"a base URL only applies to the presets; put it in {where} instead")
    base = base_url.strip()
    parts = urlsplit(base)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise SpecError(f"the base URL must be http(s)://host[:port][/path], not {base!r}")
    if parts.username is not None or parts.password is not None:
        raise SpecError("the base URL must not contain a user name or password")
    if parts.query or parts.fragment:
        raise SpecError("the base URL must not have a ?query or #fragment")
    try:
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        raise SpecError(f"the base URL has a bad port: {base!r}") from None
    return base.rstrip("/")


def _parse_bluesky(rest: str) -> str:
    handle = rest.removeprefix("@")
    if _DID_RE.fullmatch(handle) or _HANDLE_RE.fullmatch(handle):
        return handle
    raise SpecError(
        f"a Bluesky account is a handle like name.bsky.social or a did:plc:…, not {rest!r}"
    )


def _parse_mastodon(rest: str) -> str:
    user, sep, instance = rest.removeprefix("@").partition("@")
    if (
        not sep
        or not _MASTODON_USER_RE.fullmatch(user)
        or not _HOST_RE.fullmatch(instance)
        or "." not in instance.split(":")[0]
    ):
        raise SpecError(f"a Mastodon account looks like @user@instance, not {rest!r}")
    return f"@{user}@{instance.lower()}"


def _parse_github_stars(rest: str) -> str:
    repo = rest.removeprefix("https://github.com/").removesuffix("/").removesuffix(".git")
    owner, sep, name = repo.partition("/")
    if (
        not sep
        or not _GITHUB_OWNER_RE.fullmatch(owner)
        or not _GITHUB_REPO_RE.fullmatch(name)
        or name in (".", "..")
    ):
        raise SpecError(f"a GitHub repository looks like owner/repo, not {rest!r}")
    return f"{owner}/{name}"


def _parse_github_user(rest: str) -> str:
    user = rest.removeprefix("https://github.com/").removeprefix("@").removesuffix("/")
    if not _GITHUB_OWNER_RE.fullmatch(user) or len(user) > 39:
        raise SpecError(f"a GitHub user name has letters, digits and hyphens, not {rest!r}")
    return user


def _parse_youtube(rest: str) -> str:
    if rest.startswith("@"):
        if not _YOUTUBE_HANDLE_RE.fullmatch(rest):
            raise SpecError(
                f"a YouTube handle is @ and 3 to 30 letters, digits, _ - or ., not {rest!r}"
            )
        return rest
    if not _YOUTUBE_ID_RE.fullmatch(rest):
        raise SpecError(
            f"a YouTube channel is an @handle or an id like UC_x5XG1OV2P6uZZ5FSM9Ttw, not {rest!r}"
        )
    return rest


def _parse_x(rest: str) -> str:
    name = rest.removeprefix("@")
    if not _X_NAME_RE.fullmatch(name):
        raise SpecError(f"an X user name has 1 to 15 letters, digits and underscores, not {rest!r}")
    return name


def _parse_json(rest: str) -> str:
    url, _, path = rest.partition("#")
    url, path = url.strip(), path.strip()
    _check_http_url(url)
    if path:
        _parse_json_path(path)
        return f"{url}#{path}"
    return url


def _check_http_url(url: str) -> None:
    if any(c.isspace() for c in url):
        raise SpecError("the URL must not contain spaces (write them as %20)")
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https"):
        raise SpecError(f"a json: source needs an http:// or https:// URL, not {url!r}")
    if not parts.hostname:
        raise SpecError(f"the URL has no host: {url!r}")
    if parts.username or parts.password:
        # The spec is stored in the race file and on every reading: no passwords in it.
        raise SpecError(
            "the URL must not carry a user name or password: the spec is saved in the race file"
        )
    try:
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        raise SpecError(f"the URL has a bad port: {url!r}") from None


def _parse_json_path(path: str) -> tuple[str, ...]:
    """Split a dotted path (``a.b.0``, ``a[0].b``) or a JSON Pointer (``/a/b/0``) into keys."""
    if path.startswith("/"):
        try:
            return tuple(JsonPointer(path).parts)  # RFC 6901, ~0 and ~1 escapes included
        except JsonPointerException as exc:
            raise SpecError(f"bad JSON Pointer {path!r}: {exc}") from None
    keys: list[str] = []
    for part in path.split("."):
        name, _, indices = part.partition("[")
        indices = "[" + indices if indices else ""
        if (not name and not indices) or (indices and _INDEX_RE.sub("", indices)):
            raise SpecError(
                f"bad JSON path {path!r}: use data.items.0.count, data.items[0].count "
                "or a JSON Pointer like /data/items/0/count"
            )
        if name:
            keys.append(name)
        keys.extend(_INDEX_RE.findall(indices))
    return tuple(keys)


def _parse_file(rest: str) -> str:
    # Absolute, so the race file means the same file whoever opens it, from wherever.
    path = os.path.abspath(os.path.expanduser(rest)) if rest.strip() else ""
    if "\0" in path:
        raise SpecError("the file path contains a NUL character")
    return path


_PARSERS = {
    "bluesky": _parse_bluesky,
    "mastodon": _parse_mastodon,
    "github-stars": _parse_github_stars,
    "github-followers": _parse_github_user,
    "youtube": _parse_youtube,
    "x": _parse_x,
    "json": _parse_json,
    "file": _parse_file,
}


# --- secrets -------------------------------------------------------------------------------

_LOOPBACK = {"localhost", "127.0.0.1", "::1"}


def secret_allowed(spec: SourceSpec) -> bool:
    """Whether a key may go with this source's requests: to the service itself or this computer.

    A race file can name any base URL; a key from the environment or the
    settings must not follow it to somebody else's server.
    """
    if not spec.base_url:
        return True
    host = (urlsplit(spec.base_url).hostname or "").lower()
    default = (urlsplit(DEFAULT_BASES.get(spec.kind, "")).hostname or "").lower()
    return host in _LOOPBACK or host == default


def secret_to_send(spec: SourceSpec, secrets: Callable[[str], str]) -> str:
    """The key this source's requests carry, looked up by name; "" if it needs none or may not."""
    if not spec.secret_name:
        return ""
    if not secret_allowed(spec):
        log.info("Not sending a key to %s: not the service's own host", spec.base_url)
        return ""
    return secrets(spec.secret_name)


def secret_from_env(name: str, env: Mapping[str, str] | None = None) -> str:
    """The first non-empty variable of ``SECRET_ENV[name]`` in ``env`` (os.environ), or ""."""
    env = os.environ if env is None else env
    for var in SECRET_ENV[name]:
        value = env.get(var, "").strip()
        if value:
            return value
    return ""


def _secret_forms(secrets: Iterable[str]) -> list[str]:
    """Each non-empty secret as written, URL-quoted and JSON-escaped; longest first."""
    forms: set[str] = set()
    for secret in secrets:
        if secret:
            forms.update(
                (secret, quote(secret, safe=""), quote_plus(secret), json.dumps(secret)[1:-1])
            )
    return sorted(forms, key=len, reverse=True)


def redact(text: str, secrets: Iterable[str]) -> str:
    """Replace each non-empty secret, and its URL-quoted and JSON-escaped forms, by "…"."""
    for form in _secret_forms(secrets):
        text = text.replace(form, "…")
    return text


def redact_bytes(data: bytes, secrets: Iterable[str]) -> bytes:
    """:func:`redact` for a reply's raw bytes (UTF-8), before any of it is read or shown."""
    for form in _secret_forms(secrets):
        data = data.replace(form.encode("utf-8"), "…".encode())
    return data


# --- requests ------------------------------------------------------------------------------


def request_for(spec: SourceSpec, secret: str = "") -> HttpRequest:
    """The GET that reads ``spec``'s count; raise SpecError if it cannot be built."""
    secret = secret.strip()
    base = spec.base_url or DEFAULT_BASES.get(spec.kind, "")
    headers = {"User-Agent": USER_AGENT, "Accept": "application/json"}
    if spec.kind == "bluesky":
        url = f"{base}/xrpc/app.bsky.actor.getProfile?{urlencode({'actor': spec.target})}"
    elif spec.kind == "mastodon":
        user, _, instance = spec.target.removeprefix("@").partition("@")
        base = spec.base_url or f"https://{instance}"
        url = f"{base}/api/v1/accounts/lookup?{urlencode({'acct': user})}"
    elif spec.kind in ("github-stars", "github-followers"):
        if spec.kind == "github-stars":
            owner, _, repo = spec.target.partition("/")
            path = f"/repos/{quote(owner, safe='')}/{quote(repo, safe='')}"
        else:
            path = f"/users/{quote(spec.target, safe='')}"
        url = base + path
        headers["Accept"] = "application/vnd.github+json"
        headers["X-GitHub-Api-Version"] = "2022-11-28"
        if secret:
            headers["Authorization"] = f"Bearer {secret}"
    elif spec.kind == "youtube":
        if not secret:
            raise SpecError(
                "a YouTube API key is needed: set PHOTOFINISH_YOUTUBE_KEY "
                "or enter one in Race > Sources"
            )
        # One quota unit whatever the parts: the name comes with the count.
        which = "forHandle" if spec.target.startswith("@") else "id"
        query = urlencode({"part": "id,snippet,statistics", which: spec.target})
        url = f"{base}/youtube/v3/channels?{query}&key={quote(secret, safe='')}"
        return HttpRequest(url, headers, f"{base}/youtube/v3/channels?{query}&key=…")
    elif spec.kind == "x":
        if not secret:
            raise SpecError(
                "an X API bearer token is needed: set PHOTOFINISH_X_TOKEN "
                "or enter one in Race > Sources"
            )
        name = quote(spec.target, safe="")
        url = f"{base}/2/users/by/username/{name}?{urlencode({'user.fields': 'public_metrics'})}"
        headers["Authorization"] = f"Bearer {secret}"
    elif spec.kind == "json":
        url = spec.target.partition("#")[0]
        return HttpRequest(url, headers, _hide_password(url))
    else:
        raise SpecError(f"{spec.kind}: sources are not read over HTTP")
    return HttpRequest(url, headers, url)


def _hide_password(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{parts.username}:…@{host}"))
