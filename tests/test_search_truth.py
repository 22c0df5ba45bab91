"""The true response (playground.search.truth): a dense grid of one or two knobs, trained batched."""
from __future__ import annotations

import threading

import numpy as np
import pytest

from core.training import batched as batched_module
from core.training import trainer as trainer_module
from core.training.config import TrainConfig
from playground.search.engine import Search
from playground.search.spec import SearchSpec
from playground.search.space import space_from_params
from playground.search.trainers import train_one
from playground.search.truth import dense_values, true_response

BASE = TrainConfig(dataset="moons", n=80, layers=(4,), epochs=4, batch_size=20, report_every=0)


def _spec(*params, objective="val_loss", base=BASE, **kw):
    return SearchSpec(base, space_from_params(list(params)), method="random", trials=4, objective=objective, **kw)


def _final(reports, objective="val_loss"):
    return getattr(next(m for m in reversed(reports) if m.kind == "final"), objective)


def test_dense_value_equals_the_config_trained_alone():
    spec = _spec("lr=1e-3:1:log", "dropout=0:0.4")
    r = true_response(spec, points=4)
    assert r.values.shape == (4, 4) and np.isfinite(r.values).all()
    for i, j in ((0, 0), (2, 3), (3, 1)):
        params = {"lr": float(r.axes[0][i]), "dropout": float(r.axes[1][j])}
        alone = _final(train_one(spec.space.config(spec.base, params)))
        assert r.values[i, j] == pytest.approx(alone, rel=1e-5)
    assert len({float(v) for v in r.values.ravel()}) > 8  # the knobs matter: not one value copied


def test_dense_values_match_a_grid_searchs_trials():
    # A grid search with as many points trains the same configs (the engine's own config building).
    spec = _spec("lr=1e-3:1:log:5", objective="val_acc")
    r = true_response(spec, points=5)
    s = Search(SearchSpec(spec.base, spec.space, method="grid", objective="val_acc"))
    trials = list(s.run())
    assert len(trials) == 5
    for t in trials:
        i = int(np.argmin(abs(r.axes[0] - t.params["lr"])))
        assert r.axes[0][i] == pytest.approx(t.params["lr"], rel=1e-12)
        assert r.values[i] == pytest.approx(t.value, rel=1e-5)


def test_log_knob_is_geometric_and_linear_knob_even():
    r = true_response(_spec("lr=1e-3:1:log", "dropout=0:0.5", base=BASE.replace(epochs=1)), points=5)
    assert np.allclose(np.diff(np.log10(r.axes[0])), 0.75) and r.axes[0][0] == 1e-3 and r.axes[0][-1] == 1.0
    assert np.allclose(r.axes[1], [0.0, 0.125, 0.25, 0.375, 0.5])
    assert r.names == ("lr", "dropout") and r.trainings == 25


def test_integer_knob_keeps_its_distinct_values():
    knob = space_from_params(["batch_size=4:10"]).knobs[0]
    vals = dense_values(knob, 24)
    assert vals.tolist() == [4, 5, 6, 7, 8, 9, 10]
    r = true_response(_spec("batch_size=8:32:log", base=BASE.replace(epochs=1)), points=5)
    assert r.axes[0].dtype.kind == "i" and r.axes[0][0] == 8 and r.axes[0][-1] == 32
    assert isinstance(r.best_params["batch_size"], int)


@pytest.mark.parametrize("objective", ["val_loss", "val_acc"])
def test_best_is_the_extreme_of_the_values(objective):
    r = true_response(_spec("lr=1e-3:1:log", objective=objective), points=6)
    assert r.minimize == (objective == "val_loss") and r.objective == objective
    best = np.nanmin(r.values) if r.minimize else np.nanmax(r.values)
    assert r.best_value == best
    i = int(np.flatnonzero(r.values == best)[0])
    assert r.best_params == {"lr": float(r.axes[0][i])}


def test_diverged_runs_are_nan():
    spec = _spec("lr=1e-2:1e6:log", base=BASE.replace(optimizer="sgd"))
    r = true_response(spec, points=4)
    assert np.isnan(r.values[-1]) and np.isfinite(r.values[0])
    assert np.isfinite(r.best_value)


@pytest.mark.parametrize("params, words", [
    ((), "search space is empty"),
    (("lr=1e-3:1:log", "dropout=0:0.5", "l2=0:0.1"), "one or two knobs; this space has 3"),
    (("activation=relu,tanh",), "activation"),
    (("lr=1e-3:1:log", "batch_size=16,32"), "list of choices"),
])
def test_refused_spaces(params, words):
    with pytest.raises(ValueError, match=words):
        true_response(_spec(*params), points=4)


def test_refuses_no_validation_split_and_too_few_points():
    with pytest.raises(ValueError, match="validation split"):
        true_response(_spec("lr=1e-3:1:log", base=BASE.replace(split=(0.8, 0.0, 0.2))))
    with pytest.raises(ValueError, match="at least 2 points"):
        true_response(_spec("lr=1e-3:1:log"), points=1)


def test_progress_counts_epochs_to_the_total_and_the_test_split_is_never_used(monkeypatch):
    splits = []
    original = trainer_module._Run.evaluate
    monkeypatch.setattr(trainer_module._Run, "evaluate",
                        lambda self, split, keep=None: splits.append(split) or original(self, split, keep))
    groups = []  # (rows, evaluate_test) of each batched group: the grid trains batched, without the test split
    group_init = batched_module._Group.__init__
    monkeypatch.setattr(batched_module._Group, "__init__", lambda self, configs, group, evaluate_test: (
        groups.append((len(group), evaluate_test)), group_init(self, configs, group, evaluate_test))[1])
    seen = []
    true_response(_spec("lr=1e-3:1:log"), points=5, progress=lambda d, t: seen.append((d, t)))
    assert seen[-1] == (20, 20) and all(t == 20 for _, t in seen)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen) and len(seen) >= 4
    assert groups == [(5, False)] and "test" not in splits


def test_stop_ends_it():
    stop = threading.Event()
    calls = []

    def progress(done, total):
        calls.append(done)
        if done >= total // 4:
            stop.set()

    with pytest.raises(InterruptedError):
        true_response(_spec("lr=1e-3:1:log", "dropout=0:0.5", base=BASE.replace(epochs=40)), points=6,
                      progress=progress, stop=stop)
    assert calls and max(calls) < 36 * 40  # it did not train the whole grid
    with pytest.raises(InterruptedError):
        stop.set()
        true_response(_spec("lr=1e-3:1:log"), points=4, stop=stop)
