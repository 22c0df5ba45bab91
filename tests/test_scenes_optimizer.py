"""Optimizer scenes: validation names the field, bundled scenes load, broken files keep the state."""
from __future__ import annotations

import copy
import re

import pytest

from playground import scenes
from playground.pages.optimizer import scene as scene_optimizer

OPTIMIZER_SCENES = ["saddle-escape", "ill-conditioned-valley", "lr-too-large", "lr-decay", "input-normalization",
                    "input-normalization-on", "rosenbrock-race", "decoy-minimum", "nesterov-vs-momentum",
                    "adam-bias-correction", "newton-vs-gd"]

GOOD = {"version": 1, "page": "optimizer", "title": "t", "lesson": "l", "surface": "valley:kappa=10",
        "racers": [{"optimizer": "sgd", "label": "GD", "hparams": {"lr": 0.1}}], "start": [-2.0, 1.0], "steps": 50}


def test_bundled_scenes_are_listed_and_valid():
    names = scenes.list_scenes()
    for name in OPTIMIZER_SCENES:
        assert name in names
        sc = scenes.load_scene(name)
        assert sc["page"] == "optimizer" and sc["version"] == 1
        assert sc["title"] and 1 <= len(re.findall(r"[.!?](\s|$)", sc["lesson"])) <= 3  # 1-3 sentences


def test_validate_fills_defaults():
    sc = scene_optimizer.validate(copy.deepcopy(GOOD))
    assert sc["overlays"] == {"gradient": False, "velocity": False, "contours": True, "log_color": False}
    assert sc["racers"][0]["hparams"]["momentum"] == 0.0
    assert sc["racers"][0]["seed"] == 0


@pytest.mark.parametrize("path, value, field", [
    (("surface",), "nope", "surface"),
    (("racers", 0, "optimizer"), "adamm", "racers[0].optimizer"),
    (("racers", 0, "hparams"), {"lr": -1.0}, "racers[0].hparams"),
    (("racers", 0, "schedule"), "bogus:x=1", "racers[0].schedule"),
    (("racers", 0, "color"), "red", "racers[0].color"),
    (("start",), [1.0], "start"),
    (("steps",), 0, "steps"),
    (("overlays",), {"arrows": True}, "overlays"),
    (("view",), [1, 0, 0, 1], "view"),
    (("theme",), "pink", "theme"),
])
def test_errors_name_the_field(path, value, field):
    sc = copy.deepcopy(GOOD)
    target = sc
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    with pytest.raises(ValueError, match=re.escape(field)):
        scene_optimizer.validate(sc)


def test_too_many_racers():
    sc = copy.deepcopy(GOOD)
    sc["racers"] = sc["racers"] * 9
    with pytest.raises(ValueError, match="racers"):
        scene_optimizer.validate(sc)


def test_broken_file_message_names_the_file(tmp_path):
    bad = tmp_path / "broken.toml"
    bad.write_text('version = 1\npage = "optimizer"\nsurface = "valley"\nracers = []\n', encoding="utf-8")
    with pytest.raises(ValueError, match="broken.toml.*racers"):
        scenes.load_scene(str(bad))
    bad.write_text("version = 1\npage = [", encoding="utf-8")
    with pytest.raises(ValueError, match="broken.toml"):
        scenes.load_scene(str(bad))


def _scene_runs(name: str, start=None):
    """Each racer of bundled scene ``name`` run through the engine as the page runs it."""
    from core.surfaces import get_surface
    from core.trajectories import Racer, run_trajectory

    sc = scene_optimizer.validate(scenes.load_scene(name))
    surface = get_surface(sc["surface"])
    out = {}
    for r in sc["racers"]:
        racer = Racer(r["optimizer"], dict(r["hparams"]), r["schedule"] or None, float(r["grad_noise"]),
                      r.get("batch_size"), int(r["seed"]))
        out[r["label"]] = run_trajectory(surface, racer, tuple(start or sc["start"]), sc["steps"])
    return surface, out


def test_decoy_scene_shows_its_claim():
    """GD settles in the decoy, momentum rolls over the ridge into the global minimum, Adam stops in the decoy."""
    import torch

    surface, runs = _scene_runs("decoy-minimum")
    f = [float(surface.f(torch.tensor([m], dtype=torch.float64))[0]) for m in surface.minima]
    assert f[0] == surface.f_min and f[1] - f[0] > 1.0  # min0 is the global minimum, min1 the decoy
    assert runs["GD"].outcome == "min1"
    assert runs["momentum 0.9"].outcome == "min0"
    assert runs["Adam"].outcome == "min1"
    assert runs["momentum 0.9"].loss[-1] == pytest.approx(surface.f_min, abs=1e-9)
    # Not a knife edge: nearby starts tell the same story.
    for dx, dy in ((-0.2, -0.2), (0.2, 0.2), (0.2, -0.2), (-0.2, 0.2)):
        _, near = _scene_runs("decoy-minimum", (-3.5 + dx, 3.0 + dy))
        assert (near["GD"].outcome, near["momentum 0.9"].outcome, near["Adam"].outcome) == ("min1", "min0", "min1")


def test_unlabelled_racers_of_one_optimizer_get_distinct_labels():
    scene = scene_optimizer.validate({"surface": "bowl", "racers": [
        {"optimizer": "sgd"}, {"optimizer": "sgd", "hparams": {"momentum": 0.9}}, {"optimizer": "adam"},
        {"optimizer": "sgd", "label": "sgd 2"}, {"optimizer": "sgd"}]})
    assert [r["label"] for r in scene["racers"]] == ["sgd", "sgd 3", "adam", "sgd 2", "sgd 4"]
    again = scene_optimizer.validate(scene)  # a saved scene keeps them
    assert [r["label"] for r in again["racers"]] == ["sgd", "sgd 3", "adam", "sgd 2", "sgd 4"]
