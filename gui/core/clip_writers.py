"""Replay clips: frame timing, and writers that turn RGB frames into an animated GIF or an MP4.

The frames come from the window's renderer; this module knows nothing of Qt.
GIFs go through Pillow with one palette for the whole clip (taken from the
last, fullest frame), so colours do not flicker from frame to frame. MP4s go
through an ``ffmpeg`` found on the PATH, fed raw frames on its standard input.
Both write to a temporary sibling and rename it into place only when the clip
is complete; an abort (a cancel, an error) removes it.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Generator
from pathlib import Path
from typing import IO, Protocol

from .atomic import atomic_path, give_usual_permissions

log = logging.getLogger(__name__)

DEFAULT_SECONDS = 10.0
DEFAULT_FPS = 20
DEFAULT_SIZE = (800, 450)
# The finish stays on screen this much longer than the other frames.
HOLD_LAST_MS = 3_000
MAX_FRAMES = 3_600
# A GIF is held in memory until it is written: at most this many pixels over all frames.
MAX_GIF_PIXELS = 250_000_000
NEAR_WHITE = 246
MIN_SIZE = (320, 200)
MAX_SIZE = (3840, 2160)
FORMATS = {".gif": "GIF", ".mp4": "MP4"}


class ClipError(Exception):
    """A clip that cannot be made as asked: the message says why."""


def frame_times(start_ms: int, end_ms: int, count: int) -> list[int]:
    """The moment each frame shows: evenly spaced, the last one at ``end_ms``."""
    if count < 1:
        raise ClipError("a clip needs at least one frame")
    if count == 1 or end_ms <= start_ms:
        return [end_ms] * count
    span = end_ms - start_ms
    return [start_ms + round(span * (i + 1) / count) for i in range(count)]


def frame_count(seconds: float, fps: int) -> int:
    """How many frames a clip of ``seconds`` at ``fps`` has (at least one)."""
    return max(1, round(seconds * fps))


def check_clip(path: str | Path, size: tuple[int, int], seconds: float, fps: int) -> str:
    """The clip's format ("GIF" or "MP4") if the request is possible; ``ClipError`` if not."""
    suffix = Path(path).suffix.lower()
    kind = FORMATS.get(suffix)
    if kind is None:
        raise ClipError(f"{Path(path).name}: a clip is written as .gif or .mp4, not {suffix!r}")
    if kind == "MP4" and find_ffmpeg() is None:
        raise ClipError("an MP4 clip needs ffmpeg, which was not found; write a .gif instead")
    w, h = size
    if not (MIN_SIZE[0] <= w <= MAX_SIZE[0] and MIN_SIZE[1] <= h <= MAX_SIZE[1]):
        raise ClipError(
            f"a clip is between {MIN_SIZE[0]}x{MIN_SIZE[1]} and {MAX_SIZE[0]}x{MAX_SIZE[1]} "
            f"pixels, not {w}x{h}"
        )
    if not 1 <= fps <= 60:
        raise ClipError(f"frames per second go from 1 to 60, not {fps}")
    if seconds <= 0 or frame_count(seconds, fps) > MAX_FRAMES:
        raise ClipError(
            f"a clip lasts more than 0 s and at most {MAX_FRAMES:,} frames "
            f"({MAX_FRAMES // fps} s at {fps} frames a second)"
        )
    if kind == "GIF" and frame_count(seconds, fps) * w * h > MAX_GIF_PIXELS:
        raise ClipError(
            f"a {w}x{h} GIF of {frame_count(seconds, fps):,} frames is too big to make; "
            "make it shorter or smaller, or write an .mp4"
        )
    if kind == "MP4" and (w % 2 or h % 2):
        raise ClipError(f"an MP4 clip needs an even width and height, not {w}x{h}")
    return kind


def find_ffmpeg() -> str | None:
    """The ffmpeg on the PATH, if any."""
    return shutil.which("ffmpeg")


