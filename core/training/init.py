"""Weight initialization schemes, all drawn from the run's dedicated init stream.

With :math:`n_{in}` = fan-in and :math:`n_{out}` = fan-out of a Linear layer:

=============== ========================================================================
default         PyTorch's own: :math:`W, b \\sim U(-1/\\sqrt{n_{in}}, 1/\\sqrt{n_{in}})`
zeros           :math:`W = 0` (with b = 0: symmetric and, for relu/tanh, frozen)
constant:C      :math:`W = C` (every unit of a layer identical forever: the symmetry problem)
normal:STD      :math:`W \\sim N(0, STD^2)` ("small random numbers")
uniform:A       :math:`W \\sim U(-A, A)`
xavier-uniform  Glorot & Bengio: :math:`U(-a, a),\\ a = \\sqrt{6/(n_{in}+n_{out})}`
                (one lecture prints :math:`\\sqrt6/(n_{in}+n_{out})`; the square root covers the ratio)
xavier-normal   :math:`N(0, 2/(n_{in}+n_{out}))`
he-uniform      :math:`U(-a, a),\\ a = \\sqrt{6/((1+s^2) n_{in})}` (s: leaky-relu slope, 0 for relu)
he-normal       :math:`N(0, 2/((1+s^2) n_{in}))`
lecun-normal    :math:`N(0, 1/n_{in})`. The lectures call this "Xavier" ("N(0,1) * sqrt(1/n_j)");
                it is LeCun's (1998). Glorot's Xavier averages fan-in and fan-out.
orthogonal      Saxe et al.: a random orthogonal matrix (QR of a Gaussian one)
lsuv            Mishkin & Matas: orthogonal, then each layer in turn is rescaled,
                :math:`W \\leftarrow W/\\sqrt{\\mathrm{Var}(B_L)}`, until the variance of its output
                on a batch of training inputs is 1 within a tolerance
=============== ========================================================================

Biases are zero except under ``default``.
"""
from __future__ import annotations

import math

import torch
from torch import nn

from .config import parse_activation, parse_init
from .model import MLP

DESCRIPTIONS = {
    "default": "PyTorch's default: U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for weights and biases",
    "zeros": "all weights zero: every unit identical; with relu/tanh only the output bias learns",
    "constant": "all weights equal C: units stay identical (symmetry is never broken)",
    "normal": "N(0, STD^2) small random weights: activations shrink layer by layer in deep nets",
    "uniform": "U(-A, A) small random weights",
    "xavier-uniform": "Glorot/Xavier uniform: U(-a, a), a = sqrt(6/(fan_in+fan_out)); for tanh/sigmoid",
    "xavier-normal": "Glorot/Xavier normal: N(0, 2/(fan_in+fan_out)); for tanh/sigmoid",
    "he-uniform": "He/Kaiming uniform: U(-a, a), a = sqrt(6/fan_in); for relu",
    "he-normal": "He/Kaiming normal: N(0, 2/fan_in); for relu",
    "lecun-normal": "LeCun normal N(0, 1/fan_in), which the lectures call 'Xavier'",
    "orthogonal": "random orthogonal matrix (Saxe et al. 2014)",
    "lsuv": "layer-sequential unit variance: orthogonal, then rescale each layer to unit output variance",
}


def _leaky_slope(activation: str | None) -> float:
    if activation is None:
        return 0.0
    name, arg = parse_activation(activation)
    if name == "leaky-relu":
        return float(arg)
    if name == "prelu":
        return 0.25  # PReLU's initial slope
    return 0.0


@torch.no_grad()
def init_linear(layer: nn.Linear, spec: str, g: torch.Generator, activation: str | None = None) -> None:
    """Initialize one Linear layer in place (``activation``: the one that follows, for He)."""
    name, arg = parse_init(spec)
    W, b = layer.weight, layer.bias
    fan_in, fan_out = W.shape[1], W.shape[0]
    if name == "default":
        bound = 1.0 / math.sqrt(fan_in)  # what nn.Linear.reset_parameters gives
        W.uniform_(-bound, bound, generator=g)
        if b is not None:
            b.uniform_(-bound, bound, generator=g)
        return
    if name == "zeros":
        W.zero_()
    elif name == "constant":
        W.fill_(arg)
    elif name == "normal":
        W.normal_(0.0, arg, generator=g)
    elif name == "uniform":
        W.uniform_(-arg, arg, generator=g)
    elif name == "xavier-uniform":
        a = math.sqrt(6.0 / (fan_in + fan_out))
        W.uniform_(-a, a, generator=g)
    elif name == "xavier-normal":
        W.normal_(0.0, math.sqrt(2.0 / (fan_in + fan_out)), generator=g)
    elif name in ("he-uniform", "he-normal"):
        s = _leaky_slope(activation)
        var = 2.0 / ((1.0 + s * s) * fan_in)
        if name == "he-normal":
            W.normal_(0.0, math.sqrt(var), generator=g)
        else:
            a = math.sqrt(3.0 * var)
            W.uniform_(-a, a, generator=g)
    elif name == "lecun-normal":
        W.normal_(0.0, math.sqrt(1.0 / fan_in), generator=g)
    elif name in ("orthogonal", "lsuv"):
        nn.init.orthogonal_(W, generator=g)
    if b is not None:
        b.zero_()


@torch.no_grad()
def initialize(model: MLP, spec: str, g: torch.Generator, X_batch: torch.Tensor | None = None,
               tol: float = 0.02, max_trials: int = 20) -> None:
    """Initialize every Linear layer of ``model`` with scheme ``spec`` from generator ``g``.

    For ``lsuv`` a batch of (normalized) training inputs ``X_batch`` is required: each Linear
    layer's output variance is driven to 1 (Algorithm 1 of Mishkin & Matas, 2016).
    """
    acts = [b.activation_spec for b in model.hidden] + [None]
    for layer, act in zip(model.linears(), acts):
        init_linear(layer, spec, g, act)
    if parse_init(spec)[0] != "lsuv":
        return
    if X_batch is None:
        raise ValueError("lsuv initialization needs a batch of training inputs")
    was_training = model.training
    model.eval()  # no dropout, running BN stats untouched
    for layer in model.linears():
        for _ in range(max_trials):
            out = []
            hook = layer.register_forward_hook(lambda m, i, o: out.append(o))
            model(X_batch)
            hook.remove()
            var = float(out[0].var())
            if not math.isfinite(var) or var < 1e-12 or abs(var - 1.0) < tol:
                break
            layer.weight /= math.sqrt(var)
    model.train(was_training)
