"""Rebuild the bundled 2009 race (data/race-2009.db) from the reported figures.

Run: ``python data/build_sample.py [OUT.db]``. The result is the same on every
run: the reconstruction between reported figures uses a fixed random seed.
See data/NOTES.md for where each figure comes from and what was judged.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from photofinish.core.jobs.analysis import refresh_derived  # noqa: E402
from photofinish.core.model import KIND_NOTE, ORIGIN_IMPORTED, Competitor, Event, Race, Snapshot  # noqa: E402
from photofinish.core.store import Store  # noqa: E402

OUT = HERE / "race-2009.db"
SEED = 2009
MILESTONE = 1_000_000
RECONSTRUCTED = "reconstructed"


def ms(text: str) -> int:
    """UTC milliseconds for 'YYYY-MM-DD HH:MM' (UTC)."""
    dt = datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=UTC)
    return int(dt.timestamp() * 1000)


RACE = Race(
    title="Kutcher vs CNN: the race to a million followers (April 2009)",
    milestone=MILESTONE,
    platform="twitter",
    display_tz="America/Los_Angeles",
)
COMPETITORS = [
    Competitor("aplusk", "Ashton Kutcher", "#d55e00"),
    Competitor("cnnbrk", "CNN Breaking News", "#0072b2"),
    Competitor("britneyspears", "Britney Spears", "#9a9a9a"),
]

# Every published figure: (UTC, handle, count, outlet). Times given only as a
# day are placed at 16:00 UTC (midday US Eastern); see NOTES.md.
REPORTED = [
    ("2009-03-23 16:00", "cnnbrk", 614_003, "nickburcher.com"),
    ("2009-04-13 16:00", "aplusk", 842_550, "ABC News"),
    ("2009-04-14 16:00", "aplusk", 858_660, "ABC News"),
    ("2009-04-14 16:00", "cnnbrk", 921_451, "ABC News"),
    ("2009-04-15 20:00", "aplusk", 896_947, "CNN"),
    ("2009-04-15 20:00", "britneyspears", 905_640, "CNN"),
    ("2009-04-15 20:00", "cnnbrk", 937_787, "CNN"),
    ("2009-04-16 03:00", "aplusk", 910_717, "Business Insider"),
    ("2009-04-16 15:00", "aplusk", 949_000, "CNN, quoted by a blog"),
    ("2009-04-16 15:00", "cnnbrk", 964_000, "CNN, quoted by a blog"),
    ("2009-04-17 05:44", "aplusk", 998_000, "CNET live blog"),
    ("2009-04-17 05:58", "aplusk", 999_000, "CNET live blog"),
    ("2009-04-17 06:13", "aplusk", 1_000_000, "ABC News"),
    ("2009-04-17 06:13", "cnnbrk", 998_239, "ABC News"),
    ("2009-04-17 06:42", "cnnbrk", 1_000_000, "MTV News, Inquisitr"),
    ("2009-04-17 12:55", "aplusk", 1_026_651, "TVNewser"),
    ("2009-04-17 12:55", "cnnbrk", 1_010_155, "TVNewser"),
    ("2009-04-17 13:30", "aplusk", 1_029_112, "Associated Press"),
    ("2009-04-17 13:30", "cnnbrk", 1_011_617, "Associated Press"),
    ("2009-04-17 13:30", "britneyspears", 963_564, "Associated Press"),
]

# The reading Twitter's profile page showed for a moment: kept, as the glitch it was.
GLITCH = ("2009-04-17 05:32", "cnnbrk", 1_998_130, "CNET live blog (Twitter page glitch)")

# Kutcher's lead over CNN where outlets reported it (aplusk minus cnnbrk). Lead
# changes are pinned to the reported minute: the lead is a hair either side of
# zero in the minute before and the minute of the change.
LEAD_ANCHORS = [
    ("2009-04-17 01:37", -20),
    ("2009-04-17 01:38", 15),
    ("2009-04-17 02:47", 1_400),
    ("2009-04-17 03:38", 90),
    ("2009-04-17 03:49", 10),
    ("2009-04-17 03:50", -12),
    ("2009-04-17 04:12", -200),
    ("2009-04-17 04:24", -10),
    ("2009-04-17 04:25", 12),
    ("2009-04-17 04:52", 850),
    ("2009-04-17 05:25", 1_050),
    ("2009-04-17 05:58", 2_100),
]

# Where Britney Spears was when Kutcher passed her (he had 910,717).
BRITNEY_PASSED = ("2009-04-16 03:00", 910_650)

# Notes for the log, written for this project. (UTC, text, handle or None).
ANNOTATIONS = [
    (
        "2009-04-13 16:00",
        "Kutcher lays down the challenge in a Qik video: he wants to beat "
        "CNN's breaking-news feed to a million followers. He says he has 842,550.",
        "aplusk",
    ),
    (
        "2009-04-14 16:00",
        "Stakes: Kutcher pledges 10,000 mosquito nets against malaria for "
        "World Malaria Day if he wins; CNN says it will match.",
        None,
    ),
    (
        "2009-04-15 20:00",
        "Wednesday afternoon: nobody on Twitter has a million yet. CNN "
        "Breaking News is first, Britney Spears second, Kutcher third.",
        None,
    ),
    (
        "2009-04-16 03:00",
        "Kutcher, at 910,717, moves past Britney Spears into second place.",
        "aplusk",
    ),
    (
        "2009-04-16 15:00",
        "Electronic Arts promises Kutcher's millionth follower every game it "
        "ships in 2009 and a part in a future one.",
        "aplusk",
    ),
    (
        "2009-04-16 20:00",
        "A forecast made earlier on Thursday had Kutcher at a million by now "
        "(4 p.m. Eastern). He gets there about ten hours later.",
        "aplusk",
    ),
    (
        "2009-04-17 02:47",
        "TVNewser: Kutcher ahead by 1,400, just before CNN makes its pitch for followers on AC360.",
        None,
    ),
    ("2009-04-17 03:38", "TVNewser: Kutcher's lead is down to 90.", None),
    ("2009-04-17 04:12", "TVNewser: CNN Breaking News is ahead again, by 200.", "cnnbrk"),
    ("2009-04-17 04:52", "TVNewser: Kutcher back in front, by 850.", "aplusk"),
    (
        "2009-04-17 05:20",
        "Kutcher answers CNN's TV time with a live Ustream broadcast, reading "
        "followers' messages on air; Demi Moore joins him.",
        "aplusk",
    ),
    ("2009-04-17 05:25", "CNET's live blog: Kutcher leads by a little over 1,000.", None),
    (
        "2009-04-17 05:32",
        "Twitter's profile page briefly shows @cnnbrk at 1,998,130: a display "
        "glitch, not a real count.",
        "cnnbrk",
    ),
    (
        "2009-04-17 05:48",
        "CNN anchors Anderson Cooper and Erica Hill ask viewers on air to "
        "follow @cnnbrk, three times inside ten minutes.",
        "cnnbrk",
    ),
    ("2009-04-17 05:58", "CNET: Kutcher needs 1,000 more; CNN is over 2,000 behind him.", None),
    (
        "2009-04-17 06:13",
        "Kutcher is the first Twitter account with a million followers "
        "(2:13 a.m. Eastern); ABC News has CNN at 998,239.",
        "aplusk",
    ),
    (
        "2009-04-17 06:30",
        "In his victory broadcast Kutcher frames the win as one person "
        "having a voice as loud as a media network.",
        "aplusk",
    ),
    (
        "2009-04-17 06:42",
        "CNN Breaking News reaches a million too, about half an hour after "
        "Kutcher (MTV News, Inquisitr).",
        "cnnbrk",
    ),
    (
        "2009-04-17 12:55",
        "Afterwards: critics point to fake accounts created to follow Kutcher "
        "and ask what the count really measures.",
        None,
    ),
    (
        "2009-04-17 13:30",
        "The race spills into mainstream TV: Larry King has joined Twitter "
        "and Oprah Winfrey makes much of it on her show.",
        None,
    ),
]


def grid() -> np.ndarray:
    """The times of the dense reconstruction, in UTC milliseconds."""
    five = 5 * 60_000
    minute = 60_000
    parts = [
        np.arange(ms("2009-04-14 16:00"), ms("2009-04-17 00:00"), five),
        np.arange(ms("2009-04-17 00:00"), ms("2009-04-17 07:00"), minute),
        np.arange(ms("2009-04-17 07:00"), ms("2009-04-17 13:30") + 1, five),
    ]
    return np.concatenate(parts)


def monotone_through(
    times: np.ndarray, anchors: list[tuple[int, int]], rng: np.random.Generator
) -> np.ndarray:
    """A rising series through every anchor, with uneven steps between them."""
    at = np.array([a for a, _ in anchors], dtype=np.int64)
    val = np.array([v for _, v in anchors], dtype=np.float64)
    base = np.interp(times, at, val)
    out = base.copy()
    idx = np.searchsorted(times, at)
    for (i0, i1), (v0, v1) in zip(
        zip(idx[:-1], idx[1:], strict=True), zip(val[:-1], val[1:], strict=True), strict=True
    ):
        steps = np.diff(base[i0 : i1 + 1])
        weights = steps * rng.uniform(0.6, 1.4, steps.size)
        if weights.sum() > 0:
            weights *= (v1 - v0) / weights.sum()
        out[i0 + 1 : i1 + 1] = v0 + np.cumsum(weights)
    return np.floor(out + 1e-6).astype(np.int64)


def reconstruct() -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Dense series for all three accounts, through every reported figure."""
    rng = np.random.default_rng(SEED)
    times = grid()
    rep = {(h, ms(t)): c for t, h, c, _ in REPORTED}
    a_anchors = sorted((t, c) for (h, t), c in rep.items() if h == "aplusk" and t >= times[0])
    aplusk = monotone_through(times, a_anchors, rng)
    at = {int(t): int(v) for t, v in zip(times, aplusk, strict=True)}

    lead_anchors = {ms(t): float(v) for t, v in LEAD_ANCHORS}
    for (h, t), c in rep.items():
        if h == "cnnbrk" and t >= times[0]:
            lead_anchors[t] = float(at[t] - c)
    anchor_t = np.array(sorted(lead_anchors), dtype=np.int64)
    anchor_v = np.array([lead_anchors[t] for t in anchor_t])
    lead = np.interp(times, anchor_t, anchor_v)
    wiggle = np.minimum(np.abs(lead) * 0.08, 25.0) * rng.uniform(-1, 1, times.size)
    wiggle[np.isin(times, anchor_t)] = 0
    lead = np.round(lead + wiggle).astype(np.int64)
    cnn = aplusk - lead

    b_times = np.arange(ms("2009-04-15 20:00"), ms("2009-04-17 13:30") + 1, 15 * 60_000)
    b_anchors = sorted(
        [(t, c) for (h, t), c in rep.items() if h == "britneyspears"]
        + [(ms(BRITNEY_PASSED[0]), BRITNEY_PASSED[1])]
    )
    britney = monotone_through(b_times, b_anchors, rng)
    return {
        "aplusk": (times, aplusk),
        "cnnbrk": (times, cnn),
        "britneyspears": (b_times, britney),
    }


