"""Race ▸ Fetch History: the past of the race's GitHub star counts, loaded as the window runs.

Each repository followed is looked up (its star count now) and its history
read page by page in another thread (:class:`~photofinish.sources.lookup.HistoryLoad`);
each page is stored through the session as it comes, so the chart fills in
from the newest weeks back, and Cancel keeps what is stored. Other services
keep no public history: the window says so rather than invent any.
"""

from __future__ import annotations

import logging
import time
from typing import cast

from PySide6.QtCore import QObject, Qt, Slot
from PySide6.QtWidgets import QProgressDialog, QStatusBar, QWidget

from ...core.errors import StoreError
from ...core.live.fetch import Fetch
from ...core.live.history import HISTORY_SOURCE, HistoryResult, has_history, no_history_text
from ...core.live.lookup import Profile
from ...core.live.specs import SourceSpec, SpecError, parse_spec
from ...core.model import Snapshot
from ...session import Session
from ...settings import secret_for
from ...sources.lookup import HistoryLoad, Lookups
from ..dialogs.notice import notice

log = logging.getLogger(__name__)


class HistoryFetch(QObject):
    """Loads the star history of the race's GitHub sources, with progress and Cancel."""

    def __init__(
        self,
        session: Session,
        status: QStatusBar,
        parent: QWidget,
        fetch: Fetch | None = None,
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.status = status
        self._fetch = fetch
        self.lookups = Lookups(secret_for, fetch, self)
        self.lookups.found.connect(self._on_lookups_found)
        self.lookups.failed.connect(self._on_lookups_failed)
        self._waiting: dict[int, tuple[str, SourceSpec]] = {}  # look-up token -> handle, spec
        self.loads: list[HistoryLoad] = []
        self._dialog: QProgressDialog | None = None
        self._done: list[str] = []

    def window(self) -> QWidget:
        """The window this works in (its parent)."""
        return cast(QWidget, self.parent())

    def _with_history(self) -> list[tuple[str, SourceSpec]]:
        found: list[tuple[str, SourceSpec]] = []
        for source in self.session.sources():
            try:
                spec = parse_spec(source.spec, source.base_url)
            except SpecError as exc:  # the live sources say so too; no history to fetch
                log.info("No history for %s's source %r: %s", source.handle, source.spec, exc)
                continue
            if has_history(spec):
                found.append((source.handle, spec))
        return found

    # -- starting ------------------------------------------------------------------------
    def fetch_new_race(self) -> None:
        """A new race's first load: the histories there are, and nothing said when none."""
        self._start(self._with_history())

    @Slot()
    def fetch_all(self) -> None:
        """Race ▸ Fetch History."""
        if self.loads or self._waiting:
            self.status.showMessage("The history is already being fetched", 5000)
            return
        wanted = self._with_history()
        if not wanted:
            others = []
            for source in self.session.sources():
                try:
                    others.append(no_history_text(parse_spec(source.spec, source.base_url)))
                except SpecError:
                    continue
            why = "\n".join(others) or (
                "This race follows no source. Only GitHub keeps a public history "
                "(of a repository's stars); attach one in Race ▸ Sources."
            )
            notice(self.window(), "No history to fetch", why, name="noHistory")
            return
        self._start(wanted)

    def _start(self, wanted: list[tuple[str, SourceSpec]]) -> None:
        if not wanted or self.session.read_only:
            return
        self._done = []
        for handle, spec in wanted:
            self._waiting[self.lookups.look_up(spec)] = (handle, spec)
        dialog = QProgressDialog("Looking up the star counts…", "Cancel", 0, 0, self.window())
        dialog.setObjectName("historyProgress")
        dialog.setWindowTitle("Fetch History")
        dialog.setWindowModality(Qt.WindowModality.NonModal)
        dialog.setMinimumDuration(0)
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        dialog.canceled.connect(self.cancel)
        dialog.show()
        self._dialog = dialog

    @Slot()
    def cancel(self) -> None:
        """Stop every load; what is stored stays."""
        self._waiting.clear()
        for load in self.loads:
            load.cancel()
        if not self.loads:
            self._close_dialog()

    def stop(self) -> None:
        """The window closes: stop loading at once; pages on their way are dropped."""
        self.cancel()
        self.loads.clear()
        self._close_dialog()

    # -- look-ups and loads --------------------------------------------------------------
    @Slot(int, object)
    def _on_lookups_found(self, token: int, profile: Profile) -> None:
        waiting = self._waiting.pop(token, None)
        if waiting is None:
            return
        handle, spec = waiting
        load = HistoryLoad(handle, spec, profile.count, secret_for, self._fetch, self)
        load.page.connect(lambda h, readings, load=load: self._on_load_page(load, h, readings))
        load.progress.connect(lambda d, t, w, load=load: self._on_load_progress(load, d, t, w))
        load.finished.connect(lambda result, load=load: self._on_load_finished(load, result))
        load.failed.connect(lambda reason, load=load: self._on_load_failed(load, reason))
        self.loads.append(load)
        load.start()

    @Slot(int, str, bool)
    def _on_lookups_failed(self, token: int, reason: str, _final: bool) -> None:
        waiting = self._waiting.pop(token, None)
        if waiting is not None:
            self._done.append(f"{waiting[1].target}: {reason}")
            self._maybe_finished()

    def _on_load_page(
        self, load: HistoryLoad, handle: str, readings: list[tuple[int, int]]
    ) -> None:
        if load not in self.loads:  # stopped (the window closes): the page is not wanted
            load.page_stored()
            return
        try:
            self.session.append(
                [Snapshot(at, handle, total, HISTORY_SOURCE) for at, total in readings]
            )
        except StoreError as exc:
            log.warning("Could not store the history of %s: %s", handle, exc)
            load.cancel()
            self._done.append(f"{load.spec.target}: {exc.problem}")
        load.page_stored()

    def _on_load_progress(
        self, load: HistoryLoad, done: int, total: int, waiting_until: float
    ) -> None:
        if self._dialog is None:
            return
        of = f" of {total}" if total else ""
        text = f"Star history of {load.spec.target}: page {done}{of}"
        if waiting_until:
            clock = time.strftime("%H:%M:%S", time.localtime(waiting_until))
            text += f"\nWaiting for GitHub's rate limit, until {clock}"
        self._dialog.setLabelText(text)
        self._dialog.setMaximum(total)
        self._dialog.setValue(min(done, total))

    def _on_load_finished(self, load: HistoryLoad, result: HistoryResult) -> None:
        target = load.spec.target
        if result.readings and result.first_ms is not None:
            since = time.strftime("%d %b %Y", time.gmtime(result.first_ms / 1000))
            more = "" if result.complete else " (stopped before the oldest)"
            self._done.append(f"{target}: {result.readings:,} days from {since}{more}")
        else:
            self._done.append(f"{target}: no history stored")
        self._forget(load)

    def _on_load_failed(self, load: HistoryLoad, reason: str) -> None:
        self._done.append(f"{load.spec.target}: {reason}")
        self._forget(load)

    def _forget(self, load: HistoryLoad) -> None:
        if load in self.loads:
            self.loads.remove(load)
        load.deleteLater()
        self._maybe_finished()

    def _maybe_finished(self) -> None:
        if self.loads or self._waiting:
            return
        self._close_dialog()
        if self._done:
            self.status.showMessage("Star history: " + "; ".join(self._done), 15000)
            log.info("Star history: %s", "; ".join(self._done))

    def _close_dialog(self) -> None:
        if self._dialog is not None:
            self._dialog.hide()
            self._dialog.deleteLater()
            self._dialog = None
