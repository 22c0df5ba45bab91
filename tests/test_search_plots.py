"""The search page's plots on records of a REAL Optuna study (the widgets themselves know no Optuna).

The study minimizes f(lr, wd) = (log10 lr + 2)^2 + (wd - 0.3)^2 (minimum 0 at lr = 0.01, wd = 0.3) with
RandomSampler(seed=0) over 30 trials. Each trial reports a learning curve f + 3 / (step + 1) for 8 steps;
a ThresholdPruner cuts the curves above 5 from step 3 on (the tiny learning rates), and trial 5 raises, so
the records hold complete, pruned and failed trials.
"""
from __future__ import annotations

import math

import numpy as np
import optuna
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QTabWidget

from core.search_records import ParamAxis, TrialRecord, best_so_far
from widgets.search.contour_plot import ContourPlot
from widgets.search.history_plot import HistoryPlot
from widgets.search.importance_plot import ImportancePlot
from widgets.search.intermediate_plot import IntermediatePlot
from widgets.search.parallel_coords import ParallelCoords
from widgets.search.slice_plot import SlicePlot
from widgets.search.trials_table import TrialsTable
from widgets.theme import DARK, LIGHT

AXES = [ParamAxis("lr", 1e-5, 1.0, log=True), ParamAxis("wd", 0.0, 1.0),
        ParamAxis("layers", 1, 4, integer=True), ParamAxis("act", None, None, choices=("relu", "tanh", "gelu"))]
STEPS = 8


def f(lr: float, wd: float) -> float:
    """The objective: a bowl in (log10 lr, wd)."""
    return (math.log10(lr) + 2.0) ** 2 + (wd - 0.3) ** 2


def objective(trial: optuna.Trial) -> float:
    lr = trial.suggest_float("lr", 1e-5, 1.0, log=True)
    wd = trial.suggest_float("wd", 0.0, 1.0)
    trial.suggest_int("layers", 1, 4)
    trial.suggest_categorical("act", ["relu", "tanh", "gelu"])
    if trial.number == 5:
        raise ValueError("diverged: loss is nan")
    value = f(lr, wd)
    for step in range(STEPS):
        trial.report(value + 3.0 / (step + 1), step)
        if trial.should_prune():
            raise optuna.TrialPruned()
    return value


def run_study(n_trials: int = 30) -> optuna.Study:
    """30 trials of RandomSampler(seed=0), in memory."""
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0),
                                pruner=optuna.pruners.ThresholdPruner(upper=5.0, n_warmup_steps=3))
    study.optimize(objective, n_trials=n_trials, catch=(ValueError,))
    return study


_STATES = {optuna.trial.TrialState.COMPLETE: "complete", optuna.trial.TrialState.PRUNED: "pruned",
           optuna.trial.TrialState.FAIL: "fail", optuna.trial.TrialState.RUNNING: "running"}


def to_record(t: optuna.trial.FrozenTrial) -> TrialRecord:
    """An Optuna trial as the plots' plain record."""
    attrs = dict(t.user_attrs)
    if t.datetime_start and t.datetime_complete:
        attrs["duration"] = (t.datetime_complete - t.datetime_start).total_seconds()
    if "fail_reason" in t.system_attrs:
        attrs["error"] = t.system_attrs["fail_reason"]
    return TrialRecord(t.number, dict(t.params), t.value, _STATES[t.state], dict(t.intermediate_values), attrs)


def records(study: optuna.Study) -> list[TrialRecord]:
    return [to_record(t) for t in study.get_trials(deepcopy=False)]


@pytest.fixture(scope="module")
def study():
    return run_study()


@pytest.fixture(scope="module")
def recs(study):
    rs = records(study)
    states = [r.state for r in rs]
    assert states.count("pruned") >= 3 and states.count("fail") == 1 and states.count("complete") >= 20
    return rs


def _shown(qtbot, widget, size=(900, 600)):
    qtbot.addWidget(widget)
    widget.resize(*size)
    widget.show()
    QApplication.processEvents()
    return widget


