"""The export options: which stretch of the race, what size, and for clips how long and as what."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ...core import clip_writers
from .. import fmt
from ..forms import hint_label, name_widget, ok_cancel_box

KIND_PNG, KIND_SVG, KIND_CLIP = "png", "svg", "clip"
TITLES = {
    KIND_PNG: "Export Chart as PNG",
    KIND_SVG: "Export Chart as SVG",
    KIND_CLIP: "Export Replay",
}
DEFAULT_CUSTOM = (1200, 675)


def _spin(
    low: int, high: int, value: int, name: str, label: str, tip: str, suffix: str = ""
) -> QSpinBox:
    box = QSpinBox()
    box.setLocale(fmt.locale())  # the same thousands separator as everywhere else
    box.setRange(low, high)
    box.setValue(value)
    box.setSuffix(suffix)
    box.setGroupSeparatorShown(True)
    name_widget(box, name, label, tip)
    return box


class ExportDialog(QDialog):
    """Options for a chart picture (PNG or SVG) or a replay clip; ``Export…`` accepts."""

    def __init__(
        self,
        kind: str,
        visible_text: str,
        whole_text: str,
        screen_px: tuple[int, int],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.kind = kind
        self.setWindowTitle(TITLES[kind])
        self.setObjectName("exportDialog")
        form = QFormLayout()

        self.visible = QRadioButton(f"What the chart shows: {visible_text}")
        self.visible.setObjectName("rangeVisible")
        self.visible.setToolTip("Export the stretch of time the chart shows now")
        self.whole = QRadioButton(f"The whole race: {whole_text}")
        self.whole.setObjectName("rangeWhole")
        self.whole.setToolTip("Export the race from its first reading to its last")
        self.visible.setChecked(True)
        ranges = QButtonGroup(self)
        ranges.addButton(self.visible)
        ranges.addButton(self.whole)
        range_box = QVBoxLayout()
        range_box.addWidget(self.visible)
        range_box.addWidget(self.whole)
        form.addRow("Range:", range_box)

        default = clip_writers.DEFAULT_SIZE if kind == KIND_CLIP else DEFAULT_CUSTOM
        if kind == KIND_SVG:
            default = screen_px
        self.width_box = _spin(
            320,
            7680,
            default[0],
            "widthBox",
            "Width in pixels",
            "Width in pixels; wider than 1,200 is drawn at a higher pixel ratio",
            " px",
        )
        self.height_box = _spin(
            200, 4320, default[1], "heightBox", "Height in pixels", "Height in pixels", " px"
        )
        custom = QHBoxLayout()
        custom.addWidget(self.width_box)
        custom.addWidget(hint_label("×"))
        custom.addWidget(self.height_box)
        custom.addStretch(1)
        self.on_screen = QRadioButton(
            f"As on screen: {fmt.count(screen_px[0])} × {fmt.count(screen_px[1])} px"
        )
        self.on_screen.setObjectName("sizeScreen")
        self.on_screen.setToolTip("The chart's size on screen, at the screen's pixel ratio")
        self.custom = QRadioButton("Custom:")
        self.custom.setObjectName("sizeCustom")
        self.custom.setToolTip("A width and height of your choosing")
        if kind == KIND_PNG:
            sizes = QButtonGroup(self)
            sizes.addButton(self.on_screen)
            sizes.addButton(self.custom)
            self.on_screen.setChecked(True)
            self.custom.toggled.connect(self._on_custom_toggled)
            self._on_custom_toggled(False)
            size_box = QVBoxLayout()
            size_box.addWidget(self.on_screen)
            row = QHBoxLayout()
            row.addWidget(self.custom)
            row.addLayout(custom, 1)
            size_box.addLayout(row)
            form.addRow("Size:", size_box)
        else:
            form.addRow("Size:", custom)

        self.format_box = QComboBox()
        self.seconds_box = _spin(
            1,
            180,
            int(clip_writers.DEFAULT_SECONDS),
            "secondsBox",
            "Length",
            "How long the clip runs, in seconds (the finish stays 3 s longer)",
            " s",
        )
        self.fps_box = _spin(
            5,
            30,
            clip_writers.DEFAULT_FPS,
            "fpsBox",
            "Frames per second",
            "Frames per second: more is smoother, and a bigger file",
            " fps",
        )
        if kind == KIND_CLIP:
            name_widget(
                self.format_box,
                "formatBox",
                "Format",
                "An animated GIF plays anywhere; an MP4 (H.264) is smaller and needs ffmpeg",
            )
            self.format_box.addItem("Animated GIF (.gif)", ".gif")
            self.format_box.addItem("MP4 video (.mp4)", ".mp4")
            if clip_writers.find_ffmpeg() is None:
                self.format_box.model().item(1).setEnabled(False)  # type: ignore[attr-defined]
                self.format_box.setToolTip("MP4 needs ffmpeg, which was not found")
            form.addRow("Format:", self.format_box)
            form.addRow("Length:", self.seconds_box)
            form.addRow("Smoothness:", self.fps_box)
            form.addRow(
                "",
                hint_label(
                    "The race replays from the start of the range to its end, with the "
                    "scoreboard above the chart; the finish stays on screen 3 s longer."
                ),
            )

        buttons, _ = ok_cancel_box(self, "Export…", "Choose where to save it", "exportButton")
        box = QVBoxLayout(self)
        box.addLayout(form)
        box.addWidget(buttons)

    def _on_custom_toggled(self, on: bool) -> None:
        self.width_box.setEnabled(on)
        self.height_box.setEnabled(on)

    def whole_race(self) -> bool:
        """Whether to export the whole race rather than the visible range."""
        return self.whole.isChecked()

    def pixel_size(self) -> tuple[int, int] | None:
        """The chosen size in pixels; None for "as on screen"."""
        if self.kind == KIND_PNG and self.on_screen.isChecked():
            return None
        return self.width_box.value(), self.height_box.value()

    def seconds(self) -> int:
        """A clip's length."""
        return self.seconds_box.value()

    def fps(self) -> int:
        """A clip's frames per second."""
        return self.fps_box.value()

    def suffix(self) -> str:
        """The clip's file suffix (".gif" or ".mp4")."""
        return str(self.format_box.currentData() or ".gif")
