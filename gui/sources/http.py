"""One HTTP source: polls a preset's URL with QtNetwork, never blocking, and reports each result."""

from __future__ import annotations

import logging
import time
from urllib.parse import urljoin, urlsplit

from PySide6.QtCore import QByteArray, QObject, QTimer, QUrl, Signal, Slot
from PySide6.QtNetwork import QNetworkAccessManager, QNetworkReply, QNetworkRequest

from ..core.live.replies import ReadingError, read_answer
from ..core.live.retry import RetryPolicy
from ..core.live.specs import USER_AGENT, SourceSpec, redact, redact_bytes, request_for

log = logging.getLogger(__name__)

TIMEOUT_MS = 15_000
# A count fits in a few hundred bytes; anything past this is not the reply we asked for.
MAX_REPLY_BYTES = 2 * 1024 * 1024
# What Qt may read from the network ahead of us. Without a limit its network
# thread reads as fast as the server sends, tens of megabytes before a check on
# the main thread could stop it; with one, reading waits until we take the data.
READ_BUFFER_BYTES = 64 * 1024
# Redirects on the same host (a moved path, http to a trailing slash) are
# followed, this many at most; a loop ends there.
MAX_REDIRECTS = 5

_NETWORK_REASONS = {
    QNetworkReply.NetworkError.ConnectionRefusedError: "the connection was refused",
    QNetworkReply.NetworkError.RemoteHostClosedError: "the server closed the connection",
    QNetworkReply.NetworkError.HostNotFoundError: "the server's name could not be found",
    QNetworkReply.NetworkError.TimeoutError: "the connection timed out",
    QNetworkReply.NetworkError.SslHandshakeFailedError: "the secure connection failed",
    QNetworkReply.NetworkError.TemporaryNetworkFailureError: "the network is down",
    QNetworkReply.NetworkError.NetworkSessionFailedError: "the network is down",
    QNetworkReply.NetworkError.ProxyConnectionRefusedError: "the proxy refused the connection",
    QNetworkReply.NetworkError.InsecureRedirectError: "the server redirected to another address;"
    " not followed",
    QNetworkReply.NetworkError.TooManyRedirectsError: "too many redirects",
}


