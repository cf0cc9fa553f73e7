"""What an import did, in words: the same sentences on the command line and in the window.

Numbers go through ``count``: the command line writes them with commas, the
window in the user's locale.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .importing.report import ImportReport

Count = Callable[[int], str]


def plain_count(n: int) -> str:
    """A number with comma thousands separators, as the command line writes it."""
    return f"{n:,}"


def import_lines(report: ImportReport, count: Count = plain_count) -> list[str]:
    """What an import stored and skipped, in a sentence, then the competitors it added."""
    lines = [
        f"Imported {count(report.imported)} snapshots and {count(report.annotations)} "
        f"annotations; {count(report.duplicates)} duplicates skipped; "
        f"{count(report.bad_lines)} bad lines."
    ]
    if report.competitors_added:
        lines.append("New competitors: " + ", ".join(report.competitors_added))
    return lines


def bad_line_lines(report: ImportReport, limit: int, count: Count = plain_count) -> list[str]:
    """The first ``limit`` bad lines with their reasons, and how many more there were."""
    lines = [f"  line {s.line}: {s.reason}" for s in report.skipped[:limit]]
    if report.bad_lines > limit:
        lines.append(f"  ... and {count(report.bad_lines - limit)} more")
    return lines


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
