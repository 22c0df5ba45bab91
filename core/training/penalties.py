"""L1 / L2 / elastic-net penalties on weights (never biases or BatchNorm), and weight decay.

Penalty added to the data loss :math:`J`:

.. math:: \\tilde J = J + \\lambda_1 \\sum_l \\|W_l\\|_1 + \\frac{\\lambda_2}{2} \\sum_l \\|W_l\\|_2^2

With the :math:`\\lambda_2/2` convention the gradient of the L2 term is :math:`\\lambda_2 W`, so
plain SGD with ``l2 = λ`` takes exactly the same steps as SGD with ``weight_decay = λ``
(the lectures: "both are equivalent ... weight decay"). The equivalence breaks for adaptive
optimizers: Adam divides the penalty gradient by :math:`\\sqrt{v}` too, AdamW does not
(decoupled weight decay, Loshchilov & Hutter 2019).
"""
from __future__ import annotations

import torch

from .model import MLP


def penalty(model: MLP, l1: float, l2: float, include_l1: bool = True) -> torch.Tensor:
    """:math:`\\lambda_1 \\sum|w| + (\\lambda_2/2) \\sum w^2` over the Linear weights (a scalar tensor)."""
    total = torch.zeros(())
    for layer in model.linears():
        W = layer.weight
        if l1 and include_l1:
            total = total + l1 * W.abs().sum()
        if l2:
            total = total + 0.5 * l2 * (W * W).sum()
    return total


def penalty_kind(l1: float, l2: float) -> str:
    """``"none"``, ``"l1"``, ``"l2"`` or ``"elastic-net"`` (both)."""
    return {(False, False): "none", (True, False): "l1", (False, True): "l2", (True, True): "elastic-net"}[
        (l1 > 0, l2 > 0)]


@torch.no_grad()
def soft_threshold(model: MLP, threshold: float) -> None:
    """Proximal step of L1: :math:`w \\leftarrow \\mathrm{sign}(w)\\max(|w| - \\eta\\lambda_1, 0)`.

    Unlike the subgradient of :math:`|w|` through autograd (which makes weights oscillate around
    zero, never exactly zero), this sets small weights exactly to 0.
    """
    for layer in model.linears():
        W = layer.weight
        W.copy_(torch.sign(W) * torch.clamp(W.abs() - threshold, min=0.0))


@torch.no_grad()
def sparsity(model: MLP, tol: float = 1e-3) -> float:
    """Fraction of weights with :math:`|w| <` ``tol`` (0 for exactly-zero counts with tol=0)."""
    n = zeros = 0
    for layer in model.linears():
        W = layer.weight
        n += W.numel()
        zeros += int((W.abs() <= tol).sum()) if tol > 0 else int((W == 0).sum())
    return zeros / max(n, 1)


_DECOUPLED = {"adamw"}
_NO_DECAY = {"rprop", "newton"}


def weight_decay_kind(optimizer: str, hparams: dict | None = None) -> str:
    """How ``weight_decay`` acts in torch optimizer ``optimizer``.

    Returns
    -------
    ``"coupled"``: added to the gradient, :math:`g \\leftarrow g + \\lambda w` (sgd, adam, rmsprop,
    ... : L2 seen by the adaptive scaling); ``"decoupled"``: applied to the weights directly,
    :math:`w \\leftarrow w - \\eta\\lambda w` (adamw, and nadam/radam with
    ``decoupled_weight_decay=True``); ``"none"``: the optimizer has no weight decay.
    """
    hparams = hparams or {}
    name = optimizer.strip().lower()
    try:  # the registry knows which optimizers take weight_decay at all
        from core.optim import optimizer_info

        if "weight_decay" not in optimizer_info(name).hparams:
            return "none"
    except ImportError:  # pragma: no cover - registry not installed
        pass
    if name in _NO_DECAY:
        return "none"
    if name in _DECOUPLED or (name in ("nadam", "radam") and hparams.get("decoupled_weight_decay")):
        return "decoupled"
    return "coupled"
