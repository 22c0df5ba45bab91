"""The source of a surface for an exported optimizer script.

A catalogue surface is its own class from ``core.surfaces`` (``inspect.getsource``), with the module
constants and helpers it reads, on a small stand-in for ``core.surfaces.base.Surface`` that carries the
base class's own value and gradient methods. A typed formula becomes a torch expression written from
the app's compiled program (``core.surfaces.formula_parser``), operation for operation, so autograd
differentiates the same float64 operations in the same order.
"""
from __future__ import annotations

import ast
import inspect
import math
import operator
import sys
import textwrap

from core.surfaces import base
from core.surfaces.formula import FormulaSurface
from core.surfaces import formula_parser as fp

from playground.exports.embed import source_of

# Names the surface modules import from core.surfaces.base; the script defines them itself.
_PROVIDED = {"Surface", "ParamSpec", "polish", "DTYPE", "as_points", "math", "torch", "np", "lru_cache", "F"}


def _method(cls, name: str) -> str:
    src = textwrap.dedent(inspect.getsource(getattr(cls, name)))
    return textwrap.indent(src, "    ")


def base_source() -> str:
    """DTYPE, as_points, _guard and the stand-in ``Surface`` base class."""
    methods = ["_eval", "f", "value_and_grad", "value_and_grad_autograd", "hessian"]
    body = "\n".join(_method(base.Surface, m) for m in methods)
    return "\n\n".join([
        "DTYPE = torch.float64\nTensor = torch.Tensor",
        source_of(base.as_points), source_of(base._guard),
        "def ParamSpec(*args, **kwargs):\n"
        '    """The app\'s slider description of a parameter (core.surfaces.base.ParamSpec): not needed to run."""\n'
        "    return None",
        "def polish(surface, points, iters=40):\n"
        '    """The app refines the listed critical points by Newton\'s method (core.surfaces.base.polish);\n'
        '    they only label outcomes there, so the script keeps them as given."""\n'
        "    return [tuple(float(c) for c in p) for p in points]",
        "class Surface:\n"
        '    """What the surface class below needs of core.surfaces.base.Surface: its parameters, and the\n'
        '    base class\'s own value and gradient methods (closed form when the class has one, else autograd)."""\n\n'
        "    stochastic = False\n    minima = []\n    saddles = []\n\n"
        "    def __init__(self, **params):\n"
        "        self.params = dict(params)  # every parameter, as the app validated it\n"
        "        self.n_samples = 0\n"
        "        self.minima = list(type(self).minima)\n"
        "        self.saddles = list(type(self).saddles)\n"
        "        self._setup()\n\n"
        "    def _setup(self):\n        pass\n\n"
        "    def _vg(self, x, y):\n        return None\n\n" + body,
    ])


def _is_function(obj) -> bool:
    """A plain function, or one wrapped by a decorator such as lru_cache (its source has the decorator)."""
    return inspect.isfunction(inspect.unwrap(obj)) if callable(obj) else False


def _globals_used(src: str, module) -> list[str]:
    """Module-level names of ``module`` that ``src`` reads, in first-use order, helpers' needs first."""
    names = [n.id for n in ast.walk(ast.parse(src)) if isinstance(n, ast.Name)]
    out: list[str] = []
    for name in dict.fromkeys(names):
        if name in _PROVIDED or not hasattr(module, name) or inspect.isclass(getattr(module, name)):
            continue
        obj = getattr(module, name)
        if _is_function(obj) and obj.__module__ == module.__name__:
            out += [n for n in _globals_used(inspect.getsource(obj), module) if n not in out]
        if name not in out:
            out.append(name)
    return out


def _global_source(module, name: str) -> str:
    obj = getattr(module, name)
    if _is_function(obj):
        return source_of(obj)
    tree = ast.parse(inspect.getsource(module))
    text = inspect.getsource(module)
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AnnAssign) else []
        if any(isinstance(t, ast.Name) and t.id == name for t in targets):
            return f"# From {module.__name__} (unchanged).\n{ast.get_source_segment(text, node)}\n"
    if isinstance(obj, (int, float)):  # a number imported from elsewhere
        return f"{name} = {obj!r}  # from {module.__name__}\n"
    raise ValueError(f"the surface needs {module.__name__}.{name}, which cannot be embedded")


def class_source(surface) -> tuple[str, str]:
    """(source defining the surface's class and what it reads, the expression building it)."""
    if isinstance(surface, FormulaSurface):
        return _formula_source(surface)
    cls = type(surface)
    module = sys.modules[cls.__module__]
    src = textwrap.dedent(inspect.getsource(cls))
    parts = [_global_source(module, n) for n in _globals_used(src, module) if n != cls.__name__]
    parts.append(source_of(cls))
    args = ", ".join(f"{k}={v!r}" for k, v in surface.params.items())
    return "\n\n".join(parts), f"{cls.__name__}({args})"


_FUNCS = {fn: f"torch.{name}" for name, (_, fn) in fp.FUNCTIONS.items()}
_FUNCS[fp.F.softplus] = "torch.nn.functional.softplus"
_FUNCS[fp.torch.minimum] = "torch.minimum"
_FUNCS[fp.torch.maximum] = "torch.maximum"
_OPS = {operator.add: "+", operator.sub: "-", operator.mul: "*", operator.truediv: "/", operator.pow: "**"}


def _const(v) -> str:
    v = float(v)
    if math.isnan(v):
        return "math.nan"
    if math.isinf(v):
        return "math.inf" if v > 0 else "-math.inf"
    return f"K({v!r})"


def formula_expression(code) -> str:
    """The torch expression of a compiled formula (postfix program), every operation in its order."""
    stack: list[str] = []
    for op, arg in code:
        if op == fp._CONST:
            stack.append(_const(arg))
        elif op == fp._X:
            stack.append("x")
        elif op == fp._Y:
            stack.append("y")
        elif op == fp._UNARY:
            stack[-1] = f"(-{stack[-1]})" if arg is operator.neg else f"{_FUNCS[arg]}({stack[-1]})"
        else:
            right = stack.pop()
            stack[-1] = f"({stack[-1]} {_OPS[arg]} {right})" if arg in _OPS else f"{_FUNCS[arg]}({stack[-1]}, {right})"
    return stack[0]


def _formula_source(surface) -> tuple[str, str]:
    expr = formula_expression(surface._code)
    src = ("def K(v):\n    \"\"\"A float64 constant, as the app's compiled formula holds it.\"\"\"\n"
           "    return torch.tensor(v, dtype=DTYPE)\n\n\n"
           f"class FormulaSurface(Surface):\n"
           f'    """f(x, y) = {surface.expr.strip()}, typed in the app; its gradient comes from autograd.\n\n'
           "    The expression is the app's compiled formula (core.surfaces.formula_parser) written out: the\n"
           '    same operations in the same order, constants already folded."""\n\n'
           "    def _f(self, x, y):\n"
           f"        return {expr}\n")
    return src, "FormulaSurface()"
