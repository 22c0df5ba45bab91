"""Search spaces: the --param and TOML forms, their validation messages, and how knobs map onto TrainConfig."""
from __future__ import annotations

import pytest

from core.training.config import TrainConfig
from playground.search.space import (
    load_space, parse_param, parse_space, space_from_params, space_text,
)


def test_param_forms():
    k = parse_param("lr=1e-4:1e-1:log")
    assert (k.low, k.high, k.log, k.points) == (1e-4, 1e-1, True, None)
    d = k.distribution()
    assert d.log and d.low == 1e-4 and d.high == 1e-1
    k = parse_param("width=4:64:log")
    assert k.distribution().__class__.__name__ == "IntDistribution" and k.distribution().log
    assert parse_param("batch_size=16,32,64").choices == (16, 32, 64)
    assert parse_param("schedule=none|cosine|step:step_size=30,gamma=0.5").choices == (
        None, "cosine", "step:step_size=30,gamma=0.5")
    assert parse_param("lr=1e-3:1e-1:log:3").grid_values() == pytest.approx([1e-3, 1e-2, 1e-1])
    assert parse_param("depth=1:3").grid_values() == [1, 2, 3]  # a short integer range: every integer


@pytest.mark.parametrize("text, words", [
    ("lr=1e-1:1e-4:log", ["lr", "reversed range"]),
    ("dropout=0.2:0.2", ["dropout", "empty range"]),
    ("l2=0:1e-2:log", ["l2", "log range", "includes 0"]),
    ("lrr=1e-3:1", ["unknown parameter 'lrr'", "lr, batch_size"]),
    ("activation=relu,relux", ["activation", "relux", "tanh"]),
    ("optimizer=sgd,adamz", ["adamz", "adam"]),
    ("dropout=0:1", ["dropout", "below 1"]),
    ("batch_size=16,16.5", ["batch_size", "whole number"]),
    ("lr=0:1e-2", ["lr", "above 0"]),
    ("activation=0:1", ["unknown activation", "tanh"]),
    ("lr=1e-3:1:log:1", ["grid points", "at least 2"]),
    ("lr", ["expected NAME=LOW:HIGH"]),
])
def test_param_errors_name_the_knob(text, words):
    with pytest.raises(ValueError) as exc:
        parse_param(text)
    msg = str(exc.value)
    assert "\n" not in msg
    for w in words:
        assert w in msg, (w, msg)


def test_toml_space_round_trip_and_messages(tmp_path):
    text = """
kind = "space"
version = 1
[params]
lr = { low = 1e-4, high = 1e-1, log = true }
optimizer = ["sgd", "adam"]
momentum = "0:0.95"
width = { low = 4, high = 32, log = true, points = 3 }
"""
    space = parse_space(text, "s.toml")
    assert space.names == ("optimizer", "lr", "width", "momentum")  # the optimizer first: others depend on it
    assert parse_space(space_text(space), "again").key() == space.key()
    p = tmp_path / "s.toml"
    p.write_text(text)
    assert load_space(p).key() == space.key()
    with pytest.raises(ValueError, match=r"^s.toml: params.lr: reversed range"):
        parse_space(text.replace("low = 1e-4, high = 1e-1", "low = 1e-1, high = 1e-4"), "s.toml")
    with pytest.raises(ValueError, match=r"^s.toml: 'kind' must be 'space', got 'scene'"):
        parse_space(text.replace('kind = "space"', 'kind = "scene"'), "s.toml")
    with pytest.raises(ValueError, match=r"^s.toml: params.lr: unknown key 'lg'"):
        parse_space(text.replace("log = true }", "lg = true }", 1), "s.toml")
    with pytest.raises(ValueError, match=r"^s.toml: params.widht: unknown parameter 'widht'"):
        parse_space(text.replace("width =", "widht ="), "s.toml")
    with pytest.raises(ValueError, match="no such space file"):
        load_space(tmp_path / "missing.toml")


def test_knobs_map_onto_train_config():
    base = TrainConfig(optimizer="sgd", hparams={"momentum": 0.5}, layers=(8, 8), weight_decay=1e-4)
    space = space_from_params(["optimizer=sgd,adam,adagrad", "width=4:64", "depth=1:3", "momentum=0:0.9",
                               "beta1=0.8:0.95", "schedule=none,cosine"])
    c = space.config(base, {"optimizer": "adam", "width": 16, "depth": 3, "beta1": 0.85, "schedule": None})
    assert c.layers == (16, 16, 16) and c.optimizer == "adam"
    assert c.hparams == {"betas": (0.85, 0.999)}  # sgd's momentum dropped, Adam's default beta2 kept
    assert c.schedule is None and c.weight_decay == 1e-4
    c = space.config(base, {"optimizer": "sgd", "momentum": 0.9, "depth": 0})
    assert c.hparams == {"momentum": 0.9} and c.layers == ()
    assert space.applies("momentum", "sgd") and not space.applies("momentum", "adam")
    assert space.applies("beta1", "adamw") and not space.applies("beta1", "sgd")
    assert space.is_conditional()
    assert not space_from_params(["lr=1e-3:1:log", "momentum=0:0.9"]).is_conditional()
    with pytest.raises(ValueError, match="momentum: optimizer adam has no momentum"):
        space_from_params(["momentum=0:0.9"]).check_base(base.replace(optimizer="adam", hparams={}))


def test_grid_needs_points_and_a_sane_size():
    with pytest.raises(ValueError, match=r"lr: a grid needs values.*lr=0.001:1.0:log:5"):
        space_from_params(["lr=1e-3:1:log"]).grid()
    with pytest.raises(ValueError, match="the grid has 1000000 points"):
        space_from_params(["lr=1e-3:1:log:1000", "dropout=0:0.5:1000"]).grid()
    g = space_from_params(["lr=1e-3:1e-1:log:3", "batch_size=16,32"])
    assert g.grid_size() == 6
