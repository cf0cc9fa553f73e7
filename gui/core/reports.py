"""What an import did, in words: the same sentences on the command line and in the window."""

from __future__ import annotations

from typing import Any


def unfinished_import_text(progress: dict[str, Any]) -> str:
    """What an import that stopped early stored, and what to do about it."""
    done, total = int(progress.get("bytes_done", 0)), int(progress.get("bytes_total", 0))
    where = f" ({done / total:.0%} of the file read)" if total else ""
    return (
        f"an import of {progress.get('file')} started {progress.get('started')} did not "
        f"finish{where}: {int(progress.get('readings', 0)):,} readings and "
        f"{int(progress.get('notes', 0)):,} notes from it are stored. Import the same file "
        "again to add the rest; what is already stored is skipped, never added twice"
    )
