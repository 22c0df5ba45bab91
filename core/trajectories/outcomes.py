"""How a trajectory ended: at listed minimum k, elsewhere, diverged, or not converged.

The rules (all vectorised over N rows, checked at every step):

* **diverged** at step t when any of

  - a loss or coordinate is not finite,
  - :math:`|L(x_t)| > F\\,(|L(x_0)| + m)` with ``loss_factor`` :math:`F = 10^6` and ``loss_margin``
    :math:`m = 1` (``|L|`` so that a run-away to :math:`-\\infty` on a surface unbounded below counts too),
  - :math:`\\|x_t - c\\|_\\infty > R\\,W` with :math:`c` the view's centre, :math:`W` the view's width
    (the larger side) and ``far_widths`` :math:`R = 10`. This is what makes a too-large learning rate
    show as diverged within a few dozen steps, long before floats overflow.

* **converged** at step t (the first step where) :math:`\\|g_{t-1}\\| < \\tau_g` and
  :math:`\\|x_t - x_{t-1}\\| < \\tau_x W` (``tol_grad`` :math:`\\tau_g = 10^{-5}`, ``tol_step``
  :math:`\\tau_x = 10^{-7}`). The row is then labelled ``min{k}`` if its final point lies within
  ``near`` :math:`= 0.05\\,W` of listed minimum ``k`` (the nearest one wins), else ``elsewhere``.

* **not-converged**: neither happened within the steps given.

Integer codes index :func:`outcome_labels`: ``0..K-1`` are the minima, then ``elsewhere``,
``diverged``, ``not-converged``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

__all__ = ["OutcomeRules", "OutcomeTracker", "outcome_labels", "classify"]

ELSEWHERE, DIVERGED, NOT_CONVERGED = "elsewhere", "diverged", "not-converged"


@dataclass(frozen=True)
class OutcomeRules:
    """Tolerances of the outcome test (see the module docstring for the maths)."""

    tol_grad: float = 1e-5
    tol_step: float = 1e-7      # times the view width
    near: float = 0.05          # times the view width
    far_widths: float = 10.0
    loss_factor: float = 1e6
    loss_margin: float = 1.0


def _norm2(v: torch.Tensor) -> torch.Tensor:
    """Squared row norms of (N, 2): two column products, cheaper than a dim-1 sum (bench/bench_drawing.py)."""
    return torch.addcmul(v[:, 0] * v[:, 0], v[:, 1], v[:, 1])  # (N,)


def outcome_labels(n_minima: int) -> list[str]:
    """Labels indexed by outcome code: ``["min0", ..., "elsewhere", "diverged", "not-converged"]``."""
    return [f"min{k}" for k in range(n_minima)] + [ELSEWHERE, DIVERGED, NOT_CONVERGED]


def _view(domain) -> tuple[torch.Tensor, float]:
    xmin, xmax, ymin, ymax = (float(v) for v in domain)
    centre = torch.tensor([[0.5 * (xmin + xmax), 0.5 * (ymin + ymax)]], dtype=torch.float64)  # (1, 2)
    return centre, max(xmax - xmin, ymax - ymin)


class OutcomeTracker:
    """Per-row divergence / convergence bookkeeping for N trajectories stepped together.

    After step t the engine calls :meth:`check_step` (position, step length, gradient) and then
    :meth:`check_loss` with the loss at the new points. Rows that diverged or converged drop out of
    ``active`` (the engine freezes them); ``conv_step`` / ``div_step`` hold the step (-1 if never).

    Parameters
    ----------
    domain : (xmin, xmax, ymin, ymax)
        The view, which sets the length scale :math:`W`.
    minima : list of (x, y)
    loss0 : Tensor (N,)
        Loss at the starts (sets the divergence threshold per row).
    rules : OutcomeRules
    """

    def __init__(self, domain, minima, loss0: torch.Tensor, rules: OutcomeRules = OutcomeRules()):
        self.rules = rules
        self.centre, self.width = _view(domain)  # (1, 2), float
        self.minima = [tuple(float(c) for c in m) for m in (minima or [])]
        n = loss0.shape[0]
        a0 = loss0.abs().nan_to_num(nan=0.0, posinf=0.0)
        # clamped: an infinite factor must still catch an infinite loss
        self.loss_cap = (rules.loss_factor * (a0 + rules.loss_margin)).clamp(max=torch.finfo(torch.float64).max)  # (N,)
        self.cap_min = float(self.loss_cap.min()) if n else 0.0  # quick test for every row at once
        self.far = rules.far_widths * self.width
        self.g2_tol = rules.tol_grad ** 2
        self.s2_tol = (rules.tol_step * self.width) ** 2
        self.active = torch.ones(n, dtype=torch.bool)  # (N,)
        self.conv_step = torch.full((n,), -1, dtype=torch.int64)  # (N,)
        self.div_step = torch.full((n,), -1, dtype=torch.int64)  # (N,)
        self._ended: torch.Tensor | None = None  # (N,) 0 on live rows, inf on rows that ended

    def check_loss(self, t: int, loss: torch.Tensor) -> torch.Tensor | None:
        """Test the loss at the points after step t; returns the rows newly diverged, or None.

        ``~(|L| <= cap)`` is True for NaN as well as for too large a loss.
        """
        lo, hi = torch.aminmax(loss)  # one pass; NaN propagates and fails the quick test
        if max(-float(lo), float(hi)) <= self.cap_min:
            return None
        return self._mark(~(loss.abs() <= self.loss_cap), self.div_step, t)

    def check_step(self, t: int, xy: torch.Tensor, step: torch.Tensor, grad: torch.Tensor) -> tuple:
        """Test the points x_t after step t.

        Parameters
        ----------
        xy : Tensor (N, 2)
            :math:`x_t`.
        step : Tensor (N, 2)
            :math:`x_t - x_{t-1}`.
        grad : Tensor (N, 2)
            :math:`g_{t-1}`, the noise-free gradient that drove the step.

        Returns
        -------
        (newly diverged rows or None, newly converged rows or None)

        Notes
        -----
        Each test first reduces over all rows to one number (one pass, one sync) and does the
        per-row work only when that number says some row may have changed state: on most steps
        of a 10,000-row map nothing happens.
        """
        d = (xy - self.centre).abs_()  # (N, 2), same memory layout as xy
        div = None
        whole = d.T if d.T.is_contiguous() else d  # a full reduction over a strided view would copy it
        if not float(whole.max()) <= self.far:  # rarely true: then find the rows (NaN counts as far)
            div = self._mark(~(d.amax(dim=1) <= self.far), self.div_step, t)
        g2 = _norm2(grad)  # (N,)
        if self._ended is not None:
            g2 += self._ended  # +inf on rows that already ended: they cannot pass the quick test
        if not float(g2.min()) < self.g2_tol:
            return div, None
        conv = torch.lt(g2, self.g2_tol)  # (N,)
        conv &= _norm2(step) < self.s2_tol
        return div, self._mark(conv, self.conv_step, t)

    def _mark(self, hit: torch.Tensor, where: torch.Tensor, t: int):
        hit &= self.active
        if not bool(hit.any()):  # sync point; cheap on CPU and skips the writes on most steps
            return None
        where.masked_fill_(hit, t)
        self.active &= ~hit
        if self._ended is None:
            self._ended = torch.zeros(hit.shape, dtype=torch.float64)  # (N,)
        self._ended.masked_fill_(hit, math.inf)
        return hit

    def codes(self, final_xy: torch.Tensor) -> np.ndarray:
        """Outcome code per row, from the final points (call after the last step)."""
        return classify(final_xy, self.conv_step, self.div_step, self.minima, self.width, self.rules)


def classify(final_xy, conv_step, div_step, minima, width: float, rules: OutcomeRules = OutcomeRules()) -> np.ndarray:
    """Outcome codes (N,) from final points (N, 2) and the steps of convergence / divergence (-1 = never)."""
    xy = torch.as_tensor(final_xy, dtype=torch.float64).reshape(-1, 2)  # (N, 2)
    conv = torch.as_tensor(conv_step).reshape(-1) >= 0
    div = torch.as_tensor(div_step).reshape(-1) >= 0
    k = len(minima)
    code = torch.full((xy.shape[0],), k + 2, dtype=torch.int64)  # not-converged
    code[conv] = k  # elsewhere, unless near a listed minimum
    if k:
        m = torch.tensor(minima, dtype=torch.float64).reshape(-1, 2)  # (K, 2)
        d = (xy[:, None, :] - m[None]).square().sum(-1).sqrt().nan_to_num(nan=np.inf)  # (N, K)
        dmin, arg = d.min(dim=1)
        near = conv & (dmin <= rules.near * width)
        code[near] = arg[near]
    code[div] = k + 1
    return code.numpy()
