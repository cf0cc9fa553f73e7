"""The command line as shells and scripts expect it: versions, pipes, typos, one time format."""

from __future__ import annotations

import contextlib
import io
import json
import re
import subprocess
import sys

import pytest

from photofinish.cli.main import main
from photofinish.core.model import Competitor, Race, Snapshot, iso_utc
from photofinish.core.store import Store
from tests.cli.support import run

ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def test_version_prints_the_version(capsys):
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    out, _ = capsys.readouterr()
    assert done.value.code == 0
    assert re.fullmatch(r"photofinish \S+\n", out)


def test_an_error_names_the_program_once(capsys):
    code, _, err = run(capsys, "summary")
    assert code == 2
    assert err == "photofinish: error: summary: the following arguments are required: SESSION\n"
    code, _, err = run(capsys, "summary", "x.db", "--bogus")
    assert err.count("photofinish") == 1


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["sumary", "race.pfrace"], "unknown command 'sumary'; did you mean 'summary'?"),
        (["exprot", "race.pfrace", "out.csv"], "did you mean 'export'?"),
        (["frobnicate", "it"], "unknown command 'frobnicate'; the commands are sample, new"),
    ],
)
def test_a_mistyped_command_is_named_with_the_nearest_one(
    capsys, tmp_path, monkeypatch, args, said
):
    monkeypatch.chdir(tmp_path)
    code, _, err = run(capsys, *args)
    assert code == 2
    assert said in err


def test_help_tells_of_the_window_and_its_options(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    out, _ = capsys.readouterr()
    assert "photofinish [SESSION] [--no-replay]" in out
    assert "lookup" in out and "--version" in out


def test_debug_works_after_the_command_too(capsys, sample_path):
    code, out, err = run(capsys, "summary", str(sample_path), "--debug")
    assert code == 0, err
    assert "Kutcher" in out


def test_export_to_standard_output(capsys, sample_path):
    code, out, err = run(capsys, "export", str(sample_path), "-")
    assert code == 0, err
    assert out.splitlines()[0] == "timestamp,competitor,count,source"
    assert len(out.splitlines()) == 2511 + 1
    assert "written to standard output" in err
    code, out, _ = run(
        capsys, "export", str(sample_path), "-", "--what", "events", "--format", "md"
    )
    assert code == 0 and out.startswith("# Kutcher vs CNN")


def test_import_from_standard_input(capsys, monkeypatch, tmp_path):
    session = tmp_path / "s.pfrace"
    assert run(capsys, "new", str(session), "--title", "T", "--milestone", "10",
               "--competitor", "a", "--competitor", "b")[0] == 0  # fmt: skip
    feed = "timestamp,competitor,count\n2026-01-01T00:00:00Z,a,1\n2026-01-01T00:01:00Z,b,2\n"
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(feed.encode())))
    code, out, err = run(capsys, "import", str(session), "-")
    assert code == 0, err
    assert "Imported 2 snapshots" in out
    with Store.open(session, read_only=True) as store:
        assert [(s.handle, s.count) for s in store.snapshots()] == [("a", 1), ("b", 2)]


def test_a_closed_pipe_ends_quietly():
    """``photofinish export ... - | head -1``: no error message when the reader goes away."""
    exe = [sys.executable, "-m", "photofinish", "export", "data/race-2009.db", "-"]
    proc = subprocess.Popen(exe, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.readline()
    proc.stdout.close()
    err = proc.stderr.read().decode()
    proc.stderr.close()
    proc.wait(timeout=60)
    assert "error" not in err.lower() and "Traceback" not in err


def test_times_have_one_shape_everywhere(capsys, sample_path):
    assert iso_utc(1_239_948_780_000) == "2009-04-17T06:13:00.000Z"
    assert iso_utc(1_239_948_780_783) == "2009-04-17T06:13:00.783Z"
    code, out, _ = run(capsys, "summary", str(sample_path), "--json")
    found = re.findall(r'"(\d{4}-\d\d-\d\dT[^"]*)"', out)
    assert found and all(ISO.match(t) for t in found)
    code, out, _ = run(capsys, "export", str(sample_path), "-")
    times = [line.split(",")[0] for line in out.splitlines()[1:]]
    assert all(ISO.match(t) for t in times)


def test_record_json_is_one_object_a_line(capsys, tmp_path):
    session = tmp_path / "r.pfrace"
    with Store.create(session, Race("R", 10), [Competitor("a", "A", "")]) as store:
        store.append([Snapshot(1_000, "a", 1)])
    feed = tmp_path / "feed.csv"
    feed.write_text(
        "timestamp,competitor,count\n2026-01-01T00:00:00Z,a,5\n2026-01-01T00:01:00Z,a,6\n"
    )
    code, out, err = run(
        capsys, "record", str(session), "--feed", f"a=file:{feed}", "--duration", "1.5", "--json"
    )
    assert code == 0, err
    records = [json.loads(line) for line in out.splitlines()]
    readings = [r for r in records if r["type"] == "reading"]
    assert [(r["handle"], r["count"]) for r in readings] == [("a", 5), ("a", 6)]
    assert all(ISO.match(r["at"]) for r in records)
    assert set(readings[0]) == {"type", "at", "handle", "count", "source"}


def test_a_new_race_is_shown_in_this_computers_zone_by_default(capsys, tmp_path, monkeypatch):
    from zoneinfo import ZoneInfo

    import tzlocal

    monkeypatch.setenv("TZ", "Europe/Paris")
    tzlocal.reload_localzone()
    session = tmp_path / "z.pfrace"
    code, _, err = run(capsys, "new", str(session), "--title", "T", "--milestone", "10",
                       "--competitor", "a", "--competitor", "b")  # fmt: skip
    assert code == 0, err
    with Store.open(session, read_only=True) as store:
        assert store.race().display_tz == "Europe/Paris"
    monkeypatch.setenv("TZ", "Not/AZone")  # a zone nobody knows: the system's, or UTC
    with contextlib.suppress(LookupError):
        tzlocal.reload_localzone()
    session2 = tmp_path / "z2.pfrace"
    assert run(capsys, "new", str(session2), "--title", "T", "--milestone", "10",
               "--competitor", "a", "--competitor", "b")[0] == 0  # fmt: skip
    with Store.open(session2, read_only=True) as store:
        zone = store.race().display_tz
    assert zone != "Not/AZone" and ZoneInfo(zone) is not None
    monkeypatch.delenv("TZ")
    tzlocal.reload_localzone()