class HttpPoller(QObject):
    """Polls one HTTP source on a timer; each answer becomes a reading or a reason.

    Requests are asynchronous (QNetworkAccessManager), time out after
    ``TIMEOUT_MS``, follow redirects only on the same origin (at most
    ``MAX_REDIRECTS``; one elsewhere is refused and named in the reason) and
    are cut off past ``MAX_REPLY_BYTES``: at once when the headers announce
    more, else as soon as that much has arrived. After a failure the next poll
    waits as :class:`RetryPolicy` says (backoff with jitter, Retry-After,
    rate-limit resets).
    """

    # object, not int: Qt's int is 32 bits and counts can pass 2**31.
    read = Signal(object, float)  # count, epoch seconds of the reading
    # reason (no secrets), epoch seconds of the next attempt, whether retrying can help
    failed = Signal(str, float, bool)
    polled = Signal(float)  # a poll worked; epoch seconds of the next one
    moved = Signal(str)  # the account moved here (a spec target); said once

    def __init__(
        self,
        manager: QNetworkAccessManager,
        spec: SourceSpec,
        interval_s: float,
        secret: str = "",
        parent: QObject | None = None,
        retry_base_s: float = 5.0,
        timeout_ms: int = TIMEOUT_MS,
    ) -> None:
        super().__init__(parent)
        self.manager = manager
        self.spec = spec
        self.secret = secret
        self.timeout_ms = timeout_ms
        # The first retry comes no later than the next poll would have.
        self.policy = RetryPolicy(interval_s=interval_s, base_s=min(retry_base_s, interval_s))
        self.request = request_for(spec, secret)
        self._moved_to: str | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.poll)
        self._reply: QNetworkReply | None = None
        self._body = bytearray()
        self._too_big = False
        self._too_slow = False
        # The transfer timeout only measures silence; this bounds the whole request.
        self._deadline = QTimer(self)
        self._deadline.setSingleShot(True)
        self._deadline.timeout.connect(self._on_deadline_timeout)

    def start(self, delay_s: float = 0.0) -> None:
        """Poll now (or after a delay), then on schedule."""
        self._timer.start(round(max(0.0, delay_s) * 1000))

    def stop(self) -> None:
        """Stop polling and drop any request in flight (its reading was never stored)."""
        self._timer.stop()
        self._deadline.stop()
        reply, self._reply = self._reply, None
        if reply is not None:
            reply.finished.disconnect(self._on_reply_finished)
            reply.readyRead.disconnect(self._on_reply_ready_read)
            reply.metaDataChanged.disconnect(self._on_reply_meta_data_changed)
            reply.abort()
            reply.deleteLater()

    @property
    def busy(self) -> bool:
        """Whether a request is in flight."""
        return self._reply is not None

    @Slot()
    def poll(self) -> None:
        """Send one request (unless one is still out)."""
        if self._reply is not None:
            return
        req = QNetworkRequest(QUrl(self.request.url))
        req.setTransferTimeout(self.timeout_ms)
        req.setAttribute(
            QNetworkRequest.Attribute.RedirectPolicyAttribute,
            QNetworkRequest.RedirectPolicy.SameOriginRedirectPolicy,
        )
        req.setMaximumRedirectsAllowed(MAX_REDIRECTS)
        req.setHeader(QNetworkRequest.KnownHeaders.UserAgentHeader, USER_AGENT)
        for name, value in self.request.headers.items():
            req.setRawHeader(QByteArray(name.encode()), QByteArray(value.encode()))
        self._too_big = self._too_slow = False
        self._body = bytearray()
        reply = self.manager.get(req)
        reply.setReadBufferSize(READ_BUFFER_BYTES)
        self._reply = reply
        self._deadline.start(self.timeout_ms)
        reply.metaDataChanged.connect(self._on_reply_meta_data_changed)
        reply.readyRead.connect(self._on_reply_ready_read)
        reply.finished.connect(self._on_reply_finished)

    def _refuse_as_too_big(self) -> None:
        if self._reply is not None and not self._too_big:
            self._too_big = True
            self._reply.abort()

    @Slot()
    def _on_reply_meta_data_changed(self) -> None:
        reply = self._reply
        if reply is None:
            return
        length = reply.header(QNetworkRequest.KnownHeaders.ContentLengthHeader)
        try:
            announced = int(length) if length is not None else 0
        except (TypeError, ValueError):
            announced = 0
        if announced > MAX_REPLY_BYTES:
            self._refuse_as_too_big()  # before a byte of the body is read

    @Slot()
    def _on_reply_ready_read(self) -> None:
        reply = self._reply
        if reply is None or self._too_big:
            return
        # Take what Qt buffered (at most READ_BUFFER_BYTES), so it reads on; stop past the cap.
        while reply.bytesAvailable() > 0:
            self._body += bytes(reply.read(READ_BUFFER_BYTES).data())
            if len(self._body) > MAX_REPLY_BYTES:
                self._body = bytearray()
                self._refuse_as_too_big()
                return

    @Slot()
    def _on_deadline_timeout(self) -> None:
        if self._reply is not None:
            self._too_slow = True
            self._reply.abort()

    @Slot()
    def _on_reply_finished(self) -> None:
        self._deadline.stop()
        reply, self._reply = self._reply, None
        if reply is None:
            return
        try:
            self._handle(reply)
        finally:
            self._body = bytearray()
            reply.deleteLater()

    def _handle(self, reply: QNetworkReply) -> None:
        now = time.time()
        headers = {
            bytes(k.data()).decode("latin-1").lower(): bytes(v.data()).decode("latin-1")
            for k, v in reply.rawHeaderPairs()
        }
        status = reply.attribute(QNetworkRequest.Attribute.HttpStatusCodeAttribute)
        error = reply.error()
        if self._too_slow:
            self._fail(f"no answer within {self.timeout_ms / 1000:g} s", headers, now)
            return
        if self._too_big:
            self._fail(
                f"the reply was larger than {MAX_REPLY_BYTES // 1024 // 1024} MB; refused",
                headers,
                now,
            )
            return
        if error == QNetworkReply.NetworkError.InsecureRedirectError:
            self._fail(self._redirect_reason(reply, headers), headers, now)
            return
        if (
            status is None
            or error in _NETWORK_REASONS
            or (error != QNetworkReply.NetworkError.NoError and not status)
        ):
            self._fail(self._network_reason(reply, error), headers, now)
            return
        body = bytes(self._body) + bytes(reply.readAll().data())
        if len(body) > MAX_REPLY_BYTES:
            self._fail(
                f"the reply was larger than {MAX_REPLY_BYTES // 1024 // 1024} MB; refused",
                headers,
                now,
            )
            return
        # A server may echo the request back (the key in an error message or a
        # field): take the key out before any of the reply can reach a reason.
        body = redact_bytes(body, [self.secret])
        content_type = headers.get("content-type", "")
        try:
            answer = read_answer(self.spec, int(status), content_type, body)
        except ReadingError as exc:
            self._fail(exc.reason, headers, now, lasting=not exc.retry)
            return
        delay = self.policy.after_success(headers, now)
        if answer.moved_to and answer.moved_to != self._moved_to:
            self._moved_to = answer.moved_to
            self.moved.emit(answer.moved_to)
        self.read.emit(answer.count, now)
        self.polled.emit(now + delay)
        self._timer.start(round(delay * 1000))

    def _redirect_reason(self, reply: QNetworkReply, headers: dict[str, str]) -> str:
        """Where a refused redirect pointed (scheme, host and port only), in words."""
        generic = _NETWORK_REASONS[QNetworkReply.NetworkError.InsecureRedirectError]
        location = headers.get("location", "").strip()
        try:
            target = urlsplit(urljoin(reply.url().toString(), location))
            host = target.hostname or ""
            port = target.port
        except ValueError:
            return generic
        if not location or not host or target.scheme.lower() not in ("http", "https"):
            return generic
        where = f"{target.scheme.lower()}://{host}" + (f":{port}" if port else "")
        if len(where) > 100:
            return generic
        return f"the server redirected to another address ({where}); not followed"

    def _network_reason(self, reply: QNetworkReply, error: QNetworkReply.NetworkError) -> str:
        if error in (
            QNetworkReply.NetworkError.OperationCanceledError,
            QNetworkReply.NetworkError.TimeoutError,
        ):
            return f"no answer within {self.timeout_ms / 1000:g} s"
        reason = _NETWORK_REASONS.get(error)
        if reason is None:
            reason = redact(reply.errorString(), [self.secret]).replace(self.request.url, "")
            reason = redact(reason, [self.secret])
        return reason

    def _fail(
        self, reason: str, headers: dict[str, str], now: float, lasting: bool = False
    ) -> None:
        delay = self.policy.after_failure(headers, now)
        if lasting:
            # A wrong handle or a hidden count will not mend itself soon: look
            # again now and then, not at the backoff's pace.
            delay = max(delay, min(self.policy.max_s, 10 * self.policy.interval_s))
        reason = redact(reason, [self.secret])
        log.info("%s: %s (next try in %.0f s)", self.spec.label(), reason, delay)
        self.failed.emit(reason, now + delay, lasting)
        self._timer.start(round(delay * 1000))
