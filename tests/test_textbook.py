"""The lecture forms against their formulas (numpy, float64) and against torch.optim under a change of variables."""
from __future__ import annotations

import copy

import numpy as np
import pytest
import torch

from core.optim import make_optimizer, optimizer_info
from core.optim.textbook import AdagradLecture, AdamNoBias, MomentumEMA, NesterovLookahead, Newton, RMSpropLecture

# f(w) = 1/2 w^T A w - b^T w, minimum at A^-1 b; gradient A w - b.
A = np.array([[3.0, 0.5], [0.5, 1.0]])
B = np.array([1.0, -2.0])
W0 = np.array([2.0, 1.5])
STEPS = 50


def grad_np(w):
    return A @ w - B


def loss_t(w):  # w: (2,) or (N, 2) tensor
    At, Bt = torch.tensor(A), torch.tensor(B)
    w2 = w.reshape(-1, 2)
    return (0.5 * ((w2 @ At) * w2).sum(-1) - w2 @ Bt).sum()


def run(opt_factory, steps=STEPS, w0=W0):
    """Step a torch optimizer on the quadratic; returns the iterates (steps+1, 2) and the optimizer."""
    w = torch.tensor(w0, dtype=torch.float64, requires_grad=True)
    opt = opt_factory([w])
    path = [w.detach().clone()]

    def closure():
        opt.zero_grad()
        loss = loss_t(w)
        loss.backward()
        return loss

    for _ in range(steps):
        opt.step(closure)
        path.append(w.detach().clone())
    return torch.stack(path).numpy(), opt, w


def run_np(update, state, steps=STEPS):
    w = W0.copy()
    path = [w.copy()]
    for _ in range(steps):
        w = update(w, state)
        path.append(w.copy())
    return np.array(path)


def test_momentum_ema_formula():
    lr, beta = 0.1, 0.8

    def upd(w, s):
        s["v"] = beta * s["v"] + (1 - beta) * grad_np(w)
        return w - lr * s["v"]

    ref = run_np(upd, {"v": np.zeros(2)})
    got, _, _ = run(lambda p: MomentumEMA(p, lr=lr, momentum=beta))
    np.testing.assert_allclose(got, ref, rtol=0, atol=1e-12)


def test_nesterov_lookahead_formula():
    lr, beta = 0.05, 0.9

    def upd(w, s):
        s["v"] = beta * s["v"] - lr * grad_np(w + beta * s["v"])
        return w + s["v"]

    ref = run_np(upd, {"v": np.zeros(2)})
    got, _, _ = run(lambda p: NesterovLookahead(p, lr=lr, momentum=beta))
    np.testing.assert_allclose(got, ref, rtol=0, atol=1e-12)


def test_rmsprop_lecture_formula():
    lr, rho, eps = 0.05, 0.9, 1e-10

    def upd(w, s):
        g = grad_np(w)
        s["s"] = rho * s["s"] + (1 - rho) * g * g
        return w - lr * g / np.sqrt(s["s"] + eps)

    ref = run_np(upd, {"s": np.zeros(2)})
    got, _, _ = run(lambda p: RMSpropLecture(p, lr=lr, alpha=rho, eps=eps))
    np.testing.assert_allclose(got, ref, rtol=0, atol=1e-12)


def test_adagrad_lecture_formula():
    lr, eps = 0.3, 1e-10

    def upd(w, s):
        g = grad_np(w)
        s["G"] = s["G"] + g * g
        return w - lr * g / np.sqrt(s["G"] + eps)

    ref = run_np(upd, {"G": np.zeros(2)})
    got, _, _ = run(lambda p: AdagradLecture(p, lr=lr, eps=eps))
    np.testing.assert_allclose(got, ref, rtol=0, atol=1e-12)


def test_adam_nobias_formula():
    lr, b1, b2, eps = 0.05, 0.9, 0.99, 1e-8

    def upd(w, s):
        g = grad_np(w)
        s["m"] = b1 * s["m"] + (1 - b1) * g
        s["s"] = b2 * s["s"] + (1 - b2) * g * g
        return w - lr * s["m"] / (np.sqrt(s["s"]) + eps)

    ref = run_np(upd, {"m": np.zeros(2), "s": np.zeros(2)})
    got, _, _ = run(lambda p: AdamNoBias(p, lr=lr, betas=(b1, b2), eps=eps))
    np.testing.assert_allclose(got, ref, rtol=0, atol=1e-12)


