"""The desktop application: QApplication set-up, error reporting, opening windows."""

from __future__ import annotations

import logging
import os
import signal
import sys
import traceback
from collections.abc import Generator
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, cast

os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")

from PySide6.QtCore import Qt, QTimer  # noqa: E402
from PySide6.QtWidgets import (  # noqa: E402
    QApplication,
    QDialog,
    QFileDialog,
    QMessageBox,
    QWidget,
)

from .core.errors import (
    SessionFileError,  # noqa: E402
    StoreError,  # noqa: E402
)
from .core.model import Competitor, Race  # noqa: E402
from .core.steps import Progress, stage_line  # noqa: E402
from .session import create_race, open_steps  # noqa: E402
from .session.files import damaged  # noqa: E402
from .ui.notice import notice  # noqa: E402

if TYPE_CHECKING:
    from .ui.main_window import MainWindow

log = logging.getLogger(__name__)
_windows: list[QWidget] = []
_opening: set[Path] = set()  # files whose window is being built


def application() -> QApplication:
    """The running QApplication, created once with the app's names."""
    app = QApplication.instance()
    if app is None:
        app = QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("Photo Finish")
    app.setOrganizationName("Photo Finish")
    app.setDesktopFileName("photofinish")  # matches StartupWMClass in the .desktop entry
    from PySide6.QtGui import QIcon

    from .core import paths

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
    from .core import logs

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
            QApplication.activeWindow() or (_windows[-1] if _windows else None),
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


def _window_steps(
    path: Path, replay: bool, restore: bool, stages: list[str], window_class: type[MainWindow]
) -> Generator[Progress, None, QWidget]:
    """Read a session (see :func:`open_steps`), then build its window (not shown yet)."""
    session = yield from open_steps(path, stages=stages)
    # No step from here on: once the analysis may have been stored, there is no Cancel.
    try:
        return window_class(session, replay=replay, restore=restore)
    except StoreError as exc:  # damage in a part only the window reads
        session.close()
        raise damaged(path, exc) from exc


def window_for(path: Path) -> QWidget | None:
    """The open window showing a session file, if any."""
    target = path.resolve()
    for window in _windows:
        shown = window.session.path  # type: ignore[attr-defined]
        if shown is not None and shown.resolve() == target:
            return window
    return None


def open_window(path: Path, replay: bool = False, restore: bool = True) -> QWidget | None:
    """Open a session file in a new window; raises SessionFileError for a bad file.

    A file that takes more than half a second to open shows a progress dialog
    whose Cancel closes the file as it was and opens nothing (None).
    """
    from .session import Session  # noqa: F401 - loading the code is not part of opening a file
    from .ui import settings
    from .ui.main_window import MainWindow
    from .ui.progress import StepJob

    existing = window_for(path)
    if existing is not None:
        existing.raise_()
        existing.activateWindow()
        return existing
    key = path.resolve()
    if key in _opening:  # asked again while its window is being built
        log.info("%s is being opened already", path)
        return None
    stages: list[str] = []
    job = StepJob(
        None,
        "Opening a Race",
        f"Opening {path}",
        "steps",
        _window_steps(path, replay, restore, stages, MainWindow),
        describe=stage_line(f"Opening {path.name}", stages, two_lines=True),
        expected=(SessionFileError,),
    )
    job.setObjectName("openJob")
    job.dialog.setObjectName("openProgress")
    _opening.add(key)
    try:
        window = job.wait()
    finally:
        _opening.discard(key)
    if job.error is not None:
        raise job.error
    if window is None:  # cancelled: the file is closed and unchanged
        return None
    _windows.append(window)
    window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    window.closed.connect(lambda: _windows.remove(window) if window in _windows else None)
    window.show()
    settings.add_recent(path)
    return cast(QWidget, window)


def open_path(path: Path, parent: QWidget | None = None, restore: bool = True) -> QWidget | None:
    """Open a session, or explain in a dialog why it cannot be opened (nothing is changed)."""
    try:
        return open_window(path, restore=restore)
    except SessionFileError as exc:
        log.warning("Could not open %s: %s", path, exc.problem)
        notice(
            parent,
            "Could not open the race",
            f"{exc.path}\n\n{exc.problem}",
            warn=True,
            name="openProblem",
        )
        return None


def open_session_dialog(parent: QWidget | None = None) -> QWidget | None:
    """Ask for a session file and open it, explaining any problem."""
    from .ui.main_window import SESSION_FILTER

    name, _ = QFileDialog.getOpenFileName(parent, "Open Race", "", SESSION_FILTER)
    if not name:
        return None
    return open_path(Path(name), parent)


def new_race_dialog(parent: QWidget | None = None) -> QDialog:
    """Ask for a new race's settings, then where to keep it; create it and open it."""
    from .ui.race_dialog import RaceDialog

    dialog = RaceDialog(parent)

    def create() -> None:
        create_race_file(dialog.race(), dialog.competitors(), parent)

    dialog.accepted.connect(create)
    dialog.open()
    return dialog


def create_race_file(
    race: Race, competitors: list[Competitor], parent: QWidget | None = None
) -> QWidget | None:
    """Ask where to save a new race, create the session file there and open it."""
    from .ui.main_window import SESSION_FILTER

    safe = "".join(ch if ch.isalnum() or ch in " -_" else " " for ch in race.title).strip()
    start = str(Path.home() / f"{' '.join(safe.split()) or 'race'}.pfrace")
    name, _ = QFileDialog.getSaveFileName(parent, "Save New Race", start, SESSION_FILTER)
    if not name:
        return None
    target = Path(name)
    if not target.suffix:
        target = target.with_suffix(".pfrace")
    if window_for(target) is not None:
        notice(
            parent, "Could not create the race", f"{target}\n\nis open; choose another name.", True
        )
        return None
    try:
        create_race(target, race, competitors)
    except (SessionFileError, OSError) as exc:
        log.warning("Could not create %s: %s", target, exc)
        notice(parent, "Could not create the race", f"{target}\n\n{exc}", warn=True)
        return None
    return open_path(target, parent)


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


def run(session: Path, replay: bool = False) -> int:
    """Open the window on a session and run until it closes."""
    app = application()
    install_excepthook()
    timer = _close_on_signals(app)  # Ctrl+C or SIGTERM while the race opens cancels the opening
    window = open_window(session, replay=replay)
    if window is None or _signalled:  # cancelled, or stopped before its window showed
        timer.stop()
        if window is not None:
            window.close()
        log.info("Opening %s was cancelled; nothing to show", session)
        return 0
    code = app.exec()
    timer.stop()
    return code
