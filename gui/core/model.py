"""Plain data types shared by the store, the analysis and the window."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

# Flags a snapshot can carry. An empty flag means nobody has decided yet and
# the automatic glitch detector judges the reading.
FLAG_NONE = ""
FLAG_GLITCH = "glitch"
FLAG_OK = "ok"

# Who set a flag.
BY_AUTO = "auto"
BY_USER = "user"

# Event kinds and origins.
KIND_NOTE = "note"
KIND_LEAD_CHANGE = "lead_change"
KIND_TO_GO = "to_go"
KIND_CROSSED = "crossed"
KIND_GLITCH = "glitch"
KIND_SOURCE = "source"  # a live source failed, or came back
DERIVED_KINDS = (KIND_LEAD_CHANGE, KIND_TO_GO, KIND_CROSSED, KIND_GLITCH)

ORIGIN_USER = "user"
ORIGIN_DERIVED = "derived"
ORIGIN_IMPORTED = "imported"
ORIGIN_SOURCE = "source"  # written by a live source about itself
NOTE_ORIGINS = (ORIGIN_USER, ORIGIN_IMPORTED)  # events a user can edit and delete

DEFAULT_STALE_AFTER_S = 6 * 3600
log = logging.getLogger(__name__)
_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")

DEFAULT_COLOURS = ("#d55e00", "#0072b2", "#009e73", "#cc79a7", "#e69f00", "#56b4e9")  # Okabe-Ito


@dataclass
class Race:
    """The race as a whole: what it is called and where the finish line is."""

    title: str
    milestone: int
    platform: str = ""
    display_tz: str = "UTC"
    stale_after_s: int = DEFAULT_STALE_AFTER_S


@dataclass
class Competitor:
    """One account in the race; the first two by position race head to head."""

    handle: str
    name: str
    colour: str
    position: int = 0
    id: int | None = None

    def __post_init__(self) -> None:
        # Colours come from files and end up in pens and style sheets: "#rrggbb" only.
        if not _COLOUR.fullmatch(self.colour or ""):
            fallback = DEFAULT_COLOURS[self.position % len(DEFAULT_COLOURS)]
            if not self.colour:  # none given: the default, nothing to report
                self.colour = fallback
                return
            log.warning(
                "Competitor %s: colour %r is not #rrggbb; using %s",
                self.handle,
                self.colour,
                fallback,
            )
            self.colour = fallback


@dataclass
class SourceConfig:
    """A live source attached to one competitor, as stored in the session (no secrets)."""

    handle: str
    spec: str  # e.g. "bluesky:aplusk.bsky.social", "file:/path/readings.csv"
    interval_s: float = 60.0
    enabled: bool = True
    base_url: str | None = None  # overrides the preset's default base URL
    id: int | None = None


@dataclass(frozen=True)
class Snapshot:
    """One reading of one competitor's count at one moment (UTC milliseconds)."""

    at_ms: int
    handle: str
    count: int
    source: str = ""
    flag: str = FLAG_NONE
    flagged_by: str = ""
    id: int | None = None


@dataclass(frozen=True)
class Event:
    """A timestamped entry of the event log: a note, an import or a derived fact."""

    at_ms: int
    kind: str
    text: str
    handle: str | None = None
    url: str | None = None
    origin: str = ORIGIN_DERIVED
    key: str | None = None
    id: int | None = field(default=None, compare=False)


def ms_to_datetime(at_ms: int) -> datetime:
    """UTC datetime for milliseconds since the epoch."""
    return datetime.fromtimestamp(at_ms / 1000, tz=UTC)


def iso_utc(at_ms: int | None) -> str | None:
    """ISO 8601 UTC text to the millisecond with a Z: ``2009-04-17T06:13:00.000Z``.

    Always this one shape (the file's ``*_readable`` views write the same), so
    every time the command line prints, in JSON or not, sorts and parses alike.
    """
    if at_ms is None:
        return None
    return ms_to_datetime(at_ms).strftime("%Y-%m-%dT%H:%M:%S.") + f"{at_ms % 1000:03d}Z"


def datetime_to_ms(dt: datetime) -> int:
    """Milliseconds since the epoch for an aware datetime."""
    if dt.tzinfo is None:
        raise ValueError("naive datetime")
    return round(dt.timestamp() * 1000)


@dataclass(frozen=True)
class LeadChange:
    """The moment one defined leader gave way to the other."""

    at_ms: int
    leader: str


@dataclass(frozen=True)
class Settled:
    """What an earlier analysis of everything stored settled for good.

    Glitch decisions (stored with the readings, see ``Series.auto``) and lead
    changes before ``until_ms`` cannot change unless older readings change;
    the store lowers ``until_ms`` when they do. An analysis given this only
    works out what happened after it.
    """

    until_ms: int
    lead_changes: tuple[LeadChange, ...] = ()


def zone_of(name: str) -> ZoneInfo:
    """The named IANA zone, or UTC when the name is unknown."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


SnapshotRow = tuple[int, int, int, str]
"""A reading ready for the store: competitor id, UTC milliseconds, count, source."""
