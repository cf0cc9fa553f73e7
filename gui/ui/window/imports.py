"""File ▸ Import Readings and Notes: a file into the window's race, with progress and Cancel.

The import runs as a ``StepJob`` (batches of readings, one transaction each,
between events) with a progress dialog that can be cancelled. However it ends
(finished, cancelled, refused or stopped by the file), the window's race is
read again and a message says what was stored: a stop keeps whole batches, and
importing the same file again adds the rest, nothing twice.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, cast

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QApplication, QFileDialog, QStatusBar, QWidget

from ...core.errors import ImportFileError, StoreError
from ...core.reports import bad_line_lines, import_lines, unfinished_import_text
from ...core.steps import Progress, size_text
from .. import fmt
from ..dialogs.notice import notice
from ..progress import StepJob, failure_text

if TYPE_CHECKING:
    from collections.abc import Generator

    from ...core.importing.report import ImportReport
    from ...session import Session

log = logging.getLogger(__name__)

FILTER = "Readings and notes (*.csv *.jsonl *.ndjson *.json);;All files (*)"
LISTED_BAD_LINES = 12


class Imports(QObject):
    """The window's import: one at a time, as a job with a progress dialog.

    It imports into the session it is given, says what happened in the status
    bar and in notices over ``parent`` (the window), and stops quietly when
    that window closes.
    """

    def __init__(self, session: Session, status: QStatusBar, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("imports")
        self.session = session
        self.status = status
        self.last_job: StepJob | None = None
        self._closing = False
        parent.installEventFilter(self)

    def dialog_parent(self) -> QWidget:
        """The window this works in (its parent: no reference of its own, so no cycle)."""
        return cast(QWidget, self.parent())

    def running(self) -> bool:
        """Whether an import is under way."""
        return self.last_job is not None and not self.last_job.done

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt naming
        """A window that closes stops its import quietly: what was stored stays."""
        if event.type() == QEvent.Type.Close and self.running():
            self._closing = True
            assert self.last_job is not None
            self.last_job.cancel()
        return False

    def ask(self) -> StepJob | None:
        """Ask for a file, then import it."""
        name, _ = QFileDialog.getOpenFileName(
            self.dialog_parent(), "Import Readings and Notes", "", FILTER
        )
        return self.import_file(Path(name)) if name else None

    def import_file(self, path: Path) -> StepJob | None:
        """Start importing a CSV or JSON Lines file; returns the job (None if one is running).

        The job's ``wait()`` runs it to its end and gives the report (None when
        it was refused, stopped or cancelled).
        """
        from ...core.importing.report import ImportReport

        path = Path(path)
        if self.running():
            self.status.showMessage("An import is under way; wait for it or cancel it", 6000)
            return None
        report = ImportReport()
        stage: list[str] = []  # what the job is doing once the file is read

        def describe(done: int, total: int) -> str:
            now = stage[0] if stage else f"{size_text(done, total)} read"
            return f"Importing {path.name}\n{now}"

        job = StepJob(
            self.dialog_parent(),
            "Import Readings and Notes",
            f"Import of {path.name}",
            "bytes",
            self._steps(path, report, stage),
            describe,
            expected=(ImportFileError, StoreError),
        )
        job.finished.connect(lambda result: self._on_job_finished(path, result))
        job.failed.connect(lambda _text: self._on_job_failed(path, job.error, report))
        job.cancelled.connect(lambda: self._on_job_cancelled(path, stage, report))
        self.last_job = job
        return job.start()

    def _steps(
        self, path: Path, report: ImportReport, stage: list[str]
    ) -> Generator[Progress, None, ImportReport]:
        session = self.session
        steps = session.import_batches(path, report)
        done, total = 0, 0
        for done, total in steps:
            yield done, total
        stage.append("All read; working out the race…")
        try:
            yield done, total
        except GeneratorExit:
            pass  # everything is stored: a Cancel now is too late to stop anything
        try:
            session.reload()
        except StoreError as exc:  # the readings are stored; the analysis is redone next time
            log.warning("Could not store the analysis after importing %s: %s", path, exc)
        return report

    # -- how it ended --------------------------------------------------------------------
    def _on_job_finished(self, path: Path, report: ImportReport) -> None:
        lines = [f"From {path.name}:", *import_lines(report, fmt.count)]
        if report.skipped:
            lines += ["Lines not imported:", *bad_line_lines(report, LISTED_BAD_LINES, fmt.count)]
        notice(self.dialog_parent(), "Import finished", "\n".join(lines))

    def _on_job_failed(self, path: Path, exc: Exception | None, report: ImportReport) -> None:
        if isinstance(exc, ImportFileError):
            log.warning("Import of %s refused: %s", path, exc)
            notice(
                self.dialog_parent(),
                "Could not import",
                f"{exc}\n\nNothing was imported.",
                warn=True,
            )
            return
        if isinstance(exc, StoreError):
            why = exc.problem
        else:
            why = failure_text(exc) if exc is not None else "an unknown error"
        log.error("Import of %s stopped: %s", path, why)
        self._reload(f"Import of {path.name} stopped; reading what was stored…")
        notice(
            self.dialog_parent(),
            "Import stopped",
            f"The import of {path.name} stopped: {why}.\n\n{self._kept(path)}",
            warn=True,
        )

    def _on_job_cancelled(self, path: Path, stage: list[str], report: ImportReport) -> None:
        if stage:  # cancelled once everything was stored: it finished
            self._on_job_finished(path, report)
            return
        if self._closing:
            log.info("Import of %s stopped as its window closed", path)
            return
        self._reload(f"Import of {path.name} cancelled; reading what was stored…")
        kept = self._kept(path)
        self.status.showMessage(f"Import of {path.name} cancelled", 8000)
        text = f"The import of {path.name} was cancelled.\n\n{kept}"
        notice(self.dialog_parent(), "Import cancelled", text)

    def _kept(self, path: Path) -> str:
        """What an import that stopped early stored, and what to do next."""
        key = str(path.resolve())
        try:
            unfinished = [p for p in self.session.unfinished_imports() if p["key"] == key]
        except StoreError:
            log.warning("Could not read how far the import got", exc_info=True)
            return "Look at the race to see what was stored."
        if not unfinished:
            return "Nothing from it was stored."
        text = unfinished_import_text(unfinished[-1])
        return text[0].upper() + text[1:] + "."

    def _reload(self, message: str) -> None:
        """Read the race again after an import that stopped, saying so while it takes."""
        self.status.showMessage(message)
        self.status.repaint()
        with _busy_cursor():
            try:
                self.session.reload()
            except StoreError as exc:
                log.warning("Could not read the race again after the import: %s", exc)
        self.status.clearMessage()


@contextmanager
def _busy_cursor() -> Iterator[None]:
    QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
    try:
        yield
    finally:
        QApplication.restoreOverrideCursor()
