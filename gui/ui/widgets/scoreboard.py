"""The scoreboard across the top: each head-to-head competitor's figures and the race's state."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from PySide6.QtCore import QRectF, Qt, Slot
from PySide6.QtGui import QColor, QFocusEvent, QPainter, QPaintEvent, QPalette, QPen
from PySide6.QtWidgets import QFrame, QGridLayout, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from ...core.analysis.result import CompetitorStats, Projection
from ...core.model import Competitor
from ...session import Session
from .. import fmt, forms, theme

SOURCE_COLOURS = {"ok": "#2e7d32", "warn": "#a15c00", "error": "#b00020", "idle": "#666666"}


def source_colour(level: str) -> str:
    """A source state's colour, readable on the current scheme's cards."""
    colour = SOURCE_COLOURS.get(level, SOURCE_COLOURS["ok"])
    return theme.readable(colour, theme.current().card_bg)


# What the counts are, by platform, for the sentences a screen reader reads.
UNITS = {
    "bluesky": "followers",
    "mastodon": "followers",
    "twitter": "followers",
    "x": "followers",
    "threads": "followers",
    "instagram": "followers",
    "tiktok": "followers",
    "youtube": "subscribers",
}


def _label(object_name: str, text: str = "") -> QLabel:
    label = QLabel(text)
    label.setObjectName(object_name)
    label.setTextFormat(Qt.TextFormat.PlainText)
    return label


def count_unit(session: Session) -> str:
    """What a count counts on the race's platform ("followers"), or "" when it is not known."""
    return UNITS.get(session.race.platform.strip().casefold(), "")


def lead_changes_text(n: int) -> str:
    """The number of lead changes in words: "1 lead change", "3 lead changes"."""
    return f"{fmt.count(n)} lead change{'' if n == 1 else 's'}"


RANGE_HELP = (
    "The projected time and, after it, the range the crossing falls in 8 times out of 10, "
    "judging by how far such projections were off earlier in this race (Help ▸ Forecasts)"
)


HOUR_MS = 3600 * 1000


def eta_range(projection: Projection | None, zone: ZoneInfo, full: bool = False) -> str:
    """The 80% range of a projected crossing ("" when there is none).

    Short, for the card, with no more precision than the range has:
    "23:05–23:40" (under 12 hours: near the ETA, whose day the card shows),
    "Sat 02:00–22:00" (within a day), "Thu–Mon" (within 5 days), "16 Apr–23 Apr".
    ``full`` keeps the minutes, naming the days when they differ,
    "Thu 18:59–Mon 04:08" (or the dates), for the tooltip and the spoken card.
    """
    if projection is None or projection.eta_low_ms is None or projection.eta_high_ms is None:
        return ""
    low, high = projection.eta_low_ms, projection.eta_high_ms
    span = high - low
    if full:
        pattern = "%d %b %H:%M" if span >= 5 * 24 * HOUR_MS else "%a %H:%M"
        if fmt.clock(low, zone, "%x") == fmt.clock(high, zone, "%x"):
            pattern = "%H:%M"
        return f"{fmt.clock(low, zone, pattern)}–{fmt.clock(high, zone, pattern)}"
    if span < 12 * HOUR_MS:
        return f"{fmt.clock(low, zone)}–{fmt.clock(high, zone)}"
    if span < 24 * HOUR_MS and fmt.clock(low, zone, "%a") == fmt.clock(high, zone, "%a"):
        return f"{fmt.clock(low, zone, '%a %H:%M')}–{fmt.clock(high, zone)}"
    pattern = "%a" if span < 5 * 24 * HOUR_MS else "%d %b"
    return f"{fmt.clock(low, zone, pattern)}–{fmt.clock(high, zone, pattern)}"


