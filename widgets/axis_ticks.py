"""Tick steps for the views that set their own axis ticks."""
from __future__ import annotations

import numpy as np


def nice_step(at_least: float) -> float:
    """The smallest 1, 2 or 5 times a power of ten that is >= ``at_least`` (> 0; 1.0 otherwise).

    Not 2.5: pyqtgraph prints a tick with the step's decimals, so 0.25 read "0.2" and 0.0025 "0.003".
    """
    if not np.isfinite(at_least) or at_least <= 0:
        return 1.0
    e = 10.0 ** np.floor(np.log10(at_least))
    return float(next(m * e for m in (1, 2, 5, 10) if m * e >= at_least * (1 - 1e-9)))
