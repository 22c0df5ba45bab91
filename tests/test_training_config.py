"""Config validation names the field: bad types, and networks too big for memory, before anything runs."""
from __future__ import annotations

import pytest

from core.training import TrainConfig, train, validate
from core.training.config import MEMORY_LIMIT_BYTES, memory_estimate
from playground.pages.training import scene as scene_training


@pytest.mark.parametrize("field, value, message", [
    ("lr", "x", "lr: must be a number, got 'x'"),
    ("noise", "x", "noise: must be a number, got 'x'"),
    ("l2", "0.1", "l2: must be a number, got '0.1'"),
    ("dropout", "x", "dropout: must be a number (or one per hidden layer), got 'x'"),
    ("dropout", (0.1, "x"), "dropout: must be a number (or one per hidden layer), got 'x'"),
    ("epochs", 2.5, "epochs: must be a whole number, got 2.5"),
    ("batch_size", "x", "batch_size: must be a number, got 'x'"),
    ("n", None, "n: must be a number, got None"),
    ("layers", ("a",), "layers: every width must be a whole number, got 'a'"),
    ("split", ("a", 1, 1), "split: every part must be a number, got 'a'"),
    ("activation", 3, "activation: must be a name such as 'relu'"),
    ("weight_decay", True, "weight_decay: must be a number, got True"),
])
def test_a_bad_type_names_its_field(field, value, message):
    with pytest.raises(ValueError) as info:
        validate(TrainConfig(**{field: value}))
    assert str(info.value).startswith(message)


@pytest.mark.parametrize("table, key, value, message", [
    ("optimizer", "lr", "x", "optimizer.lr: must be a number, got 'x'"),
    ("data", "noise", "x", "data.noise: must be a number, got 'x'"),
    ("regularization", "dropout", ["x"], "regularization.dropout: must be a number"),
    ("regularization", "l1", "x", "regularization.l1: must be a number, got 'x'"),
    ("data", "points", [[1.0, 2.0, "a"], [0.0, 0.0, 1.0]], "data.points: entry 1 must be [x1, x2, label] numbers"),
    ("data", "split", "x", "data.split: bad split 'x'"),
    ("data", "normalize", "x", "data.normalize: must be true or false, got 'x'"),
    ("model", "init", "x", "model.init: unknown init 'x'"),
    ("schedule", "per", "x", "schedule.per: schedule-per must be 'epoch' or 'iteration'"),
    # Checked at load, not at Play in the trainer: the optimizer's own ranges and the schedule grammar.
    ("optimizer", "hparams", {"betas": "x"}, "optimizer.hparams.betas: betas must be a pair of numbers"),
    ("optimizer", "hparams", {"bogus": 1.0}, "optimizer.hparams.bogus: unknown hyperparameter 'bogus'"),
    ("optimizer", "hparams", 3, "optimizer.hparams: must be a table"),
    ("optimizer", "lr", 1e6, "optimizer.lr: lr must be in [0, 1000]"),
    ("optimizer", "name", "nope", "optimizer.name: unknown optimizer 'nope'"),
    ("schedule", "spec", "cosine(x)", "schedule.spec: unknown schedule 'cosine(x)'"),
    ("schedule", "spec", "cosine:bogus=1", "schedule.spec: "),
])
def test_a_bad_scene_value_names_its_key(table, key, value, message):
    scene = {"version": 1, "page": "training", "title": "t", "lesson": "l.", table: {key: value}}
    with pytest.raises(ValueError) as info:  # a ValueError, never a TypeError from deep inside
        scene_training.validate(scene)
    assert str(info.value).startswith(message)


def test_sgd_momentum_must_be_a_number_at_load():
    scene = {"version": 1, "page": "training", "title": "t", "lesson": "l.",
             "optimizer": {"name": "sgd", "hparams": {"momentum": "x"}}}
    with pytest.raises(ValueError) as info:
        scene_training.validate(scene)
    assert str(info.value).startswith("optimizer.hparams.momentum: momentum must be a number in [0, 1)")
    scene["optimizer"]["hparams"] = {"momentum": 0.9, "nesterov": True}
    assert scene_training.validate(scene)["optimizer"]["hparams"] == {"momentum": 0.9, "nesterov": True}


def test_a_saved_scene_says_its_kind_and_only_scene_is_read():
    scene = {"kind": "scene", "version": 1, "page": "training", "title": "t", "lesson": "l."}
    assert "kind" not in scene_training.validate(scene)  # the file format's key, not a setting
    with pytest.raises(ValueError, match="^kind: "):
        scene_training.validate({**scene, "kind": "session"})


def test_a_network_too_big_for_memory_is_refused_with_its_size_and_the_limit():
    cfg = TrainConfig(layers=(100000, 100000))
    with pytest.raises(ValueError) as info:
        validate(cfg)
    msg = str(info.value)
    state, acts = memory_estimate(cfg)
    # 1e10 weights: float32 weight + gradient + Adam's two moments = 16 bytes each
    assert 16 * 100000 * 100000 <= state < 16 * 100000 * 100010
    assert msg.startswith("layers: 100000 x 100000 needs about 184 GB")
    assert "the limit is 2 GB" in msg and "\n" not in msg
    with pytest.raises(ValueError, match="needs about"):
        next(train(cfg))  # refused before a single tensor is allocated


def test_the_points_count_in_the_activations():
    small = TrainConfig(dataset="moons", n=1000, layers=(2000, 2000))
    big = small.replace(n=1_000_000)
    validate(small)
    assert memory_estimate(big)[1] > 50 * memory_estimate(small)[1]  # 800k evaluated rows vs the 100 x 100 grid
    with pytest.raises(ValueError, match=r"^layers: 2000 x 2000 needs about .* on 1000000 points"):
        validate(big)


def test_the_usual_networks_pass():
    for layers in ((), (16, 16), (256, 256, 256), (1000, 1000)):
        cfg = TrainConfig(dataset="moons", n=1000, layers=layers)
        validate(cfg)
        assert sum(memory_estimate(cfg)) < MEMORY_LIMIT_BYTES


@pytest.mark.parametrize("table, key, value, message", [
    ("optimizer", "name", 3, "optimizer.name: must be a text, got 3"),
    ("schedule", "spec", 5, "schedule.spec: must be a text, got 5"),
    ("data", "noise", "x", "data.noise: must be a number, got 'x'"),
    ("optimizer", "lr", "x", "optimizer.lr: must be a number, got 'x'"),
])
def test_a_scene_key_spelled_unlike_its_field_is_named_as_in_the_scene(table, key, value, message):
    scene = {"version": 1, "page": "training", "title": "t", "lesson": "l.", table: {key: value}}
    with pytest.raises(ValueError) as info:
        scene_training.validate(scene)
    assert str(info.value) == message
