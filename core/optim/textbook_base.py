"""Constructor checks shared by the textbook optimizers (torch.optim's style of ValueError)."""
from __future__ import annotations

import math
import numbers

import torch



def _check(name: str, value, low: float, high: float = math.inf, high_open: bool = False) -> None:
    """torch-style constructor check: a finite real in [low, high] (or [low, high))."""
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value)
    ok = ok and low <= value and (value < high if high_open else value <= high)
    if not ok:
        bracket = ")" if high_open else "]"
        raise ValueError(f"Invalid {name}: {value!r} (must be a finite number in [{low:g}, {high:g}{bracket})")


def _betas(betas) -> tuple[float, float]:
    try:
        b1, b2 = betas
    except (TypeError, ValueError):
        raise ValueError(f"Invalid betas: {betas!r} (must be a pair (beta1, beta2))") from None
    _check("beta parameter at index 0", b1, 0.0, 1.0, high_open=True)
    _check("beta parameter at index 1", b2, 0.0, 1.0, high_open=True)
    return float(b1), float(b2)


def _call_closure(closure):
    if closure is None:
        return None
    with torch.enable_grad():
        return closure()
