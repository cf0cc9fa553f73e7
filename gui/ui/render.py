"""Headless rendering of the main window to a PNG file."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from gui.core.files import give_usual_permissions
from gui.core.store import Store


def render_window(session_path: Path, out: Path, size: tuple[int, int], at_ms: int | None) -> None:
    """Render the window on a session, as of a moment (default: the end), to ``out``."""
    os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")
    from PySide6.QtWidgets import QApplication

    from gui.app import application
    from gui.session import Session
    from gui.ui.main_window import MainWindow

    app = application()
    store = Store.open(session_path, read_only=True)
    session = Session(store)
    if at_ms is not None:
        session.set_as_of(at_ms)
    window = MainWindow(session, replay=False, restore=False)
    try:
        window.resize(*size)
        window.show()
        for _ in range(3):
            app.processEvents()
        window.chart.back_to_live()
        for _ in range(3):
            app.processEvents()
        image = window.grab()
        save_png(image, out)
    finally:
        window.close()
        window.deleteLater()
        QApplication.processEvents()


def save_png(image: object, out: Path) -> None:
    """Save a QPixmap or QImage through a temporary file, so no half-written file is left."""
    out = Path(out)
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".png", dir=out.parent or ".")
    os.close(fd)
    try:
        if not image.save(tmp, "PNG"):  # type: ignore[attr-defined]
            raise OSError(f"{out}: could not write the PNG")
        give_usual_permissions(tmp)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