class FocusFrame(QFrame):
    """A frame a keyboard user can tab to (for a screen reader), with a focus ring when there."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self._ring = False

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt naming
        """The frame, then a ring in the highlight colour while it has the focus."""
        super().paintEvent(event)
        if self._ring and self.hasFocus():
            painter = QPainter(self)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            pen = QPen(self.palette().color(QPalette.ColorRole.Highlight), 2)
            painter.setPen(pen)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(QRectF(self.rect()).adjusted(1, 1, -1, -1), 4, 4)
            painter.end()

    def focusInEvent(self, event: QFocusEvent) -> None:  # noqa: N802 - Qt naming
        """Show the ring when the keyboard brought the focus (not when the window opened)."""
        super().focusInEvent(event)
        self._ring = forms.keyboard_brought(event.reason())
        self.update()

    def focusOutEvent(self, event: QFocusEvent) -> None:  # noqa: N802 - Qt naming
        """Hide the ring."""
        super().focusOutEvent(event)
        self.update()

    def set_spoken(self, name: str, description: str) -> None:
        """What a screen reader says for the frame; Qt tells it when either changes."""
        # QWidget.setAccessibleName/-Description send NameChanged/DescriptionChanged
        # (QAccessibleEvent) themselves, and only when the text differs.
        if self.accessibleName() != name:
            self.setAccessibleName(name)
        if self.accessibleDescription() != description:
            self.setAccessibleDescription(description)


class CompetitorCard(FocusFrame):
    """One competitor: name, handle, count, change, rate, distance to go and ETA."""

    def __init__(self, session: Session, competitor: Competitor) -> None:
        super().__init__()
        self.session = session
        self.competitor = competitor
        self._source_text = ""
        self.setObjectName("competitorCard")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        layout = QGridLayout(self)
        layout.setContentsMargins(12, 6, 12, 6)
        layout.setHorizontalSpacing(14)
        layout.setVerticalSpacing(0)
        self.name = _label("name")
        self.handle = _label("handle")
        self.count = _label("count")
        self.change = _label("change")
        self.rate = _label("rate")
        self.to_go = _label("toGo")
        self.eta = _label("eta")
        self.eta_in = _label("etaIn")
        self._source_level = "ok"
        title = QHBoxLayout()
        title.setSpacing(8)
        title.addWidget(self.name)
        title.addWidget(self.handle)
        title.addStretch(1)
        layout.addLayout(title, 0, 0, 1, 2)
        layout.addWidget(self.to_go, 0, 2)
        layout.addWidget(self.count, 1, 0, 2, 1)
        layout.addWidget(self.change, 1, 1)
        layout.addWidget(self.rate, 2, 1)
        layout.addWidget(self.eta, 1, 2)
        layout.addWidget(self.eta_in, 2, 2)
        self.source = _label("sourceStatus")
        self.source.setWordWrap(False)
        self.source.hide()
        layout.addWidget(self.source, 3, 0, 1, 3)
        layout.setColumnStretch(0, 3)
        layout.setColumnStretch(1, 3)
        layout.setColumnStretch(2, 3)
        self.apply(competitor)
        theme.watch(self.apply_theme)

    def apply(self, competitor: Competitor) -> None:
        """Show a competitor's name, handle and colour."""
        self.competitor = competitor
        self.name.setText(competitor.name)
        self.handle.setText(f"@{competitor.handle}")
        self.apply_theme()
        stats = self.session.analysis.stats.get(competitor.handle)
        if stats is not None:
            self.speak(stats, self.session.race.milestone)

    @Slot()
    def apply_theme(self) -> None:
        """The card's colours in the current scheme, with the competitor's as its accent."""
        s = theme.current()
        # Through QColor: a colour from a file cannot add rules to the style sheet.
        colour = QColor(self.competitor.colour).name()
        self.setStyleSheet(
            f"#competitorCard {{ border: 1px solid {s.card_border}; border-left: 6px solid "
            f"{colour}; border-radius: 4px; background: {s.card_bg}; }}"
        )
        name_colour = theme.readable(colour, s.card_bg)
        self.name.setStyleSheet(f"color: {name_colour}; font-weight: bold; font-size: 11pt;")
        self.handle.setStyleSheet(f"color: {s.muted};")
        self.count.setStyleSheet(f"font-size: 20pt; font-weight: bold; color: {s.text};")
        for w in (self.change, self.rate, self.eta):
            w.setStyleSheet(f"color: {s.text};")
        self.eta_in.setStyleSheet(f"color: {s.muted};")
        self.to_go.setStyleSheet(f"color: {s.text}; font-weight: bold;")
        self.source.setStyleSheet(f"color: {source_colour(self._source_level)};")

    def set_source(self, text: str, level: str) -> None:
        """Show the live source's state ("" hides it); level is ok, warn or error."""
        self._source_text = text
        self.speak(
            self.session.analysis.stats.get(self.competitor.handle), self.session.race.milestone
        )
        if not text:
            self.source.hide()
            return
        self._source_level = level
        self.source.setStyleSheet(f"color: {source_colour(level)};")
        # Elide long reasons: the full text is in the tooltip and the log.
        metrics = self.source.fontMetrics()
        width = max(self.width() - 40, 200)
        self.source.setText(metrics.elidedText(text, Qt.TextElideMode.ElideRight, width))
        self.source.setToolTip(fmt.plain_tooltip(text))
        self.source.show()

    def update_from(self, stats: CompetitorStats, milestone: int) -> None:
        """Show a competitor's figures."""
        zone = self.session.zone
        self.count.setText(fmt.count(stats.latest_count))
        self.change.setText(f"{fmt.signed(stats.change_last_hour)} last hour")
        if stats.rate_per_hour is None:
            self.rate.setText("rate –")
        else:
            self.rate.setText(f"{fmt.count(stats.rate_per_hour / 60)} per minute")
        self.eta_in.setText("")
        if stats.crossed_at_ms is not None:
            self.to_go.setText(f"Crossed {fmt.count(milestone)}")
            self.eta.setText(f"at {fmt.local(stats.crossed_at_ms, zone, '%a %H:%M')}")
        else:
            self.to_go.setText("–" if stats.to_go is None else f"{fmt.count(stats.to_go)} to go")
            if stats.eta_ms is None:
                self.eta.setText("ETA –")
                self.eta.setToolTip("No projection: too few fresh readings, or not gaining")
            else:
                now = self.session.analysis.as_of_ms or stats.eta_ms
                away = f"in {fmt.duration(stats.eta_ms - now)}"
                self.eta.setText(f"ETA {fmt.local(stats.eta_ms, zone, '%a %H:%M')}")
                projection = self.session.analysis.projection(stats.handle)
                spread = eta_range(projection, zone)
                # The range says more than how far off the point is: it gets the line.
                self.eta_in.setText(f"80%: {spread}" if spread else away)
                whole = eta_range(projection, zone, full=True)
                tip = f"{away}; 80% likely between {whole}. {RANGE_HELP}" if spread else away
                self.eta.setToolTip(tip)
                self.eta_in.setToolTip(tip)
        self.speak(stats, milestone)

    def spoken(self, stats: CompetitorStats | None, milestone: int) -> tuple[str, str]:
        """The card in words: a sentence of its state, and one of the details.

        E.g. "Ashton Kutcher, @aplusk: 998,127 followers, leads by 1,234, 1,873 to go,
        ETA Fri 02:13 PDT" and "+2,345 in the last hour, 39 per minute, ETA in 48 min".
        """
        comp = self.competitor
        zone = self.session.zone
        a = self.session.analysis
        parts = [f"{comp.name}, @{comp.handle}: "]
        if stats is None or stats.latest_count is None:
            parts[0] += "no reading yet"
        else:
            unit = count_unit(self.session)
            parts[0] += fmt.count(stats.latest_count) + (f" {unit}" if unit else "")
        if a.leader is not None and a.current_lead is not None:
            verb = "leads" if a.leader == comp.handle else "trails"
            parts.append(f"{verb} by {fmt.count(a.current_lead)}")
        elif stats is not None and stats.latest_count is not None:
            parts.append("no leader yet")
        details = []
        if stats is not None and stats.crossed_at_ms is not None:
            first = " first" if a.winner == comp.handle else ""
            parts.append(
                f"crossed {fmt.count(milestone)}{first} at "
                f"{fmt.local(stats.crossed_at_ms, zone, '%a %H:%M')}"
            )
        elif stats is not None:
            if stats.to_go is not None:
                parts.append(f"{fmt.count(stats.to_go)} to go")
            if stats.eta_ms is not None:
                parts.append(f"ETA {fmt.local(stats.eta_ms, zone, '%a %H:%M')}")
                now = a.as_of_ms or stats.eta_ms
                spread = eta_range(a.projection(comp.handle), zone, full=True)
                spread = spread.replace("–", " and ")
                within = f", 80% likely between {spread}" if spread else ""
                details.append(f"ETA in {fmt.duration(stats.eta_ms - now)}{within}")
        if stats is not None:
            change = [f"{fmt.signed(stats.change_last_hour)} in the last hour"]
            if stats.rate_per_hour is not None:
                change.append(f"{fmt.count(stats.rate_per_hour / 60)} per minute")
            details = change + details
        if self._source_text:
            details.append(f"source: {self._source_text}")
        return ", ".join(parts), ", ".join(details)

    def speak(self, stats: CompetitorStats | None, milestone: int) -> None:
        """Keep the card's accessible name and description in step with what it shows."""
        self.set_spoken(*self.spoken(stats, milestone))


