"""The race of methods: best-so-far curves as long as the budget and never worse, the same seeds giving
the same race, and random search beating a grid when one knob matters and the other does not.

The comparison of methods replaces the trainer under the engine by a known function of the knobs
(no training), so it is fast and its optimum is known; the engine, its samplers and its rounds are
the real ones. The other tests train tiny networks.
"""
from __future__ import annotations

import math

import numpy as np
import optuna
import pytest
import torch

from core.training.config import TrainConfig
from core.training.metrics import Metrics
from playground.search import engine
from playground.search.methods import METHODS
from playground.search.race import REGRET_FLOOR, race_grid, run_race
from playground.search.space import space_from_params
from playground.search.spec import SearchSpec

optuna.logging.set_verbosity(optuna.logging.ERROR)
torch.set_num_threads(1)
TINY = TrainConfig(dataset="moons", n=60, layers=(3,), epochs=2, batch_size=20, report_every=0)


def _important_lr(config: TrainConfig) -> float:
    """Only the learning rate matters (best at 10**-1.3 = 0.05, not on the 4-point grid 1e-3..1);
    the weight decay barely does."""
    return (math.log10(config.lr) + 1.3) ** 2 + 1e-3 * config.weight_decay


def _fake_group(configs, stop_event=None, on_epoch=None, batch=True):
    """The trainers' ``train_group`` with the known function as each run's validation loss."""
    out = []
    reports = []
    for c in configs:
        v = _important_lr(c)
        kw = dict(epoch=1, step=1, examples_seen=1, epoch_fraction=1.0, lr=c.lr, val_loss=v)
        reports.append(Metrics("epoch", **kw))
        out.append([reports[-1], Metrics("final", **kw, stopped="completed")])
    if on_epoch is not None:
        on_epoch(1, reports)
    return out


@pytest.fixture
def known_function(monkeypatch):
    monkeypatch.setattr(engine, "train_group", _fake_group)


def _adamw(base: TrainConfig) -> TrainConfig:
    import dataclasses

    return dataclasses.replace(base, optimizer="adamw")


def test_race_grid_fits_the_budget():
    two = space_from_params(["lr=1e-3:1:log:9", "weight_decay=0:0.01"])
    assert race_grid(two, 16).grid_size() == 16 and race_grid(two, 16)["lr"].points == 4
    assert [race_grid(two, 20)[k].points for k in ("lr", "weight_decay")] == [5, 4]
    assert race_grid(space_from_params(["lr=1e-3:1:log"]), 7).grid_size() == 7
    mixed = space_from_params(["lr=1e-3:1:log", "activation=relu,tanh"])
    assert race_grid(mixed, 12).grid_size() == 12   # 6 learning rates x 2 activations


def test_random_beats_grid_when_one_knob_matters(known_function):
    spec = SearchSpec(_adamw(TINY), space_from_params(["lr=1e-3:1:log", "weight_decay=0:0.01"]), trials=16)
    seeds = (0, 1, 2, 3, 4)
    race = run_race(spec, methods=("grid", "random"), seeds=seeds, trials=16, truth=0.0)
    assert race.best["grid"].shape == race.best["random"].shape == (len(seeds), 16)
    # The 4 x 4 grid tries 4 learning rates, random 16: the lectures' point.
    assert race.distinct("grid", "lr") == 4 and race.distinct("random", "lr") == 16
    assert race.mean_regret("random") < race.mean_regret("grid")
    # The grid's best is its learning rate nearest 0.05, 0.1: (1 - 1.3)**2 = 0.09 (plus the decay term).
    assert race.regret("grid")[:, -1] == pytest.approx(np.full(len(seeds), 0.09), abs=1e-4)


def test_every_method_races_on_the_known_function(known_function):
    spec = SearchSpec(_adamw(TINY), space_from_params(["lr=1e-3:1:log", "weight_decay=0:0.01"]), trials=12,
                      startup_trials=4)
    race = run_race(spec, seeds=(0, 1), trials=12, truth=0.0)
    assert race.methods == METHODS
    for m in METHODS:
        b = race.best[m]
        assert b.shape == (2, 12) and np.isfinite(b).all()
        assert (np.diff(b, axis=1) <= 0).all(), m          # the best so far never gets worse
        assert (race.regret(m) >= 0).all()
    # A seeded race is the same race again.
    again = run_race(spec, seeds=(0, 1), trials=12, truth=0.0)
    for m in METHODS:
        np.testing.assert_array_equal(again.best[m], race.best[m])
    assert race.params["random"] != run_race(spec, methods=("random",), seeds=(5, 6), trials=12,
                                             truth=0.0).params["random"]


def test_a_trained_race_against_the_dense_grid():
    spec = SearchSpec(TINY, space_from_params(["lr=1e-2:1:log"]), trials=5)
    fractions = []
    race = run_race(spec, seeds=(0, 1), trials=5, points=6, progress=fractions.append)
    assert race.dense_points == (6,) and math.isfinite(race.true_best)
    assert set(race.true_params) == {"lr"}
    for m in METHODS:
        b = race.best[m]
        assert b.shape == (2, 5) and np.isfinite(b).all()
        assert (np.diff(b, axis=1) <= 0).all(), m
    assert race.distinct("grid", "lr") == 5      # the race's grid: 5 learning rates for 5 trials
    assert fractions[-1] == 1.0 and all(b >= a - 1e-12 for a, b in zip(fractions, fractions[1:]))
    # The grid's 5 points include both ends of the range, as the dense grid's 6 do.
    again = run_race(spec, seeds=(0, 1), trials=5, truth=race.true_best)
    for m in METHODS:
        np.testing.assert_array_equal(again.best[m], race.best[m])
    assert REGRET_FLOOR > 0


def test_a_stopped_race_returns_none():
    spec = SearchSpec(TINY, space_from_params(["lr=1e-2:1:log"]), trials=5)
    calls = []

    def stop():
        calls.append(1)
        return len(calls) > 3

    assert run_race(spec, seeds=(0,), trials=5, truth=0.3, stop=stop) is None


@pytest.mark.parametrize("kw, text", [({"methods": ("sgd",)}, "unknown method 'sgd'"),
                                      ({"seeds": ()}, "at least one sampler seed"),
                                      ({"trials": 0}, "at least 1 trial")])
def test_a_race_refuses_bad_input_in_one_line(kw, text):
    spec = SearchSpec(TINY, space_from_params(["lr=1e-2:1:log"]), trials=5)
    with pytest.raises(ValueError, match=text) as exc:
        run_race(spec, truth=0.3, **kw)
    assert "\n" not in str(exc.value)