def _viewport_pos(plot_widget, x: float, y: float) -> QPoint:
    """Where the view point (x, y) lies in the plot widget's viewport, in pixels."""
    scene = plot_widget.getViewBox().mapViewToScene(QPointF(x, y))
    return plot_widget.mapFromScene(scene)


def _lonely(plot_widget, xs, ys, numbers):
    """The trial whose drawn point is farthest (in pixels) from every other point: a click hits only it."""
    px = np.array([[p.x(), p.y()] for p in (_viewport_pos(plot_widget, x, y) for x, y in zip(xs, ys))], float)
    d = np.linalg.norm(px[:, None] - px[None], axis=-1) + np.eye(len(px)) * 1e9
    k = int(np.argmax(d.min(axis=1)))
    return numbers[k], QPoint(int(round(px[k, 0])), int(round(px[k, 1])))


def _click_emits(qtbot, widget, xs, ys, numbers):
    n, pos = _lonely(widget.plot, xs, ys, numbers)
    with qtbot.waitSignal(widget.trial_clicked, timeout=1000) as blocker:
        QTest.mouseClick(widget.plot.viewport(), Qt.LeftButton, Qt.NoModifier, pos)
    assert blocker.args == [n]


def _wheel(plot_widget):
    """A real mouse-wheel zoom at the middle of the plot, as a user would do it."""
    vp = plot_widget.viewport()
    centre = QPointF(vp.width() / 2, vp.height() / 2)
    ev = QWheelEvent(centre, QPointF(vp.mapToGlobal(centre.toPoint())), QPoint(0, 0), QPoint(0, 240),
                     Qt.NoButton, Qt.NoModifier, Qt.NoScrollPhase, False)
    QApplication.sendEvent(vp, ev)
    QApplication.processEvents()


def _spots(scatter):
    x, y = scatter.getData()
    return np.asarray(x, float), np.asarray(y, float), [int(d) for d in scatter.data["data"]]


# -- records ----------------------------------------------------------------------------------

