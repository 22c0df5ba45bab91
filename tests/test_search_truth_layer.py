"""The search page's true response layer: computed in the page's child, drawn under the trials on the
Slice and Contour plots, cleared with its set-up, and no job left behind; the contour's smooth fill."""
from __future__ import annotations

import math

import numpy as np
import pytest

from core.search_records import ParamAxis, TrialRecord
from playground.pages.search.truth_layer import POINTS_1D, POINTS_2D
from playground.search.truth import TrueResponse
from widgets.search.contour_plot import GRID, ContourPlot, objective_grid
from widgets.search.slice_plot import SlicePlot
from widgets.theme import LIGHT
from qt_wait import wait
from search_kit import LR, search_scene, shown_page, tiny_base

BASE = tiny_base(epochs=3)
SPACE_2D = {"lr": LR, "dropout": {"low": 0.0, "high": 0.5}}


def scene(space, **kw):
    return search_scene(**{"base": BASE, "space": space, **kw})


@pytest.fixture
def page(qtbot, tmp_path):
    with shown_page(qtbot, f"sqlite:///{tmp_path / 'search.db'}") as p:
        yield p


def _computed(page, qtbot):
    page.truth.button.setChecked(True)
    assert page.truth.job is not None and "computing" in page.truth.readout.text()
    wait(qtbot, lambda: page.model.truth is not None and page.truth.job is None)


def test_one_knob_truth_is_a_line_on_the_slice_and_goes_with_its_space(page, qtbot):
    page.load_scene(scene({"lr": LR}))
    _computed(page, qtbot)
    t = page.model.truth
    assert t.names == ("lr",) and t.values.shape == (POINTS_1D,) and np.isfinite(t.values).all()
    assert "trainings in" in page.truth.readout.text()
    xs, ys = page.slice.truth_line.getData()
    assert len(xs) == POINTS_1D and np.allclose(xs, np.log10(t.axes[0])) and np.allclose(ys, t.values)
    assert page.slice.truth_key.isVisibleTo(page.slice) and f"{POINTS_1D} trainings" in page.slice.truth_key.text()
    assert page.contour.source != "truth"
    # Off: the line goes, the model keeps the truth (on again shows it without training).
    page.truth.button.setChecked(False)
    assert len(page.slice.truth_line.getData()[0] or []) == 0 and page.model.truth is t
    page.truth.button.setChecked(True)
    assert page.truth.job is None and len(page.slice.truth_line.getData()[0]) == POINTS_1D
    # Another space: the truth is cleared, the box unticked, the line gone.
    page.model.set(space={"lr": {"low": 1e-2, "high": 1.0, "log": True}})
    assert page.model.truth is None and not page.truth.button.isChecked()
    assert len(page.slice.truth_line.getData()[0] or []) == 0


def test_two_knob_truth_is_the_contour_map_and_the_trials_sit_on_it(page, qtbot):
    page.load_scene(scene(SPACE_2D, trials=5))
    page.tabs_right.setCurrentWidget(page.contour)  # a hidden tab draws only when shown
    assert page.start()
    wait(qtbot, lambda: not page.model.running and page.link.job is None)
    assert page.contour.source == "trials" and "interpolated from 5 trials" in page.contour.key.text()
    _computed(page, qtbot)
    t = page.model.truth
    assert t.values.shape == (POINTS_2D, POINTS_2D) and t.names == ("lr", "dropout")
    c = page.contour
    assert c.source == "truth" and c.grid.shape == (GRID, GRID) and np.isfinite(c.grid).all()
    assert f"true response, {POINTS_2D}×{POINTS_2D} trainings" in c.key.text()
    # The map is the truth: a corner cell lies between the corner runs it blends, the star at the grid's best.
    for cell, runs in ((c.grid[0, 0], t.values[:2, :2]), (c.grid[-1, -1], t.values[-2:, -2:])):
        assert runs.min() - 1e-9 <= cell <= runs.max() + 1e-9
    sx, sy = c.truth_best.getData()
    assert sx[0] == pytest.approx(math.log10(t.best_params["lr"])) and sy[0] == pytest.approx(t.best_params["dropout"])
    assert len(c.points.data) == 5  # the trials still drawn, on top
    # Swapped axes: the same truth, transposed.
    c.set_params("dropout", "lr")
    assert c.source == "truth" and t.values[-2:, :2].min() - 1e-9 <= c.grid[0, -1] <= t.values[-2:, :2].max() + 1e-9
    # The slice over one of the two knobs: the best over the other.
    xs, ys = page.slice.truth_line.getData()
    assert len(xs) == POINTS_2D and np.allclose(ys, np.nanmin(t.values, axis=1))
    page.truth.button.setChecked(False)
    assert c.source == "trials" and "interpolated" in c.key.text() and len(c.truth_best.getData()[0]) == 0
    page.truth.button.setChecked(True)
    page.model.set(base={**BASE, "epochs": 4})
    assert page.model.truth is None and c.source == "trials"


@pytest.mark.parametrize("space, words", [
    ({"lr": LR, "dropout": {"low": 0.0, "high": 0.5}, "l2": {"low": 0.0, "high": 0.1}}, "one or two knobs"),
    ({"lr": LR, "activation": {"choices": ["relu", "tanh"]}}, "list of choices"),
])
def test_a_space_without_a_truth_says_why_in_place(page, space, words):
    page.load_scene(scene(space))
    page.truth.button.setChecked(True)
    assert not page.truth.button.isChecked() and page.truth.job is None and page.model.truth is None
    assert page.model.error and words in page.model.message and "not drawn" in page.truth.readout.text()


