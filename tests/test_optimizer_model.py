"""The optimizer page's model: round trips, widget <-> model binding, refused scenes, no Qt."""
from __future__ import annotations

import copy
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from playground import scenes
from playground.pages.optimizer.model import OptimizerModel

REPO = Path(__file__).resolve().parents[1]
OPTIMIZER_SCENES = [n for n in scenes.list_scenes() if scenes.load_scene(n)["page"] == "optimizer"]
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000")


@pytest.mark.parametrize("name", OPTIMIZER_SCENES)
def test_model_round_trips(name):
    """load_scene -> to_scene -> load_scene, and state -> set_state, give equal models."""
    m = OptimizerModel(palette=PALETTE)
    m.load_scene(scenes.load_scene(name))
    m.side_tab, m.map_settings = "Maps", {"tab": "Basins", "basin_res": 42}
    again = OptimizerModel()
    again.load_scene(m.to_scene())
    assert all(getattr(again, name) == getattr(m, name) for name in OptimizerModel.saved_fields("scene"))
    restored = OptimizerModel()
    restored.set_state(copy.deepcopy(m.state()))
    assert restored == m
    from_toml = OptimizerModel()  # state() is plain TOML-able values (what a session file will hold)
    from_toml.set_state(tomllib.loads(scenes.tomli_w.dumps(m.state())))
    assert from_toml == m
    assert m.to_scene()["kind"] == "scene" and m.to_scene()["page"] == "optimizer"
    changed = OptimizerModel()
    changed.set_state(m.state())
    changed.steps += 1
    assert changed != m  # __eq__ looks at the saved fields


def test_model_ignores_runtime_fields_in_eq():
    a, b = OptimizerModel(), OptimizerModel()
    a.load_scene(scenes.load_scene("saddle-escape"))
    b.load_scene(scenes.load_scene("saddle-escape"))
    b.step, b.playing, b.error = 40, True, "whatever"
    assert a == b


def test_bad_scene_leaves_the_model_unchanged():
    m = OptimizerModel(palette=PALETTE)
    m.load_scene(scenes.load_scene("lr-too-large"))
    before = copy.deepcopy(m.state())
    heard = []
    m.events.connect(heard.append)
    m.loaded.connect(heard.append)
    for bad, key in (({**m.to_scene(), "steps": 0}, "steps"), ({**m.to_scene(), "surface": "valley:kappa=-3"}, "surface"),
                     ({**m.to_scene(), "racers": [{"optimizer": "nope"}]}, r"racers\[0\].optimizer")):
        with pytest.raises(ValueError, match=key):
            m.load_scene(bad)
    with pytest.raises(ValueError, match="side_tab"):
        m.set_state({**before, "side_tab": 3})
    with pytest.raises(ValueError, match="surface"):
        m.surface = "valley:kappa=-3"
    assert m.state() == before and not heard


def test_surface_spec_is_parsed_once_and_kept_in_step():
    m = OptimizerModel()
    m.surface = "valley"
    assert m.surface == "valley:kappa=10,angle=0" and m.surface_object.spec == m.surface
    surf = m.surface_object.with_params(kappa=20)
    m.surface = surf  # a Surface is stored as is (the chooser's), with its spec
    assert m.surface_object is surf and m.surface == surf.spec


def test_model_imports_without_qt():
    code = "import playground.pages.optimizer.model, sys; assert 'PySide6' not in sys.modules, 'Qt imported'"
    env = dict(os.environ, PYTHONPATH=str(REPO))
    r = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr


@pytest.mark.parametrize("name", OPTIMIZER_SCENES)
def test_scene_saved_and_opened_in_a_new_page_gives_an_equal_model(name, optimizer_page, qtbot, tmp_path):
    from playground.pages.optimizer.page import OptimizerPage

    optimizer_page.load_scene(scenes.load_scene(name))
    path = tmp_path / f"{name}.toml"
    scenes.save_scene(optimizer_page.scene(), path)
    fresh = OptimizerPage(threaded=False)
    qtbot.addWidget(fresh)
    try:
        fresh.load_scene(scenes.load_scene(str(path)))
        assert all(getattr(fresh.model, name) == getattr(optimizer_page.model, name)
                   for name in OptimizerModel.saved_fields("scene"))
        fresh.model.set_state(optimizer_page.model.state())
        assert fresh.model == optimizer_page.model
    finally:
        fresh.shutdown()


