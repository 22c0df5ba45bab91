"""Torch's lazy imports, done once on the GUI thread before any worker thread uses torch."""
from __future__ import annotations

_WARM = False


def warm_up() -> None:
    """Do torch's lazy imports on the GUI thread, once, before any worker steps an optimizer.

    The first ``optimizer.step()`` imports ``torch._dynamo`` (and sympy). Done in a worker thread while
    PySide's import hook runs on the GUI thread, it crashed the process ("none_dealloc: deallocating
    None"). Importing here first makes the worker's imports no-ops.
    """
    global _WARM
    if _WARM:
        return
    import torch
    import torch._dynamo  # noqa: F401 - the lazy import that crashed in a worker thread

    p = torch.zeros(1, 2, dtype=torch.float64, requires_grad=True)
    for opt in (torch.optim.SGD([p], lr=0.1, momentum=0.9), torch.optim.Adam([p])):
        p.grad = torch.ones_like(p)
        opt.step()
    import core.trajectories  # noqa: F401
    _WARM = True