class ClipWriter(Protocol):
    """Takes frames as tightly packed RGB bytes, then finishes (renames) or aborts."""

    def add(self, rgb: bytes) -> None:
        """Take the next frame."""

    def finish(self) -> None:
        """Write the clip and rename it into place."""

    def abort(self) -> None:
        """Stop and leave nothing behind."""


def _temporary_sibling(target: Path) -> Path:
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=target.suffix, dir=target.parent)
    os.close(fd)
    return Path(tmp)


class GifWriter:
    """Writes an animated GIF, looping, the last frame held.

    Every frame is mapped to one palette, taken from ``palette_rgb`` (the
    fullest frame: the finish) so colours do not flicker; frames are kept in
    that 8-bit form until the file is written.
    """

    def __init__(
        self, path: str | Path, size: tuple[int, int], fps: int, palette_rgb: bytes | None = None
    ) -> None:
        from PIL import Image

        self._image = Image
        self.path = Path(path)
        self.size = size
        self.fps = fps
        self._palette = None if palette_rgb is None else self._palette_of(palette_rgb)
        self._frames: list[object] = []

    def _palette_of(self, rgb: bytes) -> object:
        self._check(rgb)
        frame = self._image.frombytes("RGB", self.size, rgb)
        palette = frame.quantize(colors=255, method=self._image.Quantize.MEDIANCUT)
        # Median cut averages the white background with its neighbours into a grey
        # near-white; entries that close to white become white again.
        entries = palette.getpalette() or []
        for i in range(0, len(entries) - 2, 3):
            if min(entries[i : i + 3]) >= NEAR_WHITE:
                entries[i : i + 3] = [255, 255, 255]
        palette.putpalette(entries)
        return palette

    def _check(self, rgb: bytes) -> None:
        if len(rgb) != self.size[0] * self.size[1] * 3:
            raise ClipError(f"a frame of {len(rgb)} bytes does not match {self.size}")

    def add(self, rgb: bytes) -> None:
        """Map a frame to the clip's palette and keep it."""
        self._check(rgb)
        if self._palette is None:
            self._palette = self._palette_of(rgb)
        frame = self._image.frombytes("RGB", self.size, rgb)
        self._frames.append(
            frame.quantize(palette=self._palette, dither=self._image.Dither.NONE)  # type: ignore[arg-type]
        )

    def finish(self) -> None:
        """Write the GIF through a temporary file and rename it into place."""
        if not self._frames:
            raise ClipError("the clip has no frames")
        frames, self._frames = self._frames, []
        step = round(1000 / self.fps)
        durations = [step] * len(frames)
        durations[-1] += HOLD_LAST_MS
        with atomic_path(self.path, suffix=self.path.suffix) as tmp:
            frames[0].save(  # type: ignore[attr-defined]
                tmp,
                format="GIF",
                save_all=True,
                append_images=frames[1:],
                duration=durations,
                loop=0,
            )

    def abort(self) -> None:
        """Drop the frames; nothing was written yet."""
        self._frames = []


