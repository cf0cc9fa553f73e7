"""Analysing a stored race step by step, and keeping what the analysis decided in the file."""

from __future__ import annotations

from collections.abc import Generator
from typing import cast

from ..analysis.race import analyse, fingerprint, settled_from
from ..analysis.result import RaceAnalysis
from ..steps import Progress, run_steps
from ..store import Store


def analyse_store(store: Store, as_of_ms: int | None = None) -> RaceAnalysis:
    """Analyse everything stored in a session (building on what it settled before)."""
    return cast(RaceAnalysis, run_steps(analyse_store_steps(store, as_of_ms)))


def analyse_store_steps(
    store: Store, as_of_ms: int | None = None
) -> Generator[Progress, None, RaceAnalysis]:
    """:func:`analyse_store` step by step: yields before each competitor's load and the analysis.

    ``(done, total)`` counts the stages finished of ``competitors + 1``; see
    :func:`analysis_stages` for their names.
    """
    race, comps = store.race(), store.competitors()
    series = {}
    for done, comp in enumerate(comps):
        yield done, len(comps) + 1
        series[comp.handle] = store.series(comp.handle)
    yield len(comps), len(comps) + 1
    settled = store.settled(fingerprint(race, comps)) if as_of_ms is None else None
    return analyse(race, comps, series, as_of_ms, settled)


def analysis_stages(store: Store) -> list[str]:
    """The stages of :func:`analyse_store_steps`, in words, for a progress line."""
    names = [f"loading the readings of {c.name}" for c in store.competitors()]
    return [*names, "working out the race"]


def refresh_derived(store: Store, result: RaceAnalysis | None = None) -> RaceAnalysis:
    """Store the glitch flags, derived events and settled part of an analysis of everything.

    Analyses the store first unless the caller already has that analysis.
    """
    result = result or analyse_store(store)
    with store.write():
        store.record_auto_glitches(
            (g.handle, g.at_ms, g.count) for g in result.glitches if g.by == "auto"
        )
        store.sync_derived_events(result.events)
        store.set_settled(settled_from(result), fingerprint(result.race, result.competitors))
    return result
