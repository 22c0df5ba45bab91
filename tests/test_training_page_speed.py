"""The training page's speed control (paced by the trainer process) and its sign of work under way."""
from __future__ import annotations

import time

import pytest

from widgets.theme import LIGHT

SPAWN_MS = 60000  # the trainer subprocess imports torch first


def _scene(epochs=5000):
    return {"version": 1, "page": "training", "title": "t", "lesson": "l", "epochs": epochs,
            "data": {"dataset": "moons", "n": 200, "noise": 0.1},
            "model": {"layers": [8], "activation": "tanh", "init": "xavier-normal"},
            "optimizer": {"name": "adam", "lr": 0.01, "batch_size": 16}}


@pytest.fixture
def page(qtbot):
    from playground.pages.training.page import TrainingPage

    p = TrainingPage(theme=LIGHT)
    qtbot.addWidget(p)
    p.resize(1280, 720)
    p.show()
    qtbot.waitExposed(p)
    p.load_scene(_scene())
    yield p
    p.set_speed(None)  # the next test starts from the default
    p.shutdown()


def _last_epoch(p) -> int:
    ep = p.curves.history.column("epoch", "epoch")
    return int(ep[-1]) if len(ep) else -1


def test_play_shows_work_under_way_until_the_first_epoch(page, qtbot):
    assert page.run_bar.busy.isHidden()
    page.play()
    assert not page.run_bar.busy.isHidden(), "a busy bar while the trainer starts"
    assert "Starting the trainer" in page.status.text()
    qtbot.waitUntil(lambda: _last_epoch(page) >= 1, timeout=SPAWN_MS)
    assert page.run_bar.busy.isHidden()
    qtbot.waitUntil(lambda: "Starting the trainer" not in page.status.text(), timeout=5000)
    page.pause()


def test_slow_speed_paces_the_epochs(page, qtbot):
    assert page.speed() is None  # the fast default, for exploring
    page.run_bar.speed.setCurrentIndex(page.run_bar.speed.findText("10 epochs/s"))
    assert page.speed() == 10.0
    t_play = time.perf_counter()
    page.play()
    qtbot.waitUntil(lambda: _last_epoch(page) >= 1, timeout=SPAWN_MS)
    qtbot.wait(2000)
    # The pace counts from a moment after Play, and the GUI only ever sees epochs late (a busy
    # machine delivers them in bursts), so what has arrived can never exceed 10 a second since Play.
    # Unpaced, this small net trains hundreds of epochs a second.
    seen, elapsed = _last_epoch(page), time.perf_counter() - t_play
    assert seen <= 10.0 * elapsed + 2, f"{seen} epochs in {elapsed:.2f} s at 10 epochs/s"
    assert seen >= 5, f"only {seen} epochs in {elapsed:.2f} s at 10 epochs/s"
    # Faster again mid-run: the same run catches up at once (no restart).
    run = page.model.run_id
    page.set_speed(None)
    t1, e1 = time.perf_counter(), _last_epoch(page)
    qtbot.waitUntil(lambda: _last_epoch(page) >= e1 + 30, timeout=10000)
    assert page.model.run_id == run
    assert time.perf_counter() - t1 < 2.0, "max speed must not stay paced (paced, 30 epochs take 3 s)"
    page.pause()


def test_speed_is_remembered_and_explained(qtbot):
    from playground.pages.training.page import TrainingPage

    a = TrainingPage(theme=LIGHT)
    qtbot.addWidget(a)
    assert a.run_bar.speed.toolTip().count(".") == 1  # one sentence
    a.run_bar.speed.setCurrentIndex(a.run_bar.speed.findText("slow motion"))
    slow = a.speed()
    assert slow is not None and slow < 1
    a.shutdown()
    b = TrainingPage(theme=LIGHT)
    qtbot.addWidget(b)
    assert b.speed() == slow and b.run_bar.speed.currentText() == "slow motion"
    b.set_speed(None)
    b.shutdown()


def test_unknown_saved_speed_falls_back_to_max(qtbot):
    from playground.pages.training.page import TrainingPage
    from playground.pages.training.run_bar_binding import SPEED_KEY
    from playground.settings import settings

    settings().setValue(SPEED_KEY, 2.5)  # not a choice of the control
    p = TrainingPage(theme=LIGHT)
    qtbot.addWidget(p)
    try:
        assert p.speed() is None and p.run_bar.speed.currentText() == "speed: max"  # the control shows what is used
    finally:
        settings().setValue(SPEED_KEY, 0.0)
        p.shutdown()
