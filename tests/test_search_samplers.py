"""The samplers: grid points exactly once (also resumed), random on a log scale, coarse-to-fine boxes,
and tpe / bayes finding known minima in fewer evaluations than random.

The sampler comparisons use plain Optuna objectives on known functions (no training), so they are fast.
"""
from __future__ import annotations

import math
import warnings
from collections import Counter

import numpy as np
import optuna
import pytest
import torch
from scipy import stats

from core.training.config import TrainConfig
from playground.search.coarse_to_fine import BOX_ATTR, ROUND_ATTR, CoarseToFineSampler
from playground.search.engine import Search, SearchSpec
from playground.search.methods import make_sampler
from playground.search.space import space_from_params

optuna.logging.set_verbosity(optuna.logging.ERROR)
torch.set_num_threads(1)  # tiny networks, and GPSampler's GP: one thread (docs/traps.md)
TINY = TrainConfig(dataset="moons", n=60, layers=(3,), epochs=2, batch_size=20, report_every=0)


def _grid_ids(study):
    done = [t for t in study.get_trials() if t.state == optuna.trial.TrialState.COMPLETE]
    return Counter(t.system_attrs["grid_id"] for t in done)


def test_grid_runs_each_point_once_also_when_resumed(tmp_path):
    url = f"sqlite:///{tmp_path / 'grid.db'}"
    space = space_from_params(["lr=1e-2:1:log:3", "batch_size=10,30"])
    first = Search(SearchSpec(TINY, space, method="grid", trials=4, storage=url, batch=False))
    got = list(first.run())
    assert len(got) == 4
    # Resumed without --trials: the whole product, i.e. the 2 points left, each once. The tell that
    # finishes the grid raises "Study.stop is supposed to be invoked inside an objective" in Optuna,
    # and a further ask would re-sample a visited point: neither happens here.
    second = Search(SearchSpec(TINY, space, method="grid", storage=url, batch=False))
    got += list(second.run())
    assert len(got) == 6 and all(r.state == "COMPLETE" for r in got)
    ids = _grid_ids(second.study)
    assert sorted(ids) == list(range(6)) and set(ids.values()) == {1}
    points = {(r.params["lr"], r.params["batch_size"]) for r in got}
    assert len(points) == 6
    # A third run has nothing left to do.
    assert list(Search(SearchSpec(TINY, space, method="grid", storage=url, batch=False)).run()) == []
    assert len(second.study.get_trials()) == 6


def test_grid_with_a_conditional_knob_trains_each_configuration_once():
    space = space_from_params(["optimizer=sgd,adam", "momentum=0,0.9", "lr=0.1,0.3"])
    s = Search(SearchSpec(TINY, space, method="grid", batch=False))
    res = list(s.run())
    assert len(res) == 8
    # adam has no momentum: its two momentum points are one configuration, trained once.
    same = [r for r in res if r.message and r.message.startswith("same configuration")]
    assert len(same) == 2 and all(r.params["optimizer"] == "adam" and "momentum" not in r.params for r in same)


def test_random_samples_log_ranges_log_uniformly():
    space = space_from_params(["lr=1e-4:1:log", "dropout=0:0.5"])
    study = optuna.create_study(sampler=make_sampler("random", space, seed=1))
    dists = space.distributions()
    for _ in range(600):
        t = study.ask(dists)
        study.tell(t, 0.0)
    lr = np.array([t.params["lr"] for t in study.trials])
    p = np.array([t.params["dropout"] for t in study.trials])
    # log10(lr) ~ U(-4, 0): the lectures' r = -4*rand(); alpha = 10**r.
    assert stats.kstest(np.log10(lr), "uniform", args=(-4, 4)).pvalue > 0.01
    assert 0.4 < np.mean(lr < 1e-2) < 0.6          # linear sampling would put 1% there
    assert stats.kstest(p, "uniform", args=(0, 0.5)).pvalue > 0.01


