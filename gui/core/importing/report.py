"""What an import did: the readings and notes it stored, and the lines it could not read."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..model import Event, Snapshot

SKIPPED_KEPT = 1_000


@dataclass
class Skipped:
    """A line that was not imported, and why."""

    line: int
    reason: str


@dataclass
class ImportReport:
    """What an import did."""

    imported: int = 0
    duplicates: int = 0
    annotations: int = 0
    skipped: list[Skipped] = field(default_factory=list)
    competitors_added: list[str] = field(default_factory=list)
    skipped_more: int = 0
    """Bad lines beyond the first :data:`SKIPPED_KEPT`, counted but not listed."""

    @property
    def bad_lines(self) -> int:
        """How many lines were not imported, listed or not."""
        return len(self.skipped) + self.skipped_more

    def skip(self, row: Skipped) -> None:
        """Note a bad line: listed while fewer than :data:`SKIPPED_KEPT` are, else counted."""
        if len(self.skipped) < SKIPPED_KEPT:
            self.skipped.append(row)
        else:
            self.skipped_more += 1

    def as_json(self) -> dict[str, object]:
        """The report in the command line's JSON shape (bad lines: the first SKIPPED_KEPT)."""
        return {
            "imported": self.imported + self.annotations,
            "duplicates": self.duplicates,
            "skipped": [{"line": s.line, "reason": s.reason} for s in self.skipped],
            "competitors_added": list(self.competitors_added),
        }


@dataclass(frozen=True)
class ParsedRow:
    """One good line: a snapshot or an annotation."""

    line: int
    snapshot: Snapshot | None = None
    event: Event | None = None
