"""SurfaceView: clicks set the start, repaint time is recorded, trails map onto the plot."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt

from core.surfaces import get_surface
from widgets import surface_items as si


@pytest.fixture
def view(surface_view):
    return surface_view


def _pixel_of(view, x, y):
    vb = view.plot.getViewBox()
    scene_pt = vb.mapViewToScene(QPointF(x, y))
    return view.plot.mapFromScene(scene_pt)


def test_click_sets_start(view, qtbot):
    target = _pixel_of(view, 1.0, -1.5)
    with qtbot.waitSignal(view.sigStartChanged, timeout=2000) as blocker:
        qtbot.mouseClick(view.plot.viewport(), Qt.LeftButton, pos=target)
    x, y = blocker.args
    assert x == pytest.approx(1.0, abs=0.05) and y == pytest.approx(-1.5, abs=0.05)
    assert view.start() == pytest.approx((x, y))


def test_repaint_time_recorded_after_kappa_change(view):
    view.last_repaint_ms = float("nan")
    view.set_surface(get_surface("valley:kappa=200"))
    computed = view.last_repaint_ms
    assert np.isfinite(computed) and computed > 0
    view.plot.viewport().repaint()  # the paint that shows the change is added to the computing time
    assert view.last_repaint_ms > computed
    painted = view.last_repaint_ms
    view.plot.viewport().repaint()  # later paints (trails, hover) are not a surface change
    assert view.last_repaint_ms == painted
    assert view.plot.toolTip() == ""  # developer timings are off by default
    assert "repaint" not in view.hover_at(0.5, 0.5)
    view.set_debug_timings(True)
    assert "repaint" in view.plot.toolTip() and "repaint" in view.hover_at(0.5, 0.5)


def test_log_color_handles_negative_and_inf():
    Z = np.array([[-5.0, 0.0], [np.inf, 3.0]])
    D, (lo, hi) = si.display_values(Z, log_color=True)
    assert np.isfinite(D).all() and hi > lo


def test_image_rect_uses_cell_edges():
    xs = np.linspace(-1, 1, 5)
    x0, y0, w, h = si.cell_rect(xs, xs)
    assert x0 == pytest.approx(-1.25) and w == pytest.approx(2.5)


def test_trail_pixels_follow_the_view(view):
    view.set_racers([("a", "#0072B2")])
    trail = np.array([[-2.0, 1.0], [0.0, 0.0]])
    view.set_states([{"trail": trail, "grad": (1.0, 0.0), "velocity": (np.nan, np.nan), "diverged": False}])
    px = view.trail_pixels(0)
    assert px.shape == (2, 2)
    assert px[0, 0] < px[1, 0] and px[0, 1] < px[1, 1]  # left of and above (y grows down) the origin


def test_hover_readout(view):
    text = view.hover_at(1.0, 0.0)
    assert "f = 0.5" in text and "|∇f|" in text
