"""``photofinish lookup`` and ``new --follow``: who an account is, and a race that follows it."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable

from ..core.live.fetch import Fetch, fetcher
from ..core.live.history import HISTORY_SOURCE, has_history, history_steps, no_history_text
from ..core.live.lookup import LookupError, Profile, look_up, parse_target
from ..core.live.replies import ReadingError
from ..core.live.specs import SourceSpec, SpecError, secret_to_send
from ..core.model import Competitor, Snapshot, SourceConfig
from ..core.steps import run_with_progress
from ..core.store import Store
from .parser import EXIT_BAD_INPUT, UsageError

EXIT_UNREACHABLE = 1  # the service did not answer: trying again later may work


class Unreachable(Exception):
    """A service did not answer (the network, a rate limit): exit 1, not 2."""


def secret_of(spec: SourceSpec) -> str:
    """The key or token this source's requests carry (from the environment or the settings)."""

    def from_settings(name: str) -> str:
        from ..settings import secret_for  # QSettings: loaded only when a key is needed

        return secret_for(name)

    return secret_to_send(spec, from_settings)


def find(text: str, base_url: str | None, fetch: Fetch | None = None) -> Profile:
    """Look a target up; UsageError (exit 2) when it cannot be followed, Unreachable otherwise."""
    try:
        spec = parse_target(text, base_url=base_url)
    except SpecError as exc:
        raise UsageError(f"{text}: {exc}") from None
    secret = secret_of(spec)
    try:
        return look_up(spec, fetch or fetcher([secret]), secret)
    except LookupError as exc:
        if exc.final:
            raise UsageError(exc.reason) from None
        raise Unreachable(exc.reason) from None


def cmd_lookup(args: argparse.Namespace) -> int:
    """Say who an account is, its count and the spec a race follows it by."""
    try:
        profile = find(args.target, args.base_url)
    except Unreachable as exc:
        print(f"photofinish: error: {exc}", file=sys.stderr)
        return EXIT_UNREACHABLE
    if args.json:
        print(json.dumps(profile.as_json(), ensure_ascii=False))
    else:
        name, handle = profile.name, profile.handle
        print(f"{name} ({handle}): {profile.count:,}; follow it as {profile.spec.text}")
    return 0


def followed(targets: list[str], base_url: str | None, fetch: Fetch | None = None) -> list[Profile]:
    """Every target looked up, or an error naming the first that cannot be followed."""
    profiles: list[Profile] = []
    for text in targets:
        try:
            profile = find(text, base_url, fetch)
        except UsageError as exc:
            raise UsageError(f"new: --follow {text}: {exc}") from None
        except Unreachable as exc:
            raise UsageError(f"new: --follow {text}: {exc}; nothing was written") from None
        if any(p.handle == profile.handle for p in profiles):
            raise UsageError(f"new: {profile.handle} is followed twice")
        profiles.append(profile)
    return profiles


def attach(
    store: Store,
    profiles: list[Profile],
    interval_s: float | None,
    now_ms: int,
    fetch: Fetch | None = None,
    say: Callable[[str], None] = lambda text: print(f"photofinish: {text}", file=sys.stderr),
) -> None:
    """Attach each profile's source, store its count as the first reading, load its history."""
    sources = [
        SourceConfig(
            p.handle,
            p.spec.text,
            interval_s or p.spec.default_interval_s(bool(secret_of(p.spec))),
            True,
            p.spec.base_url,
        )
        for p in profiles
    ]
    with store.write():
        for source in sources:
            store.save_source(source)
    store.append([Snapshot(now_ms, p.handle, p.count, p.spec.text) for p in profiles])
    for p in profiles:
        if not has_history(p.spec):
            say(no_history_text(p.spec))
            continue
        load_history(store, p, now_ms, fetch, say)


def load_history(
    store: Store,
    profile: Profile,
    now_ms: int,
    fetch: Fetch | None = None,
    say: Callable[[str], None] = lambda text: print(f"photofinish: {text}", file=sys.stderr),
) -> int:
    """Store a repository's star history (progress on a terminal); returns the readings stored."""
    secret = secret_of(profile.spec)

    def keep(readings: list[tuple[int, int]]) -> None:
        store.insert_snapshots(
            Snapshot(at, profile.handle, total, HISTORY_SOURCE) for at, total in readings
        )

    steps = history_steps(
        profile.spec, fetch or fetcher([secret]), profile.count, keep, secret, now_ms
    )
    try:
        result = run_with_progress(
            steps, f"Star history of {profile.spec.target}", "pages", sys.stderr
        )
    except ReadingError as exc:
        say(f"{profile.spec.target}: {exc.reason}; the count is followed from now on")
        return 0
    if result.readings:
        since = time.strftime("%Y-%m-%d", time.gmtime(result.first_ms / 1000))
        say(
            f"{profile.spec.target}: stored {result.readings:,} daily readings of its star "
            f"history, from {since}"
        )
    return int(result.readings)


def new_competitors(profiles: list[Profile]) -> list[Competitor]:
    """The competitors a followed race starts with, named as their services name them."""
    return [Competitor(p.handle, p.name, "") for p in profiles]


__all__ = [
    "EXIT_BAD_INPUT",
    "attach",
    "cmd_lookup",
    "find",
    "followed",
    "load_history",
    "new_competitors",
]