def test_newton_formula_damped_partial_steps():
    lr, damping = 0.5, 0.1

    def upd(w, s):
        return w - lr * np.linalg.solve(A + damping * np.eye(2), grad_np(w))

    ref = run_np(upd, {})
    got, _, _ = run(lambda p: Newton(p, lr=lr, damping=damping, hessian_fn=_const_hessian))
    np.testing.assert_allclose(got, ref, rtol=0, atol=1e-12)


# ---- change-of-variables equivalences with torch.optim ------------------------------------------

def test_momentum_ema_is_sgd_with_scaled_lr():
    lr, beta = 0.1, 0.9
    ema, _, _ = run(lambda p: MomentumEMA(p, lr=lr, momentum=beta), steps=200)
    sgd, _, _ = run(lambda p: torch.optim.SGD(p, lr=lr * (1 - beta), momentum=beta), steps=200)
    np.testing.assert_allclose(ema, sgd, rtol=0, atol=1e-9)


def test_nesterov_lookahead_is_torch_nesterov_at_the_lookahead_point():
    # With p = w + beta*v and b = -v/lr:  b' = beta*b + grad(p), p' = p - lr*(grad(p) + beta*b')
    # is exactly v' = beta*v - lr*grad(w + beta*v), w' = w + v'  (p' = w' + beta*v').
    lr, beta = 0.05, 0.9
    w = torch.tensor(W0, dtype=torch.float64, requires_grad=True)
    opt = NesterovLookahead([w], lr=lr, momentum=beta)

    def closure():
        opt.zero_grad()
        loss = loss_t(w)
        loss.backward()
        return loss

    lookahead = [W0.copy()]  # w_0 + beta*v_0 with v_0 = 0
    for _ in range(100):
        opt.step(closure)
        lookahead.append(w.detach().numpy() + beta * opt.state[w]["velocity"].numpy())
    sgd, sopt, sw = run(lambda p: torch.optim.SGD(p, lr=lr, momentum=beta, nesterov=True), steps=100)
    np.testing.assert_allclose(sgd, np.array(lookahead), rtol=0, atol=1e-9)
    np.testing.assert_allclose(sopt.state[sw]["momentum_buffer"].numpy(),
                               -opt.state[w]["velocity"].numpy() / lr, rtol=1e-9, atol=1e-12)


def test_rmsprop_lecture_equals_torch_with_eps_zero_and_differs_otherwise():
    kw = dict(lr=0.05, alpha=0.9)
    ours, _, _ = run(lambda p: RMSpropLecture(p, eps=0.0, **kw))
    ref, _, _ = run(lambda p: torch.optim.RMSprop(p, eps=0.0, **kw))
    np.testing.assert_array_equal(ours, ref)
    ours, _, _ = run(lambda p: RMSpropLecture(p, eps=1e-2, **kw))
    ref, _, _ = run(lambda p: torch.optim.RMSprop(p, eps=1e-2, **kw))
    assert np.abs(ours - ref).max() > 1e-6  # eps inside vs outside the root


def test_adagrad_lecture_equals_torch_with_eps_zero():
    ours, _, _ = run(lambda p: AdagradLecture(p, lr=0.3, eps=0.0))
    ref, _, _ = run(lambda p: torch.optim.Adagrad(p, lr=0.3, eps=0.0))
    np.testing.assert_array_equal(ours, ref)


def test_adam_nobias_first_step_exactly():
    lr, b1, b2, eps = 0.01, 0.9, 0.999, 1e-8
    g = grad_np(W0)
    ours, _, _ = run(lambda p: AdamNoBias(p, lr=lr, betas=(b1, b2), eps=eps), steps=1)
    expect = W0 - lr * (1 - b1) * g / (np.sqrt(1 - b2) * np.abs(g) + eps)
    np.testing.assert_allclose(ours[1], expect, rtol=0, atol=1e-15)
    # With eps = 0 the uncorrected first step is (1-b1)/sqrt(1-b2) times Adam's (which is lr*sign(g)).
    ours, _, _ = run(lambda p: AdamNoBias(p, lr=lr, betas=(b1, b2), eps=0.0), steps=1)
    adam, _, _ = run(lambda p: torch.optim.Adam(p, lr=lr, betas=(b1, b2), eps=0.0), steps=1)
    np.testing.assert_allclose(ours[1] - W0, (adam[1] - W0) * (1 - b1) / np.sqrt(1 - b2), rtol=1e-14)


