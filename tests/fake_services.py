"""A local HTTP server answering like Bluesky, Mastodon, GitHub, YouTube, X and any JSON endpoint.

Every reply is one the services document (``tests/data/services/``, each file
naming the page it comes from), with the account and count of the request
filled in. Tests queue faults (``server.faults.append("503")``) that the next
requests get instead of a good answer; counts grow by ``step`` with every
good answer. ``server.replies[target] = "mastodon-suspended"`` answers a
target (a handle, ``owner/repo``, a channel) with a documented reply as it
stands; ``server.missing`` holds targets that do not exist (each service's
own not-found reply); ``server.history[owner/repo]`` holds a repository's
star history, weeks newest first, served thirty to a page.
"""

from __future__ import annotations

import copy
import json
import threading
import time
from collections import deque
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

DOCUMENTED = Path(__file__).parent / "data" / "services"
HISTORY_PAGE = 30  # weeks a page, as GitHub serves them


@cache
def _fixture(name: str) -> dict[str, Any]:
    return json.loads((DOCUMENTED / f"{name}.json").read_text(encoding="utf-8"))


def documented(name: str) -> dict[str, Any]:
    """A documented reply (status, headers, body and the document it comes from), a fresh copy."""
    return copy.deepcopy(_fixture(name))


FAULTS = (
    "500",
    "503",
    "429",
    "403-rate",
    "timeout",
    "malformed",
    "html",
    "missing",
    "string",
    "glitch",
    "huge",
    "404",
    "drip",
)


class FakeServices:
    """The server, its counts, its fault queue and what it was asked."""

    def __init__(self, start: int = 1000, step: int = 10) -> None:
        self.count = start
        self.step = step
        self.faults: deque[str] = deque()
        self.requests: list[dict[str, Any]] = []
        self.served: list[int] = []  # counts given in good answers, in order
        self.hang_s = 3.0
        self.retry_after = "1"
        self.replies: dict[str, str] = {}  # target -> documented reply served as it stands
        self.missing: set[str] = set()  # targets that do not exist
        self.history: dict[str, list[dict[str, Any]]] = {}  # owner/repo -> weeks, newest first
        self.delay_s = 0.0  # every answer waits this long (a slow server)
        self.lock = threading.Lock()
        handler = _handler(self)
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        """Where the server listens."""
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakeServices:
        """Start serving in a background thread."""
        self.thread.start()
        return self

    def stop(self) -> None:
        """Stop serving."""
        self.httpd.shutdown()
        self.httpd.server_close()

    def next_answer(self) -> tuple[str | None, int]:
        """The fault for this request (None: a good answer) and the count to give."""
        with self.lock:
            fault = self.faults.popleft() if self.faults else None
            if fault == "ok":  # a good answer, queued before a fault meant for a later request
                fault = None
            if fault is None:
                self.count += self.step
                self.served.append(self.count)
            return fault, self.count


def _target(path: str, query: dict[str, list[str]]) -> tuple[str, str] | None:
    """The service and the account, repository or channel a request asks about."""
    if path == "/xrpc/app.bsky.actor.getProfile":
        return "bluesky", query["actor"][0]
    if path == "/api/v1/accounts/lookup":
        return "mastodon", query["acct"][0]
    if path.startswith("/repos/"):
        parts = path[len("/repos/") :].split("/")
        if parts[2:] == ["stargazers", "history"]:
            return "github-history", "/".join(parts[:2])
        return "github-stars", "/".join(parts[:2])
    if path.startswith("/users/"):
        return "github-followers", path[len("/users/") :]
    if path == "/youtube/v3/channels":
        return "youtube", (query.get("forHandle") or query.get("id") or [""])[0]
    if path.startswith("/2/users/by/username/"):
        return "x", unquote(path[len("/2/users/by/username/") :])
    if path == "/custom.json":
        return "json", ""
    return None


_MISSING = {
    "bluesky": "bluesky-not-found",
    "mastodon": "mastodon-not-found",
    "github-stars": "github-not-found",
    "github-history": "github-not-found",
    "github-followers": "github-user-not-found",
    "youtube": "youtube-no-channel",
    "x": "x-not-found",
}


def _document(service: str, target: str, count: int, value: Any) -> Any:
    """The documented good reply for ``service``, naming ``target``, with ``value`` as its count."""
    if service == "bluesky":
        body = documented("bluesky-profile")["body"]
        body.update(handle=target, displayName=target.split(".")[0].title(), followersCount=value)
        return body
    if service == "mastodon":
        body = documented("mastodon-account")["body"]
        body.update(
            username=target, acct=target, display_name=target.title(), followers_count=value
        )
        return body
    if service == "github-stars":
        body = documented("github-repo")["body"]
        body.update(full_name=target, name=target.split("/")[1], stargazers_count=value)
        return body
    if service == "github-followers":
        body = documented("github-user")["body"]
        body.update(login=target, name=target.title(), followers=value)
        return body
    if service == "youtube":
        body = documented("youtube-channel")["body"]
        item = body["items"][0]
        if target.startswith("@"):
            item["snippet"]["customUrl"] = target.lower()
        else:
            item["id"] = target
        rounded = value if isinstance(value, str) else str(int(float(f"{count:.3g}")))
        item["statistics"]["subscriberCount"] = rounded
        return body
    if service == "x":
        body = documented("x-user")["body"]
        body["data"].update(username=target, name=target.title())
        body["data"]["public_metrics"]["followers_count"] = value
        return body
    if service == "json":
        return {"data": {"followers": value}}
    return None


