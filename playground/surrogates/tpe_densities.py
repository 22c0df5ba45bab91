"""TPE's good and bad densities l(x) and g(x) for one parameter, rebuilt from the trials.

A *refit* with the rules of Optuna 5.0's ``TPESampler`` defaults (``optuna/samplers/_tpe/sampler.py``
and ``parzen_estimator.py``), without its private classes:

- **Split:** the complete trials sorted by value (lowest first for minimization); the first
  ``gamma(n) = min(ceil(0.1 n), 25)`` are "good", the rest "bad" (Optuna's ``default_gamma``).
- **Weights:** within each group, in trial order, ``default_weights(k)``: all 1 for ``k < 25``, else a
  ramp from ``1/k`` to 1 over the oldest ``k - 25`` and 1 for the newest 25; then a prior kernel of
  weight 1 (``prior_weight``), all normalized to sum 1.
- **Kernels:** a normal truncated to the range at each observation ``mu_i``, in the internal coordinate
  (``log10 x`` for a log parameter; Optuna uses ``ln x``, the same shape up to the factor ln 10). Its
  bandwidth is the larger gap to the neighbouring observation, the range's ends counting as
  neighbours, except that the lowest and highest observation use their inner gap
  (``consider_endpoints=False``) when there are two or more; then clipped to
  ``[(high - low) / min(100, n + 2), high - low]`` (``consider_magic_clip``). The prior kernel sits at
  the middle with bandwidth ``high - low``.

.. math:: l(x) = \\sum_i w_i\\, \\mathcal{N}_{[a, b]}(x;\\, \\mu_i, \\sigma_i), \\qquad
          g(x) \\text{ likewise on the bad trials}

TPE proposes the candidate that maximizes ``l(x) / g(x)``. Before ``n_startup_trials`` (10) complete
trials it samples at random, and :attr:`TPEDensities.active` is False. Integer steps and categorical
parameters are not modelled.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from playground.surrogates.space import check_axis, from_internal, internal_bounds, to_internal

TPE_LABEL = "TPE densities rebuilt from the trials with Optuna's default rules"
N_STARTUP_TRIALS = 10


def default_gamma(n: int) -> int:
    """How many of ``n`` complete trials are "good": ``min(ceil(0.1 n), 25)`` (Optuna's default)."""
    return min(math.ceil(0.1 * n), 25)


def default_weights(k: int) -> np.ndarray:
    """Kernel weights of ``k`` observations in trial order (Optuna's ``default_weights``)."""
    if k == 0:
        return np.asarray([])
    if k < 25:
        return np.ones(k)
    return np.concatenate([np.linspace(1.0 / k, 1.0, num=k - 25), np.ones(25)])


def bandwidths(mus: np.ndarray, low: float, high: float) -> np.ndarray:
    """Kernel widths of observations ``mus`` in ``[low, high]`` (internal coordinate), see the module text."""
    mus = np.asarray(mus, dtype=float)
    n = len(mus)
    if n == 0:
        return np.asarray([])
    order = np.argsort(mus)
    ext = np.concatenate([[low], mus[order], [high]])
    sig = np.maximum(ext[1:-1] - ext[:-2], ext[2:] - ext[1:-1])
    if n >= 2:
        sig[0] = ext[2] - ext[1]
        sig[-1] = ext[-2] - ext[-3]
    out = np.empty(n)
    out[order] = sig
    return np.clip(out, (high - low) / min(100.0, n + 2.0), high - low)


def parzen_pdf(t: np.ndarray, mus: np.ndarray, low: float, high: float) -> np.ndarray:
    """Density on ``t`` (internal coordinate) of the weighted truncated-normal mixture on ``mus`` plus the prior."""
    from scipy.stats import truncnorm

    mus = np.asarray(mus, dtype=float)
    w = np.append(default_weights(len(mus)), 1.0)
    w = w / w.sum()
    mu = np.append(mus, 0.5 * (low + high))
    sig = np.append(bandwidths(mus, low, high), high - low)
    a, b = (low - mu) / sig, (high - mu) / sig
    t = np.asarray(t, dtype=float)[:, None]
    return truncnorm.pdf(t, a, b, loc=mu, scale=sig) @ w


@dataclass(frozen=True)
class TPEDensities:
    """l(x), g(x) and their ratio for one parameter.

    Attributes
    ----------
    axis : Axis
    grid : ndarray, shape (m,)
        Real units, evenly spaced in the internal coordinate.
    good_pdf, bad_pdf : ndarray, shape (m,)
        ``l`` and ``g``, densities per unit of the internal coordinate (per decade on a log axis).
    ratio : ndarray, shape (m,)
        ``l / g``.
    x : ndarray, shape (n,)
        The complete trials' values of the parameter, in trial order.
    values : ndarray, shape (n,)
    good : ndarray of bool, shape (n,)
        Which trials are in the good group.
    active : bool
        Enough trials for TPE to use these densities (before that it samples at random).
    label : str
    """

    axis: object
    grid: np.ndarray
    good_pdf: np.ndarray
    bad_pdf: np.ndarray
    ratio: np.ndarray
    x: np.ndarray
    values: np.ndarray
    good: np.ndarray
    active: bool
    label: str = TPE_LABEL


def split_good(values, gamma=default_gamma) -> np.ndarray:
    """Mask of the "good" trials: the ``gamma(n)`` lowest values; ties keep trial order (a stable sort, as Optuna's)."""
    values = np.asarray(values, dtype=float)
    good = np.zeros(len(values), dtype=bool)
    good[np.argsort(values, kind="stable")[:gamma(len(values))]] = True
    return good


def tpe_densities(x, values, axis, n_grid: int = 256) -> TPEDensities:
    """Split the trials and build l(x), g(x) and l/g on a grid.

    Parameters
    ----------
    x : array_like, shape (n,)
        The complete trials' parameter values, real units, in trial order.
    values : array_like, shape (n,)
        Their objective values, lower is better. Non-finite ones (failed trials) are dropped.
    axis : Axis
    n_grid : int

    Returns
    -------
    TPEDensities
    """
    check_axis(axis)
    x = np.asarray(x, dtype=float).ravel()
    values = np.asarray(values, dtype=float).ravel()
    if len(x) != len(values):
        raise ValueError(f"{len(x)} parameter values for {len(values)} objective values")
    keep = np.isfinite(x) & np.isfinite(values)
    x, values = x[keep], values[keep]
    good = split_good(values)
    low, high = internal_bounds(axis)
    t_obs = to_internal(x, axis)
    t = np.linspace(low, high, n_grid)
    l_pdf = parzen_pdf(t, t_obs[good], low, high)
    g_pdf = parzen_pdf(t, t_obs[~good], low, high)
    return TPEDensities(axis, from_internal(t, axis), l_pdf, g_pdf, l_pdf / g_pdf, x, values, good,
                        len(x) >= N_STARTUP_TRIALS)
