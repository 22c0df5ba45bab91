"""MapsPanel: basin and hyperparameter maps fill in off the GUI thread, clicks replay / add racers,
cancel and shutdown leave no thread running."""
from __future__ import annotations

import time

import numpy as np
import pytest
from PySide6.QtCore import QTimer

from core.trajectories import Racer
from core.trajectories.map_axes import default_axes, numeric_hparams, row_hparams_for
from playground.workers.map_runner import MapRunner
from widgets.maps_panel import MapsPanel


@pytest.fixture
def panel(qtbot):
    p = MapsPanel(runner_factory=MapRunner)
    qtbot.addWidget(p)
    p.resize(1000, 760)
    p.show()
    yield p
    p.shutdown()


class StallMeter:
    """Largest gap between ticks of a 5 ms timer on the GUI thread (a blocked GUI shows as a gap)."""

    def __init__(self):
        self.timer = QTimer()
        self.timer.setInterval(5)
        self.timer.timeout.connect(self._on_timer_timeout)
        self.last = None
        self.max_gap = 0.0

    def _on_timer_timeout(self):
        now = time.perf_counter()
        if self.last is not None:
            self.max_gap = max(self.max_gap, now - self.last)
        self.last = now

    def __enter__(self):
        self.timer.start()
        return self

    def __exit__(self, *exc):
        self.timer.stop()


def test_hparam_choices():
    assert default_axes("sgd") == ("lr", "momentum")
    assert default_axes("adam") == ("lr", "beta1")
    keys = [k for k, *_ in numeric_hparams("adam")]
    assert {"lr", "beta1", "beta2", "eps"} <= set(keys)
    rows = row_hparams_for({"betas": (0.8, 0.99)}, {"beta1": np.array([0.1, 0.2])})
    np.testing.assert_allclose(rows["betas"], [[0.1, 0.99], [0.2, 0.99]])


def test_basin_map_fills_and_click_replays_same_outcome(panel, qtbot):
    panel.basin_res.setValue(40)
    panel.set_context("himmelblau", Racer("sgd", dict(lr=0.01, momentum=0.9)), (-0.3, -0.9), 400)
    with StallMeter() as meter, qtbot.waitSignal(panel.sigBasinsReady, timeout=60000) as blocker:
        panel.compute_basins()
    result = blocker.args[0]
    assert result.outcome.shape == (1600,)
    assert panel.basin_view.shape() == (40, 40)
    assert panel.basin_progress.value() == 1000
    assert meter.max_gap < 0.25, f"GUI stalled {meter.max_gap * 1000:.0f} ms"  # loose: shared CI cores
    # Basins of a 4-minimum surface: at least two minima reached.
    labels = {panel.basin_view.label_at(r, c) for r in range(40) for c in range(40)}
    assert len({lab for lab in labels if lab.startswith("min")}) >= 2
    # Click through a real scene position -> cell -> replay, for a few cells incl. a basin border.
    for row, col in [(5, 5), (20, 31), (33, 12)]:
        x, y = panel.basin_view.cell_center(row, col)
        scene = panel.basin_view.scene_pos_of(x, y)
        assert panel.basin_cell_at_scene(scene) == (row, col)
        with qtbot.waitSignal(panel.sigReplayStart) as start_sig, \
                qtbot.waitSignal(panel.sigReplayed, timeout=30000) as rep:
            panel.click_basin_cell(*panel.basin_cell_at_scene(scene))
        assert start_sig.args == pytest.approx([x, y])
        assert rep.args[0] == panel.last_replay_label == panel.basin_view.label_at(row, col)
        assert panel.last_replay_path is not None and panel.last_replay_path.shape[1] == 2
        np.testing.assert_allclose(panel.last_replay_path[0], [x, y])


def test_hparam_map_fills_and_click_adds_racer(panel, qtbot):
    panel.set_context("valley", Racer("sgd", dict(lr=0.01, momentum=0.5)), (-2.5, 1.0), 150)
    panel.tabs.setCurrentIndex(1)
    assert (panel.x_combo.currentText(), panel.y_combo.currentText()) == ("lr", "momentum")
    panel.hp_res.setValue(12)
    with StallMeter() as meter, qtbot.waitSignal(panel.sigHparamsReady, timeout=60000) as blocker:
        panel.compute_hparams()
    assert blocker.args[0].outcome.shape == (144,)
    assert panel.hparam_view.shape() == (12, 12)
    assert meter.max_gap < 0.25, f"GUI stalled {meter.max_gap * 1000:.0f} ms"
    # The lr range reaches past 2/lambda_max: some cells diverge, some converge.
    labels = [blocker.args[0].label(i) for i in range(144)]
    assert "diverged" in labels and "min0" in labels
    with qtbot.waitSignal(panel.sigAddRacer) as added:
        panel.click_hparam_cell(3, 7)
    spec = added.args[0]
    lr, mom = panel.hparam_view.values_at(3, 7)
    assert spec["optimizer"] == "sgd"
    assert spec["hparams"]["lr"] == pytest.approx(lr)
    assert spec["hparams"]["momentum"] == pytest.approx(mom)
    # A real click on the cell's centre gives the same cell.
    scene = panel.hparam_view.scene_pos_of_cell(3, 7)
    assert panel.hparam_view.cell_at_scene(scene) == (3, 7)


