"""Weight initialization: torch.nn.init from the run's own generator, variances as the formulas say."""
from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from core.training import TrainConfig, train
from core.training.init import init_linear
from core.training.streams import torch_stream

torch.set_num_threads(1)

N_IN, N_OUT = 800, 1200  # fan-in != fan-out, so Xavier, He and LeCun all differ

# scheme -> (expected variance of W, kurtosis of its distribution: 3 normal, 1.8 uniform)
SCHEMES = {
    "xavier-uniform": (2.0 / (N_IN + N_OUT), 1.8),
    "xavier-normal": (2.0 / (N_IN + N_OUT), 3.0),
    "he-uniform": (2.0 / N_IN, 1.8),
    "he-normal": (2.0 / N_IN, 3.0),
    "lecun-normal": (1.0 / N_IN, 3.0),
    "default": (1.0 / (3 * N_IN), 1.8),  # U(-1/sqrt(n_in), 1/sqrt(n_in))
}


@pytest.mark.parametrize("spec", sorted(SCHEMES))
def test_variance_matches_the_formula(spec):
    var, kurtosis = SCHEMES[spec]
    layer = nn.Linear(N_IN, N_OUT)
    init_linear(layer, spec, torch.Generator().manual_seed(3), activation="relu")
    w = layer.weight.detach().double().reshape(-1)
    n = w.numel()
    # The sample variance of n draws has a relative standard error sqrt((kurtosis - 1) / n).
    tol = 5 * math.sqrt((kurtosis - 1) / n)
    assert float(w.var()) == pytest.approx(var, rel=tol)
    assert abs(float(w.mean())) < 5 * math.sqrt(var / n)


def test_he_uses_the_leaky_slope():
    layer = nn.Linear(N_IN, N_OUT)
    init_linear(layer, "he-normal", torch.Generator().manual_seed(3), activation="leaky-relu:0.5")
    var = 2.0 / ((1 + 0.5 ** 2) * N_IN)
    assert float(layer.weight.detach().double().var()) == pytest.approx(var, rel=5 * math.sqrt(2 / (N_IN * N_OUT)))


@pytest.mark.parametrize("spec, torch_init", [
    ("xavier-uniform", lambda w, g: nn.init.xavier_uniform_(w, generator=g)),
    ("xavier-normal", lambda w, g: nn.init.xavier_normal_(w, generator=g)),
    ("he-normal", lambda w, g: nn.init.kaiming_normal_(w, nonlinearity="relu", generator=g)),
    ("he-uniform", lambda w, g: nn.init.kaiming_uniform_(w, nonlinearity="relu", generator=g)),
    ("orthogonal", lambda w, g: nn.init.orthogonal_(w, generator=g)),
])
def test_each_scheme_is_torch_nn_init_from_the_given_generator(spec, torch_init):
    ours = nn.Linear(30, 20)
    init_linear(ours, spec, torch.Generator().manual_seed(7), activation="relu")
    ref = torch.empty(20, 30)
    with torch.no_grad():
        torch_init(ref, torch.Generator().manual_seed(7))
    assert torch.equal(ours.weight.detach(), ref)  # bit for bit: the same call on the same stream
    assert torch.count_nonzero(ours.bias) == 0


def test_nn_init_is_called_with_the_run_generator(monkeypatch):
    seen = []
    real = nn.init.kaiming_normal_

    def spy(tensor, *args, generator=None, **kwargs):
        seen.append(generator)
        return real(tensor, *args, generator=generator, **kwargs)

    monkeypatch.setattr(nn.init, "kaiming_normal_", spy)
    next(train(TrainConfig(dataset="moons", n=100, layers=(8, 8), init="he-normal", epochs=0, report_every=0)))
    assert len(seen) == 3 and all(isinstance(g, torch.Generator) for g in seen)


def _initial_weights(seed, spec):
    first = next(train(TrainConfig(dataset="moons", n=100, layers=(16, 16), activation="relu", init=spec,
                                   seed=seed, epochs=0, report_every=0, snapshot_every=1)))
    return first.snapshot.weights


@pytest.mark.parametrize("spec", ["xavier-uniform", "he-normal", "lecun-normal", "default", "orthogonal"])
def test_same_seed_gives_bit_identical_weights(spec):
    a, b, c = _initial_weights(4, spec), _initial_weights(4, spec), _initial_weights(5, spec)
    assert all((x == y).all() for x, y in zip(a, b))
    assert any((x != z).any() for x, z in zip(a, c))


def test_the_init_stream_is_the_runs_own():
    """The init draws from torch_stream(seed, "init"), never the global torch generator."""
    torch.manual_seed(0)
    a = _initial_weights(4, "he-normal")
    torch.manual_seed(123)
    b = _initial_weights(4, "he-normal")
    assert all((x == y).all() for x, y in zip(a, b))
    layer = nn.Linear(2, 16)
    init_linear(layer, "he-normal", torch_stream(4, "init"), activation="relu")
    assert (layer.weight.detach().numpy() == a[0]).all()
