"""Outcomes on surfaces where the answer is known, in both engine modes."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from core.surfaces import formula_surface, get_surface
from core.trajectories import OutcomeRules, Racer, classify, outcome_labels, run_map, run_trajectory


def test_labels():
    assert outcome_labels(2) == ["min0", "min1", "elsewhere", "diverged", "not-converged"]
    assert outcome_labels(0) == ["elsewhere", "diverged", "not-converged"]


def test_bowl_gradient_descent_converges_to_min0():
    bowl = get_surface("bowl")
    tr = run_trajectory(bowl, Racer("sgd", {"lr": 0.1}), (2.0, -1.5), 1000)
    assert tr.outcome == "min0" and tr.converged_at is not None and tr.converged_at < 1000
    res = run_map(bowl, Racer("sgd", {"lr": 0.1}), np.array([[2.0, -1.5], [-2.5, 2.5]]), 1000)
    assert [res.label(i) for i in range(2)] == ["min0", "min0"]
    assert res.steps[0] == tr.converged_at


def test_himmelblau_starts_near_each_minimum_end_there():
    him = get_surface("himmelblau")
    mins = np.array(him.minima)
    starts = mins + np.array([0.3, -0.25])
    res = run_map(him, Racer("adam", {"lr": 0.01}), starts, 3000)
    assert [res.label(i) for i in range(len(mins))] == [f"min{k}" for k in range(len(mins))]
    for k, s in enumerate(starts):
        assert run_trajectory(him, Racer("sgd", {"lr": 0.005}), tuple(s), 3000).outcome == f"min{k}"


def test_too_large_lr_diverges_quickly_without_overflow():
    bowl = get_surface("bowl")
    tr = run_trajectory(bowl, Racer("sgd", {"lr": 2.5}), (1.0, 1.0), 300)  # |1 - lr| = 1.5 per step
    assert tr.outcome == "diverged" and tr.diverged_at < 300
    assert np.isfinite(tr.xy).all() and np.abs(tr.xy[-1]).max() < 1e6  # caught far away, not by overflow
    res = run_map(bowl, Racer("sgd", {"lr": 2.5}), np.array([[1.0, 1.0]]), 300)
    assert res.label(0) == "diverged" and res.steps[0] == tr.diverged_at


def test_tiny_lr_few_steps_is_not_converged():
    bowl = get_surface("bowl")
    tr = run_trajectory(bowl, Racer("sgd", {"lr": 1e-4}), (1.0, 1.0), 10)
    assert tr.outcome == "not-converged"
    res = run_map(bowl, Racer("sgd", {"lr": 1e-4}), np.array([[1.0, 1.0]]), 10)
    assert res.label(0) == "not-converged" and res.steps[0] == 10


def test_formula_without_listed_minima_is_elsewhere():
    surf = formula_surface("(x-1)^2 + (y+0.5)^2")
    assert surf.minima == []
    tr = run_trajectory(surf, Racer("sgd", {"lr": 0.1}), (-2.0, 2.0), 1000)
    assert tr.outcome == "elsewhere"
    np.testing.assert_allclose(tr.xy[tr.converged_at], [1.0, -0.5], atol=1e-5)


def test_nan_start_and_unbounded_surface_diverge():
    saddle = formula_surface("x^2 - y^2")  # unbounded below: a run-away to -inf counts as diverged
    tr = run_trajectory(saddle, Racer("sgd", {"lr": 0.1}), (0.5, 0.01), 500)
    assert tr.outcome == "diverged"
    codes = classify(torch.tensor([[np.nan, 0.0]]), torch.tensor([-1]), torch.tensor([3]), [(0.0, 0.0)], 6.0)
    assert outcome_labels(1)[codes[0]] == "diverged"


def test_near_is_relative_to_the_view():
    rules = OutcomeRules()
    width = 10.0
    mins = [(0.0, 0.0)]
    near = classify(torch.tensor([[0.4, 0.0], [0.6, 0.0]]), torch.tensor([5, 5]), torch.tensor([-1, -1]),
                    mins, width, rules)
    assert list(near) == [0, 1]  # 0.05 * 10 = 0.5: min0, then elsewhere


@pytest.mark.parametrize("lr", [0.5, 1.9])
def test_converged_rows_stop_moving_in_maps(lr):
    bowl = get_surface("bowl")
    res = run_map(bowl, Racer("sgd", {"lr": lr}), np.array([[1.0, 2.0]]), 2000, record=True)
    k = int(res.converged_at[0])
    assert 0 < k < 2000 and (res.paths[k:] == res.paths[k]).all()
