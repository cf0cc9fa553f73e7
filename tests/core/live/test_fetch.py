"""The blocking fetch keeps the window's promises: time limit, size cap, redirects, no secrets."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from photofinish.core.live import fetch as fetch_module
from photofinish.core.live.fetch import FetchError, fetcher
from photofinish.core.live.specs import HttpRequest


class _Handler(BaseHTTPRequestHandler):
    routes: dict[str, tuple[int, dict[str, str], bytes]] = {}

    def log_message(self, *args):  # quiet
        pass

    def do_GET(self):  # noqa: N802
        if self.path == "/slow":
            time.sleep(2)
        status, headers, body = self.routes.get(self.path, (404, {}, b'{"error":"nope"}'))
        self.send_response(status)
        headers = {"Content-Type": "application/json", "Content-Length": str(len(body)), **headers}
        for k, v in headers.items():
            self.send_header(k, v)
        self.end_headers()
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass


@pytest.fixture
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    host, port = httpd.server_address[:2]
    base = f"http://{host}:{port}"
    _Handler.routes = {}
    yield base, _Handler.routes
    httpd.shutdown()
    httpd.server_close()


def get(url: str, **kw):
    return fetcher(**kw)(HttpRequest(url, {"User-Agent": "t"}, url))


def test_a_reply_comes_with_its_status_type_and_headers(server):
    base, routes = server
    routes["/a"] = (200, {"X-RateLimit-Remaining": "7"}, b'{"n": 1}')
    reply = get(f"{base}/a")
    assert (reply.status, reply.body) == (200, b'{"n": 1}')
    assert reply.content_type == "application/json"
    assert reply.headers["x-ratelimit-remaining"] == "7"


def test_an_error_status_is_a_reply_not_an_exception(server):
    base, routes = server
    routes["/gone"] = (400, {}, b'{"error":"InvalidRequest","message":"Profile not found"}')
    reply = get(f"{base}/gone")
    assert reply.status == 400 and b"Profile not found" in reply.body


def test_secrets_are_taken_out_of_the_reply(server):
    base, routes = server
    routes["/echo"] = (401, {}, b'{"message": "bad key s3cr3t-KEY"}')
    reply = fetcher(["s3cr3t-KEY"])(HttpRequest(f"{base}/echo", {}, f"{base}/echo"))
    assert b"s3cr3t" not in reply.body and "…".encode() in reply.body


def test_a_reply_announced_too_big_is_refused_at_the_headers(server, monkeypatch):
    base, routes = server
    monkeypatch.setattr(fetch_module, "MAX_REPLY_BYTES", 1000)
    routes["/big"] = (200, {}, b" " * 5000)
    with pytest.raises(FetchError, match="too big"):
        get(f"{base}/big")


def test_same_origin_redirects_are_followed_and_others_refused(server):
    base, routes = server
    routes["/old"] = (301, {"Location": "/new"}, b"")
    routes["/new"] = (200, {}, b"{}")
    assert get(f"{base}/old").status == 200
    routes["/away"] = (302, {"Location": "https://elsewhere.example/x"}, b"")
    with pytest.raises(FetchError, match="redirected to https://elsewhere.example; not followed"):
        get(f"{base}/away")
    routes["/loop"] = (302, {"Location": "/loop2"}, b"")
    routes["/loop2"] = (302, {"Location": "/loop"}, b"")
    with pytest.raises(FetchError, match="redirect"):
        get(f"{base}/loop")


def test_a_silent_server_times_out(server):
    base, _ = server
    started = time.monotonic()
    with pytest.raises(FetchError, match="in time"):
        get(f"{base}/slow", timeout_s=0.3)
    assert time.monotonic() - started < 1.5


def test_nobody_listening_is_said_in_words():
    with pytest.raises(FetchError, match="refused|could not reach"):
        get("http://127.0.0.1:9/x")
