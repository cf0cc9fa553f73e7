"""Fixtures for live sources: a fake services server and a session file with two competitors."""

from __future__ import annotations

import io

import pytest

from photofinish.core.model import Competitor, Race
from photofinish.core.store import Store


@pytest.fixture
def race_store(tmp_path):
    store = Store.create(
        tmp_path / "live.pfrace",
        Race("Live test", 5_000_000, display_tz="UTC"),
        [Competitor("alice", "Alice", "#E69F00"), Competitor("bob", "Bob", "#56B4E9")],
    )
    yield store
    store.close()


@pytest.fixture
def make_runner(qtbot, race_store):
    """A runner writing to ``race_store`` with quick retries and a short timeout."""
    from photofinish.headless.recorder import StoreSink
    from photofinish.sources.runner import SourceRunner

    made = []

    def make(secrets: dict[str, str] | None = None, timeout_ms: int = 800) -> SourceRunner:
        out = io.StringIO()
        sink = StoreSink(race_store, out)
        runner = SourceRunner(
            sink,
            [c.handle for c in race_store.competitors()],
            race_store_zone(race_store),
            lambda name: (secrets or {}).get(name, ""),
            retry_base_s=0.05,
            timeout_ms=timeout_ms,
        )
        runner.own_server_floor_s = 0.05
        runner.out = out  # type: ignore[attr-defined]
        made.append(runner)
        return runner

    yield make
    for runner in made:
        runner.stop()
        runner.deleteLater()
    qtbot.wait(10)


def race_store_zone(store: Store):
    from photofinish.core.model import zone_of

    return zone_of(store.race().display_tz)