def test_coarse_to_fine_boxes_shrink_around_the_best():
    space = space_from_params(["lr=1e-5:1:log", "dropout=0:0.8", "activation=relu,tanh,sigmoid"])
    sampler = CoarseToFineSampler(space.distributions(), round_size=12, top_fraction=0.25, shrink=0.5, seed=3)
    study = optuna.create_study(sampler=sampler)

    def f(trial):  # the best lr is 1e-2, the best dropout 0.1, tanh best
        lr = trial.suggest_float("lr", 1e-5, 1, log=True)
        p = trial.suggest_float("dropout", 0, 0.8)
        a = trial.suggest_categorical("activation", ["relu", "tanh", "sigmoid"])
        return (math.log10(lr) + 2) ** 2 + 10 * (p - 0.1) ** 2 + (0 if a == "tanh" else 0.5)

    study.optimize(f, n_trials=48)
    boxes = {}
    for t in study.trials:
        boxes.setdefault(t.system_attrs[ROUND_ATTR], t.system_attrs[BOX_ATTR])
        box = t.system_attrs[BOX_ATTR]
        assert box["lr"]["low"] <= t.params["lr"] <= box["lr"]["high"]
        assert t.params["activation"] in box["activation"]["choices"]
    assert sorted(boxes) == [0, 1, 2, 3]
    assert boxes[0]["lr"] == {"low": 1e-5, "high": 1.0, "log": True}
    for r in (1, 2, 3):
        prev = [t for t in study.trials if t.number < 12 * r]
        best = min(prev, key=lambda t: t.value)
        b = boxes[r]
        w = math.log(b["lr"]["high"] / b["lr"]["low"])
        assert w == pytest.approx(math.log(1e5) * 0.5 ** r)       # the stated shrink
        assert b["dropout"]["high"] - b["dropout"]["low"] == pytest.approx(0.8 * 0.5 ** r)
        assert b["lr"]["low"] <= best.params["lr"] <= b["lr"]["high"]   # around the best trials
        assert b["dropout"]["low"] <= best.params["dropout"] <= b["dropout"]["high"]
    assert boxes[3]["lr"]["low"] < 1e-2 < boxes[3]["lr"]["high"]
    later = [t.value for t in study.trials if t.number >= 36]
    first = [t.value for t in study.trials if t.number < 12]
    assert np.median(later) < np.median(first)


def test_coarse_to_fine_in_the_engine_batches_by_round_and_resumes(tmp_path):
    url = f"sqlite:///{tmp_path / 'c2f.db'}"
    space = space_from_params(["lr=1e-3:1:log"])
    spec = dict(method="coarse-to-fine", storage=url, sampler_seed=5, c2f={"round_size": 3}, batch=False)
    a = [r.params["lr"] for r in Search(SearchSpec(TINY, space, trials=4, **spec)).run()]
    b = [r.params["lr"] for r in Search(SearchSpec(TINY, space, trials=7, **spec)).run()]
    assert len(a) == 4 and len(b) == 3
    study = optuna.load_study(study_name="search", storage=url)
    rounds = [t.system_attrs[ROUND_ATTR] for t in study.trials]
    assert rounds == [0, 0, 0, 1, 1, 1, 2]


def _evals_to(sampler, f, threshold: float, budget: int) -> int:
    study = optuna.create_study(sampler=sampler)
    for i in range(budget):
        study.optimize(f, n_trials=1)
        if study.best_value < threshold:
            return i + 1
    return budget + 1


def _f1(t):
    x = t.suggest_float("x", -5, 5)
    return (x - 1.3) ** 2


def _f2(t):
    x, y = t.suggest_float("x", -5, 5), t.suggest_float("y", -5, 5)
    return (x - 1) ** 2 + (y + 2) ** 2


@pytest.mark.parametrize("method", ["tpe", "bayes"])
def test_model_based_samplers_beat_random(method):
    space = space_from_params(["lr=1e-3:1"])  # make_sampler wants a space; these samplers do not read it

    def sampler(m, seed):
        s = make_sampler(m, space, seed=seed)
        if m == "bayes":  # a cheaper search of the acquisition function (2048 QMC points, 10 local searches)
            s._n_preliminary_samples, s._n_local_search = 256, 2
        return s

    means = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for m in ("random", method):
            r1 = [_evals_to(sampler(m, s), _f1, 0.01, 30) for s in range(10)]
            r2 = [_evals_to(sampler(m, s), _f2, 0.1, 40) for s in range(10)]
            means[m] = (np.mean(r1), np.mean(r2))
    assert means[method][0] < means["random"][0], means
    assert means[method][1] < means["random"][1], means


def test_importance_names_the_knob_that_matters():
    from playground.search.importance import param_importances

    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    study.optimize(lambda t: 10 * t.suggest_float("lr", -1, 1) ** 2 + 0.01 * t.suggest_float("dropout", 0, 0.5),
                   n_trials=40)
    for evaluator in (None, "fanova"):
        imp = param_importances(study, evaluator)
        assert set(imp) == {"lr", "dropout"} and imp["lr"] > imp["dropout"], (evaluator, imp)
    assert param_importances(optuna.create_study()) is None        # no trials yet: nothing to say
    with pytest.raises(ValueError, match="unknown importance evaluator"):
        param_importances(study, "shap")


@pytest.mark.parametrize("method", ["tpe", "bayes"])
def test_startup_trials_hand_over_to_the_model_after_n_random_trials(method):
    """With 2 start-up trials the third trial is the model's: it differs from what the random start-up
    (Optuna's 10 by default) draws third with the same seed."""
    import optuna

    from playground.search.methods import make_sampler
    from playground.search.space import space_from_params

    space = space_from_params(["lr=1e-4:1:log"])

    def third(startup):
        study = optuna.create_study(sampler=make_sampler(method, space, 0, startup_trials=startup))
        study.optimize(lambda t: (math.log10(t.suggest_float("lr", 1e-4, 1, log=True)) + 2) ** 2, n_trials=3)
        return [t.params["lr"] for t in study.trials]

    default, early = third(None), third(2)
    assert default[:2] == early[:2]      # the same random start
    assert default[2] != early[2]        # then the model, not a third random draw
