"""High DPI: the window renders at 100%, 150% and 200% scale at the screen's own resolution.

Each scale runs the real ``photofinish screenshot`` with ``QT_SCALE_FACTOR``.
The pictures are kept in ``PHOTOFINISH_SHOTS`` when that is set, to be
looked at.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.conftest import ROOT

SIZE = (1280, 720)


def _shot(tmp_path: Path, scale: float, scheme: str = "light") -> Image.Image:
    out = tmp_path / f"window-{scale:g}x-{scheme}.png"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", QT_SCALE_FACTOR=f"{scale:g}")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "photofinish",
            "screenshot",
            str(ROOT / "data" / "race-2009.db"),
            str(out),
            "--size",
            f"{SIZE[0]}x{SIZE[1]}",
            "--at",
            "2009-04-17T05:40:00Z",
            "--scheme",
            scheme,
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    keep = os.environ.get("PHOTOFINISH_SHOTS")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(out, Path(keep) / out.name)
    return Image.open(out).convert("L")


def _sharpness(image: Image.Image) -> float:
    """The share of hard edges: neighbouring pixels more than 96 grey levels apart.

    Text and lines drawn at the screen's resolution step from ink to paper in
    one pixel; a picture drawn smaller and blown up spreads each step over two
    or three, and loses most of them.
    """
    a = np.asarray(image, dtype=np.int16)
    steps = np.concatenate([np.abs(np.diff(a, axis=1)).ravel(), np.abs(np.diff(a, axis=0)).ravel()])
    return float((steps > 96).mean())


@pytest.fixture(scope="module")
def shots(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("dpi")
    return {scale: _shot(tmp, scale) for scale in (1.0, 1.5, 2.0)}


@pytest.mark.parametrize("scale", [1.0, 1.5, 2.0])
def test_pictures_have_the_screens_resolution(shots, scale):
    assert shots[scale].size == (round(SIZE[0] * scale), round(SIZE[1] * scale))


@pytest.mark.parametrize("scale", [1.5, 2.0])
def test_scaled_window_is_drawn_at_full_resolution_not_blown_up(shots, scale):
    """Text and lines drawn for the scale are sharper than the 100% picture enlarged."""
    native = shots[scale]
    # The scoreboard and the top of the chart: big text, thin lines.
    box = (0, 0, native.size[0], int(native.size[1] * 0.3))
    enlarged = shots[1.0].resize(native.size, Image.Resampling.BICUBIC)
    assert _sharpness(native.crop(box)) > 1.5 * _sharpness(enlarged.crop(box))


def test_same_layout_at_every_scale(shots):
    """Nothing moves or gets cut at 150% or 200%: the pictures agree once brought to one size."""
    base = np.asarray(shots[1.0], dtype=np.float64)
    for scale in (1.5, 2.0):
        small = shots[scale].resize(shots[1.0].size, Image.Resampling.BOX)
        diff = np.abs(np.asarray(small, dtype=np.float64) - base)
        # Glyph shapes and anti-aliasing differ; whole blocks moving would differ far more.
        assert diff.mean() < 12, (scale, diff.mean())


def test_dark_at_150_percent(tmp_path):
    image = _shot(tmp_path, 1.5, "dark")
    assert image.size == (1920, 1080)
    # Mostly dark: the window, the plots and the log.
    assert np.asarray(image).mean() < 90
