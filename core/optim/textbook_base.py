"""What the textbook optimizers share: torch.optim-style constructor checks and the step loop."""
from __future__ import annotations

import math
import numbers

import torch
from torch.optim import Optimizer


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


class TextbookOptimizer(Optimizer):
    """A textbook optimizer written as :meth:`update` on one parameter tensor.

    ``step`` does what every such torch optimizer does: call the closure (with gradients on), skip a
    parameter without ``.grad``, create the zero state buffers named in :attr:`STATE` on the first step,
    and hand each parameter to :meth:`update` under ``no_grad``. The update is elementwise for all but
    Newton, which solves one 2x2 system per row of its (N, 2) parameter; Nesterov's look-ahead wraps
    its gradient evaluation around this step.
    """

    STATE: tuple[str, ...] = ()

    def update(self, p: torch.Tensor, grad: torch.Tensor, group: dict, state: dict) -> None:
        """Change ``p`` in place from ``grad``, the group's hyperparameters and the buffers in ``state``."""
        raise NotImplementedError

    def _state(self, p: torch.Tensor) -> dict:
        """``self.state[p]`` with the :attr:`STATE` buffers created (zeros) where missing."""
        state = self.state[p]
        for name in self.STATE:
            if name not in state:
                state[name] = torch.zeros_like(p, memory_format=torch.preserve_format)
        return state

    @torch.no_grad()
    def step(self, closure=None):
        loss = _call_closure(closure)
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                self.update(p, p.grad, group, self._state(p))
        return loss
