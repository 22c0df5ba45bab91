"""Curvature maths: eigen-verdicts, condition number, best rates, and measured vs predicted rates."""
from __future__ import annotations

import math

import numpy as np
import pytest

from core.trajectories import (
    best_gd_lr,
    best_gd_rate,
    best_heavy_ball,
    curvature_report,
    gd_rate,
    heavy_ball_rate,
    measured_rate,
)


def _rotated(l1, l2, deg):
    t = math.radians(deg)
    q = np.array([[math.cos(t), -math.sin(t)], [math.sin(t), math.cos(t)]])
    return q @ np.diag([l1, l2]) @ q.T, q


@pytest.mark.parametrize(
    "h, kind, verdict",
    [
        (np.diag([1.0, 100.0]), "bowl", "positive definite: a bowl"),
        (np.diag([2.0, -2.0]), "saddle", "indefinite: a saddle"),
        (np.diag([-1.0, -3.0]), "hilltop", "negative definite: a hilltop"),
        (np.diag([0.0, 5.0]), "flat", "degenerate/flat"),
        (np.zeros((2, 2)), "flat", "degenerate/flat"),
    ],
)
def test_verdicts(h, kind, verdict):
    r = curvature_report(h)
    assert r.kind == kind
    assert r.verdict == verdict
    assert (r.condition_number is not None) == (kind == "bowl")


def test_eigen_directions_and_condition_number_of_rotated_valley():
    h, q = _rotated(1.0, 100.0, 30.0)
    r = curvature_report(h)
    np.testing.assert_allclose(r.eigenvalues, [1.0, 100.0])
    assert r.condition_number == pytest.approx(100.0)
    # Eigenvector columns match the rotation's columns up to sign.
    for i in range(2):
        assert abs(float(r.eigenvectors[:, i] @ q[:, i])) == pytest.approx(1.0)
    # A numerically asymmetric Hessian is symmetrised.
    r2 = curvature_report(h + np.array([[0, 1e-12], [0, 0]]))
    np.testing.assert_allclose(r2.eigenvalues, [1.0, 100.0])


def test_bad_input():
    with pytest.raises(ValueError):
        curvature_report(np.eye(3))
    with pytest.raises(ValueError):
        curvature_report([[np.nan, 0], [0, 1]])
    with pytest.raises(ValueError):
        best_gd_lr([-1.0, 2.0])


def test_known_values():
    eigs = [1.0, 100.0]
    assert best_gd_lr(eigs) == pytest.approx(2 / 101)
    assert best_gd_rate(eigs) == pytest.approx(99 / 101)
    assert gd_rate(2 / 101, eigs) == pytest.approx(99 / 101)
    assert gd_rate(0.01, eigs) == pytest.approx(0.99)
    assert gd_rate(0.03, eigs) == pytest.approx(2.0)  # beyond 2/lambda_max: diverges
    hb = best_heavy_ball(eigs)
    assert hb.lr == pytest.approx(4 / 121)
    assert hb.momentum == pytest.approx((9 / 11) ** 2)
    assert hb.rate == pytest.approx(9 / 11)
    # The companion-matrix rate agrees with the closed forms.
    assert heavy_ball_rate(hb.lr, hb.momentum, eigs) == pytest.approx(9 / 11, rel=1e-6)
    assert heavy_ball_rate(0.01, 0.0, eigs) == pytest.approx(gd_rate(0.01, eigs))


def _run_heavy_ball(h, lr, mom, w0, steps):
    w, prev = np.array(w0, float), np.array(w0, float)
    losses = []
    for _ in range(steps + 1):
        losses.append(0.5 * w @ h @ w)
        w, prev = w - lr * (h @ w) + mom * (w - prev), w
    return np.array(losses)


@pytest.mark.parametrize("lr_kind", ["best", "small"])
def test_measured_rate_matches_gd_theory(lr_kind):
    h, _ = _rotated(1.0, 20.0, 30.0)
    eigs = np.linalg.eigvalsh(h)
    lr = best_gd_lr(eigs) if lr_kind == "best" else 0.02
    loss = _run_heavy_ball(h, lr, 0.0, [1.0, 1.0], 400)
    assert measured_rate(loss) == pytest.approx(gd_rate(lr, eigs), abs=2e-3)


def test_measured_rate_matches_heavy_ball_theory():
    h, _ = _rotated(1.0, 50.0, 10.0)
    eigs = np.linalg.eigvalsh(h)
    lr, mom = 0.02, 0.7
    loss = _run_heavy_ball(h, lr, mom, [1.0, -0.5], 600)
    assert measured_rate(loss) == pytest.approx(heavy_ball_rate(lr, mom, eigs), abs=5e-3)


def test_measured_rate_edge_cases():
    assert math.isnan(measured_rate([1.0, 0.5]))
    assert math.isnan(measured_rate([0.0, 0.0, 0.0]))
    # Stops at exact convergence and at divergence instead of returning nonsense.
    r = measured_rate([1.0, 0.25, 0.0625, 0.015625, 0.0, 0.0])
    assert r == pytest.approx(0.5)
    r = measured_rate([1.0, 4.0, 16.0, 64.0, np.inf])
    assert r == pytest.approx(2.0)
    # f_min is subtracted.
    r = measured_rate(3.0 + 0.81 ** np.arange(50), f_min=3.0)
    assert r == pytest.approx(0.9)


# -- the panel, on real surfaces ---------------------------------------------------------------
def test_panel_on_valley_predicts_and_measures_gd_rate(qtbot):
    from core.surfaces import get_surface
    from core.trajectories import Racer, run_trajectory
    from widgets.curvature_panel import CurvaturePanel

    s = get_surface("valley:kappa=20,angle=30")
    p = CurvaturePanel()
    qtbot.addWidget(p)
    p.set_point(s, 1.0, 0.5)
    assert p.quadratic
    assert p.report.kind == "bowl" and p.report.condition_number == pytest.approx(20.0, rel=1e-6)
    text = p.text()
    assert "positive definite: a bowl" in text and "best GD lr" in text
    eigs = p.report.eigenvalues
    lr = 0.5 * best_gd_lr(eigs)
    traj = run_trajectory(s, Racer("sgd", dict(lr=lr)), s.start, 300)
    measured = p.set_measured("sgd", traj.loss, lr=lr)
    assert measured == pytest.approx(p.predicted_rate(lr), abs=2e-3)
    segs = p.eigen_segments()
    assert len(segs) == 2
    for (seg, _color, _label), i in zip(segs, range(2)):
        d = seg[1] - seg[0]
        assert abs(float(d @ p.report.eigenvectors[:, i])) == pytest.approx(np.linalg.norm(d))
        np.testing.assert_allclose(seg.mean(axis=0), [1.0, 0.5])


def test_panel_verdicts_on_saddle_and_himmelblau(qtbot):
    from core.surfaces import get_surface
    from widgets.curvature_panel import CurvaturePanel

    p = CurvaturePanel()
    qtbot.addWidget(p)
    s = get_surface("saddle")
    p.set_point(s, *s.saddles[0])
    assert p.report.kind == "saddle" and "indefinite: a saddle" in p.text()
    h = get_surface("himmelblau")
    p.set_point(h, 3.0, 2.0)
    assert not p.quadratic and p.report.kind == "bowl"
    assert "best GD lr" not in p.text()
    p.set_point(h, -0.270845, -0.923039)  # Himmelblau's local maximum
    assert p.report.kind == "hilltop"
