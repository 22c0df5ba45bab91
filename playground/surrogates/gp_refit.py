"""A Gaussian process refitted with scikit-learn on a search's trials: mean, uncertainty and EI on a grid.

This is a *refit*, not Optuna's own model: Optuna keeps its GP in the private module ``optuna._gp``.
The refit copies what that module does by default (read from Optuna 5.0's ``optuna/_gp/gp.py``,
``optuna/_gp/prior.py``, ``optuna/_gp/acqf.py`` and ``optuna/samplers/_gp/sampler.py``):

What matches
    - Inputs: each parameter mapped to [0, 1] along its internal scale (log for log parameters).
    - Outputs: standardized, ``(y - mean(y)) / std(y)`` (scikit-learn's ``normalize_y``).
    - Kernel: ``kernel_scale * Matern52(ARD) + noise`` -- scikit-learn's
      ``ConstantKernel * Matern(nu=2.5, one length scale per axis) + WhiteKernel``.
    - Hyperparameters: the maximum a posteriori fit with Optuna's default priors, added to
      scikit-learn's marginal likelihood through a custom ``optimizer``. With
      ``l`` a length scale (``1/l**2`` is Optuna's inverse squared length scale), ``s`` the kernel
      scale and ``v`` the noise variance, the log prior is

      .. math:: -\\sum_i (0.1\\, l_i^2 + 0.1 / l_i^2) + (\\log s - s) + (0.1 \\log v - 30 v),

      maximized over the logs of the parameters (L-BFGS-B), from Optuna's start ``l = s = v = 1``.
    - The uncertainty drawn is that of the latent function ``f`` (noise variance left out), as in
      Optuna's ``GPRegressor.posterior``.
    - Expected improvement against the best value observed (Optuna's threshold), for minimization:

      .. math:: \\mathrm{EI}(x) = (f^* - \\mu(x))\\,\\Phi(z) + \\sigma(x)\\,\\varphi(z),
                \\qquad z = \\frac{f^* - \\mu(x)}{\\sigma(x)},

      with :math:`f^* = \\min_i y_i`, and ``EI = max(f* - mu, 0)`` where ``sigma = 0``.

What differs
    - Optuna maximizes ``log EI`` (same maximizer, steadier numerics); this module returns EI itself.
    - Optuna starts each fit from the previous trial's kernel parameters; this refit restarts from the
      defaults and from a few seeded random starts, so it can land on another local optimum.
    - Optuna's noise variance is ``1e-6 + exp(raw)`` (unbounded); here it is bounded to [1e-6, 10].
      Length scales and kernel scale are bounded to [1e-3, 1e3].
    - Integer steps, categorical parameters, constraints, running trials (qLogEI) and several objectives
      are not modelled: one or two continuous parameters, one objective.
"""
from __future__ import annotations

import warnings

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from playground.surrogates.space import check_axis, from_internal, internal_bounds, to_unit

REFIT_LABEL = "GP refit with scikit-learn on the trials (not Optuna's own model)"
NOISE_BOUNDS = (1e-6, 10.0)
SCALE_BOUNDS = (1e-3, 1e3)


def log_prior(theta: np.ndarray) -> tuple[float, np.ndarray]:
    """Optuna's default log prior of the kernel parameters, and its gradient, in scikit-learn's ``theta``.

    Parameters
    ----------
    theta : ndarray, shape (d + 2,)
        ``[log s, log l_1 .. log l_d, log v]``: the log kernel scale, log length scales and log noise
        variance, in the order of ``ConstantKernel * Matern + WhiteKernel``.

    Returns
    -------
    value : float
    grad : ndarray, shape (d + 2,)
        d value / d theta.
    """
    theta = np.asarray(theta, dtype=float)
    t_s, t_l, t_v = theta[0], theta[1:-1], theta[-1]
    s, v = np.exp(t_s), np.exp(t_v)
    up, down = np.exp(2 * t_l), np.exp(-2 * t_l)  # l**2 and 1/l**2
    value = -0.1 * float(np.sum(up + down)) + (t_s - s) + (0.1 * t_v - 30.0 * v)
    grad = np.empty_like(theta)
    grad[0] = 1.0 - s
    grad[1:-1] = -0.2 * (up - down)
    grad[-1] = 0.1 - 30.0 * v
    return value, grad


