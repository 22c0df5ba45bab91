"""The network: a multilayer perceptron built from the config, with its own seeded dropout.

Each hidden block is ``Linear -> [BatchNorm] -> activation -> [BatchNorm] -> Dropout`` (BatchNorm
before or after the activation). The output layer is a plain Linear: 1 logit (sigmoid + BCE),
K logits (softmax + CE) or 1 value (regression).
"""
from __future__ import annotations

import torch
from torch import nn

from .config import RELU_FAMILY, TrainConfig, parse_activation, per_layer


class SeededDropout(nn.Module):
    """Inverted dropout drawing its masks from a dedicated ``torch.Generator``.

    In training mode each unit of each example is kept with probability ``keep_prob = 1 - p``
    and scaled by ``1 / keep_prob`` so the expected activation is unchanged:

    .. math:: \\tilde h = \\frac{m \\odot h}{1-p}, \\quad m_{ij} \\sim \\mathrm{Bernoulli}(1-p)

    In eval mode it is the identity. Because the generator is its own, switching dropout on or
    off leaves every other random stream (initialization, batch order, augmentation) unchanged.
    The last mask's first row (one training example) is kept in ``last_mask`` for the GUI.
    """

    def __init__(self, p: float, generator: torch.Generator):
        super().__init__()
        self.p = float(p)
        self.generator = generator
        self.last_mask: torch.Tensor | None = None

    @property
    def keep_prob(self) -> float:
        """Probability of keeping a unit (the lectures' keep_prob)."""
        return 1.0 - self.p

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        if not self.training or self.p <= 0.0:
            return h
        keep = 1.0 - self.p
        mask = torch.rand(h.shape, generator=self.generator, dtype=h.dtype) < keep
        self.last_mask = mask[0].detach()
        return h * mask / keep

    def extra_repr(self) -> str:
        return f"p={self.p}"


def make_activation(spec: str) -> nn.Module:
    """Activation module from a spec such as ``relu`` or ``leaky-relu:0.1``."""
    name, arg = parse_activation(spec)
    return {
        "sigmoid": nn.Sigmoid, "tanh": nn.Tanh, "relu": nn.ReLU, "elu": nn.ELU, "gelu": nn.GELU,
        "silu": nn.SiLU, "linear": nn.Identity, "prelu": nn.PReLU,
        "leaky-relu": lambda: nn.LeakyReLU(arg),
    }[name]()


class HiddenBlock(nn.Module):
    """One hidden layer: Linear, optional BatchNorm (before/after the activation), activation, dropout."""

    def __init__(self, n_in: int, n_out: int, activation: str, dropout: float, batchnorm: str | None,
                 generator: torch.Generator):
        super().__init__()
        self.linear = nn.Linear(n_in, n_out)
        self.activation_spec = activation
        self.act_name = parse_activation(activation)[0]
        self.act = make_activation(activation)
        self.bn_position = batchnorm
        self.bn = nn.BatchNorm1d(n_out) if batchnorm in ("before", "after") else None
        self.dropout = SeededDropout(dropout, generator)

    @property
    def relu_family(self) -> bool:
        return self.act_name in RELU_FAMILY

    def forward(self, x: torch.Tensor, keep: list | None = None) -> torch.Tensor:
        z = self.linear(x)
        if self.bn is not None and self.bn_position == "before":
            z = self.bn(z)
        a = self.act(z)
        if keep is not None:
            keep.append(a)  # the layer's output after activation (the GUI's "activations")
        if self.bn is not None and self.bn_position == "after":
            a = self.bn(a)
        return self.dropout(a)


class MLP(nn.Module):
    """Fully connected network. ``forward(x, keep)`` appends each hidden activation to ``keep``."""

    def __init__(self, n_in: int, widths, activations, dropouts, batchnorms, n_out: int,
                 dropout_generator: torch.Generator):
        super().__init__()
        blocks, prev = [], n_in
        for w, a, p, b in zip(widths, activations, dropouts, batchnorms):
            blocks.append(HiddenBlock(prev, w, a, p, b, dropout_generator))
            prev = w
        self.hidden = nn.ModuleList(blocks)
        self.out = nn.Linear(prev, n_out)

    def forward(self, x: torch.Tensor, keep: list | None = None) -> torch.Tensor:
        for block in self.hidden:
            x = block(x, keep)
        return self.out(x)

    def linears(self) -> list[nn.Linear]:
        """Every Linear layer, input to output (hidden layers first, then the output layer)."""
        return [b.linear for b in self.hidden] + [self.out]

    def layer_names(self) -> list[str]:
        """Names shown in the GUI/CLI: ``hidden1``.. and ``output``."""
        return [f"hidden{i + 1}" for i in range(len(self.hidden))] + ["output"]

    def dropouts(self) -> list[SeededDropout]:
        return [b.dropout for b in self.hidden]

    def set_dropout(self, p) -> None:
        """Change the drop probability (one float for all hidden layers, or one per layer)."""
        for d, v in zip(self.dropouts(), per_layer(p, len(self.hidden), "dropout")):
            if not 0.0 <= float(v) < 1.0:
                raise ValueError(f"dropout is a drop probability p in [0, 1) (got {v})")
            d.p = float(v)

    @property
    def has_batchnorm(self) -> bool:
        return any(b.bn is not None for b in self.hidden)


def output_size(task: str, n_classes: int, loss: str) -> int:
    """1 for regression and for 2-class BCE, K for softmax + CE."""
    if task == "regression":
        return 1
    return n_classes if resolve_loss(task, n_classes, loss) == "ce" else 1


def resolve_loss(task: str, n_classes: int, loss: str) -> str:
    """Turn ``"auto"`` into bce (2 classes), ce (more) or mse (regression); check the others fit."""
    if loss == "auto":
        return "mse" if task == "regression" else ("bce" if n_classes == 2 else "ce")
    if task == "regression" and loss in ("bce", "ce"):
        raise ValueError(f"loss {loss!r} is for classification; regression uses mse, mae or huber")
    if task == "classification" and loss not in ("bce", "ce"):
        raise ValueError(f"loss {loss!r} is for regression; classification uses bce or ce")
    if loss == "bce" and n_classes != 2:
        raise ValueError(f"sigmoid + BCE needs 2 classes, the data has {n_classes}: use ce")
    return loss


def build_model(config: TrainConfig, n_in: int, task: str, n_classes: int,
                dropout_generator: torch.Generator) -> MLP:
    """The MLP of ``config`` (weights still PyTorch's defaults: call :func:`init.initialize`)."""
    n = len(config.layers)
    bns = [None if b in (None, "none") else b for b in per_layer(config.batchnorm, n, "batchnorm")]
    return MLP(n_in, config.layers, per_layer(config.activation, n, "activation"),
               per_layer(config.dropout, n, "dropout"), bns, output_size(task, n_classes, config.loss),
               dropout_generator)


def data_loss(logits: torch.Tensor, target: torch.Tensor, loss: str) -> torch.Tensor:
    """Mean data loss (no penalty).

    ``target`` is (B,) class indices / (B, K) probabilities for ce, (B,) 0/1 or soft labels for
    bce, and (B,) values for regression.
    """
    if loss == "bce":
        return nn.functional.binary_cross_entropy_with_logits(logits[:, 0], target)
    if loss == "ce":
        return nn.functional.cross_entropy(logits, target)
    pred = logits[:, 0]
    if loss == "mse":
        return nn.functional.mse_loss(pred, target)
    if loss == "mae":
        return nn.functional.l1_loss(pred, target)
    return nn.functional.huber_loss(pred, target)
