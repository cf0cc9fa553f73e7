"""The scoreboard across the top: each head-to-head competitor's figures and the race's state."""

from __future__ import annotations

from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QFrame, QGridLayout, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from gui.core.analysis import CompetitorStats
from gui.core.model import Competitor
from gui.session import Session
from gui.ui import fmt

SOURCE_COLOURS = {"ok": "#2e7d32", "warn": "#a15c00", "error": "#b00020", "idle": "#666666"}


def _label(object_name: str, text: str = "") -> QLabel:
    label = QLabel(text)
    label.setObjectName(object_name)
    label.setTextFormat(Qt.TextFormat.PlainText)
    return label


class CompetitorCard(QFrame):
    """One competitor: name, handle, count, change, rate, distance to go and ETA."""

    def __init__(self, session: Session, competitor: Competitor) -> None:
        super().__init__()
        self.session = session
        self.competitor = competitor
        self.setObjectName("competitorCard")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        layout = QGridLayout(self)
        layout.setContentsMargins(12, 6, 12, 6)
        layout.setHorizontalSpacing(14)
        layout.setVerticalSpacing(0)
        self.name = _label("name")
        self.handle = _label("handle")
        self.handle.setStyleSheet("color: #666666;")
        self.count = _label("count")
        self.count.setStyleSheet("font-size: 20pt; font-weight: bold; color: #1d1d1d;")
        self.change = _label("change")
        self.rate = _label("rate")
        self.to_go = _label("toGo")
        self.eta = _label("eta")
        for w in (self.change, self.rate, self.to_go, self.eta):
            w.setStyleSheet("color: #333333;")
        self.eta_in = _label("etaIn")
        self.eta_in.setStyleSheet("color: #666666;")
        self.to_go.setStyleSheet("color: #1d1d1d; font-weight: bold;")
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

    def apply(self, competitor: Competitor) -> None:
        """Show a competitor's name, handle and colour."""
        self.competitor = competitor
        # Through QColor: a colour from a file cannot add rules to the style sheet.
        colour = QColor(competitor.colour).name()
        self.setStyleSheet(
            f"#competitorCard {{ border: 1px solid #d8d8d8; border-left: 6px solid "
            f"{colour}; border-radius: 4px; background: #ffffff; }}"
        )
        self.name.setText(competitor.name)
        self.name.setStyleSheet(f"color: {colour}; font-weight: bold; font-size: 11pt;")
        self.handle.setText(f"@{competitor.handle}")

    def set_source(self, text: str, level: str) -> None:
        """Show the live source's state ("" hides it); level is ok, warn or error."""
        if not text:
            self.source.hide()
            return
        colour = SOURCE_COLOURS.get(level, SOURCE_COLOURS["ok"])
        self.source.setStyleSheet(f"color: {colour};")
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
            else:
                now = self.session.analysis.as_of_ms or stats.eta_ms
                self.eta.setText(f"ETA {fmt.local(stats.eta_ms, zone, '%a %H:%M')}")
                self.eta_in.setText(f"in {fmt.duration(stats.eta_ms - now)}")


class Scoreboard(QWidget):
    """Two competitor cards and, between them, who leads and who is winning."""

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 2)
        layout.setSpacing(8)
        self.cards = [CompetitorCard(session, c) for c in session.competitors[:2]]
        middle = QFrame()
        middle.setObjectName("raceState")
        middle.setStyleSheet(
            "#raceState { border: 1px solid #d8d8d8; border-radius: 4px; background: #f7f7f7; }"
        )
        box = QVBoxLayout(middle)
        box.setContentsMargins(10, 6, 10, 6)
        box.setSpacing(2)
        self.headline = _label("headline")
        self.headline.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.headline.setStyleSheet("font-size: 13pt; font-weight: bold;")
        self.detail = _label("detail")
        self.detail.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.detail.setStyleSheet("color: #444444;")
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
        self.refresh()

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
        headline = f"{a.winner} first{margin}"
        crossed = a.crossings[a.winner].at_ms
        detail = (
            f"{session.name(a.winner)} reached {fmt.count(milestone)} "
            f"{fmt.local(crossed, session.zone, '%a %H:%M')}"
        )
    elif a.leader is not None:
        headline = f"{session.name(a.leader)} leads by {fmt.count(a.current_lead)}"
        if a.projected_winner:
            detail = (
                f"Projected winner: {session.name(a.projected_winner)} "
                f"· {len(a.lead_changes)} lead changes"
            )
        else:
            detail = f"{len(a.lead_changes)} lead changes so far"
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
