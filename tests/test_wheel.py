"""The wheel: built from the checkout, installed into a fresh venv, run from elsewhere.

This is what ``pip install .`` gives a user: the resources and the 2009 race
must travel inside the package, and the ``photofinish`` command must find them
with no checkout anywhere near. Building needs setuptools from the package
index (pip's build isolation); installing fetches the dependencies (pip's cache
makes that quick after the first time).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import struct
import subprocess
import sys
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = "Scripts" if sys.platform == "win32" else "bin"
# What the wheel must carry besides the code (names as stored in the wheel).
BUNDLED = [
    "photofinish/data/race-2009.db",
    "photofinish/data/NOTES.md",
    "photofinish/resources/photofinish.svg",
    "photofinish/resources/photofinish.desktop",
    "photofinish/resources/photofinish-mime.xml",
    "photofinish/resources/photofinish.1",
    "photofinish/resources/photofinish.bash",
    "photofinish/resources/photofinish.zsh",
    "photofinish/resources/LICENSE",
]


def _copy_checkout(dest: Path) -> Path:
    """The files a build reads, without caches or a build folder left by an earlier run."""
    ignore = shutil.ignore_patterns(
        "__pycache__", "*.pyc", "*.db-wal", "*.db-shm", "*.egg-info", "build", "dist"
    )
    dest.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, dest / name)
    for name in ("gui", "resources", "data"):
        shutil.copytree(ROOT / name, dest / name, ignore=ignore)
    return dest


def _run(argv: list[str], **kwargs) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(argv, capture_output=True, text=True, check=False, **kwargs)
    assert done.returncode == 0, f"{argv} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
    return done


def _png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n" and head[12:16] == b"IHDR", f"{path} is not a PNG"
    width, height = struct.unpack(">II", head[16:24])
    return width, height


def test_wheel_installs_a_working_photofinish(tmp_path, capsys):
    timings: dict[str, float] = {}
    started = time.monotonic()

    def lap(name: str) -> None:
        timings[name] = time.monotonic() - started - sum(timings.values())

    # Build the wheel from a copy of the checkout, as pip does for `pip install .`.
    src = _copy_checkout(tmp_path / "src")
    dist = tmp_path / "dist"
    _run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(dist), str(src)])
    wheels = list(dist.glob("photofinish-*.whl"))
    assert len(wheels) == 1, wheels
    lap("build")

    with zipfile.ZipFile(wheels[0]) as whl:
        names = set(whl.namelist())
        entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
        scripts = whl.read(entry_points).decode()
    missing = [name for name in BUNDLED if name not in names]
    assert not missing, f"not in the wheel: {missing}"
    assert any(n.endswith(".dist-info/licenses/resources/LICENSE") for n in names)
    # pyproject.toml lists the packages by name: a new subpackage must be added there.
    # The folder gui/ is installed as the package photofinish, and nothing as `gui`.
    code = {
        "photofinish/" + p.relative_to(src / "gui").as_posix() for p in (src / "gui").rglob("*.py")
    }
    assert not code - names, f"modules missing from the wheel: {sorted(code - names)}"
    assert not any(n.startswith(("tests/", "data/", "resources/", "gui/")) for n in names)
    assert "[console_scripts]" in scripts and "photofinish = photofinish.__main__:main" in scripts

    # A fresh virtual environment with the wheel and its dependencies, nothing else.
    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", str(venv)])
    python = venv / BIN / "python"
    _run([str(python), "-m", "pip", "install", "--quiet", str(wheels[0])])
    lap("install")

    # Run it from a folder away from the checkout, with nothing pointing back at it.
    work = tmp_path / "elsewhere"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    env.update(
        QT_QPA_PLATFORM="offscreen",
        XDG_DATA_HOME=str(tmp_path / "home" / "data"),
        XDG_CACHE_HOME=str(tmp_path / "home" / "cache"),
        XDG_CONFIG_HOME=str(tmp_path / "home" / "config"),
        XDG_STATE_HOME=str(tmp_path / "home" / "state"),
    )
    where = _run(
        [str(python), "-c", "import photofinish; print(photofinish.__file__)"], cwd=work, env=env
    )
    assert Path(where.stdout.strip()).is_relative_to(venv), where.stdout
    assert not Path(where.stdout.strip()).is_relative_to(ROOT)
    no_gui = "import importlib.util, sys; sys.exit(importlib.util.find_spec('gui') is not None)"
    _run([str(python), "-c", no_gui], cwd=work, env=env)  # no top-level `gui` is installed

    exe = str(venv / BIN / "photofinish")
    done = _run([exe, "sample", "race.db"], cwd=work, env=env, timeout=120)
    assert done.stdout.strip() == "race.db"
    with sqlite3.connect(f"file:{work / 'race.db'}?mode=ro", uri=True) as db:
        readings = db.execute("SELECT count(*) FROM snapshots").fetchone()[0]
        handles = {row[0] for row in db.execute("SELECT handle FROM competitors")}
    with sqlite3.connect(f"file:{ROOT / 'data' / 'race-2009.db'}?mode=ro", uri=True) as db:
        bundled = db.execute("SELECT count(*) FROM snapshots").fetchone()[0]
    assert readings == bundled > 1000
    assert {"aplusk", "cnnbrk"} <= handles
    lap("sample")

    done = _run([exe, "screenshot", "race.db", "shot.png"], cwd=work, env=env, timeout=180)
    assert done.stdout.strip() == "shot.png"
    assert _png_size(work / "shot.png") == (1600, 900)  # the documented default size
    assert (work / "shot.png").stat().st_size > 10_000  # a drawn window, not a blank frame
    lap("screenshot")

    # The desktop entry points at this venv's command and copies the icon from the wheel.
    _run([exe, "desktop-entry", "--install"], cwd=work, env=env, timeout=120)
    entry = (tmp_path / "home/data/applications/photofinish.desktop").read_text()
    assert f"Exec={exe} %f" in entry.splitlines()
    icon = tmp_path / "home/data/icons/hicolor/scalable/apps/photofinish.svg"
    assert icon.read_bytes() == (ROOT / "resources" / "photofinish.svg").read_bytes()
    lap("desktop-entry")

    total = time.monotonic() - started
    with capsys.disabled():
        steps = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in timings.items())
        print(f"\n[wheel test] {total:.1f} s in all: {steps}")
