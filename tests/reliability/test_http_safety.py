"""HTTP sources against a local server that misbehaves on purpose.

What the issue asks of every request: a clear User-Agent; redirects followed on
the same host only (another host, port or scheme is refused, and the reason
says so); a reply cut off soon after ``MAX_REPLY_BYTES`` (a server that
announces or streams a gigabyte is stopped, which the server sees as a broken
connection); and a deadline (a server that never answers times out with a
reason).
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from importlib import metadata
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from PySide6.QtNetwork import QNetworkAccessManager

from photofinish.core.live.specs import USER_AGENT, parse_spec
from photofinish.sources.http import MAX_REDIRECTS, MAX_REPLY_BYTES, HttpPoller
from tests.reliability.support import LocalServer

GIGABYTE = 1 << 30
TOKEN = "ghp_REDIRECTTOKEN0123456789abcdefABCDEF"


class TrickServer(LocalServer):
    """Answers the Bluesky profile call; the ``actor`` says which trick to play."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.streamed: list[int] = []  # bytes written by each streaming answer until it broke
        self.release = threading.Event()  # lets the "silent" answers end
        self.redirect_to = ""  # where the "elsewhere" trick points
        super().__init__(_handler(self))

    def stop(self) -> None:
        self.release.set()
        super().stop()

    def hosts(self) -> list[str]:
        return [r["host"] for r in self.requests]


def _profile_path(actor: str) -> str:
    return f"/xrpc/app.bsky.actor.getProfile?actor={actor}"


def _handler(server: TrickServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802 - http.server naming
            actor = parse_qs(urlsplit(self.path).query).get("actor", [""])[0]
            server.requests.append(
                {
                    "path": self.path,
                    "actor": actor,
                    "host": self.headers.get("Host", ""),
                    "user-agent": self.headers.get("User-Agent", ""),
                    "authorization": self.headers.get("Authorization", ""),
                }
            )
            trick = actor.split(".")[0]
            if trick == "ok":
                self._json(200, {"did": "did:plc:x", "handle": actor, "followersCount": 7})
            elif trick == "same":
                self._redirect(_profile_path("ok.example.com"))  # relative: this host
            elif trick == "loop":
                n = int(actor.split(".")[1]) + 1
                self._redirect(_profile_path(f"loop.{n}.example.com"))
            elif trick == "elsewhere":
                self._redirect(server.redirect_to)
            elif trick in ("announce", "stream"):
                self._stream(announce=trick == "announce")
            elif trick == "silent":
                server.release.wait(10)
            else:
                self._json(404, {"error": "NotFound"})

        def _json(self, status: int, doc: Any) -> None:
            body = json.dumps(doc).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _redirect(self, location: str) -> None:
            self.send_response(302)
            self.send_header("Location", location)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def _stream(self, announce: bool) -> None:
            """A gigabyte of spaces, until the client breaks the connection.

            The send buffer is kept small, so what the server manages to write
            is close to what the client took, not what the kernel holds.
            """
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 32 * 1024)
            written = 0
            try:
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                if announce:
                    self.send_header("Content-Length", str(GIGABYTE))
                self.end_headers()
                chunk = b" " * 16384
                while written < GIGABYTE:
                    self.wfile.write(chunk)
                    written += len(chunk)
            except OSError:
                pass  # the client hung up: what we wanted to see
            finally:
                server.streamed.append(written)
                self.close_connection = True

    return Handler


@pytest.fixture
def server() -> Iterator[TrickServer]:
    s = TrickServer()
    yield s
    s.stop()


@pytest.fixture
def poll_once(qtbot):
    """Poll a spec once; returns ("read", count) or ("failed", reason) and the seconds it took."""
    made: list[HttpPoller] = []
    manager = QNetworkAccessManager()
    manager.setAutoDeleteReplies(False)

    def run(
        spec_text: str, base_url: str, secret: str = "", timeout_ms: int = 5000, wait_ms=8000
    ) -> tuple[str, object, float]:
        poller = HttpPoller(
            manager, parse_spec(spec_text, base_url), 60, secret, None, 60, timeout_ms
        )
        made.append(poller)
        result: list[tuple[str, object]] = []
        poller.read.connect(lambda count, _at: result.append(("read", count)))
        poller.failed.connect(lambda reason, _at, _lasting: result.append(("failed", reason)))
        start = time.monotonic()
        poller.start()
        qtbot.waitUntil(lambda: bool(result), timeout=wait_ms)
        kind, value = result[0]
        return kind, value, time.monotonic() - start

    yield run
    for poller in made:
        poller.stop()
        poller.deleteLater()
    manager.deleteLater()
    qtbot.wait(10)


# -- the User-Agent ----------------------------------------------------------------------------


def _declared_home_page() -> str | None:
    meta = metadata.metadata("photofinish")
    candidates = [meta.get("Home-page") or ""]
    candidates += [e.partition(",")[2].strip() for e in meta.get_all("Project-URL") or []]
    return next((u for u in candidates if u.startswith(("http://", "https://"))), None)


