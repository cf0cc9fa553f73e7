"""Light and dark: the app's palette and the chart colours for each, following the system.

The system's colour scheme comes from Qt's style hints; View ▸ Appearance can
override it (kept in the user's settings). Where the platform can switch its
own palette (Windows, macOS, GNOME and KDE through the desktop portal) Qt does
so; elsewhere, and whenever the platform's palette disagrees with the chosen
scheme, the app sets a palette of its own so widgets, dialogs and plots agree.

Widgets that draw with fixed colours (the plots, the scoreboard's cards) read
:func:`current` and redraw on :attr:`Theme.changed`.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass

from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QWidget

from .. import settings

log = logging.getLogger(__name__)

SYSTEM, LIGHT, DARK = "system", "light", "dark"
CHOICES = (SYSTEM, LIGHT, DARK)
SETTING = "appearance/scheme"


@dataclass(frozen=True)
class Scheme:
    """The fixed colours of one scheme (hex strings)."""

    name: str
    plot_bg: str  # behind the curves
    text: str  # headline text: counts, legend, read-outs
    axis_text: str  # tick labels: at least 4.5:1 against plot_bg
    muted: str  # secondary text on the window background
    grid: str
    reference: str  # the milestone line and the gap plot's zero line
    now_line: str
    crosshair: str
    legend_fill: str  # with alpha, #AARRGGBB
    card_bg: str
    card_border: str
    state_bg: str
    banner_bg: str
    banner_border: str
    banner_text: str
    marker_edge: str  # outlines of crossing and lead-change markers


LIGHT_SCHEME = Scheme(
    name=LIGHT,
    plot_bg="#ffffff",
    text="#1d1d1d",
    axis_text="#4a4a4a",
    muted="#5c5c5c",
    grid="#ececec",
    reference="#333333",
    now_line="#999999",
    crosshair="#555555",
    legend_fill="#dcffffff",
    card_bg="#ffffff",
    card_border="#d8d8d8",
    state_bg="#f7f7f7",
    banner_bg="#fff4d6",
    banner_border="#e0c36a",
    banner_text="#3d2e00",
    marker_edge="#222222",
)

DARK_SCHEME = Scheme(
    name=DARK,
    plot_bg="#1c1d20",
    text="#ececec",
    axis_text="#c2c2c2",
    muted="#a9a9a9",
    grid="#303236",
    reference="#c8c8c8",
    now_line="#6f6f6f",
    crosshair="#a0a0a0",
    legend_fill="#dc26272b",
    card_bg="#1f2023",
    card_border="#45474c",
    state_bg="#26272b",
    banner_bg="#3b3117",
    banner_border="#7a6424",
    banner_text="#f3e3b0",
    marker_edge="#f0f0f0",
)


def dark_palette() -> QPalette:
    """A dark palette in the Fusion style's shape: every role and the disabled group."""
    p = QPalette()
    roles = QPalette.ColorRole
    colours = {
        roles.Window: "#2b2c30",
        roles.WindowText: "#e8e8e8",
        roles.Base: "#1f2023",
        roles.AlternateBase: "#26272b",
        roles.ToolTipBase: "#3a3b40",
        roles.ToolTipText: "#f0f0f0",
        roles.PlaceholderText: "#9b9b9b",
        roles.Text: "#e8e8e8",
        roles.Button: "#35363b",
        roles.ButtonText: "#e8e8e8",
        roles.BrightText: "#ff6b6b",
        roles.Light: "#45464c",
        roles.Midlight: "#3c3d42",
        roles.Mid: "#2f3034",
        roles.Dark: "#1b1c1f",
        roles.Shadow: "#0e0e10",
        roles.Highlight: "#3f7fd1",
        roles.HighlightedText: "#ffffff",
        roles.Link: "#7cb8f2",
        roles.LinkVisited: "#c39be8",
    }
    for role, colour in colours.items():
        p.setColor(role, QColor(colour))
    disabled = QPalette.ColorGroup.Disabled
    for role in (roles.WindowText, roles.Text, roles.ButtonText):
        p.setColor(disabled, role, QColor("#7a7a7a"))
    p.setColor(disabled, roles.Highlight, QColor("#4a4b50"))
    p.setColor(disabled, roles.Base, QColor("#26272b"))
    return p


