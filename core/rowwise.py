r"""Vectorised optimizer updates with per-row hyperparameters.

torch.optim keeps one value of each hyperparameter per parameter group. A map of N starts where
every row has its own momentum (or lr, betas, eps ...) needs the same update with per-row values:
each hyperparameter here is either a Python scalar or a tensor of shape (N, 1) that broadcasts over
the two coordinates. The updates follow torch's single-tensor code paths operation by operation
(``torch/optim/sgd.py``, ``adam.py``, ``rmsprop.py``, and ``core/textbook.py`` for the lecture
forms), so that row ``i`` equals torch.optim run alone with row ``i``'s values (tested to 1e-9 in
float64; most rows agree bit for bit).

Where torch branches on a hyperparameter (``momentum != 0``, ``nesterov``, ``centered``,
``amsgrad``) both branches are computed and ``torch.where`` picks per row.

Frozen rows: :meth:`RowwiseOptimizer.step` takes ``act`` (N, 1) float64 with 1 for rows that move
and 0 for rows frozen by the engine (converged or diverged). Their state keeps updating (harmless,
rows are independent) but their points do not move: the step is multiplied by ``act``, exactly,
since :math:`x + 0 = x` and :math:`u \cdot 1 = u` in IEEE arithmetic.

Velocity shown by the engine (``velocity`` property), or None:

=====================  ==================================================================
sgd                    ``momentum_buffer`` b (rows with momentum 0: NaN)
adam, adamw            ``exp_avg`` m (first moment, before bias correction)
rmsprop                ``momentum_buffer`` (rows with momentum 0: NaN)
momentum-ema           ``velocity`` v (EMA of gradients)
nesterov-lookahead     ``velocity`` v (a displacement: :math:`w_t = w_{t-1} + v_t`)
adam-nobias            ``exp_avg`` m
rmsprop-lecture, adagrad-lecture, newton: no velocity (None)
=====================  ==================================================================
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

__all__ = ["ROWWISE_OPTIMIZERS", "RowwiseOptimizer", "row_values"]

ROWWISE_OPTIMIZERS = ("sgd", "rmsprop", "adam", "adamw", "momentum-ema", "nesterov-lookahead",
                      "rmsprop-lecture", "adagrad-lecture", "adam-nobias", "newton")

F64 = torch.float64


def row_values(value, n: int):
    """A hyperparameter as a Python scalar (same for all rows) or an (N, 1) tensor.

    Bools become (N, 1) bool tensors; an array whose entries are all equal collapses to a scalar,
    which keeps the common case (one value for all rows) on the fast scalar path.
    """
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, float, np.floating, np.integer)):
        return float(value)
    arr = np.asarray(value)
    if arr.shape != (n,):
        raise ValueError(f"per-row hyperparameter must have shape ({n},), got {arr.shape}")
    if arr.dtype == bool:
        return bool(arr[0]) if arr.all() or not arr.any() else torch.as_tensor(arr).reshape(n, 1)
    arr = arr.astype(np.float64)
    if np.all(arr == arr[0]):
        return float(arr[0])
    return torch.as_tensor(arr).reshape(n, 1).clone()  # (N, 1)


def _any(v) -> bool:
    """True if the hyperparameter is nonzero / True in any row."""
    return bool(v.any()) if isinstance(v, torch.Tensor) else bool(v)


def _pick(cond, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Per-row ``a if cond else b`` (cond scalar or (N, 1) bool)."""
    if isinstance(cond, torch.Tensor):
        return torch.where(cond, a, b)
    return a if cond else b


def _scale(v, act):
    """``v * act`` where act may be None (all rows active)."""
    return v if act is None else act * v


