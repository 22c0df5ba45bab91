"""core.surfaces.formula: the restricted parser (accepted forms, rejected forms with positions, evaluation)."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from core.surfaces import get_surface
from core.surfaces.formula import MAX_DEPTH, MAX_LENGTH, compile_formula, formula_surface

F64 = torch.float64
PTS = torch.tensor([[0.3, -1.7], [1.25, 0.5], [-2.0, 2.5], [0.0, 0.7]], dtype=F64)
X, Y = PTS[:, 0].numpy(), PTS[:, 1].numpy()


def _eval(expr, pts=PTS):
    return formula_surface(expr).f(pts).numpy()


def _sigmoid(t):
    return 1.0 / (1.0 + np.exp(-t))


@pytest.mark.parametrize("expr,expected", [
    ("x + y", X + Y), ("x - y", X - Y), ("x * y", X * Y), ("x / y", X / Y),
    ("x ** 2", X ** 2), ("x ^ 2", X ** 2), ("-x**2", -(X ** 2)), ("-x^2", -(X ** 2)),
    ("2^3^2 + 0*x", np.full(4, 512.0)), ("2**3**2 + 0*x", np.full(4, 512.0)),
    ("(2^3)^2 + 0*x", np.full(4, 64.0)), ("2**-1 * x", 0.5 * X), ("(abs(x) + 1)**-y**2", (np.abs(X) + 1) ** -(Y ** 2)),
    ("1 + 2 * x - y / 4", 1 + 2 * X - Y / 4), ("(1 + 2) * x", 3 * X), ("2 * -x", -2 * X), ("--x", X), ("+x", X),
    ("x - y - 1", X - Y - 1), ("x / y / 2", X / Y / 2),
    ("pi * x + e", math.pi * X + math.e),
    ("  x\t*  y ", X * Y), ("1e-3 * x + 2.5E+2 + .5 + 3.", 1e-3 * X + 250 + 0.5 + 3.0),
    ("sin(x)", np.sin(X)), ("cos(x)", np.cos(X)), ("tan(y)", np.tan(Y)), ("exp(y)", np.exp(Y)),
    ("log(abs(x) + 1)", np.log(np.abs(X) + 1)), ("sqrt(x^2 + y^2)", np.hypot(X, Y)), ("abs(y)", np.abs(Y)),
    ("tanh(y)", np.tanh(Y)), ("sigmoid(y)", _sigmoid(Y)), ("relu(y)", np.maximum(Y, 0)),
    ("softplus(y)", np.log1p(np.exp(Y))), ("min(x, y)", np.minimum(X, Y)), ("max(x, y)", np.maximum(X, Y)),
    ("max(x, 0) + min(1, y)", np.maximum(X, 0) + np.minimum(1, Y)),
    ("sin(pi / 2) * x", X), ("exp(log(x^2 + 1))", X ** 2 + 1),
])
def test_accepted_forms_match_numpy(expr, expected):
    np.testing.assert_allclose(_eval(expr), expected, rtol=1e-12, atol=1e-12)


def test_partly_non_finite_formulas_are_allowed():
    assert np.isinf(formula_surface("1/x").f(torch.tensor([[0.0, 1.0]], dtype=F64)).numpy()).all()
    far = torch.tensor([[3.0, 0.0], [-2.0, 2.0]], dtype=F64)
    v = formula_surface("exp(exp(exp(x)))").f(far).numpy()
    assert np.isinf(v[0]) and np.isfinite(v[1])  # inf where x is large, finite elsewhere
    s = formula_surface("2^3^2 + 0*x")  # reads x: constant values, but a formula in x
    value, grad = s.value_and_grad(PTS)
    assert torch.equal(value, torch.full((4,), 512.0, dtype=F64)) and torch.equal(grad, torch.zeros(4, 2, dtype=F64))
    assert torch.equal(formula_surface("x + 2*y").hessian(PTS), torch.zeros(4, 2, 2, dtype=F64))


@pytest.mark.parametrize("expr,value", [("3", "3"), ("9**9**9**9", "inf"), ("2^3 * pi - sin(1)", None),
                                        ("-1e999", "-inf"), ("log(-1)", "nan")])
def test_constant_formulas_are_refused(expr, value):
    with pytest.raises(ValueError, match="the formula does not depend on x or y") as info:
        formula_surface(expr)
    if value is not None:
        assert f"(f = {value} everywhere)" in str(info.value)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("expr,at_start", [("9**9**9**9 * x", "-inf"), ("1e999 + x", "inf"),
                                           ("log(-1 - x^2)", "nan"), ("sqrt(-1 - y^2) * x", "nan")])
def test_formulas_finite_nowhere_in_the_view_are_refused(expr, at_start):
    with pytest.raises(ValueError, match=r"not finite anywhere in the view x in \[-3, 3\], y in \[-3, 3\]") as info:
        formula_surface(expr)
    assert str(info.value).endswith(f"(f(-2, 2) = {at_start})")


@pytest.mark.parametrize("expr,start", [("x^2 + y^2", (-2.0, 2.0)), ("log(x) + y^2", (0.1, 2.0)),
                                        ("sqrt(x) + y^2", (0.1, 2.0)), ("x^2 + log(y - 2.5)", (-2.0, 2.6))])
def test_the_start_is_where_f_and_its_gradient_are_finite(expr, start):
    s = formula_surface(expr)
    assert s.start == pytest.approx(start)
    value, grad = s.value_and_grad(torch.tensor([s.start], dtype=F64))
    assert torch.isfinite(value).all() and torch.isfinite(grad).all()


def test_formula_surface_attributes_and_spec():
    s = formula_surface("x^2 + 3*y^2")
    assert s.name == "formula" and s.spec == "formula:x^2 + 3*y^2"
    assert s.domain == (-3.0, 3.0, -3.0, 3.0) and s.minima == [] and s.f_min is None
    x0, x1, y0, y1 = s.domain
    assert x0 <= s.start[0] <= x1 and y0 <= s.start[1] <= y1
    assert get_surface(s.spec).spec == s.spec
    assert get_surface("formula:max(x, y)").f(PTS).numpy() == pytest.approx(np.maximum(X, Y))


def test_gradient_and_hessian_through_autograd():
    s = formula_surface("sin(x) * y^3 + softplus(x*y) + sigmoid(x - y)")
    value, grad = s.value_and_grad(PTS)
    x, y = PTS[:, 0], PTS[:, 1]
    sig = torch.sigmoid(x * y)
    dsig = torch.sigmoid(x - y) * (1 - torch.sigmoid(x - y))
    expected = torch.stack([torch.cos(x) * y ** 3 + sig * y + dsig, 3 * torch.sin(x) * y ** 2 + sig * x - dsig], 1)
    torch.testing.assert_close(grad, expected)
    h = 1e-5
    rows = [(s.value_and_grad(PTS + h * e)[1] - s.value_and_grad(PTS - h * e)[1]) / (2 * h)
            for e in torch.eye(2, dtype=F64)]
    torch.testing.assert_close(s.hessian(PTS), torch.stack(rows, 1), rtol=1e-6, atol=1e-6)


def test_nan_gradient_at_finite_value_is_guarded():
    s = formula_surface("sqrt(x^2 + y^2)")  # cone: autograd gives NaN at the tip
    value, grad = s.value_and_grad(torch.zeros(1, 2, dtype=F64))
    assert value.item() == 0.0 and torch.equal(grad, torch.zeros(1, 2, dtype=F64))


@pytest.mark.parametrize("expr,message", [
    ("", "empty formula"),
    ("   ", "empty formula"),
    ("x.__class__", r"attribute access \('\.'\) is not allowed at column 2"),
    ("__import__('os')", "name '__import__' is not allowed at column 1"),
    ("x + __builtins__", "name '__builtins__' is not allowed at column 5"),
    ("lambda: 1", "keyword 'lambda' is not allowed at column 1"),
    ("[x for x in y]", r"unexpected character '\[' at column 1"),
    ("x if y else 1", "'if' at column 3 is not supported: formulas are arithmetic in x and y"),
    ("x and y", "'and' at column 3 is not supported"),
    ("x or 1", "'or' at column 3 is not supported"),
    ("x < 1", r"comparisons \('<' at column 3\) are not supported"),
    ("x >= y", r"comparisons \('>' at column 3\) are not supported"),
    ("x == 1", r"comparisons \('==' at column 3\) are not supported"),
    ("x != 1", r"comparisons \('!' at column 3\) are not supported"),
    ("z + 1", "unknown name 'z' at column 1; allowed: x, y, pi, e and functions sin"),
    ("x * foo(y)", "unknown function 'foo' at column 5"),
    ("exec(x)", "unknown function 'exec' at column 1"),
    ("sin(x, y)", r"sin\(\) takes 1 argument, got 2 at column 1"),
    ("2 + max(x)", r"max\(\) takes 2 arguments, got 1 at column 5"),
    ("cos()", r"cos\(\) takes 1 argument, got 0 at column 1"),
    ("sin x", "function 'sin' needs parentheses"),
    ("x(2)", "'x' is not a function at column 1"),
    ("(x + 1", r"missing '\)' for the '\(' at column 1"),
    ("sin(x", r"missing '\)' to close sin\( at column 1"),
    ("(x + 1))", r"unexpected '\)' at column 8"),
    ("(x + y))", r"unexpected '\)' at column 8"),
    ("x + )", r"unexpected '\)' at column 5"),
    ("x +", "formula ends too early after '\\+' at column 4"),
    ("x ** ", r"formula ends too early after '\*\*' at column 6"),
    ("x * * y", r"unexpected '\*' at column 5"),
    ("x // 2", "unexpected '/' at column 4"),
    ("'x'", r"strings \(quotes\) are not allowed at column 1"),
    ('x + "y"', r"strings \(quotes\) are not allowed at column 5"),
    ("x; y", r"';' is not allowed \(one expression only\) at column 2"),
    ("max(x, y=1)", r"'=' is not allowed \(no assignments or keyword arguments\) at column 9"),
    ("x, y", "unexpected ',' at column 2 \\(commas only separate function arguments\\)"),
    ("2x", r"unexpected 'x' at column 2 \(write \* to multiply\)"),
    ("x % 2", "unexpected character '%' at column 3"),
    ("x @ y", "unexpected character '@' at column 3"),
    ("x²", "unexpected character '²' at column 2"),
])
def test_rejected_forms_name_problem_and_column(expr, message):
    with pytest.raises(ValueError, match=message) as info:
        formula_surface(expr)
    assert "\n" not in str(info.value)
    if "not supported" in message:  # the '2x' hint does not fit these
        assert "write * to multiply" not in str(info.value)


def test_nesting_and_length_limits():
    deep = "(" * 200 + "x" + ")" * 200
    with pytest.raises(ValueError, match=f"nests too deeply \\(more than {MAX_DEPTH} levels\\) at column"):
        formula_surface(deep)
    with pytest.raises(ValueError, match="nests too deeply"):
        formula_surface("-" * 120 + "x")
    with pytest.raises(ValueError, match="nests too deeply"):
        formula_surface("sin(" * 60 + "x" + ")" * 60)
    ok = "(" * 20 + "x" + ")" * 20
    assert _eval(ok) == pytest.approx(X)
    with pytest.raises(ValueError, match=f"too long \\(501 characters, at most {MAX_LENGTH}\\)"):
        formula_surface("x" + "+x" * 250)
    long_sum = "x" + "+x" * 249  # 499 characters of flat sum: fine, no recursion limit
    assert _eval(long_sum) == pytest.approx(250 * X)


def test_constants_are_folded_into_one_instruction():
    assert len(compile_formula("2^3^2 * pi + sin(1) - max(2, 3)")) == 1
    assert len(compile_formula("x * (2 + 3)")) == 3


def test_non_string_rejected():
    with pytest.raises(ValueError, match="must be a string"):
        formula_surface(3)
