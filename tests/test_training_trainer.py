"""Trainer mechanics: streams, determinism, BatchNorm batches, early stopping, controls, NaN, pickling."""
from __future__ import annotations

import json
import math
import pickle
import threading

import numpy as np
import pytest
import torch

import core.training.trainer as trainer_mod
from core.training import TrainConfig, TrainControls, train, weight_decay_kind

torch.set_num_threads(1)

SMALL = dict(dataset="moons", n=120, noise=0.2, layers=(8, 8), activation="relu", init="he-normal",
             optimizer="adam", lr=0.01, batch_size=16, epochs=3, report_every=0)


def test_toggling_dropout_changes_nothing_else(monkeypatch):
    orders = {}

    def recording(tag):
        def make_batches(*a, **k):
            out = real(*a, **k)
            orders.setdefault(tag, []).append([b.tolist() for b in out])
            return out
        return make_batches

    real = trainer_mod.make_batches
    runs = {}
    for tag, p in (("off", 0.0), ("on", 0.5)):
        monkeypatch.setattr(trainer_mod, "make_batches", recording(tag))
        runs[tag] = list(train(TrainConfig(**SMALL, dropout=p, snapshot_every=1)))
    off, on = runs["off"], runs["on"]
    for split in ("train", "val", "test"):
        assert np.array_equal(off[0].data.X[split], on[0].data.X[split])
    for a, b in zip(off[0].snapshot.weights, on[0].snapshot.weights):
        assert np.array_equal(a, b)  # same initial weights
    assert orders["off"] == orders["on"]  # same batch order, epoch by epoch
    assert off[-1].train_loss != on[-1].train_loss  # and dropout did act


def test_deterministic_for_a_seed_and_seed_changes_it():
    def losses(seed):
        return [m.train_loss for m in train(TrainConfig(**SMALL, dropout=0.3, augment="jitter:0.05", seed=seed))
                if m.kind == "epoch"]
    assert losses(1) == losses(1)
    assert losses(1) != losses(2)


def test_metrics_kinds_fields_and_pickle():
    cfg = TrainConfig(**{**SMALL, "report_every": 5}, snapshot_every=2, dropout=0.2)
    ms = list(train(cfg))
    kinds = [m.kind for m in ms]
    assert kinds[0] == "epoch" and kinds[-1] == "final" and "step" in kinds
    assert [m.epoch for m in ms if m.kind == "epoch"] == [0, 1, 2, 3]
    e1 = [m for m in ms if m.kind == "epoch"][1]
    assert e1.step == 5 and e1.examples_seen == 72 and e1.lr == 0.01  # 72 train points, batches of 16
    assert [l.name for l in e1.layers] == ["hidden1", "hidden2", "output"]
    assert e1.layers[0].dead_frac is not None and e1.layers[2].act_mean is None
    assert e1.layers[0].update_ratio > 0 and e1.layers[0].grad_norm > 0
    assert [m.epoch for m in ms if m.kind == "epoch" and m.snapshot is not None] == [0, 2]
    snap = [m for m in ms if m.kind == "epoch" and m.snapshot is not None][1].snapshot
    assert snap.grid.shape == (100, 100) and snap.grid.dtype == np.float32
    assert snap.dropout_masks[0].shape == (8,) and snap.keep_probs == [0.8, 0.8]
    final = ms[-1]
    assert final.test_acc is not None and final.stopped == "completed" and final.verdict_code
    for m in ms:
        pickle.loads(pickle.dumps(m))
        json.dumps(m.to_json_dict(), allow_nan=False)


def test_multiclass_and_regression_grids():
    ms = list(train(TrainConfig(dataset="blobs", classes=4, n=200, layers=(8,), epochs=1, snapshot_every=1,
                                grid_size=20, report_every=0)))
    assert ms[-1].snapshot.grid.shape == (20, 20, 4) and ms[-1].train_acc is not None
    ms = list(train(TrainConfig(dataset="sine", n=200, layers=(8,), epochs=1, loss="huber", report_every=0)))
    assert ms[-1].train_acc is None and ms[-1].test_acc is None and ms[-1].test_loss is not None