class Mp4Writer:
    """Pipes frames to ffmpeg (H.264, yuv420p, plays everywhere), into a temporary file."""

    def __init__(self, path: str | Path, size: tuple[int, int], fps: int) -> None:
        ffmpeg = find_ffmpeg()
        if ffmpeg is None:
            raise ClipError("an MP4 clip needs ffmpeg, which was not found")
        self.path = Path(path)
        self.size = size
        self.fps = fps
        self._last: bytes | None = None
        self._tmp = _temporary_sibling(self.path)
        self._errors: IO[bytes] = tempfile.TemporaryFile()
        w, h = size
        command = [
            ffmpeg,
            "-hide_banner",
            "-loglevel",
            "error",
            "-y",
            "-f",
            "rawvideo",
            "-pix_fmt",
            "rgb24",
            "-s",
            f"{w}x{h}",
            "-r",
            str(fps),
            "-i",
            "-",
            "-an",
            "-c:v",
            "libx264",
            "-pix_fmt",
            "yuv420p",
            "-movflags",
            "+faststart",
            "-f",
            "mp4",
            str(self._tmp),
        ]
        try:
            self._proc = subprocess.Popen(
                command, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=self._errors
            )
        except OSError as exc:
            self._tmp.unlink(missing_ok=True)
            self._errors.close()
            raise ClipError(f"could not start ffmpeg: {exc}") from exc

    def add(self, rgb: bytes) -> None:
        """Send a frame to ffmpeg."""
        if len(rgb) != self.size[0] * self.size[1] * 3:
            raise ClipError(f"a frame of {len(rgb)} bytes does not match {self.size}")
        self._write(rgb)
        self._last = rgb

    def _write(self, rgb: bytes) -> None:
        assert self._proc.stdin is not None
        try:
            self._proc.stdin.write(rgb)
        except (BrokenPipeError, OSError) as exc:
            try:
                self._proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
            detail = self._error_text()  # before abort() closes the error file
            self.abort()
            raise ClipError(f"ffmpeg stopped: {detail or exc}") from exc

    def finish(self) -> None:
        """Hold the last frame, let ffmpeg finish and rename its file into place."""
        if self._last is None:
            self.abort()
            raise ClipError("the clip has no frames")
        for _ in range(round(HOLD_LAST_MS / 1000 * self.fps)):
            self._write(self._last)
        assert self._proc.stdin is not None
        try:
            self._proc.stdin.close()
        except OSError:
            pass
        code = self._proc.wait()
        if code != 0:
            detail = self._error_text()
            self._tmp.unlink(missing_ok=True)
            self._errors.close()
            raise ClipError(f"ffmpeg failed (exit {code}): {detail or 'no message'}")
        try:
            give_usual_permissions(self._tmp)
            os.replace(self._tmp, self.path)
        except BaseException:
            self._tmp.unlink(missing_ok=True)
            raise
        finally:
            self._errors.close()

    def abort(self) -> None:
        """Stop ffmpeg and remove its unfinished file."""
        if self._proc.poll() is None:
            self._proc.kill()
        try:
            if self._proc.stdin is not None:
                self._proc.stdin.close()
        except OSError:
            pass
        self._proc.wait()
        self._tmp.unlink(missing_ok=True)
        self._errors.close()

    def _error_text(self) -> str:
        try:
            self._errors.seek(0)
            text = self._errors.read().decode("utf-8", "replace").strip()
        except (OSError, ValueError):
            return ""
        return " ".join(text.splitlines()[-3:])


def finish_in_background(writer: ClipWriter, frames: int) -> Generator[tuple[int, int], None, None]:
    """Finish a clip (encode and write it) in a thread, yielding while it works.

    Encoding a long GIF takes seconds; the window keeps running meanwhile.
    Closing the generator (a cancel) waits for the thread, then removes the
    file it wrote, so a cancelled clip leaves nothing behind.
    """
    done = threading.Event()
    failure: list[BaseException] = []
    cancelled = threading.Event()

    def work() -> None:
        try:
            writer.finish()
            if cancelled.is_set():
                Path(writer.path).unlink(missing_ok=True)  # type: ignore[attr-defined]
        except BaseException as exc:  # handed to the caller below
            failure.append(exc)
        finally:
            done.set()

    thread = threading.Thread(target=work, name="clip-writer", daemon=True)
    thread.start()
    try:
        while not done.wait(0.02):
            yield frames, frames
    except GeneratorExit:
        cancelled.set()
        thread.join()
        raise
    if failure:
        raise failure[0]


def writer_for(
    path: str | Path, size: tuple[int, int], fps: int, palette_rgb: bytes | None = None
) -> ClipWriter:
    """A GIF or MP4 writer by the file's suffix (a GIF takes its palette from ``palette_rgb``)."""
    if Path(path).suffix.lower() == ".mp4":
        return Mp4Writer(path, size, fps)
    return GifWriter(path, size, fps, palette_rgb)
