"""One field of a line: a time (ISO 8601 or epoch seconds) or a count, or why it is neither."""

from __future__ import annotations

import math
import re
import time
from datetime import datetime
from zoneinfo import ZoneInfo

from ..model import datetime_to_ms

_SEPARATORS = re.compile(r"[,_\s\u00a0\u202f']")


_EPOCH = re.compile(r"^-?\d+(\.\d+)?$")


TOO_BIG = 2**63  # SQLite stores whole numbers in 64 bits


_LOOKS_ISO = re.compile(r"^[+-]?\d{4}-?\d{2}")  # a date first: a bad one is not a real date


FUTURE_MARGIN_MS = 24 * 3_600_000


_SHOWN_CHARS = 40  # of a bad value quoted in a reason


def shown(text: str) -> str:
    """A value as quoted in a reason: its repr, cut short when long."""
    return repr(text if len(text) <= _SHOWN_CHARS else text[:_SHOWN_CHARS] + "…")


def shown_number(n: int | float) -> str:
    """A number as quoted in a reason, cut short when it has very many digits."""
    text = str(n)
    return text if len(text) <= _SHOWN_CHARS else f"{text[:12]}… ({len(text):,} digits)"


def latest_reading_ms() -> int:
    """The latest time a reading may have: now plus :data:`FUTURE_MARGIN_MS`."""
    return int(time.time() * 1000) + FUTURE_MARGIN_MS


def parse_timestamp(text: object, zone: ZoneInfo) -> int:
    """UTC milliseconds from ISO 8601 (naive means ``zone``) or epoch seconds."""
    if isinstance(text, bool):
        raise ValueError("timestamp is not a time")
    if isinstance(text, int | float):
        if isinstance(text, float) and not math.isfinite(text):
            raise ValueError("timestamp is not a finite number")
        return _epoch_ms(text)
    if not isinstance(text, str):
        raise ValueError("timestamp is missing")
    s = text.strip()
    if not s:
        raise ValueError("timestamp is empty")
    if _EPOCH.match(s):
        return _epoch_ms(s)
    try:
        dt = datetime.fromisoformat(s)
    except ValueError as exc:
        why = str(exc)
        if _LOOKS_ISO.match(s) and not why.startswith("Invalid isoformat"):
            # Such as 2009-02-30 or 25:00: the shape of a time, but no such moment.
            raise ValueError(f"timestamp {shown(s)} is not a real date and time ({why})") from None
        raise ValueError(f"timestamp {shown(s)} is neither ISO 8601 nor epoch seconds") from None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=zone)
    return datetime_to_ms(dt)


def _epoch_ms(text: int | float | str) -> int:
    try:
        seconds = float(text)
    except OverflowError:  # a whole number too big for a float
        seconds = math.inf
    if not abs(seconds) * 1000 < TOO_BIG:
        quoted = shown(text) if isinstance(text, str) else shown_number(text)
        raise ValueError(f"timestamp {quoted} is out of range")
    return round(seconds * 1000)


def parse_count(value: object) -> int:
    """A non-negative whole count; thousands separators are allowed in text."""
    if isinstance(value, bool):
        raise ValueError("count is not a number")
    if isinstance(value, int):
        n = value
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"count {value!r} is not a number")
        if value < 0:
            raise ValueError(f"count {value!r} is negative")
        if value >= TOO_BIG:
            raise ValueError(f"count {value!r} is too big")
        if not value.is_integer():
            raise ValueError(f"count {value!r} is not a whole number")
        n = int(value)
    elif isinstance(value, str):
        text = value.strip()
        s = _SEPARATORS.sub("", text)
        if not s:
            raise ValueError("count is empty")
        if not s.isdigit():
            raise ValueError(f"count {shown(text)} {_count_problem(s)}")
        if len(s.lstrip("0")) > 19:  # more digits than any count that fits
            raise ValueError(f"count {shown(text)} is too big")
        try:
            n = int(s)
        except ValueError:  # digits int() does not read, such as ²
            raise ValueError(f"count {shown(text)} is not a whole number") from None
        if n >= TOO_BIG:
            raise ValueError(f"count {shown(text)} is too big")
    else:
        raise ValueError("count is missing")
    if n < 0:
        raise ValueError(f"count {shown_number(n)} is negative")
    if n >= TOO_BIG:
        raise ValueError(f"count {shown_number(n)} is too big")
    return n


def _count_problem(s: str) -> str:
    """What is wrong with a count written as ``s`` (separators taken out), not digits."""
    if s.lower().lstrip("+-") in ("nan", "inf", "infinity"):
        return "is not a number"
    try:
        value = float(s)
    except ValueError:
        return "is not a whole number"
    if value < 0:
        return "is negative"
    if value >= TOO_BIG:  # such as 1e30
        return "is too big"
    return "is not a whole number"
