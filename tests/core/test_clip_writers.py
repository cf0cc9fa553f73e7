"""Replay clips: frame timing, the request checks, and the GIF and MP4 writers."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from photofinish.core import clip_writers as clip
from photofinish.core.clip_writers import (
    HOLD_LAST_MS,
    MAX_FRAMES,
    ClipError,
    GifWriter,
    Mp4Writer,
    check_clip,
    find_ffmpeg,
    frame_count,
    frame_times,
    writer_for,
)

SIZE = (320, 200)
needs_ffmpeg = pytest.mark.skipif(
    shutil.which("ffmpeg") is None or shutil.which("ffprobe") is None,
    reason="ffmpeg and ffprobe are not installed",
)


def bar_frame(i: int, size: tuple[int, int] = SIZE) -> bytes:
    """A black frame with a white bar that moves right by 20 pixels a frame."""
    w, h = size
    a = np.zeros((h, w, 3), dtype=np.uint8)
    x = (i * 20) % (w - 20)
    a[:, x : x + 20] = 255
    return a.tobytes()


def solid_frame(rgb: tuple[int, int, int], size: tuple[int, int] = SIZE) -> bytes:
    w, h = size
    a = np.empty((h, w, 3), dtype=np.uint8)
    a[:, :] = rgb
    return a.tobytes()


def leftovers(folder: Path, name: str) -> list[str]:
    """Temporary siblings of ``name`` still in ``folder``."""
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(f".{name}."))


def gif_frames(path: Path) -> tuple[int, tuple[int, int], list[int], dict]:
    """(frames, size, per-frame durations, info of the first frame) of a GIF."""
    with Image.open(path) as im:
        n = im.n_frames
        size = im.size
        info = dict(im.info)
        durations = []
        for k in range(n):
            im.seek(k)
            durations.append(im.info["duration"])
    return n, size, durations, info


def probe(path: Path) -> dict:
    out = subprocess.run(
        [
            "ffprobe",
            "-v",
            "error",
            "-count_frames",
            "-select_streams",
            "v:0",
            "-show_entries",
            "stream=width,height,nb_read_frames,codec_name,pix_fmt,r_frame_rate",
            "-of",
            "json",
            str(path),
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out)["streams"][0]


def fake_ffmpeg(folder: Path, body: str) -> str:
    """An executable shell script standing in for ffmpeg."""
    folder.mkdir(parents=True, exist_ok=True)
    script = folder / "ffmpeg"
    script.write_text("#!/bin/sh\n" + body + "\n")
    script.chmod(0o755)
    return str(script)


def usual_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


# -- frame timing ---------------------------------------------------------------


def test_frame_times_evenly_spaced_ending_at_end():
    assert frame_times(0, 1000, 4) == [250, 500, 750, 1000]
    assert frame_times(1000, 2000, 2) == [1500, 2000]
    assert frame_times(0, 10, 3) == [3, 7, 10]
    assert frame_times(-500, 500, 5) == [-300, -100, 100, 300, 500]


def test_frame_times_long_clip_is_monotonic_and_exact_at_the_end():
    times = frame_times(1_239_948_780_000, 1_239_952_380_000, 200)
    assert len(times) == 200
    assert times[-1] == 1_239_952_380_000
    assert times[0] == 1_239_948_780_000 + 18_000
    assert all(b - a == 18_000 for a, b in zip(times, times[1:], strict=False))


def test_frame_times_single_frame_or_empty_span_shows_the_end():
    assert frame_times(0, 1000, 1) == [1000]
    assert frame_times(5000, 5000, 3) == [5000, 5000, 5000]
    assert frame_times(5000, 4000, 2) == [4000, 4000]


@pytest.mark.parametrize("count", [0, -1])
def test_frame_times_needs_a_frame(count):
    with pytest.raises(ClipError, match="^a clip needs at least one frame$"):
        frame_times(0, 1000, count)


def test_frame_count():
    assert frame_count(10.0, 20) == 200
    assert frame_count(1.5, 30) == 45
    assert frame_count(0.01, 20) == 1  # rounds to 0, but a clip has a frame
    assert frame_count(0.04, 50) == 2
    assert frame_count(180.0, 20) == MAX_FRAMES


# -- checking a request ---------------------------------------------------------


def test_check_clip_formats():
    assert check_clip("race.gif", SIZE, 10, 20) == "GIF"
    assert check_clip(Path("RACE.GIF"), SIZE, 10, 20) == "GIF"
    assert check_clip("race.mp4", SIZE, 10, 20) == "MP4"
    assert check_clip("race.Mp4", (1920, 1080), 10, 60) == "MP4"


@pytest.mark.parametrize(
    ("name", "suffix"), [("race.png", "'.png'"), ("race", "''"), ("race.gif.txt", "'.txt'")]
)
def test_check_clip_bad_suffix(name, suffix):
    with pytest.raises(ClipError) as info:
        check_clip(Path("/somewhere") / name, SIZE, 10, 20)
    assert str(info.value) == f"{name}: a clip is written as .gif or .mp4, not {suffix}"


def test_check_clip_mp4_without_ffmpeg(monkeypatch):
    monkeypatch.setattr(clip, "find_ffmpeg", lambda: None)
    with pytest.raises(ClipError) as info:
        check_clip("race.mp4", SIZE, 10, 20)
    assert str(info.value) == (
        "an MP4 clip needs ffmpeg, which was not found; write a .gif instead"
    )
    # A GIF does not need it.
    assert check_clip("race.gif", SIZE, 10, 20) == "GIF"


@pytest.mark.parametrize("size", [(319, 200), (320, 199), (3841, 2160), (3840, 2161), (0, 0)])
def test_check_clip_size_out_of_range(size):
    w, h = size
    for name in ("race.gif", "race.mp4"):
        with pytest.raises(ClipError) as info:
            check_clip(name, size, 1, 10)
        assert str(info.value) == (f"a clip is between 320x200 and 3840x2160 pixels, not {w}x{h}")


def test_check_clip_size_limits_are_inclusive():
    assert check_clip("race.gif", (320, 200), 1, 10) == "GIF"
    assert check_clip("race.gif", (3840, 2160), 1, 10) == "GIF"
    assert check_clip("race.mp4", (3840, 2160), 1, 10) == "MP4"


@pytest.mark.parametrize("fps", [0, -5, 61, 120])
def test_check_clip_fps_out_of_range(fps):
    with pytest.raises(ClipError) as info:
        check_clip("race.gif", SIZE, 1, fps)
    assert str(info.value) == f"frames per second go from 1 to 60, not {fps}"


def test_check_clip_fps_limits_are_inclusive():
    assert check_clip("race.gif", SIZE, 1, 1) == "GIF"
    assert check_clip("race.gif", SIZE, 1, 60) == "GIF"


@pytest.mark.parametrize(("seconds", "fps"), [(0, 20), (-1, 20), (180.05, 20), (61, 60)])
def test_check_clip_length_out_of_range(seconds, fps):
    with pytest.raises(ClipError) as info:
        check_clip("race.mp4", SIZE, seconds, fps)
    assert str(info.value) == (
        f"a clip lasts more than 0 s and at most 3,600 frames "
        f"({3600 // fps} s at {fps} frames a second)"
    )


def test_check_clip_longest_clip_is_allowed():
    assert check_clip("race.gif", SIZE, 180, 20) == "GIF"
    assert check_clip("race.mp4", SIZE, 60, 60) == "MP4"


def test_check_clip_gif_too_many_pixels():
    # 30 frames of 3840x2160 are 248,832,000 pixels: just under the limit.
    assert check_clip("race.gif", (3840, 2160), 3.0, 10) == "GIF"
    with pytest.raises(ClipError) as info:
        check_clip("race.gif", (3840, 2160), 3.1, 10)
    assert str(info.value) == (
        "a 3840x2160 GIF of 31 frames is too big to make; "
        "make it shorter or smaller, or write an .mp4"
    )
    # An MP4 is streamed, so the same request is fine.
    assert check_clip("race.mp4", (3840, 2160), 3.1, 10) == "MP4"


@pytest.mark.parametrize("size", [(321, 200), (320, 201), (1921, 1081)])
def test_check_clip_mp4_needs_even_size(size):
    w, h = size
    with pytest.raises(ClipError) as info:
        check_clip("race.mp4", size, 1, 10)
    assert str(info.value) == f"an MP4 clip needs an even width and height, not {w}x{h}"
    assert check_clip("race.gif", size, 1, 10) == "GIF"


def test_find_ffmpeg_follows_path(tmp_path, monkeypatch):
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    assert find_ffmpeg() is None
    fake = fake_ffmpeg(tmp_path / "bin", "exit 0")
    monkeypatch.setenv("PATH", f"{empty}{os.pathsep}{tmp_path / 'bin'}")
    assert find_ffmpeg() == fake


# -- GIF ------------------------------------------------------------------------


def test_gif_frames_size_and_durations(tmp_path):
    out = tmp_path / "race.gif"
    writer = GifWriter(out, SIZE, 10)
    for i in range(5):
        writer.add(bar_frame(i))
    assert not out.exists()
    assert leftovers(tmp_path, "race.gif") == []  # nothing is written before finish
    writer.finish()
    n, size, durations, info = gif_frames(out)
    assert n == 5
    assert size == SIZE
    assert durations == [100, 100, 100, 100, 100 + HOLD_LAST_MS]
    assert info["loop"] == 0
    assert leftovers(tmp_path, "race.gif") == []
    assert stat.S_IMODE(out.stat().st_mode) == usual_mode()


def test_gif_frames_keep_their_picture(tmp_path):
    out = tmp_path / "race.gif"
    writer = GifWriter(out, SIZE, 20)
    for i in range(3):
        writer.add(bar_frame(i))
    writer.finish()
    with Image.open(out) as im:
        for i in range(3):
            im.seek(i)
            rgb = np.asarray(im.convert("RGB"))
            expected = np.frombuffer(bar_frame(i), dtype=np.uint8).reshape(200, 320, 3)
            assert np.array_equal(rgb, expected), f"frame {i}"
            assert im.info["duration"] == (50 if i < 2 else 50 + HOLD_LAST_MS)


def test_gif_uses_the_given_palette_for_every_frame(tmp_path):
    # The palette comes from a frame holding all three colours; each frame has one.
    w, h = SIZE
    full = np.zeros((h, w, 3), dtype=np.uint8)
    full[:, : w // 3] = (200, 0, 0)
    full[:, w // 3 : 2 * w // 3] = (0, 200, 0)
    full[:, 2 * w // 3 :] = (0, 0, 200)
    colours = [(200, 0, 0), (0, 200, 0), (0, 0, 200)]
    out = tmp_path / "race.gif"
    writer = GifWriter(out, SIZE, 10, palette_rgb=full.tobytes())
    for c in colours:
        writer.add(solid_frame(c))
    writer.finish()
    with Image.open(out) as im:
        assert im.n_frames == 3
        for i, c in enumerate(colours):
            im.seek(i)
            assert im.convert("RGB").getpixel((w // 2, h // 2)) == c


def test_gif_identical_frames_keep_the_total_time(tmp_path):
    # Pillow merges identical neighbours; their times must add up, not be lost.
    out = tmp_path / "race.gif"
    writer = GifWriter(out, SIZE, 10)
    for i in (0, 1, 1, 2, 2):
        writer.add(bar_frame(i))
    writer.finish()
    n, _, durations, _ = gif_frames(out)
    assert n == 3
    assert durations == [100, 200, 200 + HOLD_LAST_MS]


def test_gif_writes_through_a_temporary_sibling(tmp_path, monkeypatch):
    out = tmp_path / "race.gif"
    moves: list[tuple[Path, Path]] = []
    real_replace = os.replace

    def spy(src, dst):
        moves.append((Path(src), Path(dst)))
        assert Path(src).stat().st_size > 0
        assert not Path(dst).exists()
        real_replace(src, dst)

    monkeypatch.setattr(clip.os, "replace", spy)
    writer = GifWriter(out, SIZE, 10)
    writer.add(bar_frame(0))
    writer.finish()
    assert len(moves) == 1
    src, dst = moves[0]
    assert dst == out
    assert src.parent == tmp_path
    assert src.name.startswith(".race.gif.") and src.name.endswith(".gif")
    assert not src.exists()
    assert out.exists()


def test_gif_replaces_an_existing_file(tmp_path):
    out = tmp_path / "race.gif"
    out.write_bytes(b"old")
    writer = GifWriter(out, SIZE, 10)
    writer.add(bar_frame(0))
    writer.add(bar_frame(1))
    writer.finish()
    assert gif_frames(out)[0] == 2
    assert leftovers(tmp_path, "race.gif") == []


def test_gif_failed_rename_leaves_nothing(tmp_path, monkeypatch):
    out = tmp_path / "race.gif"

    def full_disk(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(clip.os, "replace", full_disk)
    writer = GifWriter(out, SIZE, 10)
    writer.add(bar_frame(0))
    writer.add(bar_frame(1))
    with pytest.raises(OSError) as info:
        writer.finish()
    assert info.value.errno == 28
    assert not out.exists()
    assert leftovers(tmp_path, "race.gif") == []
    assert list(tmp_path.iterdir()) == []


def test_gif_failed_rename_keeps_the_old_file(tmp_path, monkeypatch):
    out = tmp_path / "race.gif"
    out.write_bytes(b"old clip")

    def full_disk(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(clip.os, "replace", full_disk)
    writer = GifWriter(out, SIZE, 10)
    writer.add(bar_frame(0))
    with pytest.raises(OSError, match="No space left"):
        writer.finish()
    assert out.read_bytes() == b"old clip"
    assert leftovers(tmp_path, "race.gif") == []


def test_gif_interrupted_save_leaves_nothing(tmp_path, monkeypatch):
    out = tmp_path / "race.gif"

    def interrupted(self, fp, *args, **kwargs):
        Path(fp).write_bytes(b"GIF89a half")  # part of the file is on disk
        raise KeyboardInterrupt

    monkeypatch.setattr(Image.Image, "save", interrupted)
    writer = GifWriter(out, SIZE, 10)
    writer.add(bar_frame(0))
    with pytest.raises(KeyboardInterrupt):
        writer.finish()
    assert list(tmp_path.iterdir()) == []


def test_gif_abort_writes_nothing(tmp_path):
    out = tmp_path / "race.gif"
    writer = GifWriter(out, SIZE, 10)
    writer.add(bar_frame(0))
    writer.add(bar_frame(1))
    writer.abort()
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(ClipError, match="^the clip has no frames$"):
        writer.finish()
    assert list(tmp_path.iterdir()) == []


def test_gif_without_frames(tmp_path):
    writer = GifWriter(tmp_path / "race.gif", SIZE, 10)
    with pytest.raises(ClipError, match="^the clip has no frames$"):
        writer.finish()
    assert list(tmp_path.iterdir()) == []


def test_gif_frame_of_the_wrong_size(tmp_path):
    writer = GifWriter(tmp_path / "race.gif", SIZE, 10)
    with pytest.raises(ClipError) as info:
        writer.add(bar_frame(0, (322, 200)))
    assert str(info.value) == "a frame of 193200 bytes does not match (320, 200)"
    with pytest.raises(ClipError, match="a frame of 10 bytes does not match"):
        GifWriter(tmp_path / "race.gif", SIZE, 10, palette_rgb=b"\0" * 10)
    assert list(tmp_path.iterdir()) == []


# -- MP4 ------------------------------------------------------------------------


@needs_ffmpeg
def test_mp4_frames_and_size(tmp_path):
    out = tmp_path / "race.mp4"
    writer = Mp4Writer(out, SIZE, 10)
    for i in range(10):
        writer.add(bar_frame(i))
    writer.finish()
    info = probe(out)
    assert (info["width"], info["height"]) == SIZE
    assert int(info["nb_read_frames"]) == 10 + round(HOLD_LAST_MS / 1000 * 10)
    assert info["r_frame_rate"] == "10/1"
    assert info["codec_name"] == "h264"
    assert info["pix_fmt"] == "yuv420p"
    assert leftovers(tmp_path, "race.mp4") == []
    assert stat.S_IMODE(out.stat().st_mode) == usual_mode()


@needs_ffmpeg
def test_mp4_abort_removes_the_temporary_file(tmp_path):
    out = tmp_path / "race.mp4"
    writer = Mp4Writer(out, SIZE, 10)
    temporary = leftovers(tmp_path, "race.mp4")
    assert len(temporary) == 1 and temporary[0].endswith(".mp4")
    for i in range(3):
        writer.add(bar_frame(i))
    writer.abort()
    assert writer._proc.returncode is not None
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []


@needs_ffmpeg
def test_mp4_abort_keeps_an_existing_file(tmp_path):
    out = tmp_path / "race.mp4"
    out.write_bytes(b"old clip")
    writer = Mp4Writer(out, SIZE, 10)
    writer.add(bar_frame(0))
    writer.abort()
    assert out.read_bytes() == b"old clip"
    assert leftovers(tmp_path, "race.mp4") == []


@needs_ffmpeg
def test_mp4_without_frames(tmp_path):
    out = tmp_path / "race.mp4"
    writer = Mp4Writer(out, SIZE, 10)
    with pytest.raises(ClipError, match="^the clip has no frames$"):
        writer.finish()
    assert list(tmp_path.iterdir()) == []


@needs_ffmpeg
def test_mp4_frame_of_the_wrong_size(tmp_path):
    writer = Mp4Writer(tmp_path / "race.mp4", SIZE, 10)
    try:
        with pytest.raises(ClipError) as info:
            writer.add(b"\0" * 30)
        assert str(info.value) == "a frame of 30 bytes does not match (320, 200)"
    finally:
        writer.abort()
    assert list(tmp_path.iterdir()) == []


@needs_ffmpeg
def test_mp4_failed_rename_then_abort_leaves_nothing(tmp_path, monkeypatch):
    out = tmp_path / "race.mp4"

    def full_disk(src, dst):
        raise OSError(28, "No space left on device")

    writer = Mp4Writer(out, SIZE, 10)
    writer.add(bar_frame(0))
    monkeypatch.setattr(clip.os, "replace", full_disk)
    with pytest.raises(OSError, match="No space left"):
        writer.finish()
    writer.abort()  # what the exporter does on any error
    assert not out.exists()
    assert leftovers(tmp_path, "race.mp4") == []


def test_mp4_without_ffmpeg(tmp_path, monkeypatch):
    monkeypatch.setattr(clip, "find_ffmpeg", lambda: None)
    with pytest.raises(ClipError, match="^an MP4 clip needs ffmpeg, which was not found$"):
        Mp4Writer(tmp_path / "race.mp4", SIZE, 10)
    assert list(tmp_path.iterdir()) == []


def test_mp4_ffmpeg_that_cannot_start(tmp_path, monkeypatch):
    out = tmp_path / "out" / "race.mp4"
    out.parent.mkdir()
    monkeypatch.setattr(clip, "find_ffmpeg", lambda: str(tmp_path / "no-such-ffmpeg"))
    with pytest.raises(ClipError, match="^could not start ffmpeg: "):
        Mp4Writer(out, SIZE, 10)
    assert list(out.parent.iterdir()) == []


def test_mp4_ffmpeg_that_stops_early(tmp_path, monkeypatch):
    out = tmp_path / "out" / "race.mp4"
    out.parent.mkdir()
    ffmpeg = fake_ffmpeg(tmp_path / "bin", "echo 'Unknown encoder libx264' >&2\nexit 1")
    monkeypatch.setattr(clip, "find_ffmpeg", lambda: ffmpeg)
    writer = Mp4Writer(out, SIZE, 10)
    writer._proc.wait()
    # A frame is bigger than a pipe's buffer, so the write meets the closed pipe.
    with pytest.raises(ClipError) as info:
        writer.add(bar_frame(0))
    assert str(info.value) == "ffmpeg stopped: Unknown encoder libx264"
    assert list(out.parent.iterdir()) == []


def test_mp4_ffmpeg_that_fails_at_the_end(tmp_path, monkeypatch):
    out = tmp_path / "out" / "race.mp4"
    out.parent.mkdir()
    ffmpeg = fake_ffmpeg(
        tmp_path / "bin", "cat > /dev/null\necho 'first' >&2\necho 'disk full' >&2\nexit 3"
    )
    monkeypatch.setattr(clip, "find_ffmpeg", lambda: ffmpeg)
    writer = Mp4Writer(out, SIZE, 2)
    writer.add(bar_frame(0))
    with pytest.raises(ClipError) as info:
        writer.finish()
    assert str(info.value) == "ffmpeg failed (exit 3): first disk full"
    assert list(out.parent.iterdir()) == []


def test_mp4_holds_the_last_frame(tmp_path, monkeypatch):
    # A stand-in ffmpeg that copies what it is fed into its output file.
    out = tmp_path / "out" / "race.mp4"
    out.parent.mkdir()
    ffmpeg = fake_ffmpeg(tmp_path / "bin", 'for last; do :; done\ncat > "$last"')
    monkeypatch.setattr(clip, "find_ffmpeg", lambda: ffmpeg)
    writer = Mp4Writer(out, SIZE, 4)
    frames = [bar_frame(i) for i in range(3)]
    for f in frames:
        writer.add(f)
    writer.finish()
    hold = round(HOLD_LAST_MS / 1000 * 4)
    assert out.read_bytes() == b"".join(frames) + frames[-1] * hold
    assert list(out.parent.iterdir()) == [out]


# -- choosing a writer ------------------------------------------------------------


def test_writer_for_gif(tmp_path):
    palette = bar_frame(0)
    writer = writer_for(tmp_path / "race.GIF", SIZE, 10, palette)
    assert isinstance(writer, GifWriter)
    assert writer.path == tmp_path / "race.GIF"
    assert writer.fps == 10 and writer.size == SIZE
    assert writer._palette is not None
    assert list(tmp_path.iterdir()) == []


@needs_ffmpeg
@pytest.mark.parametrize("name", ["race.mp4", "race.MP4"])
def test_writer_for_mp4(tmp_path, name):
    writer = writer_for(tmp_path / name, SIZE, 10, bar_frame(0))
    try:
        assert isinstance(writer, Mp4Writer)
        assert writer.path == tmp_path / name
    finally:
        writer.abort()
    assert list(tmp_path.iterdir()) == []


def test_finish_in_background_writes_while_yielding(tmp_path):
    from photofinish.core.clip_writers import finish_in_background

    out = tmp_path / "race.gif"
    writer = GifWriter(out, SIZE, 10)
    for i in range(30):
        writer.add(bar_frame(i))
    steps = list(finish_in_background(writer, 30))
    assert all(step == (30, 30) for step in steps)
    with Image.open(out) as gif:
        assert gif.n_frames == 30
    assert list(tmp_path.iterdir()) == [out]


def test_finish_in_background_cancelled_leaves_nothing(tmp_path):
    from photofinish.core.clip_writers import finish_in_background

    out = tmp_path / "race.gif"
    big = (1280, 720)  # big enough that writing takes longer than the first look
    writer = GifWriter(out, big, 10)
    for i in range(60):
        writer.add(bar_frame(i, big))
    steps = finish_in_background(writer, 60)
    assert next(steps) == (60, 60)
    steps.close()  # a cancel while the file is being written
    assert list(tmp_path.iterdir()) == []


def test_finish_in_background_passes_failures_on(tmp_path):
    from photofinish.core.clip_writers import finish_in_background

    writer = GifWriter(tmp_path / "race.gif", SIZE, 10)  # no frames
    with pytest.raises(ClipError, match="no frames"):
        list(finish_in_background(writer, 0))
