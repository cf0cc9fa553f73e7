"""The command line's pictures: ``screenshot --chart-only/--range/--format`` and ``clip``."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PIL import Image
from PySide6.QtGui import QImage

from photofinish.cli.main import main
from tests.cli.support import run

EXE = Path(sys.executable).parent / "photofinish"
FINISH = ("2009-04-16T18:00-07:00", "2009-04-17T01:00-07:00")


def distinct_colours(path: Path) -> int:
    image = QImage(str(path))
    return len(
        {
            image.pixel(x, y)
            for y in range(0, image.height(), 11)
            for x in range(0, image.width(), 13)
        }
    )


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def test_chart_only_png_default_size(qapp, capsys, tmp_path, sample_path):
    out = tmp_path / "chart.png"
    code, stdout, err = run(capsys, "screenshot", str(sample_path), str(out), "--chart-only")
    assert code == 0, err
    assert stdout.strip() == str(out)
    image = QImage(str(out))
    assert (image.width(), image.height()) == (1200, 675)
    assert distinct_colours(out) > 20


def test_chart_only_png_with_range_and_size(qapp, capsys, tmp_path, sample_path):
    whole, part = tmp_path / "whole.png", tmp_path / "part.png"
    argv = ["screenshot", str(sample_path)]
    assert run(capsys, *argv, str(whole), "--chart-only", "--size", "2400x1350")[0] == 0
    code, _, err = run(
        capsys, *argv, str(part), "--chart-only", "--size", "2400x1350", "--range", *FINISH
    )
    assert code == 0, err
    for out in (whole, part):
        image = QImage(str(out))
        assert (image.width(), image.height()) == (2400, 1350)
    # A different stretch of the race is a different picture.
    assert whole.read_bytes() != part.read_bytes()


def test_chart_svg_by_suffix_and_by_format(qapp, capsys, tmp_path, sample_path):
    by_suffix = tmp_path / "chart.svg"
    by_flag = tmp_path / "chart.picture"
    argv = ["screenshot", str(sample_path)]
    assert run(capsys, *argv, str(by_suffix), "--chart-only", "--range", *FINISH)[0] == 0
    assert run(capsys, *argv, str(by_flag), "--chart-only", "--format", "svg")[0] == 0
    for out in (by_suffix, by_flag):
        root = ET.parse(out).getroot()
        assert root.tag.endswith("svg")
        strokes = {
            (g.get("stroke") or "").lower() for g in root.iter("{http://www.w3.org/2000/svg}g")
        }
        assert {"#d55e00", "#0072b2"} <= strokes  # both series, in their colours
        texts = " ".join(t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}text"))
        assert "Ashton Kutcher" in texts and "CNN Breaking News" in texts
        assert "America/Los_Angeles" in texts and "Photo Finish" in texts


def test_window_screenshot_with_a_range(qapp, capsys, tmp_path, sample_path):
    out = tmp_path / "window.png"
    code, _, err = run(
        capsys, "screenshot", str(sample_path), str(out), "--size", "1280x720", "--range", *FINISH
    )
    assert code == 0, err
    image = QImage(str(out))
    assert (image.width(), image.height()) == (1280, 720)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["{tmp}/x.svg"], "add --chart-only"),
        (["{tmp}/x.png", "--chart-only", "--range", "noon", "later"], "--range"),
        (
            ["{tmp}/x.png", "--chart-only", "--range", "2009-04-17T01:00Z", "2009-04-16T01:00Z"],
            "end must come after the start",
        ),
        (["{tmp}/x.png", "--format", "jpeg"], "invalid choice"),
    ],
)
def test_screenshot_bad_options(capsys, tmp_path, sample_path, args, message):
    argv = ["screenshot", str(sample_path)] + [a.format(tmp=tmp_path) for a in args]
    code, _, err = run(capsys, *argv)
    assert code == 2
    assert message in err and "Traceback" not in err
    assert not [p for p in tmp_path.iterdir() if p.suffix in (".png", ".svg")]


def test_clip_gif_has_the_frames_and_size_asked(qapp, capsys, tmp_path, sample_path):
    out = tmp_path / "replay.gif"
    code, stdout, err = run(
        capsys,
        "clip",
        str(sample_path),
        str(out),
        "--seconds",
        "2",
        "--fps",
        "10",
        "--size",
        "640x360",
        "--range",
        *FINISH,
    )
    assert code == 0, err
    assert stdout.strip() == str(out)
    assert "20 frames written" in err
    # Not a terminal: no progress line.
    assert "%" not in err
    with Image.open(out) as gif:
        assert gif.n_frames == 20
        assert gif.size == (640, 360)
        assert gif.info["duration"] == 100
        gif.seek(19)
        assert gif.info["duration"] == 100 + 3000  # the finish is held
        colours = gif.convert("RGB").getcolors(maxcolors=100_000)
        assert colours is not None and len(colours) > 20
    assert leftovers(tmp_path) == []


def test_clip_mp4_through_ffmpeg(qapp, capsys, tmp_path, sample_path):
    out = tmp_path / "replay.mp4"
    code, _, err = run(capsys, "clip", str(sample_path), str(out), "--seconds", "1", "--fps", "10")
    assert code == 0, err
    probe = subprocess.run(
        [
            "ffprobe",
            "-v",
            "error",
            "-count_frames",
            "-show_entries",
            "stream=width,height,nb_read_frames,codec_name",
            "-of",
            "json",
            str(out),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    stream = json.loads(probe.stdout)["streams"][0]
    assert (stream["width"], stream["height"]) == (800, 450)
    assert stream["codec_name"] == "h264"
    assert int(stream["nb_read_frames"]) == 10 + 30  # the frames, then the finish held 3 s
    assert leftovers(tmp_path) == []


def test_clip_progress_line_on_a_terminal(qapp, monkeypatch, tmp_path, sample_path):
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    out = tmp_path / "replay.gif"
    assert main(["clip", str(sample_path), str(out), "--seconds", "1", "--fps", "5"]) == 0
    text = terminal.getvalue()
    assert "\r" in text and "100% (5 of 5 frames)" in text
    assert "5 frames written" in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["{tmp}/x.avi"], ".gif or .mp4"),
        (["{tmp}/x.gif", "--fps", "100"], "from 1 to 60"),
        (["{tmp}/x.mp4", "--size", "641x361"], "even width and height"),
        (["{tmp}/x.gif", "--seconds", "600"], "at most 3,600 frames"),
        (["{tmp}/missing/x.gif"], "does not exist"),
        (["{tmp}/x.gif", "--range", "2009-04-17T01:00Z", "2009-04-16T01:00Z"], "after the start"),
    ],
)
def test_clip_bad_options(capsys, tmp_path, sample_path, args, message):
    argv = ["clip", str(sample_path)] + [a.format(tmp=tmp_path) for a in args]
    code, _, err = run(capsys, *argv)
    assert code == 2
    assert message in err and "Traceback" not in err
    assert not [p for p in tmp_path.rglob("*") if p.is_file()]


def test_clip_of_a_race_without_readings(qapp, capsys, tmp_path):
    empty = tmp_path / "empty.db"
    assert (
        run(
            capsys,
            "new",
            str(empty),
            "--title",
            "T",
            "--milestone",
            "10",
            "--competitor",
            "a/x",
            "--competitor",
            "b/y",
            "--tz",
            "UTC",
        )[0]
        == 0
    )
    code, _, err = run(capsys, "clip", str(empty), str(tmp_path / "x.gif"))
    assert code == 1
    assert "no readings to replay" in err
    assert not (tmp_path / "x.gif").exists() and leftovers(tmp_path) == []


@pytest.mark.parametrize(
    ("suffix", "how", "code"),
    [(".gif", signal.SIGINT, 130), (".mp4", signal.SIGINT, 130), (".mp4", signal.SIGTERM, 143)],
)
def test_interrupted_clip_leaves_nothing_behind(tmp_path, sample_path, suffix, how, code):
    out = tmp_path / f"replay{suffix}"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    # A GIF long enough (small frames, many of them) to be stopped while it renders.
    length = ["--size", "320x200", "--seconds", "180"] if suffix == ".gif" else ["--seconds", "30"]
    proc = subprocess.Popen(
        [str(EXE), "clip", str(sample_path), str(out), *length, "--fps", "20"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        # Started rendering: an MP4's ffmpeg has its temporary file; a GIF renders in memory.
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            if suffix == ".mp4" and leftovers(tmp_path):
                time.sleep(1.0)
                break
            if suffix == ".gif" and time.monotonic() > deadline - 57:
                break
            time.sleep(0.1)
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
        proc.send_signal(how)
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
        for pipe in (proc.stdout, proc.stderr):  # closed even when the test failed early
            if pipe is not None:
                pipe.close()
    assert proc.returncode == code, err
    assert "Traceback" not in err
    assert not out.exists()
    assert leftovers(tmp_path) == []
    # ffmpeg was stopped too.
    running = subprocess.run(["pgrep", "-f", str(out.name)], capture_output=True, text=True)
    assert running.stdout.strip() == ""
