"""Long jobs as generators: driving them, the progress line, and Ctrl+C."""

from __future__ import annotations

import io

import pytest

from photofinish.core import steps as steps_module
from photofinish.core.steps import progress_line, run_steps, run_with_progress

CLEAR = "\r\x1b[2K"


class Stream(io.StringIO):
    """A text stream that says whether it is a terminal."""

    def __init__(self, tty: bool) -> None:
        super().__init__()
        self.tty = tty
        self.flushes = 0

    def isatty(self) -> bool:
        return self.tty

    def flush(self) -> None:
        self.flushes += 1
        super().flush()


class Job:
    """A job of ``total`` steps that records how far it got and how it ended."""

    def __init__(self, total: int = 4, result: object = "done", fail_at: int | None = None):
        self.total = total
        self.result = result
        self.fail_at = fail_at
        self.reached: list[int] = []
        self.ended: str | None = None

    def steps(self):
        try:
            for done in range(self.total + 1):
                if done == self.fail_at:
                    raise KeyboardInterrupt
                self.reached.append(done)
                yield done, self.total
        except GeneratorExit:
            self.ended = "closed"
            raise
        except BaseException as exc:
            self.ended = type(exc).__name__
            raise
        else:
            self.ended = "finished"
        return self.result


class FakeClock:
    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def monotonic(self) -> float:
        return self.now


def test_run_steps_returns_the_result():
    job = Job(total=3, result=42)
    assert run_steps(job.steps()) == 42
    assert job.reached == [0, 1, 2, 3]
    assert job.ended == "finished"


def test_run_steps_without_a_result():
    def nothing():
        yield 0, 0

    assert run_steps(nothing()) is None


def test_run_steps_passes_errors_on():
    def broken():
        yield 0, 1
        raise ValueError("bad row")

    with pytest.raises(ValueError, match="bad row"):
        run_steps(broken())


@pytest.mark.parametrize(
    ("done", "total", "line"),
    [
        (90, 200, "Exporting: 45% (90 of 200 frames)"),
        (0, 4, "Exporting: 0% (0 of 4 frames)"),
        (4, 4, "Exporting: 100% (4 of 4 frames)"),
        (1, 3, "Exporting: 33% (1 of 3 frames)"),
        (2, 3, "Exporting: 66% (2 of 3 frames)"),
        (1_500, 20_000, "Exporting: 7% (1,500 of 20,000 frames)"),
        (1_234, 0, "Exporting: 1,234 frames"),
        (7, -1, "Exporting: 7 frames"),
    ],
)
def test_progress_line(done, total, line):
    assert progress_line("Exporting", done, total, "frames") == line


def test_progress_on_a_terminal_draws_every_step():
    job = Job(total=4)
    stream = Stream(tty=True)
    result = run_with_progress(job.steps(), "Rendering", "frames", stream, every_s=0)
    assert result == "done"
    assert job.ended == "finished"
    out = stream.getvalue()
    assert "50%" in out and "of 4 frames" in out
    assert out == (
        "".join(
            CLEAR + f"Rendering: {p}% ({d} of 4 frames)"
            for d, p in ((0, 0), (1, 25), (2, 50), (3, 75), (4, 100))
        )
        + "\n"
    )
    assert stream.flushes == 6


def test_progress_on_a_terminal_is_throttled(monkeypatch):
    clock = FakeClock()
    monkeypatch.setattr(steps_module, "time", clock)
    stream = Stream(tty=True)

    def job():
        for done in range(11):
            if done == 6:
                clock.now += 0.5  # time for one more line
            yield done, 10
        return 10

    assert run_with_progress(job(), "Exporting", "rows", stream) == 10
    # The first step, the one after the clock moved on and the last are drawn.
    assert stream.getvalue() == (
        CLEAR
        + "Exporting: 0% (0 of 10 rows)"
        + CLEAR
        + "Exporting: 60% (6 of 10 rows)"
        + CLEAR
        + "Exporting: 100% (10 of 10 rows)"
        + "\n"
    )


def test_progress_elsewhere_prints_nothing():
    job = Job(total=4)
    stream = Stream(tty=False)
    assert run_with_progress(job.steps(), "Rendering", "frames", stream, every_s=0) == "done"
    assert job.reached == [0, 1, 2, 3, 4]
    assert stream.getvalue() == ""
    assert stream.flushes == 0


def test_progress_of_a_job_without_steps():
    def instant():
        return 7
        yield  # a generator all the same

    stream = Stream(tty=True)
    assert run_with_progress(instant(), "Exporting", "rows", stream) == 7
    assert stream.getvalue() == ""


def test_ctrl_c_inside_the_job_is_raised_again():
    job = Job(total=4, fail_at=3)
    stream = Stream(tty=True)
    gen = job.steps()
    with pytest.raises(KeyboardInterrupt):
        run_with_progress(gen, "Rendering", "frames", stream, every_s=0)
    assert job.reached == [0, 1, 2]
    assert job.ended == "KeyboardInterrupt"
    assert gen.gi_frame is None  # finished: it cannot be resumed
    # The progress line is ended, so the shell prompt starts on a fresh line.
    assert stream.getvalue().endswith("Rendering: 50% (2 of 4 frames)\n")


@pytest.mark.parametrize("exc_type", [KeyboardInterrupt, OSError])
def test_error_while_drawing_closes_the_job(exc_type):
    class Breaks(Stream):
        writes = 0

        def write(self, s: str) -> int:
            self.writes += 1
            if self.writes == 2:
                raise exc_type
            return super().write(s)

    job = Job(total=4)
    gen = job.steps()
    stream = Breaks(tty=True)
    with pytest.raises(exc_type):
        run_with_progress(gen, "Rendering", "frames", stream, every_s=0)
    assert job.reached == [0, 1]
    assert job.ended == "closed"
    assert gen.gi_frame is None
    assert stream.getvalue() == CLEAR + "Rendering: 0% (0 of 4 frames)\n"


def test_error_in_the_job_is_raised_again_without_a_terminal():
    cleaned: list[str] = []

    def job():
        try:
            yield 0, 2
            yield 1, 2
            raise ValueError("disk full")
        finally:
            cleaned.append("tidied")

    stream = Stream(tty=False)
    with pytest.raises(ValueError, match="disk full"):
        run_with_progress(job(), "Exporting", "rows", stream)
    assert cleaned == ["tidied"]
    assert stream.getvalue() == ""


def test_ctrl_c_between_steps_closes_the_job(monkeypatch):
    # Ctrl+C lands in the driver (here: while it reads the clock), not in the job.
    job = Job(total=4)
    gen = job.steps()
    calls = 0

    class Interrupting:
        @staticmethod
        def monotonic() -> float:
            nonlocal calls
            calls += 1
            if calls == 3:
                raise KeyboardInterrupt
            return 1000.0 + calls

    monkeypatch.setattr(steps_module, "time", Interrupting)
    stream = Stream(tty=False)
    with pytest.raises(KeyboardInterrupt):
        run_with_progress(gen, "Rendering", "frames", stream)
    assert job.reached == [0, 1, 2]
    assert job.ended == "closed"
    assert gen.gi_frame is None
    assert stream.getvalue() == ""
