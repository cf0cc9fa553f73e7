"""The command line's contracts, driven in-process and through the installed command."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.support import run

SUMMARY_KEYS = {
    "title",
    "milestone",
    "display_tz",
    "snapshots",
    "competitors",
    "leader",
    "lead",
    "winner",
    "margin_at_finish",
    "lead_changes",
    "glitches",
}


def test_summary_json_of_the_sample(sample_copy, capsys):
    code, out, _ = run(capsys, "summary", str(sample_copy), "--json")
    assert code == 0
    data = json.loads(out)
    assert set(data) == SUMMARY_KEYS
    assert data["display_tz"] == "America/Los_Angeles"
    assert data["winner"] == "aplusk" and data["margin_at_finish"] == 1761
    assert [c["at"] for c in data["lead_changes"]] == [
        "2009-04-17T01:38:00.000Z",
        "2009-04-17T03:50:00.000Z",
        "2009-04-17T04:25:00.000Z",
    ]
    assert [c["leader"] for c in data["lead_changes"]] == ["aplusk", "cnnbrk", "aplusk"]
    by = {c["handle"]: c for c in data["competitors"]}
    assert set(by["aplusk"]) == {
        "handle",
        "name",
        "latest_count",
        "latest_at",
        "crossed_at",
        "rate_per_hour",
        "eta",
    }
    assert by["aplusk"]["crossed_at"] == "2009-04-17T06:13:00.000Z"
    assert by["cnnbrk"]["crossed_at"] == "2009-04-17T06:42:00.000Z"
    assert by["britneyspears"]["crossed_at"] is None
    assert data["glitches"] == [
        {"handle": "cnnbrk", "at": "2009-04-17T05:32:00.000Z", "count": 1998130}
    ]


def test_summary_text_uses_display_zone(sample_copy, capsys):
    code, out, _ = run(capsys, "summary", str(sample_copy))
    assert code == 0
    assert "2009-04-16 23:13 PDT" in out  # Kutcher's crossing, Pacific daylight time
    assert "by 1,761" in out


def test_new_import_export_round_trip(tmp_path, capsys, sample_copy):
    s = tmp_path / "new.db"
    code, _, err = run(
        capsys,
        "new",
        str(s),
        "--title",
        "Stars",
        "--milestone",
        "1,000",
        "--competitor",
        "a/x=Repo X",
        "--competitor",
        "b/y",
        "--tz",
        "UTC",
    )
    assert code == 0, err
    csv_path = tmp_path / "out.csv"
    assert run(capsys, "export", str(sample_copy), str(csv_path))[0] == 0
    with csv_path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["timestamp", "competitor", "count", "source"]
    assert len(rows) - 1 == 2511

    target = tmp_path / "copy.db"
    run(
        capsys,
        "new",
        str(target),
        "--title",
        "Copy",
        "--milestone",
        "1000000",
        "--competitor",
        "aplusk",
        "--competitor",
        "cnnbrk",
        "--tz",
        "UTC",
    )
    code, out, _ = run(capsys, "import", str(target), str(csv_path), "--json")
    assert code == 0
    report = json.loads(out)
    assert set(report) == {"imported", "duplicates", "skipped", "competitors_added"}
    assert report["imported"] == 2511 and report["skipped"] == []
    assert report["competitors_added"] == ["britneyspears"]
    code, out, _ = run(capsys, "import", str(target), str(csv_path), "--json")
    assert json.loads(out)["imported"] == 0 and json.loads(out)["duplicates"] == 2511
    # The copy tells the same story.
    a = json.loads(run(capsys, "summary", str(sample_copy), "--json")[1])
    b = json.loads(run(capsys, "summary", str(target), "--json")[1])
    for key in ("winner", "margin_at_finish", "lead_changes", "glitches", "snapshots"):
        assert a[key] == b[key]


def test_import_reports_bad_lines_with_numbers(tmp_path, capsys, sample_copy):
    bad = tmp_path / "bad.csv"
    bad.write_text("timestamp,competitor,count\n2009-04-18T00:00:00.000Z,aplusk,x\n")
    code, out, _ = run(capsys, "import", str(sample_copy), str(bad), "--json")
    assert code == 0
    assert json.loads(out)["skipped"] == [{"line": 2, "reason": "count 'x' is not a whole number"}]


@pytest.mark.parametrize(
    "args",
    [
        ["summary", "{tmp}/missing.db"],
        ["summary", "{tmp}/notes.txt"],
        ["import", "{sample}", "{tmp}/missing.csv"],
        ["import", "{sample}", "{tmp}/notes.txt"],
        ["new", "{tmp}/n.db", "--title", "x", "--milestone", "10", "--competitor", "a"],
        [
            "new",
            "{tmp}/n.db",
            "--title",
            "x",
            "--milestone",
            "-3",
            "--competitor",
            "a",
            "--competitor",
            "b",
        ],
        [
            "new",
            "{tmp}/n.db",
            "--title",
            "x",
            "--milestone",
            "3",
            "--competitor",
            "a",
            "--competitor",
            "b",
            "--tz",
            "Mars/Olympus",
        ],
        ["export", "{sample}", "{tmp}/no/such/folder/out.csv"],
        ["sample", "{sample}"],
    ],
)
def test_bad_input_is_one_line_and_exit_2(tmp_path, capsys, sample_copy, args):
    (tmp_path / "notes.txt").write_text("hello\n")
    argv = [a.format(tmp=tmp_path, sample=sample_copy) for a in args]
    code, _, err = run(capsys, *argv)
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("photofinish: error:")
    assert "Traceback" not in err


def test_installed_command(tmp_path):
    exe = shutil.which("photofinish", path=str(Path(sys.executable).parent))
    assert exe, "the photofinish command is not installed"
    out = tmp_path / "s.db"
    done = subprocess.run([exe, "sample", str(out)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    done = subprocess.run(
        [exe, "summary", str(out), "--json"], capture_output=True, text=True, timeout=60
    )
    assert json.loads(done.stdout)["winner"] == "aplusk"
    done = subprocess.run(
        [exe, "summary", str(tmp_path)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2 and "is a folder" in done.stderr


def test_opening_a_bad_session_in_the_window_is_one_line(tmp_path, capsys, qapp):
    (tmp_path / "notes.txt").write_text("hello\n")
    for name, problem in (("missing.db", "no such file"), ("notes.txt", "not a SQLite")):
        code, _, err = run(capsys, str(tmp_path / name))
        assert code == 2
        assert err.count("\n") == 1 and problem in err
