"""What the commands share: where their output goes, and whether a window can be shown."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from .parser import UsageError


def writable_target(path: str) -> Path:
    """The path to write an output to, once its folder is known to exist and be writable."""
    p = Path(path)
    parent = p.parent if str(p.parent) else Path(".")
    if not parent.is_dir():
        raise UsageError(f"{p}: folder {parent} does not exist")
    if not os.access(parent, os.W_OK):
        raise UsageError(f"{p}: folder {parent} is not writable")
    return p


def has_display() -> bool:
    """Whether a window can be shown (X11, Wayland, or an explicit Qt platform)."""
    if os.environ.get("QT_QPA_PLATFORM"):
        return True
    if sys.platform in ("win32", "darwin"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
