"""File ▸ Export from the window: chart and window pictures, the clipboard, CSVs, replay clips."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PIL import Image
from PySide6.QtGui import QGuiApplication, QImage
from PySide6.QtWidgets import QPushButton

from photofinish.core.jobs.imports import import_file
from photofinish.core.store import Store
from photofinish.ui.figures.chart_figure import (
    LEGIBLE_WIDTH,
    ChartFigure,
    dispose,
    figure_scale,
    render_image,
)
from tests.stored import stored

SVG = "{http://www.w3.org/2000/svg}"
AT_FINISH = (1239922800.0, 1239950000.0)  # 16 Apr 2009 23:00 UTC to 17 Apr 06:33 UTC


def colours_in(image: QImage) -> set[int]:
    """The colours on a coarse grid of the image."""
    return {
        image.pixel(x, y) for y in range(0, image.height(), 7) for x in range(0, image.width(), 7)
    }


def rgb_of(hex_colour: str) -> tuple[int, int, int]:
    h = hex_colour.lstrip("#")
    return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)


def has_colour(image: QImage, hex_colour: str, tolerance: int = 40) -> bool:
    """Whether a colour close to ``hex_colour`` appears on the image."""
    r0, g0, b0 = rgb_of(hex_colour)
    for value in colours_in(image):
        r, g, b = (value >> 16) & 255, (value >> 8) & 255, value & 255
        if abs(r - r0) + abs(g - g0) + abs(b - b0) <= tolerance:
            return True
    return False


def no_temporary_files(folder: Path) -> bool:
    return not [p for p in folder.iterdir() if p.name.startswith(".")]


def test_the_export_menu_lists_every_export(window):
    menu = window.findChild(type(window.menuBar().actions()[0].menu()), "exportMenu")
    texts = [a.text().replace("&", "") for a in menu.actions() if not a.isSeparator()]
    assert texts == [
        "Chart as PNG…",
        "Chart as SVG…",
        "Copy Chart",
        "Window as PNG…",
        "Snapshots as CSV…",
        "Log as CSV…",
        "Log as Markdown…",
        "Replay Clip (GIF or MP4)…",
    ]
    assert window.exports.copy_chart_action.shortcut().toString() == "Ctrl+Shift+C"
    assert window.exports.chart_png_action.shortcut().toString() == "Ctrl+Shift+E"


def test_chart_png_as_on_screen_is_the_chart_size_at_the_screen_ratio(window, tmp_path):
    out = tmp_path / "chart.png"
    assert window.exports.export_chart(out)
    image = QImage(str(out))
    ratio = window.chart.devicePixelRatioF()
    assert (image.width(), image.height()) == (
        round(window.chart.width() * ratio),
        round(window.chart.height() * ratio),
    )
    assert len(colours_in(image)) > 20
    for comp in window.session.competitors[:2]:
        assert has_colour(image, comp.colour), comp.handle
    assert "Chart saved to" in window.statusBar().currentMessage()
    assert no_temporary_files(tmp_path)


@pytest.mark.parametrize("size", [(800, 450), (1200, 675), (2400, 1350)])
def test_chart_png_at_a_chosen_size(window, tmp_path, size):
    out = tmp_path / "chart.png"
    assert window.exports.export_chart(out, whole=True, size=size)
    image = QImage(str(out))
    assert (image.width(), image.height()) == size
    assert len(colours_in(image)) > 20


def test_a_big_picture_is_laid_out_legibly_and_drawn_at_a_higher_ratio():
    assert figure_scale((2400, 1350)) == 2.0
    assert figure_scale((LEGIBLE_WIDTH, 675)) == 1.0
    assert figure_scale((800, 450)) == 1.0
    assert figure_scale((640, 360), min_width=800) == 0.8


def test_the_figure_carries_title_names_zone_and_credit(window):
    s = window.session
    figure = ChartFigure(s, AT_FINISH)
    try:
        render_image(figure, (1200, 675))
        title = figure.getPlotItem().titleLabel.item.toPlainText()
        footer = figure.footer.item.toPlainText()
    finally:
        dispose(figure)
    assert s.race.title in title
    for comp in s.competitors[:2]:
        assert f"{comp.name} (@{comp.handle})" in title
    assert "America/Los_Angeles (PDT)" in footer
    assert "Photo Finish" in footer


def test_hostile_names_stay_plain_text_in_the_figure(window):
    s = window.session
    race = s.race
    comps = list(s.competitors)
    from dataclasses import replace

    comps[0] = replace(comps[0], name="<b>Bold</b> & <i>co</i>")
    s.update_race(replace(race, title="<script>x</script> race"), comps)
    figure = ChartFigure(s, AT_FINISH)
    try:
        title = figure.getPlotItem().titleLabel.item.toPlainText()
    finally:
        dispose(figure)
    assert "<script>x</script> race" in title
    assert "<b>Bold</b> & <i>co</i>" in title


def test_visible_range_or_whole_race(window, tmp_path):
    window.chart.show_range(int(AT_FINISH[0] * 1000), int(AT_FINISH[1] * 1000))
    visible = window.exports.figure(whole=False)
    whole = window.exports.figure(whole=True)
    try:
        (vx0, vx1), _ = visible.getViewBox().viewRange()
        (wx0, wx1), _ = whole.getViewBox().viewRange()
    finally:
        dispose(visible)
        dispose(whole)
    assert (vx0, vx1) == pytest.approx(window.chart.getViewBox().viewRange()[0])
    span = window.session.time_span()
    assert wx0 <= span[0] / 1000 and wx1 >= span[1] / 1000
    assert wx1 - wx0 > 10 * (vx1 - vx0)


def test_chart_svg_parses_and_holds_both_series(window, tmp_path):
    out = tmp_path / "chart.svg"
    assert window.exports.export_chart(out, whole=True, size=(1200, 675))
    root = ET.parse(out).getroot()
    assert root.tag == f"{SVG}svg"
    texts = " ".join(t.text or "" for t in root.iter(f"{SVG}text"))
    assert window.session.race.title.split(":")[0] in texts
    assert "Photo Finish" in texts
    for comp in window.session.competitors[:2]:
        segments = [
            line
            for group in root.iter(f"{SVG}g")
            if (group.get("stroke") or "").lower() == comp.colour.lower()
            for line in group
            if line.tag in (f"{SVG}polyline", f"{SVG}path")
        ]
        # One segment per step between the readings on the chart, give or take.
        readings = len(window.session.analysis.clean[comp.handle][0])
        assert len(segments) > 0.5 * readings, comp.handle
    assert no_temporary_files(tmp_path)


def test_window_png_is_the_window_as_it_looks(window, tmp_path):
    out = tmp_path / "window.png"
    assert window.exports.export_window(out)
    image = QImage(str(out))
    ratio = window.devicePixelRatioF()
    assert (image.width(), image.height()) == (
        round(window.width() * ratio),
        round(window.height() * ratio),
    )
    assert len(colours_in(image)) > 20


def test_copy_chart_puts_the_picture_on_the_clipboard(window):
    QGuiApplication.clipboard().clear()
    image = window.exports.copy_chart()
    pasted = QGuiApplication.clipboard().image()
    assert not pasted.isNull()
    assert (pasted.width(), pasted.height()) == (image.width(), image.height())
    assert "Chart copied" in window.statusBar().currentMessage()


def test_an_unwritable_target_gives_a_message_and_leaves_nothing(window, tmp_path, monkeypatch):
    shown = []
    monkeypatch.setattr(
        "photofinish.ui.window.exports.notice",
        lambda parent, title, text, warn=False: shown.append(text),
    )
    missing = tmp_path / "no such folder" / "chart.png"
    assert not window.exports.export_chart(missing)
    assert shown and "no such folder" in shown[0]
    assert not missing.exists()

    def full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("photofinish.core.atomic.os.replace", full)
    out = tmp_path / "chart.svg"
    assert not window.exports.export_chart(out)
    assert "No space left on device" in shown[-1]
    assert not out.exists() and no_temporary_files(tmp_path)


def wait_for_job(qtbot, job, signal: str = "finished"):
    with qtbot.waitSignal(getattr(job, signal), timeout=60_000) as blocker:
        pass
    return blocker.args


def test_snapshots_csv_round_trips(window, qtbot, tmp_path):
    out = tmp_path / "snapshots.csv"
    job = window.exports.export_snapshots(out)
    with qtbot.waitSignal(job.finished, timeout=30_000) as blocker:
        pass
    with stored(window.session) as store:
        count = store.snapshot_count()
        before = [(s.at_ms, s.handle, s.count, s.source) for s in store.snapshots()]
    assert blocker.args == [count]
    assert "snapshots written" in window.statusBar().currentMessage()
    copy = Store.create(tmp_path / "again.db", window.session.race, [])
    try:
        report = import_file(copy, out)
        assert report.imported == count and not report.skipped
        after = [(s.at_ms, s.handle, s.count, s.source) for s in copy.snapshots()]
        assert sorted(after) == sorted(before)
    finally:
        copy.close()


def test_a_clip_from_the_window_has_the_frames_and_size_asked(window, qtbot, tmp_path):
    out = tmp_path / "replay.gif"
    job = window.exports.export_clip(out, seconds=2, fps=5, size=(640, 360), whole=True)
    assert job is not None
    with qtbot.waitSignal(job.finished, timeout=60_000) as blocker:
        pass
    assert blocker.args == [10]
    with Image.open(out) as gif:
        assert gif.n_frames == 10
        assert gif.size == (640, 360)
    assert no_temporary_files(tmp_path)
    # The window's own view was not moved by the replay.
    assert window.session.as_of_ms is None


def test_the_window_stays_responsive_while_a_clip_renders(window, qtbot, tmp_path):
    out = tmp_path / "replay.gif"
    ticks = []
    from PySide6.QtCore import QTimer

    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start(20)
    job = window.exports.export_clip(out, seconds=10, fps=20, size=(640, 360))
    with qtbot.waitSignal(job.finished, timeout=60_000):
        pass
    timer.stop()
    # Frames are rendered in slices between events: a 20 ms timer kept firing.
    assert len(ticks) >= 5


def test_a_cancelled_clip_leaves_nothing_behind(window, qtbot, tmp_path):
    out = tmp_path / "replay.gif"
    job = window.exports.export_clip(out, seconds=10, fps=20, size=(640, 360))
    progress = job.dialog
    qtbot.waitUntil(lambda: progress.value() >= 3, timeout=30_000)
    with qtbot.waitSignal(job.cancelled, timeout=10_000):
        progress.findChild(QPushButton).click()  # the dialog's Cancel button
    assert not out.exists()
    assert no_temporary_files(tmp_path)
    assert "cancelled" in window.statusBar().currentMessage()


def test_a_cancelled_mp4_stops_ffmpeg_and_leaves_nothing(window, qtbot, tmp_path):
    out = tmp_path / "replay.mp4"
    job = window.exports.export_clip(out, seconds=10, fps=20, size=(640, 360))
    assert job is not None
    qtbot.waitUntil(lambda: job.dialog.value() >= 3, timeout=30_000)
    with qtbot.waitSignal(job.cancelled, timeout=10_000):
        job.dialog.findChild(QPushButton).click()
    assert not out.exists()
    assert no_temporary_files(tmp_path)


def test_an_impossible_clip_is_refused_with_a_reason(window, tmp_path, monkeypatch):
    shown = []
    monkeypatch.setattr(
        "photofinish.ui.window.exports.notice",
        lambda parent, title, text, warn=False: shown.append(text),
    )
    assert window.exports.export_clip(tmp_path / "x.avi", 2, 10, (640, 360)) is None
    assert ".gif or .mp4" in shown[-1]
    monkeypatch.setattr("photofinish.core.clip_writers.find_ffmpeg", lambda: None)
    assert window.exports.export_clip(tmp_path / "x.mp4", 2, 10, (640, 360)) is None
    assert "ffmpeg" in shown[-1]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["race.db"]


def test_the_export_dialog_offers_range_and_size(window, qtbot):
    from photofinish.ui.dialogs.export import KIND_CLIP, KIND_PNG, ExportDialog

    dialog = ExportDialog(KIND_PNG, "a – b", "c – d", (1000, 500), window)
    qtbot.addWidget(dialog)
    assert dialog.pixel_size() is None and not dialog.whole_race()
    assert not dialog.width_box.isEnabled()
    dialog.custom.setChecked(True)
    dialog.width_box.setValue(1500)
    dialog.height_box.setValue(900)
    dialog.whole.setChecked(True)
    assert dialog.pixel_size() == (1500, 900) and dialog.whole_race()

    clip_dialog = ExportDialog(KIND_CLIP, "a – b", "c – d", (1000, 500), window)
    qtbot.addWidget(clip_dialog)
    assert clip_dialog.pixel_size() == (800, 450)
    assert clip_dialog.seconds() == 10 and clip_dialog.fps() == 20
    assert clip_dialog.suffix() == ".gif"
    clip_dialog.format_box.setCurrentIndex(1)
    assert clip_dialog.suffix() == ".mp4"


def test_every_export_runs_from_its_menu_item(window, qtbot, tmp_path, monkeypatch):
    """The menu path: options dialog (accepted as it opens), then the save dialog."""
    from photofinish.ui.dialogs.export import ExportDialog

    asked = []

    def save_name(parent, title, start, filters):
        asked.append((title, start))
        suffix = filters.split("*")[1].split(")")[0]
        return str(tmp_path / f"out{len(asked)}{suffix}"), filters

    monkeypatch.setattr("photofinish.ui.window.exports.QFileDialog.getSaveFileName", save_name)
    monkeypatch.setattr(ExportDialog, "exec", lambda self: 1)
    ex = window.exports
    for act in (ex.chart_png_action, ex.chart_svg_action, ex.window_png_action):
        act.trigger()
    ex.snapshots_action.trigger()
    with qtbot.waitSignal(ex.last_job.finished, timeout=30_000):
        pass
    ex.log_csv_action.trigger()
    ex.log_md_action.trigger()
    ex.clip_action.trigger()
    with qtbot.waitSignal(ex.last_job.finished, timeout=60_000):
        pass
    names = sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("out"))
    assert names == [
        "out1.png",
        "out2.svg",
        "out3.png",
        "out4.csv",
        "out5.csv",
        "out6.md",
        "out7.gif",
    ]
    assert asked[0] == ("Export Chart", "race chart.png")
    with Image.open(tmp_path / "out7.gif") as gif:
        assert gif.n_frames == 200 and gif.size == (800, 450)
    assert (tmp_path / "out6.md").read_text(encoding="utf-8").startswith("# Kutcher vs CNN")


def test_a_disposed_figure_no_longer_follows_the_window_session(window, qtbot):
    # Copy Chart during a replay: the replay's next tick must not reach the closed figure.
    window.exports.copy_chart()
    span = window.session.time_span()
    for at in (span[1] - 3_600_000, span[1] - 1_800_000, span[1]):
        window.session.set_as_of(at)
        qtbot.wait(5)
    assert window.session.as_of_ms == span[1]


def test_svg_keeps_the_detail_of_times_and_counts(window, tmp_path):
    # Over an 8-hour stretch, a series drawn in absolute seconds and counts came
    # out as a staircase of a few x values; relative to the corner it keeps them.
    window.chart.show_range(int(AT_FINISH[0] * 1000), int(AT_FINISH[1] * 1000))
    out = tmp_path / "finish.svg"
    assert window.exports.export_chart(out, size=(1200, 675))
    root = ET.parse(out).getroot()
    colour = window.session.competitors[0].colour.lower()
    xs, ys = set(), set()
    segments = 0
    for group in root.iter(f"{SVG}g"):
        if (group.get("stroke") or "").lower() != colour:
            continue
        for line in group.iter(f"{SVG}polyline"):
            for pair in (line.get("points") or "").split():
                x, y = pair.split(",")
                xs.add(round(float(x), 1))
                ys.add(round(float(y), 1))
            segments += 1
    assert segments > 200
    assert len(xs) > 0.8 * segments and len(ys) > 0.3 * segments
    assert root.get("width") == "1200px" and root.get("height") == "675px"


def test_svg_bigger_than_legible_keeps_the_layout_and_takes_the_size(window, tmp_path):
    out = tmp_path / "big.svg"
    assert window.exports.export_chart(out, whole=True, size=(2400, 1350))
    root = ET.parse(out).getroot()
    assert (root.get("width"), root.get("height")) == ("2400px", "1350px")
    assert root.get("viewBox", "").split()[2:] == ["1200", "675"]


def test_hostile_legend_and_colours_stay_plain(window):
    from dataclasses import replace

    s = window.session
    comps = list(s.competitors)
    comps[0] = replace(comps[0], name="<span style='font-size:40pt'>BIG</span>")
    comps[1] = replace(comps[1], colour="#ff0000; background: black")
    s.update_race(s.race, comps)
    labels = [label.item.toPlainText() for _, label in window.chart.legend.items]
    assert any("<span style='font-size:40pt'>BIG</span>" in text for text in labels)
    card = window.scoreboard.cards[1]
    assert "background: black" not in card.styleSheet()
    assert "background: black" not in card.name.styleSheet()


def test_an_exporter_failure_is_a_message_not_a_traceback(window, tmp_path, monkeypatch):
    shown = []
    monkeypatch.setattr(
        "photofinish.ui.window.exports.notice",
        lambda parent, title, text, warn=False: shown.append(text),
    )

    def broken(*args, **kwargs):
        raise ValueError("not enough values to unpack")

    monkeypatch.setattr("photofinish.ui.window.exports.chart_svg", broken)
    out = tmp_path / "chart.svg"
    assert not window.exports.export_chart(out)
    assert "ValueError: not enough values to unpack" in shown[-1]
    assert not out.exists() and no_temporary_files(tmp_path)


def test_closing_the_window_mid_clip_cancels_it(window, qtbot, tmp_path):
    out = tmp_path / "replay.mp4"
    job = window.exports.export_clip(out, seconds=20, fps=20, size=(640, 360))
    qtbot.waitUntil(lambda: job.dialog.value() >= 3, timeout=30_000)
    with qtbot.waitSignal(job.cancelled, timeout=10_000):
        window.close()
    assert not out.exists()
    assert no_temporary_files(tmp_path)


def test_the_gif_background_stays_white(window, qtbot, tmp_path):
    out = tmp_path / "replay.gif"
    job = window.exports.export_clip(out, seconds=1, fps=5, size=(640, 360))
    with qtbot.waitSignal(job.finished, timeout=60_000):
        pass
    with Image.open(out) as gif:
        assert gif.convert("RGB").getpixel((320, 3)) == (255, 255, 255)
