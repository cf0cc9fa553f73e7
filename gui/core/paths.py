"""Where things live: the bundled sample, the user's data and screenshot folders."""

from __future__ import annotations

from pathlib import Path

import platformdirs

APP = "photofinish"
_PACKAGE = Path(__file__).resolve().parents[1]  # the package: this module is in its core
_ROOT = _PACKAGE.parent


def _bundled(name: str) -> Path:
    """A folder shipped with the app (``resources``, ``data``).

    An installed wheel has it inside the package (``photofinish/resources``: see
    ``package-dir`` in pyproject.toml); a checkout and an editable install keep it
    at the top of the repository.
    """
    installed = _PACKAGE / name
    return installed if installed.is_dir() else _ROOT / name


def sample_session() -> Path:
    """The bundled 2009 race (read only; copy it before writing)."""
    return _bundled("data") / "race-2009.db"


def resources_dir() -> Path:
    """Icons, the .desktop entry, the licence and the like."""
    return _bundled("resources")


def user_data_dir() -> Path:
    """The user's Photo Finish data folder, created on demand."""
    path = platformdirs.user_data_path(APP)
    path.mkdir(parents=True, exist_ok=True)
    return path


def screenshot_dir() -> Path:
    """Where the headless run writes its screenshot."""
    path = platformdirs.user_cache_path(APP) / "screenshots"
    path.mkdir(parents=True, exist_ok=True)
    return path


def demo_session() -> Path:
    """The user's own copy of the 2009 race, made from the bundled one when missing."""
    from .store import Store

    target = user_data_dir() / "race-2009.db"
    if not target.exists():
        tmp = target.with_suffix(".tmp")
        tmp.unlink(missing_ok=True)
        with Store.open(sample_session(), read_only=True) as store:
            store.backup_to(tmp)
        tmp.replace(target)
    return target
