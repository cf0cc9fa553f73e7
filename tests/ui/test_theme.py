"""Light and dark: the switch in View, the palette, and text that reads in rendered pictures."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import QPoint, QRect, QRectF, Qt
from PySide6.QtGui import QColor, QGuiApplication, QImage, QPalette
from PySide6.QtWidgets import QMenu, QWidget

from photofinish import settings
from photofinish.core.model import DEFAULT_COLOURS
from photofinish.ui import theme

OKABE_ITO = {"#e69f00", "#56b4e9", "#009e73", "#f0e442", "#0072b2", "#d55e00", "#cc79a7"}


def pixels(image: QImage) -> np.ndarray:
    """An image as an (h, w, 3) array of 0–255 RGB."""
    image = image.convertToFormat(QImage.Format.Format_RGB888)
    w, h, stride = image.width(), image.height(), image.bytesPerLine()
    raw = np.frombuffer(image.constBits(), np.uint8, count=stride * h).reshape(h, stride)
    return raw[:, : w * 3].reshape(h, w, 3).copy()


def _luminance(rgb: np.ndarray) -> np.ndarray:
    c = rgb.astype(np.float64) / 255
    c = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    return c @ np.array([0.2126, 0.7152, 0.0722])


def text_contrast(region: np.ndarray) -> tuple[float, tuple[int, int, int]]:
    """The best contrast between a region's background (its commonest colour) and its ink.

    Anti-aliased edges only blend towards the background, so the glyphs' cores
    are the pixels that differ most from it.
    """
    flat = region.reshape(-1, 3)
    colours, counts = np.unique(flat, axis=0, return_counts=True)
    background = colours[counts.argmax()]
    lb = _luminance(background[None, :])[0]
    lum = _luminance(flat)
    ratios = (np.maximum(lum, lb) + 0.05) / (np.minimum(lum, lb) + 0.05)
    return float(ratios.max()), tuple(int(v) for v in background)


def axis_region(plot: pg.PlotWidget, side: str) -> np.ndarray:
    """The pixels of a plot's axis (tick labels and all), from a rendering of the plot."""
    image = plot.grab().toImage()
    axis = plot.getPlotItem().getAxis(side)
    # The axis's own box: its bounding rect also spans the grid it draws over the plot.
    own = axis.mapRectToScene(QRectF(0, 0, axis.width(), axis.height()))
    rect: QRect = plot.mapFromScene(own).boundingRect().adjusted(2, 2, -2, -2)
    rect = rect.intersected(QRect(0, 0, image.width(), image.height()))
    assert rect.width() > 10 and rect.height() > 10, rect
    return pixels(image.copy(rect))


@pytest.fixture
def running(window):
    running = theme.theme()
    assert running is not None
    return running


def _choose(window, qtbot, choice: str) -> None:
    action = window.scheme_actions[choice]
    action.trigger()
    qtbot.wait(10)


@pytest.mark.parametrize("choice", ["light", "dark"])
def test_axis_text_reads_in_both_schemes(window, qtbot, running, choice):
    _choose(window, qtbot, choice)
    assert running.scheme.name == choice
    for plot in (window.chart, window.gap):
        for side in ("left", "bottom"):
            ratio, background = text_contrast(axis_region(plot, side))
            assert QColor(*background).name() == running.scheme.plot_bg
            assert ratio >= 4.5, (choice, plot, side, ratio)


def test_contrast_check_catches_unreadable_axis_text(window, qtbot, running):
    """The measurement itself: grey text on the dark plot is caught."""
    _choose(window, qtbot, "dark")
    axis = window.chart.getPlotItem().getAxis("left")
    axis.setTextPen(pg.mkPen("#3a3b3f"))
    axis.picture = None
    axis.update()
    ratio, _ = text_contrast(axis_region(window.chart, "left"))
    assert ratio < 4.5  # only the axis line is left to find


def test_dark_scheme_sets_a_dark_palette_and_plots(window, qtbot, running):
    _choose(window, qtbot, "dark")
    palette = QGuiApplication.palette()
    assert theme.is_dark(palette)
    assert (
        theme.contrast(
            palette.color(QPalette.ColorRole.Window), palette.color(QPalette.ColorRole.WindowText)
        )
        >= 7
    )
    bg = window.chart.backgroundBrush().color().name()
    assert bg == theme.DARK_SCHEME.plot_bg
    _choose(window, qtbot, "light")
    assert not theme.is_dark(QGuiApplication.palette())
    assert window.chart.backgroundBrush().color().name() == theme.LIGHT_SCHEME.plot_bg


@pytest.mark.parametrize("choice", ["light", "dark"])
def test_scoreboard_and_log_text_read(window, qtbot, running, choice):
    _choose(window, qtbot, choice)
    shot = pixels(window.grab().toImage())  # labels over what is really behind them
    for card in window.scoreboard.cards:
        for label in (card.count, card.name, card.handle, card.eta):
            top_left = label.mapTo(window, QPoint(0, 0))
            x, y = top_left.x(), top_left.y()
            ratio, _ = text_contrast(shot[y : y + label.height(), x : x + label.width()])
            assert ratio >= 4.5, (choice, label.objectName(), ratio)
    base = QGuiApplication.palette().color(QPalette.ColorRole.Base)
    model = window.log_panel.model
    coloured = [
        model.data(model.index(row, 2), Qt.ItemDataRole.ForegroundRole)
        for row in range(model.rowCount())
    ]
    coloured = [c for c in coloured if isinstance(c, QColor)]
    assert coloured
    assert min(theme.contrast(c, base) for c in coloured) >= 4.5


