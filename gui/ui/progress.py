"""Runs a long job (a generator of progress) in the window without freezing it.

The job advances in slices of a few tens of milliseconds from a zero-time
timer, so the window keeps painting and answering between slices. A
``QProgressDialog`` appears when the job lasts more than a moment; its Cancel
button closes the generator, which removes any half-written file.
"""

from __future__ import annotations

import logging
import time

from PySide6.QtCore import QCoreApplication, QObject, Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import QProgressDialog, QWidget

from gui.core.clip import ClipError
from gui.core.steps import Steps, progress_line

log = logging.getLogger(__name__)

SLICE_S = 0.04


def failure_text(exc: BaseException) -> str:
    """What went wrong, for people: the file and the system's reason, no traceback."""
    if isinstance(exc, OSError):
        where = f"{exc.filename}: " if exc.filename else ""
        return f"{where}{exc.strerror or exc}"
    if isinstance(exc, ClipError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


class StepJob(QObject):
    """One running job with its progress dialog. Emits exactly one of the three signals."""

    finished = Signal(object)  # the job's result
    failed = Signal(str)  # why, in words
    cancelled = Signal()

    def __init__(self, parent: QWidget, title: str, label: str, unit: str, steps: Steps) -> None:
        super().__init__(parent)
        self.setObjectName("stepJob")
        self._steps = steps
        self._label = label
        self._unit = unit
        self._busy = False
        self._cancel_asked = False
        self.done = False
        self.dialog = QProgressDialog(label, "Cancel", 0, 0, parent)
        self.dialog.setObjectName("exportProgress")
        self.dialog.setWindowTitle(title)
        self.dialog.setWindowModality(Qt.WindowModality.WindowModal)
        self.dialog.setMinimumDuration(400)
        self.dialog.setAutoClose(False)
        self.dialog.setAutoReset(False)
        self.dialog.canceled.connect(self.cancel)
        self._timer = QTimer(self)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self._step)
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.cancel)

    def start(self) -> StepJob:
        """Begin; returns itself."""
        self.dialog.setValue(0)
        self._timer.start()
        return self

    @Slot()
    def _step(self) -> None:
        if self._busy or self.done:
            return  # a slice that lets events through is still running
        self._busy = True
        deadline = time.monotonic() + SLICE_S
        try:
            while True:
                done, total = next(self._steps)
                if self._cancel_asked or time.monotonic() >= deadline:
                    break
        except StopIteration as stop:
            self._end()
            self.finished.emit(stop.value)
            return
        except Exception as exc:
            log.warning("%s failed: %s", self._label, exc, exc_info=not isinstance(exc, OSError))
            self._end()
            self.failed.emit(failure_text(exc))
            return
        finally:
            self._busy = False
        if self._cancel_asked:
            self.cancel()
            return
        self.dialog.setMaximum(max(total, 1))
        self.dialog.setValue(min(done, max(total, 1)))
        self.dialog.setLabelText(progress_line(self._label, done, total, self._unit))

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
        self._end()
        self.cancelled.emit()

    def _end(self) -> None:
        self.done = True
        self._timer.stop()
        try:
            self.dialog.canceled.disconnect(self.cancel)
            self.dialog.close()
            self.dialog.deleteLater()
        except (RuntimeError, RuntimeWarning):  # the window and its dialog are gone already
            pass
        self.deleteLater()