def test_adam_nobias_differs_from_adam_only_by_bias_correction():
    # A linear loss c.w has the same gradient everywhere, so both see the same gradients and keep the
    # same moments; the step ratio is then exactly (1-b1^t)/sqrt(1-b2^t), which tends to 1.
    lr, b1, b2 = 0.01, 0.9, 0.99
    c = torch.tensor([0.7, -1.3], dtype=torch.float64)
    wa = torch.zeros(2, dtype=torch.float64, requires_grad=True)
    wb = torch.zeros(2, dtype=torch.float64, requires_grad=True)
    ours = AdamNoBias([wa], lr=lr, betas=(b1, b2), eps=0.0)
    adam = torch.optim.Adam([wb], lr=lr, betas=(b1, b2), eps=0.0)
    for t in range(1, 2001):
        before_a, before_b = wa.detach().clone(), wb.detach().clone()
        for opt, w in ((ours, wa), (adam, wb)):
            opt.zero_grad()
            (c @ w).backward()
            opt.step()
        ratio = ((wa.detach() - before_a) / (wb.detach() - before_b)).numpy()
        np.testing.assert_allclose(ratio, (1 - b1 ** t) / np.sqrt(1 - b2 ** t), rtol=1e-12)
    np.testing.assert_allclose(ratio, 1.0, atol=1e-8)
    np.testing.assert_allclose(ours.state[wa]["exp_avg"], adam.state[wb]["exp_avg"], rtol=1e-12)
    np.testing.assert_allclose(ours.state[wa]["exp_avg_sq"], adam.state[wb]["exp_avg_sq"], rtol=1e-12)


# ---- Newton ------------------------------------------------------------------------------------

def _const_hessian(w):  # (N, 2) -> (N, 2, 2)
    return torch.tensor(A).expand(w.shape[0], 2, 2)


def test_newton_lands_on_the_minimum_in_one_step_rows_independent():
    starts = torch.tensor([[2.0, 1.5], [-3.0, 4.0], [0.0, 0.0]], dtype=torch.float64, requires_grad=True)
    opt = make_optimizer("newton", [starts], lr=1.0, damping=0.0, hessian_fn=_const_hessian)
    loss_t(starts).backward()
    opt.step()
    np.testing.assert_allclose(starts.detach().numpy(), np.tile(np.linalg.solve(A, B), (3, 1)), atol=1e-12)
    assert not opt.state[starts]["fallback"].any()


def test_newton_with_an_autograd_hessian_fn():
    # hessian_fn is called with grad mode on, so a Hessian built by autograd works inside step().
    def hess(w):
        w = w.detach().requires_grad_(True)
        g = torch.autograd.grad(loss_t(w), w, create_graph=True)[0]  # (N, 2)
        rows = [torch.autograd.grad(g[:, i].sum(), w, retain_graph=True)[0] for i in range(2)]
        return torch.stack(rows, dim=1)  # (N, 2, 2)

    w = torch.tensor(W0, dtype=torch.float64, requires_grad=True)  # (2,) is accepted too
    opt = Newton([w], lr=1.0, damping=0.0, hessian_fn=hess)
    loss_t(w).backward()
    opt.step()
    np.testing.assert_allclose(w.detach().numpy(), np.linalg.solve(A, B), atol=1e-12)


def test_newton_singular_row_falls_back_to_a_gradient_step():
    def hess(w):  # row 0 singular (zero matrix), row 1 fine
        H = torch.tensor(A).repeat(w.shape[0], 1, 1)
        H[0] = 0.0
        return H

    w = torch.tensor([[2.0, 1.5], [2.0, 1.5]], dtype=torch.float64, requires_grad=True)
    opt = Newton([w], lr=0.1, damping=0.0, hessian_fn=hess)
    loss_t(w).backward()
    g = w.grad.clone()
    opt.step()
    np.testing.assert_allclose(w[0].detach().numpy(), W0 - 0.1 * g[0].numpy(), atol=1e-15)
    np.testing.assert_allclose(w[1].detach().numpy(), W0 - 0.1 * np.linalg.solve(A, g[1].numpy()), atol=1e-14)
    assert opt.state[w]["fallback"].tolist() == [True, False]


@pytest.mark.parametrize("params", [
    [torch.zeros(3, dtype=torch.float64)],
    [torch.zeros(4, 3, dtype=torch.float64)],
    [torch.zeros(2, dtype=torch.float64), torch.zeros(2, dtype=torch.float64)],
])
def test_newton_refuses_anything_but_one_2d_point_tensor(params):
    with pytest.raises(ValueError, match="newton works on 2D surfaces only"):
        Newton(params, hessian_fn=_const_hessian)


# ---- torch.optim conventions -------------------------------------------------------------------