def snapshots() -> list[Snapshot]:
    """Every snapshot of the sample: reported, reconstructed and the glitch."""
    reported = {(h, ms(t)): (c, f"reported: {src}") for t, h, c, src in REPORTED}
    glitch_key = (GLITCH[1], ms(GLITCH[0]))
    out = [Snapshot(t, h, c, src) for (h, t), (c, src) in reported.items()]
    out.append(Snapshot(glitch_key[1], GLITCH[1], GLITCH[2], f"reported: {GLITCH[3]}"))
    for handle, (times, counts) in reconstruct().items():
        for t, c in zip(times.tolist(), counts.tolist(), strict=True):
            if (handle, t) in reported or (handle, t) == glitch_key:
                continue
            out.append(Snapshot(t, handle, c, RECONSTRUCTED))
    out.sort(key=lambda s: (s.at_ms, s.handle))
    return out


def check(rows: list[Snapshot]) -> None:
    """Refuse to write a sample that contradicts the reports."""
    for handle, crossed in (("aplusk", "2009-04-17 06:13"), ("cnnbrk", "2009-04-17 06:42")):
        early = [
            s
            for s in rows
            if s.handle == handle
            and s.at_ms < ms(crossed)
            and s.count >= MILESTONE
            and s.count < 1_500_000
        ]
        if early:
            raise SystemExit(f"{handle} reaches the milestone before {crossed}: {early[0]}")


def build(out: Path = OUT) -> Path:
    """Write the sample session to ``out`` (replacing it) and return the path."""
    for suffix in ("", "-wal", "-shm"):
        Path(str(out) + suffix).unlink(missing_ok=True)
    rows = snapshots()
    check(rows)
    store = Store.create(out, RACE, COMPETITORS)
    store.append(rows)
    for t, text, handle in ANNOTATIONS:
        store.add_event(
            Event(
                ms(t),
                KIND_NOTE,
                text,
                handle=handle,
                origin=ORIGIN_IMPORTED,
                key=f"sample:{ms(t)}:{handle or ''}",
            )
        )
    refresh_derived(store)
    store.db.execute("PRAGMA journal_mode = DELETE")
    store.db.execute("VACUUM")
    store.close()
    return out


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else OUT
    print(build(target))
