"""A formula finite in part of the view only: the page moves the start to where the racers can
leave it (the formula's own start), instead of every racer ending at step 0."""
from __future__ import annotations

import numpy as np
import pytest



@pytest.fixture
def page(optimizer_page):
    return optimizer_page


def _type_formula(page, qtbot, text):
    page.chooser.combo.setCurrentText("custom formula…")
    page.chooser.formula.setText(text)
    page.chooser.formula.returnPressed.emit()
    qtbot.waitUntil(lambda: page.scene()["surface"] == "formula:" + text, timeout=5000)


def test_start_moves_where_the_formula_is_finite(page, qtbot):
    page.set_start(-2.5, 1.0)
    _type_formula(page, qtbot, "log(x) + y^2")
    assert page.scene()["start"] == pytest.approx([0.1, 2.0])
    _type_formula(page, qtbot, "log(x) + 2*y^2")  # finite at the current start: it stays
    assert page.scene()["start"] == pytest.approx([0.1, 2.0])


def test_start_kept_where_the_formula_is_finite(page, qtbot):
    page.set_start(-2.5, 1.0)
    _type_formula(page, qtbot, "x^2 + 3*y^2")
    assert page.scene()["start"] == pytest.approx([-2.5, 1.0])
    assert np.isfinite(page.scene()["start"]).all()
