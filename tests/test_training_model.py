"""The training page's model: round trips, the binding to the widgets both ways, run status, no Qt."""
from __future__ import annotations

import subprocess
import sys

import pytest

from playground import scenes
from playground.pages.training.model import SPEEDS, TRANSITIONS, RunStatus, TrainingModel

TRAIN_SCENES = [n for n in scenes.list_scenes() if n.startswith("train-")]
SPAWN_MS = 60000  # the trainer subprocess imports torch first


def _scene(**over):
    scene = {"version": 1, "page": "training", "title": "t", "lesson": "l.", "epochs": 40,
             "data": {"dataset": "moons", "n": 200, "noise": 0.1},
             "model": {"layers": [8, 8], "activation": "tanh", "init": "xavier-normal"},
             "optimizer": {"name": "adam", "lr": 0.01, "batch_size": 16}}
    scene.update(over)
    return scene


@pytest.mark.parametrize("name", TRAIN_SCENES)
def test_every_bundled_scene_round_trips_through_the_model(name):
    scene = scenes.load_scene(name)
    m = TrainingModel()
    m.load_scene(scene)
    assert m.to_scene() == {"kind": "scene", **scene}
    again = TrainingModel()
    again.load_scene(m.to_scene())
    assert again == m
    restored = TrainingModel()
    restored.set_state(m.state())
    assert restored == m
    assert restored.state() == m.state()


def test_a_scene_saved_from_a_page_opens_into_an_equal_model(training_page, tmp_path):
    for name in ("train-dropout", "train-l1-vs-l2", "train-init-lsuv"):
        training_page.load_scene(scenes.load_scene(name))
        path = tmp_path / f"{name}.toml"
        scenes.save_scene(training_page.scene(), path)
        fresh = TrainingModel()
        fresh.load_scene(scenes.load_scene(str(path)))
        assert fresh == training_page.model


def test_session_fields_round_trip_and_differ_from_the_defaults():
    m = TrainingModel()
    m.load_scene(_scene())
    m.x_mode, m.log_y, m.show_test, m.speed = "examples", True, False, 3.0
    assert m != TrainingModel()
    restored = TrainingModel()
    restored.set_state(m.state())
    assert restored == m and restored.x_mode == "examples" and restored.speed == 3.0
    m.epoch, m.status = 12, RunStatus.PAUSED  # runtime fields are not part of equality
    assert restored == m


def test_the_model_speeds_are_the_run_bars():
    from widgets.training_controls_run import SPEEDS as BAR

    assert SPEEDS == tuple(v for _t, v in BAR)


@pytest.mark.parametrize("bad, key", [
    (_scene(optimizer={"name": "adam", "hparams": {"betas": "x"}}), "optimizer.hparams.betas"),
    (_scene(optimizer={"name": "sgd", "hparams": {"momentum": "x"}}), "optimizer.hparams.momentum"),
    (_scene(schedule={"spec": "cosine(x)"}), "schedule.spec"),
    (_scene(data={"noise": "x"}), "data.noise"),
])
def test_a_bad_scene_leaves_the_model_and_the_page_unchanged(training_page, bad, key):
    page = training_page
    page.load_scene(scenes.load_scene("train-dropout"))
    before, shown = page.model.state(), page.controls.values()
    with pytest.raises(ValueError, match=f"^{key}: "):
        page.load_scene(bad)
    assert page.model.state() == before
    assert page.controls.values() == shown
    assert page.model.title == "Dropout closes the train/validation gap"


def test_a_bad_session_changes_nothing():
    m = TrainingModel()
    m.load_scene(_scene())
    before = m.state()
    for session, key in (({"x_mode": "minutes"}, "x_mode"), ({"speed": 2.5}, "speed"), ({"log_y": 1}, "log_y")):
        with pytest.raises(ValueError, match=f"^session.{key}: "):
            m.set_state({"scene": before["scene"], "session": session})
        assert m.state() == before