def light_palette() -> QPalette:
    """The Fusion style's light palette, for a dark desktop on which the user chose light."""
    p = QPalette(QColor("#efefef"))  # Qt derives every role from the window colour
    p.setColor(QPalette.ColorRole.Base, QColor("#ffffff"))
    p.setColor(QPalette.ColorRole.Text, QColor("#000000"))
    p.setColor(QPalette.ColorRole.WindowText, QColor("#000000"))
    p.setColor(QPalette.ColorRole.ButtonText, QColor("#000000"))
    p.setColor(QPalette.ColorRole.PlaceholderText, QColor("#6e6e6e"))
    p.setColor(QPalette.ColorRole.ToolTipBase, QColor("#ffffdc"))
    p.setColor(QPalette.ColorRole.ToolTipText, QColor("#000000"))
    p.setColor(QPalette.ColorRole.Highlight, QColor("#308cc6"))
    p.setColor(QPalette.ColorRole.HighlightedText, QColor("#ffffff"))
    return p


def mute(widget: QWidget) -> None:
    """Draw a label's text in the muted colour of whatever scheme is showing."""
    widget.setForegroundRole(QPalette.ColorRole.PlaceholderText)


def is_dark(palette: QPalette) -> bool:
    """Whether a palette is a dark one (its window darker than its text)."""
    window = palette.color(QPalette.ColorRole.Window).lightnessF()
    text = palette.color(QPalette.ColorRole.WindowText).lightnessF()
    return window < text


# -- contrast (WCAG 2 relative luminance) ---------------------------------------------------
def luminance(colour: QColor) -> float:
    """Relative luminance of a colour, 0 (black) to 1 (white)."""

    def channel(v: float) -> float:
        return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4

    return (
        0.2126 * channel(colour.redF())
        + 0.7152 * channel(colour.greenF())
        + 0.0722 * channel(colour.blueF())
    )


def contrast(a: QColor | str, b: QColor | str) -> float:
    """The contrast ratio of two colours, 1 to 21."""
    la, lb = luminance(QColor(a)), luminance(QColor(b))
    hi, lo = max(la, lb), min(la, lb)
    return (hi + 0.05) / (lo + 0.05)


@functools.lru_cache(maxsize=256)
def readable(colour: str, background: str, ratio: float = 4.5) -> str:
    """A competitor's colour nudged lighter or darker until it reads on a background.

    The hue stays; only the lightness moves, towards white on a dark
    background and towards black on a light one. Colours that already read
    are returned as they are.
    """
    c = QColor(colour)
    if not c.isValid():
        return colour
    if contrast(c, background) >= ratio:
        return c.name()
    dark_bg = luminance(QColor(background)) < 0.18
    h, s, lightness = c.hslHueF(), c.hslSaturationF(), c.lightnessF()
    step = 0.02 if dark_bg else -0.02
    while 0.0 <= lightness <= 1.0:
        lightness = min(max(lightness + step, 0.0), 1.0)
        c = QColor.fromHslF(max(h, 0.0), s, lightness)
        if contrast(c, background) >= ratio or lightness in (0.0, 1.0):
            break
    return c.name()


def line_colour(colour: str) -> str:
    """A competitor's colour for a line on the plot: at least 3:1 against its background."""
    return readable(colour, current().plot_bg, 3.0)


def text_colour(colour: str, background: QColor | str | None = None) -> str:
    """A competitor's colour for text: at least 4.5:1 against the base (or given) colour."""
    if background is None:
        app = QGuiApplication.instance()
        background = (
            QGuiApplication.palette().color(QPalette.ColorRole.Base).name()
            if app is not None
            else current().card_bg
        )
    return readable(colour, QColor(background).name(), 4.5)


