"""The lectures' claims, shown with numbers on fixed seeds (printed with -s)."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from core.training import TrainConfig, train

torch.set_num_threads(1)


def run(cfg):
    return list(train(cfg))


def epochs(ms):
    return [m for m in ms if m.kind == "epoch"]


def test_constant_init_keeps_units_identical_although_loss_falls():
    """Kira, CS 4644-DL / 7643-A: Optimization: "Initializing values to a constant value leads to a degenerate solution"."""
    cfg = TrainConfig(dataset="circles", n=200, layers=(4, 4), activation="tanh", init="constant:0.3",
                      optimizer="adam", lr=0.01, batch_size=20, epochs=30, report_every=0, snapshot_every=30)
    ms = run(cfg)
    first, final = ms[0], ms[-1]
    print(f"\nconstant:0.3 loss {first.train_loss:.4f} -> {final.train_loss:.4f}")
    assert final.train_loss < first.train_loss - 0.05  # it learns something...
    W1, W2, Wo = final.snapshot.weights
    b1, b2 = final.snapshot.biases[:2]
    # ...but every unit of a layer is the same unit: rows (and biases) identical, output weights identical
    for W, b in ((W1, b1), (W2, b2)):
        assert np.allclose(W, W[0:1], atol=1e-6) and np.allclose(b, b[0], atol=1e-6)
    assert np.allclose(Wo, Wo[0, 0], atol=1e-6)
    assert abs(W1[0, 0] - 0.3) > 1e-3  # the weights did move


@pytest.mark.parametrize("activation", ["relu", "tanh"])
def test_zero_init_trains_only_the_output_bias(activation):
    """With W = 0 and b = 0 every hidden activation is relu(0) = tanh(0) = 0: no gradient reaches any
    weight (dJ/dW_out = delta * h = 0, and backprop through W_out = 0 gives 0). Only the output
    bias learns: the network ends up predicting the class prior everywhere."""
    rng = np.random.default_rng(0)
    pts = [(a, b, int(a > 1.0)) for a, b in rng.uniform(-2, 2, (200, 2))]  # about 25 % class 1
    cfg = TrainConfig(dataset="user", points=pts, layers=(8, 8), activation=activation, init="zeros",
                      optimizer="adam", lr=0.05, batch_size=20, epochs=20, report_every=0, snapshot_every=20)
    ms = run(cfg)
    snap = ms[-1].snapshot
    assert all(np.all(W == 0) for W in snap.weights)
    assert all(np.all(b == 0) for b in snap.biases[:-1])
    assert snap.biases[-1][0] != 0
    y = ms[0].data.y["train"]
    p = y.mean()
    prior_loss = -(p * math.log(p) + (1 - p) * math.log(1 - p))
    print(f"\nzeros/{activation}: loss {ms[0].train_loss:.4f} -> {ms[-1].train_loss:.4f}, "
          f"prior entropy {prior_loss:.4f}, output bias {snap.biases[-1][0]:.4f}")
    assert ms[0].train_loss == pytest.approx(math.log(2), abs=1e-6)  # logit 0 everywhere at the start
    assert ms[-1].train_loss == pytest.approx(prior_loss, abs=2e-3)  # falls, but only to the prior's entropy
    assert snap.biases[-1][0] == pytest.approx(math.log(p / (1 - p)), abs=0.05)


def test_deep_tanh_small_normal_collapses_xavier_keeps_alive():
    """Kira, CS 4644-DL / 7643-A: Optimization: "With a deep network, activations get smaller": 10 tanh layers of 64 units."""
    stds = {}
    for init in ("normal:0.01", "xavier-normal"):
        cfg = TrainConfig(dataset="circles", n=500, layers=(64,) * 10, activation="tanh", init=init,
                          normalize=True, epochs=0)
        m0 = next(iter(train(cfg)))
        stds[init] = [l.act_std for l in m0.layers[:-1]]
        print(f"\n{init:>14}: " + " ".join(f"{s:.1e}" for s in stds[init]))
    small, xav = stds["normal:0.01"], stds["xavier-normal"]
    assert all(b < a for a, b in zip(small, small[1:]))  # shrinks layer by layer
    assert small[-1] < 1e-6
    assert xav[-1] > 0.1 and xav[-1] > 1e5 * small[-1]


@pytest.mark.slow
def test_moons_reference_run_reaches_97_percent():
    cfg = TrainConfig(dataset="moons", n=1000, noise=0.1, split=(0.6, 0.2, 0.2), layers=(16, 16),
                      activation="relu", init="he-normal", optimizer="adam", lr=0.01, batch_size=32,
                      epochs=100, seed=0, report_every=0)
    final = run(cfg)[-1]
    print(f"\nmoons test accuracy {final.test_acc:.4f}, test loss {final.test_loss:.5f}")
    assert final.test_acc > 0.97


def _mean_gap(**kw):
    gaps = []
    for seed in (0, 1, 2):
        cfg = TrainConfig(dataset="moons", n=100, noise=0.35, split=(0.5, 0.5, 0.0), layers=(64, 64),
                          activation="relu", init="he-normal", optimizer="adam", lr=0.01, batch_size=None,
                          epochs=300, seed=seed, report_every=0, **kw)
        f = run(cfg)[-1]
        gaps.append(f.val_loss - f.train_loss)
    return float(np.mean(gaps))


def test_dropout_and_l2_shrink_the_generalization_gap():
    """An oversized 64-64 network on 50 noisy training points, averaged over 3 seeds."""
    base, drop, l2 = _mean_gap(), _mean_gap(dropout=0.5), _mean_gap(l2=0.01)
    print(f"\nval-train loss gap: none {base:.3f}, dropout p=0.5 {drop:.3f}, L2 0.01 {l2:.3f}")
    assert drop < 0.85 * base
    assert l2 < 0.5 * base