class Scoreboard(QWidget):
    """Two competitor cards and, between them, who leads and who is winning."""

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 2)
        layout.setSpacing(8)
        self.cards = [CompetitorCard(session, c) for c in session.competitors[:2]]
        middle = FocusFrame()
        middle.setObjectName("raceState")
        self.middle = middle
        box = QVBoxLayout(middle)
        box.setContentsMargins(10, 6, 10, 6)
        box.setSpacing(2)
        self.headline = _label("headline")
        self.headline.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.headline.setStyleSheet("font-size: 13pt; font-weight: bold;")
        self.detail = _label("detail")
        self.detail.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.detail.setWordWrap(True)
        box.addWidget(self.headline)
        box.addWidget(self.detail)
        if self.cards:
            layout.addWidget(self.cards[0], 5)
        layout.addWidget(middle, 3)
        if len(self.cards) > 1:
            layout.addWidget(self.cards[1], 5)
        session.analysis_changed.connect(self.refresh)
        session.race_changed.connect(self._on_session_race_changed)
        self.apply_theme()
        theme.watch(self.apply_theme)
        self.refresh()

    @Slot()
    def apply_theme(self) -> None:
        """The race-state box in the current scheme's colours."""
        s = theme.current()
        self.middle.setStyleSheet(
            f"#raceState {{ border: 1px solid {s.card_border}; border-radius: 4px; "
            f"background: {s.state_bg}; }}"
        )
        self.headline.setStyleSheet(f"font-size: 13pt; font-weight: bold; color: {s.text};")
        self.detail.setStyleSheet(f"color: {s.muted};")

    @Slot()
    def _on_session_race_changed(self) -> None:
        for card, competitor in zip(self.cards, self.session.competitors[:2], strict=False):
            card.apply(competitor)
        self.refresh()

    @Slot()
    def refresh(self) -> None:
        """Show the current figures."""
        a = self.session.analysis
        milestone = self.session.race.milestone
        for card in self.cards:
            card.update_from(a.stats[card.competitor.handle], milestone)
        headline, detail = race_state_text(self.session)
        self.headline.setText(headline)
        self.detail.setText(detail)
        self.middle.set_spoken(f"Race: {headline}", detail)

    def set_source_status(self, handle: str, text: str, level: str) -> None:
        """Show a competitor's live source state on its card."""
        for card in self.cards:
            if card.competitor.handle == handle:
                card.set_source(text, level)

    def headline_text(self) -> str:
        """The middle card's headline (for tests)."""
        return self.headline.text()


