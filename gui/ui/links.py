"""Links from files and notes: only plain http(s) links to a host, opened only when clicked."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices

log = logging.getLogger(__name__)


def safe_link(url: str | None) -> str | None:
    """The URL when it is a plain http or https link to a host, else None.

    Refused: other schemes (file:, javascript:, data:, ftp:…), links without a
    host (relative ones included), and links that do not go where they seem
    to: a user name before the host (``https://example.org@evil.example``),
    backslashes, which browsers read as slashes, and spaces or invisible
    characters (a right-to-left override can reverse how a host reads).
    """
    if not url:
        return None
    text = url.strip()
    if not text or any(c.isspace() or not c.isprintable() or c == "\\" for c in text):
        return None
    try:
        parts = urlsplit(text)
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not host:
        return None
    if "@" in parts.netloc:
        return None
    return text


def open_in_browser(url: str) -> bool:
    """Open an http or https link in the user's browser; anything else is refused."""
    link = safe_link(url)
    if link is None:
        log.warning("Refused to open a link that is not http or https: %r", url)
        return False
    return bool(QDesktopServices.openUrl(QUrl(link)))
