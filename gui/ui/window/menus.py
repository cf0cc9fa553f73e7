"""The main window's menus, built from one table of actions.

Each item names the window's slot that answers it (a method, or one of a
part the window owns, such as ``chart.fit_all``), its keys, and the attribute
the window keeps the action under when something else needs it. Items that a
part builds itself (the Export menu, the live sources' actions, Undo and Redo,
Appearance) are named by the method that adds them. Like Picard's
``ui/mainwindow/actions.py``: adding a command is a line in the table.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu

from .. import theme
from ..dialogs.help import SHORTCUTS_KEYS

Key = QKeySequence.StandardKey | str
ADD_NOTE_SHORTCUT = "Ctrl+Shift+N"  # Ctrl+N is New Race; no standard key uses this one


@dataclass(frozen=True)
class Item:
    """One command: its text, the slot that answers it, and its keys."""

    text: str
    slot: str  # the window's method, or a part's: "chart.fit_all"
    keys: tuple[Key, ...] = ()
    name: str = ""  # the window keeps the action under this attribute
    writable: bool = False  # only when the race file can be changed
    checkable: bool = False
    fallback: str = ""  # a key for desktops whose standard key is empty (Quit)


@dataclass(frozen=True)
class Built:
    """Items a part of the window adds itself, by the method that adds them to a menu."""

    adder: str


@dataclass(frozen=True)
class Submenu:
    """A submenu the window fills when it is about to show."""

    text: str
    name: str
    object_name: str
    about_to_show: str


SEPARATOR = None
Entry = Item | Built | Submenu | None

S = QKeySequence.StandardKey
MENUS: tuple[tuple[str, tuple[Entry, ...]], ...] = (
    (
        "&File",
        (
            Item("&New Race…", "ask_new_race", (S.New,)),
            Item("&Open…", "ask_open", (S.Open,), name="open_action"),
            Submenu("Open &Recent", "recent_menu", "recentMenu", "rebuild_recent_menu"),
            SEPARATOR,
            Item("Save &As…", "copies.ask_save_as", (S.SaveAs,), name="save_as_action"),
            Item("Save a &Copy…", "copies.ask_save_copy", name="save_copy_action"),
            SEPARATOR,
            Item("&Import Readings and Notes…", "imports.ask", name="import_action", writable=True),
            Built("exports.build_menu"),
            SEPARATOR,
            Item("&Close Window", "close", (S.Close,)),
            Item("&Quit", "quit_all", (S.Quit,), fallback="Ctrl+Q"),
        ),
    ),
    (
        "&Edit",
        (
            Built("add_undo_actions"),
            SEPARATOR,
            Item("Find in &Log", "focus_log_search", (S.Find,)),
        ),
    ),
    (
        "Ra&ce",
        (
            Item(
                "Add &Note…",
                "edits.add_note_now",
                (ADD_NOTE_SHORTCUT,),
                name="add_note_action",
                writable=True,
            ),
            Item("&Edit Race…", "edits.edit_race", ("Ctrl+E",), "edit_race_action", True),
            SEPARATOR,
            Built("live.add_actions"),
            Item("Fetch &History…", "history.fetch_all", name="history_action", writable=True),
            Item("A&lerts…", "alerts.edit", name="alerts_action"),
        ),
    ),
    (
        "&View",
        (
            Item(
                "&Logarithmic Count Axis",
                "log_check.setChecked",
                ("Ctrl+L",),
                name="log_action",
                checkable=True,
            ),
            Item("&Back to Live", "chart.back_to_live", ("Ctrl+End",)),
            Item("&Whole Race", "chart.fit_all", ("Ctrl+0",)),
            SEPARATOR,
            Built("add_appearance_menu"),
        ),
    ),
    (
        "&Replay",
        (
            Item("&Play / Pause", "replay_bar.toggle", ("Space",)),
            Item("&Faster", "replay_bar.faster", ("Ctrl+]",)),
            Item("&Slower", "replay_bar.slower", ("Ctrl+[",)),
            Item("&Restart", "restart_replay", ("Ctrl+Home",)),
            Item("Show &Everything Stored", "show_everything"),
        ),
    ),
    (
        "&Help",
        (
            Item("&Getting Started", "show_getting_started"),
            Item("&Forecasts", "show_forecast_help"),
            Item("&Keyboard Shortcuts", "show_shortcuts", SHORTCUTS_KEYS, "shortcuts_action"),
            Item("Open the &2009 Race", "open_sample"),
            SEPARATOR,
            Item("&About Photo Finish", "show_about"),
        ),
    ),
)


def build(window: QMainWindow, writable: bool) -> None:
    """Fill the window's menu bar from :data:`MENUS`."""
    bar = window.menuBar()
    for title, entries in MENUS:
        menu = bar.addMenu(title)
        for entry in entries:
            if entry is SEPARATOR:
                menu.addSeparator()
            elif isinstance(entry, Built):
                _slot(window, entry.adder)(menu)
            elif isinstance(entry, Submenu):
                sub = menu.addMenu(entry.text)
                sub.setObjectName(entry.object_name)
                sub.aboutToShow.connect(_slot(window, entry.about_to_show))
                setattr(window, entry.name, sub)
            else:
                menu.addAction(action(window, entry, writable))


def action(window: QMainWindow, item: Item, writable: bool) -> QAction:
    """The QAction for one item, connected to its slot."""
    act = QAction(item.text, window)
    keys = [QKeySequence(k) for k in item.keys]
    act.setShortcuts(keys)
    if item.fallback and not act.shortcuts():  # desktops without a standard key for it
        act.setShortcut(QKeySequence(item.fallback))
    act.setCheckable(item.checkable)
    slot = _slot(window, item.slot)
    if item.checkable:
        act.toggled.connect(slot)
    else:
        act.triggered.connect(lambda _checked=False: slot())
    if item.writable:
        act.setEnabled(writable)
    if item.name:
        setattr(window, item.name, act)
    return act


def _slot(window: QMainWindow, path: str) -> Callable[..., object]:
    """The window's method named ``path`` (a dotted path through the window's own parts)."""
    return operator.attrgetter(path)(window)


def appearance_menu(menu: QMenu) -> dict[str, QAction]:
    """System, Light or Dark: the colour scheme, the same in every window.

    Returns the three actions by choice; each window ticks the one chosen in any.
    """
    menu.setObjectName("appearanceMenu")
    group = QActionGroup(menu)
    group.setExclusive(True)
    running = theme.theme()
    chosen = running.choice if running is not None else theme.SYSTEM
    actions: dict[str, QAction] = {}
    for choice, text, tip in (
        (theme.SYSTEM, "Follow the &System", "Light or dark as the desktop is set"),
        (theme.LIGHT, "&Light", "Dark text on light backgrounds, whatever the desktop"),
        (theme.DARK, "&Dark", "Light text on dark backgrounds, whatever the desktop"),
    ):
        act = QAction(text, menu)
        act.setCheckable(True)
        act.setChecked(choice == chosen)
        act.setStatusTip(tip)
        act.setData(choice)
        group.addAction(act)
        menu.addAction(act)
        actions[choice] = act

    def choose(act: QAction) -> None:
        running = theme.theme()
        if running is not None:
            running.set_choice(str(act.data()))

    def sync() -> None:
        running = theme.theme()
        if running is not None:
            actions[running.choice].setChecked(True)

    group.triggered.connect(choose)
    menu.aboutToShow.connect(sync)
    return actions
