"""``photofinish record``: follow live sources without a window."""

from __future__ import annotations

import argparse
import sys

from ..core.store import Store
from .parser import UsageError


def cmd_record(args: argparse.Namespace) -> int:
    """Record live sources into a session until stopped."""
    from ..core.live.recording import running_elsewhere
    from ..headless.recorder import RecordError, plan_feeds, record

    store = Store.open(args.session)
    try:
        if store.read_only:
            raise UsageError(f"{args.session}: is read-only; recording needs to write to it")
        try:
            configs, warnings = plan_feeds(store, args.feed, args.interval, args.base_url)
        except RecordError as exc:
            raise UsageError(f"record: {exc}") from None
        other = running_elsewhere(store.recorder())
        if other is not None:
            raise UsageError(
                f"{args.session}: another recorder (pid {other}) is writing to it; "
                "stop that one first"
            )
        for warning in warnings:
            print(f"photofinish: {warning}", file=sys.stderr)
        print(
            f"photofinish: recording {len(configs)} source(s) into {args.session}; Ctrl+C stops",
            file=sys.stderr,
        )
        try:
            stored = record(
                store,
                configs,
                args.duration,
                as_json=args.json,
                on_event=args.on_event,
                on_event_limit_s=args.on_event_limit,
            )
        except RecordError:
            return 1
        print(f"photofinish: stopped; {stored} new reading(s) stored", file=sys.stderr)
    finally:
        store.close()
    return 0
