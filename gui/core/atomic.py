"""Small file-system helpers shared by the store, the exports and the screenshots."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any


def give_usual_permissions(path: str | Path) -> None:
    """Give a temporary file the mode a new file would get.

    ``tempfile.mkstemp`` makes files readable by their owner only; a finished
    export or copy should get what the user's umask gives any new file.
    """
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(path, 0o666 & ~umask)


@contextmanager
def atomic_file(path: str | Path, mode: str = "w", suffix: str = "") -> Iterator[IO[Any]]:
    """Open a temporary sibling of ``path`` for writing; rename it into place on success.

    On any exception (a full disk, a cancelled export: ``GeneratorExit`` and
    ``KeyboardInterrupt`` included) the temporary file is removed, so a target
    is either the old file, the complete new one, or absent: never half-written.
    """
    target = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=suffix, dir=target.parent or ".")
    try:
        kwargs: dict[str, Any] = {}
        if "b" not in mode:
            kwargs = {"newline": "", "encoding": "utf-8"}
        with os.fdopen(fd, mode, **kwargs) as fh:
            yield fh
        give_usual_permissions(tmp)
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


@contextmanager
def atomic_path(path: str | Path, suffix: str = "") -> Iterator[Path]:
    """A temporary sibling path for a writer that opens files itself (ffmpeg, Qt, Pillow).

    Renamed onto ``path`` when the block ends normally, removed when it raises.
    """
    target = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=suffix, dir=target.parent or ".")
    os.close(fd)
    try:
        yield Path(tmp)
        give_usual_permissions(tmp)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
