"""Opening a session file for a window or a headless picture, and creating a new race's file.

Every path that shows a race (the window, ``photofinish screenshot``, a chart
export, a replay clip) opens its file through :func:`open_steps`, so a bad
file is refused the same way everywhere, with the file and the problem named.
"""

from __future__ import annotations

import os
from collections.abc import Generator, Sequence
from pathlib import Path
from typing import cast

from ..core.errors import SessionFileError, StoreError
from ..core.model import Competitor, Race, Snapshot, SourceConfig
from ..core.steps import Progress, run_steps, within
from ..core.store import Store
from .session import Session


def open_steps(
    path: Path, read_only: bool | None = None, stages: list[str] | None = None
) -> Generator[Progress, None, Session]:
    """Open a session file and read it step by step: a stage per competitor, then the analysis.

    Read-only when asked, or when the file cannot be written. Fills ``stages``
    (when given) with the stages' names once the file is checked and open,
    and yields ``(stages done, 3 × competitors)`` before each: the last stage
    (the analysis, and a window drawn after it) takes about twice as long as
    all the loading, so the share done, and a progress dialog's guess of how
    long the whole takes, come out about right. Raises SessionFileError naming
    the file and the problem; closed early (a Cancel), it closes the file with
    the race in it unchanged.
    """
    store = Store.open(path, read_only=read_only)
    try:
        names = [c.name for c in store.competitors()]
        if stages is not None:
            stages[:] = [
                *(f"loading the readings of {name}" for name in names),
                "working out the race and drawing it",
            ]
        session = yield from within(Session.opening(store), 0, max(3 * len(names), 1))
    except SessionFileError:
        store.close()
        raise
    except StoreError as exc:
        store.close()
        raise damaged(path, exc) from exc
    except (KeyError, ValueError) as exc:
        store.close()
        raise SessionFileError(path, f"holds data this version cannot read ({exc})") from exc
    except BaseException:  # a Cancel (GeneratorExit) or anything unexpected
        store.close()
        raise
    return cast(Session, session)


def open_session(path: Path, read_only: bool | None = None) -> Session:
    """Open a session file and read it in one go (see :func:`open_steps`)."""
    return cast(Session, run_steps(open_steps(path, read_only)))


def damaged(path: Path, exc: StoreError) -> SessionFileError:
    """The error for a file found damaged while it was being read."""
    return SessionFileError(path, f"is damaged ({exc.detail or exc.problem}); it was not changed")


def create_race(
    target: Path,
    race: Race,
    competitors: Sequence[Competitor],
    sources: Sequence[SourceConfig] = (),
    readings: Sequence[Snapshot] = (),
) -> None:
    """Create a new race's session file at ``target``, replacing what was there.

    ``sources`` are attached and ``readings`` (the counts its look-ups read)
    stored. It is built beside the target and renamed over it, so a replaced
    file is never half made. Raises SessionFileError or OSError naming the problem.
    """
    tmp = target.with_name(f".{target.name}.new")
    tmp.unlink(missing_ok=True)
    with Store.create(tmp, race, competitors) as store:
        if sources:
            with store.write():
                for source in sources:
                    store.save_source(source)
        if readings:
            store.append(readings)
    os.replace(tmp, target)