def test_batchnorm_trailing_batch_of_one():
    # 100 points at 61/20/19 -> 61 training points; batches of 10 leave a batch of one
    base = dict(dataset="moons", n=100, split=(0.61, 0.20, 0.19), layers=(8,), batchnorm="before",
                batch_size=10, epochs=2, report_every=0)
    ms = list(train(TrainConfig(**base)))  # auto: merged, no crash
    assert ms[1].step == 6 and ms[1].examples_seen == 61
    ms = list(train(TrainConfig(**base, last_batch="drop")))
    assert ms[1].step == 6 and ms[1].examples_seen == 60
    with pytest.raises(ValueError, match="one example"):
        next(train(TrainConfig(**base, last_batch="keep")))
    ms = list(train(TrainConfig(**{**base, "batchnorm": "after"})))
    assert math.isfinite(ms[-1].test_loss)


def test_batch_size_one_with_batchnorm_is_refused():
    with pytest.raises(ValueError, match="batch size 1 with BatchNorm"):
        next(train(TrainConfig(dataset="moons", layers=(4,), batchnorm="before", batch_size=1)))


def test_early_stopping_restores_best_epoch():
    cfg = TrainConfig(dataset="moons", n=100, noise=0.35, split=(0.5, 0.5, 0.0), layers=(64, 64),
                      activation="relu", init="he-normal", optimizer="adam", lr=0.01, batch_size=None,
                      epochs=300, early_stopping=10, report_every=0)
    ms = list(train(cfg))
    eps = [m for m in ms if m.kind == "epoch"]
    final = ms[-1]
    best = min(eps, key=lambda m: m.val_loss)
    assert final.stopped == "early_stopping" and final.best_epoch == best.epoch
    assert eps[-1].epoch == best.epoch + 10 < 300
    assert final.val_loss == best.val_loss and final.train_loss == best.train_loss  # restored weights


def test_stop_event_ends_with_final():
    stop = threading.Event()
    ms = []
    for m in train(TrainConfig(**{**SMALL, "epochs": 50})):
        ms.append(m)
        if m.kind == "epoch" and m.epoch == 2:
            stop.set()
    assert ms[-1].kind == "final"
    stop2 = threading.Event()
    stop2.set()
    out = list(train(TrainConfig(**{**SMALL, "epochs": 50}), stop_event=stop2))
    assert [m.kind for m in out] == ["epoch", "final"] and out[-1].stopped == "stopped"


def test_nan_loss_stops_cleanly_naming_the_learning_rate():
    ms = list(train(TrainConfig(dataset="plane", n=100, layers=(16, 16), activation="relu", optimizer="sgd",
                                lr=50.0, epochs=50, report_every=0)))
    final = ms[-1]
    assert final.kind == "final" and final.stopped == "nan"
    assert "learning rate" in final.message and "too high" in final.message
    json.dumps(final.to_json_dict(), allow_nan=False)


def test_controls_lr_rebases_the_schedule():
    cfg = TrainConfig(**{**SMALL, "epochs": 4}, schedule="time:d=0.5")
    plain = [m.lr for m in train(cfg) if m.kind == "epoch"][1:]
    controls = TrainControls()
    controls.lr = 0.003  # applied at the first step: factor 0.3 on the whole schedule
    rebased = [m.lr for m in train(cfg, controls=controls) if m.kind == "epoch"][1:]
    assert plain == pytest.approx([0.01, 0.01 / 1.5, 0.01 / 2.0, 0.01 / 2.5])
    assert rebased == pytest.approx([0.3 * v for v in plain])


def test_controls_l2_dropout_augment_applied_mid_run():
    controls = TrainControls()
    seen = []
    for m in train(TrainConfig(**{**SMALL, "epochs": 3}), controls=controls):
        if m.kind == "epoch":
            seen.append(m.penalty)
            if m.epoch == 1:
                controls.set(l2=0.1, dropout=0.3, augment="jitter:0.01")
                controls.request_snapshot()
            if m.epoch == 2:
                assert m.snapshot is not None and m.snapshot.keep_probs == [0.7, 0.7]
    assert seen[0] == 0 and seen[1] == 0 and seen[2] > 0
    with pytest.raises(AttributeError):
        controls.momentum = 0.9


