"""Incrementally stroked trails and curves: same picture as a full redraw, redrawn only when needed."""
from __future__ import annotations

import numpy as np
import pytest

from widgets.curves_view import CurvesView, live_decades
from widgets.polyline_cache import hairline_offsets, peak_decimate


def test_peak_decimate_keeps_the_envelope():
    rng = np.random.default_rng(0)
    x = np.arange(5000.0)
    y = np.sin(x / 300.0) + 0.3 * rng.normal(size=5000)
    y[1234] = 9.0  # a single spike must survive thinning
    out = peak_decimate(np.column_stack([x, y]), 200)
    assert len(out) <= 2 * 200 + 50
    assert out[:, 1].max() == 9.0 and out[:, 1].min() == y.min()
    assert np.all(np.diff(out[:, 0]) >= 0)  # still in step order
    short = np.column_stack([x[:300], y[:300]])
    assert peak_decimate(short, 200) is short  # under ~2 points a column: left alone


def test_hairline_offsets_cover_the_width():
    assert hairline_offsets(1.0) == [(0.0, 0.0)]
    for width, n in ((2.0, 4), (2.5, 5), (3.0, 7)):
        offs = np.array(hairline_offsets(width))
        assert len(offs) == n
        r = np.hypot(offs[:, 0], offs[:, 1])
        assert np.allclose(r, width / 2 - 0.4)
        # projected across any direction, neighbouring hairlines are at most 1 px apart: no gap
        for angle in np.linspace(0, np.pi, 37):
            proj = np.sort(offs @ [np.cos(angle), np.sin(angle)])
            assert np.diff(proj).max() <= 1.0 + 1e-9


@pytest.fixture
def view(surface_view):
    return surface_view


def _spiral(n):
    t = np.linspace(0.0, 6 * np.pi, n)
    return np.column_stack([2.5 * np.exp(-t / 8) * np.cos(t), 2.5 * np.exp(-t / 8) * np.sin(t)])


def _frame(view, trail):
    view.set_states([{"trail": trail, "grad": (np.nan, np.nan), "velocity": (np.nan, np.nan), "diverged": False}])
    return view.plot.grab().toImage()


def _pixels(img) -> np.ndarray:
    img = img.convertToFormat(img.Format.Format_RGB888)  # R, G, B bytes; rows padded to 4 bytes
    rows = np.frombuffer(img.constBits(), np.uint8).reshape(img.height(), img.bytesPerLine())
    return rows[:, : 3 * img.width()].reshape(img.height(), img.width(), 3)


def test_growing_trail_is_drawn_incrementally_and_matches_a_full_redraw(view):
    view.set_racers([("a", "#D55E00")])
    trail = _spiral(600)
    cache = view.race.trails
    _frame(view, trail[:10])
    rebuilds = cache.rebuilds
    for k in range(20, 601, 20):  # a playing race: the trail grows each frame
        grown = _frame(view, trail[:k])
    assert cache.rebuilds == rebuilds  # nothing was stroked again from the start
    view.set_racers([("a", "#D55E00")])  # forget the image: one full stroke of the same trail
    full = _frame(view, trail)
    assert cache.rebuilds == rebuilds + 1
    a, b = _pixels(grown).astype(int), _pixels(full).astype(int)
    differ = np.abs(a - b).max(axis=2) > 60
    assert differ.mean() < 0.002, differ.sum()  # joins between frames may differ by an edge pixel
    orange = (np.abs(b - [0xD5, 0x5E, 0x00]).max(axis=2) < 40).sum()
    assert orange > 500  # and the trail is there at all


def test_seek_back_and_resize_redraw_in_full(view, qtbot):
    view.set_racers([("a", "#0072B2")])
    trail = _spiral(300)
    _frame(view, trail)
    before = view.race.trails.rebuilds
    _frame(view, trail[:100])  # seek back: a shorter trail
    assert view.race.trails.rebuilds == before + 1
    view.resize(420, 420)
    qtbot.wait(20)
    _frame(view, trail[:100])
    assert view.race.trails.rebuilds == before + 2


def test_curves_axis_stays_put_while_losses_arrive(qtbot):
    assert live_decades(None, (-2.0, 1.0)) == (-5.0, 1.0)  # at least three decades of room
    assert live_decades((-5.0, 1.0), (-4.0, 1.0)) == (-5.0, 1.0)  # still inside: unchanged
    assert live_decades((-5.0, 1.0), (-6.0, 1.0)) == (-13.0, 1.0)  # crossed: as much again as the span
    assert live_decades((-13.0, 1.0), (-14.0, 1.0)) == (-16.0, 1.0)  # not below the 1e-16 clip
    view = CurvesView()
    qtbot.addWidget(view)
    view.set_racers([("a", "#0072B2")])
    view.set_steps(100)
    loss = np.logspace(1, -8, 101)
    view.set_data([(loss[:30], np.full(30, 0.1))], 29, complete=False)
    live = view.loss_plot.viewRange()[1]
    view.set_data([(loss[:40], np.full(40, 0.1))], 39, complete=False)
    assert view.loss_plot.viewRange()[1] == live
    view.set_data([(loss, np.full(101, 0.1))], 100, complete=True)  # computed: the exact decades
    lo, hi = view.loss_plot.viewRange()[1]
    assert -8.5 < lo <= -8.0 and 1.0 <= hi < 1.5
    lines, lrs = view.curves()
    assert len(lines[0]) == 101 and lines[0][-1, 1] == pytest.approx(-8.0)


@pytest.mark.parametrize("dpr", [1.0, 2.0])
@pytest.mark.parametrize("angle", [0.0, 30.0, 45.0, 90.0])
def test_stroke_width_is_in_logical_pixels(qtbot, dpr, angle):
    """A 2.5 px cosmetic pen is 2.5 logical pixels thick at any angle, on 1x and 2x screens alike."""
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QColor, QImage, QPainter

    from widgets.polyline_cache import cosmetic_pen, stroke

    img = QImage(int(100 * dpr), int(100 * dpr), QImage.Format_ARGB32_Premultiplied)
    img.setDevicePixelRatio(dpr)
    img.fill(Qt.white)
    p = QPainter(img)
    p.setRenderHint(QPainter.Antialiasing, True)
    p.setPen(cosmetic_pen("#000000", 2.5))
    a = np.radians(angle)
    d = np.array([np.cos(a), np.sin(a)]) * 45.0
    stroke(p, np.array([[50.0, 50.0] - d, [50.0, 50.0] + d]))
    p.end()
    ink = sum((255 - QColor(img.pixel(x, y)).lightness()) / 255.0
              for x in range(img.width()) for y in range(img.height()))
    thickness = ink / (90.0 * dpr) / dpr  # ink area in device px / line length in device px, in logical px
    assert thickness == pytest.approx(2.5, abs=0.45), thickness
