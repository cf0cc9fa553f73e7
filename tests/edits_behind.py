"""Another program changing a session's readings behind the app, and what a fresh analysis says.

The edits are made by a separate Python process with nothing but ``sqlite3``,
as any tool that reads the documented file could: on the 2009 race, a 0
slipped in between two of Kutcher's readings (a glitch), CNN's readings
raised by 3,000 for half an hour after Kutcher took the lead back (CNN leads,
then Kutcher again: five lead changes instead of three), and one of Britney
Spears's readings deleted. :func:`from_scratch` analyses the file read the
same plain way, with no help from what the app stored.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

from photofinish.core.model import Competitor, Race, Snapshot
from photofinish.core.series import Series
from tests.core.analysis.scratch import scratch_analyse

# Kutcher took the lead for good at 04:25 UTC; he led CNN by 40 to 939 until 05:05.
SHIFT_FROM_MS = 1_239_942_600_000  # 2009-04-17T04:30Z
SHIFT_TO_MS = 1_239_944_400_000  # 2009-04-17T05:00Z
SHIFT = 3_000

_OPEN = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1], timeout=30)
ids = dict(conn.execute("SELECT handle, id FROM competitors"))
"""
EDITS = {
    "insert": """
a, b = conn.execute(
    "SELECT at_ms FROM snapshots WHERE competitor_id = ? ORDER BY at_ms LIMIT 2 OFFSET 600",
    [ids["aplusk"]],
).fetchall()
with conn:
    conn.execute(
        "INSERT INTO snapshots (competitor_id, at_ms, count, source) VALUES (?, ?, 0, 'by hand')",
        [ids["aplusk"], (a[0] + b[0]) // 2],
    )
""",
    "update": f"""
with conn:
    conn.execute(
        "UPDATE snapshots SET count = count + {SHIFT}"
        " WHERE competitor_id = ? AND at_ms BETWEEN {SHIFT_FROM_MS} AND {SHIFT_TO_MS}",
        [ids["cnnbrk"]],
    )
""",
    "delete": """
with conn:
    conn.execute(
        "DELETE FROM snapshots WHERE id = (SELECT id FROM snapshots WHERE competitor_id = ?"
        " ORDER BY at_ms LIMIT 1 OFFSET 300)",
        [ids["britneyspears"]],
    )
""",
}


def edit_behind(path: Path, *which: str) -> None:
    """Make the edits (all, or those named) from another process, with plain sqlite3."""
    script = _OPEN + "".join(EDITS[name] for name in which or EDITS) + "conn.close()\n"
    done = subprocess.run(
        [sys.executable, "-c", script, str(path)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr


def from_scratch(path: Path):
    """The race in the file analysed from its rows alone (hand flags kept, nothing else)."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        title, milestone, platform, tz, stale = conn.execute(
            "SELECT title, milestone, platform, display_tz, stale_after_s FROM race"
        ).fetchone()
        comps = [
            Competitor(h, n, c, position=p)
            for h, n, c, p in conn.execute("SELECT handle, name, colour, position FROM competitors")
        ]
        snaps = [
            Snapshot(t, h, c, src, flag, by, id=i)
            for i, h, t, c, src, flag, by in conn.execute(
                "SELECT s.id, c.handle, s.at_ms, s.count, s.source,"
                " CASE WHEN s.flagged_by = 'user' THEN s.flag ELSE '' END,"
                " CASE WHEN s.flagged_by = 'user' THEN 'user' ELSE '' END"
                " FROM snapshots s JOIN competitors c ON c.id = s.competitor_id"
            )
        ]
    finally:
        conn.close()
    race = Race(title, milestone, platform, tz, stale)
    series = {c.handle: Series.from_snapshots(c.handle, snaps) for c in comps}
    return scratch_analyse(race, comps, series)


def glitches_of(result) -> set[tuple[str, int, int]]:
    """The readings an analysis leaves out, by competitor, time and count."""
    return {(g.handle, g.at_ms, g.count) for g in result.glitches}


def stored_auto_glitches(path: Path) -> set[tuple[str, int, int]]:
    """The readings the file holds as automatic glitches."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return {
            (h, t, c)
            for h, t, c in conn.execute(
                "SELECT c.handle, s.at_ms, s.count FROM snapshots s"
                " JOIN competitors c ON c.id = s.competitor_id"
                " WHERE s.flagged_by = 'auto' AND s.flag = 'glitch'"
            )
        }
    finally:
        conn.close()


def stored_lead_changes(path: Path) -> list[tuple[int, str]]:
    """The lead changes the file holds as derived events: time and new leader."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        rows = conn.execute(
            "SELECT e.at_ms, c.handle FROM events e JOIN competitors c ON c.id = e.competitor_id"
            " WHERE e.origin = 'derived' AND e.kind = 'lead_change' ORDER BY e.at_ms"
        ).fetchall()
    finally:
        conn.close()
    return [(int(t), str(h)) for t, h in rows]
