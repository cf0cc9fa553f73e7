"""Headless renders: the screenshot command and the run command without a display."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtGui import QImage

from photofinish.cli.main import main

EXE = Path(sys.executable).parent / "photofinish"


def distinct_colours(path: Path) -> int:
    image = QImage(str(path))
    seen = set()
    for y in range(0, image.height(), 23):
        for x in range(0, image.width(), 17):
            seen.add(image.pixel(x, y))
    return len(seen)


def test_screenshot_default_size(qtbot, tmp_path, sample_path, capsys):
    out = tmp_path / "shot.png"
    assert main(["screenshot", str(sample_path), str(out)]) == 0
    image = QImage(str(out))
    assert (image.width(), image.height()) == (1600, 900)
    assert distinct_colours(out) > 20  # not blank


def test_screenshot_size_and_moment(qtbot, tmp_path, sample_path):
    out = tmp_path / "small.png"
    assert (
        main(
            [
                "screenshot",
                str(sample_path),
                str(out),
                "--size",
                "1280x720",
                "--at",
                "2009-04-17T04:15:00Z",
            ]
        )
        == 0
    )
    image = QImage(str(out))
    assert (image.width(), image.height()) == (1280, 720)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["{tmp}/none.db", "{tmp}/x.png"], "no such file"),
        (["{sample}", "{tmp}/missing/x.png"], "does not exist"),
        (["{sample}", "{tmp}/x.png", "--size", "big"], "WIDTHxHEIGHT"),
        (["{sample}", "{tmp}/x.png", "--at", "noon"], "--at"),
    ],
)
def test_screenshot_bad_input(tmp_path, sample_path, capsys, args, message):
    argv = ["screenshot"] + [a.format(tmp=tmp_path, sample=sample_path) for a in args]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert not list(tmp_path.glob("*.png"))


def test_run_without_a_display_prints_summary_and_writes_a_screenshot(tmp_path):
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")
    }
    env["XDG_DATA_HOME"] = str(tmp_path / "data")
    env["XDG_CACHE_HOME"] = str(tmp_path / "cache")
    done = subprocess.run([str(EXE)], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "no display" in done.stderr
    assert "Winner: @aplusk" in done.stdout
    line = [x for x in done.stdout.splitlines() if x.startswith("Screenshot of the window: ")]
    assert line
    shot = Path(line[0].split(": ", 1)[1])
    assert shot.is_file() and QImage(str(shot)).width() == 1600
