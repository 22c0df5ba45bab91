"""The optimizer page: start point, playback, divergence, scenes, threads."""
from __future__ import annotations

import copy

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt

from playground import scenes
from playground.pages.optimizer import scene as scene_optimizer
from playground.pages.optimizer.page import OptimizerPage


@pytest.fixture
def page(optimizer_page):
    return optimizer_page


@pytest.fixture
def live_page(qtbot):
    p = OptimizerPage(threaded=True)
    qtbot.addWidget(p)
    p.resize(1280, 720)
    p.show()
    yield p
    p.shutdown()


def test_click_on_surface_sets_start_and_restarts(page, qtbot):
    page.seek(30)
    sv = page.surface_view
    pos = sv.plot.mapFromScene(sv.plot.getViewBox().mapViewToScene(QPointF(1.0, 2.0)))
    qtbot.mouseClick(sv.plot.viewport(), Qt.LeftButton, pos=pos)
    assert page.start() == pytest.approx((1.0, 2.0), abs=0.05)
    assert page.step() == 0
    for traj in page.trajectories():
        assert traj.xy[0] == pytest.approx(page.start())


def test_play_advances_every_racer(live_page, qtbot):
    live_page.play()
    # The racer host's child spawns and imports torch first: on a loaded 2-core machine that took over 10 s.
    qtbot.waitUntil(lambda: live_page.step() >= 20, timeout=30000)
    live_page.pause()
    step = live_page.step()
    trajs = live_page.trajectories()
    assert len(trajs) == 3
    for i, traj in enumerate(trajs):
        assert len(traj.xy) - 1 >= step
        assert live_page.racer_point(i) != pytest.approx(live_page.start())
    assert live_page.frame_ms > 0


def test_step_back_returns_exactly(page):
    page.seek(20)
    before = [page.racer_point(i) for i in range(3)]
    page.playback.step_button.click()
    assert page.step() == 21
    moved = [page.racer_point(i) for i in range(3)]
    assert moved != before
    page.playback.back_button.click()
    assert page.step() == 20
    assert [page.racer_point(i) for i in range(3)] == before  # exactly, not approximately


def test_reset(page):
    page.seek(40)
    page.playback.reset_button.click()
    assert page.step() == 0
    for i in range(3):
        assert page.racer_point(i) == pytest.approx(page.start())


def test_diverging_racer_is_marked(page):
    page.load_scene(scenes.load_scene("lr-too-large"))
    page.seek(120)
    trajs = page.trajectories()
    k = [i for i, t in enumerate(trajs) if t.diverged_at is not None]
    assert k == [2]  # lr 0.21 > 2/kappa diverges, the other two go on
    assert f"diverged at step {trajs[2].diverged_at}" in page.racer_panel.list.item(2).text()
    assert len(page.surface_view.race.crosses()) == 1
    assert len(trajs[0].xy) == 121 and len(trajs[1].xy) == 121


def test_scene_round_trip(page):
    page.load_scene(scenes.load_scene("nesterov-vs-momentum"))
    first = page.scene()
    page.load_scene(scene_optimizer.validate(copy.deepcopy(first)))
    assert page.scene() == first
    assert first["racers"][1]["optimizer"] == "nesterov-lookahead"


def test_bad_scene_keeps_state(page, tmp_path):
    before = page.scene()
    bad = tmp_path / "broken.toml"
    bad.write_text('version = 1\npage = "optimizer"\nsurface = "valley"\n[[racers]]\noptimizer = "nope"\n')
    with pytest.raises(ValueError) as info:
        page.load_scene(scenes.load_scene(str(bad)))
    assert "broken.toml" in str(info.value) and "racers[0].optimizer" in str(info.value)
    broken = copy.deepcopy(before)
    broken["surface"] = "valley:kappa=-3"
    with pytest.raises(ValueError, match="surface"):
        page.load_scene(broken)
    assert page.scene() == before