FACTORIES = {
    "momentum-ema": lambda p: MomentumEMA(p, lr=0.1, momentum=0.9),
    "nesterov-lookahead": lambda p: NesterovLookahead(p, lr=0.05, momentum=0.9),
    "rmsprop-lecture": lambda p: RMSpropLecture(p, lr=0.05),
    "adagrad-lecture": lambda p: AdagradLecture(p, lr=0.3),
    "adam-nobias": lambda p: AdamNoBias(p, lr=0.05),
    "newton": lambda p: Newton(p, lr=0.5, damping=0.1, hessian_fn=_const_hessian),
}


@pytest.mark.parametrize("name", list(FACTORIES))
def test_one_base_step_for_all_six(name):
    """All six step through TextbookOptimizer: a parameter without .grad stays put, step hooks run once per step."""
    from core.optim.textbook_base import TextbookOptimizer

    w = torch.tensor(W0, dtype=torch.float64, requires_grad=True)
    idle = torch.tensor([0.3, -0.4], dtype=torch.float64, requires_grad=True)  # never gets a gradient
    opt = FACTORIES[name]([w] if name == "newton" else [w, idle])  # newton takes one 2-D point tensor only
    assert isinstance(opt, TextbookOptimizer)
    calls = []
    opt.register_step_pre_hook(lambda *_: calls.append("pre"))
    opt.register_step_post_hook(lambda *_: calls.append("post"))

    def closure():
        opt.zero_grad()
        loss = loss_t(w)
        loss.backward()
        return loss

    for _ in range(3):
        assert torch.isfinite(opt.step(closure))
    assert calls == ["pre", "post"] * 3
    assert not np.array_equal(w.detach().numpy(), W0)
    np.testing.assert_array_equal(idle.detach().numpy(), [0.3, -0.4])


@pytest.mark.parametrize("name", list(FACTORIES))
def test_state_dict_round_trip(name):
    _, opt, w = run(FACTORIES[name], steps=7)
    saved = copy.deepcopy(opt.state_dict())  # state_dict() holds references, as torch.save would not
    w2 = torch.tensor(w.detach().numpy().copy(), requires_grad=True)
    opt2 = FACTORIES[name]([w2])
    opt2.load_state_dict(saved)
    for o, p in ((opt, w), (opt2, w2)):
        for _ in range(5):
            def closure(o=o, p=p):
                o.zero_grad()
                loss = loss_t(p)
                loss.backward()
                return loss
            o.step(closure)
    np.testing.assert_array_equal(w.detach().numpy(), w2.detach().numpy())
    assert opt2.state_dict()["param_groups"] == opt.state_dict()["param_groups"]


@pytest.mark.parametrize("cls,kwargs,match", [
    (MomentumEMA, dict(lr=-1.0), "learning rate"),
    (MomentumEMA, dict(momentum=1.0), "momentum"),
    (NesterovLookahead, dict(momentum=float("nan")), "momentum"),
    (RMSpropLecture, dict(alpha=1.5), "alpha"),
    (RMSpropLecture, dict(eps=-1e-3), "epsilon"),
    (AdagradLecture, dict(eps=float("inf")), "epsilon"),
    (AdamNoBias, dict(betas=(0.9, 1.0)), "beta parameter at index 1"),
    (AdamNoBias, dict(betas=0.9), "betas"),
    (Newton, dict(damping=-1.0, hessian_fn=_const_hessian), "damping"),
    (Newton, dict(hessian_fn=None), "hessian_fn"),
])
def test_constructor_rejects_bad_hyperparameters(cls, kwargs, match):
    w = torch.zeros(2, dtype=torch.float64, requires_grad=True)
    with pytest.raises(ValueError, match=match):
        cls([w], **kwargs)


def test_nesterov_lookahead_needs_a_closure():
    w = torch.zeros(2, dtype=torch.float64, requires_grad=True)
    opt = NesterovLookahead([w])
    with pytest.raises(ValueError, match="closure"):
        opt.step()


def test_registry_metadata_of_textbook_forms():
    nearest = {"momentum-ema": "sgd", "nesterov-lookahead": "sgd", "rmsprop-lecture": "rmsprop",
               "adagrad-lecture": "adagrad", "adam-nobias": "adam", "newton": None}
    for name, near in nearest.items():
        info = optimizer_info(name)
        assert info.textbook and info.nearest_torch == near
        assert info.rule_lecture and info.rule_torch and info.symbols
    assert optimizer_info("rmsprop-lecture").hparams["alpha"].default == 0.9
    assert optimizer_info("rmsprop-lecture").hparams["eps"].default == 1e-10
    assert optimizer_info("nesterov-lookahead").needs_closure
    assert optimizer_info("newton").needs_hessian
