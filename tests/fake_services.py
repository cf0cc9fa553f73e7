"""A local HTTP server answering like Bluesky, Mastodon, GitHub, YouTube and any JSON endpoint.

Tests queue faults (``server.faults.append("503")``) that the next requests
get instead of a good answer; counts grow by ``step`` with every good answer.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

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
            if fault is None:
                self.count += self.step
                self.served.append(self.count)
            return fault, self.count


def _document(path: str, query: dict[str, list[str]], count: int, value: Any) -> Any | None:
    if path == "/xrpc/app.bsky.actor.getProfile":
        return {"did": "did:plc:abc", "handle": query["actor"][0], "followersCount": value}
    if path == "/api/v1/accounts/lookup":
        return {"id": "1", "username": query["acct"][0], "followers_count": value}
    if path.startswith("/repos/"):
        return {"full_name": path[7:], "stargazers_count": value}
    if path.startswith("/users/"):
        return {"login": path[7:], "followers": value}
    if path == "/youtube/v3/channels":
        rounded = value if isinstance(value, str) else str(int(float(f"{count:.3g}")))
        stats = {"subscriberCount": rounded, "hiddenSubscriberCount": False}
        return {"kind": "youtube#channelListResponse", "items": [{"statistics": stats}]}
    if path == "/custom.json":
        return {"data": {"followers": value}}
    return None


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
            fault, count = server.next_answer()
            server.requests[-1]["fault"] = fault
            value: Any = count
            if fault == "glitch":
                value = count * 10
            elif fault == "string":
                value = "lots"
            doc = _document(parts.path, query, count, value)
            if doc is None:
                self._send(404, "application/json", b'{"error": "not found"}')
                return
            if fault == "missing":
                for key in _FIELDS:
                    doc.pop(key, None)
                if "items" in doc:
                    doc["items"][0]["statistics"].pop("subscriberCount")
                if "data" in doc:
                    doc["data"].pop("followers")
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
                body = b'{"message": "API rate limit exceeded for 127.0.0.1."}'
                reset = str(int(time.time()) + 1)
                self._send(
                    403,
                    "application/json",
                    body,
                    {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset},
                )
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
