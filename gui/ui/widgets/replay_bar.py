"""Replay controls: play/pause, speed, and a seek slider with time labels."""

from __future__ import annotations

from PySide6.QtCore import QElapsedTimer, Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QSlider,
    QStyle,
    QToolButton,
    QWidget,
)

from ...session import Session
from .. import fmt, theme

TICK_MS = 40
SLIDER_STEPS = 10_000
# (label, speed multiplier or None, seconds to fit the rest of the race into)
SPEEDS: list[tuple[str, float | None, float | None]] = [
    ("1×", 1, None),
    ("10×", 10, None),
    ("60×", 60, None),
    ("250×", 250, None),
    ("600×", 600, None),
    ("3600×", 3600, None),
    ("Fit into 30 s", None, 30),
    ("Fit into 60 s", None, 60),
    ("Fit into 3 min", None, 180),
]
DEFAULT_SPEED = 250
DEMO_LEAD_IN_MS = 6 * 3_600_000

DEMO_SECONDS_TO_FINISH = 90


def speed_label(label: str, speed: float | None) -> str:
    """A speed as the box shows it, with the locale's separators: "3,600×"."""
    return label if speed is None else f"{fmt.count(speed)}×"


def replay_plan(session: Session) -> tuple[int, float] | None:
    """Where a replay starts and how fast it runs: the final stretch, crossing after ~90 s."""
    span = session.time_span()
    if span is None:
        return None
    analysis = session.complete_analysis()
    pair = [c.handle for c in session.competitors[:2]]
    crossings = [analysis.crossings[h].at_ms for h in pair if h in analysis.crossings]
    target = min(crossings) if crossings else span[1]
    start = max(span[0], target - DEMO_LEAD_IN_MS)
    speed = max((target - start) / (DEMO_SECONDS_TO_FINISH * 1000), 1.0)
    return start, speed


class Replayer:
    """The clock of a replay: moves the session's as-of time forward at a speed."""

    def __init__(self, session: Session) -> None:
        self.session = session
        span = session.time_span() or (0, 0)
        self.start_ms, self.end_ms = span
        self.position_ms = self.end_ms
        self.speed = float(DEFAULT_SPEED)
        self.playing = False

    def follow_span(self) -> bool:
        """Take in readings that arrived since (live sources); True when the span changed."""
        span = self.session.time_span() or (0, 0)
        if span == (self.start_ms, self.end_ms):
            return False
        self.start_ms, self.end_ms = span
        if self.session.as_of_ms is None:
            self.position_ms = self.end_ms
        return True

    def seek(self, at_ms: int) -> None:
        """Jump to a moment."""
        self.position_ms = max(self.start_ms, min(int(at_ms), self.end_ms))
        self.session.set_as_of(self.position_ms)

    def advance(self, wall_ms: float) -> bool:
        """Move on by wall-clock milliseconds at the current speed; False at the end."""
        if self.position_ms >= self.end_ms:
            return False
        self.seek(self.position_ms + round(wall_ms * self.speed))
        return self.position_ms < self.end_ms

    def fit(self, seconds: float) -> None:
        """Choose the speed that plays the rest of the race in so many seconds."""
        remaining = max(self.end_ms - self.position_ms, 1)
        self.speed = remaining / (seconds * 1000)


