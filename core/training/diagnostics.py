"""Diagnostics from the lectures: the bias/variance recipe and NaN losses (gradient checking: ``gradcheck``).

Nothing here builds or runs a network, so the trainer imports this module and nothing here imports the
trainer.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

# --------------------------------------------------------------------------- NaN

# Inputs larger than this (after the features and any normalization) are too big for a network
# that starts with unit-scale weights: the first layer's pre-activations explode or saturate.
INPUT_SCALE_MAX = 1e3


def nan_message(lr: float, optimizer: str, epoch: int, step: int, loss: float, *,
                input_scale: float | None = None, first_loss: float | None = None,
                last_finite_loss: float | None = None) -> str:
    """One sentence naming the likely cause of a non-finite loss, and the evidence for it.

    The lectures: "Loss (and then weights) turn to NaNs -> too high of a learning rate". That
    holds for inputs of order 1; inputs of 1e300 overflow whatever the learning rate, and the
    data need scaling. ``input_scale`` is the largest |input| the network sees (features after
    normalization); ``first_loss`` and ``last_finite_loss`` are the run's first and latest finite
    batch losses (a loss that climbed before it broke points to the learning rate).
    """
    what = "NaN" if math.isnan(loss) else "infinite"
    head = f"loss became {what} at epoch {epoch}, step {step} ({optimizer}, lr={lr!r})"
    if input_scale is not None and not input_scale <= INPUT_SCALE_MAX:
        span = "are not finite" if not math.isfinite(input_scale) else f"span up to {input_scale:.3g}"
        return (f"{head}: the inputs {span}, far beyond the order of 1 a network expects, so the data "
                "need scaling: tick standardize (the features get mean 0, std 1) or rescale the values; a smaller "
                "learning rate will not fix it")
    evidence = []
    if first_loss is not None and last_finite_loss is not None and last_finite_loss > first_loss:
        evidence.append(f"the batch loss climbed from {first_loss:.3g} to {last_finite_loss:.3g}")
    if input_scale is not None:
        evidence.append(f"the inputs are moderate (up to {input_scale:.3g})")
    because = f": {' and '.join(evidence)}" if evidence else ""
    return (f"{head}. The learning rate is most likely too high and the weights diverged{because}; try a "
            "10x smaller lr (other causes: a divide by zero or a log of 0)")


def run_error_message(exc: BaseException) -> str:
    """One line for the user from an exception that ended a run (its details belong in the log).

    Our own checks raise ``ValueError`` with one sentence naming the field: that is the message.
    torch's allocator failures ("[enforce fail at alloc_cpu.cpp:127] ... you tried to allocate
    40000000000 bytes") become "ran out of memory" with the size; anything else is its type and
    its first line, without torch's source locations.
    """
    from .config import format_bytes

    text = str(exc).strip()
    first = text.splitlines()[0].strip() if text else ""
    low = text.lower()
    if isinstance(exc, MemoryError) or "allocate" in low or "out of memory" in low or "not enough memory" in low:
        asked = re.search(r"allocate (\d+) bytes", text)
        size = f" (it asked for {format_bytes(int(asked.group(1)))})" if asked else ""
        return (f"training ran out of memory{size}: use fewer or narrower layers, a smaller batch or fewer "
                "points")
    if isinstance(exc, ValueError) and first:
        return first
    first = re.sub(r"\[enforce fail at [^\]]*\]\s*", "", first)
    if len(first) > 160:
        first = first[:157] + "..."
    return f"training failed ({type(exc).__name__}): {first}" if first else f"training failed ({type(exc).__name__})"


# --------------------------------------------------------------------------- bias / variance

@dataclass
class Verdict:
    """A diagnosis of a run.

    code : ``good``, ``high_bias``, ``high_variance``, ``high_bias_high_variance``, or, for a high
        bias that the network's size does not explain, ``data_scale``, ``lr_too_high``,
        ``lr_too_low``, ``vanishing_gradients`` or ``learning_rate`` (the loss does not fall).
    text : the advice, with the evidence it rests on. headline : a short form for a status line.
    evidence : the measurements named in ``text``, one phrase each.
    """

    code: str
    text: str
    train_error: float
    val_error: float
    headline: str = ""
    evidence: tuple = ()


_BIAS_ADVICE = "make the network bigger (more hidden units or layers), train longer, or use a better optimizer"
_VAR_ADVICE = "get more data or add regularization (L2, dropout, augmentation, early stopping)"


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
                  bias_tol: float = 0.05, variance_tol: float = 0.05, measure: str = "error") -> Verdict:
    """The lectures' "basic recipe for machine learning".

    .. math::
        \\text{bias} = e_{train} - e_{base}, \\qquad \\text{variance} = e_{val} - e_{train}

    High bias if bias > ``bias_tol``: bigger network, train longer, better optimizer (fix this
    first). High variance if variance > ``variance_tol``: more data, regularization.
    ``base_error`` is the human/Bayes error (0 for clean toy data). ``measure`` is ``"error"``
    (a fraction, printed as a percentage) or ``"loss"`` (regression: printed as it is).
    """
    pct = measure == "error"

    def f(v: float) -> str:
        return f"{100 * v:.0f}%" if pct else f"{v:.3g}"

    high_bias = train_error - base_error > bias_tol
    high_var = val_error - train_error > variance_tol
    noisy = base_error >= 0.02  # a floor of a percent or so changes no verdict: not worth the words
    ev_bias = f"train {measure} {f(train_error)}" + (f" against a base error of about {f(base_error)}, "
                                                     "the data's own noise" if noisy else "")
    ev_var = f"val {measure} {f(val_error)} vs train {f(train_error)}"
    if high_bias and high_var:
        code, label = "high_bias_high_variance", "High bias and high variance"
        text = (f"{label} ({ev_bias}; {ev_var}): first make the network bigger, train longer or use a better "
                "optimizer; then get more data or regularize.")
        short = f"train {f(train_error)}, val {f(val_error)}"
    elif high_bias:
        code, label = "high_bias", "High bias"
        text = f"{label} (underfitting: {ev_bias}): {_BIAS_ADVICE}."
        short = f"train {measure} {f(train_error)}" + (f", base {f(base_error)}" if noisy else "")
    elif high_var:
        code, label = "high_variance", "High variance"
        text = f"{label} (overfitting: {ev_var}): {_VAR_ADVICE}."
        short = ev_var
    else:
        code, label = "good", "Low bias and low variance"
        text = f"{label} ({ev_bias}; {ev_var}): training and validation errors are both low and close."
        short = f"train {f(train_error)}, val {f(val_error)}"
    return Verdict(code, text, float(train_error), float(val_error), f"{label} ({short})", (ev_bias, ev_var))


class LossHistory:
    """What the verdicts read from the train loss after each epoch, kept in O(1) per epoch.

    A run of 100,000 epochs asks for a verdict after every one: rescanning the history each
    time would grow with the run.
    """

    def __init__(self, losses=()):
        self.n = -1  # epochs trained (the first loss is epoch 0, before training)
        self.first = self.second = self.last = self.best = None
        self.k_best = 0
        self.rises = 0  # epochs whose loss rose by > 5 % and by > 2 % of the first loss
        for x in losses:
            self.append(x)

    def append(self, loss: float | None) -> None:
        if loss is None or not math.isfinite(loss):
            return
        loss = float(loss)
        self.n += 1
        if self.first is None:
            self.first = loss
        elif self.second is None:
            self.second = loss
        if self.last is not None and loss > 1.05 * self.last and loss - self.last > 0.02 * self.first:
            self.rises += 1
        if self.best is None or loss < self.best:
            self.best, self.k_best = loss, self.n
        self.last = loss


def _loss_evidence(losses, layers, lr: float | None) -> tuple[str, str, str, str] | None:
    """(code, label, evidence, advice) when the run's history points away from the network's size.

    ``losses``: a :class:`LossHistory`, or the train loss after each epoch, epoch 0 (before
    training) first. ``layers``: the latest :class:`~core.training.metrics.LayerStats` (dead
    units, gradient norms, update ratios).
    """
    h = losses if isinstance(losses, LossHistory) else LossHistory(losses)
    n = h.n  # epochs trained
    if n < 10:
        return None  # too early to tell a plateau from a slow start
    layers = list(layers or [])
    the_lr = f"the learning rate ({lr:g})" if lr is not None else "the learning rate"
    L0, L1, end = h.first, h.second, h.last
    best, k_best = h.best, h.k_best
    moved = abs(best - L0) > 0.05 * L0 or abs(end - L0) > 0.05 * L0
    dead = [(l.dead_frac, l.name) for l in layers if l.dead_frac is not None]
    if dead and moved and max(dead)[0] >= 0.25:
        frac, name = max(dead)
        return ("lr_too_high", "The units die",
                f"{100 * frac:.0f}% of {name}'s units output 0 for every training point",
                f"{the_lr} is most likely too high: try it 3-10x smaller (or leaky-relu)")
    given_back = end - best
    if best < 0.8 * L0 and given_back > 0.5 * (L0 - best) and given_back > 0.05 * L0:
        return ("lr_too_high", "The loss bounces",
                f"train loss reached {best:.3g} at epoch {k_best} but ended at {end:.3g}",
                f"{the_lr} is most likely too high (the steps overshoot): try it 3-10x smaller")
    rises = h.rises
    if rises >= max(3, 0.2 * n):
        return ("lr_too_high", "The loss bounces", f"train loss rose in {rises} of {n} epochs",
                f"{the_lr} is most likely too high: try it 3-10x smaller")
    fall = (L1 - end) / L1 if L1 > 0 else 0.0  # from epoch 1: the first epoch's big drop says little
    fell = (f"train loss fell only {100 * fall:.0f}% over {n} epochs" if fall >= 0.005
            else f"train loss stayed at {end:.3g} over {n} epochs")
    grads = [l.grad_norm for l in layers if l.grad_norm is not None]
    ratios = [l.update_ratio for l in layers if l.update_ratio is not None]
    if fall < 0.1 and grads and max(grads) == 0.0:
        return ("vanishing_gradients", "The gradients vanish", f"{fell}; every weight gradient is 0",
                "whatever the learning rate, nothing moves: try another initialization")
    if fall < 0.1 and len(grads) >= 2 and grads[0] <= 1e-2 * max(grads):
        return ("vanishing_gradients", "The gradients vanish",
                f"{fell}; the first layer's gradient is {grads[0]:.1g}, the top's {max(grads):.1g}",
                "try another initialization (He for relu, Xavier for tanh) or activation")
    if ratios and max(ratios) < 1e-4 and fall < 0.5:
        return ("lr_too_low", "The loss crawls",
                f"{fell}; updates are at most {max(ratios):.1g} of the weights (healthy: 1e-3)",
                f"{the_lr} is most likely too low: try it 10x larger")
    if fall < 0.1:
        return ("learning_rate", "The loss does not fall", fell,
                f"look at {the_lr} before making the network bigger: try it 10x smaller and 10x larger "
                "(or the LR range test)")
    return None


def diagnose(train_error: float, val_error: float, *, base_error: float = 0.0, bias_tol: float = 0.05,
             variance_tol: float = 0.05, measure: str = "error", losses=(), layers=None,
             lr: float | None = None, input_scale: float | None = None) -> Verdict:
    """The bias/variance recipe, checked first against what else explains a high training error.

    Before "make the network bigger": inputs far from unit scale (the data need scaling), units
    that died or a loss that bounces or gave back its progress (learning rate too high),
    gradients that vanish before the first layer, a loss that crawls while the weights hardly
    move (too low), or a loss that simply does not fall (the learning rate first).

    Parameters
    ----------
    train_error, val_error, base_error, bias_tol, variance_tol, measure : as :func:`bias_variance`.
    losses : sequence of float or LossHistory
        Train loss after each epoch so far, epoch 0 first.
    layers : list of LayerStats, optional
        The latest per-layer statistics (dead units, gradient norms, update ratios).
    lr : float, optional
        The learning rate in effect (named in the advice).
    input_scale : float, optional
        The largest |input| the network sees.

    Returns
    -------
    Verdict
        Its ``text`` names the evidence it used.
    """
    v = bias_variance(train_error, val_error, base_error=base_error, bias_tol=bias_tol,
                      variance_tol=variance_tol, measure=measure)
    if v.code not in ("high_bias", "high_bias_high_variance"):
        return v
    if input_scale is not None and not input_scale <= INPUT_SCALE_MAX:
        ev = f"inputs span up to {input_scale:.3g}" if math.isfinite(input_scale) else "inputs are not finite"
        return Verdict("data_scale", f"The data need scaling: {ev}; {v.evidence[0]}. A network expects inputs "
                       "of order 1: tick standardize or rescale the values before changing the network or "
                       "the learning rate.", v.train_error, v.val_error,
                       f"The data need scaling ({ev})", (ev, v.evidence[0]))
    found = _loss_evidence(losses, layers, lr)
    if found is None:
        return v
    code, label, ev, advice = found
    # The training error itself is in the status line already; the text gives the evidence against
    # "make it bigger" and what to do.
    err = f"train {measure} {100 * v.train_error:.0f}%" if measure == "error" else f"train loss {v.train_error:.3g}"
    return Verdict(code, f"{label}: {ev}. {advice[0].upper()}{advice[1:]}.",
                   v.train_error, v.val_error, f"{label} ({ev})", (ev, err))
