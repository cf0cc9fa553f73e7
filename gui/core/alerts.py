"""Which events are worth telling someone about, and how they are told: words and JSON.

The same rules serve the window's desktop notifications and a recorder's
``--on-event`` commands: what a kind of event is called, whether a "to go"
threshold is near enough to the milestone to be on by default, the
notification's plain-text title and body, and the JSON a command reads.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from .model import KIND_CROSSED, KIND_GLITCH, KIND_LEAD_CHANGE, KIND_SOURCE, KIND_TO_GO, Event
from .model import iso_utc as _iso

# What can be told, in the order the Alerts dialog lists them.
LEAD = "lead_change"
NEAR = "to_go_near"  # "to go" thresholds near the milestone (2,000 or fewer to go)
FAR = "to_go_far"  # the earlier ones (5,000 and 10,000 to go): off unless asked for
CROSSED = "crossed"
PROJECTED = "projected"  # the projected winner changed (window only: no event is stored)
SOURCE = "source"  # a source failing for a while, and working again (told from its state)
ALERT_NAMES = {
    LEAD: "Lead changes",
    NEAR: 'The last "to go" marks (2,000, 1,000 and 100 to go)',
    FAR: 'Early "to go" marks (10,000 and 5,000 to go)',
    CROSSED: "The milestone crossed",
    PROJECTED: "The projected winner changing",
    SOURCE: "A live source failing for a few minutes, and working again",
}
DEFAULT_OFF = frozenset({FAR})
NEAR_TO_GO = 2_000  # thresholds at or under this many to go are "near"
SOURCE_TROUBLE_S = 300.0  # a source failing this long is worth telling
TITLES = {
    KIND_LEAD_CHANGE: "Lead change",
    KIND_TO_GO: "To go",
    KIND_CROSSED: "Milestone",
    KIND_GLITCH: "Glitch",
    KIND_SOURCE: "Live source",
}


@dataclass(frozen=True)
class AlertChoice:
    """Which kinds of alert are on, and whether a replay alerts too."""

    on: frozenset[str] = field(default_factory=lambda: frozenset(ALERT_NAMES) - DEFAULT_OFF)
    in_replay: bool = False

    def wants(self, event: Event) -> bool:
        """Whether this event is one to tell."""
        kind = alert_kind(event)
        return kind is not None and kind in self.on


def alert_kind(event: Event) -> str | None:
    """The kind of desktop alert a derived event is (None: none, a note or a glitch for instance).

    A source's trouble is told from how long it lasts, not from its log entry
    (the first failed poll is often the only one).
    """
    if event.kind == KIND_LEAD_CHANGE:
        return LEAD
    if event.kind == KIND_CROSSED:
        return CROSSED
    if event.kind == KIND_TO_GO:
        return NEAR if to_go_threshold(event) <= NEAR_TO_GO else FAR
    return None


def to_go_threshold(event: Event) -> int:
    """The threshold of a "to go" event (its key is ``to_go:HANDLE:N``)."""
    tail = (event.key or "").rpartition(":")[2]
    return int(tail) if tail.isdigit() else 0


def notification(event: Event, race_title: str) -> tuple[str, str]:
    """A notification's title and body, plain text: the kind and race, then what happened."""
    kind = TITLES.get(event.kind, event.kind.replace("_", " ").capitalize())
    return f"{kind} · {race_title}", event.text


def event_record(event: Event, race_title: str) -> dict[str, object]:
    """What ``record --on-event`` hands a command on its standard input."""
    return {
        "kind": event.kind,
        "at": _iso(event.at_ms),
        "text": event.text,
        "competitor": event.handle,
        "race": race_title,
    }


def new_events(events: Iterable[Event], told: Mapping[str, object] | set[str]) -> list[Event]:
    """The events with a key not yet told, oldest first (events without a key are never told)."""
    fresh = [e for e in events if e.key and e.key not in told]
    return sorted(fresh, key=lambda e: (e.at_ms, e.key or ""))
