"""The race in numbers, as ``photofinish summary`` prints it (JSON or lines for people)."""

from __future__ import annotations

import io
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from ..analysis.result import RaceAnalysis
from ..model import iso_utc, zone_of
from ..store import Store
from .analysis import analyse_store


def summary(store: Store, result: RaceAnalysis | None = None) -> dict[str, Any]:
    """The race in numbers, in the shape of ``photofinish summary --json``."""
    result = result or analyse_store(store)
    race = result.race
    comps = []
    for comp in result.competitors:
        st = result.stats[comp.handle]
        comps.append(
            {
                "handle": comp.handle,
                "name": comp.name,
                "latest_count": st.latest_count,
                "latest_at": iso_utc(st.latest_at_ms),
                "crossed_at": iso_utc(st.crossed_at_ms),
                "rate_per_hour": None if st.rate_per_hour is None else round(st.rate_per_hour, 1),
                "eta": iso_utc(st.eta_ms),
            }
        )
    return {
        "title": race.title,
        "milestone": race.milestone,
        "display_tz": race.display_tz,
        "snapshots": store.snapshot_count(),
        "competitors": comps,
        "leader": result.leader,
        "lead": result.current_lead,
        "winner": result.winner,
        "margin_at_finish": result.margin_at_finish,
        "lead_changes": [{"at": iso_utc(c.at_ms), "leader": c.leader} for c in result.lead_changes],
        "glitches": [
            {"handle": g.handle, "at": iso_utc(g.at_ms), "count": g.count} for g in result.glitches
        ],
    }


def _local(at: str | None, zone: ZoneInfo) -> str:
    if at is None:
        return "-"
    dt = datetime.fromisoformat(at).astimezone(zone)
    return dt.strftime("%Y-%m-%d %H:%M %Z")


def summary_text(data: dict[str, Any]) -> str:
    """The summary as lines a person reads, times in the race's display zone."""
    zone = zone_of(data["display_tz"])
    out = io.StringIO()
    out.write(f"{data['title']}\n")
    out.write(
        f"Milestone {data['milestone']:,} · times in {data['display_tz']} · "
        f"{data['snapshots']:,} snapshots\n\n"
    )
    for c in data["competitors"]:
        count = "-" if c["latest_count"] is None else f"{c['latest_count']:,}"
        line = f"  {c['name']} (@{c['handle']}): {count} at {_local(c['latest_at'], zone)}"
        if c["crossed_at"]:
            line += f"; crossed {_local(c['crossed_at'], zone)}"
        elif c["eta"]:
            line += f"; ETA {_local(c['eta'], zone)}"
        if c["rate_per_hour"] is not None:
            line += f"; {c['rate_per_hour']:,.0f}/h"
        out.write(line + "\n")
    out.write("\n")
    if data["winner"]:
        margin = data["margin_at_finish"]
        by = f" by {margin:,}" if margin is not None else ""
        out.write(f"Winner: @{data['winner']}, first to {data['milestone']:,}{by}\n")
    if data["leader"]:
        out.write(f"Leader now: @{data['leader']} by {data['lead']:,}\n")
    if data["lead_changes"]:
        out.write("Lead changes:\n")
        for ch in data["lead_changes"]:
            out.write(f"  {_local(ch['at'], zone)}  @{ch['leader']} takes the lead\n")
    if data["glitches"]:
        out.write("Glitch readings left out:\n")
        for g in data["glitches"]:
            out.write(f"  {_local(g['at'], zone)}  @{g['handle']} {g['count']:,}\n")
    return out.getvalue()