def test_kappa_slider_repaints_and_records_time(page):
    page.load_scene(scenes.load_scene("ill-conditioned-valley"))
    page.surface_view.last_repaint_ms = float("nan")
    slider = page.chooser.param_sliders()[0]
    assert slider.key == "kappa"
    slider.slider.setValue(slider.slider.value() + 10)
    assert page.chooser.surface().params["kappa"] != 30
    assert np.isfinite(page.surface_view.last_repaint_ms)
    assert page.status.text() == ""  # timings are for developers: off by default
    page.set_debug_timings(True)
    assert "repaint" in page.status.text()


def test_bad_formula_is_shown_and_surface_kept(page):
    before = page.chooser.surface().spec
    page.chooser.combo.setCurrentText("custom formula…")
    page.chooser.formula.setText("x^2 +")
    page.chooser.formula.returnPressed.emit()
    assert page.chooser.error.isVisibleTo(page) and page.chooser.error.text()
    assert page.chooser.surface().spec == before


def test_seeded_noisy_runs_are_deterministic(page):
    page.load_scene(scenes.load_scene("lr-decay"))
    page.seek(100)
    a = [t.xy.copy() for t in page.trajectories()]
    page.load_scene(scenes.load_scene("lr-decay"))
    page.seek(100)
    b = [t.xy.copy() for t in page.trajectories()]
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)


def test_live_restart_and_shutdown_are_clean(live_page, qtbot):
    live_page.play()
    # The racer host's child spawns and imports torch first (see test_play_advances_every_racer): it
    # missed 10 s in a CI run beside other tests.
    qtbot.waitUntil(lambda: live_page.step() >= 5, timeout=30000)
    live_page.racer_panel.add_button.click()  # restarts the race mid-run
    qtbot.waitUntil(lambda: all(t is not None for t in live_page.trajectories()), timeout=30000)
    assert len(live_page.trajectories()) == 4
    live_page.shutdown()
    assert not live_page.timer.isActive()


def test_curves_axis_ranges_are_sensible(qtbot):
    """Constant lr: 0 .. 2 lr (not a degenerate span); a schedule: 0 .. max; loss: whole decades."""
    from widgets.curves_view import CurvesView, decade_ticks, loss_decades, lr_axis_range

    assert lr_axis_range(0.05, True) == (0.0, 0.1)
    assert lr_axis_range(0.3, False) == pytest.approx((0.0, 0.324))
    assert loss_decades(0.5, 2.4) == (-1.0, 1.0) and loss_decades(1e-16, 3.0) == (-16.0, 1.0)
    major, minor = decade_ticks(-1.0, 1.0)
    assert [t for _, t in major] == ["0.1", "1", "10"] and {t for _, t in minor} == {"", "0.2", "0.5", "2", "5"}
    assert len(decade_ticks(-16.0, 1.0)[0]) <= 8 and decade_ticks(-16.0, 1.0)[1] == []
    view = CurvesView()
    qtbot.addWidget(view)
    view.set_racers([("a", "#0072B2"), ("b", "#D55E00")])
    view.set_steps(100)
    loss = np.linspace(3.0, 0.5, 101)
    view.set_data([(loss, np.full(101, 0.05)), (loss, np.full(101, 0.05))], 50)
    lo, hi = view.lr_plot.viewRange()[1]
    assert lo <= 0.0 < 0.05 < 0.1 <= hi < 0.11
    x0, x1 = view.loss_plot.viewRange()[0]
    assert x0 <= 0 and 100 <= x1 < 110  # the whole run, not just the 50 steps drawn
    view.set_data([(loss, np.full(101, 0.05)), (loss, np.linspace(0.2, 0.0, 101))], 50)
    lo, hi = view.lr_plot.viewRange()[1]
    assert lo <= 0.0 and 0.2 < hi < 0.23


def test_curves_step_axis_spans_the_run_while_playing(page):
    """The step axis is the whole run from the first frame: it does not grow (and re-render) per frame."""
    page.seek(10)
    first = page.curves.loss_plot.viewRange()[0]
    page.seek(150)
    assert page.curves.loss_plot.viewRange()[0] == first
    assert first[0] <= 0 and first[1] >= 300  # DEFAULT_SCENE runs 300 steps
    page.steps_box.setValue(600)
    page.seek(20)
    assert page.curves.loss_plot.viewRange()[0][1] >= 600


