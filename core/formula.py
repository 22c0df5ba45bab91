"""User-typed surfaces: ``formula_surface("x^2 + 3*y^2")``.

The text goes through the restricted parser in :mod:`core.formula_parser`
(never ``eval``); gradients and Hessians come from autograd.
"""
from __future__ import annotations

from core.formula_parser import FUNCTIONS, MAX_DEPTH, MAX_LENGTH, compile_formula, run_program
from core.surface_base import Surface

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
        :math:`[-3, 3]^2`, start ``(-2, 2)``, no listed minima. Values may be
        inf or NaN in parts of the view; that is not an error.

    Raises
    ------
    ValueError
        With the problem and its 1-based column, e.g. ``unexpected ')' at column 7``.
    """
    return FormulaSurface(expr)
