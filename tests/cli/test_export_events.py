"""``photofinish export --what events``: the event log out as CSV or Markdown."""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

import pytest

from photofinish.cli.main import main
from photofinish.core.jobs.exports import EVENT_COLUMNS
from photofinish.core.store import Store
from tests.cli.support import run


def event_count(session: Path) -> int:
    with Store.open(session, read_only=True) as store:
        return len(store.events())


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def is_markdown(path: Path) -> bool:
    return path.read_text(encoding="utf-8").startswith("# Kutcher vs CNN")


def test_events_as_markdown(tmp_path, capsys, sample_copy):
    n = event_count(sample_copy)
    before = digest(sample_copy)
    out = tmp_path / "log.md"
    code, stdout, err = run(capsys, "export", str(sample_copy), str(out), "--what", "events")
    assert code == 0, err
    assert stdout == ""
    assert err.strip() == f"{n:,} events written to {out}"
    text = out.read_text(encoding="utf-8")
    lines = text.splitlines()
    assert lines[0] == "# Kutcher vs CNN: the race to a million followers (April 2009)"
    table = [line for line in lines if line.startswith("| ")]
    assert table[0].startswith("| Time (America/Los\\_Angeles) | UTC | Kind |")
    assert len(table) == n + 2
    crossing = [line for line in table if "| crossed |" in line and "@aplusk" in line]
    assert len(crossing) == 1
    assert crossing[0].startswith(
        "| 2009-04-16 23:13:00 PDT | 2009-04-17T06:13:00.000Z | crossed |"
    )
    assert digest(sample_copy) == before  # exporting never writes to the session
    assert sorted(p.name for p in tmp_path.iterdir()) == ["log.md", "race.db"]


def test_events_as_csv(tmp_path, capsys, sample_copy):
    n = event_count(sample_copy)
    out = tmp_path / "log.csv"
    code, _, err = run(capsys, "export", str(sample_copy), str(out), "--what", "events")
    assert code == 0, err
    assert err.strip() == f"{n:,} events written to {out}"
    with out.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == EVENT_COLUMNS
    assert len(rows) - 1 == n
    by = {(r[2], r[3]): r for r in rows[1:] if r[2] == "crossed"}
    assert by[("crossed", "aplusk")][:5] == [
        "2009-04-16 23:13:00 PDT",
        "2009-04-17T06:13:00.000Z",
        "crossed",
        "aplusk",
        "Ashton Kutcher",
    ]
    assert by[("crossed", "cnnbrk")][1] == "2009-04-17T06:42:00.000Z"


@pytest.mark.parametrize(
    ("name", "extra", "markdown"),
    [
        ("log.MD", [], True),
        ("log.markdown", [], True),
        ("log.txt", [], False),
        ("log", [], False),
        ("log.txt", ["--format", "md"], True),
        ("log.md", ["--format", "csv"], False),
    ],
)
def test_format_follows_the_suffix_unless_given(
    tmp_path, capsys, sample_copy, name, extra, markdown
):
    out = tmp_path / name
    code, _, err = run(capsys, "export", str(sample_copy), str(out), "--what", "events", *extra)
    assert code == 0, err
    assert is_markdown(out) is markdown
    if not markdown:
        assert out.read_text(encoding="utf-8").splitlines()[0] == ",".join(EVENT_COLUMNS)


def test_snapshots_stay_the_default(tmp_path, capsys, sample_copy):
    for extra in ([], ["--what", "snapshots"], ["--what", "snapshots", "--format", "csv"]):
        out = tmp_path / "snaps.csv"
        code, _, err = run(capsys, "export", str(sample_copy), str(out), *extra)
        assert code == 0, err
        assert err.strip() == f"2,511 snapshots written to {out}"
        with out.open(newline="", encoding="utf-8") as fh:
            rows = list(csv.reader(fh))
        assert rows[0] == ["timestamp", "competitor", "count", "source"]
        assert len(rows) - 1 == 2511


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["{tmp}/snaps.md"], "Markdown is only for the event log"),
        (["{tmp}/snaps.markdown", "--what", "snapshots"], "Markdown is only for the event log"),
        (["{tmp}/snaps.csv", "--format", "md"], "--format md"),
        (["{tmp}/log.md", "--what", "notes"], "--what"),
        (["{tmp}/log.md", "--what", "events", "--format", "html"], "--format"),
        (["{tmp}/no/such/folder/log.md", "--what", "events"], "does not exist"),
    ],
)
def test_bad_export_is_one_line_and_exit_2(tmp_path, capsys, sample_copy, args, says):
    argv = [a.format(tmp=tmp_path) for a in args]
    code, _, err = run(capsys, "export", str(sample_copy), *argv)
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("photofinish: error:")
    assert says in lines[0]
    assert "Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["race.db"]  # nothing written


def test_help_describes_the_new_options(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["export", "--help"])
    assert exit_.value.code == 0
    text = capsys.readouterr().out
    assert "--what {snapshots,events}" in text
    assert "--format {csv,md}" in text
    assert "Markdown" in text