def race_state_text(session: Session) -> tuple[str, str]:
    """The race in a headline and a line of detail: who won or leads, and by how much."""
    a = session.analysis
    milestone = session.race.milestone
    if a.winner is not None:
        margin = "" if a.margin_at_finish is None else f", by {fmt.count(a.margin_at_finish)}"
        headline = f"{session.name(a.winner)} first{margin}"
        crossed = a.crossings[a.winner].at_ms
        detail = f"Reached {fmt.count(milestone)} at {fmt.local(crossed, session.zone, '%a %H:%M')}"
    elif a.leader is not None:
        headline = f"{session.name(a.leader)} leads by {fmt.count(a.current_lead)}"
        if a.projected_winner:
            chance = a.projected_probability
            odds = f" ({chance:.0%})" if chance is not None and chance < 1 else ""
            detail = (
                f"Projected winner: {session.name(a.projected_winner)}{odds} "
                f"· {lead_changes_text(len(a.lead_changes))}"
            )
        else:
            detail = f"{lead_changes_text(len(a.lead_changes))} so far"
    else:
        headline = "No leader yet"
        detail = "Waiting for fresh readings from both sides"
    if a.winner is not None and a.leader is not None:
        now = (
            f"; leads by {fmt.count(a.current_lead)} now"
            if a.leader == a.winner
            else f"; now {session.name(a.leader)} leads by {fmt.count(a.current_lead)}"
        )
        detail += now
    return headline, detail
