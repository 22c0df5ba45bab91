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