def test_adam_map_sweeps_beta1(panel, qtbot):
    panel.set_context("bowl", Racer("adam", dict(lr=0.1)), (-2.5, 2.0), 60)
    assert panel.y_combo.currentText() == "beta1"
    panel.hp_res.setValue(6)
    with qtbot.waitSignal(panel.sigHparamsReady, timeout=60000):
        panel.compute_hparams()
    with qtbot.waitSignal(panel.sigAddRacer) as added:
        panel.click_hparam_cell(2, 1)
    _, b1 = panel.hparam_view.values_at(2, 1)
    assert added.args[0]["hparams"]["betas"] == pytest.approx((b1, 0.999))


def test_context_change_restarts_running_map_and_shutdown_is_clean(panel, qtbot):
    panel.basin_res.setValue(150)
    panel.set_context("himmelblau", Racer("sgd", dict(lr=0.01)), (0.0, 0.0), 3000)
    panel.compute_basins()
    assert panel.is_busy()
    qtbot.wait(50)
    panel.basin_res.setValue(30)
    panel.set_context("bowl", Racer("sgd", dict(lr=0.1)), (0.0, 0.0), 100)  # cancels, restarts
    with qtbot.waitSignal(panel.sigBasinsReady, timeout=60000) as blocker:
        pass
    assert blocker.args[0].outcome.shape == (900,)
    assert blocker.args[0].labels[0] == "min0" and len(blocker.args[0].labels) == 4  # the bowl's map
    # A long map, cancelled, then shutdown: no thread left (conftest checks too).
    panel.basin_res.setValue(150)
    panel.set_context("himmelblau", Racer("sgd", dict(lr=0.01)), (0.0, 0.0), 5000)
    panel.compute_basins()
    qtbot.wait(30)
    t0 = time.perf_counter()
    panel.cancel()
    assert time.perf_counter() - t0 < 0.05  # cancel never waits
    panel.shutdown()
    assert not panel.is_busy()


def test_map_settings_round_trip_and_signal(panel, qtbot):
    """What the user set in the maps (tab, grids, axes, ranges, metric) reads back as plain values,
    is emitted when edited, and is put back by set_map_settings without a signal."""
    panel.set_context("valley", Racer("adam", dict(lr=0.1)), (-2.5, 1.0), 50)
    with qtbot.waitSignal(panel.sigMapSettingsChanged) as edited:
        panel.hp_res.setValue(17)
    assert edited.args[0]["hp_res"] == 17 and edited.args[0] == panel.map_settings()
    want = {"tab": "Hyperparameter map", "basin_res": 33, "hp_res": 9, "metric": "steps to converge",
            "x": "beta2", "y": "beta1", "x_range": [0.5, 0.9], "y_range": [0.1, 0.7]}
    with qtbot.assertNotEmitted(panel.sigMapSettingsChanged):
        panel.set_map_settings(want)
    assert panel.map_settings() == want
    assert panel.tabs.currentIndex() == 1 and panel.x_combo.currentText() == "beta2"
    with pytest.raises(ValueError, match="hp_res"):
        panel.set_map_settings({"hp_res": 1000})
    with pytest.raises(ValueError, match="unknown"):
        panel.set_map_settings({"colour": "red"})
    assert panel.map_settings() == want  # a refused value changes nothing


def test_map_jobs_pickle(panel, qtbot):
    """Each job the panel starts is picklable (a runner may run it in a child process)."""
    import pickle

    jobs = []

    class Recorder(MapRunner):
        def start(self, job):
            jobs.append(pickle.loads(pickle.dumps(job)))
            return super().start(job)

    p = MapsPanel(runner_factory=Recorder)
    qtbot.addWidget(p)
    try:
        p.set_context("bowl", Racer("sgd", dict(lr=0.1)), (0.5, 0.5), 30)
        p.basin_res.setValue(10)
        p.hp_res.setValue(5)
        with qtbot.waitSignal(p.sigBasinsReady, timeout=60000) as got:
            p.compute_basins()
        p.compute_hparams()
        assert len(jobs) == 2
        again = jobs[0](progress=lambda f: None, stop=lambda: False)
        np.testing.assert_array_equal(again.outcome, got.args[0].outcome)
    finally:
        p.shutdown()
