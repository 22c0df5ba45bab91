"""Diagnostics from the lectures: gradient checking, the bias/variance recipe, NaN losses."""
from __future__ import annotations

import copy
import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

import torch
from torch import nn

# --------------------------------------------------------------------------- NaN


def nan_message(lr: float, optimizer: str, epoch: int, step: int, loss: float) -> str:
    """One sentence naming the likely cause of a non-finite loss.

    The lectures: "Loss (and then weights) turn to NaNs -> too high of a learning rate";
    other causes are a divide by zero or a log of 0.
    """
    what = "NaN" if math.isnan(loss) else "infinite"
    return (f"loss became {what} at epoch {epoch}, step {step} ({optimizer}, lr={lr!r}): the learning rate "
            f"is most likely too high and the weights diverged; try a 10x smaller lr (other causes: a "
            f"divide by zero or a log of 0)")


# --------------------------------------------------------------------------- bias / variance

@dataclass
class Verdict:
    """code: ``good``, ``high_bias``, ``high_variance`` or ``high_bias_high_variance``; text: the advice."""

    code: str
    text: str
    train_error: float
    val_error: float


_BIAS_ADVICE = ("high bias (underfitting: training error is high): make the network bigger (more hidden "
                "units or layers), train longer, or use a better optimizer")
_VAR_ADVICE = ("high variance (overfitting: validation error well above training error): get more data "
               "or add regularization (L2, dropout, augmentation, early stopping)")


@lru_cache(maxsize=64)
def noise_floor(dataset: str, noise: float, classes: int = 3, n: int = 2000, k: int = 31) -> float:
    """Estimate the base (Bayes) error of a generated classification set: its noise floor.

    The lectures compare training error with the base error, not with 0: on noisy moons no model
    gets every point right. This draws ``n`` fresh points from the same generator (a seed of its
    own, so the run's data are untouched) and returns the leave-one-out error of a ``k``-nearest-
    neighbour majority vote. As ``n`` grows that tends to the Bayes error from above, so the
    estimate errs on the side of calling a model biased.

    Returns
    -------
    float
        Error rate in [0, 1].
    """
    from .data import make_dataset  # late: data imports nothing from here, keep it that way

    X, y = make_dataset(dataset, n, noise, seed=2**31 - 1, classes=classes)
    n_classes = int(y.max()) + 1
    errors = 0
    for lo in range(0, n, 500):  # 500 x n distances at a time (8 MB), not n x n
        d = ((X[lo:lo + 500, None, :] - X[None, :, :]) ** 2).sum(-1)
        d[np.arange(d.shape[0]), np.arange(lo, lo + d.shape[0])] = np.inf  # leave the point itself out
        nearest = np.argpartition(d, k, axis=1)[:, :k]
        votes = np.apply_along_axis(np.bincount, 1, y[nearest], minlength=n_classes)
        errors += int((votes.argmax(1) != y[lo:lo + 500]).sum())
    return errors / n


def bias_variance(train_error: float, val_error: float, *, base_error: float = 0.0,
                  bias_tol: float = 0.05, variance_tol: float = 0.05) -> Verdict:
    """The lectures' "basic recipe for machine learning".

    .. math::
        \\text{bias} = e_{train} - e_{base}, \\qquad \\text{variance} = e_{val} - e_{train}

    High bias if bias > ``bias_tol``: bigger network, train longer, better optimizer (fix this
    first). High variance if variance > ``variance_tol``: more data, regularization.
    ``base_error`` is the human/Bayes error (0 for clean toy data).
    """
    high_bias = train_error - base_error > bias_tol
    high_var = val_error - train_error > variance_tol
    if high_bias and high_var:
        code, text = "high_bias_high_variance", f"{_BIAS_ADVICE}; then {_VAR_ADVICE}"
    elif high_bias:
        code, text = "high_bias", _BIAS_ADVICE
    elif high_var:
        code, text = "high_variance", _VAR_ADVICE
    else:
        code, text = "good", "low bias and low variance: training and validation errors are both low and close"
    if base_error > 0.005:
        text += f" (against a base error of about {base_error:.0%}: the data's own noise)"
    return Verdict(code, text[0].upper() + text[1:], float(train_error), float(val_error))


# --------------------------------------------------------------------------- gradient checking

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
    from .trainer import _Run

    run = _Run(config.replace(epochs=0, early_stopping=None), None)
    X, T = run.X["train"][:n], run.T["train"].t[:n]
    return _check_with_penalty(run.model, run.loss_name, X, T, run.l1, run.l2)


def _check_with_penalty(model, loss_name, X, T, l1, l2) -> GradCheck:
    from .model import data_loss
    from .penalties import penalty

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
