"""What the optimizer page shows: tick labels at their true size, the loss axis for an unknown minimum,
the lesson of the chosen surface, arrow colours, step labels apart, and the scene docstring's example."""
from __future__ import annotations

import re
import textwrap
import tomllib

import numpy as np
import pytest
from PySide6.QtGui import QColor, QImage, QPainter

from core.surfaces import get_surface
from widgets import surface_items as si
from widgets.curves_view import GAP_TITLE, VALUE_TITLE, CurvesView, value_range
from widgets.hparam_map_view import HparamMapView, axis_values
from widgets.lesson_box import surface_lesson
from widgets.outcome_map_view import OutcomeMapView
from widgets.surface_view import SurfaceView, arrow_color
from widgets.theme import DARK, LIGHT, OKABE_ITO


def drawn_labels(axis) -> list[tuple[object, str]]:
    """(rect, text) of every tick label ``axis`` draws now, from its own draw specs."""
    image = QImage(16, 16, QImage.Format_ARGB32)
    painter = QPainter(image)
    try:
        specs = axis.generateDrawSpecs(painter)
    finally:
        painter.end()
    return [] if specs is None else [(rect, text) for rect, _flags, text in specs[2] if text]


def _number(text: str) -> float:
    """A tick label as a number ("10⁻⁵" and "2·10³" included)."""
    t = text.replace("−", "-").translate(str.maketrans("⁻⁰¹²³⁴⁵⁶⁷⁸⁹", "-0123456789"))
    m = re.fullmatch(r"(?:([-\d.]+)·)?10(-?\d+)", t)
    if m:
        return float(m.group(1) or 1.0) * 10.0 ** int(m.group(2))
    return float(t)


def shown_values(axis, log: bool = False) -> list[float]:
    values = [_number(t) for _, t in drawn_labels(axis)]
    assert values, "the axis draws no labels"
    return values


# -- 1. tick labels read the values, not values x 1000 -----------------------------------------------
def test_hparam_map_axes_read_the_true_lr_and_momentum(qtbot):
    view = HparamMapView()
    qtbot.addWidget(view)
    view.resize(520, 420)
    view.show()
    lr = axis_values(1e-5, 0.0747, 12, True)
    mom = axis_values(0.0, 0.99, 10, False)
    for _ in range(2):  # the second map is set up over the first one's range (where x1000 froze)
        view.set_axes("lr", lr, True, "momentum", mom, False)
        view.set_values(np.random.default_rng(0).random((10, 12)) * 0.5)
        qtbot.wait(10)
    bottom, left = view.plot.getAxis("bottom"), view.plot.getAxis("left")
    lr_shown = shown_values(bottom)
    assert min(lr_shown) >= 1e-6 and max(lr_shown) <= 0.1, lr_shown
    mom_shown = shown_values(left)
    assert min(mom_shown) >= -0.06 and max(mom_shown) <= 1.05, mom_shown
    assert all(a.autoSIPrefixScale == 1.0 for a in (bottom, left, view.bar.axis))
    _assert_apart(drawn_labels(bottom))  # "0.0001 0.001 0.01" touched in a narrow map
    for _ in range(2):  # momentum 0 .. 0.9: its cell edges lie inside 0..1, where a x1000 froze too
        view.set_axes("lr", lr, True, "momentum", axis_values(0.0, 0.9, 10, False), False)
        view.set_values(np.random.default_rng(1).random((10, 12)))
        qtbot.wait(10)
    mom_shown = shown_values(left)
    assert max(mom_shown) <= 1.0 and min(mom_shown) >= -0.06, mom_shown
    assert "(x" not in view.bar.axis.labelString()  # a colour bar of losses inside 0..1: no "(x0.001)"


def test_basin_map_and_surface_axes_read_a_small_domain_as_it_is(qtbot):
    basin = OutcomeMapView()
    qtbot.addWidget(basin)
    basin.resize(400, 400)
    basin.show()
    basin.set_domain((-0.5, 0.5, -0.4, 0.4))
    basin.set_theme(DARK)  # a theme change after the range is set is where a scale froze
    qtbot.wait(10)
    for name in ("bottom", "left"):
        vals = shown_values(basin.plot.getAxis(name))
        assert max(abs(v) for v in vals) <= 0.6, (name, vals)
        assert "(x" not in basin.plot.getAxis(name).labelString()
    view = SurfaceView()
    qtbot.addWidget(view)
    view.resize(400, 400)
    view.show()
    view.set_surface(get_surface("bowl"), view=(-0.5, 0.5, -0.5, 0.5))
    view.set_theme(DARK)
    qtbot.wait(10)
    for name in ("bottom", "left"):
        vals = shown_values(view.plot.getAxis(name))
        assert max(abs(v) for v in vals) <= 0.6, (name, vals)