def test_live_results_match_the_synchronous_path(live_page, qtbot):
    """The subprocess computes exactly what compute_all does (seeded gradient noise included)."""
    import multiprocessing as mp

    from playground.racer_worker import compute_all

    live_page.load_scene(scenes.load_scene("lr-decay"))
    assert live_page.wait_computed(30)
    live_page.steps_box.setValue(live_page.scene()["steps"] + 40)  # extend: the same runs go on
    assert live_page.wait_computed(30)
    steps = live_page.scene()["steps"] - 40
    ref = compute_all(live_page.model.surface_object, live_page.model.engine_racers(), live_page.start(), steps)
    for got, want in zip(live_page.trajectories(), ref):
        assert len(got.xy) >= len(want.xy)
        for key in ("xy", "loss", "lr", "grad", "velocity"):
            np.testing.assert_array_equal(getattr(got, key)[: len(want.xy)], getattr(want, key))
    assert live_page.race.busy_ms > 0
    assert mp.active_children()
    live_page.shutdown()
    assert not mp.active_children()


def test_bad_racer_in_subprocess_is_reported(live_page, qtbot):
    """A racer the subprocess cannot build: its error reaches the model and the page's error line."""
    bad = {"optimizer": "sgd", "label": "bad", "color": "#000000", "hparams": {"lr": -1.0}, "schedule": "",
           "grad_noise": 0.0, "seed": 0}  # assigned as is: the racer panel would have refused it
    live_page.model.racers = (bad,)
    qtbot.waitUntil(lambda: (live_page.trajectories(), live_page.error.isVisibleTo(live_page))[1], timeout=15000)
    assert "lr" in live_page.model.error and live_page.error.text().startswith(live_page.model.error)


def test_close_mid_run_leaves_no_process(qtbot):
    import multiprocessing as mp
    import time

    p = OptimizerPage(threaded=True)
    qtbot.addWidget(p)
    p.play()
    qtbot.wait(50)  # the subprocess is still starting: shutdown must not wait for it
    t0 = time.perf_counter()
    p.close()
    assert time.perf_counter() - t0 < 3.0
    assert not mp.active_children() and not p.timer.isActive()


def test_moving_a_parameter_draws_a_draft_then_refines(page, qtbot):
    """A slider step shows draft contours (every other grid line) at once, full ones when it rests."""
    page.load_scene(scenes.load_scene("ill-conditioned-valley"))
    full = len(page.surface_view.layer.path())
    slider = page.chooser.param_sliders()[0].slider
    slider.setSliderDown(True)  # a drag: refined when let go
    slider.setValue(slider.value() + 5)
    coarse = len(page.surface_view.layer.path())
    assert 0 < coarse < 0.7 * full
    slider.setSliderDown(False)  # emits sliderReleased
    assert len(page.surface_view.layer.path()) > 1.3 * coarse
    slider.setValue(slider.value() + 5)  # a single step (keys, a click on the track): refined after a rest
    assert len(page.surface_view.layer.path()) < 0.7 * full
    qtbot.waitUntil(lambda: len(page.surface_view.layer.path()) > 1.3 * coarse, timeout=2000)


def test_racer_with_bad_hparams_set_from_outside_is_shown_not_raised(qtbot):
    """A script may give the panel a racer the editor would refuse: the editor says why, the racer is kept."""
    from widgets.racer_panel import RacerPanel

    panel = RacerPanel()
    qtbot.addWidget(panel)
    panel.set_racers([{"optimizer": "sgd", "label": "bad", "hparams": {"lr": -1.0}}])
    assert "lr" in panel.hparams.error.text() and not panel.hparams.error.isHidden()
    assert panel.racers()[0]["hparams"]["lr"] == -1.0
