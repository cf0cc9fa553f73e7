"""Fuzzing the importer and the analysis with generated files and races (Hypothesis).

The importer gets CSV and JSON Lines files mixing good rows, written in every
notation it reads, with junk of known kinds, duplicates and blank lines, in
random order; it must never raise anything but ImportFileError, and must
account for every line: each good reading stored once (the first one's
source kept), each bad line reported by its number with a reason about the
field that is wrong. The analysis gets two or three competitors' readings
with spikes, drops to zero, flat runs, level shifts, readings at the same
moment and hand-made flags, inserted in random order; it must never raise,
must not depend on the order, and an analysis that builds on what an earlier
one settled must equal one of everything.
"""

from __future__ import annotations

import csv
import io
import json
import math
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from photofinish.core.analysis.race import analyse, settled_from
from photofinish.core.errors import ImportFileError
from photofinish.core.jobs.analysis import analyse_store, refresh_derived
from photofinish.core.jobs.imports import import_file
from photofinish.core.model import BY_USER, FLAG_GLITCH, FLAG_OK, Competitor, Race, Snapshot
from photofinish.core.series import Series
from photofinish.core.store import Store

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
PAST_END = 1_735_689_600_000  # 2025-01-01: safely before now, whenever the tests run
KNOWN = ("aplusk", "cnnbrk")


def fresh_store() -> Store:
    return Store.create(
        None, Race("fuzz", 1_000_000, display_tz="UTC"), [Competitor(h, h, "") for h in KNOWN]
    )


def contents(store: Store) -> list[str]:
    """Everything in the session, as SQL."""
    return list(store.db.conn.iterdump())


def data(store: Store) -> list[str]:
    """The session's contents but the bookkeeping of how far an analysis settled.

    (A change the analysis must look at again lowers that point; what is
    compared here is the data itself.)
    """
    return [line for line in contents(store) if '"derived_state"' not in line]


def stored(store: Store) -> list[tuple[str, int, int, str]]:
    return [(s.handle, s.at_ms, s.count, s.source) for s in store.snapshots()]


# -- the importer --------------------------------------------------------------------------------
def _text(exclude: str = "") -> st.SearchStrategy[str]:
    """Text on one line: no line breaks (for CSV or str.splitlines), NUL or surrogates."""
    breaks = "\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029\x00"
    return st.text(
        st.characters(blacklist_categories=("Cs",), blacklist_characters=breaks + exclude),
        max_size=12,
    )


@st.composite
def times(draw) -> tuple[int, str | int | float]:
    """A moment (UTC milliseconds) and that moment written one of the ways the importer reads."""
    at = draw(
        st.one_of(
            st.integers(-2_208_988_800_000, PAST_END),  # 1900 to 2025
            st.integers(1_239_900_000_000, 1_240_000_000_000),  # close together: duplicates
            st.sampled_from([0, 1000, -1000]),  # 1970
        )
    )
    if draw(st.booleans()):
        at -= at % 1000  # whole seconds, as most files have
    dt = EPOCH + timedelta(milliseconds=at)
    spec = "milliseconds" if at % 1000 else "seconds"
    how = draw(st.sampled_from(["z", "offset", "naive", "epoch", "epoch-number"]))
    if how == "z":
        return at, dt.isoformat(timespec=spec).replace("+00:00", "Z")
    if how == "offset":
        minutes = draw(st.sampled_from([-720, -570, -240, 0, 330, 345, 840]))
        return at, dt.astimezone(timezone(timedelta(minutes=minutes))).isoformat(timespec=spec)
    if how == "naive":  # the race's zone is UTC
        return at, dt.replace(tzinfo=None).isoformat(sep=draw(st.sampled_from("T ")), timespec=spec)
    if at % 1000 == 0:
        return at, at // 1000 if how == "epoch-number" else str(at // 1000)
    return at, at / 1000 if how == "epoch-number" else f"{at / 1000:.3f}"


@st.composite
def counts(draw) -> tuple[int, str]:
    n = draw(st.one_of(st.integers(0, 10**7), st.integers(0, 2**63 - 1), st.just(0)))
    how = draw(st.sampled_from(["plain", "plain", "commas", "spaces", "underscores"]))
    if how == "commas":
        return n, f"{n:,}"
    if how == "spaces":
        return n, f" {n:,} ".replace(",", " ")
    if how == "underscores":
        return n, f"{n:_}"
    return n, str(n)