def test_curves_lr_axis_reads_the_rate(qtbot):
    cv = CurvesView()
    qtbot.addWidget(cv)
    cv.resize(400, 500)
    cv.show()
    cv.set_f_min(0.0)
    cv.set_racers([("a", OKABE_ITO[0])])
    cv.set_theme(DARK)
    cv.set_data([(np.geomspace(1, 1e-3, 101), np.full(101, 0.003))], 100)
    qtbot.wait(10)
    vals = shown_values(cv.lr_plot.getAxis("left"))
    assert max(vals) <= 0.01, vals


# -- 2. a loss with an unknown minimum is drawn as it is ----------------------------------------------
def test_unknown_minimum_draws_f_on_a_linear_axis(qtbot):
    surface = get_surface("formula:x^2 + 10*y^2 + sin(3*x)")
    assert surface.f_min is None
    cv = CurvesView()
    qtbot.addWidget(cv)
    cv.resize(400, 500)
    cv.show()
    cv.set_f_min(surface.f_min)
    cv.set_racers([("GD", OKABE_ITO[0])])
    loss = np.linspace(3.0, -0.8, 201)  # settles below zero
    cv.set_data([(loss, np.full(201, 0.02))], 200)
    qtbot.wait(10)
    assert VALUE_TITLE in cv.loss_plot.getAxis("left").labelString()
    assert not cv.loss_plot.getAxis("left").logMode
    lines, _ = cv.curves()
    assert lines[0][-1, 1] == pytest.approx(-0.8)  # f itself, not a clipped 1e-16 (log10 = -16)
    lo, hi = cv.loss_plot.viewRange()[1]
    assert lo < -0.8 and hi >= 3.0
    vals = shown_values(cv.loss_plot.getAxis("left"))
    assert min(vals) < 0 < max(vals)
    # A known minimum goes back to f - f* on a log axis, and says so.
    cv.set_f_min(0.0)
    cv.set_data([(np.geomspace(3, 1e-6, 201), np.full(201, 0.02))], 200)
    assert GAP_TITLE in cv.loss_plot.getAxis("left").labelString()
    assert cv.loss_plot.getAxis("left").logMode
    assert cv.curves()[0][0][-1, 1] == pytest.approx(-6.0)


def test_value_range_caps_a_diverging_racer():
    assert value_range(-0.8, 3.0) == pytest.approx((-1.0, 3.0))
    a, b = value_range(-0.8, 1e30, top=3.0)  # a racer blowing up does not flatten the rest
    assert a <= -0.8 and 3.0 <= b <= 10.0


# -- 4. the lesson follows the surface --------------------------------------------------------------
@pytest.mark.parametrize("name", ["saddle", "rosenbrock", "bowl", "formula:x^2 + y^2"])
def test_surface_lesson_is_the_surfaces_own(name):
    s = get_surface(name)
    title, text = surface_lesson(s)
    assert title and text == s.lesson
    assert "valley" not in (title + text).lower() or name == "rosenbrock"


# -- 5. each racer's velocity arrow in its own (darker) colour ----------------------------------------
def test_velocity_arrows_take_their_racers_colour(qtbot):
    view = SurfaceView()
    qtbot.addWidget(view)
    view.resize(400, 400)
    view.show()
    view.set_surface(get_surface("bowl"))
    colors = [OKABE_ITO[0], OKABE_ITO[1], OKABE_ITO[2]]  # blue, vermillion, green (Adam)
    view.set_racers([(c, c) for c in colors])
    view.set_overlays(velocity=True)
    states = [{"trail": np.array([[0.5 * i - 0.5, 0.5]]), "grad": np.array([1.0, 0.0]),
               "velocity": np.array([0.2 * (i + 1), -0.1])} for i in range(3)]
    view.set_states(states)
    pens = [c.name() for _, c in view.race._arrows]
    assert pens == [arrow_color(c) for c in colors]
    assert pens[2] != QColor(OKABE_ITO[1]).name()  # no vermillion arrow on the green dot
    for pen, own in zip(pens, colors):
        assert QColor(pen).lightness() < QColor(own).lightness()  # a darker shade of its own colour
        assert all(pen != QColor(other).name() for other in LIGHT.racer_colors)  # and no racer's colour
    # The lengths still compare across racers (scaled together).
    lengths = [np.linalg.norm(seg[1] - seg[0]) for seg, _ in view.race._arrows]
    assert lengths[0] < lengths[1] < lengths[2]


def test_arrow_segments_scaling_as_documented():
    pts = np.zeros((3, 2))
    vec = np.array([[4.0, 0.0], [2.0, 0.0], [0.01, 0.0]])
    seg, rows = si.arrow_segments(np.vstack([pts, [[0, 0]]]), np.vstack([vec, [[np.nan, 0]]]), 1.0, with_rows=True)
    lengths = np.linalg.norm(seg[1::2] - seg[0::2], axis=1)
    np.testing.assert_allclose(lengths, [np.tanh(2.0), np.tanh(1.0), np.tanh(2 * 0.01 / 4)])
    assert rows.tolist() == [0, 1, 2]


