"""Gradient checking (the lectures): autograd's gradient against centred differences, in float64.

:func:`gradient_check_config` builds a run's network and data without training it, so this module sits
above the trainer (diagnostics, which the trainer imports, must not import the trainer back).
"""
from __future__ import annotations

import copy
import math
from dataclasses import dataclass

import torch
from torch import nn

from .model import data_loss
from .penalties import penalty
from .trainer import _Run


@dataclass
class GradCheck:
    """Result of :func:`gradient_check`.

    rel_error : :math:`\\|g_{num} - g\\| / (\\|g_{num}\\| + \\|g\\|)`.
    verdict : ``great`` (< 1e-7), ``ok`` (< 1e-5), ``inspect`` (< 1e-3), ``bug`` (>= 1e-3).
    worst : name of the parameter tensor with the largest relative error, and that error.
    n_checked : number of scalar parameters checked.
    """

    rel_error: float
    verdict: str
    message: str
    worst: tuple[str, float]
    n_checked: int


def verdict_for(rel_error: float) -> tuple[str, str]:
    """The lectures' bands for the relative error of a gradient check."""
    if not math.isfinite(rel_error):
        return "bug", "the gradient is not finite: there is a bug"
    if rel_error < 1e-7:
        return "great", f"relative error {rel_error:.1e} < 1e-7: great, backpropagation is very likely correct"
    if rel_error < 1e-5:
        return "ok", f"relative error {rel_error:.1e} < 1e-5: fine"
    if rel_error < 1e-3:
        return "inspect", (f"relative error {rel_error:.1e} (around 1e-5..1e-3): inspect the components, "
                           "there may be a problem")
    return "bug", f"relative error {rel_error:.1e} >= 1e-3: probably a bug in backpropagation"


def gradient_check(model: nn.Module, loss_fn, X: torch.Tensor, y: torch.Tensor, eps: float = 1e-6,
                   max_params: int | None = 2000, generator: torch.Generator | None = None) -> GradCheck:
    """Compare autograd's gradient with centred differences, in float64 and with dropout off.

    .. math:: g_{num,i} = \\frac{J(\\theta + \\epsilon e_i) - J(\\theta - \\epsilon e_i)}{2\\epsilon}

    The model is deep-copied to float64; dropout is switched off (the lectures: the check does not
    work with dropout, J is not consistent); BatchNorm uses batch statistics (train mode), which are
    deterministic for a fixed batch. ``eps`` = 1e-6 in float64 (the lectures' 1e-7 is fine too).

    Parameters
    ----------
    model : the network; loss_fn : ``loss_fn(output, y) -> scalar``.
    X, y : a batch. max_params : check at most this many scalars (a random subset, from ``generator``).
    """
    m = copy.deepcopy(model).double()
    m.train()
    for mod in m.modules():
        if hasattr(mod, "p") and isinstance(getattr(mod, "p"), float) and "Dropout" in type(mod).__name__:
            mod.p = 0.0
    X = X.double()
    y = y.double() if y.is_floating_point() else y

    def J() -> torch.Tensor:
        return loss_fn(m(X), y)

    params = [(n, p) for n, p in m.named_parameters() if p.requires_grad]
    m.zero_grad()
    J().backward()
    analytic = [p.grad.detach().clone().reshape(-1) for _, p in params]
    # Choose which scalars to check.
    sizes = [p.numel() for _, p in params]
    total = sum(sizes)
    if max_params is not None and total > max_params:
        g = generator or torch.Generator().manual_seed(0)
        chosen = torch.randperm(total, generator=g)[:max_params].sort().values
    else:
        chosen = torch.arange(total)
    num_all, ana_all, worst = [], [], ("", 0.0)
    offsets = [0]
    for s in sizes:
        offsets.append(offsets[-1] + s)
    with torch.no_grad():
        for k, (name, p) in enumerate(params):
            sel = chosen[(chosen >= offsets[k]) & (chosen < offsets[k + 1])] - offsets[k]
            if len(sel) == 0:
                continue
            flat = p.data.view(-1)
            num = torch.empty(len(sel), dtype=torch.float64)
            for j, i in enumerate(sel.tolist()):
                old = float(flat[i])
                flat[i] = old + eps
                jp = float(J())
                flat[i] = old - eps
                jm = float(J())
                flat[i] = old
                num[j] = (jp - jm) / (2 * eps)
            ana = analytic[k][sel]
            err = float((num - ana).norm() / ((num.norm() + ana.norm()) or 1.0))
            if err >= worst[1]:
                worst = (name, err)
            num_all.append(num)
            ana_all.append(ana)
    num_v, ana_v = torch.cat(num_all), torch.cat(ana_all)
    denom = float(num_v.norm() + ana_v.norm())
    rel = float((num_v - ana_v).norm()) / denom if denom > 0 else 0.0
    verdict, msg = verdict_for(rel)
    return GradCheck(rel, verdict, msg, worst, len(num_v))


def gradient_check_config(config, n: int = 64) -> GradCheck:
    """Gradient check of the network and loss of a :class:`TrainConfig` on ``n`` training examples.

    Checks the regularized :math:`\\tilde J` (data loss + L1/L2 penalty), as the lectures do.
    """
    run = _Run(config.replace(epochs=0, early_stopping=None), None)
    X, T = run.X["train"][:n], run.T["train"].t[:n]
    return _check_with_penalty(run.model, run.loss_name, X, T, run.l1, run.l2)


def _check_with_penalty(model, loss_name, X, T, l1, l2) -> GradCheck:
    class _Net(nn.Module):
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, x):
            return self.inner(x), penalty(self.inner, l1, l2)

    def loss_fn(out, y):
        logits, pen = out
        return data_loss(logits, y, loss_name) + pen

    return gradient_check(_Net(model), loss_fn, X, T)