# -- the running theme -----------------------------------------------------------------------
class Theme(QObject):
    """The app's scheme: the user's choice over the system's, applied to the palette."""

    changed = Signal()

    def __init__(self, app: QGuiApplication) -> None:
        super().__init__(app)
        self.setObjectName("theme")
        self._app = app
        self.choice = stored_choice()
        self.scheme = LIGHT_SCHEME
        self._applying = False
        app.styleHints().colorSchemeChanged.connect(self._on_system_changed)
        self.apply()

    def system_is_dark(self) -> bool:
        """Whether the desktop asks for dark (the hint, or failing that its palette)."""
        hints = self._app.styleHints()
        hints.unsetColorScheme()
        scheme = hints.colorScheme()
        if scheme == Qt.ColorScheme.Unknown:
            self._app.setPalette(QPalette())  # the platform's own palette, to look at
            return is_dark(QGuiApplication.palette())
        return scheme == Qt.ColorScheme.Dark

    def apply(self) -> None:
        """Work out the scheme from the choice and the system, and set the palette."""
        if self._applying:
            return  # unsetting the hint below can itself report a change of scheme
        self._applying = True
        try:
            self._apply()
        finally:
            self._applying = False

    def _apply(self) -> None:
        dark = self.system_is_dark() if self.choice == SYSTEM else self.choice == DARK
        if self.choice != SYSTEM:
            # Lets the platform switch its own palette and native dialogs where it can.
            self._app.styleHints().setColorScheme(
                Qt.ColorScheme.Dark if dark else Qt.ColorScheme.Light
            )
        scheme = DARK_SCHEME if dark else LIGHT_SCHEME
        self._app.setPalette(QPalette())
        palette = QGuiApplication.palette()
        if is_dark(palette) != dark:
            palette = dark_palette() if dark else light_palette()
        # Secondary text (zones, hints, handles) that still reads: 4.5:1 or better.
        palette.setColor(QPalette.ColorRole.PlaceholderText, QColor(scheme.muted))
        self._app.setPalette(palette)
        changed = scheme != self.scheme
        self.scheme = scheme
        log.info("Colour scheme: %s (chosen: %s)", scheme.name, self.choice)
        if changed:
            self.changed.emit()

    def set_choice(self, choice: str, remember: bool = True) -> None:
        """Follow the system, or keep to light or dark; remembered for next time unless not."""
        if choice not in CHOICES:
            raise ValueError(f"unknown colour scheme {choice!r}")
        self.choice = choice
        if remember:
            s = settings.settings()
            s.setValue(SETTING, choice)
            s.sync()
            if s.status() != s.Status.NoError:
                log.warning("Could not save the colour scheme to %s", s.fileName())
        self.apply()

    @Slot(Qt.ColorScheme)
    def _on_system_changed(self, _scheme: Qt.ColorScheme) -> None:
        if self.choice == SYSTEM:
            self.apply()


_theme: list[Theme] = []


def stored_choice() -> str:
    """The user's choice from the settings file (system when unset or unknown)."""
    value = settings.settings().value(SETTING, SYSTEM)
    return value if value in CHOICES else SYSTEM


def install(app: QGuiApplication) -> Theme:
    """Start following the system (or the user's choice) in this application; once."""
    if _theme and _theme[0].parent() is app:
        return _theme[0]
    _theme[:] = [Theme(app)]
    return _theme[0]


def ensure() -> Theme | None:
    """The running theme, installed in the running application if it was not yet."""
    app = QGuiApplication.instance()
    return install(app) if isinstance(app, QGuiApplication) else None


def watch(slot: object) -> None:
    """Call ``slot`` whenever the scheme changes (installing the theme on first use)."""
    running = ensure()
    if running is not None:
        running.changed.connect(slot)


def theme() -> Theme | None:
    """The running theme, when one was installed."""
    return _theme[0] if _theme else None


def current() -> Scheme:
    """The colours in use now (light before the theme is installed)."""
    return _theme[0].scheme if _theme else LIGHT_SCHEME