class ReplayBar(QWidget):
    """Controls for a replay; its timer drives the :class:`Replayer`."""

    playing_changed = Signal(bool)
    speed_changed = Signal(float)  # the speed the replay runs at (from the box or set_speed)

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.replayer = Replayer(session)
        self.timer = QTimer(self)
        self.timer.setInterval(TICK_MS)
        self.timer.timeout.connect(self._on_timer_timeout)
        self.clock = QElapsedTimer()

        self.play_button = QToolButton()
        self.play_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.play_button.setMinimumWidth(64)
        self.play_button.setObjectName("playButton")
        self.play_button.clicked.connect(self.toggle)
        self.speed_box = QComboBox()
        self.speed_box.setObjectName("speedBox")
        for label, speed, _ in SPEEDS:
            self.speed_box.addItem(speed_label(label, speed))
        self.speed_box.setCurrentIndex([s[1] for s in SPEEDS].index(DEFAULT_SPEED))
        self.speed_box.setAccessibleName("Replay speed")
        self.speed_box.setToolTip(
            "How fast the replay runs: 250× plays 250 seconds of the race each second; "
            "“Fit into” plays the rest of the race in that time (faster Ctrl+], slower Ctrl+[)"
        )
        self.speed_box.currentIndexChanged.connect(self._on_speed_box_changed)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setObjectName("seekSlider")
        self.slider.setRange(0, SLIDER_STEPS)
        # The keyboard moves by 1% (arrows) and 10% (Page Up/Down) of the race.
        self.slider.setSingleStep(SLIDER_STEPS // 100)
        self.slider.setPageStep(SLIDER_STEPS // 10)
        self.slider.setAccessibleName("Replay position")
        self.slider.setToolTip(
            "The moment the window shows: drag it, or use the arrow keys, Page Up/Down, "
            "Home and End, to go to another moment of the race (Ctrl+Home restarts the replay)"
        )
        self.slider.sliderMoved.connect(self._on_slider_moved)
        self.slider.valueChanged.connect(self._on_slider_value_changed)
        self.start_label = QLabel(fmt.local(self.replayer.start_ms, session.zone, "%d %b %H:%M"))
        self.end_label = QLabel(fmt.local(self.replayer.end_ms, session.zone, "%d %b %H:%M"))
        self.now_label = QLabel()
        self.now_label.setStyleSheet("font-weight: bold;")
        self.now_label.setMinimumWidth(190)
        for edge in (self.start_label, self.end_label):
            theme.mute(edge)
        self._label_times()

        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 2, 8, 4)
        layout.addWidget(self.play_button)
        layout.addWidget(self.speed_box)
        layout.addWidget(self.now_label)
        layout.addWidget(self.start_label)
        layout.addWidget(self.slider, 1)
        layout.addWidget(self.end_label)
        session.as_of_changed.connect(self._sync)
        session.analysis_changed.connect(self._on_session_analysis_changed)
        session.race_changed.connect(self._show_span)
        self._sync()
        self._show_play_state()

    # -- control ---------------------------------------------------------------------------
    def play(self) -> None:
        """Start (or resume) the replay; from the start when at the end."""
        if self.replayer.position_ms >= self.replayer.end_ms:
            self.replayer.seek(self.replayer.start_ms)
        self.replayer.playing = True
        self.clock.start()
        self.timer.start()
        self._show_play_state()
        self.playing_changed.emit(True)

    def pause(self) -> None:
        """Stop where it is."""
        self.replayer.playing = False
        self.timer.stop()
        self._show_play_state()
        self.playing_changed.emit(False)

    @Slot()
    def toggle(self) -> None:
        """Play or pause."""
        if self.replayer.playing:
            self.pause()
        else:
            self.play()

    def set_speed(self, speed: float) -> None:
        """Set the speed multiplier; the box shows it, as one of its own or on a line of its own."""
        self.replayer.speed = speed
        shown = speed_label("", speed)
        box = self.speed_box
        box.blockSignals(True)  # the box follows the speed; it must not set one itself
        try:
            index = box.findText(shown)
            if index < 0:  # a speed of its own (the demo's, to reach the finish in time)
                if box.count() > len(SPEEDS):
                    box.removeItem(len(SPEEDS))
                box.addItem(shown)
                index = len(SPEEDS)
            box.setCurrentIndex(index)
        finally:
            box.blockSignals(False)
        self.speed_changed.emit(speed)

    def change_speed(self, step: int) -> None:
        """Step through the fixed speeds (faster: +1, slower: -1)."""
        fixed = [i for i, s in enumerate(SPEEDS) if s[1] is not None]
        current = self.speed_box.currentIndex()
        if current not in fixed:  # from a speed of its own: the nearest fixed one that way
            speed = self.replayer.speed
            faster = [i for i in fixed if (SPEEDS[i][1] or 0) > speed]
            slower = [i for i in fixed if (SPEEDS[i][1] or 0) < speed]
            pick = (faster[:1] if step > 0 else slower[-1:]) or [fixed[0 if step < 0 else -1]]
            self.speed_box.setCurrentIndex(pick[0])
            return
        pos = max(0, min(len(fixed) - 1, fixed.index(current) + step))
        self.speed_box.setCurrentIndex(fixed[pos])

    @Slot()
    def faster(self) -> None:
        """The next faster of the fixed speeds."""
        self.change_speed(1)

    @Slot()
    def slower(self) -> None:
        """The next slower of the fixed speeds."""
        self.change_speed(-1)

    # -- internals ---------------------------------------------------------------------------
    @Slot()
    def _on_timer_timeout(self) -> None:
        elapsed = self.clock.restart()
        if not self.replayer.advance(elapsed):
            self.pause()

    @Slot(int)
    def _on_speed_box_changed(self, index: int) -> None:
        if index >= len(SPEEDS):  # the speed of its own, chosen again: it stays
            return
        _, speed, seconds = SPEEDS[index]
        if speed is not None:
            self.replayer.speed = float(speed)
        elif seconds is not None:
            self.replayer.fit(seconds)
        self.speed_changed.emit(self.replayer.speed)

    @Slot(int)
    def _on_slider_moved(self, value: int) -> None:
        r = self.replayer
        r.seek(r.start_ms + round((r.end_ms - r.start_ms) * value / SLIDER_STEPS))

    @Slot(int)
    def _on_slider_value_changed(self, value: int) -> None:
        """The keyboard (or a click on the groove) moved the slider: go there."""
        if not self.slider.isSliderDown():  # a drag seeks through sliderMoved
            self._on_slider_moved(value)

    def _label_times(self) -> None:
        """Tooltips with the exact start, end and zone (the labels abbreviate them)."""
        r, zone = self.replayer, self.session.zone
        self.start_label.setToolTip(f"The first reading: {fmt.exact(r.start_ms, zone)}")
        self.end_label.setToolTip(f"The last reading: {fmt.exact(r.end_ms, zone)}")
        self.now_label.setToolTip(
            "The moment the window shows, in "
            f"{fmt.zone_caption(r.position_ms, zone)}; every figure is as of then"
        )

    @Slot()
    def _on_session_analysis_changed(self) -> None:
        if self.replayer.follow_span():
            self._show_span()

    @Slot()
    def _show_span(self) -> None:
        """The first and last reading's times, in the race's zone (which may have changed)."""
        zone = self.session.zone
        self.start_label.setText(fmt.local(self.replayer.start_ms, zone, "%d %b %H:%M"))
        self.end_label.setText(fmt.local(self.replayer.end_ms, zone, "%d %b %H:%M"))
        self._label_times()
        self.now_label.clear()  # shown again in the zone by _sync
        self._sync()

    @Slot()
    def _sync(self) -> None:
        r = self.replayer
        at = self.session.as_of_ms
        if at is not None:
            r.position_ms = at
        shown = r.position_ms
        now_text = fmt.local(shown, self.session.zone, "%a %d %b %H:%M")
        if now_text != self.now_label.text():
            self.now_label.setText(now_text)
            self.slider.setAccessibleDescription(now_text)
        span = max(r.end_ms - r.start_ms, 1)
        if not self.slider.isSliderDown():
            self.slider.blockSignals(True)
            self.slider.setValue(round((shown - r.start_ms) / span * SLIDER_STEPS))
            self.slider.blockSignals(False)

    def _show_play_state(self) -> None:
        playing = self.replayer.playing
        # The style's own media icons: a font may lack the symbols (Debian's has no ⏸).
        icon = (
            QStyle.StandardPixmap.SP_MediaPause if playing else QStyle.StandardPixmap.SP_MediaPlay
        )
        self.play_button.setIcon(self.style().standardIcon(icon))
        self.play_button.setText("Pause" if playing else "Play")
        self.play_button.setAccessibleName("Pause the replay" if playing else "Play the replay")
        self.play_button.setToolTip(
            "Pause the replay (Space)"
            if playing
            else "Play the replay from the moment shown, or from the start when at the end (Space)"
        )