def test_model_fields_drive_the_widgets(optimizer_page):
    page, m = optimizer_page, optimizer_page.model
    m.steps = 123
    assert page.steps_box.value() == 123 and page.playback.step_label.text().endswith("/ 123")
    m.overlays = {**m.overlays, "gradient": True}
    assert page.overlay_boxes["gradient"].isChecked() and page.surface_view.overlays()["gradient"]
    m.speed = 7
    assert page.playback.speed.value() == 7
    m.side_tab = "Maps"
    assert page.side_tabs.tabText(page.side_tabs.currentIndex()) == "Maps"
    m.title, m.lesson = "A title", "A lesson."
    assert page.lesson.lesson() == ("A title", "A lesson.")
    m.start = (1.5, -0.5)
    assert page.trajectories()[0].xy[0].tolist() == [1.5, -0.5] and page.step() == 0
    m.racers = m.racers[:2]
    assert page.racer_panel.list.count() == 2 and len(page.trajectories()) == 2
    m.surface = "saddle"
    assert page.chooser.combo.currentText() == "saddle" and page.surface_view.domain() == tuple(m.surface_object.domain)
    assert page.lesson.lesson()[0] != "A title"  # another surface: its own lesson
    m.map_settings = {"hp_res": 17}
    assert page.maps.map_settings()["hp_res"] == 17
    m.step = 25
    assert page.playback.step_label.text().startswith("step 25 ")


def test_widget_edits_assign_model_fields(optimizer_page):
    page, m = optimizer_page, optimizer_page.model
    page.steps_box.setValue(222)
    assert m.steps == 222
    page.overlay_boxes["velocity"].setChecked(True)
    assert m.overlays["velocity"] is True
    page.playback.speed.setValue(4)
    assert m.speed == 4
    page.side_tabs.setCurrentIndex(1)
    assert m.side_tab == page.side_tabs.tabText(1)
    page.racer_panel.add_button.click()
    assert len(m.racers) == 4 and m.racers[3]["optimizer"] == "sgd" and m.racers[3]["color"]
    page.racer_panel.label.setText("renamed")
    page.racer_panel.label.editingFinished.emit()
    assert m.racers[3]["label"] == "renamed"
    page.chooser.combo.setCurrentText("himmelblau")
    assert m.surface.startswith("himmelblau")
    page.maps.hp_res.setValue(13)
    assert m.map_settings["hp_res"] == 13
    page.seek(30)
    page.playback.reset_button.click()
    assert m.step == 0


def test_a_playing_frame_draws_once(optimizer_page, monkeypatch):
    """The cursor's event inside a frame only marks it: each frame that moves draws exactly once."""
    page = optimizer_page
    draws = []
    original = page.draw
    monkeypatch.setattr(page, "draw", lambda: (draws.append(page.step()), original()))
    page.model.speed = 3
    page.play()
    for _ in range(5):
        page.tick()
    page.pause()
    page.timer.stop()
    assert draws == [3, 6, 9, 12, 15]


def test_bad_scene_on_the_page_keeps_model_and_widgets(optimizer_page):
    page = optimizer_page
    before, steps = page.model.state(), page.steps_box.value()
    with pytest.raises(ValueError, match="steps"):
        page.load_scene({**page.scene(), "steps": -5})
    assert page.model.state() == before and page.steps_box.value() == steps


def test_set_state_restores_the_side_tab_and_map_settings_on_the_page(optimizer_page):
    page = optimizer_page
    state = page.model.state()
    want = {**page.maps.map_settings(), "tab": "Hyperparameter map", "hp_res": 9, "basin_res": 25,
            "x_range": [0.001, 0.5]}
    page.model.set_state({**state, "side_tab": "Maps", "map_settings": want})
    assert page.side_tabs.tabText(page.side_tabs.currentIndex()) == "Maps"
    assert page.maps.map_settings() == want and page.model.map_settings == want
    assert page.maps.tabs.currentIndex() == 1


def test_a_scene_parses_its_surface_spec_once(optimizer_page, monkeypatch):
    """Loading a scene builds its surface once (schema, model, page, chooser, sliders and maps share it)."""
    import core.surfaces

    calls = []
    real = core.surfaces.get_surface
    monkeypatch.setattr(core.surfaces, "get_surface", lambda spec: (calls.append(spec), real(spec))[1])
    scene = {**scenes.load_scene("ill-conditioned-valley"), "surface": "valley:kappa=13.25,angle=7"}
    optimizer_page.load_scene(scenes.parse_scene(scenes.tomli_w.dumps(scene)))
    assert calls == ["valley:kappa=13.25,angle=7"]
    assert optimizer_page.chooser.surface() is optimizer_page.model.surface_object
