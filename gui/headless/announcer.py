"""``record --on-event CMD``: each new event handed to commands, once, without holding up recording.

Each command runs through the shell once per event, with the event as one
JSON object on its standard input (see :func:`~photofinish.core.alerts.event_record`).
Commands run one after another in a thread of their own, each within a time
limit; one that fails or hangs is logged with its exit status and killed,
and the recording goes on. What was announced is kept in the file (the
``announced`` table, channel ``command``), so a restarted recorder never
announces an event again. Commands get no key or token: the variables that
hold them are taken out of their environment.
"""

from __future__ import annotations

import json
import logging
import os
import queue
import signal
import subprocess
import threading
from collections.abc import Iterable

from ..core.alerts import event_record, new_events
from ..core.live.specs import SECRET_ENV
from ..core.model import Event
from ..core.store import Store

log = logging.getLogger(__name__)

CHANNEL = "command"
TIME_LIMIT_S = 30.0  # a command still running after this is killed
_OUTPUT_KEPT = 400  # characters of a failing command's output put in the log


class Announcer:
    """Runs the ``--on-event`` commands for events not yet announced on this file."""

    def __init__(
        self,
        store: Store,
        commands: list[str],
        race_title: str,
        time_limit_s: float = TIME_LIMIT_S,
    ) -> None:
        self.store = store
        self.commands = list(commands)
        self.race_title = race_title
        self.time_limit_s = time_limit_s
        self.told = store.announced(CHANNEL)
        self._jobs: queue.Queue[Event | None] = queue.Queue()
        self._worker = threading.Thread(target=self._work, name="photofinish-on-event", daemon=True)
        self._worker.start()

    def skip(self, events: Iterable[Event]) -> None:
        """Count these as told without running anything (what was there before recording)."""
        keys = [e.key for e in events if e.key and e.key not in self.told]
        if keys:
            self.store.announce(CHANNEL, keys)
            self.told.update(keys)

    def announce(self, events: Iterable[Event]) -> int:
        """Hand the events not yet told to the commands; returns how many were new.

        They are marked as told in the file first: an event is announced at
        most once, even if the recorder is killed while a command runs.
        """
        fresh = new_events(events, self.told)
        if not fresh:
            return 0
        self.store.announce(CHANNEL, [e.key for e in fresh if e.key])
        self.told.update(e.key for e in fresh if e.key)
        for event in fresh:
            self._jobs.put(event)
        return len(fresh)

    def close(self, wait_s: float = 5.0) -> None:
        """Let the commands under way finish (up to ``wait_s``), then stop."""
        self._jobs.put(None)
        self._worker.join(wait_s)

    # -- the commands' thread ----------------------------------------------------------
    def _work(self) -> None:
        while (event := self._jobs.get()) is not None:
            payload = json.dumps(event_record(event, self.race_title), ensure_ascii=False) + "\n"
            for command in self.commands:
                self._run(command, payload, event)

    def _run(self, command: str, payload: str, event: Event) -> None:
        try:
            proc = subprocess.Popen(
                command,
                shell=True,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                env=_without_secrets(),
                start_new_session=True,  # so a hung command and its children can be killed
            )
        except OSError as exc:
            log.warning("--on-event %r could not start: %s", command, exc)
            return
        try:
            out, _ = proc.communicate(payload.encode("utf-8"), timeout=self.time_limit_s)
        except subprocess.TimeoutExpired:
            _kill(proc)
            log.warning(
                "--on-event %r was still running after %g s and was stopped (event %s)",
                command,
                self.time_limit_s,
                event.key,
            )
            return
        if proc.returncode != 0:
            said = out.decode("utf-8", "replace").strip()[-_OUTPUT_KEPT:]
            log.warning(
                "--on-event %r failed with exit status %s (event %s)%s",
                command,
                proc.returncode,
                event.key,
                f": {said}" if said else "",
            )
        else:
            log.info("--on-event %r ran for event %s", command, event.key)


def _without_secrets() -> dict[str, str]:
    """The environment of the recorder, less every variable that may hold a key or token."""
    hidden = {name for names in SECRET_ENV.values() for name in names}
    return {k: v for k, v in os.environ.items() if k not in hidden}


def _kill(proc: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        proc.kill()
    try:
        proc.communicate(timeout=5)
    except subprocess.TimeoutExpired:
        log.error("--on-event: a stopped command did not end")
