"""The event log out as CSV and Markdown: times, columns, escaping and atomic writes."""

from __future__ import annotations

import csv
import hashlib
import html
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt  # a CommonMark renderer, to see what readers will see

from photofinish.core.jobs.exports import (
    EVENT_COLUMNS,
    event_rows,
    export_events_csv,
    export_events_markdown,
    md_escape,
    md_link,
)
from photofinish.core.model import (
    KIND_CROSSED,
    KIND_NOTE,
    ORIGIN_DERIVED,
    ORIGIN_USER,
    Event,
    zone_of,
)
from photofinish.core.store import Store

LA = zone_of("America/Los_Angeles")
CROSSED_MS = int(datetime(2009, 4, 17, 6, 13, tzinfo=UTC).timestamp() * 1000)

HOSTILE = [
    "<script>alert(1)</script>",
    "**x**",
    "[a](javascript:x)",
    "![img](http://example.com/x.png)",
    "a | b || c",
    "first line\nsecond line\r\nthird\rfourth",
    "C:\\path\\ ends with a backslash\\",
    "\\| escaped pipe already",
    "`code` and ``more``",
    "_under_ __bold__ ~~strike~~",
    "&lt;b&gt; and &amp; and &#60;",
    "# not a heading",
    "<http://autolink.example> <b>bold</b>",
    "tab\there and a NUL\x00 too",
]


@pytest.fixture
def sample(sample_path: Path):
    """The bundled race's events, zone and names, read without ever opening it for writing."""
    before = hashlib.sha256(sample_path.read_bytes()).hexdigest()
    with Store.open(sample_path, read_only=True) as store:
        assert store.read_only
        race = store.race()
        names = {c.handle: c.name for c in store.competitors()}
        events = store.events()
    yield race, zone_of(race.display_tz), names, events
    assert hashlib.sha256(sample_path.read_bytes()).hexdigest() == before


def md_cells(line: str) -> list[str]:
    """Split a Markdown table row on pipes that are not backslash-escaped."""
    assert line.startswith("| ") and line.endswith(" |"), line
    cells, cur, i = [], "", 1
    body = line[1:-1]
    while i <= len(body):
        ch = body[i - 1]
        if ch == "\\" and i < len(body):
            cur += ch + body[i]
            i += 2
            continue
        if ch == "|":
            cells.append(cur.strip())
            cur = ""
        else:
            cur += ch
        i += 1
    cells.append(cur.strip())
    return cells


def unescape(cell: str) -> str:
    """Undo md_escape the way a renderer reads it; fails on any live markup character."""
    out, i = [], 0
    while i < len(cell):
        ch = cell[i]
        if ch == "\\":
            assert i + 1 < len(cell), f"dangling backslash in {cell!r}"
            out.append(cell[i + 1])
            i += 2
        elif ch == "&":
            m = re.match(r"&(amp|lt|gt);", cell[i:])
            assert m, f"bare ampersand in {cell!r}"
            out.append(html.unescape(m.group(0)))
            i += len(m.group(0))
        else:
            assert ch not in "*_[]`|<>#~\n\r", f"live markup {ch!r} in {cell!r}"
            out.append(ch)
            i += 1
    return "".join(out)


def one_line(text: str) -> str:
    return re.sub(r"[\x00-\x1f\x7f]", " ", " ".join(text.splitlines()))


def test_rows_of_the_sample_have_local_and_utc_times(sample):
    _, zone, names, events = sample
    rows = list(event_rows(events, zone, names))
    assert (
        rows[0]
        == EVENT_COLUMNS
        == [
            "time_local",
            "time_utc",
            "kind",
            "competitor",
            "name",
            "text",
            "url",
            "origin",
        ]
    )
    assert len(rows) - 1 == len(events) > 0
    assert all(len(r) == len(EVENT_COLUMNS) for r in rows)
    crossed = [r for r in rows[1:] if r[2] == KIND_CROSSED and r[3] == "aplusk"]
    assert len(crossed) == 1
    local, utc, _, _, name, text, url, origin = crossed[0]
    assert local == "2009-04-16 23:13:00 PDT"
    assert utc == "2009-04-17T06:13:00.000Z"
    assert name == "Ashton Kutcher" and origin == ORIGIN_DERIVED and url == ""
    assert "1,000,000" in text
    # Rows follow the events one for one, in time order.
    assert [r[1] for r in rows[1:]] == sorted(r[1] for r in rows[1:])
    for e, r in zip(events, rows[1:], strict=True):
        assert r[2] == e.kind and r[5] == e.text and r[7] == e.origin
        assert r[3] == (e.handle or "")
        assert r[4] == (names[e.handle] if e.handle else "")


