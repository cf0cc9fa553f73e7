"""Which process records into a session file: the mark a recorder leaves, and if it runs."""

from __future__ import annotations

import os
import socket
import time
from typing import Any


def this_process() -> dict[str, Any]:
    """The mark a recorder leaves in the file while it runs: its pid, host and start."""
    return {"pid": os.getpid(), "host": socket.gethostname(), "since_ms": int(time.time() * 1000)}


def running_elsewhere(mark: dict[str, Any] | None) -> int | None:
    """The pid of the recorder a mark names, if it is another process still running here.

    A mark from another computer, or from this process, names no one to wait
    for; nor does one left by a recorder that was killed.
    """
    if not mark:
        return None
    try:
        pid, host = int(mark["pid"]), str(mark["host"])
    except (ValueError, KeyError, TypeError):
        return None
    if host != socket.gethostname() or pid == os.getpid():
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None  # it ended without tidying up (killed)
    except PermissionError:
        return pid
    return pid
