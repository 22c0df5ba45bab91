"""Batched trials (core.training.batched) equal the same configurations trained alone by train()."""
from __future__ import annotations

import math

import pytest

import core.training.batched as batched
from core.training import TrainConfig, train
from core.training.batched import batchable, train_batched
from core.training.trainer import _Run

REL = 1e-5
FIELDS = ("lr", "train_loss", "val_loss", "train_acc", "val_acc", "penalty", "sparsity")
BASE = TrainConfig(dataset="moons", n=150, noise=0.2, layers=(8, 8), activation="tanh", batch_size=15,
                   epochs=4, data_seed=0, report_every=0)  # 90 training points: 6 steps an epoch


def alone(config: TrainConfig) -> list:
    return [m for m in train(config) if m.kind != "step"]


def assert_same(got: list, want: list, test: bool = False) -> None:
    """Every epoch report and the final one agree within REL (the test metrics too when ``test``)."""
    assert [(m.kind, m.epoch, m.step, m.examples_seen) for m in got] == \
        [(m.kind, m.epoch, m.step, m.examples_seen) for m in want]
    for g, w in zip(got, want):
        for f in FIELDS + (("test_loss", "test_acc") if test and g.kind == "final" else ()):
            x, y = getattr(g, f), getattr(w, f)
            if y is None:
                assert x is None, (f, g.epoch, x)
            else:
                assert x == pytest.approx(y, rel=REL, abs=1e-12), (f, g.kind, g.epoch, x, y)
    assert (got[-1].stopped, got[-1].best_epoch) == (want[-1].stopped, want[-1].best_epoch)


def sgd_grid() -> list[TrainConfig]:
    """lr x weight decay x momentum, dropout where there is momentum, each its own seed."""
    out = []
    for lr in (0.03, 0.1):
        for wd in (0.0, 1e-3):
            for mom in (0.0, 0.9):
                out.append(BASE.replace(lr=lr, weight_decay=wd, hparams={"momentum": mom},
                                        dropout=0.25 if mom else 0.0, seed=len(out)))
    return out


def test_sgd_grid_equals_train_alone_with_test_metrics():
    configs = sgd_grid()
    assert batchable(configs) == [list(range(8))]
    got = train_batched(configs, evaluate_test=True)
    for g, c in zip(got, configs):
        want = alone(c)
        assert_same(g, want, test=True)
        assert g[-1].test_loss is not None and g[-1].stopped == "completed"
    assert got[0][0].data is not None  # the epoch-0 report carries the data, as train()'s does


def test_rows_that_share_a_seed_share_their_initial_network_and_still_equal_train_alone(monkeypatch):
    """A search trains every trial from one seed: rows with the same seed, init and dropout start from one
    built network; each keeps its own optimizer, schedule and dropout stream."""
    configs = [BASE.replace(lr=lr, schedule=sched, dropout=p, init=init, hparams={"momentum": 0.9})
               for lr in (0.02, 0.1) for sched in ("", "plateau:patience=1") for p in (0.0, 0.3)
               for init in ("default", "he-normal")]
    assert batchable(configs) == [list(range(16))]
    built = []
    real = batched.build_model
    monkeypatch.setattr(batched, "build_model", lambda *a, **kw: built.append(1) or real(*a, **kw))
    got = train_batched(configs)
    assert len(built) == 4  # one network per (seed, init, dropout), not one per row
    for g, c in zip(got, configs):
        assert_same(g, alone(c))


