"""Per-user settings: window geometry, Open Recent, and the keys live sources use.

The settings file lives in the user's config folder from platformdirs (an
INI file), so it follows XDG_CONFIG_HOME like everything else the app writes.
Keys go to the system keyring (the keyring library: Secret Service, KWallet,
macOS Keychain, Windows Credential Locker) where one is available, and to the
settings file, readable by the user only, where none is; keys an earlier
version kept in the file move to the keyring the first time one is there.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import platformdirs
from PySide6.QtCore import QSettings

from .core import logs
from .core.alerts import ALERT_NAMES, AlertChoice
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


ALERTS_GROUP = "alerts"


def _alerts_key(path: Path) -> str:
    import hashlib

    return f"{ALERTS_GROUP}/{hashlib.sha1(str(path.resolve()).encode()).hexdigest()[:16]}"


def alert_choice(path: Path | None) -> AlertChoice:
    """Which alerts this user wants for the race in ``path`` (the defaults when not chosen)."""
    if path is None:
        return AlertChoice()
    s = settings()
    key = _alerts_key(path)
    on = s.value(f"{key}/on")
    if on is None:
        return AlertChoice()
    kinds = frozenset(_as_list(on)) & frozenset(ALERT_NAMES)
    return AlertChoice(kinds, str(s.value(f"{key}/in_replay", "false")).lower() == "true")


def set_alert_choice(path: Path, choice: AlertChoice) -> None:
    """Keep this user's choice of alerts for one race (in the user's settings, not the file)."""
    s = settings()
    key = _alerts_key(path)
    s.setValue(f"{key}/path", str(path.resolve()))
    s.setValue(f"{key}/on", sorted(choice.on) or [""])
    s.setValue(f"{key}/in_replay", "true" if choice.in_replay else "false")
    s.sync()


KEYRING_SERVICE = "photofinish"
_moved = False  # whether keys in the settings file were looked at for moving this run


def _keyring() -> Any | None:
    """The system keyring when one that keeps secrets is there, else None."""
    try:
        import keyring
        from keyring.backends import fail
    except ImportError:  # not installed: the settings file keeps keys
        return None
    try:
        backend = keyring.get_keyring()
    except Exception as exc:  # a broken keyring set-up: say so, keep keys in the file
        log.warning("The system keyring cannot be used: %s", exc)
        return None
    if isinstance(backend, fail.Keyring) or getattr(backend, "priority", 0) <= 0:
        return None
    return backend


def _file_secret(name: str) -> str:
    value = settings().value(f"{SECRETS_GROUP}/{name}")
    return value if isinstance(value, str) else ""


def _move_to_keyring(ring: Any) -> None:
    """Keys an earlier version kept in the settings file go to the keyring, once."""
    global _moved
    if _moved:
        return
    _moved = True
    s = settings()
    s.beginGroup(SECRETS_GROUP)
    names = s.childKeys()
    s.endGroup()
    for name in names:
        value = _file_secret(name)
        try:
            if value:
                ring.set_password(KEYRING_SERVICE, name, value)
        except Exception as exc:  # left in the file, which still works
            log.warning("Could not move the %s to the system keyring: %s", name, exc)
            continue
        s.remove(f"{SECRETS_GROUP}/{name}")
        log.info("Moved the %s from the settings file to the system keyring", name)
    s.sync()


def secret(name: str) -> str:
    """A key the user typed in (``""`` when none): from the keyring, else the settings file."""
    ring = _keyring()
    value = ""
    if ring is not None:
        _move_to_keyring(ring)
        try:
            value = ring.get_password(KEYRING_SERVICE, name) or ""
        except Exception as exc:  # a locked or broken keyring: what the file holds, if anything
            log.warning("Could not read the %s from the system keyring: %s", name, exc)
            value = _file_secret(name)
    else:
        value = _file_secret(name)
    logs.remember_secret(value)  # never logged, whatever path it takes
    return value


def secret_for(name: str) -> str:
    """A secret from the environment (it wins), else as :func:`secret` finds it."""
    from .core.live.specs import secret_from_env

    return secret_from_env(name) or secret(name)


def set_secret(name: str, value: str) -> None:
    """Keep a key: in the system keyring, else in the settings file (readable by the user only)."""
    logs.remember_secret(value)
    ring = _keyring()
    if ring is not None:
        try:
            if value:
                ring.set_password(KEYRING_SERVICE, name, value)
            elif ring.get_password(KEYRING_SERVICE, name) is not None:
                ring.delete_password(KEYRING_SERVICE, name)
        except Exception as exc:
            log.warning(
                "Could not keep the %s in the system keyring (%s): using the file", name, exc
            )
        else:
            _set_file_secret(name, "")  # never a second copy in the file
            return
    _set_file_secret(name, value)


def _set_file_secret(name: str, value: str) -> None:
    s = settings()
    key = f"{SECRETS_GROUP}/{name}"
    if value:
        s.setValue(key, value)
    elif not s.contains(key):
        return
    else:
        s.remove(key)
    s.sync()
    try:
        Path(s.fileName()).chmod(0o600)
    except OSError as exc:
        log.warning("Could not make the settings file private: %s", exc.strerror or exc)
    if s.status() != QSettings.Status.NoError:
        log.warning("Could not save a secret to the settings file")
