"""One blocking HTTP GET with the same limits as the window's polls, for look-ups and history.

The window polls with QtNetwork on its event loop; a look-up on the command
line, or in a worker thread behind a dialog, waits for one answer instead.
Both keep the same promises: a time limit, a cap on the reply's size (refused
at the headers when announced too big), redirects followed only on the same
origin and at most :data:`MAX_REDIRECTS` times, and secrets taken out of the
reply before anything reads it.
"""

from __future__ import annotations

import socket
import urllib.error
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from email.message import Message
from typing import IO, Any
from urllib.parse import urljoin, urlsplit

from .specs import HttpRequest, redact_bytes

TIMEOUT_S = 15.0
MAX_REPLY_BYTES = 2 * 1024 * 1024
MAX_REDIRECTS = 5
_PIECE = 64 * 1024


class FetchError(Exception):
    """No answer came: the reason in plain words (never a secret)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Reply:
    """An answer: its status, content type, body (secrets taken out) and headers."""

    status: int
    content_type: str
    body: bytes
    headers: Mapping[str, str] = field(default_factory=dict)  # lower-case names


Fetch = Callable[[HttpRequest], Reply]


def fetcher(secrets: Iterable[str] = (), timeout_s: float = TIMEOUT_S) -> Fetch:
    """A function that GETs a request and returns its :class:`Reply` or raises FetchError."""
    import urllib.request

    hidden = [s for s in secrets if s]
    opener = urllib.request.build_opener(_same_origin())

    def fetch(request: HttpRequest) -> Reply:
        req = urllib.request.Request(request.url, headers=request.headers, method="GET")
        try:
            response: Any = opener.open(req, timeout=timeout_s)
        except _Refused as exc:
            raise FetchError(str(exc)) from None
        except urllib.error.HTTPError as exc:  # 4xx and 5xx still carry a reply
            response = exc
        except urllib.error.URLError as exc:
            raise FetchError(_reason(exc.reason, request, hidden)) from None
        except TimeoutError:
            raise FetchError("the server did not answer in time") from None
        except (OSError, ValueError) as exc:  # ssl.SSLError is an OSError
            raise FetchError(_reason(exc, request, hidden)) from None
        with response:
            headers = _headers(response.headers)
            body = _read_capped(response, headers, timeout_s)
            status = int(response.status if hasattr(response, "status") else response.code)
        return Reply(status, headers.get("content-type", ""), redact_bytes(body, hidden), headers)

    return fetch


def _headers(message: Message | None) -> dict[str, str]:
    if message is None:
        return {}
    return {name.lower(): str(value) for name, value in message.items()}


def _read_capped(response: IO[bytes], headers: Mapping[str, str], timeout_s: float) -> bytes:
    announced = headers.get("content-length", "")
    if announced.isdigit() and int(announced) > MAX_REPLY_BYTES:
        raise FetchError(f"the reply is too big ({int(announced):,} bytes announced)")
    chunks: list[bytes] = []
    size = 0
    try:
        while piece := response.read(_PIECE):
            size += len(piece)
            if size > MAX_REPLY_BYTES:
                raise FetchError(f"the reply is too big (over {MAX_REPLY_BYTES:,} bytes)")
            chunks.append(piece)
    except TimeoutError:
        raise FetchError("the server stopped answering halfway") from None
    except OSError as exc:
        raise FetchError(f"the connection broke ({exc.__class__.__name__})") from None
    return b"".join(chunks)


def _reason(error: object, request: HttpRequest, secrets: list[str]) -> str:
    """A network failure in words, without the request's secrets."""
    if isinstance(error, TimeoutError | socket.timeout):
        return "the server did not answer in time"
    if isinstance(error, socket.gaierror):
        return "the server's name could not be found"
    if isinstance(error, ConnectionRefusedError):
        return "the connection was refused"
    if type(error).__module__ == "ssl" or "SSL" in type(error).__name__:
        return "the secure connection failed"
    text = str(error)
    for secret in secrets:
        text = text.replace(secret, "…")
    host = urlsplit(request.url).hostname or "the server"
    return f"could not reach {host} ({text})"


class _Refused(urllib.error.URLError):
    """A redirect that is not followed, with the reason as its text."""

    def __str__(self) -> str:
        return str(self.reason)


def _same_origin() -> Any:
    """A redirect handler that follows redirects on the same scheme, host and port only."""
    import urllib.request

    class SameOrigin(urllib.request.HTTPRedirectHandler):
        max_redirections = MAX_REDIRECTS

        def redirect_request(
            self,
            req: urllib.request.Request,
            fp: IO[bytes],
            code: int,
            msg: str,
            headers: Any,
            newurl: str,
        ) -> urllib.request.Request | None:
            target = urljoin(req.full_url, newurl)
            here, there = urlsplit(req.full_url), urlsplit(target)
            if (here.scheme, here.hostname, here.port) != (
                there.scheme,
                there.hostname,
                there.port,
            ):
                shown = (
                    f"{there.scheme}://{there.hostname}" if there.hostname else "another address"
                )
                raise _Refused(f"the server redirected to {shown}; not followed")
            return super().redirect_request(req, fp, code, msg, headers, target)

        def http_error_302(self, req: Any, fp: Any, code: int, msg: str, headers: Any) -> Any:
            visited = getattr(req, "redirect_dict", {})
            if sum(visited.values()) >= MAX_REDIRECTS:
                raise _Refused("too many redirects")
            return super().http_error_302(req, fp, code, msg, headers)

        http_error_301 = http_error_303 = http_error_307 = http_error_308 = http_error_302

    return SameOrigin()