def test_optimizers_schedules_penalties_and_losses_equal_train_alone():
    configs = [
        BASE.replace(hparams={"momentum": 0.9, "nesterov": True}, lr=0.05, schedule="step:step_size=2,gamma=0.5"),
        BASE.replace(lr=0.1, schedule="cosine", l2=1e-3, seed=1),
        BASE.replace(lr=0.1, schedule="exp:k=0.01", schedule_per="iteration", l1=1e-3, seed=2, epochs=4),
        BASE.replace(lr=0.1, schedule="plateau:patience=1", schedule_per="iteration", seed=3, init="he-normal"),
        BASE.replace(optimizer="adam", lr=0.01, weight_decay=1e-3),
        BASE.replace(optimizer="adam", lr=0.003, hparams={"betas": (0.8, 0.99), "amsgrad": True}, seed=4,
                     dropout=(0.1, 0.3)),
        BASE.replace(optimizer="adamw", lr=0.01, seed=5),
        BASE.replace(optimizer="adamw", lr=0.02, weight_decay=0.1, seed=6, schedule="warmup:steps=5+cosine",
                     schedule_per="iteration"),
        BASE.replace(optimizer="rmsprop", lr=0.003, hparams={"momentum": 0.5}),
        BASE.replace(optimizer="rmsprop", lr=0.001, seed=7, hparams={"centered": True}),
        # softmax + cross-entropy on three classes, and a regression loss
        BASE.replace(dataset="blobs", classes=3, lr=0.05),
        BASE.replace(dataset="blobs", classes=3, lr=0.1, seed=8, dropout=0.2),
        BASE.replace(dataset="sine", lr=0.02, loss="huber", activation="relu"),
        BASE.replace(dataset="sine", lr=0.05, loss="huber", activation="relu", seed=9, epochs=3),
    ]
    groups = batchable(configs)
    assert sorted(len(g) for g in groups) == [2, 2, 2, 2, 2, 4]
    got = train_batched(configs)
    for i, (g, c) in enumerate(zip(got, configs)):
        assert_same(g, alone(c))
        assert g[-1].test_loss is None and g[-1].test_acc is None


def test_a_diverging_configuration_stops_alone():
    sine = BASE.replace(dataset="sine", activation="relu")
    configs = [sine.replace(lr=0.02), sine.replace(lr=5.0, seed=1), sine.replace(lr=0.05, seed=2),
               sine.replace(lr=50.0, seed=3, hparams={"momentum": 0.9})]
    got = train_batched(configs)
    for g, c in zip(got, configs):
        want = alone(c)
        if want[-1].stopped == "nan":  # it stopped where train() stops it, before the step that broke
            assert [(m.kind, m.epoch, m.step) for m in g] == [(m.kind, m.epoch, m.step) for m in want]
            assert g[-1].stopped == "nan" and g[-1].message.startswith("loss became infinite at epoch")
            assert g[-1].train_loss == pytest.approx(want[-1].train_loss, rel=REL)
        else:
            assert_same(g, want)
    assert [g[-1].stopped for g in got] == ["completed", "nan", "completed", "nan"]


def test_pruning_stops_the_rows_it_names():
    configs = sgd_grid()[:4] + [BASE.replace(batchnorm="after", seed=11)]  # the last trains alone
    configs[0] = configs[0].replace(epochs=5)
    calls = []

    def on_epoch(epoch, reports):
        calls.append((epoch, [r is not None for r in reports]))
        return [1, 4] if epoch == 2 else ([2] if epoch == 3 else None)

    got = train_batched(configs, on_epoch=on_epoch)
    for i in (1, 4):
        assert got[i][-1].stopped == "pruned"
        assert [m.epoch for m in got[i]] == [0, 1, 2, 2]  # epochs 0-2, then the final of epoch 2
    assert got[2][-1].stopped == "pruned" and got[2][-1].epoch == 3
    for i in (0, 3):
        assert_same(got[i], alone(configs[i]))
    for i in (1, 2, 4):  # up to where it was pruned, a pruned row is the run alone
        want = alone(configs[i])
        assert_same(got[i][:-1], [m for m in want if m.kind == "epoch"][:len(got[i]) - 1])
        assert got[i][-1].val_loss == pytest.approx(got[i][-2].val_loss, rel=1e-12)
    batched_calls = [flags for e, flags in calls if flags[0]]
    assert batched_calls[3] == [True, False, True, True, False]  # epoch 3: row 1 pruned, row 4 another group
    assert batched_calls[4] == [True, False, False, True, False]