def test_best_so_far_is_the_running_minimum_of_complete_trials(study, recs):
    values = [t.value for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    numbers = [t.number for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    hand, best = [], math.inf
    for v in values:
        best = min(best, v)
        hand.append(best)
    got = best_so_far(recs, minimize=True)
    assert [n for n, _ in got] == numbers
    assert [b for _, b in got] == hand
    assert got[-1][1] == study.best_value
    assert best_so_far(recs, minimize=False)[-1][1] == max(values)


def test_axis_maps_log_values_and_choices_and_refuses_bad_ranges():
    lr = ParamAxis("lr", 1e-5, 1.0, log=True)
    assert lr.to_plot(1e-3) == pytest.approx(-3.0) and lr.plot_range() == pytest.approx((-5.0, 0.0))
    assert math.isnan(lr.to_plot(None)) and math.isnan(lr.to_plot(-1.0))
    act = ParamAxis("act", None, None, choices=("relu", "tanh"))
    assert act.to_plot("tanh") == 1.0 and math.isnan(act.to_plot("elu")) and act.plot_range() == (-0.5, 1.5)
    with pytest.raises(ValueError):
        ParamAxis("lr", 0.0, 1.0, log=True)
    with pytest.raises(ValueError):
        TrialRecord(0, {}, 1.0, "done")


# -- the plots --------------------------------------------------------------------------------

def test_history_draws_every_trial_by_state_and_the_best_so_far(qtbot, recs, study):
    w = _shown(qtbot, HistoryPlot(LIGHT))
    w.set_axes(AXES)
    w.set_records(recs)
    x, y, ns = _spots(w.complete_points)
    done = [r for r in recs if r.state == "complete"]
    assert ns == [r.number for r in done] and list(x) == ns and list(y) == [r.value for r in done]
    px, py, pn = _spots(w.pruned_points)
    pruned = [r for r in recs if r.state == "pruned"]
    assert pn == [r.number for r in pruned]
    assert list(py) == [r.intermediate[max(r.intermediate)] for r in pruned]  # where the pruner cut each
    assert _spots(w.failed_points)[2] == [5]
    bx, by = w.best_curve()
    # The step line's value at each complete trial is the minimum over the trials up to it.
    for r in done:
        at = by[np.flatnonzero(bx == r.number)[-1]]
        assert at == min(d.value for d in done if d.number <= r.number)
    assert by[-1] == study.best_value and bx[-1] == recs[-1].number
    _click_emits(qtbot, w, x, y, ns)


def test_slice_puts_a_log_param_on_a_log_axis_with_real_value_ticks(qtbot, recs):
    w = _shown(qtbot, SlicePlot(DARK))
    w.set_axes(AXES)
    w.set_records(recs)
    w.set_param("lr")
    x, y, ns = _spots(w.points)
    done = [r for r in recs if r.state == "complete"]
    assert ns == [r.number for r in done]
    assert np.allclose(x, [math.log10(r.params["lr"]) for r in done]) and list(y) == [r.value for r in done]
    axis = w.plot.getAxis("bottom")
    assert axis.logMode
    (x0, x1), _ = w.view.viewRange()
    assert x0 < -4.9 and x1 > -0.1  # the axis's whole range, 1e-5 .. 1, fitted
    levels = axis.tickValues(x0, x1, axis.width())
    shown = [s for _, values in levels for s in axis.tickStrings(values, 1.0, 1.0)]
    assert "0.001" in shown and "0.01" in shown
    for _, values in levels:
        for v, s in zip(values, axis.tickStrings(values, 1.0, 1.0)):
            assert s == "" or float(s) == pytest.approx(10 ** v, rel=0.01)  # a real value, not "-3" or "10⁻³"
    assert axis.tickStrings([-5.0, 4.0], 1.0, 1.0) == ["1e-5", "1e4"]
    # Over one decade pyqtgraph ticks 1, 2, ..., 9: only 1, 2 and 5 are labelled, or the labels overlap.
    minor = [math.log10(k * 1e-3) for k in range(1, 10)]
    assert axis.tickStrings(minor, 1.0, 1.0) == ["0.001", "0.002", "", "", "0.005", "", "", "", ""]
    # The U: the best trial sits near lr = 0.01, and both ends of the axis are worse.
    best = int(np.argmin(y))
    assert abs(x[best] + 2) < 0.5 and y[np.argmin(x)] > 2 * y[best] and y[np.argmax(x)] > 2 * y[best]
    _click_emits(qtbot, w, x, y, ns)
    w.set_param("act")  # choices: evenly spaced categories, a linear axis
    assert not axis.logMode and sorted(set(_spots(w.points)[0])) <= [0.0, 1.0, 2.0]


def test_contour_maps_trials_in_log_space_and_draws_the_boxes(qtbot, recs):
    w = _shown(qtbot, ContourPlot(LIGHT))
    w.set_axes(AXES)
    w.set_records(recs)
    w.set_params("lr", "wd")
    x, y, ns = _spots(w.points)
    done = [r for r in recs if r.state == "complete"]
    assert ns == [r.number for r in done]
    assert np.allclose(x, [math.log10(r.params["lr"]) for r in done]) and np.allclose(y, [r.params["wd"] for r in done])
    assert w.plot.getAxis("bottom").logMode and not w.plot.getAxis("left").logMode
    assert w.grid is not None and np.isfinite(w.grid).all()
    rect = w.image.mapRectToView(w.image.boundingRect())
    assert (rect.left(), rect.right()) == pytest.approx((-5.0, 0.0)) and (rect.top(), rect.bottom()) == pytest.approx((0.0, 1.0))
    # Interpolation stays within the trials' values, and the cell under the best trial is among the lowest.
    values = np.array([r.value for r in done])
    assert values.min() <= w.grid.min() and w.grid.max() <= values.max()
    best = done[int(np.argmin(values))]
    n = w.grid.shape[0]
    cell = w.grid[int((best.params["wd"] - 0.0) * n), int((math.log10(best.params["lr"]) + 5) / 5 * n)]
    assert cell <= np.quantile(w.grid, 0.05)
    w.set_boxes([{"round": 1, "box": {"lr": (1e-5, 1.0), "wd": (0.0, 1.0)}},
                 {"round": 2, "box": {"lr": (1e-3, 1e-1), "wd": (0.1, 0.6)}}])
    rects = [i for i in w.box_items if isinstance(i, pg_rect())]
    assert len(rects) == 2
    r2 = rects[1].rect()
    assert (r2.left(), r2.right(), r2.top(), r2.bottom()) == pytest.approx((-3.0, -1.0, 0.1, 0.6))
    # The page sets the boxes with every snapshot: the same boxes again do not redraw the map.
    redraws = []
    original = w._redraw
    w._redraw = lambda: (redraws.append(1), original())
    w.set_boxes([dict(b) for b in w._boxes])
    assert redraws == []
    w.set_boxes([])
    assert redraws == [1] and not [i for i in w.box_items if isinstance(i, pg_rect())]
    w._redraw = original
    _click_emits(qtbot, w, x, y, ns)


def pg_rect():
    from PySide6.QtWidgets import QGraphicsRectItem
    return QGraphicsRectItem


def test_parallel_coordinates_normalize_log_axes_in_log_space(qtbot, recs):
    w = _shown(qtbot, ParallelCoords(DARK))
    w.set_axes(AXES)
    w.set_records(recs)
    coords, vals, ns = w.coordinates()
    done = [r for r in recs if r.state == "complete"]
    assert ns == [r.number for r in done] and sorted(w.order) == ns
    assert np.allclose(coords[:, 0], [(math.log10(r.params["lr"]) + 5) / 5 for r in done])
    assert np.allclose(coords[:, 1], [r.params["wd"] for r in done])
    assert np.allclose(coords[:, 2], [(r.params["layers"] - 1) / 3 for r in done])
    # Three choices, evenly spaced at the centres of three slots.
    assert np.allclose(coords[:, 3], [(("relu", "tanh", "gelu").index(r.params["act"]) + 0.5) / 3 for r in done])
    k = int(np.argmin(vals))  # the best trial's line is drawn last, on top of every other shade
    assert w.order[-1] == ns[k]
    _, by, best_line = w.trial_line(ns[k])
    used = [line for line in w.lines if line.getData()[0] is not None and len(line.getData()[0])]
    assert np.allclose(by, coords[k]) and best_line.zValue() == max(line.zValue() for line in used)
    worst = ns[int(np.argmax(vals))]
    assert w.trial_line(worst)[2].zValue() < best_line.zValue()
    # A handful of curves whatever the number of trials, together drawing every complete trial once.
    drawn = sum(np.count_nonzero(np.isnan(line.getData()[1])) for line in used)
    assert drawn == len(done) and len(w.lines) <= 24
    x, y, pn = _spots(w.points)
    only_lr = x == 0
    _click_emits(qtbot, w, x[only_lr], y[only_lr], [n for n, keep in zip(pn, only_lr) if keep])


def test_intermediate_values_cut_pruned_curves_with_an_end_marker(qtbot, recs):
    w = _shown(qtbot, IntermediatePlot(LIGHT))
    w.set_axes(AXES)
    w.set_records(recs)
    with_curves = [r for r in recs if r.intermediate]
    assert [n for n, _, _ in w.paths] == [r.number for r in with_curves]
    for (_, cx, cy), r in zip(w.paths, with_curves):
        assert list(cx) == sorted(r.intermediate) and list(cy) == [r.intermediate[s] for s in sorted(r.intermediate)]
        assert len(cx) == (4 if r.state == "pruned" else STEPS)
    # One curve per state draws its trials' paths, each ended by a NaN break.
    for state, curve in w.curves.items():
        cx, cy = curve.getData()
        paths = [(x, y) for (n, x, y), r in zip(w.paths, with_curves) if r.state == state]
        assert len(cx) == sum(len(x) + 1 for x, _ in paths)
        if paths:
            assert np.array_equal(cx, np.concatenate([np.append(x, np.nan) for x, _ in paths]), equal_nan=True)
    x, y, ns = _spots(w.ends)
    symbols = list(w.ends.data["symbol"])
    assert [n for n, s in zip(ns, symbols) if s == "x"] == [r.number for r in recs if r.state == "pruned"]
    pruned = [r for r in recs if r.state == "pruned"]
    _click_emits(qtbot, w, x[np.array(symbols) == "x"], y[np.array(symbols) == "x"], [r.number for r in pruned])


@pytest.mark.parametrize("cls", [HistoryPlot, SlicePlot, ContourPlot, ParallelCoords, IntermediatePlot])
def test_live_updates_keep_the_users_zoom(qtbot, recs, cls):
    w = _shown(qtbot, cls(LIGHT))
    w.set_axes(AXES)
    w.set_records(recs[:12])
    fitted = w.view.viewRange()
    _wheel(w.plot)
    assert w.user_view
    zoomed = w.view.viewRange()
    assert zoomed != fitted  # the wheel zoomed in
    w.set_records(recs)
    assert w.view.viewRange() == zoomed
    w.reset_view()
    assert w.view.viewRange() != zoomed and not w.user_view


def test_history_refits_while_the_user_has_not_zoomed(qtbot, recs):
    w = _shown(qtbot, HistoryPlot(LIGHT))
    w.set_records(recs[:10])
    assert w.view.viewRange()[0][1] < 10
    w.set_records(recs)
    assert w.view.viewRange()[0][1] > recs[-1].number


def test_table_sorts_numerically_and_emits_the_clicked_trial(qtbot, recs):
    w = _shown(qtbot, TrialsTable(LIGHT))
    w.set_axes(AXES)
    w.set_records(recs)
    model = w.model
    assert model.columns[:3] == ["#", "state", "value"] and "lr" in model.columns and model.columns[-1] == "duration (s)"
    w.view.sortByColumn(0, Qt.DescendingOrder)
    assert w.numbers() == sorted((r.number for r in recs), reverse=True)  # 29 .. 10, 9 .. 0: not as text
    w.view.sortByColumn(model.columns.index("value"), Qt.AscendingOrder)
    valued = sorted((r for r in recs if r.value is not None), key=lambda r: r.value)
    assert w.numbers()[:len(valued)] == [r.number for r in valued]  # missing values last
    w.view.sortByColumn(model.columns.index("lr"), Qt.AscendingOrder)
    assert w.numbers() == [r.number for r in sorted(recs, key=lambda r: r.params["lr"])]
    w.set_records(recs[:20])  # a live update keeps the sort
    assert w.numbers() == [r.number for r in sorted(recs[:20], key=lambda r: r.params["lr"])]
    row = 3
    index = w.proxy.index(row, 1)
    pos = w.view.visualRect(index).center()
    with qtbot.waitSignal(w.trial_clicked, timeout=1000) as blocker:
        QTest.mouseClick(w.view.viewport(), Qt.LeftButton, Qt.NoModifier, pos)
    assert blocker.args == [w.numbers()[row]]


def test_importance_bars_and_the_few_trials_warning(qtbot, study):
    importance = optuna.importance.get_param_importances(
        study, evaluator=optuna.importance.FanovaImportanceEvaluator(seed=0))
    w = _shown(qtbot, ImportancePlot(LIGHT))
    w.set_importance(importance, len(study.trials))
    assert not w.warning.isVisibleTo(w)
    assert w.order()[0] == "lr"  # f depends on lr the most over its range
    ys = w.bars.opts["y"]
    assert list(w.bars.opts["width"]) == [importance[k] for k in w.order()] and ys[0] == max(ys)
    w.set_importance(importance, 6)
    assert w.warning.isVisibleTo(w) and "few trials back this" in w.warning.text()


def test_theme_switch_redraws_without_losing_records(qtbot, recs):
    for cls in (HistoryPlot, SlicePlot, ContourPlot, ParallelCoords, IntermediatePlot):
        w = _shown(qtbot, cls(LIGHT))
        w.set_axes(AXES)
        w.set_records(recs)
        before = w.view.viewRange()
        w.set_theme(DARK)
        assert w.plot.backgroundBrush().color().name().upper() == DARK.background.upper()
        assert w.view.viewRange() == before


def test_an_empty_or_all_failed_study_draws_nothing_and_raises_nothing(qtbot, recs):
    failed = [r for r in recs if r.state == "fail"]
    for cls in (HistoryPlot, SlicePlot, ContourPlot, ParallelCoords, IntermediatePlot, TrialsTable, ImportancePlot):
        w = _shown(qtbot, cls(DARK))
        w.set_axes(AXES)
        for rs in ([], failed):
            w.set_records(rs)
        if cls is ImportancePlot:
            w.set_importance({}, 0)
            assert w.bars is None and w.warning.isVisibleTo(w)
    empty = HistoryPlot()
    qtbot.addWidget(empty)
    assert empty.best_curve()[0].size == 0


def test_a_plot_on_a_hidden_tab_draws_its_records_when_it_shows(qtbot, recs):
    """A running search's snapshots reach seven views; only the shown ones draw (the rest when shown)."""
    tabs = QTabWidget()
    qtbot.addWidget(tabs)
    front, back, table = HistoryPlot(LIGHT), HistoryPlot(LIGHT), TrialsTable(LIGHT)
    for i, w in enumerate((front, back, table)):
        tabs.addTab(w, str(i))
        w.set_axes(AXES)
    n_done = sum(r.state == "complete" and r.finite_value is not None for r in recs)
    # Never shown (a page rendered offscreen without show()): the current tab still draws.
    front.set_records(recs)
    assert len(front.complete_points.data) == n_done
    tabs.resize(900, 600)
    tabs.show()
    QApplication.processEvents()
    for w in (back, table):
        w.set_records(recs)
    assert len(back.complete_points.data) == 0 and table.model.rowCount() == 0  # hidden: kept, not drawn
    tabs.setCurrentWidget(back)
    assert len(back.complete_points.data) == n_done and back.view.viewRange() == front.view.viewRange()
    tabs.setCurrentWidget(table)
    assert table.numbers() == [r.number for r in recs]
    back.set_records(recs[:5])  # hidden again; an export flushes it
    back.flush()
    assert len(back.complete_points.data) == sum(r.state == "complete" and r.finite_value is not None
                                                 for r in recs[:5])


def test_the_table_updates_a_live_study_by_rows_and_keeps_the_sort(qtbot, recs):
    import dataclasses

    w = _shown(qtbot, TrialsTable(LIGHT))
    w.set_axes(AXES)
    done = [r for r in recs if r.state == "complete"]
    running = dataclasses.replace(done[len(done) // 2], state="running", value=None, intermediate={})
    first = [r for r in recs if r.number < running.number] + [running]
    w.set_records(first)
    w.view.sortByColumn(w.model.columns.index("value"), Qt.AscendingOrder)
    resets, inserts, changes = [], [], []
    w.model.modelReset.connect(lambda: resets.append(1))
    w.model.rowsInserted.connect(lambda *a: inserts.append(a[1:]))
    w.model.dataChanged.connect(lambda a, b: changes.append((a.row(), b.row())))
    w.set_records(recs)  # the running trial completed, and the later ones came
    assert not resets and changes == [(running.number, running.number)]
    assert inserts == [(running.number + 1, len(recs) - 1)]
    valued = sorted((r for r in recs if r.value is not None), key=lambda r: r.value)
    assert w.numbers()[:len(valued)] == [r.number for r in valued]  # the completed trial moved to its place
