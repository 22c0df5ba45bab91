"""The sampler's mind as numbers: the GP refit (mean, std, EI) and TPE's l(x), g(x).

Two tests hold the refits against Optuna's private code (``optuna._gp`` and
``optuna.samplers._tpe.parzen_estimator``): the app does not import those, but when Optuna changes its
model these fail loudly, and the modules' docstrings must be brought up to date.
"""
from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate, stats

from playground.surrogates.gp_refit import (
    REFIT_LABEL, expected_improvement, fit_gp, latent_posterior, log_prior, refit_surrogate)
from playground.surrogates.space import Axis, from_unit, to_unit
from playground.surrogates.tpe_densities import bandwidths, default_gamma, split_good, tpe_densities

LR = Axis(1e-5, 1.0, log=True)


def u_loss(t):
    """The lectures' U-shaped validation loss against t = log10 lr."""
    return (t + 2.0) ** 2 + 0.3 * np.sin(3.0 * t)


def test_unit_map_is_log_scale_and_inverts():
    assert to_unit([1e-5, 1e-3, 1.0], LR) == pytest.approx([0.0, 0.4, 1.0])
    assert from_unit([0.4], LR) == pytest.approx([1e-3])
    lin = Axis(-1.0, 3.0)
    assert to_unit([1.0], lin) == pytest.approx([0.5])


def test_expected_improvement_equals_the_integral():
    # EI = E[max(f* - Y, 0)], Y ~ N(mu, s^2), by quadrature, for a few beliefs
    for mu, s, best in [(0.3, 0.5, 0.0), (-1.0, 0.2, 0.0), (2.0, 1.5, 1.0), (0.0, 1e-3, 0.1)]:
        lo, hi = mu - 12 * s, min(best, mu + 12 * s)  # the belief's mass, below best
        direct, _ = integrate.quad(lambda y: (best - y) * stats.norm.pdf(y, mu, s), lo, hi, epsabs=1e-13)
        assert expected_improvement(mu, s, best) == pytest.approx(direct, rel=1e-6, abs=1e-12)
    assert expected_improvement([1.0, -1.0], [0.0, 0.0], 0.0) == pytest.approx([0.0, 1.0])


def test_log_prior_gradient_matches_finite_differences():
    theta = np.array([0.3, -0.7, 0.4, -4.0])
    _, grad = log_prior(theta)
    eps = 1e-6
    num = [(log_prior(theta + eps * e)[0] - log_prior(theta - eps * e)[0]) / (2 * eps) for e in np.eye(4)]
    assert grad == pytest.approx(num, rel=1e-5)


def test_mean_interpolates_and_std_grows_away_from_the_points():
    t = np.array([-4.5, -3.0, -2.2, -1.5, -0.3])
    s = refit_surrogate(10.0 ** t, u_loss(t), [LR])
    assert s.label == REFIT_LABEL
    grid_t = np.log10(s.grid[0])
    at = [np.argmin(abs(grid_t - ti)) for ti in t]
    span = np.ptp(u_loss(t))
    # grid points within 0.01 decades of each trial
    assert np.interp(t, grid_t, s.mean) == pytest.approx(u_loss(t), abs=0.05 * span)
    # at a trial only the fitted noise is left (Optuna's noise prior keeps it near 0.003 of var(y))
    assert max(s.std[at]) < 0.08 * np.std(u_loss(t))
    assert max(s.std[at]) < 0.2 * max(s.std)
    # the middle of the widest gap (-4.5 .. -3.0) is uncertain
    far = np.argmin(abs(grid_t + 3.75))
    assert s.std[far] > 2.5 * max(s.std[at])
    assert s.best == pytest.approx(min(u_loss(t)))
    assert np.all(s.ei >= 0)


def test_latent_mean_equals_sklearn_prediction():
    rng = np.random.default_rng(1)
    X, y = rng.random((12, 2)), rng.normal(size=12)
    gpr = fit_gp(X, y)
    G = rng.random((30, 2))
    mean, std = latent_posterior(gpr, G, y)
    sk_mean, sk_std = gpr.predict(G, return_std=True)
    assert mean == pytest.approx(sk_mean, abs=1e-8)
    assert np.all(std <= sk_std + 1e-12)  # sklearn's std includes the observation noise


def test_two_parameters_give_row_major_maps():
    rng = np.random.default_rng(2)
    pts = np.column_stack([rng.uniform(0, 1, 15), 10 ** rng.uniform(-4, -1, 15)])
    vals = 3 * pts[:, 0] + np.log10(pts[:, 1])  # rises across x, and along y
    s = refit_surrogate(pts, vals, [Axis(0, 1), Axis(1e-4, 1e-1, log=True)], n_grid=20)
    assert s.mean.shape == s.std.shape == s.ei.shape == (20, 20)
    assert s.mean[10, -1] > s.mean[10, 0] + 1.0  # across a row: the first parameter
    assert s.mean[-1, 10] > s.mean[0, 10] + 1.0  # down a column: the second
    assert s.cell_edges(1) == pytest.approx((-4 - 3 / 38, -1 + 3 / 38))


