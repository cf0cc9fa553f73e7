"""Look-ups and history loads off the window's thread: each answer comes back as a signal.

A look-up waits for one HTTP answer and a history load for many (and for
GitHub's rate limit between them): each runs in a thread of its own with the
blocking fetch of :mod:`..core.live.fetch`, and its result is delivered on
the window's thread, so the window never waits. A result that nobody wants
any more (the row was edited again, the dialog closed) is dropped by its
token.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from PySide6.QtCore import QObject, Signal, Slot

from ..core.live.fetch import Fetch, fetcher
from ..core.live.history import HistoryResult, history_steps
from ..core.live.lookup import LookupError, look_up
from ..core.live.replies import ReadingError
from ..core.live.specs import SourceSpec, secret_to_send

log = logging.getLogger(__name__)

Secrets = Callable[[str], str]


class Lookups(QObject):
    """Looks accounts up in threads; says what it found, or why not, by the token it gave."""

    found = Signal(int, object)  # token, Profile
    failed = Signal(int, str, bool)  # token, reason, whether it is final

    def __init__(
        self, secrets: Secrets, fetch: Fetch | None = None, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._secrets = secrets
        self._fetch = fetch
        self._next = 0

    def look_up(self, spec: SourceSpec) -> int:
        """Start looking ``spec`` up; returns the token its answer will carry."""
        self._next += 1
        token = self._next
        secret = secret_to_send(spec, self._secrets)  # read here: settings belong to this thread
        fetch = self._fetch or fetcher([secret])

        def work() -> None:
            try:
                profile = look_up(spec, fetch, secret)
            except LookupError as exc:
                self.failed.emit(token, exc.reason, exc.final)
            except Exception as exc:  # never lost in a thread: logged and told
                log.exception("Looking up %s failed", spec.text)
                self.failed.emit(token, f"the look-up failed ({type(exc).__name__})", False)
            else:
                self.found.emit(token, profile)

        threading.Thread(target=work, name="photofinish-lookup", daemon=True).start()
        return token


class HistoryLoad(QObject):
    """Loads one repository's star history in a thread; hands each page over to be stored.

    ``page`` carries (handle, [(at_ms, total), ...]) for the window's thread to
    store through the session; the thread goes on only once it is stored, so a
    stop keeps exactly the pages stored. ``progress`` says pages read and in
    all, and while GitHub's rate limit is waited out, until when.
    """

    page = Signal(str, object)  # handle, readings
    progress = Signal(int, int, float)  # pages read, pages in all (0: unknown), waiting until
    finished = Signal(object)  # HistoryResult
    failed = Signal(str)  # reason

    def __init__(
        self,
        handle: str,
        spec: SourceSpec,
        current: int,
        secrets: Secrets,
        fetch: Fetch | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.handle = handle
        self.spec = spec
        self.current = current
        self._secret = secret_to_send(spec, secrets)
        self._fetch = fetch or fetcher([self._secret])
        self._stop = threading.Event()
        self._stored = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Begin loading."""
        self._thread = threading.Thread(target=self._run, name="photofinish-history", daemon=True)
        self._thread.start()

    def cancel(self) -> None:
        """Stop after the page being read; what was stored stays."""
        self._stop.set()
        self._stored.set()

    @Slot()
    def page_stored(self) -> None:
        """The window stored the page handed over: the thread may read the next."""
        self._stored.set()

    def _keep(self, readings: list[tuple[int, int]]) -> None:
        if self._stop.is_set():
            raise _Cancelled
        self._stored.clear()
        self.page.emit(self.handle, readings)
        self._stored.wait()
        if self._stop.is_set():
            raise _Cancelled

    def _run(self) -> None:
        result = HistoryResult()
        steps = history_steps(
            self.spec,
            self._fetch,
            self.current,
            self._keep,
            self._secret,
            sleep=self._sleep,
            result=result,
        )
        try:
            for done, total in steps:
                self.progress.emit(done, total, result.waiting_until or 0.0)
                if self._stop.is_set():
                    steps.close()
                    break
        except _Cancelled:
            pass
        except ReadingError as exc:
            self.failed.emit(exc.reason)
            return
        except Exception as exc:  # logged and told, never lost in the thread
            log.exception("Loading the history of %s failed", self.spec.text)
            self.failed.emit(f"the history could not be loaded ({type(exc).__name__})")
            return
        self.finished.emit(result)

    def _sleep(self, seconds: float) -> None:
        self._stop.wait(seconds)


class _Cancelled(Exception):
    """The user stopped the load."""
