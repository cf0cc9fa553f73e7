"""``photofinish forecast``: each side's projected finish with its range, and the backtest."""

from __future__ import annotations

import argparse
import json
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from ..core.model import zone_of
from ..core.store import Store
from .common import moment
from .parser import UsageError


def cmd_forecast(args: argparse.Namespace) -> int:
    """Print the forecast (as of --at), or the backtest."""
    from ..core.jobs.forecasts import backtest_data, forecast_data

    with Store.open(args.session, read_only=True) as store:
        race = store.race()
        names = {c.handle: c.name for c in store.competitors()}
        zone = zone_of(race.display_tz)
        if args.backtest:
            if args.at:
                raise UsageError("forecast: --backtest replays the whole race; leave out --at")
            data = backtest_data(store)
            print(
                json.dumps(data, indent=2) if args.json else backtest_text(data, names, zone),
                end="",
            )
            return 0
        data = forecast_data(store, moment("forecast", args.at, zone))
    print(
        json.dumps(data, indent=2)
        if args.json
        else forecast_text(data, names, race.milestone, zone)
    )
    return 0


def _local(at: str | None, zone: ZoneInfo, shape: str = "%a %d %b %H:%M %Z") -> str:
    if at is None:
        return "-"
    return datetime.fromisoformat(at).astimezone(zone).strftime(shape)


def forecast_text(
    data: dict[str, Any], names: dict[str, str], milestone: int, zone: ZoneInfo
) -> str:
    """The forecast as lines a person reads, times in the race's zone."""
    lines = [f"Forecast as of {_local(data['at'], zone)}"]
    for comp in data["competitors"]:
        who = f"{names.get(comp['handle'], comp['handle'])} (@{comp['handle']})"
        if comp["count"] is None:
            lines.append(f"  {who}: no recent readings to project from")
        elif comp["eta"] is not None and comp["eta"] == comp["eta_low"] == comp["eta_high"]:
            lines.append(f"  {who}: reached {milestone:,} at {_local(comp['eta'], zone)}")
        elif comp["eta"] is None:
            lines.append(f"  {who}: {comp['count']:,}, not gaining: no finish in sight")
        else:
            low, high = (datetime.fromisoformat(comp[k]) for k in ("eta_low", "eta_high"))
            # A week apart, a day's name alone would not say which week.
            shape = "%a %H:%M" if high - low < timedelta(days=5) else "%a %d %b %H:%M"
            lines.append(
                f"  {who}: {comp['count']:,} at {comp['rate_per_hour']:,.0f} an hour; reaches "
                f"{milestone:,} about {_local(comp['eta'], zone)} (80% between "
                f"{_local(comp['eta_low'], zone, shape)} and "
                f"{_local(comp['eta_high'], zone, shape)})"
            )
    winner = data["projected_winner"]
    if winner is not None:
        chance = data["winner_probability"]
        odds = f" ({chance:.0%} likely)" if chance is not None and chance < 1 else ""
        lines.append(f"Projected winner: {names.get(winner, winner)}{odds}")
    if data.get("next_lead_change"):
        lines.append(
            f"At these rates the lead changes about {_local(data['next_lead_change'], zone)}"
        )
    return "\n".join(lines) + "\n"


def backtest_text(data: dict[str, Any], names: dict[str, str], zone: ZoneInfo) -> str:
    """The backtest as a table a person reads."""
    lines = [
        "Forecasts made before each crossing, against what happened (times in the race's zone):"
    ]
    for row in data["forecasts"]:
        who = names.get(row["handle"], row["handle"])
        held = "held" if row["held"] else "missed"
        error = "-" if row["error_min"] is None else f"{row['error_min']:+.0f} min"
        said = _local(row["eta"], zone, "%a %H:%M")
        low, high = _local(row["eta_low"], zone, "%H:%M"), _local(row["eta_high"], zone, "%H:%M")
        crossed = _local(row["crossed_at"], zone, "%a %H:%M")
        lines.append(
            f"  {who}, {_horizon(row['horizon_min'])} before: said {said} ({low}–{high}), "
            f"crossed {crossed}: {error}, range {held}"
        )
    lines.append("By horizon: forecasts, how often the 80% range held, median error")
    for h in data["horizons"]:
        if not h["forecasts"]:
            continue
        lines.append(
            f"  {_horizon(h['horizon_min']):>7}: {h['forecasts']}, {h['coverage']:.0%}, "
            f"{h['median_error_min']:.0f} min"
        )
    return "\n".join(lines) + "\n"


def _horizon(minutes: int) -> str:
    return f"{minutes // 60} h" if minutes >= 60 and minutes % 60 == 0 else f"{minutes} min"
