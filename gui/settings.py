"""Per-user settings: window geometry and the Open Recent list, in QSettings.

The file lives in the user's config folder from platformdirs (an INI file), so
it follows XDG_CONFIG_HOME like everything else the app writes.
"""

from __future__ import annotations

import logging
from pathlib import Path

import platformdirs
from PySide6.QtCore import QSettings

from .core import logs
from .core.paths import APP

log = logging.getLogger(__name__)

RECENT_KEY = "recent/files"
SECRETS_GROUP = "secrets"
RECENT_MAX = 10


def settings() -> QSettings:
    """The user's settings file."""
    path = platformdirs.user_config_path(APP) / "photofinish.ini"
    return QSettings(str(path), QSettings.Format.IniFormat)


def _as_list(value: object) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value] if value else []
    if isinstance(value, list | tuple):
        return [str(v) for v in value if v]
    return []


def recent_files() -> list[str]:
    """The recently opened sessions, newest first (missing files included)."""
    return _as_list(settings().value(RECENT_KEY))[:RECENT_MAX]


def _store_recent(paths: list[str]) -> None:
    s = settings()
    s.setValue(RECENT_KEY, paths[:RECENT_MAX])
    s.sync()
    if s.status() != QSettings.Status.NoError:
        log.warning("Could not save the Open Recent list to %s", s.fileName())


def add_recent(path: str | Path) -> None:
    """Put a session at the top of Open Recent."""
    full = str(Path(path).resolve())
    _store_recent([full] + [p for p in recent_files() if p != full])


def prune_recent() -> list[str]:
    """Drop sessions that no longer exist; returns the ones dropped."""
    paths = recent_files()
    missing = [p for p in paths if not Path(p).is_file()]
    if missing:
        _store_recent([p for p in paths if p not in missing])
    return missing


def clear_recent() -> None:
    """Empty Open Recent."""
    _store_recent([])


def secret(name: str) -> str:
    """A secret the user typed into the settings (``""`` when none)."""
    value = settings().value(f"{SECRETS_GROUP}/{name}")
    if not isinstance(value, str):
        return ""
    logs.remember_secret(value)  # never logged, whatever path it takes
    return value


def secret_for(name: str) -> str:
    """A secret from the environment (it wins), else from the settings file."""
    from .core.live.specs import secret_from_env

    return secret_from_env(name) or secret(name)


def set_secret(name: str, value: str) -> None:
    """Keep a secret in the user's settings file (readable by the user only)."""
    s = settings()
    key = f"{SECRETS_GROUP}/{name}"
    logs.remember_secret(value)
    if value:
        s.setValue(key, value)
    else:
        s.remove(key)
    s.sync()
    try:
        Path(s.fileName()).chmod(0o600)
    except OSError as exc:
        log.warning("Could not make the settings file private: %s", exc.strerror or exc)
    if s.status() != QSettings.Status.NoError:
        log.warning("Could not save a secret to the settings file")