def test_rows_use_the_zone_given_and_its_winter_name():
    winter = int(datetime(2009, 1, 15, 12, 0, 5, tzinfo=UTC).timestamp() * 1000) + 250
    jan = Event(winter, KIND_NOTE, "cold", None, None, ORIGIN_USER)
    apr = Event(CROSSED_MS, KIND_CROSSED, "crossed", "who", None, ORIGIN_DERIVED)
    rows = list(event_rows([jan, apr], LA, {}))
    assert rows[1][:2] == ["2009-01-15 04:00:05 PST", "2009-01-15T12:00:05.250Z"]
    assert rows[2][:2] == ["2009-04-16 23:13:00 PDT", "2009-04-17T06:13:00.000Z"]
    assert rows[2][3:5] == ["who", ""]  # a handle without a known name
    tokyo = list(event_rows([apr], zone_of("Asia/Tokyo"), {}))
    assert tokyo[1][0] == "2009-04-17 15:13:00 JST"


def test_csv_round_trips_every_event(sample, tmp_path):
    _, zone, names, events = sample
    extra = Event(CROSSED_MS + 1000, KIND_NOTE, 'comma, "quote"\nand a new line', "aplusk")
    path = tmp_path / "log.csv"
    n = export_events_csv([*events, extra], zone, names, path)
    assert n == len(events) + 1
    with path.open(newline="", encoding="utf-8") as fh:
        back = list(csv.reader(fh))
    assert back == list(event_rows([*events, extra], zone, names))
    assert back[-1][5] == 'comma, "quote"\nand a new line'
    assert [p.name for p in tmp_path.iterdir()] == ["log.csv"]


def test_markdown_of_the_sample(sample, tmp_path):
    race, zone, names, events = sample
    path = tmp_path / "log.md"
    n = export_events_markdown(events, zone, names, path, race.title)
    assert n == len(events)
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == f"# {md_escape(race.title)}"
    assert unescape(lines[0][2:]) == race.title
    assert any("America/Los\\_Angeles" in line for line in lines[1:3])
    table = [line for line in lines if line.startswith("|")]
    assert [unescape(c) for c in md_cells(table[0])] == [
        "Time (America/Los_Angeles)",
        "UTC",
        "Kind",
        "Competitor",
        "What happened",
        "Link",
    ]
    assert all(re.fullmatch(r":?-{3,}:?", c) for c in md_cells(table[1]))
    body = [md_cells(line) for line in table[2:]]
    assert len(body) == len(events)
    assert all(len(cells) == 6 for cells in body)
    crossed = [c for c in body if unescape(c[2]) == KIND_CROSSED and "@aplusk" in c[3]]
    assert len(crossed) == 1
    assert crossed[0][:2] == ["2009-04-16 23:13:00 PDT", "2009-04-17T06:13:00.000Z"]
    assert unescape(crossed[0][3]) == "Ashton Kutcher (@aplusk)"
    for e, cells in zip(events, body, strict=True):
        assert unescape(cells[4]) == one_line(e.text).strip()


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_is_shown_literally(tmp_path, text):
    path = tmp_path / "log.md"
    events = [Event(CROSSED_MS, KIND_NOTE, text, "x|y", None, ORIGIN_USER)]
    export_events_markdown(events, LA, {"x|y": text}, path, title=text)
    lines = path.read_text(encoding="utf-8").splitlines()
    assert unescape(lines[0][2:]) == one_line(text)
    row = [line for line in lines if line.startswith("|")][2]
    cells = md_cells(row)
    assert len(cells) == 6  # no pipe in the text opened a new column
    assert unescape(cells[4]) == one_line(text).strip()
    assert unescape(cells[3]).startswith(one_line(text).strip())
    written = path.read_text(encoding="utf-8")
    assert "<script" not in written
    assert not re.search(r"(?<!\\)\]\(", written)  # no live link syntax


