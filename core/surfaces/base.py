"""The :class:`Surface` base class: parameters, values, gradients, Hessians and grids.

A surface is a function ``f(x, y)`` written in float64 torch operations that act
elementwise on two ``(N,)`` tensors, so one call evaluates ``N`` points.
Subclasses give ``_f`` (used by autograd, Hessians and grids) and, where they
can, a closed-form ``_vg`` that returns the value and both partial derivatives
without autograd (the engine steps 10,000 rows x 1,000 steps through it).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import torch

Tensor = torch.Tensor
DTYPE = torch.float64


@dataclass(frozen=True)
class ParamSpec:
    """Range and meaning of one surface parameter (enough to build a slider).

    Attributes
    ----------
    default, low, high : float
        Default value and inclusive range.
    help : str
        One line for a tooltip.
    integer : bool
        The value must be a whole number (sizes, seeds, 0/1 switches).
    log : bool
        A slider should move on a logarithmic scale.
    """

    default: float
    low: float
    high: float
    help: str
    integer: bool = False
    log: bool = False


def format_number(value: float) -> str:
    """Shortest round-trip text for a parameter value (``10`` not ``10.0``)."""
    value = float(value)
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def validate_params(name: str, specs: dict[str, ParamSpec], given: dict) -> dict[str, float]:
    """Check ``given`` against ``specs`` and fill in defaults.

    Raises
    ------
    ValueError
        Unknown name, non-numeric, NaN, non-integer where an integer is needed,
        or out of range; the one-line message lists what is valid.
    """
    valid = ", ".join(f"{k} in [{format_number(s.low)}, {format_number(s.high)}]"
                      for k, s in specs.items()) or "none"
    out: dict[str, float] = {}
    for key, raw in given.items():
        if key not in specs:
            raise ValueError(f"unknown parameter {key!r} for surface {name!r}; valid: {valid}")
        spec = specs[key]
        try:
            value = float(raw)
        except (TypeError, ValueError):
            raise ValueError(f"parameter {key!r} of surface {name!r} must be a number, got {raw!r}; "
                             f"valid: {valid}") from None
        if math.isnan(value) or not spec.low <= value <= spec.high:
            raise ValueError(f"parameter {key!r} of surface {name!r} must be in "
                             f"[{format_number(spec.low)}, {format_number(spec.high)}], got {raw!r}")
        if spec.integer and not value.is_integer():
            raise ValueError(f"parameter {key!r} of surface {name!r} must be a whole number, got {raw!r}")
        out[key] = value
    return {k: out.get(k, float(s.default)) for k, s in specs.items()}


def as_points(xy) -> Tensor:
    """``xy`` as a detached float64 ``(N, 2)`` tensor (no copy when it already is one)."""
    xy = torch.as_tensor(xy, dtype=DTYPE)
    if xy.ndim != 2 or xy.shape[1] != 2:
        raise ValueError(f"points must have shape (N, 2), got {tuple(xy.shape)}")
    return xy.detach()


class Surface:
    """A 2D loss surface ``f(x, y)``; see docs/contracts.md ("core.surfaces").

    Class attributes hold what does not depend on the parameters; ``_setup``
    overrides ``domain``, ``minima``, ``saddles``, ``start`` and ``f_min`` per
    instance where they do.

    Attributes
    ----------
    name, spec : str
        Registry name and canonical spec (``"valley:kappa=100,angle=30"``).
    params : dict[str, float]
        Every parameter, defaults filled in.
    description, lesson : str
        One line for listings; one sentence shown beside the plot.
    domain : tuple[float, float, float, float]
        Default view ``(xmin, xmax, ymin, ymax)``.
    minima, saddles : list[tuple[float, float]]
        Known critical points; the global minimum comes first.
    start : tuple[float, float]
        Default start point.
    f_min : float or None
        Value at the global minimum, if known.
    stochastic : bool
        True when ``value_and_grad`` accepts mini-batches.
    n_samples : int
        Number of data samples (stochastic surfaces only, else 0).
    """

    name: ClassVar[str] = ""
    description: ClassVar[str] = ""
    lesson: ClassVar[str] = ""
    param_specs: ClassVar[dict[str, ParamSpec]] = {}
    stochastic: ClassVar[bool] = False
    domain: tuple[float, float, float, float] = (-3.0, 3.0, -3.0, 3.0)
    start: tuple[float, float] = (-2.0, 2.0)
    minima: list[tuple[float, float]] = []
    saddles: list[tuple[float, float]] = []
    f_min: float | None = None

    def __init__(self, **params):
        self.params = validate_params(self.name, self.param_specs, params)
        self.n_samples = 0
        self.minima = list(type(self).minima)
        self.saddles = list(type(self).saddles)
        self._setup()

    def _setup(self) -> None:
        """Derive parameter-dependent attributes (override)."""

    @property
    def spec(self) -> str:
        """Canonical spec: the name, then every parameter in declaration order."""
        if not self.params:
            return self.name
        return self.name + ":" + ",".join(f"{k}={format_number(v)}" for k, v in self.params.items())

    def with_params(self, **changes) -> "Surface":
        """A new surface of the same kind with some parameters changed (validated)."""
        return type(self)(**{**self.params, **changes})

    def __repr__(self) -> str:
        return f"<Surface {self.spec}>"

    # --- subclasses provide these -------------------------------------------------
    def _f(self, x: Tensor, y: Tensor) -> Tensor:
        """Elementwise value on two same-shape tensors (torch ops only, no Python branching)."""
        raise NotImplementedError

    def _vg(self, x: Tensor, y: Tensor):
        """Closed form ``(f, df/dx, df/dy)``, or None to use autograd."""
        return None

    # --- public API ----------------------------------------------------------------
    def f(self, xy) -> Tensor:
        """Values at ``xy`` (N, 2) -> (N,)."""
        return self._eval(as_points(xy))

    def _eval(self, p: Tensor) -> Tensor:
        # No detach here: the autograd paths differentiate through it.
        out = self._f(p[:, 0], p[:, 1])
        return out.expand(p.shape[0]) if out.ndim == 0 else out  # constant formulas

    def value_and_grad(self, xy, batch=None) -> tuple[Tensor, Tensor]:
        """Values (N,) and gradients (N, 2) at ``xy`` (N, 2).

        Uses the closed form when the surface has one, autograd otherwise.
        ``batch`` is only for stochastic surfaces (see :class:`DataSurface`).
        """
        if batch is not None:
            raise ValueError(f"surface {self.name!r} is not stochastic: batch must be None")
        xy = as_points(xy)
        vg = self._vg(xy[:, 0], xy[:, 1])
        if vg is None:
            return self.value_and_grad_autograd(xy)
        value, gx, gy = vg
        return value, torch.stack((gx, gy), dim=1)

    def finite_at(self, xy) -> Tensor:
        """(N,) bool: where f and its gradient are finite at ``xy`` (N, 2), a start a racer can leave."""
        value, grad = self.value_and_grad(xy)
        return torch.isfinite(value) & torch.isfinite(grad).all(1)

    def value_and_grad_autograd(self, xy) -> tuple[Tensor, Tensor]:
        """Reference path: value and gradient through torch autograd (float64).

        Where autograd yields NaN at a point whose value is finite (a square
        root at 0, e.g. Ackley at its minimum) the gradient is set to 0, the
        subgradient of the cone.
        """
        xy = as_points(xy)
        with torch.enable_grad():
            p = xy.clone().requires_grad_(True)
            value = self._eval(p)
            if value.requires_grad:
                (grad,) = torch.autograd.grad(value.sum(), p, allow_unused=True, materialize_grads=True)
            else:  # the formula does not depend on x or y
                grad = torch.zeros_like(p)
        value = value.detach()
        return value, _guard(grad, value)

    def hessian(self, xy) -> Tensor:
        """Hessians (N, 2, 2) at ``xy`` (N, 2) through torch autograd, vectorized over rows.

        Rows are independent, so differentiating ``sum(df/dx_i)`` gives row ``i`` of
        every Hessian at once: two double-backward passes for any N (cheaper than
        ``torch.func.vmap(torch.func.hessian(f))``, which agrees to rounding).
        NaN entries at points with a finite value become 0 (same guard as the gradient).
        """
        xy = as_points(xy)
        with torch.enable_grad():
            p = xy.clone().requires_grad_(True)
            value = self._eval(p)
            hess = torch.zeros(xy.shape[0], 2, 2, dtype=DTYPE)
            if value.requires_grad:
                (grad,) = torch.autograd.grad(value.sum(), p, create_graph=True, materialize_grads=True)
                if grad.requires_grad:  # else f is linear: the Hessian is zero
                    rows = [torch.autograd.grad(grad[:, i].sum(), p, retain_graph=True,
                                                materialize_grads=True)[0] for i in range(2)]
                    hess = torch.stack(rows, dim=1)
        return _guard(hess.detach(), value.detach())

    def grid(self, nx: int, ny: int, domain=None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Values on a regular grid, in one vectorized call.

        Returns
        -------
        xs : ndarray (nx,)
        ys : ndarray (ny,)
        Z : ndarray (ny, nx)
            Row-major: ``Z[j, i] = f(xs[i], ys[j])``. Non-finite values are kept;
            the view clips them.
        """
        xmin, xmax, ymin, ymax = self.domain if domain is None else domain
        xs = np.linspace(xmin, xmax, int(nx))
        ys = np.linspace(ymin, ymax, int(ny))
        gx, gy = np.meshgrid(xs, ys)  # (ny, nx) each
        pts = torch.from_numpy(np.stack([gx.ravel(), gy.ravel()], axis=1))
        with torch.no_grad():
            z = self.f(pts).numpy().reshape(len(ys), len(xs))
        return xs, ys, z


def _guard(t: Tensor, value: Tensor) -> Tensor:
    """Zero NaN derivatives where the value itself is finite (trailing dims broadcast)."""
    finite = torch.isfinite(value).reshape(value.shape + (1,) * (t.ndim - value.ndim))
    return torch.where(torch.isnan(t) & finite, torch.zeros((), dtype=t.dtype), t)


def polish(surface: Surface, points, iters: int = 40) -> list[tuple[float, float]]:
    """Newton-refine approximate critical points to machine precision.

    Used at construction for minima and saddles that have no closed form.
    """
    p = torch.tensor(points, dtype=DTYPE).reshape(-1, 2)
    for _ in range(iters):
        _, g = surface.value_and_grad(p)
        if not g.abs().amax() > 1e-13:  # converged (or NaN: leave as is)
            break
        step, info = torch.linalg.solve_ex(surface.hessian(p), g)
        p = torch.where((info == 0)[:, None], p - step, p)
    return [(float(a), float(b)) for a, b in p]
