"""Renders the README's "Your first race" pictures into resources/guide/ (run by hand).

    QT_QPA_PLATFORM=offscreen .venv/bin/python -m tests.guide_shots

Not a test: it draws the dialogs and the window as a new user first sees
them, on a copy of the bundled race, so the guide's pictures can be remade
whenever the window changes.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "resources" / "guide"


def _settle(app: object, rounds: int = 5) -> None:
    for _ in range(rounds):
        app.processEvents()  # type: ignore[attr-defined]


def main() -> int:
    """Write the guide's pictures and print their paths."""
    with tempfile.TemporaryDirectory() as tmp:
        # Keep the user's own settings (recent files, colour scheme) out of it.
        for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
            os.environ[name] = str(Path(tmp) / name.lower())
        return _render(Path(tmp))


def _render(tmp: Path) -> int:
    from photofinish.app.application import application
    from photofinish.core.importing.values import parse_timestamp
    from photofinish.core.store import Store
    from photofinish.session import Session
    from photofinish.ui import theme
    from photofinish.ui.dialogs.race import RaceDialog
    from photofinish.ui.window.main_window import MainWindow

    app = application()
    running = theme.ensure()
    assert running is not None
    OUT.mkdir(parents=True, exist_ok=True)
    written = []

    # 1. File ▸ New Race, two repositories pasted and looked up (on the local stand-in).
    import time

    from photofinish.core.live.specs import secret_from_env
    from photofinish.sources.lookup import Lookups
    from tests.fake_services import FakeServices
    from tests.ui.dialogs.test_race_lookup import to_services

    services = FakeServices(start=8_412, step=379).start()
    running.set_choice(theme.LIGHT, remember=False)
    dialog = RaceDialog(lookups=Lookups(secret_from_env, to_services(services)))
    dialog.title_edit.setText("Race to 10,000 stars")
    dialog.milestone_spin.setValue(10_000)
    dialog.platform_combo.setCurrentText("GitHub")
    dialog.zone_combo.setCurrentText("Europe/Paris")
    dialog.show()
    for row, repo in zip(dialog._rows, ("octo-org/atlas", "octo-org/beacon"), strict=False):
        row.handle.insert(f"https://github.com/{repo}")
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and not dialog.ok_button.isEnabled():
        _settle(app)
        time.sleep(0.02)
    for row, name in zip(dialog._rows, ("Atlas", "Beacon"), strict=False):
        row.name.setText(name)
        row.handle.setCursorPosition(0)
    _settle(app)
    dialog.title_edit.deselect()
    written.append(_save(dialog.grab(), "1-new-race.png"))
    dialog.close()
    services.stop()

    # 2 and 3. The window on the 2009 race, light mid-race and dark near the finish.
    copy = tmp / "race-2009.pfrace"
    shutil.copyfile(ROOT / "data" / "race-2009.db", copy)
    for name, scheme, at in (
        ("2-window-light.png", theme.LIGHT, "2009-04-17T04:15:00Z"),
        ("3-window-dark.png", theme.DARK, "2009-04-17T05:40:00Z"),
    ):
        running.set_choice(scheme, remember=False)
        store = Store.open(copy, read_only=True)
        session = Session(store)
        session.set_as_of(parse_timestamp(at, session.zone))
        window = MainWindow(session, replay=False, restore=False)
        window.resize(1280, 720)
        window.show()
        _settle(app)
        window.chart.back_to_live()
        _settle(app)
        written.append(_save(window.grab(), name))
        if scheme == theme.DARK:
            shortcuts = window.show_shortcuts()
            _settle(app)
            written.append(_save(shortcuts.grab(), "4-shortcuts.png"))
            shortcuts.close()
        window.close()
        _settle(app)
    running.set_choice(theme.SYSTEM, remember=False)
    for path in written:
        print(path)
    return 0


def _save(pixmap: object, name: str) -> Path:
    path = OUT / name
    if not pixmap.save(str(path)):  # type: ignore[attr-defined]
        raise SystemExit(f"could not write {path}")
    return path


if __name__ == "__main__":
    sys.exit(main())
