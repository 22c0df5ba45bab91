"""Gradient checking, the bias/variance recipe and the learning-rate range test."""
from __future__ import annotations

import numpy as np
import torch
from torch import nn

from core.training import TrainConfig, bias_variance, gradient_check, gradient_check_config, lr_range_test

torch.set_num_threads(1)


class BrokenTanh(torch.autograd.Function):
    """tanh with a deliberately wrong derivative: 1 - y instead of 1 - y^2."""

    @staticmethod
    def forward(ctx, x):
        y = torch.tanh(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return g * (1 - y)


class _Broken(nn.Module):
    def forward(self, x):
        return BrokenTanh.apply(x)


def _net(act: nn.Module) -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(2, 6), act, nn.Linear(6, 1))


def _batch():
    g = torch.Generator().manual_seed(1)
    return torch.randn(32, 2, generator=g), (torch.rand(32, generator=g) > 0.5).double()


def _bce(out, y):
    return nn.functional.binary_cross_entropy_with_logits(out[:, 0], y)


def test_gradient_check_passes_on_correct_model_and_flags_broken_one():
    X, y = _batch()
    good = gradient_check(_net(nn.Tanh()), _bce, X, y)
    bad = gradient_check(_net(_Broken()), _bce, X, y)
    print(f"\ngradient check: correct {good.rel_error:.1e} ({good.verdict}), broken {bad.rel_error:.1e} ({bad.verdict}, "
          f"worst {bad.worst[0]})")
    assert good.rel_error < 1e-7 and good.verdict == "great"
    assert bad.rel_error > 1e-3 and bad.verdict == "bug"
    assert bad.worst[0].startswith("0.")  # the layer below the broken activation


def test_gradient_check_of_a_config_with_dropout_bn_and_penalty():
    cfg = TrainConfig(dataset="moons", n=100, layers=(5, 5), activation="tanh", dropout=0.5,
                      batchnorm="before", l1=1e-3, l2=1e-2)
    r = gradient_check_config(cfg, n=32)
    print(f"\nconfig gradient check {r.rel_error:.1e} over {r.n_checked} parameters: {r.verdict}")
    assert r.verdict in ("great", "ok") and r.n_checked > 50


def test_bias_variance_recipe():
    assert bias_variance(0.02, 0.03).code == "good"
    hb = bias_variance(0.25, 0.27)
    assert hb.code == "high_bias" and "bigger" in hb.text and "longer" in hb.text and "optimizer" in hb.text
    hv = bias_variance(0.01, 0.15)
    assert hv.code == "high_variance" and "more data" in hv.text and "regularization" in hv.text
    assert bias_variance(0.20, 0.40).code == "high_bias_high_variance"


def test_lr_range_test_shows_the_u():
    cfg = TrainConfig(dataset="moons", n=500, noise=0.1, layers=(16, 16), activation="relu", init="he-normal",
                      optimizer="sgd", batch_size=32)
    r = lr_range_test(cfg, 1e-4, 100.0, 100)
    k = int(np.argmin(r.smoothed))
    print(f"\nlr range: start {r.smoothed[0]:.3f}, min {r.smoothed[k]:.3f} at lr {r.min_lr:.3g}, "
          f"end {r.smoothed[-1]:.3f} at lr {r.lrs[-1]:.3g} ({len(r.lrs)} steps)")
    assert 5 < k < len(r.lrs) - 1  # the bottom is inside
    assert r.smoothed[k] < 0.6 * r.smoothed[0]  # falls...
    assert r.smoothed[-1] > 1.5 * r.smoothed[k]  # ...and rises again
    assert 1e-3 < r.min_lr < 100


def test_noise_floor_tracks_the_noise():
    from core.training.diagnostics import noise_floor

    clean, noisy = noise_floor("moons", 0.1), noise_floor("moons", 0.3)
    assert clean < 0.01 < 0.05 < noisy < 0.15  # measured 0.0015 and 0.084


def test_verdict_measures_bias_against_the_noise_floor():
    from core.training import bias_variance

    # 92 % train / 88 % val accuracy on moons with noise 0.3 (floor ~8 %) is not underfitting
    assert bias_variance(0.08, 0.12).code == "high_bias"
    v = bias_variance(0.08, 0.12, base_error=0.084)
    assert v.code == "good" and "base error of about 8%" in v.text
    assert bias_variance(0.30, 0.31, base_error=0.084).code == "high_bias"