def test_bad_input_raises():
    with pytest.raises(ValueError, match="one or two"):
        refit_surrogate(np.zeros((3, 3)), np.zeros(3), [Axis(0, 1)] * 3)
    with pytest.raises(ValueError, match="no finite"):
        refit_surrogate([0.5], [np.nan], [Axis(0, 1)])
    with pytest.raises(ValueError, match="low > 0"):
        refit_surrogate([0.5], [1.0], [Axis(0, 1, log=True)])


def test_refit_kernel_matches_optunas_own_fit():
    """Same MAP objective as optuna._gp: the fitted length scale and kernel scale agree."""
    torch = pytest.importorskip("torch")
    from optuna._gp import gp as optuna_gp
    from optuna._gp import prior as optuna_prior

    t = np.array([-4.2, -0.7, -2.5, -1.6, -3.1, -2.1, -1.9, -2.3])
    y = u_loss(t)
    X = to_unit(10.0 ** t, LR)[:, None]
    ys = (y - y.mean()) / y.std()
    theirs = optuna_gp.fit_kernel_params(
        X=X, Y=-ys, is_categorical=np.array([False]), log_prior=optuna_prior.default_log_prior,
        minimum_noise=optuna_prior.DEFAULT_MINIMUM_NOISE_VAR, deterministic_objective=False)
    ours = fit_gp(X, y).kernel_
    assert ours.k1.k2.length_scale == pytest.approx(float(theirs.length_scales[0]), rel=0.05)
    assert ours.k1.k1.constant_value == pytest.approx(float(theirs.kernel_scale), rel=0.05)
    their_mean, _ = theirs.posterior(torch.from_numpy(np.linspace(0, 1, 50)[:, None]))
    our_mean, _ = latent_posterior(fit_gp(X, y), np.linspace(0, 1, 50)[:, None], y)
    # Optuna models -standardized y
    assert our_mean == pytest.approx(-their_mean.numpy() * y.std() + y.mean(), abs=0.02 * np.ptp(y))


def test_gamma_and_split():
    assert [default_gamma(n) for n in (1, 10, 11, 100, 1000)] == [1, 1, 2, 10, 25]
    good = split_good([5.0, 1.0, 3.0, 1.0, 9.0, 7.0, 2.0, 8.0, 6.0, 4.0, 0.5])
    assert np.flatnonzero(good).tolist() == [1, 10]  # the two lowest of 11


def test_bandwidths_follow_the_neighbours():
    sig = bandwidths(np.array([0.2, 0.5, 0.6]), 0.0, 1.0)
    # ends use their inner gap; the middle the larger of its gaps; all clipped below at 1/5
    assert sig == pytest.approx([0.3, 0.3, 0.2])


def test_tpe_densities_integrate_to_one_and_favour_the_good_region():
    rng = np.random.default_rng(3)
    t = rng.uniform(-5, 0, 40)
    d = tpe_densities(10.0 ** t, u_loss(t), LR)
    assert d.active and d.good.sum() == 4
    grid_t = np.log10(d.grid)
    for pdf in (d.good_pdf, d.bad_pdf):
        assert integrate.trapezoid(pdf, grid_t) == pytest.approx(1.0, abs=0.01)
    best_t = grid_t[np.argmax(d.ratio)]
    assert abs(best_t - t[np.argmin(u_loss(t))]) < 0.6
    assert d.ratio == pytest.approx(d.good_pdf / d.bad_pdf)
    few = tpe_densities(10.0 ** t[:5], u_loss(t[:5]), LR)
    assert not few.active and few.good.sum() == 1


def test_tpe_densities_match_optunas_parzen_estimator():
    """Optuna 5.0's private estimator gives the same log l - log g (pyproject should pin optuna < 5.1)."""
    from optuna.distributions import FloatDistribution
    from optuna.samplers._tpe.parzen_estimator import _ParzenEstimator, _ParzenEstimatorParameters
    from optuna.samplers._tpe.sampler import default_gamma as optuna_gamma
    from optuna.samplers._tpe.sampler import default_weights as optuna_weights

    assert all(optuna_gamma(n) == default_gamma(n) for n in range(0, 400))
    rng = np.random.default_rng(4)
    for n in (3, 12, 60):
        lr = 10.0 ** rng.uniform(-5, 0, n)
        y = u_loss(np.log10(lr)) + rng.normal(0, 0.2, n)
        d = tpe_densities(lr, y, LR)
        params = _ParzenEstimatorParameters(prior_weight=1.0, consider_magic_clip=True,
                                            consider_endpoints=False, weights=optuna_weights,
                                            multivariate=True)
        space = {"lr": FloatDistribution(1e-5, 1.0, log=True)}
        est = [_ParzenEstimator({"lr": lr[mask]}, space, params) for mask in (d.good, ~d.good)]
        grid = d.grid[1:-1]  # the very ends can round outside the range
        log_ratio = est[0].log_pdf({"lr": grid}) - est[1].log_pdf({"lr": grid})
        assert np.log(d.ratio[1:-1]) == pytest.approx(log_ratio, abs=1e-8)
        # Optuna's log_pdf is in ln x: ours, per decade, is ln 10 times it
        assert np.log(d.good_pdf[1:-1]) == pytest.approx(est[0].log_pdf({"lr": grid}) + math.log(math.log(10)), abs=1e-8)
