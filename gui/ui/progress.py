"""Runs a long job (a generator of progress) in the window without freezing it.

The job advances in slices of a few tens of milliseconds from a zero-time
timer, so the window keeps painting and answering between slices. A
``QProgressDialog`` appears once the job has taken :data:`SHOW_AFTER_S`, or
looks like it will; its Cancel button (or Escape) closes the generator, which
cleans up after itself (an export removes its half-written file, an import
keeps whole batches).

:meth:`StepJob.wait` runs a job for code that needs its result before going on
(opening a session): a quick job runs straight through, as a plain call would,
and only a longer one turns to the event loop and the dialog.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QCoreApplication, QEventLoop, QObject, Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import QLabel, QProgressDialog, QWidget

from ..core.clip_writers import ClipError
from ..core.steps import Steps, progress_line

log = logging.getLogger(__name__)

SLICE_S = 0.04
SHOW_AFTER_S = 0.5  # a job that takes longer shows its progress dialog
ESTIMATE_AFTER_S = 0.1  # from then on, one that looks like it will take longer shows it too
LABEL_WIDTH = 420
_NEVER_MS = 2**31 - 1  # the dialog never shows itself: the job decides (see clock)

# The job's clock, for the slices and for when to show the dialog (tests replace it).
clock: Callable[[], float] = time.monotonic


def failure_text(exc: BaseException) -> str:
    """What went wrong, for people: the file and the system's reason, no traceback."""
    if isinstance(exc, OSError):
        where = f"{exc.filename}: " if exc.filename else ""
        return f"{where}{exc.strerror or exc}"
    if isinstance(exc, ClipError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


class StepJob(QObject):
    """One running job with its progress dialog. Emits exactly one of the three signals.

    ``describe(done, total)``, when given, writes the dialog's text instead of
    :func:`progress_line`. Without a parent window the dialog holds the whole
    application (opening a session); with one, just that window. Errors of the
    ``expected`` kinds (a bad file), which the caller reports, are only noted in the log.
    """

    finished = Signal(object)  # the job's result
    failed = Signal(str)  # why, in words
    cancelled = Signal()

    def __init__(
        self,
        parent: QWidget | None,
        title: str,
        label: str,
        unit: str,
        steps: Steps,
        describe: Callable[[int, int], str] | None = None,
        expected: tuple[type[Exception], ...] = (),
    ) -> None:
        super().__init__(parent)
        self.setObjectName("stepJob")
        self._steps = steps
        self._label = label
        self._unit = unit
        self._describe = describe
        self._line = describe(0, 0) if describe else None
        self._expected = expected
        self._busy = False
        self._cancel_asked = False
        self._started: float | None = None
        self.done = False
        self.result: Any = None  # the job's result, once finished
        self.error: Exception | None = None  # what made it fail
        self.was_cancelled = False
        self.shown = False  # whether the dialog has been shown
        self.dialog = QProgressDialog(parent)
        self.dialog.setObjectName("exportProgress")
        text = QLabel(self.dialog)
        text.setTextFormat(Qt.TextFormat.PlainText)  # file and competitor names are not markup
        text.setWordWrap(True)
        text.setFixedWidth(LABEL_WIDTH)  # long names wrap; the dialog does not jump about
        self.dialog.setLabel(text)
        self.dialog.setLabelText(self._line or label)
        self.dialog.setCancelButtonText("Cancel")
        self.dialog.setRange(0, 0)
        self.dialog.setWindowTitle(title)
        modality = Qt.WindowModality.WindowModal if parent else Qt.WindowModality.ApplicationModal
        self.dialog.setWindowModality(modality)
        self.dialog.setMinimumDuration(_NEVER_MS)
        self.dialog.setAutoClose(False)
        self.dialog.setAutoReset(False)
        self.dialog.canceled.connect(self.cancel)
        self._timer = QTimer(self)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self._step)
        self._app = QCoreApplication.instance()
        if self._app is not None:
            self._app.aboutToQuit.connect(self.cancel)

    def start(self) -> StepJob:
        """Begin; returns itself."""
        if self._started is None:
            self._started = clock()
        self.dialog.setValue(0)
        self._timer.start()
        return self

    def wait(self) -> Any:
        """Run the job to its end and return its result; None when it failed or was cancelled.

        For a caller that needs the result before it goes on. A quick job runs
        straight through, as a plain call would: no dialog, no other events let
        in. Once it has taken :data:`SHOW_AFTER_S`, or looks like it will, the
        dialog shows and the rest runs in a local event loop, so the windows
        keep painting and Cancel works. ``error`` and ``was_cancelled`` say how
        it ended.
        """
        if self._started is None:
            self._started = clock()
        while not self.done and not self.shown and not self._cancel_asked:
            left = self._started + SHOW_AFTER_S - clock()
            if left <= 0:
                break
            self._slice(left)
        if not self.done:
            loop = QEventLoop()
            for signal in (self.finished, self.failed, self.cancelled):
                signal.connect(loop.quit)
            self._timer.start()
            loop.exec()
            if not self.done:  # the application is quitting: its loops were told to end
                self.cancel()
        result, self.result = self.result, None  # the caller has it now: keep no reference
        return result

    @Slot()
    def _step(self) -> None:
        self._slice(SLICE_S)

    def _slice(self, seconds: float) -> None:
        """Run the job for about ``seconds``, then show how far it got."""
        if self._busy or self.done:
            return  # a slice that lets events through is still running
        self._busy = True
        deadline = clock() + seconds
        try:
            while True:
                done, total = next(self._steps)
                line = self._describe(done, total) if self._describe else None
                if self._cancel_asked or clock() >= deadline or line != self._line:
                    break  # out of time, or a new stage to name before it runs
        except StopIteration as stop:
            self.result = stop.value
            self._end()
            self.finished.emit(stop.value)
            return
        except Exception as exc:
            if isinstance(exc, self._expected):  # the caller tells the user and logs it
                log.info("%s failed: %s", self._label, exc)
            else:
                trace = not isinstance(exc, OSError)  # the system's reason says it all
                log.warning("%s failed: %s", self._label, exc, exc_info=trace)
            self.error = exc
            self._end()
            self.failed.emit(failure_text(exc))
            return
        finally:
            self._busy = False
        if self._cancel_asked:
            self.cancel()
            return
        self._busy = True  # showing progress lets events in: no slice may start meanwhile
        try:
            self._show_progress(done, total, line)
        finally:
            self._busy = False
        if self._cancel_asked:
            self.cancel()

    def _show_progress(self, done: int, total: int, line: str | None) -> None:
        self.dialog.setMaximum(max(total, 1))
        self.dialog.setValue(min(done, max(total, 1)))
        self._line = line
        self.dialog.setLabelText(line or progress_line(self._label, done, total, self._unit))
        if not self.shown and self._long(done, total):
            self.shown = True
            self.dialog.show()
            QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)  # drawn now

    def _long(self, done: int, total: int) -> bool:
        """Whether the job has taken, or looks like it will take, more than SHOW_AFTER_S.

        The estimate (time so far over the share done) counts once the job has
        run ESTIMATE_AFTER_S and if enough of it looks left to be worth a dialog.
        """
        elapsed = clock() - (self._started if self._started is not None else clock())
        if elapsed >= SHOW_AFTER_S:
            return True
        if elapsed < ESTIMATE_AFTER_S or done <= 0 or total <= done:
            return False
        left = elapsed * (total - done) / done
        return elapsed + left >= SHOW_AFTER_S and left >= ESTIMATE_AFTER_S

    @Slot()
    def cancel(self) -> None:
        """Stop the job; it removes what it had written."""
        if self.done:
            return
        if self._busy:
            self._cancel_asked = True
            return
        self._steps.close()
        log.info("%s cancelled", self._label)
        self.was_cancelled = True
        self._end()
        self.cancelled.emit()

    def _end(self) -> None:
        self.done = True
        self._timer.stop()
        if self._app is not None:
            self._app.aboutToQuit.disconnect(self.cancel)  # else the connection keeps the job alive
            self._app = None
        try:
            self.dialog.canceled.disconnect(self.cancel)
            self.dialog.close()
            self.dialog.deleteLater()
        except (RuntimeError, RuntimeWarning):  # the window and its dialog are gone already
            pass
        self.deleteLater()
