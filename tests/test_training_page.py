"""The training page driven like a user: start, pause, one epoch, restarts, babysitting, ghosts, drawing."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt, QTimer

from playground.pages.training.model import RunStatus
from widgets.theme import LIGHT

SPAWN_MS = 60000  # the trainer subprocess imports torch first


@pytest.fixture
def page(qtbot):
    from playground.pages.training.page import TrainingPage

    p = TrainingPage(theme=LIGHT)
    qtbot.addWidget(p)
    p.resize(1280, 720)
    scene = {"version": 1, "page": "training", "title": "t", "lesson": "l", "epochs": 5000,
             "data": {"dataset": "moons", "n": 200, "noise": 0.1},
             "model": {"layers": [8, 8], "activation": "tanh", "init": "xavier-normal"},
             "optimizer": {"name": "adam", "lr": 0.01, "batch_size": 16}}
    p.load_scene(scene)
    yield p
    p.shutdown()
    assert p.trainer_pid() is None


def _epochs(p) -> np.ndarray:
    return p.curves.history.column("epoch", "epoch")


def test_start_pause_one_epoch(page, qtbot):
    page.play()
    assert page.model.status is RunStatus.RUNNING
    qtbot.waitUntil(lambda: len(_epochs(page)) >= 3, timeout=SPAWN_MS)
    page.pause()
    qtbot.waitUntil(lambda: page.model.status is RunStatus.PAUSED, timeout=5000)
    qtbot.wait(300)  # let in-flight metrics land
    before = int(_epochs(page)[-1])
    qtbot.wait(300)
    assert int(_epochs(page)[-1]) == before, "paused training must not advance"
    page.one_epoch()
    qtbot.waitUntil(lambda: int(_epochs(page)[-1]) == before + 1 and page.model.status is RunStatus.PAUSED,
                    timeout=10000)
    qtbot.wait(300)
    assert int(_epochs(page)[-1]) == before + 1
    assert page.decision.image.image is not None  # the decision surface was drawn


def test_toggle_batchnorm_restarts(page, qtbot):
    page.play()
    qtbot.waitUntil(lambda: len(_epochs(page)) >= 3, timeout=SPAWN_MS)
    run = page.model.run_id
    page.controls.batchnorm.setCurrentIndex(page.controls.batchnorm.findData("before"))
    assert page.model.run_id == run + 1  # a new run
    assert "restart" in page.status.text()
    assert page.model.batchnorm == "before"
    qtbot.waitUntil(lambda: len(_epochs(page)) >= 2, timeout=10000)
    assert _epochs(page)[0] == 0  # a fresh run from epoch 0


def test_lr_change_mid_run_continues(page, qtbot):
    page.play()
    qtbot.waitUntil(lambda: len(_epochs(page)) >= 2, timeout=SPAWN_MS)
    run = page.model.run_id
    epoch_before = int(_epochs(page)[-1])
    page.controls.lr.edit.setText("0.002")
    page.controls.lr.edit.editingFinished.emit()
    assert "live" in page.status.text()
    h = page.curves.history
    qtbot.waitUntil(lambda: abs(h.last("step", "lr") - 0.002) < 1e-12, timeout=10000)
    qtbot.waitUntil(lambda: int(_epochs(page)[-1]) > epoch_before + 1, timeout=10000)
    assert page.model.run_id == run  # same run
    ep = _epochs(page)
    assert np.all(np.diff(ep) == 1)  # the epoch counter kept growing, never reset


def test_compare_two_runs_ghost(page, qtbot):
    page.play()
    qtbot.waitUntil(lambda: len(_epochs(page)) >= 3, timeout=SPAWN_MS)
    page.keep_as_ghost()
    assert page.curves.ghost is not None and len(page.curves.ghost) > 0
    assert len(page.curves.history) == 0
    page.controls.dropout.setValue(30)  # one toggle changed
    page.play()
    qtbot.waitUntil(lambda: len(_epochs(page)) >= 2, timeout=10000)
    xs, _ = page.curves.curve("g_train_loss").getData()
    assert xs is not None and len(xs) >= 3  # the dashed ghost is drawn beside the live run
    # The curves are redrawn at most 12 times a second while training: wait for a frame to show them.
    def drawn():
        xs, _ = page.curves.curve("train_loss").getData()
        return xs is not None and len(xs) >= 2

    qtbot.waitUntil(drawn, timeout=5000)


def _click(qtbot, view, x, y):
    vb = view.getPlotItem().vb
    scene_pt = vb.mapViewToScene(QPointF(x, y))
    pos = view.mapFromScene(scene_pt)
    qtbot.mouseClick(view.viewport(), Qt.LeftButton, pos=pos)


def test_draw_dataset_and_train_on_it(page, qtbot):
    page.show()
    qtbot.waitExposed(page)
    page.controls.draw.setChecked(True)
    rng = np.random.default_rng(0)
    for label, cx in ((0, -0.5), (1, 1.5)):
        page.controls.draw_class.setValue(label)
        for _ in range(6):
            _click(qtbot, page.decision, cx + 0.2 * rng.standard_normal(), 0.2 * rng.standard_normal())
    points = page.model.points
    assert len(points) == 12
    assert {p[2] for p in points} == {0.0, 1.0}
    assert page.model.dataset == "user"
    assert page.controls.dataset.currentData() == "user"
    assert all(p[0] < 0.5 for p in points if p[2] == 0) and all(p[0] > 0.5 for p in points if p[2] == 1)
    page.play()
    qtbot.waitUntil(lambda: page.model.run_data is not None, timeout=SPAWN_MS)
    n = sum(len(v) for v in page.model.run_data.y.values())
    assert n == 12  # the run trains on the drawn points
    scene = page.scene()
    assert scene["data"]["dataset"] == "user" and len(scene["data"]["points"]) == 12


def test_bad_input_kept_in_place(page, qtbot):
    page.controls.layers.setText("16,x")
    page.controls.layers.editingFinished.emit()
    assert page.model.layers == (8, 8)  # state kept
    assert "bad layers" in page.controls.layers.error()  # marked in place (tint and tooltip)
    assert "Not applied" in page.status.text()


def test_shutdown_mid_run_stops_cleanly(page, qtbot):
    page.play()
    qtbot.waitUntil(lambda: len(_epochs(page)) >= 1, timeout=SPAWN_MS)
    pid = page.trainer_pid()
    assert pid is not None
    timer = page.findChild(QTimer, "training-page-frame")
    assert timer.isActive()
    page.shutdown()
    assert not _alive(pid)
    assert not timer.isActive()
    assert page.model.status is RunStatus.IDLE and page.trainer_pid() is None


def _alive(pid: int) -> bool:
    """The process runs (a zombie, ended but not yet reaped, counts as ended)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False
