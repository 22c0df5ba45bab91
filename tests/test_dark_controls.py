"""Check boxes and input fields stand out from the background in the dark theme."""
from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QStyle, QStyleOptionButton, QVBoxLayout, QWidget

from widgets.theme import DARK
from widgets.theme_apply import palette


def _luma(rgb) -> float:
    return float(0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2])


def _indicator_centre(qtbot, theme):
    host = QWidget()
    qtbot.addWidget(host)
    host.setPalette(palette(theme))
    host.setAutoFillBackground(True)
    box = QCheckBox("velocity arrow", host)
    QVBoxLayout(host).addWidget(box)
    host.resize(240, 60)
    host.show()
    qtbot.waitExposed(host)
    opt = QStyleOptionButton()
    opt.initFrom(box)
    rect = box.style().subElementRect(QStyle.SE_CheckBoxIndicator, opt, box)
    img = box.grab().toImage()
    c = img.pixelColor(rect.center())
    bg = host.grab().toImage().pixelColor(host.width() - 3, host.height() - 3)
    return (c.red(), c.green(), c.blue()), (bg.red(), bg.green(), bg.blue())


def test_unchecked_box_is_visible_on_the_dark_background(qtbot):
    inside, background = _indicator_centre(qtbot, DARK)
    # The old palette filled the box with the background lightened by 30 %: a luma step of about 6.
    assert abs(_luma(inside) - _luma(background)) > 18, (inside, background)



def _text_contrast(qtbot, theme, enabled: bool) -> float:
    """Contrast of a push button's text against its face, measured on the drawn pixels."""
    from collections import Counter

    from PySide6.QtGui import QColor
    from PySide6.QtWidgets import QPushButton

    from widgets.theme_apply import contrast_ratio

    host = QWidget()
    qtbot.addWidget(host)
    host.setPalette(palette(theme))
    host.setAutoFillBackground(True)
    button = QPushButton("Resume  Cancel", host)
    button.setEnabled(enabled)
    QVBoxLayout(host).addWidget(button)
    host.resize(260, 60)
    host.show()
    qtbot.waitExposed(host)
    img = button.grab().toImage()
    pixels = Counter(img.pixelColor(x, y).rgb() for x in range(6, img.width() - 6)
                     for y in range(5, img.height() - 5))
    face = QColor.fromRgb(pixels.most_common(1)[0][0])
    # The text's colour: the drawn colour farthest from the face (antialiased edges lie between).
    text = max((QColor.fromRgb(c) for c, n in pixels.items() if n >= 3), key=lambda c: contrast_ratio(c, face))
    return contrast_ratio(text, face)


def test_disabled_buttons_are_dimmer_yet_legible_in_both_themes(qtbot):
    from widgets.theme import LIGHT

    for theme in (LIGHT, DARK):
        on, off = _text_contrast(qtbot, theme, True), _text_contrast(qtbot, theme, False)
        # The old disabled text (the grid colour) read 1.4:1 on the dark button's face and 2:1 on the light.
        assert off >= 3.0, (theme.name, on, off)
        assert off < 0.6 * on, (theme.name, on, off)  # and clearly dimmer than the enabled text
