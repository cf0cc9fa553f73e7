"""The command line shows progress on stderr when it is a terminal, and nothing when it is not.

Each command runs as the user runs it, in a process of its own: once with
stderr on a real pseudo-terminal, once with stderr a pipe.
"""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.cli.support import run

CLEAR = "\r\x1b[2K"
DEADLINE_S = 120  # a safety net for a stuck child, not a measure of speed


def photofinish(args: list[str], terminal: bool) -> tuple[int, str, str]:
    """Run ``photofinish ARGS``; stderr on a pseudo-terminal or a pipe. Returns code, out, err."""
    command = [sys.executable, "-m", "photofinish", *args]
    if not terminal:
        done = subprocess.run(command, capture_output=True, text=True, timeout=DEADLINE_S)
        return done.returncode, done.stdout, done.stderr
    master, slave = os.openpty()
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=slave, stdin=subprocess.DEVNULL)
    os.close(slave)
    chunks: list[bytes] = []
    deadline = time.monotonic() + DEADLINE_S
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.2)
            if not ready:
                if proc.poll() is not None:
                    break
                continue
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: the child closed its end
                break
            if not data:
                break
            chunks.append(data)
    finally:
        os.close(master)
    stdout, _ = proc.communicate(timeout=DEADLINE_S)
    out, code = stdout.decode(), proc.returncode
    # The terminal turns "\n" into "\r\n"; put it back to compare with a pipe.
    return code, out, b"".join(chunks).decode().replace("\r\n", "\n")


@pytest.fixture
def race(sample_copy) -> Path:
    return sample_copy


def readings(path: Path) -> Path:
    with path.open("w") as fh:
        fh.write("timestamp,competitor,count\n")
        for i in range(500):
            fh.write(f"{1_239_800_000 + 60 * i},newcomer,{1000 + i}\n")
    return path


COMMANDS = {
    # name: (arguments, what the progress line says on a terminal)
    "import": (["import", "{race}", "{tmp}/readings.csv"], CLEAR + "Importing readings.csv: 100%"),
    "export": (["export", "{race}", "{tmp}/out.csv"], CLEAR + "Writing out.csv: 0% (0 of "),
    "summary": (["summary", "{race}"], CLEAR + "Reading race.db: loading the readings of "),
    "screenshot": (
        ["screenshot", "{race}", "{tmp}/shot.png", "--size", "800x450"],
        CLEAR + "Rendering shot.png: reading the race and drawing it…",
    ),
    "clip": (
        ["clip", "{race}", "{tmp}/replay.gif", "--seconds", "1", "--fps", "2", "--size", "320x200"],
        CLEAR + "Rendering replay.gif: 0% (0 of 2 frames)",
    ),
}


def arguments(name: str, race: Path, tmp: Path) -> list[str]:
    readings(tmp / "readings.csv")
    return [a.format(race=race, tmp=tmp) for a in COMMANDS[name][0]]


@pytest.mark.parametrize("name", list(COMMANDS))
def test_progress_on_a_terminal(name, race, tmp_path):
    code, out, err = photofinish(arguments(name, race, tmp_path), terminal=True)
    assert code == 0, err
    assert COMMANDS[name][1] in err
    assert "Traceback" not in err
    if name in ("summary", "screenshot"):
        # A passing line: cleared once the answer is there.
        assert err.endswith(CLEAR)
    else:
        # The last line of progress stays, ended, above what the command says next.
        assert "100%" in err.split("\n")[0]


@pytest.mark.parametrize("name", list(COMMANDS))
def test_no_progress_on_a_pipe(name, race, tmp_path):
    args = arguments(name, race, tmp_path)
    code, out, err = photofinish(args, terminal=False)
    assert code == 0, err
    assert "\r" not in err and "\x1b" not in err
    assert "%" not in err and "…" not in err
    # Nothing but what the command says when it is done (the same as without a terminal).
    said = {
        "export": f"snapshots written to {tmp_path / 'out.csv'}",
        "clip": f"2 frames written to {tmp_path / 'replay.gif'}",
    }
    lines = [line for line in err.splitlines() if line]
    if name in said:
        assert len(lines) == 1 and lines[0].endswith(said[name])
    else:
        assert lines == []


def test_a_small_copy_needs_no_progress(tmp_path):
    # `sample` copies the bundled race, a few hundred kB: done before progress would help.
    code, out, err = photofinish(["sample", str(tmp_path / "copy.db")], terminal=True)
    assert code == 0 and err == ""


@contextmanager
def _asked(signum: int):
    yield lambda: signum


@pytest.mark.parametrize(("signum", "status"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_stopped_export_writes_nothing(race, tmp_path, capsys, monkeypatch, signum, status):
    # Ctrl+C or SIGTERM, held until the job's next step, stop the export there.
    monkeypatch.setattr("photofinish.core.steps.deferred_interrupts", lambda: _asked(signum))
    out = tmp_path / "out.csv"
    try:
        code, _, err = run(capsys, "export", str(race), str(out))
    except SystemExit as exc:
        code, err = int(exc.code or 0), capsys.readouterr().err
    assert code == status
    assert f"export stopped; {out} was not written" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["race.db"]


# -- the lines themselves ----------------------------------------------------------------------
class Terminal:
    """A stream that says it is a terminal and keeps what is written."""

    def __init__(self) -> None:
        self.text = ""

    def isatty(self) -> bool:
        return True

    def write(self, s: str) -> int:
        self.text += s
        return len(s)

    def flush(self) -> None:
        pass


@pytest.mark.parametrize(
    ("done", "total", "line"),
    [
        (155_200_000, 345_000_000, "Importing x.csv: 44% (155.2 of 345.0 MB)"),
        (3_000, 70_000, "Importing x.csv: 4% (3.0 of 70.0 kB)"),
        (12, 900, "Importing x.csv: 1% (12 of 900 bytes)"),
        (2_500_000_000, 0, "Importing x.csv: 2.5 GB"),
    ],
)
def test_bytes_are_counted_in_a_readable_unit(done, total, line):
    from photofinish.core.steps import progress_line

    assert progress_line("Importing x.csv", done, total, "bytes") == line


def test_each_stage_is_drawn_as_it_starts_and_a_passing_line_is_cleared():
    from photofinish.core.steps import run_with_progress, stage_line

    def job():
        for done in range(3):
            yield done, 3  # three stages, each quicker than the redraw interval
        return "answer"

    stream = Terminal()
    describe = stage_line("Reading r.db", ["loading A", "loading B", "working out the race"])
    result = run_with_progress(job(), "", "", stream, every_s=3600, describe=describe, keep=False)
    assert result == "answer"
    assert stream.text == (
        CLEAR
        + "Reading r.db: loading A… 0%"
        + CLEAR
        + "Reading r.db: loading B… 33%"
        + CLEAR
        + "Reading r.db: working out the race… 66%"
        + CLEAR
    )


def test_a_status_line_says_what_runs_and_goes_away():
    from photofinish.core.steps import terminal_status

    stream = Terminal()
    with terminal_status(stream, "Rendering x.png: reading the race…"):
        assert stream.text == CLEAR + "Rendering x.png: reading the race…"
    assert stream.text.endswith(CLEAR)


def test_a_job_inside_another_counts_on_and_is_closed_with_it():
    from photofinish.core.steps import within

    ended: list[str] = []

    def inner():
        try:
            yield 0, 2
            yield 1, 2
        finally:
            ended.append("inner")
        return "inner result"

    outer = within(inner(), 5, 10)
    assert next(outer) == (5, 10) and next(outer) == (6, 10)
    outer.close()
    assert ended == ["inner"]
