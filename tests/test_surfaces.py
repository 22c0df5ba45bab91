"""core.surfaces: registry, spec parsing, gradients, Hessians, critical points, grids, data surface."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from core.surfaces import get_surface, list_surfaces, parse_spec, surface_params

F64 = torch.float64
REQUIRED = {"bowl", "valley", "rosenbrock", "saddle", "monkey", "plateau", "beale", "himmelblau",
            "rastrigin", "ackley", "camel", "decoy", "data"}
NAMES = [name for name, _ in list_surfaces()]
# Every built-in at its defaults, plus parameter settings that move things around.
SPECS = NAMES + ["valley:kappa=100,angle=30", "valley:kappa=1000,angle=-75", "rosenbrock:a=-1.5,b=10",
                 "plateau:width=0.2,tilt=0.05", "data:normalize=1", "data:n=7,noise=2,xmean=-4,xstd=3,seed=5",
                 "formula:sin(x)*cos(y) + 0.1*(x^2 + y^2)"]


def _points(surface, n=6, seed=0):
    """Seeded points in the middle 80% of the view, plus the start."""
    rng = np.random.default_rng(seed)
    x0, x1, y0, y1 = surface.domain
    u = rng.uniform(0.1, 0.9, size=(n, 2))
    pts = np.column_stack([x0 + u[:, 0] * (x1 - x0), y0 + u[:, 1] * (y1 - y0)])
    return torch.tensor(np.vstack([pts, surface.start]), dtype=F64)


def _fd_grad(surface, xy, h=1e-5):
    cols = []
    for k in range(2):
        e = torch.zeros(2, dtype=F64)
        e[k] = h
        cols.append((surface.f(xy + e) - surface.f(xy - e)) / (2 * h))
    return torch.stack(cols, dim=1)


def _fd_hessian(surface, xy, h=1e-5):
    rows = []
    for k in range(2):
        e = torch.zeros(2, dtype=F64)
        e[k] = h
        rows.append((surface.value_and_grad(xy + e)[1] - surface.value_and_grad(xy - e)[1]) / (2 * h))
    return torch.stack(rows, dim=1)  # H[:, k, :] = d grad / d x_k


def test_required_surfaces_are_listed_with_descriptions():
    assert REQUIRED <= set(NAMES)
    for name, desc in list_surfaces():
        assert desc and "\n" not in desc
        s = get_surface(name)
        assert s.name == name and s.lesson.endswith(".") and "\n" not in s.lesson


@pytest.mark.parametrize("spec", SPECS)
def test_spec_round_trip_and_params(spec):
    s = get_surface(spec)
    assert get_surface(s.spec).spec == s.spec
    if s.name != "formula":
        specs = surface_params(s.name)
        assert set(s.params) == set(specs)
        for key, p in specs.items():
            assert p.low <= p.default <= p.high and p.help
            assert get_surface(s.name).params[key] == p.default


@pytest.mark.parametrize("spec", SPECS)
def test_gradient_closed_form_autograd_and_finite_differences_agree(spec):
    s = get_surface(spec)
    xy = _points(s)
    value, grad = s.value_and_grad(xy)
    value_ad, grad_ad = s.value_and_grad_autograd(xy)
    assert value.shape == (len(xy),) and grad.shape == (len(xy), 2) and grad.dtype == F64
    torch.testing.assert_close(value, s.f(xy), rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(value_ad, value, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(grad_ad, grad, rtol=1e-9, atol=1e-9)
    scale = 1.0 + value.abs().max().item()
    torch.testing.assert_close(_fd_grad(s, xy), grad, rtol=1e-6, atol=1e-6 * scale)


@pytest.mark.parametrize("spec", SPECS)
def test_hessian_matches_finite_differences_of_gradient(spec):
    s = get_surface(spec)
    xy = _points(s, seed=1)
    hess = s.hessian(xy)
    assert hess.shape == (len(xy), 2, 2)
    torch.testing.assert_close(hess, hess.transpose(1, 2), rtol=1e-9, atol=1e-9)
    scale = 1.0 + hess.abs().max().item()
    torch.testing.assert_close(_fd_hessian(s, xy), hess, rtol=1e-5, atol=1e-5 * scale)


@pytest.mark.parametrize("spec", SPECS)
def test_listed_minima_and_saddles(spec):
    s = get_surface(spec)
    if s.minima:
        m = torch.tensor(s.minima, dtype=F64)
        value, grad = s.value_and_grad(m)
        assert grad.abs().max() < 1e-8
        assert (torch.linalg.eigvalsh(s.hessian(m))[:, 0] > 0).all()
        assert value[0].item() == pytest.approx(s.f_min, abs=1e-12)
        assert value[0] <= value.min() + 1e-12, "global minimum must come first"
    if s.saddles:
        p = torch.tensor(s.saddles, dtype=F64)
        assert s.value_and_grad(p)[1].abs().max() < 1e-8
        eig = torch.linalg.eigvalsh(s.hessian(p))
        if s.name == "monkey":  # degenerate saddle: zero Hessian, downhill only at third order
            assert eig.abs().max() < 1e-12
            ring = 1e-2 * torch.tensor([[math.cos(t), math.sin(t)] for t in np.linspace(0, 6.28, 12)])
            vals = s.f(ring)
            assert (vals < 0).any() and (vals > 0).any()
        else:
            assert ((eig[:, 0] < 0) & (eig[:, 1] > 0)).all()


@pytest.mark.parametrize("spec", SPECS)
def test_domain_contains_minima_and_start(spec):
    s = get_surface(spec)
    x0, x1, y0, y1 = s.domain
    assert x0 < x1 and y0 < y1
    for x, y in list(s.minima) + list(s.saddles) + [s.start]:
        assert x0 <= x <= x1 and y0 <= y <= y1


def test_named_minima_counts_and_values():
    h = get_surface("himmelblau")
    assert len(h.minima) == 4 and h.minima[0] == (3.0, 2.0)
    assert h.f(torch.tensor(h.minima, dtype=F64)).abs().max() < 1e-20
    c = get_surface("camel")
    assert len(c.minima) == 6
    vals = c.f(torch.tensor(c.minima, dtype=F64))
    assert vals[0].item() == pytest.approx(-1.0316284534898774) and vals[1].item() == pytest.approx(vals[0].item())
    assert get_surface("saddle").saddles == [(0.0, 0.0)] and len(get_surface("monkey").minima) == 3
    r = get_surface("rastrigin")
    assert len(r.minima) == 121 and r.minima[0] == (0.0, 0.0)
    assert len(get_surface("ackley").minima) > 1 and get_surface("ackley").minima[0] == (0.0, 0.0)
    d = get_surface("decoy")
    assert len(d.minima) == 2 and d.f(torch.tensor(d.minima, dtype=F64)).diff().item() > 0.3  # decoy is shallower


@pytest.mark.parametrize("kappa,angle", [(1, 0), (10, 0), (100, 30), (1000, -75), (37.5, 90)])
def test_valley_condition_number_is_kappa(kappa, angle):
    s = get_surface(f"valley:kappa={kappa},angle={angle}")
    eig = torch.linalg.eigvalsh(s.hessian(_points(s)))
    torch.testing.assert_close(eig, torch.tensor([[1.0, float(kappa)]], dtype=F64).expand_as(eig))
    # The steep direction (eigenvalue kappa) is the y axis rotated by angle.
    t = math.radians(angle)
    steep = torch.tensor([[-math.sin(t), math.cos(t)]], dtype=F64)
    assert s.value_and_grad(steep)[0].item() == pytest.approx(0.5 * kappa)


def test_ackley_origin_has_zero_gradient_and_finite_hessian():
    s = get_surface("ackley")
    o = torch.zeros(1, 2, dtype=F64)
    for _, grad in (s.value_and_grad(o), s.value_and_grad_autograd(o)):
        assert torch.equal(grad, torch.zeros(1, 2, dtype=F64))
    assert s.f(o).item() == 0.0
    assert torch.isfinite(s.hessian(o)).all()


def test_grid_is_row_major_and_keeps_non_finite_values():
    s = get_surface("rosenbrock")
    xs, ys, z = s.grid(7, 5)
    assert xs.shape == (7,) and ys.shape == (5,) and z.shape == (5, 7)
    assert (xs[0], xs[-1], ys[0], ys[-1]) == s.domain
    j, i = 3, 5
    assert z[j, i] == s.f(torch.tensor([[xs[i], ys[j]]], dtype=F64)).item()
    xs, ys, z = get_surface("formula:1/x").grid(5, 3, domain=(-1, 1, 0, 2))
    assert np.isinf(z[:, 2]).all() and np.isfinite(z[:, [0, 1, 3, 4]]).all()


def test_value_and_grad_accepts_numpy_float32_and_grad_leaves():
    s = get_surface("camel")
    p = torch.tensor([[0.3, -0.2]], dtype=torch.float32, requires_grad=True)
    value, grad = s.value_and_grad(p)
    assert value.dtype == F64 and not value.requires_grad and not grad.requires_grad
    torch.testing.assert_close(s.value_and_grad(np.array([[0.3, -0.2]]))[1], grad, rtol=1e-6, atol=1e-6)
    with pytest.raises(ValueError, match="shape"):
        s.value_and_grad(torch.zeros(3))
    with pytest.raises(ValueError, match="not stochastic"):
        s.value_and_grad(torch.zeros(1, 2), batch=torch.zeros(1, 1, dtype=torch.int64))


@pytest.mark.parametrize("spec,match", [
    ("nosuch", r"unknown surface 'nosuch'; valid: bowl, valley"),
    ("valley:kapa=3", r"unknown parameter 'kapa' for surface 'valley'; valid: kappa in \[1, 1000\], angle"),
    ("valley:kappa=abc", r"'kappa' of surface 'valley' must be a number, got 'abc'"),
    ("valley:kappa=nan", r"must be in \[1, 1000\], got 'nan'"),
    ("valley:kappa=0.5", r"must be in \[1, 1000\], got '0.5'"),
    ("valley:kappa=inf", r"must be in \[1, 1000\]"),
    ("valley:kappa=2,kappa=3", "given twice"),
    ("valley:kappa", "write key=value"),
    ("data:n=10.5", "whole number"),
    ("bowl:a=1", r"unknown parameter 'a' for surface 'bowl'; valid: none"),
    ("formula", "needs an expression"),
    ("formula:x+", "formula ends too early"),
])
def test_bad_specs_raise_one_line_value_errors(spec, match):
    with pytest.raises(ValueError, match=match) as info:
        get_surface(spec)
    assert "\n" not in str(info.value)


def test_parse_spec_and_with_params():
    assert parse_spec(" valley : kappa = 5 , angle=10 ") == ("valley", {"kappa": "5", "angle": "10"})
    assert parse_spec("formula:max(x, y)") == ("formula", {"expr": "max(x, y)"})
    s = get_surface("valley").with_params(kappa=50)
    assert s.spec == "valley:kappa=50,angle=0"
    with pytest.raises(ValueError):
        s.with_params(kappa=5000)
    with pytest.raises(ValueError, match="unknown surface"):
        surface_params("nosuch")


# --- data surface ------------------------------------------------------------------------------

def test_data_full_batch_is_mean_of_per_sample_losses_and_minimum_is_least_squares():
    s = get_surface("data:n=50,seed=3")
    x, y = s.dataset()
    xy = _points(s)
    value, grad = s.value_and_grad(xy)
    w, b = xy[:, :1].numpy(), xy[:, 1:].numpy()
    torch.testing.assert_close(value, torch.from_numpy(((w * x + b - y) ** 2).mean(1)))
    full = torch.arange(s.n_samples).expand(len(xy), -1)
    vb, gb = s.value_and_grad(xy, batch=full)
    torch.testing.assert_close(vb, value)
    torch.testing.assert_close(gb, grad)
    sol = np.linalg.lstsq(np.column_stack([x, np.ones_like(x)]), y, rcond=None)[0]
    np.testing.assert_allclose(s.minima[0], sol, rtol=1e-10)
    assert s.stochastic and s.n_samples == 50


def test_data_minibatch_gradient_is_unbiased():
    s = get_surface("data:n=40,noise=1")
    rows, batches = 20000, torch.Generator().manual_seed(0)
    xy = torch.tensor([[0.5, 1.5]], dtype=F64).expand(rows, 2)
    batch = torch.randint(0, s.n_samples, (rows, 4), generator=batches)
    value, grad = s.value_and_grad(xy, batch=batch)
    full_value, full_grad = s.value_and_grad(xy[:1])
    assert grad.std(0).min() > 0.1  # there is real noise
    se = grad.std(0) / math.sqrt(rows)
    assert ((grad.mean(0) - full_grad[0]).abs() < 5 * se).all()
    assert abs(value.mean() - full_value[0]) < 5 * value.std() / math.sqrt(rows)


def test_data_normalizing_inputs_makes_contours_round():
    def cond(spec):
        s = get_surface(spec)
        eig = torch.linalg.eigvalsh(s.hessian(torch.tensor([s.start], dtype=F64)))[0]
        return (eig[1] / eig[0]).item()

    assert cond("data:xmean=3,normalize=0") > 50
    assert cond("data:xmean=3,normalize=1") == pytest.approx(1.0, abs=1e-9)
    x, _ = get_surface("data:xmean=3,normalize=1").dataset()
    assert abs(x.mean()) < 1e-12 and x.std() == pytest.approx(1.0)


def test_data_is_seeded():
    a, b, c = (get_surface(f"data:seed={k}").dataset() for k in (1, 1, 2))
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    assert not np.array_equal(a[0], c[0])


@pytest.mark.parametrize("batch,match", [
    (torch.zeros(2, 3, dtype=torch.int64), "shape"),
    (torch.zeros(1, 3, dtype=torch.int32), "int64"),
    (torch.full((1, 3), 100, dtype=torch.int64), r"\[0, 100\)"),
])
def test_data_rejects_bad_batches(batch, match):
    with pytest.raises(ValueError, match=match):
        get_surface("data").value_and_grad(torch.zeros(1, 2, dtype=F64), batch=batch)


@pytest.mark.filterwarnings("ignore:`torch.jit.script` is deprecated:DeprecationWarning")  # torch.func internals
@pytest.mark.parametrize("spec", ["rosenbrock", "ackley", "camel", "data:normalize=1",
                                  "formula:softplus(x*y) + sqrt(x^2 + 1)"])
def test_hessian_agrees_with_torch_func(spec):
    s = get_surface(spec)
    xy = _points(s, seed=2)
    ref = torch.func.vmap(torch.func.hessian(lambda p: s._f(p[0], p[1])))(xy)
    torch.testing.assert_close(s.hessian(xy), ref, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("spec,lr", [("saddle", 0.05), ("monkey", 0.01)])
def test_escaping_a_saddle_lands_in_a_listed_well(spec, lr):
    """The quartic bounds the saddles below: gradient descent ends in a well, not at -inf."""
    s = get_surface(spec)
    start = torch.tensor([s.start, (0.5, -0.02), (-0.3, 0.01)], dtype=F64)
    p = start.clone()
    for _ in range(3000):
        p = p - lr * s.value_and_grad(p)[1]
    dist = torch.cdist(p, torch.tensor(s.minima, dtype=F64)).min(1).values
    assert (dist < 1e-6).all()
