"""Help ▸ Keyboard Shortcuts and Help ▸ Getting Started: what every key does, and a first race.

The shortcuts dialog reads the window's own menus, so it lists exactly what
the actions define, in the words of the menus; keys that belong to one part
of the window (the chart, the log) come from those widgets.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QSortFilterProxyModel, Qt
from PySide6.QtGui import QAction, QKeySequence, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMenu,
    QTextBrowser,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from .. import theme

SHORTCUTS_KEYS = ("Ctrl+?", "F1")


@dataclass(frozen=True)
class Shortcut:
    """One row of the dialog: where it lives, what it does, and its keys."""

    place: str  # "File", "File ▸ Export", "Chart (when it has the focus)"
    what: str
    keys: tuple[str, ...]  # native text, such as "Ctrl+Shift+N"


def plain(text: str) -> str:
    """A menu text without its accelerator marks and trailing dots."""
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&").rstrip("…").strip()


def _keys(action: QAction) -> tuple[str, ...]:
    return tuple(
        s.toString(QKeySequence.SequenceFormat.NativeText)
        for s in action.shortcuts()
        if not s.isEmpty()
    )


def menu_shortcuts(window: QMainWindow) -> list[Shortcut]:
    """Every action in the window's menus that has a key, in menu order."""
    found: list[Shortcut] = []

    def walk(menu: QMenu, place: str) -> None:
        for action in menu.actions():
            sub = action.menu()
            if isinstance(sub, QMenu):
                walk(sub, f"{place} ▸ {plain(sub.title())}")
            elif not action.isSeparator() and _keys(action):
                found.append(Shortcut(place, plain(action.text()), _keys(action)))

    for action in window.menuBar().actions():
        menu = action.menu()
        if isinstance(menu, QMenu):
            walk(menu, plain(menu.title()))
    return found


def widget_shortcuts(window: QWidget) -> list[Shortcut]:
    """Keys that belong to one part of the window, from each widget's ``KEY_HELP``.

    A widget lists them as ``KEY_HELP = (place, ((keys, what), ...))``.
    """
    found: list[Shortcut] = []
    seen: set[type] = set()
    for widget in window.findChildren(QWidget):
        help_ = getattr(type(widget), "KEY_HELP", None)
        if help_ is None or type(widget) in seen:
            continue
        seen.add(type(widget))
        place, rows = help_
        found += [Shortcut(place, what, tuple(keys)) for keys, what in rows]
    return found


def all_shortcuts(window: QMainWindow) -> list[Shortcut]:
    """What the shortcuts dialog lists: the menus' keys, then the widgets' own."""
    return menu_shortcuts(window) + widget_shortcuts(window)


class ShortcutsDialog(QDialog):
    """Every key the window answers to, grouped by menu, with a filter."""

    def __init__(self, window: QMainWindow) -> None:
        super().__init__(window)
        self.setObjectName("shortcutsDialog")
        self.setWindowTitle("Keyboard Shortcuts")
        self.shortcuts = all_shortcuts(window)
        self.model = QStandardItemModel(0, 2, self)
        self.model.setHorizontalHeaderLabels(["Action", "Keys"])
        groups: dict[str, QStandardItem] = {}
        for s in self.shortcuts:
            group = groups.get(s.place)
            if group is None:
                group = QStandardItem(s.place)
                font = group.font()
                font.setBold(True)
                group.setFont(font)
                group.setEditable(False)
                filler = QStandardItem("")
                filler.setEditable(False)
                self.model.appendRow([group, filler])
                groups[s.place] = group
            what = QStandardItem(s.what)
            keys = QStandardItem("   or   ".join(s.keys))
            for item in (what, keys):
                item.setEditable(False)
                item.setToolTip(f"{s.place}: {s.what} ({', '.join(s.keys)})")
            group.appendRow([what, keys])

        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setRecursiveFilteringEnabled(True)
        self.proxy.setFilterKeyColumn(-1)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)

        self.filter = QLineEdit()
        self.filter.setObjectName("shortcutsFilter")
        self.filter.setPlaceholderText("Find an action or a key")
        self.filter.setClearButtonEnabled(True)
        self.filter.setToolTip("Show only the actions or keys that contain this text")
        self.filter.setAccessibleName("Find a shortcut")
        self.filter.textChanged.connect(self._on_filter_text_changed)

        self.view = QTreeView()
        self.view.setObjectName("shortcutsList")
        self.view.setAccessibleName("Keyboard shortcuts")
        self.view.setModel(self.proxy)
        self.view.setRootIsDecorated(False)
        self.view.setUniformRowHeights(True)
        self.view.setAlternatingRowColors(True)
        self.view.setEditTriggers(QTreeView.EditTrigger.NoEditTriggers)
        header = self.view.header()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(False)
        self.view.expandAll()

        note = QLabel(
            "Menu keys work anywhere in the window. Chart and log keys work when "
            "that part has the focus: click it or move there with Tab."
        )
        note.setWordWrap(True)
        theme.mute(note)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        buttons.button(QDialogButtonBox.StandardButton.Close).setToolTip("Close this list")

        box = QVBoxLayout(self)
        box.addWidget(self.filter)
        box.addWidget(self.view, 1)
        box.addWidget(note)
        box.addWidget(buttons)
        self.resize(560, 620)

    def _on_filter_text_changed(self, text: str) -> None:
        self.proxy.setFilterFixedString(text)
        self.view.expandAll()

    def listed(self) -> list[tuple[str, str, str]]:
        """(group, action, keys) for every row shown, in order (for tests and checks)."""
        rows = []
        for g in range(self.proxy.rowCount()):
            group = self.proxy.index(g, 0)
            for r in range(self.proxy.rowCount(group)):
                rows.append(
                    (
                        group.data(),
                        self.proxy.index(r, 0, group).data(),
                        self.proxy.index(r, 1, group).data(),
                    )
                )
        return rows


