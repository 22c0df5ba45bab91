"""Plain records describing an optimizer and its hyperparameters, and the value checker.

Shared by the torch registry (``core.optim.torch_optim``), the textbook forms (``core.optim.textbook_info``) and
the public entry points in ``core.optim``. No torch import here.
"""
from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass(frozen=True)
class HParam:
    """One hyperparameter of one optimizer.

    Attributes
    ----------
    name : str
        The keyword argument, spelled as torch spells it (``lr``, ``betas``, ``alpha`` ...).
    default : float | bool | tuple[float, float]
        torch's default (for textbook forms: the lecture's).
    low, high : float
        Valid range; for ``kind="pair"`` it applies to each element.
    log : bool
        Suggest a log-scale control (``lr``, ``eps`` ...).
    kind : {"float", "bool", "pair"}
    help : str
        One sentence a student understands.
    low_open, high_open : bool
        Whether the bound itself is excluded (``betas`` live in [0, 1)).
    ui_range : tuple[float, float] | None
        A narrower range for a slider, where the valid range is huge or touches 0 on a log scale.
    """

    name: str
    default: Any
    low: float = 0.0
    high: float = 1.0
    log: bool = False
    kind: str = "float"
    help: str = ""
    low_open: bool = False
    high_open: bool = False
    ui_range: tuple[float, float] | None = None

    def range_text(self) -> str:
        """The valid range in interval notation, e.g. ``[0, 1)``."""
        lo = "(" if self.low_open else "["
        hi = ")" if self.high_open else "]"
        return f"{lo}{self.low:g}, {self.high:g}{hi}"

    def slider_range(self) -> tuple[float, float]:
        """Range for a control: ``ui_range`` if given, else ``(low, high)``."""
        return self.ui_range if self.ui_range is not None else (self.low, self.high)


@dataclass(frozen=True)
class OptimizerInfo:
    """Everything the app shows about one optimizer.

    Attributes
    ----------
    name : str
        Registry name (torch's class name in lower case, or a textbook name such as ``momentum-ema``).
    description : str
        One line, for ``list optimizers``.
    textbook : bool
        True for the lecture forms written by hand in ``core.optim.textbook``.
    hparams : dict[str, HParam]
        In the order a form should show them.
    rule_torch : str
        The update as torch.optim computes it (for a textbook form: the nearest torch optimizer's rule
        and how the two relate).
    rule_lecture : str
        The same update in the lecture notes' symbols.
    symbols : dict[str, str]
        torch name -> lecture symbol, with how the two relate.
    nearest_torch : str | None
        For a textbook form, the registry name of the nearest torch optimizer.
    surface_lr : float
        A sensible starting ``lr`` on the 2-D teaching surfaces (the ``lr`` default is torch's).
    needs_closure : bool
        ``step`` must be given a closure that recomputes the gradient (``nesterov-lookahead``).
    needs_hessian : bool
        ``make_optimizer`` needs ``hessian_fn=`` (``newton``).
    """

    name: str
    description: str
    textbook: bool
    hparams: dict[str, HParam]
    rule_torch: str
    rule_lecture: str
    symbols: dict[str, str]
    nearest_torch: str | None = None
    surface_lr: float = 0.01
    needs_closure: bool = False
    needs_hessian: bool = False
    extra_checks: tuple = field(default=(), repr=False)  # callables(dict) -> None, raise ValueError


def _is_real(x: Any) -> bool:
    # bool is an int subclass: momentum=True is a mistake, not 1.0.
    return isinstance(x, numbers.Real) and not isinstance(x, (bool, np.bool_))


def check_value(opt: str, spec: HParam, value: Any) -> Any:
    """Return ``value`` converted to the spec's kind, or raise ValueError naming the parameter."""
    where = f"{opt}: {spec.name}"
    if spec.kind == "bool":
        if isinstance(value, (bool, np.bool_)):
            return bool(value)
        # 1 and 0 too: a table of per-row hyperparameters holds numbers (torch takes any truthy value)
        if _is_real(value) and float(value) in (0.0, 1.0):
            return float(value) == 1.0
        raise ValueError(f"{where} must be True or False (or 1 / 0), got {value!r}")
    if spec.kind == "pair":
        try:
            items = tuple(value)
        except TypeError:
            raise ValueError(f"{where} must be a pair of numbers like {spec.default!r}, got {value!r}") from None
        if len(items) != 2:
            raise ValueError(f"{where} must be a pair of numbers like {spec.default!r}, got {value!r}")
        return tuple(_check_float(f"{where}[{i}]", spec, v) for i, v in enumerate(items))
    return _check_float(where, spec, value)


def _check_float(where: str, spec: HParam, value: Any) -> float:
    if not _is_real(value):
        raise ValueError(f"{where} must be a number in {spec.range_text()}, got {value!r}")
    v = float(value)
    if not math.isfinite(v):
        raise ValueError(f"{where} must be finite, in {spec.range_text()}, got {v!r}")
    too_low = v <= spec.low if spec.low_open else v < spec.low
    too_high = v >= spec.high if spec.high_open else v > spec.high
    if too_low or too_high:
        raise ValueError(f"{where} must be in {spec.range_text()}, got {v!r}")
    return v