def test_the_choice_is_remembered_and_shown_in_every_window(window, qtbot, running):
    _choose(window, qtbot, "dark")
    assert settings.settings().value(theme.SETTING) == "dark"
    assert theme.stored_choice() == "dark"
    window.scheme_actions["light"].setChecked(True)  # as if another window had changed it
    window.findChild(QMenu, "appearanceMenu").aboutToShow.emit()  # as the menu opens
    assert window.scheme_actions["dark"].isChecked()
    _choose(window, qtbot, "system")
    assert settings.settings().value(theme.SETTING) == "system"


def test_following_the_system_switches_with_it(window, qtbot, running, monkeypatch):
    _choose(window, qtbot, "system")
    monkeypatch.setattr(running, "system_is_dark", lambda: True)
    hints = QGuiApplication.styleHints()
    with qtbot.waitSignal(running.changed):
        hints.colorSchemeChanged.emit(Qt.ColorScheme.Dark)  # as the desktop says it changed
    assert running.scheme is theme.DARK_SCHEME
    assert window.chart.backgroundBrush().color().name() == theme.DARK_SCHEME.plot_bg
    # A choice made by hand is kept when the system changes.
    _choose(window, qtbot, "light")
    hints.colorSchemeChanged.emit(Qt.ColorScheme.Dark)
    assert running.scheme is theme.LIGHT_SCHEME


def test_exported_chart_stays_light(window, qtbot, running):
    _choose(window, qtbot, "dark")
    image = window.exports.chart_image(size=(600, 400))
    corner = pixels(image)[5:40, 5:40]
    colours, counts = np.unique(corner.reshape(-1, 3), axis=0, return_counts=True)
    assert QColor(*[int(v) for v in colours[counts.argmax()]]).name() == "#ffffff"


def test_readable_keeps_the_hue_and_reaches_the_ratio():
    for colour in DEFAULT_COLOURS:
        for background in (theme.LIGHT_SCHEME.card_bg, theme.DARK_SCHEME.card_bg):
            out = theme.readable(colour, background)
            assert theme.contrast(out, background) >= 4.5
            if theme.contrast(colour, background) >= 4.5:
                assert out == QColor(colour).name()
            else:
                hue_in, hue_out = QColor(colour).hslHue(), QColor(out).hslHue()
                assert abs(hue_in - hue_out) <= 3 or min(hue_in, hue_out) < 0


# -- colour-blind safety of the default pair ------------------------------------------------
# Viénot, Brettel & Mollon (1999) dichromat simulations in linear RGB, and
# Machado et al. (2009) for tritanopia at full severity.
CVD = {
    "protanopia": np.array(
        [[0.11238, 0.88762, 0.0], [0.11238, 0.88762, 0.0], [0.00401, -0.00401, 1]]
    ),
    "deuteranopia": np.array(
        [[0.29275, 0.70725, 0.0], [0.29275, 0.70725, 0.0], [-0.02234, 0.02234, 1]]
    ),
    "tritanopia": np.array(
        [
            [1.255528, -0.076749, -0.178779],
            [-0.078411, 0.930809, 0.147602],
            [0.004733, 0.691367, 0.303900],
        ]
    ),
}


def _linear(hex_colour: str) -> np.ndarray:
    c = QColor(hex_colour)
    v = np.array([c.redF(), c.greenF(), c.blueF()])
    return np.where(v <= 0.04045, v / 12.92, ((v + 0.055) / 1.055) ** 2.4)


def _lab(linear: np.ndarray) -> np.ndarray:
    m = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]])
    xyz = m @ np.clip(linear, 0, 1) / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > 0.008856, np.cbrt(xyz), 7.787 * xyz + 16 / 116)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def test_default_colours_are_okabe_ito_and_stay_apart_for_colour_blind_eyes():
    assert set(DEFAULT_COLOURS) <= OKABE_ITO
    a, b = (_linear(c) for c in DEFAULT_COLOURS[:2])
    for kind, matrix in CVD.items():
        distance = float(np.linalg.norm(_lab(matrix @ a) - _lab(matrix @ b)))
        assert distance > 25, (kind, distance)  # CIE76: far beyond "just noticeable" (~2.3)
    # And in grey (printouts, monochrome vision) the two lines still differ in lightness.
    assert abs(_lab(a)[0] - _lab(b)[0]) > 5


def test_sample_race_uses_the_default_pair(sample_session):
    assert [c.colour.lower() for c in sample_session.competitors[:2]] == list(DEFAULT_COLOURS[:2])


def test_mute_follows_the_palette(qtbot):
    widget = QWidget()
    qtbot.addWidget(widget)
    theme.mute(widget)
    assert widget.foregroundRole() == QPalette.ColorRole.PlaceholderText
