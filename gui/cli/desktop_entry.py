"""Put Photo Finish in a Linux desktop's menu, per user: the entry, the icon, the race file type.

A race file (``*.pfrace``) is registered as ``application/x-photofinish-race``
(a shared-mime-info package, with an icon of its own) and the entry says it
opens that type, so double-clicking a race in a file manager opens it here.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from ..core import paths

APP_ID = "photofinish"  # the .desktop file's name, the icon's name and the window's WM class
MIME_TYPE = "application/x-photofinish-race"
MIME_ICON = MIME_TYPE.replace("/", "-")  # the icon name the shared-mime-info spec derives
_RESERVED = set(" \t\n\"'\\><~|&;$*?#()`")  # Exec arguments holding one of these are quoted


@dataclass(frozen=True)
class Plan:
    """What installing the desktop entry writes, and the command the menu item runs."""

    desktop_file: Path
    icon_file: Path
    command: list[str]
    mime_file: Path
    mime_icon_file: Path

    def files(self) -> tuple[Path, ...]:
        """Everything installing writes."""
        return (self.desktop_file, self.icon_file, self.mime_file, self.mime_icon_file)

    def exec_line(self) -> str:
        """The entry's ``Exec`` value: the command, quoted as the spec asks, then ``%f``."""
        return " ".join([*(exec_quote(arg) for arg in self.command), "%f"])

    def entry_text(self, template: str) -> str:
        """The shipped entry with ``Exec`` and ``TryExec`` pointing at this installation."""
        lines = []
        for line in template.splitlines():
            if line.startswith("Exec="):
                line = f"Exec={self.exec_line()}"
            elif line.startswith("TryExec="):
                line = f"TryExec={_escape_string(self.command[0])}"
            lines.append(line)
        return "\n".join(lines) + "\n"


def data_home() -> Path:
    """``$XDG_DATA_HOME``, or ``~/.local/share`` when it is unset or not absolute."""
    value = os.environ.get("XDG_DATA_HOME", "")
    if value and os.path.isabs(value):
        return Path(value)
    return Path.home() / ".local" / "share"


def running_command() -> list[str]:
    """The absolute command that starts this installation, so a menu entry works from a venv."""
    argv0 = Path(sys.argv[0]) if sys.argv and sys.argv[0] else None
    if argv0 is not None and argv0.name == APP_ID and argv0.is_file():
        return [os.path.abspath(argv0)]
    beside = Path(sys.executable).parent / APP_ID
    if beside.is_file() and os.access(beside, os.X_OK):
        return [str(beside)]
    found = shutil.which(APP_ID)
    if found:
        return [os.path.abspath(found)]
    return [
        sys.executable,
        "-m",
        "photofinish",
    ]  # run as ``python -m photofinish`` with no script installed


def plan(command: list[str] | None = None) -> Plan:
    """Where the entry and icon go under the user's data folder, and what the entry runs."""
    base = data_home()
    icons = base / "icons" / "hicolor" / "scalable"
    return Plan(
        desktop_file=base / "applications" / f"{APP_ID}.desktop",
        icon_file=icons / "apps" / f"{APP_ID}.svg",
        command=command or running_command(),
        mime_file=base / "mime" / "packages" / f"{APP_ID}.xml",
        mime_icon_file=icons / "mimetypes" / f"{MIME_ICON}.svg",
    )


def exec_quote(arg: str) -> str:
    """One ``Exec`` argument, quoted by the Desktop Entry rules, as stored in the file."""
    arg = arg.replace("%", "%%")
    if any(ch in _RESERVED for ch in arg):
        inner = "".join("\\" + ch if ch in '"`$\\' else ch for ch in arg)
        arg = f'"{inner}"'
    return _escape_string(arg)


def _escape_string(value: str) -> str:
    """A value in a .desktop file: backslashes and control characters escaped."""
    return (
        value.replace("\\", "\\\\").replace("\n", "\\n").replace("\t", "\\t").replace("\r", "\\r")
    )


