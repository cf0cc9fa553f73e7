"""Time zones as the race dialog offers them: every IANA name, matched in any case."""

from __future__ import annotations

from functools import cache
from zoneinfo import available_timezones

from PySide6.QtCore import QTimeZone

# Entries of the zoneinfo folder that are links or helpers, not zone names.
_NOT_ZONES = frozenset({"localtime", "posixrules"})


@cache
def zone_names() -> tuple[str, ...]:
    """Every IANA time zone name this machine knows, sorted (always with UTC)."""
    return tuple(sorted((available_timezones() - _NOT_ZONES) | {"UTC"}))


@cache
def _zones_by_folded_name() -> dict[str, str]:
    return {name.casefold(): name for name in zone_names()}


def canonical_zone(text: str) -> str | None:
    """The zone name for text typed in any case, or None when it names no zone."""
    return _zones_by_folded_name().get(text.strip().casefold())


def system_zone() -> str:
    """The system's IANA zone name when Qt reports a known one, else UTC."""
    raw = QTimeZone.systemTimeZoneId()
    name = raw if isinstance(raw, str) else bytes(raw.data()).decode("utf-8", "replace")
    return name if name in zone_names() else "UTC"
