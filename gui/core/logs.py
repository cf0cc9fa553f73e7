"""The log: a rotating file in the user's log folder, warnings on stderr, secrets taken out.

Every command and the window log here, so a night's recording or a crash in a
slot can be looked at later. Keys and tokens never reach the file or the
terminal: a filter replaces any secret the app knows (from the environment or
the settings) before a record is written.
"""

from __future__ import annotations

import logging
import logging.handlers
import sys
from pathlib import Path
from typing import TextIO

import platformdirs

from .live.specs import SECRET_ENV, redact, secret_from_env
from .paths import APP

LOG_NAME = "photofinish.log"
LOG_BYTES = 1_000_000  # per file; the file rolls over to .1, .2, .3
LOG_BACKUPS = 3
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

_known: set[str] = set()  # secrets read from the settings during this run
_installed: list[logging.Handler] = []


def log_file() -> Path:
    """Where the log is written (the folder is made on first use)."""
    return platformdirs.user_log_path(APP) / LOG_NAME


def remember_secret(value: str) -> None:
    """Take ``value`` out of everything logged from now on."""
    if value:
        _known.add(value)


def secrets() -> list[str]:
    """Every secret the log filter replaces: the environment's and the remembered ones."""
    found = {secret_from_env(name) for name in SECRET_ENV}
    return [s for s in found | _known if s]


def scrub(text: str) -> str:
    """``text`` with every known secret replaced."""
    return redact(text, secrets())


class _Stderr(logging.StreamHandler[TextIO]):
    """Writes to whatever ``sys.stderr`` is when a record comes, not when it was made."""

    @property  # read from sys.stderr each time, never stored
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, _value: TextIO) -> None:
        pass


class RedactSecrets(logging.Filter):
    """Replaces known secrets in a record's message and traceback before any handler writes it."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record in place; never drops it."""
        known = secrets()
        if not known:
            return True
        record.msg = redact(record.getMessage(), known)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text, known)
        return True


def setup(debug: bool = False) -> Path | None:
    """Log to the rotating file (INFO and up) and to stderr (warnings, or all with debug).

    Calling it again replaces what an earlier call installed. Returns the log
    file, or None when its folder cannot be written (stderr says so once).
    """
    stop()
    root = logging.getLogger()
    root.setLevel(logging.DEBUG if debug else logging.INFO)
    redacting = RedactSecrets()
    console = _Stderr()
    console.setLevel(logging.DEBUG if debug else logging.WARNING)
    console.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    console.addFilter(redacting)
    _installed.append(console)
    path: Path | None = log_file()
    try:
        assert path is not None
        path.parent.mkdir(parents=True, exist_ok=True)
        to_file = logging.handlers.RotatingFileHandler(
            path, maxBytes=LOG_BYTES, backupCount=LOG_BACKUPS, encoding="utf-8", delay=True
        )
        to_file.setLevel(logging.DEBUG if debug else logging.INFO)
        to_file.setFormatter(logging.Formatter(FORMAT))
        to_file.addFilter(redacting)
        _installed.append(to_file)
    except OSError as exc:
        print(
            f"photofinish: cannot write the log in {path.parent if path else '?'} "
            f"({exc.strerror or exc}); logging to the terminal only",
            file=sys.stderr,
        )
        path = None
    for handler in _installed:
        root.addHandler(handler)
    return path


def stop() -> None:
    """Remove and close what :func:`setup` installed."""
    root = logging.getLogger()
    for handler in _installed:
        root.removeHandler(handler)
        handler.close()
    _installed.clear()