GETTING_STARTED = """
<h3>Your first race</h3>
<ol>
<li><b>Start a race.</b> File ▸ New Race (Ctrl+N) asks for a title, the milestone
and the two accounts: paste their profile links and it follows them live. Each race
is one file; nothing ever needs saving.</li>
<li><b>Feed it readings.</b> Race ▸ Sources polls Bluesky, Mastodon,
GitHub, YouTube or X, or follows a file that another program writes. Race ▸ Enter a
Reading (Ctrl+Shift+R) types one in by hand, and File ▸ Import reads a CSV or JSON
Lines file.</li>
<li><b>Watch.</b> The scoreboard shows counts, the lead and when each side should
reach the milestone. The chart follows the newest readings; drag or scroll to look
back, and View ▸ Back to Live (Ctrl+End) to follow again.</li>
<li><b>Mark moments.</b> Race ▸ Add Note (Ctrl+Shift+N) puts a note on the chart and
in the log. A right-click on the chart adds one at that moment, or flags a reading
that looks wrong.</li>
<li><b>Replay and share.</b> The bar at the bottom replays the race (Space plays and
pauses); File ▸ Export writes the chart, the log or a replay clip.</li>
</ol>
<p>To try it all on a finished race, Help ▸ Open the 2009 Race opens a copy of
the race between Ashton Kutcher and CNN to a million Twitter followers.</p>
<p>Help ▸ Keyboard Shortcuts lists every key.</p>
"""


FORECASTS = """
<h3>What the forecast says, and how sure it is</h3>
<p>Each side's ETA is where its recent pace takes it: the rate over a recent stretch
(about as long as the time still to go), extended to the milestone. The chart draws
it as a dashed line from the newest reading to the milestone.</p>
<p>The <b>range</b> beside it (on the card, “80%: 23:05–23:40”, and the shaded band
on the chart) is where the crossing should fall <b>8 times out of 10</b>. It is learnt
from this race: at many earlier moments the same forecast was made for as far ahead,
and how far it was off then sets how wide the range is now. A steady race gets a
narrow range; a race whose pace drifts through the day gets a wide one; with little
history it starts wide.</p>
<p>The projected winner's percentage is how often, by those same past errors, that
side would get there first. The hollow ring on the gap plot is when the trailing
side, gaining at these rates, would draw level.</p>
<p>A replay shows the forecast as it stood at that moment, from what was known then.
<code>photofinish forecast RACE --backtest</code> shows how good these forecasts were
on the race.</p>
"""


class GuideDialog(QDialog):
    """A page of help in a dialog of its own."""

    def __init__(self, parent: QWidget, name: str, title: str, html: str) -> None:
        super().__init__(parent)
        self.setObjectName(f"{name}Dialog")
        self.setWindowTitle(title)
        self.text = QTextBrowser()
        self.text.setObjectName(f"{name}Text")
        self.text.setAccessibleName(title)
        self.text.setOpenLinks(False)
        self.text.setHtml(html)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        buttons.button(QDialogButtonBox.StandardButton.Close).setToolTip("Close this page")
        box = QVBoxLayout(self)
        box.addWidget(self.text, 1)
        box.addWidget(buttons)
        self.resize(560, 400)


class GettingStartedDialog(GuideDialog):
    """Five steps from nothing to a race on screen."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent, "gettingStarted", "Getting Started", GETTING_STARTED)


class ForecastsDialog(GuideDialog):
    """What the ETA, its range and the projected winner's chance mean."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent, "forecasts", "Forecasts", FORECASTS)
