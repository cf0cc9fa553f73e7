"""The QApplication: its names and icon, unexpected errors logged and shown, signals handled."""

from __future__ import annotations

import logging
import os
import signal
import sys
import traceback
from types import TracebackType

os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")

from PySide6.QtCore import QTimer  # noqa: E402
from PySide6.QtGui import QIcon  # noqa: E402
from PySide6.QtWidgets import QApplication, QMainWindow, QMessageBox, QWidget  # noqa: E402

from ..core import logs, paths  # noqa: E402
from ..ui.dialogs.notice import notice  # noqa: E402

log = logging.getLogger(__name__)


def application() -> QApplication:
    """The running QApplication, created once with the app's names."""
    app = QApplication.instance()
    if app is None:
        app = QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("Photo Finish")
    app.setOrganizationName("Photo Finish")
    app.setDesktopFileName("photofinish")  # matches StartupWMClass in the .desktop entry
    # Drawn by Qt's SVG icon engine (QtSvg ships in PySide6-Essentials) at every size.
    app.setWindowIcon(QIcon(str(paths.resources_dir() / "photofinish.svg")))
    return app


_error_box: list[QMessageBox] = []  # the one "something went wrong" notice, while it shows


_error_count = [0]


def install_excepthook() -> None:
    """Send exceptions that escape a slot to :func:`report_error`: logged, shown, survived.

    PySide6 hands an exception raised in a slot, timer or event handler to
    ``sys.excepthook`` and carries on with the event loop, so the window stays
    usable; this hook makes sure the error is written down and the user told.
    """

    def hook(kind: type[BaseException], value: BaseException, tb: TracebackType | None) -> None:
        report_error(kind, value, tb)

    sys.excepthook = hook


def report_error(
    kind: type[BaseException], value: BaseException, tb: TracebackType | None
) -> QMessageBox | None:
    """Log an unexpected error with its traceback and show a notice that does not block.

    A burst of errors (one per frame, say) updates one notice instead of
    stacking boxes. Returns the notice (None without a QApplication).
    """
    if issubclass(kind, KeyboardInterrupt):
        log.info("Interrupted inside a slot")
        return None
    log.error("Unexpected error (the app keeps running)", exc_info=(kind, value, tb))
    if QApplication.instance() is None:
        return None
    _error_count[0] += 1
    what = logs.scrub(f"{kind.__name__}: {value}")
    text = (
        f"Something went wrong: {what}\n\n"
        "Photo Finish keeps running. The details are in the log:\n"
        f"{logs.log_file()}"
    )
    if _error_box and _error_box[0].isVisible():
        box = _error_box[0]
        more = _error_count[0] - 1
        box.setText(f"{text}\n\n(And {more} more since this notice opened.)")
    else:
        _error_count[0] = 1
        _error_box.clear()
        box = notice(
            QApplication.activeWindow() or _last_window(),
            "Photo Finish: unexpected error",
            text,
            warn=True,
            name="unexpectedError",
            modal=False,
        )
        box.finished.connect(_error_box.clear)
        _error_box.append(box)
    box.setDetailedText(logs.scrub("".join(traceback.format_exception(kind, value, tb))))
    return box


def _last_window() -> QWidget | None:
    """The window opened last, to show a notice over when none is active."""
    windows = [w for w in QApplication.topLevelWidgets() if isinstance(w, QMainWindow)]
    windows = [w for w in windows if w.isVisible()]
    return windows[-1] if windows else None


_signalled: list[int] = []  # SIGTERM or Ctrl+C received


def _close_on_signals(app: QApplication) -> QTimer:
    """Close every window cleanly on SIGTERM or Ctrl+C in the terminal."""

    def close(signum: int, *_: object) -> None:
        log.info("Closing on signal")
        _signalled.append(signum)
        app.closeAllWindows()
        app.quit()

    signal.signal(signal.SIGTERM, close)
    signal.signal(signal.SIGINT, close)
    # Python handles signals only when it runs: wake it up now and then.
    timer = QTimer()
    timer.start(250)
    timer.timeout.connect(lambda: None)
    return timer