def test_set_checks_settings_together_and_changes_nothing_on_error():
    m = TrainingModel()
    m.load_scene(_scene())
    with pytest.raises(ValueError, match="lr"):
        m.set(lr=1e6)  # beyond adam's range
    with pytest.raises(ValueError, match="unknown setting 'colour'"):
        m.set(lr=0.02, colour=1)
    assert m.lr == 0.01
    m.set(lr=0.02, layers=(4,))
    assert (m.lr, m.layers) == (0.02, (4,))


def test_assigning_a_field_updates_the_controls(training_page):
    page = training_page
    page.load_scene(_scene())
    m = page.model
    m.lr = 0.003
    assert page.controls.lr.value() == 0.003
    m.layers = (4,)
    assert page.controls.layers.text() == "4"
    assert len(page.diagram.layout_rects()["cells"]) == 2 + 4 + 1  # the new architecture is drawn
    m.dataset = "circles"
    assert page.controls.dataset.currentData() == "circles"
    assert "Set the dataset" in page.status.text()
    m.x_mode = "iteration"
    assert page.run_bar.x_mode.currentData() == "iteration"
    m.log_y, m.show_test = True, False
    assert page.run_bar.log_y.isChecked() and not page.run_bar.show_test.isChecked()
    m.title = "A new title"
    assert "A new title" in page.lesson.text()


def test_a_control_edit_assigns_the_field(training_page):
    page = training_page
    page.load_scene(_scene())
    m = page.model
    seen = []
    m.events.dataset.connect(seen.append)
    page.controls.dataset.setCurrentIndex(page.controls.dataset.findData("circles"))
    assert m.dataset == "circles" and seen == ["circles"]
    page.controls.lr.edit.setText("0.004")
    page.controls.lr.edit.editingFinished.emit()
    assert m.lr == 0.004
    page.controls.layers.setText("5,3")
    page.controls.layers.editingFinished.emit()
    assert m.layers == (5, 3)
    page.run_bar.x_mode.setCurrentIndex(page.run_bar.x_mode.findData("examples"))
    assert m.x_mode == "examples"
    page.run_bar.log_y.setChecked(True)
    assert m.log_y is True
    restored = TrainingModel()
    restored.set_state(m.state())  # what the controls set is saved
    assert restored == m and restored.layers == (5, 3) and restored.x_mode == "examples"


def test_points_from_a_script_become_the_dataset(training_page):
    page = training_page
    page.load_scene(_scene())
    page.model.set_points([(-1.0, 0.0, 0), (1.0, 0.0, 1), (0.0, 1.0, 1)])
    assert page.model.dataset == "user" and page.controls.dataset.currentData() == "user"
    assert "Your dataset: 3 points" in page.status.text()
    assert page.scene()["data"]["points"] == [[-1.0, 0.0, 0.0], [1.0, 0.0, 1.0], [0.0, 1.0, 1.0]]


def test_the_status_transitions_are_one_table():
    m = TrainingModel()
    steps = [("pause", RunStatus.IDLE), ("start", RunStatus.RUNNING), ("pause", RunStatus.PAUSED),
             ("play", RunStatus.RUNNING), ("final", RunStatus.FINISHED), ("play", RunStatus.FINISHED),
             ("settings_changed", RunStatus.IDLE), ("done", RunStatus.IDLE), ("start_paused", RunStatus.PAUSED),
             ("one_epoch", RunStatus.RUNNING), ("trainer_paused", RunStatus.PAUSED), ("error", RunStatus.FINISHED),
             ("stop", RunStatus.IDLE)]
    for event, after in steps:
        m.advance(event)
        assert m.status is after, event
    assert set(TRANSITIONS) == {e for e, _ in steps}


