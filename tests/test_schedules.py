"""Schedules: closed-form values, chaining, plateau, the cycle_momentum and OneCycleLR traps, bad specs."""
from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import torch

from core.optim import build_scheduler, format_schedule, list_schedules, parse_schedule, schedule_values

LR0 = 0.1
T = np.arange(201)


def values(spec, steps=200, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no torch warnings (step order, deprecated epoch argument)
        return schedule_values(spec, LR0, steps, **kw)


def test_list_schedules():
    assert [n for n, _ in list_schedules()] == ["constant", "time", "step", "exp", "invsqrt", "cosine",
                                                "cyclic", "onecycle", "warmup", "plateau"]
    assert all(d and "\n" not in d for _, d in list_schedules())


@pytest.mark.parametrize("spec,formula", [
    ("constant", lambda t: LR0 + 0 * t),
    ("time:d=0.05", lambda t: LR0 / (1 + 0.05 * t)),
    ("step:step_size=30,gamma=0.5", lambda t: LR0 * 0.5 ** np.floor(t / 30)),
    ("exp:k=0.02", lambda t: LR0 * np.exp(-0.02 * t)),
    ("invsqrt", lambda t: LR0 / np.sqrt(t + 1)),
    ("cosine:T_max=200,eta_min=0.001", lambda t: 0.001 + (LR0 - 0.001) * (1 + np.cos(np.pi * t / 200)) / 2),
])
def test_closed_forms(spec, formula):
    np.testing.assert_allclose(values(spec), formula(T), rtol=1e-10, atol=1e-14)


def test_invsqrt_is_finite_at_zero():
    assert values("invsqrt", 3)[0] == LR0


def test_cosine_defaults_to_the_whole_run():
    v = values("cosine", 100)
    assert v[0] == LR0 and abs(v[100]) < 1e-15 and v[50] == pytest.approx(LR0 / 2)


def test_cyclic_triangular():
    base, s = 0.01, 25
    cycle = np.floor(1 + T / (2 * s))
    x = np.abs(T / s - 2 * cycle + 1)
    expect = base + (LR0 - base) * np.maximum(0, 1 - x)
    np.testing.assert_allclose(values(f"cyclic:base_lr={base},step_size={s}"), expect, rtol=1e-10, atol=1e-14)


def test_onecycle_endpoints_and_hold_past_the_end():
    v = values("onecycle:pct_start=0.3,div_factor=25,final_div_factor=1e4", steps=100)
    assert v[0] == pytest.approx(LR0 / 25, rel=1e-12)
    assert v[29] == pytest.approx(LR0, rel=1e-12)  # peak at step pct_start*total - 1
    assert v.max() == pytest.approx(LR0, rel=1e-12)
    assert v[99] == pytest.approx(LR0 / (25 * 1e4), rel=1e-9)  # last step of the run
    assert v[100] == v[99]
    w = torch.zeros(2, requires_grad=True)
    opt = torch.optim.SGD([w], lr=LR0)
    sched = build_scheduler("onecycle", opt, 10)
    for _ in range(50):  # torch's OneCycleLR raises past its total; ours holds the final lr
        opt.step()
        sched.step()
    assert sched.get_last_lr() == [pytest.approx(LR0 / (25 * 1e4), rel=1e-9)]


def test_warmup_then_cosine_counts_t_from_the_end_of_warmup():
    W, f, Tm = 20, 0.1, 100
    v = values(f"warmup:steps={W},start_factor={f}+cosine:T_max={Tm}", steps=120)
    t = np.arange(121)
    expect = np.where(t < W, LR0 * (f + (1 - f) * t / W),
                      LR0 * (1 + np.cos(np.pi * (t - W) / Tm)) / 2)
    np.testing.assert_allclose(v, expect, rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("follower,formula", [
    ("exp:k=0.05", lambda t: LR0 * np.exp(-0.05 * t)),
    ("step:step_size=7,gamma=0.5", lambda t: LR0 * 0.5 ** np.floor(t / 7)),
    ("invsqrt", lambda t: LR0 / np.sqrt(t + 1)),
    ("cyclic:base_lr=0.01,step_size=5", lambda t: 0.01 + (LR0 - 0.01) * np.maximum(
        0, 1 - np.abs(t / 5 - 2 * np.floor(1 + t / 10) + 1))),
])
def test_warmup_hands_over_to_each_follower(follower, formula):
    W = 10
    v = values(f"warmup:steps={W}+{follower}", steps=60)
    np.testing.assert_allclose(v[W:], formula(np.arange(51)), rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(v[:W], LR0 * (0.01 + 0.99 * np.arange(W) / W), rtol=1e-12)


def test_plateau_reduces_after_patience_bad_steps():
    metrics = np.array([5.0, 4, 3, 2, 1] + [1.0] * 15)  # metrics[t] is the loss after step t
    v = values("plateau:factor=0.5,patience=2", steps=20, metrics=metrics)
    # steps 5, 6, 7 are bad; the third exceeds patience=2, so step 8 runs at half the rate.
    assert np.all(v[:8] == LR0)
    assert v[8] == pytest.approx(LR0 / 2)
    assert np.all(v[8:11] == v[8]) and v[11] == pytest.approx(LR0 / 4)


def test_plateau_needs_a_metric():
    w = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([w], lr=LR0)
    sched = build_scheduler("plateau", opt, 10)
    opt.step()
    with pytest.raises(ValueError, match="metric"):
        sched.step()
    with pytest.raises(ValueError, match="metrics"):
        schedule_values("plateau", LR0, 10)


@pytest.mark.parametrize("spec", ["cyclic", "onecycle"])
def test_momentum_and_betas_untouched(spec):
    for make, key, value in [(lambda p: torch.optim.SGD(p, lr=LR0, momentum=0.9), "momentum", 0.9),
                             (lambda p: torch.optim.Adam(p, lr=LR0), "betas", (0.9, 0.999)),
                             (lambda p: torch.optim.Adagrad(p, lr=LR0), "lr_decay", 0)]:
        w = torch.zeros(2, requires_grad=True)
        opt = make([w])
        sched = build_scheduler(spec, opt, 40)  # Adagrad: torch raises here with cycle_momentum=True
        for _ in range(40):
            opt.zero_grad()
            (w - 1).pow(2).sum().backward()
            opt.step()
            sched.step()
            assert opt.param_groups[0][key] == value


def test_training_uses_the_values_schedule_values_reports():
    spec = "warmup:steps=5+step:step_size=4,gamma=0.5"
    w = torch.zeros(2, requires_grad=True)
    opt = torch.optim.Adagrad([w], lr=LR0)
    sched = build_scheduler(spec, opt, 30)
    used = []
    for _ in range(30):
        used.append(opt.param_groups[0]["lr"])
        opt.zero_grad()
        (w - 1).pow(2).sum().backward()
        opt.step()
        sched.step()
    assert isinstance(sched.get_last_lr(), list) and isinstance(sched.get_last_lr()[0], float)
    np.testing.assert_array_equal(np.array(used), values(spec, 30)[:30])


def test_none_is_constant():
    np.testing.assert_array_equal(values(None, 5), np.full(6, LR0))


def test_parse_and_format_round_trip():
    spec = "warmup:steps=50+cosine:T_max=500,eta_min=0.001"
    parts = parse_schedule(spec)
    assert parts == [("warmup", {"steps": 50}), ("cosine", {"T_max": 500, "eta_min": 0.001})]
    assert isinstance(parts[0][1]["steps"], int)
    assert parse_schedule(format_schedule(parts)) == parts
    assert parse_schedule(" Cosine : T_max = 10 ") == [("cosine", {"T_max": 10})]


@pytest.mark.parametrize("spec,needles", [
    ("", ["empty", "cosine"]),
    ("   ", ["empty"]),
    ("cosinus", ["unknown schedule 'cosinus'", "constant", "plateau"]),
    ("cosine:Tmax=5", ["unknown key 'Tmax'", "T_max", "eta_min"]),
    ("invsqrt:k=1", ["unknown key 'k'", "(none)"]),
    ("cosine:T_max", ["key=value"]),
    ("cosine:T_max=abc", ["T_max", "number"]),
    ("cosine:T_max=0", ["T_max", "[1, inf]"]),
    ("step:step_size=2.5", ["step_size", "whole"]),
    ("exp:k=nan", ["k", "finite"]),
    ("exp:k=-1", ["k", "[0, inf]"]),
    ("plateau:factor=1", ["factor", "[0, 1)"]),
    ("cosine+warmup:steps=5", ["warmup can only come first"]),
    ("exp+cosine", ["only a warmup can be chained"]),
    ("warmup:steps=5++cosine", ["empty part"]),
    ("warmup:steps=5+", ["empty part"]),
    ("warmup:steps=5", ["followed by a schedule"]),
    ("warmup+exp+cosine", ["exactly one"]),
    ("warmup+onecycle", ["onecycle cannot follow warmup"]),
    ("warmup+plateau", ["plateau cannot follow warmup"]),
    ("time:d=1,d=2", ["given twice"]),
])
def test_bad_specs(spec, needles):
    with pytest.raises(ValueError) as err:
        parse_schedule(spec)
    for needle in needles:
        assert needle in str(err.value)
    with pytest.raises(ValueError):
        schedule_values(spec, LR0, 10)


def test_bad_total_steps():
    w = torch.zeros(1, requires_grad=True)
    with pytest.raises(ValueError, match="total_steps"):
        build_scheduler("cosine", torch.optim.SGD([w], lr=LR0), 0)


def test_exp_gamma_matches_closed_form_over_a_long_run():
    v = values("exp:k=0.001", steps=5000)
    assert v[-1] == pytest.approx(LR0 * math.exp(-5.0), rel=1e-9)


def test_rebuilding_on_the_same_optimizer_starts_from_its_current_lr():
    w = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([w], lr=LR0)
    build_scheduler("exp:k=0.1", opt, 10)
    opt.param_groups[0]["lr"] = 0.5  # e.g. the user changed lr and the run restarts
    sched = build_scheduler("warmup:steps=2,start_factor=0.5+constant", opt, 10)
    for _ in range(3):
        opt.step()
        sched.step()
    assert sched.get_last_lr() == [0.5]
