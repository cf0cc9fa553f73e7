"""Formatting for people: counts with the locale's separators, times in the race's zone."""

from __future__ import annotations

import html
import re
from datetime import datetime
from zoneinfo import ZoneInfo

from PySide6.QtCore import QLocale


def locale() -> QLocale:
    """The user's locale, or English where the system only offers the bare C locale."""
    loc = QLocale.system()
    if loc.language() == QLocale.Language.C:
        return QLocale(QLocale.Language.English, QLocale.Country.UnitedStates)
    return loc


def count(n: float | int | None) -> str:
    """A count with thousands separators; an en dash when unknown."""
    if n is None:
        return "–"
    return locale().toString(int(round(n)))


def signed(n: float | int | None) -> str:
    """A change with its sign (+1,234 / −56)."""
    if n is None:
        return "–"
    value = int(round(n))
    text = count(abs(value))
    if value > 0:
        return "+" + text
    if value < 0:
        return "−" + text
    return "±0"


def local(at_ms: int | None, zone: ZoneInfo, fmt: str = "%a %d %b %H:%M") -> str:
    """A time in the race's display zone, with the zone's abbreviation."""
    if at_ms is None:
        return "–"
    dt = datetime.fromtimestamp(at_ms / 1000, tz=zone)
    return f"{dt.strftime(fmt)} {dt.tzname()}"


def clock(at_ms: int | None, zone: ZoneInfo, pattern: str = "%H:%M") -> str:
    """Hours and minutes (or ``pattern``) in the display zone, without the zone's name.

    For a time beside another that names the zone.
    """
    if at_ms is None:
        return "–"
    return datetime.fromtimestamp(at_ms / 1000, tz=zone).strftime(pattern)


def short_time(at_ms: int | None, zone: ZoneInfo) -> str:
    """Hours and minutes in the display zone."""
    return local(at_ms, zone, "%H:%M")


def zone_name(zone: ZoneInfo) -> str:
    """The zone's IANA name, e.g. "America/Los_Angeles"."""
    return str(getattr(zone, "key", zone))


def zone_abbr(at_ms: int | None, zone: ZoneInfo) -> str:
    """The zone's abbreviation at a moment (PDT in summer, PST in winter); now when unknown."""
    when = datetime.now(tz=zone) if at_ms is None else datetime.fromtimestamp(at_ms / 1000, zone)
    return when.tzname() or zone_name(zone)


def zone_caption(at_ms: int | None, zone: ZoneInfo) -> str:
    """The zone by name and abbreviation: "America/Los_Angeles (PDT)"; "UTC" alone."""
    name, abbr = zone_name(zone), zone_abbr(at_ms, zone)
    return name if abbr == name else f"{name} ({abbr})"


def exact(at_ms: int | None, zone: ZoneInfo) -> str:
    """A moment in full: "Fri 17 Apr 2009 06:13:00 PDT (America/Los_Angeles)"."""
    if at_ms is None:
        return "–"
    text = local(at_ms, zone, "%a %d %b %Y %H:%M:%S")
    name = zone_name(zone)
    return text if text.endswith(f" {name}") else f"{text} ({name})"


def relative(at_ms: int, ref_ms: int, zone: ZoneInfo) -> str:
    """How long before (or after) a reference moment, in a few characters.

    "just now", "2 min ago", "3 h ago", "yesterday", "4 days ago", then a date
    ("17 Apr", or "17 Apr 2009" in another year); "in 5 min" for a moment after
    the reference. Days are counted on the calendar of the display zone.
    """
    gap = ref_ms - at_ms
    if abs(gap) < 60_000:
        return "just now"
    past = gap > 0

    def say(amount: str) -> str:
        return f"{amount} ago" if past else f"in {amount}"

    minutes = abs(gap) // 60_000
    if minutes < 60:
        return say(f"{minutes} min")
    hours = minutes // 60
    at = datetime.fromtimestamp(at_ms / 1000, tz=zone)
    ref = datetime.fromtimestamp(ref_ms / 1000, tz=zone)
    days = abs((ref.date() - at.date()).days)
    if hours < 24 or days == 0:
        return say(f"{hours} h")
    if days == 1:
        return "yesterday" if past else "tomorrow"
    if days < 7:
        return say(f"{days} days")
    if at.year == ref.year:
        return f"{at.day} {at:%b}"
    return f"{at.day} {at:%b} {at.year}"


def duration(ms: float) -> str:
    """A rough span: 45 s, 12 min, 3 h 05 min, 2 d 4 h."""
    s = int(abs(ms) // 1000)
    if s < 60:
        return f"{s} s"
    m = s // 60
    if m < 60:
        return f"{m} min"
    h, m = divmod(m, 60)
    if h < 48:
        return f"{h} h {m:02d} min"
    d, h = divmod(h, 24)
    return f"{d} d {h} h"


def html_text(text: str) -> str:
    """Text for a place that only takes HTML (pyqtgraph's labels), shown exactly as written.

    Markup characters are escaped; runs of spaces and line breaks, which HTML
    would fold into one space, are kept.
    """
    body = html.escape(text, quote=False).replace("\r\n", "\n")
    body = re.sub(r"(^|\n) ", r"\1&nbsp;", body)  # a space starting a line
    body = re.sub(r" (?= )", "&nbsp;", body)  # all but the last of a run
    return body.replace("\n", "<br>")


def menu_text(text: str) -> str:
    """Text for a menu item or a button shown exactly as written.

    Qt reads a single ``&`` there as a mnemonic (it underlines the next letter
    and hides the ``&``); doubled, it shows as itself.
    """
    return text.replace("&", "&&")


def plain_tooltip(text: str) -> str:
    """A tooltip that shows text exactly as written, markup characters included.

    Qt guesses whether a tooltip is rich text; escaping the text inside a
    paragraph settles the guess, so ``<b>`` shows as those three characters.
    """
    body = html.escape(text).replace("\n", "<br>")
    return f"<p style='white-space:pre-wrap'>{body}</p>"