def test_metrics_fold_in_without_a_cascade_of_model_events(training_page):
    """Reports arrive hundreds of times a second: a step report emits no model event, an epoch at most two."""
    from core.training import train

    page = training_page
    page.load_scene(_scene(epochs=3))
    reports = list(train(page.config()))
    emitted = []
    page.model.events.all.connect(lambda info: emitted.append(info.signal.name))
    frames = page.frame.frames
    for m in reports:
        if m.kind == "step":
            before = len(emitted)
            page.handle_metrics(m)
            assert len(emitted) == before
        elif m.kind == "epoch" and m.snapshot is None and m.epoch > 0:
            before = len(emitted)
            page.handle_metrics(m)
            assert set(emitted[before:]) <= {"epoch", "metrics", "status_text", "status_error"}
    assert page.frame.frames == frames  # nothing was drawn: the frame does that
    assert "curves" in page.scheduler.pending


def test_play_pause_and_finish_are_seen_on_the_model(training_page, qtbot):
    page = training_page
    page.load_scene(_scene(epochs=30))
    seen = []
    page.model.events.status.connect(seen.append)
    page.play()
    assert page.model.status is RunStatus.RUNNING and page.model.run_id is not None
    assert page.run_bar.play.text() == "❚❚ Pause"
    qtbot.waitUntil(lambda: (page.model.epoch or 0) >= 2, timeout=SPAWN_MS)
    page.pause()
    assert page.model.status is RunStatus.PAUSED and page.run_bar.play.text() == "▶ Play"
    page.play()
    qtbot.waitUntil(lambda: page.model.status is RunStatus.FINISHED, timeout=20000)
    assert seen == [RunStatus.RUNNING, RunStatus.PAUSED, RunStatus.RUNNING, RunStatus.FINISHED]
    assert page.model.epoch == 30 and page.model.metrics.kind == "final"  # epoch 0 is the untrained network
    assert page.status.text().startswith("Done") and not page.model.status_error
    page.controls.dropout.setValue(20)  # the finished run was for other settings
    assert page.model.status is RunStatus.IDLE


class _Host:
    """A stand-in trainer with TrainProcess's public API: records the commands, replies on demand."""

    def __init__(self):
        self.sent, self.inbox, self.running, self.last_error, self.pid = [], [], False, "", 4242

    def start_run(self, config, paused=False):
        self.sent.append("start")
        self.running = True
        return len(self.sent)

    def __getattr__(self, name):  # play, pause, one_epoch, set_pace, set_controls, want_snapshot, stop_run
        return lambda *a, **k: self.sent.append(name)

    def take(self):
        out, self.inbox = self.inbox, []
        return out


def test_a_late_pause_reply_does_not_pause_a_run_that_plays_again():
    """Pause then Play before the trainer's "paused" reply arrives: the run trains, the bar says Pause."""
    from playground.pages.training.run import TrainerLink
    from playground.pages.training.status import StatusLine

    m = TrainingModel()
    host = _Host()
    link = TrainerLink(m, StatusLine(m), on_metrics=lambda _m: None, host=host)
    assert link.start(m.train_config())
    assert m.status is RunStatus.RUNNING and m.busy
    assert link.pause() and link.play()
    host.inbox.append(("paused", 3))  # the reply to the pause, late
    link.take()
    assert m.status is RunStatus.RUNNING and not m.busy
    assert "Paused" not in m.status_text
    link.one_epoch()  # +1 epoch: the trainer pauses by itself afterwards
    host.inbox.append(("paused", 4))
    link.take()
    assert m.status is RunStatus.PAUSED and m.status_text.startswith("Paused after epoch 4")
    assert link.play()
    host.inbox.append(("done", "completed"))
    link.take()
    assert m.status is RunStatus.FINISHED
    assert host.sent == ["start", "set_pace", "pause", "play", "one_epoch", "play"]


def test_the_model_imports_without_qt():
    code = ("import playground.pages.training.model, sys; "
            "assert 'PySide6' not in sys.modules, sorted(m for m in sys.modules if 'PySide' in m)")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