def test_hostile_note_renders_as_text_not_markup(tmp_path):
    md = MarkdownIt("commonmark").enable("table")  # raw HTML passes through in this preset
    events = [
        Event(CROSSED_MS + i, KIND_NOTE, text, None, url, ORIGIN_USER)
        for i, (text, url) in enumerate(
            [(t, None) for t in HOSTILE]
            + [("js", "javascript:alert(1)"), ("web", "https://example.com/a_b?q=1&r=[2]")]
        )
    ]
    path = tmp_path / "log.md"
    export_events_markdown(events, LA, {}, path, "<b>**title**</b>")
    rendered = md.render(path.read_text(encoding="utf-8"))
    assert "<script>" not in rendered and "<b>" not in rendered
    assert "<strong>" not in rendered and "<em>" not in rendered and "<code>" not in rendered
    assert "<img" not in rendered and "<s>" not in rendered and "<br" not in rendered
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in rendered
    assert "**x**" in rendered and "[a](javascript:x)" in rendered
    hrefs = re.findall(r'href="([^"]*)"', rendered)
    assert hrefs == ["https://example.com/a_b?q=1&amp;r=%5B2%5D"]  # the one link
    assert rendered.count("<tr>") == len(events) + 1


@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40))
@settings(max_examples=300, deadline=None)
def test_any_text_renders_back_to_itself(text):
    md = MarkdownIt("commonmark").enable("table")
    page = f"| a | b |\n| --- | --- |\n| {md_escape(text)} | x |\n"
    tokens = md.parse(page)
    cells = [t for t in tokens if t.type == "inline"]
    assert len(cells) == 4  # two headers, two cells: nothing split or swallowed
    first = cells[2]
    kids = first.children or []
    assert all(k.type == "text" for k in kids), [k.type for k in kids]
    got = "".join(k.content for k in kids)
    assert got == one_line(text).strip()


@pytest.mark.parametrize(
    ("url", "linked"),
    [
        ("https://example.com/page", True),
        ("HTTP://EXAMPLE.COM/", True),
        ("javascript:alert(1)", False),
        ("JavaScript:alert(document.cookie)", False),
        (" javascript:alert(1)", False),
        ("java\nscript:alert(1)", False),
        ("data:text/html,<script>alert(1)</script>", False),
        ("vbscript:msgbox", False),
        ("file:///etc/passwd", False),
        ("http://exa mple.com/", False),  # whitespace inside: not a URL
        ("https:/no-host", False),
        ("//example.com/x", False),
        ("http://[::1/broken-ipv6", False),
    ],
)
def test_only_web_urls_become_links(url, linked):
    cell = md_link(url)
    if linked:
        assert cell.startswith("<") and cell.endswith(">")
        assert cell[1:-1].lower().startswith(("http://", "https://"))
    else:
        assert not cell.startswith("<")
        assert "<" not in cell and "](" not in cell
        assert unescape(cell) == one_line(url)


def test_link_characters_that_would_break_the_table_are_encoded():
    cell = md_link("https://example.com/a|b<c>d\\e`f")
    assert cell == "<https://example.com/a%7Cb%3Cc%3Ed%5Ce%60f>"
    assert md_link(None) == "" and md_link("") == ""


def test_markdown_with_no_events_is_a_header_only_table(tmp_path):
    path = tmp_path / "empty.md"
    assert export_events_markdown([], zone_of("UTC"), {}, path, "Nothing yet") == 0
    table = [line for line in path.read_text(encoding="utf-8").splitlines() if "|" in line]
    assert len(table) == 2


@pytest.mark.parametrize("export", ["csv", "md"])
def test_missing_folder_raises_and_leaves_nothing(tmp_path, export):
    target = tmp_path / "no" / "such" / "log.out"
    events = [Event(CROSSED_MS, KIND_NOTE, "n")]
    with pytest.raises(OSError):
        if export == "csv":
            export_events_csv(events, LA, {}, target)
        else:
            export_events_markdown(events, LA, {}, target, "t")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("export", ["csv", "md"])
def test_failure_mid_write_keeps_the_old_file_and_no_temp(tmp_path, export):
    target = tmp_path / "log.out"
    target.write_text("old contents\n", encoding="utf-8")

    def events():
        yield Event(CROSSED_MS, KIND_NOTE, "first")
        raise RuntimeError("source went away")

    with pytest.raises(RuntimeError, match="went away"):
        if export == "csv":
            export_events_csv(events(), LA, {}, target)
        else:
            export_events_markdown(events(), LA, {}, target, "t")
    assert target.read_text(encoding="utf-8") == "old contents\n"
    assert [p.name for p in tmp_path.iterdir()] == ["log.out"]