def _map_optimizer(obj_func, initial_theta, bounds):
    """scikit-learn ``optimizer``: minimize -log marginal likelihood - log prior (a MAP fit)."""
    from scipy.optimize import minimize

    def loss(theta):
        nll, nll_grad = obj_func(theta, eval_gradient=True)
        lp, lp_grad = log_prior(theta)
        return nll - lp, nll_grad - lp_grad

    res = minimize(loss, initial_theta, jac=True, method="L-BFGS-B", bounds=bounds)
    return res.x, float(res.fun)


def fit_gp(unit_X: np.ndarray, y: np.ndarray, seed: int = 0, restarts: int = 2):
    """Fit the GP on points already mapped to [0, 1] per axis.

    Parameters
    ----------
    unit_X : ndarray, shape (n, d)
    y : ndarray, shape (n,)
        Objective values (finite; lower is better).
    seed : int
        Seeds the random restarts, so the same trials give the same refit.
    restarts : int
        Random restarts of the hyperparameter fit, after the one from Optuna's defaults.

    Returns
    -------
    sklearn.gaussian_process.GaussianProcessRegressor
    """
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.gaussian_process import GaussianProcessRegressor
    from sklearn.gaussian_process.kernels import ConstantKernel, Matern, WhiteKernel

    unit_X = np.atleast_2d(np.asarray(unit_X, dtype=float))
    y = np.asarray(y, dtype=float).ravel()
    if len(y) == 0 or len(unit_X) != len(y):
        raise ValueError(f"need at least one trial with one value each, got {len(unit_X)} points, {len(y)} values")
    if not np.all(np.isfinite(y)) or not np.all(np.isfinite(unit_X)):
        raise ValueError("trial values and parameters must be finite")
    d = unit_X.shape[1]
    kernel = (ConstantKernel(1.0, SCALE_BOUNDS) * Matern(np.ones(d), (SCALE_BOUNDS,) * d if d > 1 else SCALE_BOUNDS, nu=2.5)
              + WhiteKernel(1.0, NOISE_BOUNDS))
    gpr = GaussianProcessRegressor(kernel, normalize_y=True, optimizer=_map_optimizer,
                                   n_restarts_optimizer=restarts, random_state=seed)
    with warnings.catch_warnings():
        # a deterministic objective drives the noise to its floor, as in Optuna: not a problem
        warnings.simplefilter("ignore", ConvergenceWarning)
        return gpr.fit(unit_X, y)


