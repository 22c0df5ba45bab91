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
    """Initialize one Linear layer in place with ``torch.nn.init``, drawing from generator ``g``.

    ``activation`` is the one that follows the layer (He's gain depends on its negative slope).
    """
    name, arg = parse_init(spec)
    W, b = layer.weight, layer.bias
    if name == "default":
        # What nn.Linear.reset_parameters does, but from the run's own stream.
        nn.init.kaiming_uniform_(W, a=math.sqrt(5), generator=g)
        if b is not None:
            bound = 1.0 / math.sqrt(W.shape[1])
            nn.init.uniform_(b, -bound, bound, generator=g)
        return
    if name == "zeros":
        nn.init.zeros_(W)
    elif name == "constant":
        nn.init.constant_(W, arg)
    elif name == "normal":
        nn.init.normal_(W, 0.0, arg, generator=g)
    elif name == "uniform":
        nn.init.uniform_(W, -arg, arg, generator=g)
    elif name == "xavier-uniform":
        nn.init.xavier_uniform_(W, generator=g)
    elif name == "xavier-normal":
        nn.init.xavier_normal_(W, generator=g)
    elif name == "he-uniform":
        nn.init.kaiming_uniform_(W, a=_leaky_slope(activation), nonlinearity="leaky_relu", generator=g)
    elif name == "he-normal":
        nn.init.kaiming_normal_(W, a=_leaky_slope(activation), nonlinearity="leaky_relu", generator=g)
    elif name == "lecun-normal":
        nn.init.kaiming_normal_(W, nonlinearity="linear", generator=g)  # gain 1: N(0, 1/fan_in)
    elif name in ("orthogonal", "lsuv"):
        nn.init.orthogonal_(W, generator=g)
    if b is not None:
        nn.init.zeros_(b)


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
