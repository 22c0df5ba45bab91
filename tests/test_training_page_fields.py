"""The training controls' fields: bad input explained in place with its range, fonts kept, features honest."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette
from PySide6.QtTest import QTest

from widgets.theme import DARK, LIGHT


@pytest.fixture
def controls(qtbot):
    from widgets.training_controls import TrainingControls

    c = TrainingControls(LIGHT)
    qtbot.addWidget(c)
    c.set_values(c.values())  # as the page does: the boxes show the config
    c.resize(360, 700)
    c.show()
    qtbot.waitExposed(c)
    return c


def _type(widget, text: str) -> None:
    """Select all and type ``text`` then Enter, as a user does."""
    edit = widget.lineEdit() if hasattr(widget, "lineEdit") else widget
    edit.setFocus()
    edit.selectAll()
    QTest.keyClicks(edit, text)
    QTest.keyClick(edit, Qt.Key_Return)


def test_lr_out_of_range_refused_at_the_field(controls, qtbot):
    changed, invalid = [], []
    controls.sigChanged.connect(lambda f, v: changed.append((f, v)))
    controls.sigInvalid.connect(invalid.append)
    before = controls.values()["lr"]
    _type(controls.lr.edit, "1e6")
    assert not changed and controls.values()["lr"] == before  # last valid state kept
    assert len(invalid) == 1 and "learning rate" in invalid[0] and "1000]" in invalid[0]
    assert "learning rate" in controls.lr.edit.toolTip()
    _type(controls.lr.edit, "0.002")
    assert changed == [("lr", 0.002)]
    assert "learning rate must" not in controls.lr.edit.toolTip()  # the error went with the bad value


@pytest.mark.parametrize("attr,name,text", [
    ("noise", "noise", "1e6"), ("epochs", "epochs", "1000000"), ("batch_size", "batch size", "9999999"),
    ("weight_decay", "weight decay", "7"), ("l2", "l2", "2"), ("n", "points", "5"),
])
def test_numeric_fields_explain_out_of_range(controls, attr, name, text):
    box = getattr(controls, attr)
    if not box.isEnabled():  # weight decay is off for some optimizers
        box.setEnabled(True)
    invalid = []
    controls.sigInvalid.connect(invalid.append)
    before = box.value()
    _type(box, text)
    assert box.value() == before, "an out-of-range number must not change the value"
    assert len(invalid) == 1, f"{attr}: typed {text!r} was refused silently"
    assert invalid[0].startswith(name) and f"[{box.minimum():g}, {box.maximum():g}]" in invalid[0]
    assert box.error() and name in box.toolTip()
    good = box.minimum() + (1 if isinstance(box.minimum(), int) else 0.5 * (box.maximum() - box.minimum()))
    _type(box, f"{good:g}")
    assert not box.error() and box.value() == pytest.approx(good)


@pytest.mark.parametrize("field", ["layers", "split", "schedule"])
def test_font_size_kept_after_a_bad_then_good_input(controls, qtbot, field):
    edit = getattr(controls, field)
    size = edit.fontInfo().pointSizeF()
    good = {"layers": "4,4", "split": "70/15/15", "schedule": "cosine"}[field]
    _type(edit, "bad,,x")
    assert edit.error()
    assert edit.fontInfo().pointSizeF() == size
    _type(edit, good)
    assert not edit.error()
    assert edit.fontInfo().pointSizeF() == size  # a cleared style sheet shrank it to the app's default
    assert edit.palette().color(QPalette.Base) == controls.palette().color(QPalette.Base)  # tint gone


def test_error_tint_is_visible_and_follows_the_palette(controls):
    edit = controls.layers
    base = edit.palette().color(QPalette.Base)
    _type(edit, "16,x")
    assert edit.palette().color(QPalette.Base) != base
    _type(edit, "16")
    pal = controls.palette()
    pal.setColor(QPalette.Base, DARK.background)
    controls.setPalette(pal)  # a theme change after the error: the field inherits it again
    assert edit.palette().color(QPalette.Base).name() == pal.color(QPalette.Base).name()


def test_formula_font_kept_after_bad_then_good(qtbot):
    from PySide6.QtWidgets import QWidget, QVBoxLayout

    from widgets.surface_chooser import CUSTOM, SurfaceChooser

    host = QWidget()
    qtbot.addWidget(host)
    f = host.font()
    f.setPointSize(15)
    host.setFont(f)
    chooser = SurfaceChooser(LIGHT)
    QVBoxLayout(host).addWidget(chooser)
    host.show()
    chooser.combo.setCurrentText(CUSTOM)
    size = chooser.formula.fontInfo().pointSizeF()
    chooser.formula.setText("x^2 + (")
    chooser.formula.returnPressed.emit()
    assert chooser.error.isVisibleTo(chooser)
    chooser.formula.setText("x^2 + 3*y^2")
    chooser.formula.returnPressed.emit()
    assert not chooser.error.isVisibleTo(chooser)
    assert chooser.formula.fontInfo().pointSizeF() == size


def test_last_feature_box_stays_checked(controls):
    invalid, changed = [], []
    controls.sigInvalid.connect(invalid.append)
    controls.sigChanged.connect(lambda f, v: changed.append((f, v)))
    boxes = controls.feature_boxes
    on = [n for n, b in boxes.items() if b.isChecked()]
    for n in on[:-1]:
        boxes[n].setChecked(False)
    last = on[-1]
    assert controls.values()["features"] == (last,)
    boxes[last].setChecked(False)  # refused: the box shows what training uses
    assert boxes[last].isChecked()
    assert controls.values()["features"] == (last,)
    assert invalid and last in invalid[-1]


def test_set_values_switching_features_is_not_refused(controls):
    invalid = []
    controls.sigInvalid.connect(invalid.append)
    controls.set_values({"features": ("x1",)})
    controls.set_values({"features": ("x2",)})
    assert [n for n, b in controls.feature_boxes.items() if b.isChecked()] == ["x2"]
    assert not invalid


def test_racer_schedule_font_kept_after_bad_then_good(qtbot):
    from widgets.racer_panel import RacerPanel

    panel = RacerPanel(LIGHT)
    qtbot.addWidget(panel)
    panel.set_theme(LIGHT)
    panel.show()
    qtbot.waitExposed(panel)
    panel.set_racers([{"optimizer": "sgd"}])
    edit = panel.schedule
    size = edit.fontInfo().pointSizeF()
    _type(edit, "nonsense:gamma=")
    assert edit.toolTip() != "" and panel.schedule_error.isVisibleTo(panel)
    _type(edit, "exp:k=0.01")  # the example of its tooltip
    assert not panel.schedule_error.isVisibleTo(panel), (edit.text(), panel.schedule_error.text())
    assert edit.fontInfo().pointSizeF() == size


def test_schedule_tooltip_examples_are_valid():
    """The examples a tooltip offers are what people type first: each must parse."""
    import re

    from core.optim import parse_schedule
    from widgets.racer_panel import SCHEDULE_TIP

    examples = re.findall(r"'([^']+)'", SCHEDULE_TIP)
    assert examples
    for ex in examples:
        parse_schedule(ex)


def test_lr_slider_move_clears_a_refused_text(controls):
    _type(controls.lr.edit, "abc")
    assert "learning rate" in controls.lr.edit.toolTip().splitlines()[0]
    controls.lr.slider.setValue(controls.lr.slider.value() + 10)  # keyboard or click: commits at once
    assert "must" not in controls.lr.edit.toolTip()
    assert controls.lr.edit.palette().color(QPalette.Base) == controls.palette().color(QPalette.Base)


def test_error_labels_keep_the_panel_font_and_the_error_colour(qtbot):
    """An error line under a field reads at the panel's size (a ``color:`` style sheet shrank it)."""
    from PySide6.QtWidgets import QVBoxLayout, QWidget

    from widgets.hparam_editor import HParamEditor
    from widgets.racer_panel import RacerPanel
    from widgets.surface_chooser import SurfaceChooser
    from widgets.field_errors import ERROR_COLOR

    host = QWidget()
    qtbot.addWidget(host)
    lay = QVBoxLayout(host)
    chooser, panel, editor = SurfaceChooser(LIGHT), RacerPanel(LIGHT), HParamEditor()
    for w in (chooser, panel, editor):
        lay.addWidget(w)
    f = host.font()
    f.setPointSize(15)
    host.setFont(f)
    panel.set_theme(LIGHT)
    host.show()
    for w, label in ((chooser, chooser.error), (panel, panel.schedule_error), (editor, editor.error)):
        assert label.fontInfo().pointSizeF() == w.fontInfo().pointSizeF(), type(w).__name__
        assert label.palette().color(label.foregroundRole()).name().lower() == ERROR_COLOR.lower()
