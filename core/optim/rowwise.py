r"""Vectorised optimizer updates with per-row hyperparameters.

torch.optim keeps one value of each hyperparameter per parameter group. A map of N starts where
every row has its own momentum (or lr, betas, eps ...) needs the same update with per-row values:
each hyperparameter here is either a Python scalar or a tensor of shape (N, 1) that broadcasts over
the two coordinates. The updates follow torch's single-tensor code paths operation by operation
(``torch/optim/sgd.py``, ``adam.py``, ``rmsprop.py``, and ``core/optim/textbook.py`` for the lecture
forms), so that row ``i`` equals torch.optim run alone with row ``i``'s values (tested to 1e-9 in
float64; most rows agree bit for bit).

Where torch branches on a hyperparameter (``momentum != 0``, ``nesterov``, ``centered``,
``amsgrad``) both branches are computed and ``torch.where`` picks per row. A switch may be given per
row as bools or as the numbers 0 and 1 (a table of hyperparameters holds numbers); anything else is
a ValueError naming the switch.

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

from core.optim.registry import optimizer_info

__all__ = ["ROWWISE_OPTIMIZERS", "RowwiseOptimizer", "row_flags", "row_values"]

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


def row_flags(name: str, value, n: int):
    """A switch (``nesterov``, ``amsgrad`` ...) as bools: True/False, or 0/1 per row.

    Returns a bool or an (N,) bool array; ValueError names the switch when a value is neither.
    """
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    arr = np.asarray(value)
    if arr.dtype == bool:
        return arr
    if arr.dtype.kind not in "iuf":
        raise ValueError(f"{name} must be True/False or 1/0 in every row, got {value!r}")
    bad = ~np.isin(arr, (0, 1))
    if bad.any():
        raise ValueError(f"{name} must be True/False or 1/0 in every row, got {arr[bad].flat[0].item()!r}")
    return arr == 1 if arr.ndim else bool(arr == 1)


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
        specs = optimizer_info(name).hparams
        for k in hp:
            if k in specs and specs[k].kind == "bool":
                hp[k] = row_flags(f"{name}: {k}", hp[k], n)  # torch.where needs a bool condition
        self.hp = {k: row_values(v, n) for k, v in hp.items()}
        self.hessian_fn, self.grad_fn = hessian_fn, grad_fn
        self.t = 0
        self._uniq: dict = {}
        self.state: dict[str, torch.Tensor] = {}
        self._step = getattr(self, "_" + name.replace("-", "_"))

    def _pow(self, b, t: int):
        """``b ** t`` as torch computes it (a Python float power), also for per-row ``b``.

        A tensor power ``b ** 3`` is evaluated as ``b*b*b`` (two roundings); Python's ``pow`` rounds
        once. Per-row betas take few distinct values, so the Python power runs once per value.
        """
        if not isinstance(b, torch.Tensor):
            return b ** t
        uniq, inv = self._uniq.get(id(b)) or self._uniq.setdefault(id(b), torch.unique(b, return_inverse=True))
        return torch.tensor([float(u) ** t for u in uniq.tolist()], dtype=F64)[inv]  # (N, 1)

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
    # torch's ``a.add(b, alpha=s)``, ``addcmul`` and ``lerp`` round once (fused multiply-add, in the
    # vectorised and in the scalar loops alike), ``a + b*s`` rounds twice. To match torch bit for bit
    # each line below uses the same fused call; with a per-row ``s`` the fused call is
    # ``a.addcmul(b, s)``, which rounds exactly as ``add(alpha=s)`` (checked in tests/test_rowwise.py).

    def _sgd(self, x, g, lr, act):
        hp = self.hp
        mom, damp, wd = hp["momentum"], hp["dampening"], hp["weight_decay"]
        if _any(wd):
            g = _axpy(g, wd, x)  # torch: grad.add(param, alpha=weight_decay)
        d = g
        if _any(mom):
            if "momentum_buffer" not in self.state:
                buf = self.state["momentum_buffer"] = g.clone()  # torch: b = g on the first step
            else:
                buf = self.state["momentum_buffer"]
                _axpy_(buf.mul_(mom), 1 - damp, g)  # torch: buf.mul_(momentum).add_(grad, alpha=1-dampening)
            d = _pick(hp["nesterov"], _axpy(g, mom, buf), buf)  # torch: grad.add(buf, alpha=momentum)
            if isinstance(mom, torch.Tensor):
                d = torch.where(mom != 0, d, g)  # torch skips the buffer when momentum == 0
        return self._apply(x, d, lr, act)  # torch: param.add_(grad, alpha=-lr)

    def _apply(self, x, d, lr, act):
        """``x += -lr * d`` (fused, as torch's ``param.add_(d, alpha=-lr)``); returns the step."""
        neg = _scale(-lr, act)
        _axpy_(x, neg, d)
        return d * neg  # (N, 2) the step, for the step-length test (rounded separately: test only)

    def _adam_core(self, x, g, lr, act, decoupled: bool):
        hp, t = self.hp, self.t
        b1, b2, eps, wd = hp["beta1"], hp["beta2"], hp["eps"], hp["weight_decay"]
        shift = None
        if _any(wd):
            if decoupled:
                x0 = x.clone()
                x.mul_(1 - _scale(lr * wd, act))  # torch: param.mul_(1 - lr * weight_decay)
                shift = x - x0
            else:
                g = _axpy(g, wd, x)  # torch: grad.add(param, alpha=weight_decay)
        m = self._zeros("exp_avg", x)
        v = self._zeros("exp_avg_sq", x)
        m.lerp_(g, 1 - b1)
        _addcmul_value_(v.mul_(b2), g, g, 1 - b2)  # torch: mul_(beta2).addcmul_(g, g, value=1-beta2)
        bc1 = 1 - self._pow(b1, t)
        bc2 = 1 - self._pow(b2, t)
        step_size = lr / bc1
        bc2_sqrt = bc2 ** 0.5
        src = v
        if _any(hp["amsgrad"]):
            vmax = self._zeros("max_exp_avg_sq", x)
            torch.maximum(vmax, v, out=vmax)
            src = _pick(hp["amsgrad"], vmax, v)
        denom = src.sqrt().div_(bc2_sqrt).add_(eps)  # torch: (sqrt(v) / bc2_sqrt).add_(eps)
        # torch: param.addcdiv_(m, denom, value=-step_size) = param + (value * m) / denom (no fusing)
        u = torch.mul(m, _scale(-step_size, act)).div_(denom)
        x.add_(u)
        return u if shift is None else u.add_(shift)

    def _adam(self, x, g, lr, act):
        return self._adam_core(x, g, lr, act, decoupled=False)

    def _adamw(self, x, g, lr, act):
        return self._adam_core(x, g, lr, act, decoupled=True)

    def _rmsprop(self, x, g, lr, act):
        hp = self.hp
        alpha, eps, wd, mom, centered = hp["alpha"], hp["eps"], hp["weight_decay"], hp["momentum"], hp["centered"]
        if _any(wd):
            g = _axpy(g, wd, x)
        sq = self._zeros("square_avg", x)
        _addcmul_value_(sq.mul_(alpha), g, g, 1 - alpha)  # torch: mul_(alpha).addcmul_(g, g, value=1-alpha)
        avg = sq.sqrt()
        if _any(centered):
            ga = self._zeros("grad_avg", x)
            ga.lerp_(g, 1 - alpha)
            avg = _pick(centered, sq.addcmul(ga, ga, value=-1).sqrt_(), avg)
        avg = avg.add_(eps)
        neg_lr = _scale(-lr, act)
        plain = torch.mul(g, neg_lr).div_(avg)  # torch: param.addcdiv_(grad, avg, value=-lr)
        if not _any(mom):
            x.add_(plain)
            return plain
        buf = self._zeros("momentum_buffer", x)
        buf.mul_(mom).add_(g / avg)  # torch: buf.mul_(momentum).addcdiv_(grad, avg)
        if not isinstance(mom, torch.Tensor):
            return self._apply(x, buf, lr, act)  # torch: param.add_(buf, alpha=-lr)
        x_plain = x + plain
        u = self._apply(x, buf, lr, act)
        x.copy_(torch.where(mom > 0, x, x_plain))
        return torch.where(mom > 0, u, plain)

    # ---------------------------------------------------------------- lecture forms (core/optim/textbook.py)
    def _momentum_ema(self, x, g, lr, act):
        beta = self.hp["momentum"]
        v = self._zeros("velocity", x)
        _axpy_(v.mul_(beta), 1 - beta, g)  # v.mul_(beta).add_(g, alpha=1-beta)
        return self._apply(x, v, lr, act)  # p.add_(v, alpha=-lr)

    def _nesterov_lookahead(self, x, g, lr, act):
        beta = self.hp["momentum"]
        v = self._zeros("velocity", x)
        g_ahead = self.grad_fn(_axpy(x, beta, v))  # gradient at the look-ahead point p.add_(v, alpha=beta)
        _axpy_(v.mul_(beta), -lr, g_ahead)  # v.mul_(beta).add_(grad, alpha=-lr)
        u = _scale(v, act)
        x.add_(u)
        return u

    def _rmsprop_lecture(self, x, g, lr, act):
        rho, eps = self.hp["alpha"], self.hp["eps"]
        s = self._zeros("square_avg", x)
        _addcmul_value_(s.mul_(rho), g, g, 1 - rho)
        u = torch.mul(g, _scale(-lr, act)).div_(s.add(eps).sqrt_())  # addcdiv: (value * g) / den
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
        _axpy_(m.mul_(b1), 1 - b1, g)  # m.mul_(b1).add_(g, alpha=1-b1)
        _addcmul_value_(s.mul_(b2), g, g, 1 - b2)
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
        d = torch.where(bad[:, None], g, d)  # singular rows take a gradient step (as core.optim.textbook.Newton)
        return self._apply(x, d, lr, act)


def _axpy(y: torch.Tensor, s, x: torch.Tensor) -> torch.Tensor:
    """``y + s*x`` rounded once, as torch's ``y.add(x, alpha=s)``; ``s`` scalar or (N, 1)."""
    return torch.addcmul(y, x, s) if isinstance(s, torch.Tensor) else y.add(x, alpha=s)


def _axpy_(y: torch.Tensor, s, x: torch.Tensor) -> torch.Tensor:
    """In-place :func:`_axpy`."""
    return y.addcmul_(x, s) if isinstance(s, torch.Tensor) else y.add_(x, alpha=s)


def _addcmul_value_(y: torch.Tensor, a: torch.Tensor, b: torch.Tensor, value) -> torch.Tensor:
    """``y.addcmul_(a, b, value=value)`` with ``value`` scalar or (N, 1): torch computes
    ``y + (value * a) * b`` with one rounding for the last multiply-add."""
    if isinstance(value, torch.Tensor):
        return y.addcmul_(a * value, b)
    return y.addcmul_(a, b, value=value)
