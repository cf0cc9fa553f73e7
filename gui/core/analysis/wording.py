"""The events an analysis derives, in words: lead changes, "N to go", crossings and glitches."""

from __future__ import annotations

from ..model import BY_USER, KIND_CROSSED, KIND_GLITCH, KIND_LEAD_CHANGE, KIND_TO_GO, Event
from .result import RaceAnalysis
from .stats import first_at_least

TO_GO_THRESHOLDS = (10_000, 5_000, 2_000, 1_000, 100)


def marks(milestone: int) -> list[int]:
    """The counts worth an event: the milestone and each "to go" threshold before it."""
    return [milestone, *(milestone - n for n in TO_GO_THRESHOLDS if n * 10 <= milestone)]


def fmt(n: float | int) -> str:
    """A count with thousands separators, as event texts write it."""
    return f"{int(n):,}"


def derive_events(
    result: RaceAnalysis, names: dict[str, str], memo: dict[object, Event] | None = None
) -> list[Event]:
    """The events the app derives itself, each with a stable key; same input, same events.

    ``memo`` keeps the events of lead changes and glitches once worked out (a
    live race has thousands; each frame words them all again otherwise): pass
    the same dict only with the same race and names.
    """
    memo = {} if memo is None else memo
    race = result.race
    events: list[Event] = []
    pair = result.pair
    for change in result.lead_changes:
        found = memo.get(change)
        if found is None:
            other = pair[1] if pair and change.leader == pair[0] else (pair[0] if pair else "")
            found = memo[change] = Event(
                change.at_ms,
                KIND_LEAD_CHANGE,
                f"{names[change.leader]} takes the lead from {names.get(other, other)}",
                handle=change.leader,
                key=f"lead_change:{change.leader}:{change.at_ms}",
            )
        events.append(found)
    head = [c.handle for c in result.competitors[:2]]
    thresholds = [n for n in TO_GO_THRESHOLDS if n * 10 <= race.milestone]
    for handle in head:
        t, c = result.clean[handle]
        if t.size < 2:
            continue
        firsts = result.firsts.get(handle, {})
        for n in thresholds:
            mark = race.milestone - n
            first = firsts[mark] if mark in firsts else first_at_least(c, mark)
            if first is None or first == 0:
                continue
            i = first
            if c[i] >= race.milestone:
                continue
            events.append(
                Event(
                    int(t[i]),
                    KIND_TO_GO,
                    f"{names[handle]} is within {fmt(n)} of {fmt(race.milestone)}: "
                    f"{fmt(c[i])}, {fmt(race.milestone - c[i])} to go",
                    handle=handle,
                    key=f"to_go:{handle}:{n}",
                )
            )
    order = sorted(result.crossings.values(), key=lambda x: (x.at_ms, -x.count))
    for rank, crossing in enumerate(order):
        handle = crossing.handle
        text = f"{names[handle]} reaches {fmt(race.milestone)}"
        if crossing.count != race.milestone:
            text += f" ({fmt(crossing.count)})"
        if handle == result.winner and result.margin_at_finish is not None and pair:
            other = pair[1] if handle == pair[0] else pair[0]
            text += f", first, {fmt(result.margin_at_finish)} ahead of {names[other]}"
        elif rank > 0:
            mins = (crossing.at_ms - order[0].at_ms) / 60_000
            text += f", {mins:.0f} min after {names[order[0].handle]}"
        events.append(
            Event(crossing.at_ms, KIND_CROSSED, text, handle=handle, key=f"crossed:{handle}")
        )
    for g in result.glitches:
        found = memo.get(g)
        if found is None:
            who = "by hand" if g.by == BY_USER else "automatically"
            found = memo[g] = Event(
                g.at_ms,
                KIND_GLITCH,
                f"Reading of {fmt(g.count)} for {names[g.handle]} flagged as a glitch ({who})",
                handle=g.handle,
                key=f"glitch:{g.handle}:{g.at_ms}:{g.count}",
            )
        events.append(found)
    for k in result.kept:
        found = memo.get(("kept", k))
        if found is None:
            found = memo[("kept", k)] = Event(
                k.at_ms,
                KIND_GLITCH,
                f"Reading of {fmt(k.count)} for {names[k.handle]} kept as a real reading (by hand)",
                handle=k.handle,
                key=f"kept:{k.handle}:{k.at_ms}:{k.count}",
            )
        events.append(found)
    events.sort(key=lambda e: (e.at_ms, e.key or ""))
    return events