def test_evaluate_test_false_never_evaluates_the_test_split(monkeypatch):
    seen = []
    real_split, real_eval = batched._Group._eval_split, _Run.evaluate

    def spy_split(self, split, theta):
        seen.append(split)
        return real_split(self, split, theta)

    def spy_eval(self, split, keep=None):
        seen.append(split)
        return real_eval(self, split, keep)

    monkeypatch.setattr(batched._Group, "_eval_split", spy_split)
    monkeypatch.setattr(_Run, "evaluate", spy_eval)
    configs = sgd_grid()[:3] + [BASE.replace(augment="jitter:0.05", epochs=2)]  # batched and alone
    got = train_batched(configs, on_epoch=lambda e, r: [0] if e == 1 else None)
    assert "test" not in seen
    assert all(g[-1].test_loss is None and g[-1].test_acc is None for g in got)
    got = train_batched(configs, evaluate_test=True)
    assert seen.count("test") == 2  # once per group (the batched one and the one alone)
    assert got[3][-1].test_loss == pytest.approx(alone(configs[3])[-1].test_loss, rel=1e-12)


def test_stop_event_ends_every_run_at_the_same_step_as_train():
    class AfterK:
        def __init__(self, k):
            self.k = k

        def is_set(self):
            self.k -= 1
            return self.k < 0

    configs = sgd_grid()[:3]
    got = train_batched(configs, stop_event=AfterK(15))  # mid-epoch 3 (6 steps an epoch)
    for g, c in zip(got, configs):
        want = [m for m in train(c, stop_event=AfterK(15)) if m.kind != "step"]
        assert g[-1].stopped == "stopped" and g[-1].step == 15
        assert_same(g, want)


def test_rows_with_different_epochs_finish_on_their_own():
    configs = [BASE.replace(epochs=2), BASE.replace(epochs=5, seed=1, lr=0.05), BASE.replace(epochs=0, seed=2)]
    assert batchable(configs) == [[0, 1, 2]]
    got = train_batched(configs)
    for g, c in zip(got, configs):
        assert_same(g, alone(c))
    assert [g[-1].epoch for g in got] == [2, 5, 0]


def test_batchable_groups():
    b = BASE
    configs = [
        b, b.replace(lr=0.5, weight_decay=0.1, dropout=0.3, seed=5, init="xavier-normal"),   # 0, 1 together
        b.replace(batch_size=10),                                                           # 2 other batch size
        b.replace(layers=(8,)),                                                             # 3 other widths
        b.replace(batchnorm="before"),                                                      # 4 alone
        b.replace(augment="jitter:0.1"),                                                    # 5 alone
        b.replace(early_stopping=3),                                                        # 6 alone
        b.replace(optimizer="adam"), b.replace(optimizer="adam", lr=0.1),                   # 7, 8 together
        b.replace(data_seed=None, seed=1), b.replace(data_seed=None, seed=2),               # 9, 10 other data
        b.replace(optimizer="momentum-ema"),                                                # 11 no row-wise torch form
        b.replace(activation="prelu"),                                                      # 12 learned activation
        b.replace(schedule="cosine", epochs=9, hparams={"momentum": 0.5}),                  # 13 with 0, 1
        b.replace(noise=0.3),                                                               # 14 other data
        b.replace(last_batch="keep"),                                                       # 15 no BN: keep = auto
    ]
    assert batchable(configs) == [[0, 1, 13, 15], [2], [3], [4], [5], [6], [7, 8], [9], [10], [11], [12], [14]]
    assert batched.unbatchable_reason(configs[4]) == "BatchNorm"
    assert batched.unbatchable_reason(configs[0]) is None


def test_a_group_of_one_trains_alone_and_reports_like_train():
    c = BASE.replace(batchnorm="after")
    (got,) = train_batched([c], evaluate_test=True)
    want = alone(c)
    assert [m.kind for m in got] == [m.kind for m in want]
    assert got[-1].test_loss == want[-1].test_loss and math.isfinite(got[-1].train_loss)