def _history_page(
    weeks: list[dict[str, Any]], page: int, base: str
) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """One page of a star history and its ``Link`` header, as GitHub paginates."""
    last = max(1, -(-len(weeks) // HISTORY_PAGE))
    rows = weeks[(page - 1) * HISTORY_PAGE : page * HISTORY_PAGE]
    links = []
    if page < last:
        links.append(f'<{base}?page={page + 1}>; rel="next"')
        links.append(f'<{base}?page={last}>; rel="last"')
    if page > 1:
        links.append(f'<{base}?page=1>; rel="first"')
        links.append(f'<{base}?page={page - 1}>; rel="prev"')
    headers = dict(documented("github-stargazers-history")["headers"])
    if links:
        headers["link"] = ", ".join(links)
    return rows, headers


_FIELDS = ("followersCount", "followers_count", "stargazers_count", "followers")


def _handler(server: FakeServices) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:  # quiet
            pass

        def do_GET(self) -> None:  # noqa: N802
            parts = urlsplit(self.path)
            query = parse_qs(parts.query)
            server.requests.append(
                {
                    "path": self.path,
                    "headers": {k.lower(): v for k, v in self.headers.items()},
                    "at": time.monotonic(),
                }
            )
            if server.delay_s:
                time.sleep(server.delay_s)
            found = _target(parts.path, query)
            if found is None:
                self._send(404, "application/json", b'{"error": "not found"}')
                return
            service, target = found
            if target in server.missing:
                self._documented(_MISSING[service])
                return
            if target in server.replies:
                self._documented(server.replies[target])
                return
            fault, count = server.next_answer()
            server.requests[-1]["fault"] = fault
            if service == "github-history" and fault is None:
                page = int((query.get("page") or ["1"])[0])
                base = f"http://{self.headers.get('Host')}{parts.path}"
                rows, headers = _history_page(server.history.get(target, []), page, base)
                self._send(200, "application/json", json.dumps(rows).encode(), headers)
                return
            value: Any = count
            if fault == "glitch":
                value = count * 10
            elif fault == "string":
                value = "lots"
            doc = _document(service, target, count, value)
            if fault == "missing":
                for key in _FIELDS:
                    doc.pop(key, None)
                if "items" in doc:
                    doc["items"][0]["statistics"].pop("subscriberCount")
                if "data" in doc and "followers" in doc["data"]:
                    doc["data"].pop("followers")
                if "data" in doc and "public_metrics" in doc["data"]:
                    doc["data"]["public_metrics"].pop("followers_count")
            if fault in ("500", "503"):
                self._send(int(fault), "application/json", b'{"error": "InternalServerError"}')
            elif fault == "429":
                self._send(
                    429,
                    "application/json",
                    b'{"error": "RateLimitExceeded"}',
                    {"Retry-After": server.retry_after},
                )
            elif fault == "403-rate":
                limited = documented("github-rate-limited")
                limited["headers"]["x-ratelimit-reset"] = str(int(time.time()) + 1)
                self._documented_reply(limited)
            elif fault == "timeout":
                time.sleep(server.hang_s)
                self._send(200, "application/json", json.dumps(doc).encode())
            elif fault == "malformed":
                self._send(200, "application/json", b'{"followersCount": 12')
            elif fault == "html":
                self._send(
                    200, "text/html", b"<html><body><h1>Down for maintenance</h1></body></html>"
                )
            elif fault == "404":
                self._send(404, "application/json", b'{"error": "NotFound"}')
            elif fault == "drip":
                self._drip(json.dumps(doc).encode())
            elif fault == "huge":
                self._send(200, "application/json", b" " * (3 * 1024 * 1024) + b"{}")
            else:
                self._send(200, "application/json", json.dumps(doc).encode())

        def _drip(self, body: bytes) -> None:
            """Headers at once, then one byte at a time: never silent, never done."""
            try:
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body) + 100))
                self.end_headers()
                for _ in range(40):
                    self.wfile.write(b" ")
                    self.wfile.flush()
                    time.sleep(0.1)
            except (BrokenPipeError, ConnectionResetError):
                pass

        def _documented(self, name: str) -> None:
            self._documented_reply(documented(name))

        def _documented_reply(self, reply: dict[str, Any]) -> None:
            headers = {k: v for k, v in reply["headers"].items() if k != "content-type"}
            ctype = reply["headers"].get("content-type", "application/json")
            self._send(reply["status"], ctype, json.dumps(reply["body"]).encode(), headers)

        def _send(
            self, status: int, ctype: str, body: bytes, headers: dict[str, str] | None = None
        ) -> None:
            try:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (a timeout or a size cap): that is the point

    return Handler