def test_requests_carry_the_apps_own_user_agent_even_after_a_redirect(server, poll_once):
    kind, count, _ = poll_once("bluesky:same.example.com", server.base_url)
    assert (kind, count) == ("read", 7)
    version = metadata.version("photofinish")
    home = _declared_home_page()
    expected = f"PhotoFinish/{version}" + (f" (+{home})" if home else "")
    # The request and the one after the redirect (Qt may send one again: each has it).
    assert list(dict.fromkeys(r["actor"] for r in server.requests)) == [
        "same.example.com",
        "ok.example.com",
    ]
    assert {r["user-agent"] for r in server.requests} == {expected} == {USER_AGENT}
    # Names the app and its version, and never passes for a browser or for Qt.
    assert "Mozilla" not in USER_AGENT and "Qt" not in USER_AGENT
    # Any address in it is one the package itself declares, not a made-up one.
    url = USER_AGENT.partition("(+")[2].rstrip(")")
    assert url == (home or "")


# -- redirects -----------------------------------------------------------------------------


def test_a_redirect_on_the_same_host_is_followed(server, poll_once):
    kind, count, _ = poll_once("bluesky:same.example.com", server.base_url)
    assert (kind, count) == ("read", 7)
    hops = list(dict.fromkeys(r["actor"] for r in server.requests))
    assert hops == ["same.example.com", "ok.example.com"]
    assert set(server.hosts()) == {f"127.0.0.1:{server.port}"}


@pytest.fixture
def second_server() -> Iterator[TrickServer]:
    s = TrickServer()
    yield s
    s.stop()


@pytest.mark.parametrize("where", ["localhost", "other-port", "https"])
def test_a_redirect_to_another_host_is_refused_and_said(server, second_server, poll_once, where):
    port = server.port
    target = {
        # Same machine, same port: still another host by name, so another origin.
        "localhost": f"http://localhost:{port}",
        "other-port": second_server.base_url,
        "https": f"https://127.0.0.1:{port}",
    }[where]
    server.redirect_to = f"{target}{_profile_path('ok.example.com')}&key={TOKEN}"
    kind, reason, _ = poll_once("bluesky:elsewhere.example.com", server.base_url, secret=TOKEN)
    assert kind == "failed"
    assert "redirected" in str(reason) and "not followed" in str(reason)
    assert f"({target})" in str(reason), reason  # the target's scheme, host and port
    assert TOKEN not in str(reason)
    # Nobody was asked at the other end, so nothing (no key either) went there.
    assert {r["actor"] for r in server.requests} == {"elsewhere.example.com"}
    assert set(server.hosts()) == {f"127.0.0.1:{port}"}
    assert second_server.requests == []


def test_a_redirect_loop_ends_after_a_few_hops(server, poll_once):
    kind, reason, _ = poll_once("bluesky:loop.0.example.com", server.base_url)
    assert kind == "failed" and "too many redirects" in str(reason)
    # Qt may send a request again on a fresh connection; what counts is the hops followed.
    hops = list(dict.fromkeys(r["actor"] for r in server.requests))
    assert hops == [f"loop.{n}.example.com" for n in range(MAX_REDIRECTS + 1)], hops


# -- the size cap ---------------------------------------------------------------------------


def _wait_for_stream_end(qtbot, server: TrickServer) -> int:
    qtbot.waitUntil(lambda: bool(server.streamed), timeout=10_000)
    return server.streamed[0]


def test_a_reply_announcing_a_gigabyte_is_refused_before_its_body(qtbot, server, poll_once):
    kind, reason, took = poll_once("bluesky:announce.example.com", server.base_url)
    limit = f"{MAX_REPLY_BYTES // 1024 // 1024} MB"
    assert kind == "failed" and limit in str(reason) and "larger" in str(reason), reason
    written = _wait_for_stream_end(qtbot, server)
    # The headers said a gigabyte: the client hung up before reading the body.
    assert written < MAX_REPLY_BYTES, f"the server wrote {written:,} bytes"
    assert took < 4


def test_a_reply_streaming_a_gigabyte_is_cut_off_soon_after_the_cap(qtbot, server, poll_once):
    kind, reason, took = poll_once("bluesky:stream.example.com", server.base_url)
    limit = f"{MAX_REPLY_BYTES // 1024 // 1024} MB"
    assert kind == "failed" and limit in str(reason) and "larger" in str(reason), reason
    written = _wait_for_stream_end(qtbot, server)
    # It read up to the cap (so it was the cap that stopped it) and not much further.
    assert MAX_REPLY_BYTES <= written < 2 * MAX_REPLY_BYTES, f"the server wrote {written:,} bytes"
    assert took < 4


# -- time limits -------------------------------------------------------------------------------


def test_a_server_that_never_answers_times_out_with_a_reason(server, poll_once):
    kind, reason, took = poll_once("bluesky:silent.example.com", server.base_url, timeout_ms=400)
    assert (kind, reason) == ("failed", "no answer within 0.4 s")
    assert 0.35 <= took < 2.0
    assert {r["actor"] for r in server.requests} == {"silent.example.com"}


def test_a_server_that_never_accepts_times_out_with_a_reason(poll_once):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)  # the kernel completes the handshake; nobody ever reads or answers
    try:
        base = f"http://127.0.0.1:{listener.getsockname()[1]}"
        kind, reason, took = poll_once("bluesky:ok.example.com", base, timeout_ms=400)
    finally:
        listener.close()
    assert (kind, reason) == ("failed", "no answer within 0.4 s")
    assert 0.35 <= took < 2.0
