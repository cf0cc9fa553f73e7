"""Every character on a button, label, box or menu is in the font drawing it: no missing glyphs.

The tests run with the fonts Debian installs by default (fonts-dejavu-core); a
symbol that font lacks (⏸ did, on the Pause button) would be drawn as a box.
"""

from __future__ import annotations

from PySide6.QtGui import QAction, QFontMetrics
from PySide6.QtWidgets import (
    QAbstractButton,
    QComboBox,
    QLabel,
    QMenu,
    QTableWidget,
    QWidget,
)

from photofinish.core.model import Competitor, SourceConfig
from photofinish.ui.dialogs.race import RaceDialog
from photofinish.ui.dialogs.sources import SourcesDialog


def _texts(root: QWidget) -> list[tuple[str, str, QWidget]]:
    found: list[tuple[str, str, QWidget]] = []
    for w in [root, *root.findChildren(QWidget)]:
        if isinstance(w, QAbstractButton):
            found.append((w.objectName() or type(w).__name__, w.text(), w))
        elif isinstance(w, QLabel):
            found.append((w.objectName() or "label", w.text(), w))
        elif isinstance(w, QComboBox):
            found += [(w.objectName(), w.itemText(i), w) for i in range(w.count())]
        elif isinstance(w, QTableWidget):
            for c in range(w.columnCount()):
                item = w.horizontalHeaderItem(c)
                if item is not None:
                    found.append((w.objectName(), item.text(), w))
        if isinstance(w, QMenu):
            found += [(f"menu {w.title()}", a.text(), w) for a in w.actions()]
            found.append(("menu title", w.title(), w))
    for action in root.findChildren(QAction):
        found.append(("action", action.text(), root))
    return found


def _missing(root: QWidget) -> list[str]:
    bad = []
    for where, text, widget in _texts(root):
        metrics = QFontMetrics(widget.font())
        for ch in set(text):
            if ord(ch) > 127 and ch not in "\u00a0\u2060" and not metrics.inFontUcs4(ord(ch)):
                bad.append(f"{where}: {ch!r} (U+{ord(ch):04X}) in {text!r}")
    return bad


def test_the_window_draws_every_character_it_shows(qtbot, window):
    window.replay_bar.play()
    assert _missing(window) == []
    window.replay_bar.pause()
    assert _missing(window) == []


def test_the_dialogs_draw_every_character_they_show(qtbot):
    race = RaceDialog()
    qtbot.addWidget(race)
    comps = [Competitor("a", "A", "#000000", 0, 1), Competitor("b", "B", "#ffffff", 1, 2)]
    sources = SourcesDialog(comps, [SourceConfig("a", "bluesky:a.bsky.social", 60, True, None, 1)])
    qtbot.addWidget(sources)
    assert _missing(race) == []
    assert _missing(sources) == []


def test_the_check_finds_a_missing_glyph(qtbot):
    """The check itself: a symbol DejaVu lacks is caught (so a pass means something)."""
    label = QLabel("\u23f8 Pause")
    qtbot.addWidget(label)
    assert _missing(label) and "U+23F8" in _missing(label)[0]