class RowwiseOptimizer:
    r"""One optimizer stepping N independent 2-D points, hyperparameters per row.

    Parameters
    ----------
    name : str
        One of :data:`ROWWISE_OPTIMIZERS`.
    hparams : dict
        The validated full hyperparameter dict (``validate_hparams``) without ``lr``; any value may
        instead be an array of shape (N,) (``betas`` as ``beta1`` / ``beta2`` arrays or an (N, 2)
        array). ``lr`` is given to :meth:`step` every step (the schedule sets it).
    n : int
        Number of rows.
    hessian_fn : callable, optional
        ``newton`` only: (N, 2) -> (N, 2, 2).
    grad_fn : callable, optional
        ``nesterov-lookahead`` only: (N, 2) points -> (N, 2) gradients at those points (the
        engine's closure, including this step's noise).
    """

    def __init__(self, name: str, hparams: dict, n: int, *, hessian_fn: Callable | None = None,
                 grad_fn: Callable | None = None):
        if name not in ROWWISE_OPTIMIZERS:
            raise ValueError(f"no row-wise update for {name!r}; row-wise: {', '.join(ROWWISE_OPTIMIZERS)}")
        self.name, self.n = name, n
        hp = dict(hparams)
        hp.pop("lr", None)
        if "betas" in hp:
            b = hp.pop("betas")
            barr = np.asarray(b, dtype=np.float64)
            if barr.shape == (n, 2):
                hp["beta1"], hp["beta2"] = barr[:, 0], barr[:, 1]
            else:
                hp["beta1"], hp["beta2"] = b
        self.hp = {k: row_values(v, n) for k, v in hp.items()}
        self.hessian_fn, self.grad_fn = hessian_fn, grad_fn
        self.t = 0
        self.state: dict[str, torch.Tensor] = {}
        self._step = getattr(self, "_" + name.replace("-", "_"))

    def reset_rows(self, rows: torch.Tensor) -> None:
        """Zero every state of the rows in ``rows`` (N,) bool (the engine parks diverged rows)."""
        for v in self.state.values():
            v.masked_fill_(rows[:, None], 0.0)

    def _zeros(self, key: str, like: torch.Tensor | None = None) -> torch.Tensor:
        if key not in self.state:
            # same memory layout as the points: mixed layouts make every elementwise op strided
            self.state[key] = torch.zeros_like(like) if like is not None else torch.zeros(self.n, 2, dtype=F64)
        return self.state[key]

    @property
    def velocity(self) -> torch.Tensor | None:
        """The state shown as "velocity" (N, 2), NaN in rows that have none; None if no such state."""
        hp = self.hp
        if self.name in ("sgd", "rmsprop"):
            if not _any(hp["momentum"]) or "momentum_buffer" not in self.state:
                return None if not _any(hp["momentum"]) else torch.zeros(self.n, 2, dtype=F64)
            nan = torch.full((), float("nan"), dtype=F64)
            m = hp["momentum"]
            return _pick(m != 0, self.state["momentum_buffer"], nan) if isinstance(m, torch.Tensor) \
                else self.state["momentum_buffer"]
        key = {"adam": "exp_avg", "adamw": "exp_avg", "adam-nobias": "exp_avg",
               "momentum-ema": "velocity", "nesterov-lookahead": "velocity"}.get(self.name)
        if key is None:
            return None
        return self.state.get(key, torch.zeros(self.n, 2, dtype=F64))

    @torch.no_grad()
    def step(self, x: torch.Tensor, g: torch.Tensor, lr, act: torch.Tensor | None = None) -> torch.Tensor:
        """Update ``x`` (N, 2) in place from gradient ``g`` (N, 2); returns the step taken (N, 2).

        Parameters
        ----------
        x : Tensor (N, 2)
        g : Tensor (N, 2)
            The gradient at ``x`` (ignored by ``nesterov-lookahead``, which calls ``grad_fn``).
        lr : float or Tensor (N, 1)
            The rate for this step.
        act : Tensor (N, 1) float64 of 0/1, optional
            0 freezes a row.
        """
        self.t += 1
        return self._step(x, g, lr, act)

    # ---------------------------------------------------------------- torch.optim forms
    def _sgd(self, x, g, lr, act):
        hp = self.hp
        mom, damp, wd = hp["momentum"], hp["dampening"], hp["weight_decay"]
        if _any(wd):
            g = g + x * wd  # torch: grad.add(param, alpha=wd)
        d = g
        if _any(mom):
            if "momentum_buffer" not in self.state:
                buf = self.state["momentum_buffer"] = g.clone()  # torch: b = g on the first step
            else:
                buf = self.state["momentum_buffer"]
                buf.mul_(mom).add_(g * (1 - damp) if _any(damp) else g)
            d = torch.addcmul(g, buf, mom) if isinstance(mom, torch.Tensor) else g.add(buf, alpha=mom)
            d = _pick(hp["nesterov"], d, buf)
            if isinstance(mom, torch.Tensor):
                d = torch.where(mom != 0, d, g)  # torch skips the buffer when momentum == 0
        u = d * _scale(-lr, act) if isinstance(lr, torch.Tensor) or act is not None else d * (-lr)
        x.add_(u)
        return u

    def _adam_core(self, x, g, lr, act, decoupled: bool):
        hp, t = self.hp, self.t
        b1, b2, eps, wd = hp["beta1"], hp["beta2"], hp["eps"], hp["weight_decay"]
        step = None
        if _any(wd):
            if decoupled:
                shrink = 1 - _scale(lr * wd, act)  # torch: param.mul_(1 - lr*wd)
                x0 = x.clone()
                x.mul_(shrink)
                step = x - x0
            else:
                g = g + x * wd
        m = self._zeros("exp_avg", x)
        v = self._zeros("exp_avg_sq", x)
        m.lerp_(g, 1 - b1)
        v.mul_(b2).addcmul_(g * (1 - b2), g)
        bc1 = 1 - b1 ** t
        bc2 = 1 - b2 ** t
        step_size = lr / bc1
        bc2_sqrt = bc2 ** 0.5
        src = v
        if _any(hp["amsgrad"]):
            vmax = self._zeros("max_exp_avg_sq", x)
            torch.maximum(vmax, v, out=vmax)
            src = _pick(hp["amsgrad"], vmax, v)
        denom = src.sqrt().div_(bc2_sqrt).add_(eps)  # torch: (sqrt(v) / bc2_sqrt).add_(eps)
        # torch: param.addcdiv_(m, denom, value=-step_size), which computes (value * m) / denom
        u = torch.mul(m, _scale(-step_size, act)).div_(denom)
        x.add_(u)
        return u if step is None else u.add_(step)

    def _adam(self, x, g, lr, act):
        return self._adam_core(x, g, lr, act, decoupled=False)

    def _adamw(self, x, g, lr, act):
        return self._adam_core(x, g, lr, act, decoupled=True)

    def _rmsprop(self, x, g, lr, act):
        hp = self.hp
        alpha, eps, wd, mom, centered = hp["alpha"], hp["eps"], hp["weight_decay"], hp["momentum"], hp["centered"]
        if _any(wd):
            g = g + x * wd
        sq = self._zeros("square_avg", x)
        sq.mul_(alpha).addcmul_(g * (1 - alpha), g)
        avg = sq.sqrt()
        if _any(centered):
            ga = self._zeros("grad_avg", x)
            ga.lerp_(g, 1 - alpha)
            avg = _pick(centered, sq.addcmul(ga, ga, value=-1).sqrt_(), avg)
        avg = avg.add_(eps)
        neg_lr = _scale(-lr, act)
        if not _any(mom):
            u = torch.mul(g, neg_lr).div_(avg)  # torch: param.addcdiv_(grad, avg, value=-lr)
        else:
            buf = self._zeros("momentum_buffer", x)
            buf.mul_(mom).add_(g / avg)  # torch: buf.mul_(momentum).addcdiv_(grad, avg)
            u = buf * neg_lr  # torch: param.add_(buf, alpha=-lr)
            if isinstance(mom, torch.Tensor):
                u = torch.where(mom > 0, u, torch.mul(g, neg_lr).div_(avg))
        x.add_(u)
        return u

    # ---------------------------------------------------------------- lecture forms (core/textbook.py)
    def _momentum_ema(self, x, g, lr, act):
        beta = self.hp["momentum"]
        v = self._zeros("velocity", x)
        v.mul_(beta).add_(g * (1 - beta))
        u = v * _scale(-lr, act)
        x.add_(u)
        return u

    def _nesterov_lookahead(self, x, g, lr, act):
        beta = self.hp["momentum"]
        v = self._zeros("velocity", x)
        g_ahead = self.grad_fn(x + v * beta)  # gradient at the look-ahead point w + beta*v
        v.mul_(beta).add_(g_ahead * (-lr) if isinstance(lr, torch.Tensor) else g_ahead.mul(-lr))
        u = _scale(v, act)
        x.add_(u)
        return u

    def _rmsprop_lecture(self, x, g, lr, act):
        rho, eps = self.hp["alpha"], self.hp["eps"]
        s = self._zeros("square_avg", x)
        s.mul_(rho).addcmul_(g * (1 - rho), g)
        u = torch.mul(g, _scale(-lr, act)).div_(s.add(eps).sqrt_())  # addcdiv order: (value*g)/den
        x.add_(u)
        return u

    def _adagrad_lecture(self, x, g, lr, act):
        G = self._zeros("sum", x)
        G.addcmul_(g, g)
        u = torch.mul(g, _scale(-lr, act)).div_(G.add(self.hp["eps"]).sqrt_())
        x.add_(u)
        return u

    def _adam_nobias(self, x, g, lr, act):
        b1, b2, eps = self.hp["beta1"], self.hp["beta2"], self.hp["eps"]
        m = self._zeros("exp_avg", x)
        s = self._zeros("exp_avg_sq", x)
        m.mul_(b1).add_(g * (1 - b1))
        s.mul_(b2).addcmul_(g * (1 - b2), g)
        u = torch.mul(m, _scale(-lr, act)).div_(s.sqrt().add_(eps))
        x.add_(u)
        return u

    def _newton(self, x, g, lr, act):
        damping = self.hp["damping"]
        with torch.enable_grad():  # hessian_fn may use autograd
            H = self.hessian_fn(x.detach().clone())
        H = H.detach().to(F64)  # (N, 2, 2)
        eye = torch.eye(2, dtype=F64)
        A = H + (damping[:, :, None] * eye if isinstance(damping, torch.Tensor) else damping * eye)  # (N, 2, 2)
        d, info = torch.linalg.solve_ex(A, g.unsqueeze(-1))
        d = d.squeeze(-1)  # (N, 2)
        tiny = torch.finfo(F64).eps * A.square().sum((-2, -1))  # (N,)
        bad = (info != 0) | (torch.linalg.det(A).abs() <= tiny) | ~torch.isfinite(d).all(-1)  # (N,)
        d = torch.where(bad[:, None], g, d)  # singular rows take a gradient step (as core.textbook.Newton)
        u = d * _scale(-lr, act)
        x.add_(u)
        return u