def install(target: Plan) -> list[str]:
    """Write the icon and the entry (each replaced whole); returns notes on the cache tools.

    Raises OSError naming the file that could not be written.
    """
    resources = paths.resources_dir()
    template = (resources / f"{APP_ID}.desktop").read_text(encoding="utf-8")
    icon = (resources / f"{APP_ID}.svg").read_bytes()
    _write_atomically(target.icon_file, icon)
    _write_atomically(target.mime_icon_file, icon)
    _write_atomically(target.mime_file, (resources / f"{APP_ID}-mime.xml").read_bytes())
    _write_atomically(target.desktop_file, target.entry_text(template).encode("utf-8"))
    return _refresh_caches(target)


def uninstall(target: Plan) -> tuple[list[Path], list[str]]:
    """Remove the entry and the icon; returns what was removed and notes on the cache tools."""
    removed = []
    for path in target.files():
        if path.is_file():
            path.unlink()
            removed.append(path)
    return removed, (_refresh_caches(target) if removed else [])


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.new")
    try:
        tmp.write_bytes(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except OSError:
        tmp.unlink(missing_ok=True)
        raise


def _refresh_caches(target: Plan) -> list[str]:
    """Run the menu and icon cache tools where the system has them; never fails."""
    tools = [
        ["update-mime-database", str(target.mime_file.parents[1])],
        ["update-desktop-database", "-q", str(target.desktop_file.parent)],
        # -t: a user's hicolor folder has no index.theme; -f: rebuild even if it looks current.
        ["gtk-update-icon-cache", "-q", "-f", "-t", str(target.icon_file.parents[2])],
    ]
    notes = []
    for argv in tools:
        exe = shutil.which(argv[0])
        if exe is None:
            continue
        try:
            done = subprocess.run(
                [exe, *argv[1:]], capture_output=True, text=True, timeout=60, check=False
            )
        except (OSError, subprocess.SubprocessError) as exc:
            notes.append(f"{argv[0]} could not run ({exc}); the menu may update after a log-in")
            continue
        if done.returncode != 0:
            why = (done.stderr.strip().splitlines() or [f"exit status {done.returncode}"])[-1]
            notes.append(f"{argv[0]} failed ({why}); the menu may update after a log-in")
        else:
            notes.append(f"ran {argv[0]}")
    return notes


def run(do_install: bool, do_uninstall: bool) -> int:
    """``photofinish desktop-entry``: show the plan, or install or remove it; the exit status."""
    if sys.platform in ("win32", "darwin"):
        print(
            "photofinish: error: desktop-entry: desktop entries are for Linux and other "
            "freedesktop.org desktops",
            file=sys.stderr,
        )
        return 2
    target = plan()
    if do_uninstall:
        try:
            removed, notes = uninstall(target)
        except OSError as exc:
            return _failed("remove", exc)
        for path in removed:
            print(f"Removed {path}")
        if not removed:
            print(f"Nothing to remove: no desktop entry at {target.desktop_file}")
        for note in notes:
            print(f"  {note}")
        return 0
    if do_install:
        try:
            notes = install(target)
        except OSError as exc:
            return _failed("install", exc)
        for path in target.files():
            print(f"Installed {path}")
        print(f"The menu entry runs: {' '.join(target.command)}")
        for note in notes:
            print(f"  {note}")
        return 0
    state = "installed" if target.desktop_file.is_file() else "not installed"
    print(f"The Photo Finish desktop entry is {state}. With --install it writes:")
    print(f"  {target.desktop_file}  (Exec={target.exec_line()})")
    print(f"  {target.icon_file}")
    print(f"  {target.mime_file}  (race files, *.pfrace, as {MIME_TYPE})")
    print(f"  {target.mime_icon_file}")
    print("and refreshes the file type, menu and icon caches where the tools are present.")
    print("--uninstall removes them.")
    return 0


def _failed(what: str, exc: OSError) -> int:
    where = f"{exc.filename}: " if exc.filename else ""
    print(
        f"photofinish: error: desktop-entry: could not {what} the desktop entry: "
        f"{where}{exc.strerror or exc}",
        file=sys.stderr,
    )
    return 1
