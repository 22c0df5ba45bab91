"""User-typed surfaces: ``formula_surface("x^2 + 3*y^2")``.

The text goes through the restricted parser in :mod:`core.surfaces.formula_parser`
(never ``eval``); gradients and Hessians come from autograd.
"""
from __future__ import annotations

import math

import torch

from core.surfaces.base import DTYPE, Surface
from core.surfaces.formula_parser import FUNCTIONS, MAX_DEPTH, MAX_LENGTH, compile_formula, run_program, uses_xy

START_GRID = 60  # cells per side of the view searched for a finite start

__all__ = ["FUNCTIONS", "MAX_DEPTH", "MAX_LENGTH", "FormulaSurface", "compile_formula", "formula_surface"]


class FormulaSurface(Surface):
    """A surface typed by the user; gradients and Hessians come from autograd."""

    name = "formula"
    lesson = "Type any f(x, y) and watch how each optimizer copes with the landscape you made."
    domain = (-3.0, 3.0, -3.0, 3.0)
    start = (-2.0, 2.0)

    def __init__(self, expr: str):
        self._code = compile_formula(expr)
        self.expr = expr
        self.description = f"custom formula f(x, y) = {expr.strip()}"
        super().__init__()
        if not uses_xy(self._code):  # folded to one number: every gradient is 0, nothing can move
            value = float(run_program(self._code, torch.zeros(1, dtype=DTYPE), torch.zeros(1, dtype=DTYPE)))
            raise ValueError(f"the formula does not depend on x or y (f = {value:g} everywhere): "
                             "write it in x and y, e.g. x^2 + 3*y^2")
        self.start = self._finite_start()

    def _finite_start(self) -> tuple[float, float]:
        """The default start, or the nearest grid point of the view where f and its gradient are finite.

        A run from a point where f is inf or NaN ends at step 0; a formula such as ``log(x)`` is finite
        in part of the view only, and starts there. ValueError when f is finite nowhere in the view.
        """
        x0, x1, y0, y1 = self.domain
        sx, sy = type(self).start
        xs = torch.linspace(x0, x1, START_GRID + 1, dtype=DTYPE)
        gx, gy = torch.meshgrid(xs, torch.linspace(y0, y1, START_GRID + 1, dtype=DTYPE), indexing="xy")
        pts = torch.cat([torch.tensor([[sx, sy]], dtype=DTYPE), torch.stack((gx.ravel(), gy.ravel()), 1)])  # (1+G, 2)
        ok = self.finite_at(pts)  # (1+G,)
        if ok[0]:
            return (float(sx), float(sy))
        if not ok.any():
            where = f"x in [{x0:g}, {x1:g}], y in [{y0:g}, {y1:g}]"
            raise ValueError(f"the formula is not finite anywhere in the view {where} "
                             f"(f({sx:g}, {sy:g}) = {float(self.f(pts[:1])[0]):g})")
        d2 = ((pts - pts[0]) ** 2).sum(1).masked_fill(~ok, math.inf)
        k = int(torch.argmin(d2))
        return (round(float(pts[k, 0]), 6), round(float(pts[k, 1]), 6))

    @property
    def spec(self) -> str:
        return "formula:" + self.expr

    def with_params(self, **changes) -> "FormulaSurface":
        if changes:
            raise ValueError(f"surface 'formula' has no parameters, got {', '.join(changes)}")
        return self

    def _f(self, x, y):
        return run_program(self._code, x, y)


def formula_surface(expr: str) -> FormulaSurface:
    r"""Build a surface from a formula in ``x`` and ``y``.

    Parameters
    ----------
    expr : str
        Python-style arithmetic: ``+ - * / **`` and ``^`` (same as ``**``),
        parentheses, numbers (``2``, ``0.5``, ``1e-3``), ``pi``, ``e``, the
        one-argument functions sin cos tan exp log sqrt abs tanh sigmoid relu
        softplus, and ``min(a, b)``, ``max(a, b)``. At most 500 characters and
        50 levels of nesting.

    Returns
    -------
    FormulaSurface
        ``name == "formula"``, ``spec == "formula:" + expr``, domain
        :math:`[-3, 3]^2`, no listed minima. Values may be inf or NaN in parts
        of the view; that is not an error. The start is ``(-2, 2)``, or, where f
        or its gradient is not finite there, the nearest point of a 60 x 60
        grid over the view where both are (``log(x)`` starts at ``(0.1, 2)``).

    Raises
    ------
    ValueError
        With the problem and its 1-based column, e.g. ``unexpected ')' at column 7``;
        for a formula without x or y ("the formula does not depend on x or y"); for a
        formula that is finite nowhere in the view.
    """
    return FormulaSurface(expr)