def latent_posterior(gpr, unit_X: np.ndarray, y_raw: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and standard deviation of the latent ``f`` (no observation noise) at ``unit_X``, in y's units.

    .. math:: \\mu = k_*^T (K + \\sigma_n^2 I)^{-1} y, \\qquad
              \\sigma^2 = k(x, x) - k_*^T (K + \\sigma_n^2 I)^{-1} k_*

    with ``k`` the fitted ``ConstantKernel * Matern`` part and ``sigma_n^2`` the fitted white noise,
    computed on standardized ``y`` and scaled back. ``y_raw`` is the values ``gpr`` was fitted on.
    """
    from scipy.linalg import cho_solve, cholesky, solve_triangular

    X_train = gpr.X_train_
    y = np.asarray(gpr.y_train_, dtype=float).ravel()  # scikit-learn stores y standardized
    k_f = gpr.kernel_.k1
    K = gpr.kernel_(X_train) + gpr.alpha * np.eye(len(X_train))
    L = cholesky(K, lower=True)
    Ks = k_f(np.atleast_2d(unit_X), X_train)
    mean = Ks @ cho_solve((L, True), y)
    v = solve_triangular(L, Ks.T, lower=True)
    var = np.maximum(k_f.diag(np.atleast_2d(unit_X)) - np.sum(v * v, axis=0), 0.0)
    y_raw = np.asarray(y_raw, dtype=float).ravel()
    y_mean, y_std = float(np.mean(y_raw)), float(np.std(y_raw))
    y_std = y_std if y_std > 0 else 1.0  # scikit-learn's normalize_y does the same
    return mean * y_std + y_mean, np.sqrt(var) * y_std


def expected_improvement(mean, std, best: float) -> np.ndarray:
    """Expected improvement below ``best`` (minimization) of a normal belief ``N(mean, std**2)``.

    .. math:: \\mathrm{EI} = E[\\max(f^* - Y, 0)] = (f^* - \\mu)\\,\\Phi(z) + \\sigma\\,\\varphi(z),
              \\qquad z = (f^* - \\mu) / \\sigma

    Where ``std == 0`` the belief is a point and ``EI = max(best - mean, 0)``.
    """
    from scipy.stats import norm

    mean = np.asarray(mean, dtype=float)
    std = np.asarray(std, dtype=float)
    gain = best - mean
    safe = np.where(std > 0, std, 1.0)
    z = gain / safe
    ei = gain * norm.cdf(z) + safe * norm.pdf(z)
    return np.where(std > 0, np.maximum(ei, 0.0), np.maximum(gain, 0.0))


@dataclass(frozen=True)
class GPSurface:
    """The refitted GP on a grid over one or two parameters.

    Attributes
    ----------
    axes : tuple
        The parameters' axes (``low``, ``high``, ``log``).
    grid : tuple of ndarray
        Grid values per axis in real units, evenly spaced along the internal (log10 for log) scale.
    mean, std, ei : ndarray
        Shape ``(m,)`` for one parameter; ``(m_y, m_x)`` for two (rows follow the second axis), so an
        image drawn row-major puts the first parameter across.
    points : ndarray, shape (n, d)
        The trials' parameters, real units.
    values : ndarray, shape (n,)
    best : float
        The best (lowest) value, EI's threshold.
    kernel : str
        The fitted kernel, in the units of standardized y and [0, 1] inputs.
    label : str
        Says that this is a refit.
    """

    axes: tuple
    grid: tuple
    mean: np.ndarray
    std: np.ndarray
    ei: np.ndarray
    points: np.ndarray
    values: np.ndarray
    best: float
    kernel: str
    label: str = REFIT_LABEL

    def cell_edges(self, i: int) -> tuple[float, float]:
        """The grid's outer cell edges along axis ``i`` in the internal coordinate (for an image rect)."""
        t = np.linspace(*internal_bounds(self.axes[i]), len(self.grid[i]))
        half = (t[1] - t[0]) / 2 if len(t) > 1 else 0.5
        return float(t[0] - half), float(t[-1] + half)


def refit_surrogate(points, values, axes: Sequence, n_grid: int | None = None, seed: int = 0) -> GPSurface:
    """Refit the GP on the trials and evaluate mean, std and EI on a grid.

    Parameters
    ----------
    points : array_like, shape (n, d) or (n,) for d = 1
        The trials' parameters in real units (an lr of 1e-3 is 1e-3, not -3).
    values : array_like, shape (n,)
        Their objective values, lower is better. Non-finite values (failed trials) are dropped.
    axes : sequence of Axis, length 1 or 2
    n_grid : int, optional
        Grid points per axis: 256 for one parameter, 64 for two.
    seed : int

    Returns
    -------
    GPSurface

    Raises
    ------
    ValueError
        For more than two parameters, a bad axis, or no finite trial.
    """
    axes = tuple(axes)
    d = len(axes)
    if d not in (1, 2):
        raise ValueError(f"the surrogate is drawn for one or two parameters, not {d}")
    for axis in axes:
        check_axis(axis)
    X = np.asarray(points, dtype=float).reshape(-1, d)
    y = np.asarray(values, dtype=float).ravel()
    keep = np.isfinite(y) & np.all(np.isfinite(X), axis=1)
    X, y = X[keep], y[keep]
    if len(y) == 0:
        raise ValueError("no finite trial to fit the surrogate on")
    unit = np.column_stack([to_unit(X[:, i], axes[i]) for i in range(d)])
    gpr = fit_gp(unit, y, seed=seed)
    m = n_grid or (256 if d == 1 else 64)
    u = np.linspace(0.0, 1.0, m)
    grid = tuple(from_internal(np.linspace(*internal_bounds(a), m), a) for a in axes)
    if d == 1:
        G = u[:, None]
        shape = (m,)
    else:
        uu, vv = np.meshgrid(u, u)  # rows: second axis
        G = np.column_stack([uu.ravel(), vv.ravel()])
        shape = (m, m)
    mean, std = latent_posterior(gpr, G, y)
    best = float(np.min(y))
    ei = expected_improvement(mean, std, best)
    return GPSurface(axes, grid, mean.reshape(shape), std.reshape(shape), ei.reshape(shape),
                     X, y, best, str(gpr.kernel_))