BAD_TIMES = ["2009-02-30T06:13:00Z", "2009-04-17T25:00:00Z", "2009-13-01", "2999-01-01T00:00:00Z"]
BAD_TIMES += ["32503680000", "9" * 30, "yesterday", "NaN"]
BAD_COUNTS = [
    "-1",
    "-1,000",
    "lots",
    "12.5",
    "nan",
    "inf",
    "1e30",
    "9" * 25,
    "",
    "9223372036854775808",
]
BAD_HANDLES = ["", " ", "@", " @ "]
NEW = ("newbie", "Zoë")


@dataclass
class Line:
    """One line of a generated file and what the importer must make of it."""

    text: str
    reading: tuple[str, int, int, str] | None = None  # handle, ms, count, stored source
    note: tuple[int, str] | None = None
    bad: str | None = None  # the first word of the reason
    blank: bool = False


@dataclass
class Generated:
    fmt: str
    header: str
    lines: list[Line] = field(default_factory=list)
    endings: list[str] = field(default_factory=list)

    def data(self) -> str:
        body = [self.header] if self.header else []
        body += [line.text for line in self.lines]
        return "".join(t + e for t, e in zip(body, self.endings, strict=True))

    def first_line(self) -> int:
        return 2 if self.header else 1


def _csv_line(fields: list[str]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow(fields)
    return out.getvalue()


@st.composite
def good_reading(draw) -> tuple[tuple[str, int, int, str], dict[str, object]]:
    """A good reading, and its fields as a file may write them."""
    handle = draw(st.sampled_from(KNOWN + NEW))
    written = draw(st.sampled_from(["{}", "@{}", " {} ", "@{} "])).format(handle)
    at, when = draw(times())
    n, count = draw(counts())
    source = draw(st.one_of(st.just(""), _text()))
    kept = source.strip() or "import"
    return (handle, at, n, kept), {
        "timestamp": when,
        "competitor": written,
        "count": (n, count),
        "source": source,
    }


@st.composite
def csv_files(draw) -> Generated:
    columns = ["timestamp", "competitor", "count"]
    if draw(st.booleans()):
        columns.append("source")
    if draw(st.booleans()):
        columns.append("note")
    columns = draw(st.permutations(columns))
    gen = Generated(
        "csv", ",".join(draw(st.sampled_from([c, c.upper(), f" {c} "])) for c in columns)
    )
    goods = draw(st.lists(good_reading(), max_size=20))
    goods += [draw(st.sampled_from(goods)) for _ in range(draw(st.integers(0, 4)))] if goods else []
    lines: list[Line] = []
    for reading, f in goods:
        fields = dict(f)
        fields["count"] = f["count"][1]  # type: ignore[index]
        fields["timestamp"] = str(f["timestamp"])
        if "source" not in columns:
            reading = (*reading[:3], "import")
        fields["note"] = "x"
        lines.append(Line(_csv_line([str(fields[c]) for c in columns]), reading=reading))
    for _ in range(draw(st.integers(0, 12))):
        (handle, at, n, _), f = draw(good_reading())
        fields = {c: str(f.get(c, "x")) for c in columns}
        fields["count"] = str(n)
        kind = draw(st.sampled_from(["time", "count", "handle", "width", "junk", "blank"]))
        if kind == "time":
            fields["timestamp"] = draw(
                st.one_of(st.sampled_from(BAD_TIMES), _text().map("x{}".format))
            )
        elif kind == "count":
            fields["count"] = draw(
                st.one_of(st.sampled_from(BAD_COUNTS), _text().map("q{}".format))
            )
        elif kind == "handle":
            fields["competitor"] = draw(st.sampled_from(BAD_HANDLES))
        row = [fields[c] for c in columns]
        if kind == "width":
            row = row[:-1] if draw(st.booleans()) else [*row, "extra"]
        if kind == "junk":
            junk = draw(_text(',"').filter(lambda t: t.strip()))
            lines.append(Line(junk, bad="expected"))
        elif kind == "blank":
            lines.append(Line(draw(st.sampled_from(["", "  ", ",,", " , "])), blank=True))
        else:
            word = {"time": "timestamp", "handle": "competitor", "width": "expected"}
            lines.append(Line(_csv_line(row), bad=word.get(kind, kind)))
    gen.lines = draw(st.permutations(lines))
    gen.endings = [draw(st.sampled_from(["\n", "\r\n"])) for _ in range(len(gen.lines) + 1)]
    return gen


def _json_value(f: dict[str, object]) -> dict[str, object]:
    n, _ = f["count"]  # type: ignore[misc]
    rec = {"timestamp": f["timestamp"], "competitor": f["competitor"], "count": n}
    if f["source"]:
        rec["source"] = f["source"]
    return rec


@st.composite
def jsonl_files(draw) -> Generated:
    gen = Generated("jsonl", "")
    goods = draw(st.lists(good_reading(), max_size=20))
    goods += [draw(st.sampled_from(goods)) for _ in range(draw(st.integers(0, 4)))] if goods else []
    lines = [Line(json.dumps(_json_value(f)), reading=reading) for reading, f in goods]
    for _ in range(draw(st.integers(0, 3))):
        at, when = draw(times())
        text = draw(st.sampled_from(["On air", "Oprah", "Zoë’s tweet"]))
        lines.append(Line(json.dumps({"timestamp": when, "text": text}), note=(at, text)))
    for _ in range(draw(st.integers(0, 12))):
        _, f = draw(good_reading())
        rec = _json_value(f)
        kind = draw(st.sampled_from(["time", "count", "handle", "object", "broken", "blank"]))
        if kind == "time":
            rec["timestamp"] = draw(st.sampled_from([*BAD_TIMES, True, None, 1e30, math.nan]))
        elif kind == "count":
            rec["count"] = draw(
                st.sampled_from([-1, 2.5, "lots", True, None, 1e30, 10**30, math.nan])
            )
        elif kind == "handle":
            rec["competitor"] = draw(st.sampled_from([*BAD_HANDLES, 7, None]))
        if kind == "object":
            value = draw(st.sampled_from([[1, 2], 5, "text", None]))
            lines.append(Line(json.dumps(value), bad="not"))
        elif kind == "broken":
            lines.append(Line("#" + draw(_text()), bad="not"))
        elif kind == "blank":
            lines.append(Line(draw(st.sampled_from(["", "  "])), blank=True))
        else:
            word = {"time": "timestamp", "handle": "competitor"}
            lines.append(Line(json.dumps(rec), bad=word.get(kind, kind)))
    gen.lines = draw(st.permutations(lines))
    gen.endings = [draw(st.sampled_from(["\n", "\r\n"])) for _ in range(len(gen.lines))]
    return gen


def _expected_whole_file_error(gen: Generated) -> str | None:
    if gen.fmt == "csv":
        return None
    first = next((line.text.strip() for line in gen.lines if line.text.strip()), None)
    if first is None:
        return "is empty"
    return None if first.startswith("{") else "is neither CSV"


@FUZZ
@given(st.one_of(csv_files(), jsonl_files()))
def test_the_importer_accounts_for_every_line(gen):
    with tempfile.TemporaryDirectory() as folder, fresh_store() as store:
        path = Path(folder) / f"in.{gen.fmt}"
        path.write_text(gen.data(), encoding="utf-8", newline="")
        before = contents(store)
        whole = _expected_whole_file_error(gen)
        try:
            report = import_file(store, path)
        except ImportFileError as exc:
            assert whole is not None and whole in str(exc), exc
            assert str(exc).startswith(f"{path}: ")
            assert contents(store) == before
            return
        assert whole is None

        first = gen.first_line()
        readings: dict[tuple[str, int, int], str] = {}
        added: list[str] = []
        notes: set[tuple[int, str]] = set()
        bad: dict[int, str] = {}
        data_lines = 0
        for number, line in enumerate(gen.lines, start=first):
            data_lines += not line.blank
            if line.reading is not None:
                handle, at, n, source = line.reading
                readings.setdefault((handle, at, n), source)
                if handle not in KNOWN and handle not in added:
                    added.append(handle)
            elif line.note is not None:
                notes.add(line.note)
            elif line.bad is not None:
                bad[number] = line.bad
        goods = sum(line.reading is not None or line.note is not None for line in gen.lines)

        assert report.bad_lines + report.imported + report.annotations + report.duplicates == (
            data_lines
        )
        assert {s.line: s.reason.split(" ")[0] for s in report.skipped} == bad
        assert len(report.skipped) == len(bad)
        last = first + len(gen.lines) - 1
        assert all(first <= s.line <= last and s.reason for s in report.skipped)
        assert report.imported == len(readings) and report.annotations == len(notes)
        assert report.duplicates == goods - len(readings) - len(notes)
        assert report.competitors_added == added
        assert stored(store) == sorted(
            ((h, at, n, src) for (h, at, n), src in readings.items()),
            key=lambda r: (r[1], store.competitor_id(r[0]), r[2]),
        )
        assert {(e.at_ms, e.text) for e in store.events() if e.origin == "imported"} == notes

        after = data(store)
        again = import_file(store, path)
        assert (again.imported, again.annotations, again.competitors_added) == (0, 0, [])
        assert again.duplicates == goods
        assert [(s.line, s.reason) for s in again.skipped] == [
            (s.line, s.reason) for s in report.skipped
        ]
        assert data(store) == after


@FUZZ
@given(st.binary(max_size=600), st.sampled_from(["", "timestamp,competitor,count\n", "{}\n"]))
def test_any_bytes_at_all_give_a_report_or_an_import_file_error(data, start):
    with tempfile.TemporaryDirectory() as folder, fresh_store() as store:
        path = Path(folder) / "in.txt"
        path.write_bytes(start.encode() + data)
        before = contents(store)
        try:
            report = import_file(store, path)
        except ImportFileError as exc:
            assert str(exc).startswith(f"{path}: ")
            assert contents(store) == before
            return
        lines = len(path.read_bytes().splitlines()) + 1
        assert all(0 < s.line <= lines and s.reason for s in report.skipped)
        assert store.snapshot_count() == report.imported
        assert import_file(store, path).imported == 0


# -- the analysis ---------------------------------------------------------------------------------
MIN = 60_000


@st.composite
def glitchy_race(draw) -> tuple[Race, list[Competitor], list[Snapshot]]:
    """Readings of two or three competitors: walks with spikes, zeros, flat runs and jumps."""
    handles = ["a", "b", "c"][: draw(st.integers(2, 3))]
    snaps: list[Snapshot] = []
    sid = 0
    for handle in handles:
        n = draw(st.integers(0, 40))
        minutes = sorted(draw(st.sets(st.integers(0, 2000), min_size=n, max_size=n)))
        level = draw(st.integers(0, 3000))
        flat = 0
        for m in minutes:
            kind = draw(
                st.sampled_from(["walk", "walk", "walk", "spike", "zero", "flat", "jump", "twice"])
            )
            if flat:
                flat -= 1
            elif kind == "flat":
                flat = draw(st.integers(2, 8))
            else:
                level += draw(st.integers(-3, 25))
            if kind == "jump":
                level += draw(st.integers(-500, 5000))
            level = max(level, 0)
            count = {"spike": level * draw(st.integers(2, 50)) + 100, "zero": 0}.get(kind, level)
            flag, by = "", ""
            if draw(st.integers(0, 15)) == 0:
                flag, by = draw(st.sampled_from([FLAG_GLITCH, FLAG_OK])), BY_USER
            sid += 1
            snaps.append(Snapshot(m * MIN, handle, count, "p", flag, by, id=sid))
            if kind == "twice":  # another count at the very same moment
                sid += 1
                snaps.append(
                    Snapshot(m * MIN, handle, count + draw(st.integers(1, 9)), "p", id=sid)
                )
    levels = [s.count for s in snaps] or [1]
    milestone = draw(st.integers(1, max(levels) * 2 + 1))
    stale = draw(st.sampled_from([60, 600, 3600, 6 * 3600]))
    race = Race("fuzz", milestone, stale_after_s=stale)
    return race, [Competitor(h, h.upper(), "", i) for i, h in enumerate(handles)], snaps


def _analysed(race, comps, snaps, settled=None, series=None):
    series = series or {c.handle: Series.from_snapshots(c.handle, snaps) for c in comps}
    return analyse(race, comps, series, None, settled)


def _same(x, y) -> None:
    assert x.events == y.events
    assert x.lead_changes == y.lead_changes
    assert x.glitches == y.glitches and x.kept == y.kept and x.provisional == y.provisional
    assert x.crossings == y.crossings
    assert (x.leader, x.current_lead, x.winner, x.margin_at_finish, x.projected_winner) == (
        y.leader,
        y.current_lead,
        y.winner,
        y.margin_at_finish,
        y.projected_winner,
    )
    assert x.stats == y.stats
    assert x.clean.keys() == y.clean.keys()
    for handle in x.clean:
        assert np.array_equal(x.clean[handle][0], y.clean[handle][0])
        assert np.array_equal(x.clean[handle][1], y.clean[handle][1])


@FUZZ
@given(glitchy_race(), st.randoms(use_true_random=False))
def test_the_analysis_never_fails_and_does_not_depend_on_the_order(race_data, rnd):
    race, comps, snaps = race_data
    result = _analysed(race, comps, snaps)
    shuffled = list(snaps)
    rnd.shuffle(shuffled)
    _same(_analysed(race, comps, shuffled), result)

    # Lead changes alternate between the head-to-head pair, in time order.
    pair = {comps[0].handle, comps[1].handle}
    leaders = [c.leader for c in result.lead_changes]
    assert set(leaders) <= pair
    assert all(x != y for x, y in zip(leaders, leaders[1:], strict=False))
    moments = [c.at_ms for c in result.lead_changes]
    assert moments == sorted(set(moments))

    # Every flagged reading is a reading; with what is kept, they make up every reading.
    readings = {(s.handle, s.at_ms, s.count): s for s in snaps}
    for g in result.glitches + result.provisional:
        assert readings[(g.handle, g.at_ms, g.count)].id == g.snapshot_id
    assert {(g.handle, g.at_ms, g.count) for g in result.glitches if g.by == BY_USER} == {
        k for k, s in readings.items() if s.flag == FLAG_GLITCH
    }
    for comp in comps:
        t, c = result.clean[comp.handle]
        left = [(int(x), int(y)) for x, y in zip(t, c, strict=True)]
        out = [
            (g.at_ms, g.count)
            for g in result.glitches + result.provisional
            if g.handle == comp.handle
        ]
        every = sorted((s.at_ms, s.count) for s in snaps if s.handle == comp.handle)
        assert sorted(left + out) == every
        assert left == sorted(left)


@FUZZ
@given(glitchy_race(), st.integers(0, 2000))
def test_an_analysis_built_on_a_settled_one_equals_a_full_one(race_data, cut_minute):
    race, comps, snaps = race_data
    cut = cut_minute * MIN
    old = [s for s in snaps if s.at_ms < cut]
    new = [s for s in snaps if s.at_ms >= cut]
    earlier = _analysed(race, comps, old)
    series = {c.handle: Series.from_snapshots(c.handle, old) for c in comps}
    for handle, mask in earlier.auto.items():
        series[handle].auto = mask
    for comp in comps:
        grown = series[comp.handle].extended([s for s in new if s.handle == comp.handle])
        assert grown is not None
        series[comp.handle] = grown
    quick = _analysed(race, comps, snaps, settled_from(earlier), series)
    _same(quick, _analysed(race, comps, snaps))


@FUZZ
@given(glitchy_race(), st.randoms(use_true_random=False))
def test_a_session_that_settled_an_analysis_then_got_more_readings_analyses_like_a_full_one(
    race_data, rnd
):
    race, comps, snaps = race_data
    shuffled = list(snaps)
    rnd.shuffle(shuffled)
    first, later = shuffled[: len(shuffled) // 2], shuffled[len(shuffled) // 2 :]
    with Store.create(None, race, comps) as store:
        store.append(first)
        refresh_derived(store)
        store.append(later)  # older and newer readings alike: the store unsettles what they touch
        quick = analyse_store(store)
        full = analyse(race, store.competitors(), store.all_series())
        _same(quick, full)
        refresh_derived(store, quick)
        _same(analyse_store(store), full)
