"""The windows the application keeps open: one per race file, opened on request.

A window never opens another itself: it asks (``open_requested``,
``new_race_requested``, ``replace_requested``) and the slots here do it, so a
file already open comes forward instead of opening twice.
"""

from __future__ import annotations

import logging
from collections.abc import Generator, Sequence
from pathlib import Path
from typing import cast

from PySide6.QtCore import QObject, Qt, Slot
from PySide6.QtWidgets import QDialog, QFileDialog, QWidget

from .. import settings
from ..core.errors import SessionFileError, StoreError
from ..core.model import Competitor, Race, Snapshot, SourceConfig
from ..core.steps import Progress, stage_line
from ..session import create_race, open_steps
from ..session.files import damaged
from ..ui.dialogs.notice import notice
from ..ui.dialogs.race import RaceDialog
from ..ui.progress import StepJob
from ..ui.window.copies import SESSION_FILTER
from ..ui.window.main_window import MainWindow
from ..ui.window.view_state import apply as apply_view
from .application import _close_on_signals, _signalled, application, install_excepthook

log = logging.getLogger(__name__)
_windows: list[MainWindow] = []
_opening: set[Path] = set()  # files whose window is being built


class _Requests(QObject):
    """Answers what a window asks of the application (the sender is the window)."""

    def _window(self) -> MainWindow | None:
        sender = self.sender()
        return sender if isinstance(sender, MainWindow) else None

    @Slot(object)
    def open(self, path: Path) -> None:
        """A window asked for a file to be opened."""
        open_path(path, self._window())

    @Slot()
    def new_race(self) -> None:
        """A window asked for File ▸ New Race."""
        new_race_dialog(self._window())

    @Slot(object, dict)
    def replace(self, path: Path, view: dict[str, str]) -> None:
        """A window saved its race as ``path``: carry on there, in its place."""
        old = self._window()
        new = open_path(path, old, restore=False)
        if new is None or old is None:
            return
        apply_view(new.view_parts, view)
        new.setGeometry(old.geometry())
        old.close()


_requests = _Requests()


def answer_requests(window: MainWindow) -> None:
    """Answer what a window asks of the application: other files, new races, Save As."""
    window.open_requested.connect(_requests.open)
    window.new_race_requested.connect(_requests.new_race)
    window.replace_requested.connect(_requests.replace)


def _window_steps(
    path: Path,
    replay: bool,
    restore: bool,
    stages: list[str],
    window_class: type[MainWindow] = MainWindow,
) -> Generator[Progress, None, MainWindow]:
    """Read a session (see :func:`open_steps`), then build its window (not shown yet)."""
    session = yield from open_steps(path, stages=stages)
    # No step from here on: once the analysis may have been stored, there is no Cancel.
    try:
        return MainWindow(session, replay=replay, restore=restore)
    except StoreError as exc:  # damage in a part only the window reads
        session.close()
        raise damaged(path, exc) from exc


def open_windows() -> list[MainWindow]:
    """The windows open now, oldest first."""
    return list(_windows)


def window_for(path: Path) -> MainWindow | None:
    """The open window showing a session file, if any."""
    target = path.resolve()
    for window in _windows:
        shown = window.session.path
        if shown is not None and shown.resolve() == target:
            return window
    return None


def open_window(path: Path, replay: bool = False, restore: bool = True) -> MainWindow | None:
    """Open a session file in a new window; raises SessionFileError for a bad file.

    A file that takes more than half a second to open shows a progress dialog
    whose Cancel closes the file as it was and opens nothing (None).
    """
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
        _window_steps(path, replay, restore, stages),
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
    answer_requests(window)
    window.show()
    settings.add_recent(path)
    return cast(MainWindow, window)


def open_path(path: Path, parent: QWidget | None = None, restore: bool = True) -> MainWindow | None:
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


def new_race_dialog(parent: QWidget | None = None) -> QDialog:
    """Ask for a new race's settings, then where to keep it; create it and open it."""
    dialog = RaceDialog(parent)

    def create() -> None:
        window = create_race_file(
            dialog.race(), dialog.competitors(), parent, dialog.sources(), dialog.first_readings()
        )
        if window is not None and dialog.sources():
            window.history.fetch_new_race()  # a star race starts with its whole past

    dialog.accepted.connect(create)
    dialog.open()
    return dialog


def create_race_file(
    race: Race,
    competitors: list[Competitor],
    parent: QWidget | None = None,
    sources: Sequence[SourceConfig] = (),
    readings: Sequence[Snapshot] = (),
) -> MainWindow | None:
    """Ask where to save a new race, create the session file there and open it.

    ``sources`` are attached (the window starts following them) and
    ``readings`` stored first.
    """
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
        create_race(target, race, competitors, sources, readings)
    except (SessionFileError, OSError) as exc:
        log.warning("Could not create %s: %s", target, exc)
        notice(parent, "Could not create the race", f"{target}\n\n{exc}", warn=True)
        return None
    return open_path(target, parent)


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
