"""The desktop application: QApplication set-up, error reporting, opening windows."""

from __future__ import annotations

import logging
import os
import signal
import sys
import traceback
from pathlib import Path
from types import TracebackType

os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")

from PySide6.QtCore import QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox, QWidget  # noqa: E402

from gui.core.store import SessionError, Store  # noqa: E402

log = logging.getLogger(__name__)
_windows: list[QWidget] = []


def application() -> QApplication:
    """The running QApplication, created once with the app's names."""
    app = QApplication.instance()
    if app is None:
        app = QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("Photo Finish")
    app.setOrganizationName("Photo Finish")
    app.setDesktopFileName("photofinish")
    return app


def install_excepthook() -> None:
    """Log unexpected errors from slots and show them, instead of only printing them."""

    def hook(kind: type[BaseException], value: BaseException, tb: TracebackType | None) -> None:
        log.error("Unexpected error", exc_info=(kind, value, tb))
        text = "".join(traceback.format_exception(kind, value, tb))
        if QApplication.instance() is not None:
            box = QMessageBox(
                QMessageBox.Icon.Critical, "Photo Finish", f"Something went wrong: {value}"
            )
            box.setDetailedText(text)
            box.exec()

    sys.excepthook = hook


def open_window(path: Path, replay: bool = False) -> QWidget:
    """Open a session file in a new window; raises SessionError for a bad file."""
    from gui.session import Session
    from gui.ui.main_window import MainWindow

    store = Store.open(path)
    window = MainWindow(Session(store), replay=replay)
    _windows.append(window)
    window.destroyed.connect(lambda *_: _windows.remove(window) if window in _windows else None)
    window.show()
    return window


def open_session_dialog(parent: QWidget | None = None) -> None:
    """Ask for a session file and open it, explaining any problem."""
    name, _ = QFileDialog.getOpenFileName(
        parent, "Open Race", "", "Photo Finish sessions (*.db *.sqlite *.pfrace);;All files (*)"
    )
    if not name:
        return
    try:
        open_window(Path(name))
    except SessionError as exc:
        log.warning("Could not open %s: %s", name, exc.problem)
        QMessageBox.warning(parent, "Could not open the race", f"{exc.path}\n\n{exc.problem}")


def _close_on_signals(app: QApplication) -> QTimer:
    """Close every window cleanly on SIGTERM or Ctrl+C in the terminal."""

    def close(*_: object) -> None:
        log.info("Closing on signal")
        app.closeAllWindows()
        app.quit()

    signal.signal(signal.SIGTERM, close)
    signal.signal(signal.SIGINT, close)
    # Python handles signals only when it runs: wake it up now and then.
    timer = QTimer()
    timer.start(250)
    timer.timeout.connect(lambda: None)
    return timer


def run(session: Path, replay: bool = False) -> int:
    """Open the window on a session and run until it closes."""
    app = application()
    install_excepthook()
    open_window(session, replay=replay)
    timer = _close_on_signals(app)
    code = app.exec()
    timer.stop()
    return code