def test_changing_the_space_or_closing_mid_truth_leaves_no_job(page, qtbot):
    page.load_scene(scene(SPACE_2D, base={**BASE, "epochs": 3000}))
    page.truth.button.setChecked(True)
    job = page.truth.job
    assert job is not None
    wait(qtbot, lambda: page.link.host is not None and page.link.host.pid is not None)
    page.model.set(space={"lr": LR})  # another space: the old job is cancelled
    assert page.truth.job is None and not page.truth.button.isChecked()
    wait(qtbot, lambda: job not in page.link.host.live_jobs)
    page.truth.button.setChecked(True)  # a long one again, then the page closes under it
    assert page.truth.job is not None
    host = page.link.host
    proc_pid = host.pid
    page.shutdown()
    assert page.link.host is None and page.truth.job is None
    wait(qtbot, lambda: not _alive(proc_pid), 20)


def _alive(pid) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split()[2] != "Z"
    except FileNotFoundError:
        return False


# ---------------------------------------------------------------- the plots alone

def _truth_2d(f, n=24, minimize=True):
    lr, d = np.geomspace(1e-3, 1.0, n), np.linspace(0.0, 0.5, n)
    values = f(np.log10(lr)[:, None], d[None, :])
    i = np.unravel_index(np.nanargmin(values) if minimize else np.nanargmax(values), values.shape)
    return TrueResponse(("lr", "dropout"), (lr, d), values, "val_loss" if minimize else "val_acc", minimize,
                        float(values[i]), {"lr": float(lr[i[0]]), "dropout": float(d[i[1]])})


AXES = [ParamAxis("lr", 1e-3, 1.0, True), ParamAxis("dropout", 0.0, 0.5)]


def test_contour_truth_cells_follow_the_function_and_diverged_runs_take_the_worst_colour(qtbot):
    w = ContourPlot(LIGHT)
    qtbot.addWidget(w)
    w.set_axes(AXES)
    t = _truth_2d(lambda u, v: (u + 1) ** 2 + v)
    t.values[-1, :] = np.nan  # lr = 1 diverged everywhere
    w.set_truth(t)
    assert w.source == "truth"
    u = -3 + (np.arange(GRID) + 0.5) * 3 / GRID
    v = (np.arange(GRID) + 0.5) * 0.5 / GRID
    expected = (u[None, :] + 1) ** 2 + v[:, None]
    inside = u < -0.2  # away from the diverged column
    assert np.abs(w.grid[:, inside] - expected[:, inside]).max() < 0.02
    # Diverged runs count as the worst value: the cells beside them blend towards it.
    assert w.grid[:, -1].min() > np.nanmax(t.values[-2]) + 1.0
    w.set_truth(None)
    assert w.source is None and not w.image.isVisible()  # no trials, no truth: no map


def test_slice_ignores_a_truth_of_other_knobs(qtbot):
    w = SlicePlot(LIGHT)
    qtbot.addWidget(w)
    w.set_axes([ParamAxis("l2", 0.0, 0.1)])
    w.set_truth(_truth_2d(lambda u, v: u + v))
    assert w.truth_curve() is None and not w.truth_key.isVisibleTo(w)


def test_interpolated_fill_is_smooth_outside_the_trials_hull():
    # The old fill took the nearest trial outside the hull: steps of a large part of the range there.
    rng = np.random.default_rng(3)
    x, y = rng.uniform(-3, 0, 16), rng.uniform(0, 0.5, 16)
    z = (x + 1) ** 2 * 0.3 + 0.5 * y
    grid = objective_grid(x, y, z, (-3.0, 0.0), (0.0, 0.5))
    span = z.max() - z.min()
    steps = max(np.abs(np.diff(grid, axis=0)).max(), np.abs(np.diff(grid, axis=1)).max())
    assert steps < 0.05 * span
    assert z.min() - 1e-12 <= grid.min() and grid.max() <= z.max() + 1e-12
    # Three trials on one line (no hull): inverse-distance weighting, still smooth and bounded.
    line = objective_grid(np.array([-2.0, -1.0, 0.0]), np.array([0.1, 0.2, 0.3]), np.array([1.0, 2.0, 3.0]),
                          (-3.0, 0.0), (0.0, 0.5))
    assert np.isfinite(line).all() and 1.0 <= line.min() and line.max() <= 3.0


def test_contour_records_drawn_with_trials_and_truth_together(qtbot):
    w = ContourPlot(LIGHT)
    qtbot.addWidget(w)
    w.set_axes(AXES)
    recs = [TrialRecord(i, {"lr": 10 ** -(i % 3 + 0.5), "dropout": 0.1 * (i % 4)}, 0.5 + 0.01 * i, "complete")
            for i in range(8)]
    w.set_records(recs)
    assert w.source == "trials"
    w.set_truth(_truth_2d(lambda u, v: u * v, minimize=False))
    assert w.source == "truth" and len(w.points.data) == 8
    sx, _ = w.truth_best.getData()
    assert len(sx) == 1


def test_model_keeps_its_truth_for_the_same_set_up_only():
    from playground.pages.search.model import SearchModel

    m = SearchModel()
    truth = _truth_2d(lambda u, v: u + v)
    m.set_truth(truth)
    m.space = dict(m.space)          # an equal space (the editor assigns a new dict on every edit)
    m.method = "bayes"               # the method plays no part in the truth
    assert m.truth is truth
    m.objective = "val_acc"
    assert m.truth is None and m.truth_key == ""
    m.set_truth(truth)
    m.load_scene(scene({"lr": LR}))  # a scene: a new study, a new set-up
    assert m.truth is None