def test_l1_proximal_makes_exact_zeros():
    base = dict(dataset="gaussian", n=200, layers=(16,), optimizer="sgd", lr=0.05, epochs=30, report_every=0,
                snapshot_every=30)
    sub = list(train(TrainConfig(**base, l1=0.02)))[-1]
    prox = list(train(TrainConfig(**base, l1=0.02, l1_proximal=True)))[-1]
    exact = lambda s: float(np.mean(np.concatenate([(W == 0).ravel() for W in s.weights])))  # noqa: E731
    print(f"\nexact zeros: autograd L1 {exact(sub.snapshot):.2f}, proximal {exact(prox.snapshot):.2f}; "
          f"sparsity(|w|<1e-3) {sub.sparsity:.2f} vs {prox.sparsity:.2f}")
    assert exact(sub.snapshot) == 0.0 and exact(prox.snapshot) > 0.15


def test_weight_decay_kinds():
    assert weight_decay_kind("sgd") == "coupled" and weight_decay_kind("adam") == "coupled"
    assert weight_decay_kind("adamw") == "decoupled" and weight_decay_kind("rprop") == "none"
    assert weight_decay_kind("nadam", {"decoupled_weight_decay": True}) == "decoupled"


def test_l2_equals_sgd_weight_decay():
    """With the lambda/2 convention, SGD + l2 = SGD + weight_decay, step for step."""
    base = dict(dataset="circles", n=100, layers=(8,), optimizer="sgd", lr=0.1, epochs=3, report_every=0,
                snapshot_every=3)
    a = list(train(TrainConfig(**base, l2=0.05)))[-1].snapshot.weights
    b = list(train(TrainConfig(**base, weight_decay=0.05)))[-1].snapshot.weights
    for x, y in zip(a, b):
        assert np.allclose(x, y, atol=1e-5)


@pytest.mark.parametrize("spec", ["default", "zeros", "constant:0.1", "normal:0.1", "uniform:0.1", "xavier-uniform",
                                  "xavier-normal", "he-uniform", "he-normal", "lecun-normal", "orthogonal", "lsuv"])
def test_every_init_runs(spec):
    ms = list(train(TrainConfig(dataset="xor", n=100, layers=(8, 8), activation="leaky-relu:0.1", init=spec,
                                epochs=1, report_every=0, normalize=True)))
    assert math.isfinite(ms[-1].train_loss)
    if spec == "lsuv":
        assert all(0.5 < l.act_std < 2.0 for l in ms[0].layers[:-1])


@pytest.mark.parametrize("name", ["sgd", "adam", "adamw", "adamax", "nadam", "radam", "rmsprop", "adagrad",
                                  "adadelta", "asgd", "rprop", "momentum-ema", "nesterov-lookahead",
                                  "rmsprop-lecture", "adagrad-lecture", "adam-nobias"])
def test_every_optimizer_trains(name):
    ms = list(train(TrainConfig(dataset="gaussian", n=100, layers=(4,), optimizer=name, lr=0.01, epochs=1,
                                report_every=0, schedule="cosine", schedule_per="iteration")))
    assert math.isfinite(ms[-1].train_loss)


def test_newton_is_refused():
    with pytest.raises(ValueError, match="newton"):
        next(train(TrainConfig(optimizer="newton")))


def test_snapshot_asked_for_as_the_run_is_stopped_comes_with_the_final_report():
    """A headless render stops after N steps and asks for a picture then: the final report carries it."""
    stop, controls = threading.Event(), TrainControls()
    out = []
    for m in train(TrainConfig(**SMALL, snapshot_every=0), stop_event=stop, controls=controls):
        out.append(m)
        if m.kind == "step" or (m.kind == "epoch" and m.epoch >= 1):
            controls.request_snapshot()
            stop.set()
    final = out[-1]
    assert final.kind == "final" and final.stopped == "stopped"
    assert final.snapshot is not None
