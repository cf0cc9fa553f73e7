"""Small file-system helpers shared by the store, the exports and the screenshots."""

from __future__ import annotations

import os
from pathlib import Path


def give_usual_permissions(path: str | Path) -> None:
    """Give a temporary file the mode a new file would get.

    ``tempfile.mkstemp`` makes files readable by their owner only; a finished
    export or copy should get what the user's umask gives any new file.
    """
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(path, 0o666 & ~umask)
