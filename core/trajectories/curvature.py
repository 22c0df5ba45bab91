"""Curvature of a 2-D loss surface at a point, and what it predicts for gradient descent.

Near a point :math:`w_0` a smooth loss is, to second order,

.. math::  L(w_0 + d) \\approx L(w_0) + g^\\top d + \\tfrac12 d^\\top H d,

with :math:`H` the Hessian. Its eigenvalues :math:`\\lambda_i` (curvatures along the eigen-directions
:math:`q_i`) say what kind of point it is, and on a quadratic
:math:`L(w) = \\tfrac12 (w - w^*)^\\top H (w - w^*)` they decide exactly how fast gradient descent
converges: each step multiplies the error along :math:`q_i` by :math:`1 - \\alpha\\lambda_i`.

Pure numpy, no Qt: the curvature panel and the CLI share it.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

#: Relative tolerance under which an eigenvalue counts as zero (a flat direction).
FLAT_RTOL = 1e-8
#: Absolute tolerance under which an eigenvalue counts as zero.
FLAT_ATOL = 1e-10

VERDICTS = {
    "saddle": "indefinite: a saddle",
    "bowl": "positive definite: a bowl",
    "hilltop": "negative definite: a hilltop",
    "flat": "degenerate/flat",
}


@dataclass(frozen=True)
class CurvatureReport:
    """What the Hessian at one point says.

    Attributes
    ----------
    hessian : ndarray, shape (2, 2)
        The symmetrised Hessian :math:`\\tfrac12 (H + H^\\top)`.
    eigenvalues : ndarray, shape (2,)
        :math:`\\lambda_{min} \\le \\lambda_{max}`, ascending.
    eigenvectors : ndarray, shape (2, 2)
        Unit eigen-directions as COLUMNS: ``eigenvectors[:, i]`` belongs to ``eigenvalues[i]``.
    kind : {"bowl", "saddle", "hilltop", "flat"}
        Sign pattern of the eigenvalues.
    verdict : str
        The sentence a student reads, e.g. ``"indefinite: a saddle"``.
    condition_number : float or None
        :math:`\\kappa = \\lambda_{max} / \\lambda_{min}` where the Hessian is positive definite,
        else None.
    """

    hessian: np.ndarray
    eigenvalues: np.ndarray
    eigenvectors: np.ndarray
    kind: str
    verdict: str
    condition_number: float | None

    @property
    def positive_definite(self) -> bool:
        """True where both curvatures are positive (a bowl)."""
        return self.kind == "bowl"


def _is_flat(lam: float, scale: float) -> bool:
    return abs(lam) <= FLAT_ATOL + FLAT_RTOL * scale


def curvature_report(hessian) -> CurvatureReport:
    """Classify a 2x2 Hessian by the signs of its eigenvalues.

    Parameters
    ----------
    hessian : array_like, shape (2, 2)
        Second derivatives :math:`H_{ij} = \\partial^2 L / \\partial w_i \\partial w_j`.

    Returns
    -------
    CurvatureReport
        ``kind`` is "flat" when an eigenvalue is zero within
        ``FLAT_ATOL + FLAT_RTOL * max|lambda|`` (the test is inconclusive there), "bowl" when both are
        positive, "hilltop" when both are negative and "saddle" when the signs differ. The condition
        number :math:`\\kappa = \\lambda_{max}/\\lambda_{min}` is given only for a bowl.

    Raises
    ------
    ValueError
        If the matrix is not 2x2 or not finite.
    """
    h = np.asarray(hessian, dtype=np.float64)
    if h.shape != (2, 2):
        raise ValueError(f"expected a 2x2 Hessian, got shape {h.shape}")
    if not np.all(np.isfinite(h)):
        raise ValueError("the Hessian is not finite here")
    h = 0.5 * (h + h.T)  # autograd Hessians are symmetric only to rounding
    eigs, vecs = np.linalg.eigh(h)  # ascending
    scale = float(np.max(np.abs(eigs)))
    lo, hi = float(eigs[0]), float(eigs[1])
    if _is_flat(lo, scale) or _is_flat(hi, scale):
        kind = "flat"
    elif lo > 0:
        kind = "bowl"
    elif hi < 0:
        kind = "hilltop"
    else:
        kind = "saddle"
    kappa = hi / lo if kind == "bowl" else None
    return CurvatureReport(h, eigs, vecs, kind, VERDICTS[kind], kappa)


def _positive_eigs(eigs) -> tuple[float, float]:
    e = np.asarray(eigs, dtype=np.float64).ravel()
    lmin, lmax = float(e.min()), float(e.max())
    if not lmin > 0:
        raise ValueError("needs positive curvatures (a positive definite Hessian)")
    return lmin, lmax


def gd_rate(lr: float, eigs) -> float:
    """Per-step contraction of the error under gradient descent on a quadratic.

    .. math::  r(\\alpha) = \\max_i |1 - \\alpha \\lambda_i|

    The error shrinks like :math:`r^t` (the loss like :math:`r^{2t}`); :math:`r \\ge 1` diverges or
    stalls.

    Parameters
    ----------
    lr : float
        Learning rate :math:`\\alpha`.
    eigs : array_like
        Eigenvalues :math:`\\lambda_i` of the Hessian.
    """
    e = np.asarray(eigs, dtype=np.float64)
    return float(np.max(np.abs(1.0 - lr * e)))


def best_gd_lr(eigs) -> float:
    """The learning rate that minimises :func:`gd_rate` on a positive definite quadratic.

    .. math::  \\alpha^* = \\frac{2}{\\lambda_{max} + \\lambda_{min}}, \\qquad
               r(\\alpha^*) = \\frac{\\kappa - 1}{\\kappa + 1}

    It balances the two extreme directions: :math:`1 - \\alpha\\lambda_{min} =
    -(1 - \\alpha\\lambda_{max})`.
    """
    lmin, lmax = _positive_eigs(eigs)
    return 2.0 / (lmax + lmin)


def best_gd_rate(eigs) -> float:
    """:math:`(\\kappa - 1)/(\\kappa + 1)`, the rate of gradient descent at :func:`best_gd_lr`."""
    lmin, lmax = _positive_eigs(eigs)
    kappa = lmax / lmin
    return (kappa - 1.0) / (kappa + 1.0)


@dataclass(frozen=True)
class HeavyBall:
    """Optimal heavy-ball (Polyak momentum) settings for a quadratic.

    Attributes
    ----------
    lr, momentum : float
        :math:`\\alpha^*` and :math:`\\beta^*`.
    rate : float
        Per-step contraction :math:`\\sqrt{\\beta^*} = (\\sqrt\\kappa - 1)/(\\sqrt\\kappa + 1)`.
    """

    lr: float
    momentum: float
    rate: float


def best_heavy_ball(eigs) -> HeavyBall:
    """Optimal learning rate and momentum for the heavy ball on a positive definite quadratic.

    The heavy ball :math:`w_{t+1} = w_t - \\alpha \\nabla L(w_t) + \\beta (w_t - w_{t-1})` is what
    ``torch.optim.SGD(lr=alpha, momentum=beta)`` computes. Its best settings (Polyak 1964; Goh,
    "Why Momentum Really Works", Distill 2017) are

    .. math::  \\alpha^* = \\frac{4}{(\\sqrt{\\lambda_{max}} + \\sqrt{\\lambda_{min}})^2}, \\qquad
               \\beta^* = \\left(\\frac{\\sqrt\\kappa - 1}{\\sqrt\\kappa + 1}\\right)^2,

    with rate :math:`\\sqrt{\\beta^*}`: the condition number enters through its square root.
    """
    lmin, lmax = _positive_eigs(eigs)
    sk = math.sqrt(lmax / lmin)
    rate = (sk - 1.0) / (sk + 1.0)
    lr = 4.0 / (math.sqrt(lmax) + math.sqrt(lmin)) ** 2
    return HeavyBall(lr=lr, momentum=rate * rate, rate=rate)


def heavy_ball_rate(lr: float, momentum: float, eigs) -> float:
    """Per-step contraction of the heavy ball on a quadratic, for any lr and momentum.

    Along eigen-direction :math:`i` the error obeys
    :math:`e_{t+1} = (1 + \\beta - \\alpha\\lambda_i) e_t - \\beta e_{t-1}`, whose rate is the larger
    root modulus of :math:`z^2 - (1 + \\beta - \\alpha\\lambda_i) z + \\beta = 0`. The result is the
    maximum over :math:`i`; with :math:`\\beta = 0` it equals :func:`gd_rate`.
    """
    worst = 0.0
    for lam in np.asarray(eigs, dtype=np.float64).ravel():
        b = 1.0 + momentum - lr * lam
        roots = np.roots([1.0, -b, momentum])
        worst = max(worst, float(np.max(np.abs(roots))))
    return worst


def measured_rate(loss, f_min: float = 0.0, tail: float = 0.5, floor: float = 1e-24) -> float:
    """Estimate the per-step contraction of the error from a loss curve.

    On a quadratic the loss gap is quadratic in the error, :math:`L_t - L^* \\propto r^{2t}`, so one
    step's contraction is :math:`\\sqrt{(L_{t+1} - L^*)/(L_t - L^*)}`. This returns the geometric mean
    of that ratio over the tail of the curve,

    .. math::  \\hat r = \\left(\\frac{L_b - L^*}{L_a - L^*}\\right)^{1/(2(b - a))},

    which also averages out the oscillation of momentum methods.

    Parameters
    ----------
    loss : array_like, shape (T+1,)
        Loss per step, the start included.
    f_min : float
        The minimum value :math:`L^*` (0 for the bowl and valley).
    tail : float
        Fraction of the usable curve (from its end) to average over.
    floor : float
        The curve is cut where the gap first falls below ``floor`` times its starting value
        (rounding noise) or stops being finite and positive (converged exactly, or diverged).

    Returns
    -------
    float
        :math:`\\hat r`, or NaN when fewer than 3 usable points remain.
    """
    gap = np.asarray(loss, dtype=np.float64).ravel() - f_min
    if gap.size < 3 or not (np.isfinite(gap[0]) and gap[0] > 0):
        return float("nan")
    bad = ~np.isfinite(gap) | (gap <= 0) | (gap < floor * gap[0])
    n = int(np.argmax(bad)) if bad.any() else gap.size
    if n < 3:
        return float("nan")
    a = min(int(n * (1.0 - tail)), n - 3)
    b = n - 1
    return float(math.exp((math.log(gap[b]) - math.log(gap[a])) / (2.0 * (b - a))))
