r"""Damped Newton's method on 2-D points (a lecture form; torch.optim has no counterpart)."""
from __future__ import annotations

from collections.abc import Callable

import torch

from core.optim.textbook_base import TextbookOptimizer, _check


class Newton(TextbookOptimizer):
    r"""Damped Newton's method on 2-D points, one independent row per point.

    .. math::
        w_t = w_{t-1} - \mathrm{lr}\, (H(w_{t-1}) + \lambda I)^{-1} g_t

    Each row of the single (N, 2) parameter is solved on its own with ``torch.linalg.solve_ex``.
    Where the damped Hessian is singular (an exactly zero pivot, :math:`|\det| \le
    \varepsilon_{\mathrm{mach}} \|A\|_F^2`, or a non-finite solution) that row takes a plain gradient
    step :math:`w \leftarrow w - \mathrm{lr}\, g` instead; ``state[p]["fallback"]`` (N,) bool marks
    the rows that did on the last step. Newton heads for the stationary point of the local quadratic,
    so near a saddle or a maximum (indefinite :math:`H`) it walks toward it: that is the lesson.

    Parameters
    ----------
    params : one tensor of shape (N, 2) or (2,)
    lr : float, default 1.0
    damping : float >= 0, default 1e-3
        :math:`\lambda`, added to the Hessian's diagonal.
    hessian_fn : callable
        Maps a (N, 2) tensor to (N, 2, 2) Hessians. Called with grad mode on (it may use autograd)
        on a detached copy of the points.
    """

    def __init__(self, params, lr: float = 1.0, damping: float = 1e-3, *,
                 hessian_fn: Callable[[torch.Tensor], torch.Tensor]):
        _check("learning rate", lr, 0.0)
        _check("damping value", damping, 0.0)
        if not callable(hessian_fn):
            raise ValueError(f"newton needs hessian_fn: a callable mapping (N, 2) points to (N, 2, 2) Hessians, "
                             f"got {hessian_fn!r}")
        super().__init__(params, dict(lr=lr, damping=damping))
        tensors = [p for g in self.param_groups for p in g["params"]]
        shape = tuple(tensors[0].shape) if len(tensors) == 1 else None
        if shape is None or not (shape == (2,) or (len(shape) == 2 and shape[1] == 2)):
            got = [tuple(t.shape) for t in tensors]
            raise ValueError(f"newton works on 2D surfaces only: pass one tensor of shape (N, 2) or (2,), got {got}")
        self.hessian_fn = hessian_fn

    def update(self, p, grad, group, state):
        w = p.detach().reshape(-1, 2)  # (N, 2)
        g = grad.reshape(-1, 2)  # (N, 2)
        with torch.enable_grad():  # hessian_fn may differentiate twice through autograd
            H = self.hessian_fn(w.clone())
        H = H.detach().to(w.dtype)
        if H.shape != (w.shape[0], 2, 2):
            raise ValueError(f"newton: hessian_fn must return shape ({w.shape[0]}, 2, 2), got {tuple(H.shape)}")
        A = H + group["damping"] * torch.eye(2, dtype=w.dtype, device=w.device)  # (N, 2, 2)
        d, info = torch.linalg.solve_ex(A, g.unsqueeze(-1))
        d = d.squeeze(-1)  # (N, 2)
        tiny = torch.finfo(w.dtype).eps * A.square().sum((-2, -1))
        bad = (info != 0) | (torch.linalg.det(A).abs() <= tiny) | ~torch.isfinite(d).all(-1)  # (N,)
        d = torch.where(bad[:, None], g, d)
        p.add_(d.reshape(p.shape), alpha=-group["lr"])
        state["fallback"] = bad
