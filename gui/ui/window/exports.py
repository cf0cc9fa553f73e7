"""File ▸ Export: pictures of the chart and window, the data as CSV or Markdown, replay clips.

Each export has a method that does the work given a target (what the tests
call) and a menu slot that asks the user first. Pictures take a moment and are
made at once; snapshot CSVs and clips run as a ``StepJob`` with a progress
dialog that can be cancelled.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, cast

from PySide6.QtCore import QObject, Slot
from PySide6.QtGui import QAction, QGuiApplication, QImage, QKeySequence
from PySide6.QtWidgets import QFileDialog, QMenu, QStatusBar, QWidget

from ... import settings
from ...core.clip_writers import ClipError, check_clip
from ...core.jobs import exports as data_exports
from ...core.steps import Steps
from .. import fmt
from ..dialogs.export import KIND_CLIP, KIND_PNG, KIND_SVG, ExportDialog
from ..dialogs.notice import notice
from ..figures.chart_figure import ChartFigure, chart_svg, dispose, render_image, save_image
from ..figures.clip import clip_steps
from ..progress import StepJob, failure_text

if TYPE_CHECKING:
    from ...session import Session
    from ..plots.race_chart import RaceChart

log = logging.getLogger(__name__)

FOLDER_KEY = "export/folder"
FILTERS = {
    ".png": "PNG images (*.png)",
    ".svg": "SVG drawings (*.svg)",
    ".csv": "CSV (*.csv)",
    ".md": "Markdown (*.md)",
    ".gif": "Animated GIF (*.gif)",
    ".mp4": "MP4 video (*.mp4)",
}


class Exports(QObject):
    """The window's export actions and what they do.

    It draws from the session and the chart it is given (what the chart shows,
    at its size), reports in the status bar, and pictures ``parent`` (the
    window) for Window as PNG.
    """

    def __init__(
        self, session: Session, chart: RaceChart, status: QStatusBar, parent: QWidget
    ) -> None:
        super().__init__(parent)
        self.setObjectName("exports")
        self.session = session
        self.chart = chart
        self.status = status
        self.last_job: StepJob | None = None

        def action(text: str, slot: object, name: str, shortcut: str = "") -> QAction:
            act = QAction(text, parent)
            act.setObjectName(name)
            if shortcut:
                act.setShortcut(QKeySequence(shortcut))
            act.triggered.connect(slot)
            return act

        self.chart_png_action = action(
            "Chart as &PNG…", self._on_chart_png, "exportChartPng", "Ctrl+Shift+E"
        )
        self.chart_svg_action = action("Chart as &SVG…", self._on_chart_svg, "exportChartSvg")
        self.window_png_action = action("&Window as PNG…", self._on_window_png, "exportWindowPng")
        self.copy_chart_action = action("&Copy Chart", self.copy_chart, "copyChart", "Ctrl+Shift+C")
        self.copy_chart_action.setToolTip("Copy the chart, as shown, to the clipboard as a picture")
        self.snapshots_action = action("S&napshots as CSV…", self._on_snapshots, "exportSnapshots")
        self.log_csv_action = action("&Log as CSV…", self._on_log_csv, "exportLogCsv")
        self.log_md_action = action("Log as &Markdown…", self._on_log_md, "exportLogMd")
        self.clip_action = action("&Replay Clip (GIF or MP4)…", self._on_clip, "exportClip")

    def dialog_parent(self) -> QWidget:
        """The window this works in (its parent: no reference of its own, so no cycle)."""
        return cast(QWidget, self.parent())

    def build_menu(self, parent: QMenu) -> QMenu:
        """The File ▸ Export submenu."""
        menu = parent.addMenu("&Export")
        menu.setObjectName("exportMenu")
        for act in (self.chart_png_action, self.chart_svg_action, self.copy_chart_action):
            menu.addAction(act)
        menu.addAction(self.window_png_action)
        menu.addSeparator()
        for act in (self.snapshots_action, self.log_csv_action, self.log_md_action):
            menu.addAction(act)
        menu.addSeparator()
        menu.addAction(self.clip_action)
        return menu

    # -- what is shown ---------------------------------------------------------------
    def _ranges(self) -> tuple[tuple[float, float], tuple[float, float]]:
        (x0, x1), (y0, y1) = self.chart.getViewBox().viewRange()
        return (x0, x1), (y0, y1)

    def _chart_px(self) -> tuple[int, int]:
        chart = self.chart
        ratio = chart.devicePixelRatioF()
        return round(chart.width() * ratio), round(chart.height() * ratio)

    def figure(self, whole: bool) -> ChartFigure:
        """An offscreen export figure of the visible range or the whole race."""
        if whole:
            return ChartFigure(self.session, log_y=self.chart.log_y)
        x_range, y_range = self._ranges()
        return ChartFigure(self.session, x_range, y_range, log_y=self.chart.log_y)

    # -- pictures --------------------------------------------------------------------
    def chart_image(self, whole: bool = False, size: tuple[int, int] | None = None) -> QImage:
        """The chart as an image; by default as big as on screen, at the screen's ratio."""
        figure = self.figure(whole)
        try:
            return render_image(figure, size or self._chart_px())
        finally:
            dispose(figure)

    def export_chart(
        self, target: Path, whole: bool = False, size: tuple[int, int] | None = None
    ) -> bool:
        """Write the chart as PNG or SVG (by the suffix); False (and a message) on failure."""
        target = Path(target)
        try:
            if target.suffix.lower() == ".svg":
                figure = self.figure(whole)
                try:
                    chart_svg(figure, size or self._screen_size(), target)
                finally:
                    dispose(figure)
            else:
                save_image(self.chart_image(whole, size), target)
        except Exception as exc:  # a full disk, or the exporter itself failing
            return self._failed("Could not export the chart", target, exc)
        self._done(f"Chart saved to {target}")
        return True

    def _screen_size(self) -> tuple[int, int]:
        chart = self.chart
        return chart.width(), chart.height()

    def export_window(self, target: Path) -> bool:
        """Write the whole window, as it looks, as a PNG."""
        target = Path(target)
        try:
            save_image(self.dialog_parent().grab().toImage(), target)
        except Exception as exc:
            return self._failed("Could not export the window", target, exc)
        self._done(f"Window saved to {target}")
        return True

    @Slot()
    def copy_chart(self) -> QImage | None:
        """Put the chart, as shown, on the clipboard; returns the image (None on failure)."""
        try:
            image = self.chart_image()
        except Exception as exc:
            log.warning("Could not copy the chart: %s", exc, exc_info=True)
            notice(self.dialog_parent(), "Could not copy the chart", failure_text(exc), warn=True)
            return None
        QGuiApplication.clipboard().setImage(image)
        self._done(f"Chart copied ({fmt.count(image.width())} × {fmt.count(image.height())} px)")
        return image

    # -- data ------------------------------------------------------------------------
    def export_snapshots(self, target: Path) -> StepJob:
        """Write every snapshot as CSV in the import format, with progress."""
        target = Path(target)
        steps = self.session.export_snapshots_steps(target)
        return self._run("Export Snapshots", "Writing snapshots", "rows", steps, target)

    def export_log(self, target: Path, kind: str) -> int | None:
        """Write every event and note of the session as CSV or Markdown."""
        s = self.session
        names = {c.handle: c.name for c in s.competitors}
        events = s.stored_events()
        target = Path(target)
        try:
            if kind == "md":
                n = data_exports.export_events_markdown(events, s.zone, names, target, s.race.title)
            else:
                n = data_exports.export_events_csv(events, s.zone, names, target)
        except OSError as exc:
            self._failed("Could not export the log", target, exc)
            return None
        self._done(f"{fmt.count(n)} events written to {target}")
        return int(n)

    # -- clips -----------------------------------------------------------------------
    def export_clip(
        self,
        target: Path,
        seconds: float,
        fps: int,
        size: tuple[int, int],
        whole: bool = True,
    ) -> StepJob | None:
        """Render a replay clip with a progress dialog; None (and a message) if it cannot be."""
        target = Path(target)
        try:
            check_clip(target, size, seconds, fps)
        except ClipError as exc:
            notice(self.dialog_parent(), "Cannot make that clip", str(exc), warn=True)
            return None
        range_ms = None
        if not whole:
            (x0, x1), _ = self._ranges()
            range_ms = (int(x0 * 1000), int(x1 * 1000))
        path = self.session.path
        if path is None:
            notice(
                self.dialog_parent(),
                "Cannot make a clip",
                "The race has no file to replay from.",
                warn=True,
            )
            return None
        steps = clip_steps(Path(path), target, size, seconds, fps, range_ms)
        return self._run("Export Replay", "Rendering the replay", "frames", steps, target)

    # -- running and reporting ---------------------------------------------------------
    def cancel_all(self) -> None:
        """Cancel running exports (the window is closing): their files are removed."""
        for job in self.dialog_parent().findChildren(StepJob):
            job.cancel()

    def _run(self, title: str, label: str, unit: str, steps: Steps, target: Path) -> StepJob:
        job = StepJob(self.dialog_parent(), title, label, unit, steps)
        job.setProperty("target", str(target))
        job.finished.connect(self._on_job_finished)
        job.failed.connect(self._on_job_failed)
        job.cancelled.connect(self._on_job_cancelled)
        self.last_job = job
        return job.start()

    @Slot(object)
    def _on_job_finished(self, result: object) -> None:
        target = self.sender().property("target")
        unit = "frames" if Path(target).suffix.lower() in (".gif", ".mp4") else "snapshots"
        self._done(f"{fmt.count(int(result))} {unit} written to {target}")  # type: ignore[call-overload]

    @Slot(str)
    def _on_job_failed(self, message: str) -> None:
        target = self.sender().property("target")
        notice(self.dialog_parent(), "Export failed", f"{target}\n\n{message}", warn=True)

    @Slot()
    def _on_job_cancelled(self) -> None:
        target = self.sender().property("target")
        self.status.showMessage(f"Export cancelled; {target} was not written", 6000)

    def _failed(self, title: str, target: Path, exc: Exception) -> bool:
        log.warning("%s: %s: %s", title, target, exc, exc_info=not isinstance(exc, OSError))
        notice(self.dialog_parent(), title, f"{target}\n\n{failure_text(exc)}", warn=True)
        return False

    def _done(self, message: str) -> None:
        self.status.showMessage(message, 6000)

    # -- menu slots: ask, then do --------------------------------------------------------
    def _ask_target(self, title: str, suffix: str, what: str) -> Path | None:
        folder = str(settings.settings().value(FOLDER_KEY, "") or "")
        path = self.session.path
        stem = Path(path).stem if path else "race"
        start = str(Path(folder) / f"{stem} {what}{suffix}") if folder else f"{stem} {what}{suffix}"
        name, _ = QFileDialog.getSaveFileName(
            self.dialog_parent(), title, start, f"{FILTERS[suffix]};;All files (*)"
        )
        if not name:
            return None
        target = Path(name)
        if not target.suffix:
            target = target.with_suffix(suffix)
        settings.settings().setValue(FOLDER_KEY, str(target.parent))
        return target

    def _options(self, kind: str) -> ExportDialog | None:
        (x0, x1), _ = self._ranges()
        zone = self.session.zone
        visible = (
            f"{fmt.local(int(x0 * 1000), zone, '%d %b %H:%M')} – "
            f"{fmt.local(int(x1 * 1000), zone, '%d %b %H:%M')}"
        )
        span = self.session.time_span()
        whole = "no readings yet"
        if span is not None:
            whole = (
                f"{fmt.local(span[0], zone, '%d %b %H:%M')} – "
                f"{fmt.local(span[1], zone, '%d %b %H:%M')}"
            )
        screen = self._chart_px() if kind == KIND_PNG else self._screen_size()
        dialog = ExportDialog(kind, visible, whole, screen, self.dialog_parent())
        if kind == KIND_CLIP:
            dialog.whole.setChecked(True)
        return dialog if dialog.exec() else None

    @Slot()
    def _on_chart_png(self) -> None:
        dialog = self._options(KIND_PNG)
        if dialog is not None and (target := self._ask_target("Export Chart", ".png", "chart")):
            self.export_chart(target, dialog.whole_race(), dialog.pixel_size())

    @Slot()
    def _on_chart_svg(self) -> None:
        dialog = self._options(KIND_SVG)
        if dialog is not None and (target := self._ask_target("Export Chart", ".svg", "chart")):
            self.export_chart(target, dialog.whole_race(), dialog.pixel_size())

    @Slot()
    def _on_window_png(self) -> None:
        if target := self._ask_target("Export Window", ".png", "window"):
            self.export_window(target)

    @Slot()
    def _on_snapshots(self) -> None:
        if target := self._ask_target("Export Snapshots", ".csv", "snapshots"):
            self.export_snapshots(target)

    @Slot()
    def _on_log_csv(self) -> None:
        if target := self._ask_target("Export Log", ".csv", "log"):
            self.export_log(target, "csv")

    @Slot()
    def _on_log_md(self) -> None:
        if target := self._ask_target("Export Log", ".md", "log"):
            self.export_log(target, "md")

    @Slot()
    def _on_clip(self) -> None:
        dialog = self._options(KIND_CLIP)
        if dialog is None:
            return
        target = self._ask_target("Export Replay", dialog.suffix(), "replay")
        size = dialog.pixel_size()
        if target and size:
            self.export_clip(target, dialog.seconds(), dialog.fps(), size, dialog.whole_race())
