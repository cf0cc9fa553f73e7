"""What ``photofinish record`` prints: one line per reading and state change, as text or JSON.

Text lines are ``TIME  WHAT  WHO  ...`` for people and ``grep``; with
``--json`` each line is one JSON object for programs, with a ``type``
(``reading``, ``event``, ``paused``, ``resumed``) and times in the command
line's one shape (:func:`~photofinish.core.model.iso_utc`).
"""

from __future__ import annotations

import json
import time
from typing import Any, TextIO

from ..core.model import Event, Snapshot, iso_utc


def _now() -> str | None:
    return iso_utc(int(time.time() * 1000))


class RecordLines:
    """Prints the recorder's lines to ``out``, flushed one at a time."""

    def __init__(self, out: TextIO, as_json: bool = False) -> None:
        self.out = out
        self.as_json = as_json

    def _line(self, text: str, record: dict[str, Any]) -> None:
        line = json.dumps(record, ensure_ascii=False) if self.as_json else text
        print(line, file=self.out, flush=True)

    def reading(self, s: Snapshot) -> None:
        """A reading was stored (printed after the commit)."""
        self._line(
            f"{iso_utc(s.at_ms)}  stored  {s.handle}  {s.count}  {s.source}",
            {
                "type": "reading",
                "at": iso_utc(s.at_ms),
                "handle": s.handle,
                "count": s.count,
                "source": s.source,
            },
        )

    def event(self, e: Event) -> None:
        """An event was stored (a source's trouble, a note from a followed file)."""
        self._line(
            f"{iso_utc(e.at_ms)}  {e.kind}  {e.handle or '-'}  {e.text}",
            {
                "type": "event",
                "kind": e.kind,
                "at": iso_utc(e.at_ms),
                "handle": e.handle,
                "text": e.text,
            },
        )

    def paused(self, why: str) -> None:
        """Readings cannot be stored for now; they are kept and retried."""
        self._line(
            f"{_now()}  paused  -  cannot store readings: {why}; retrying",
            {"type": "paused", "at": _now(), "reason": why},
        )

    def resumed(self) -> None:
        """Readings are stored again."""
        self._line(
            f"{_now()}  resumed  -  storing readings again", {"type": "resumed", "at": _now()}
        )