# -- 6. step labels apart at 99,999 steps --------------------------------------------------------------
def _assert_apart(labels):
    rects = sorted((r for r, _ in labels), key=lambda r: r.left())
    for a, b in zip(rects, rects[1:]):
        assert a.right() < b.left(), [(t, r.left(), r.right()) for r, t in labels]


@pytest.mark.parametrize("width", [300, 330, 600, 900])
def test_step_labels_do_not_overlap_at_99999_steps(qtbot, width):
    cv = CurvesView()
    qtbot.addWidget(cv)
    cv.resize(width, 500)
    cv.show()
    cv.set_f_min(0.0)
    cv.set_racers([("a", OKABE_ITO[0])])
    n = 99_999
    cv.set_steps(n)
    cv.set_data([(np.exp(-np.arange(n + 1) / 2e4), np.full(n + 1, 0.01))], n)
    qtbot.wait(10)
    labels = drawn_labels(cv.lr_plot.getAxis("bottom"))
    assert len(labels) >= 2
    _assert_apart(labels)


def test_step_labels_apart_on_the_page_at_1280x720(qtbot):
    from playground import scenes
    from playground.pages.optimizer.page import OptimizerPage

    page = OptimizerPage(threaded=False)
    qtbot.addWidget(page)
    page.resize(1280, 720)
    page.show()
    scene = scenes.load_scene("saddle-escape")
    # Five-digit step labels as at 99,999 (the widget test above), at a fifth of the stepping.
    scene["steps"] = 20_000
    scene["racers"] = scene["racers"][:1]
    page.load_scene(scene)
    page.seek(20_000)
    qtbot.wait(20)
    labels = drawn_labels(page.curves.lr_plot.getAxis("bottom"))
    assert len(labels) >= 2
    _assert_apart(labels)
    page.shutdown()


# -- 8. the scene docstring's example is a scene the parser accepts ------------------------------------
def test_scene_docstring_example_parses():
    from playground.pages.optimizer import scene as scene_optimizer

    block = scene_optimizer.__doc__.split("::", 1)[1].split("Every error")[0]
    scene = scene_optimizer.validate(tomllib.loads(textwrap.dedent(block)))
    assert scene["racers"][0]["schedule"]


# -- 4 on the page, and 3's switch ---------------------------------------------------------------------
def test_page_lesson_follows_the_chosen_surface(qtbot):
    from playground.pages.optimizer.page import OptimizerPage

    page = OptimizerPage(threaded=False)
    qtbot.addWidget(page)
    page.resize(1280, 720)
    page.show()
    try:
        assert page.lesson.lesson()[0] == "Race on a valley"
        for name in ("saddle", "rosenbrock"):
            page.chooser.combo.setCurrentText(name)
            qtbot.waitUntil(lambda n=name: page.surface_view.surface().name == n)
            title, text = page.lesson.lesson()
            assert (title, text) == surface_lesson(get_surface(name))
            assert "Race on a valley" not in page.lesson.text()
        page.chooser.combo.setCurrentText("valley")  # the scene's own surface: its lesson again
        qtbot.waitUntil(lambda: page.surface_view.surface().name == "valley")
        assert page.lesson.lesson()[0] == "Race on a valley"
        assert page.scene()["title"] == "Race on a valley"
    finally:
        page.shutdown()


def test_view_menu_and_gui_flag_switch_debug_timings(qtbot, monkeypatch):
    import argparse

    from playground import cli_gui
    from playground.main_window import MainWindow

    sub = argparse.ArgumentParser().add_subparsers()
    cli_gui.register(sub)
    args = sub.choices["gui"].parse_args(["--debug"])
    assert args.debug and not sub.choices["gui"].parse_args([]).debug
    monkeypatch.setattr("playground.app.run_app", lambda **kw: 0)
    monkeypatch.setenv(cli_gui.DEBUG_ENV, "0")  # restored (unset) after the test
    assert cli_gui.run(args) == 0
    import os

    assert os.environ[cli_gui.DEBUG_ENV] == "1"  # read by the window below
    win = MainWindow(theme="light")
    qtbot.addWidget(win)
    try:
        page = win.pages["optimizer"]
        assert win.debug_action.isChecked() and page.debug_timings()
        win.debug_action.setChecked(False)
        assert not page.debug_timings() and page.status.text() == ""
        win.debug_action.setChecked(True)
        assert "repaint" in page.status.text()
        from PySide6.QtWidgets import QMenu

        view = [m for m in win.findChildren(QMenu) if m.title().replace("&", "") == "View"]
        assert view and win.debug_action in view[0].actions()
    finally:
        win.shutdown()


def test_gradient_arrow_and_markers_share_no_colour_with_a_racer():
    """The -grad f arrow and the start/minimum markers are drawn in ``theme.marker``: no racer wears it."""
    from PySide6.QtGui import QColor

    from widgets.theme import THEMES

    for theme in THEMES.values():
        racers = {QColor(c).name() for c in theme.racer_colors}
        assert QColor(theme.marker).name() not in racers, theme.name
        assert len(racers) == len(theme.racer_colors), theme.name  # eight distinct racer colours
