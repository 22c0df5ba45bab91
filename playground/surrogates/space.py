"""One numeric search axis, and the maps between its real values, its internal scale and [0, 1]."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Axis:
    """A numeric parameter's range.

    Any object with ``low``, ``high`` and ``log`` attributes works where an ``Axis`` is asked for
    (the search engine's own axis records, for one).

    Attributes
    ----------
    low, high : float
        The range in real units, ``low < high`` (both > 0 when ``log``).
    log : bool
        Searched on a log scale: the internal coordinate is ``log10(value)``.
    """

    low: float
    high: float
    log: bool = False


def check_axis(axis) -> None:
    """Raise ValueError for an empty or (for a log axis) non-positive range."""
    low, high = float(axis.low), float(axis.high)
    if not (np.isfinite(low) and np.isfinite(high) and low < high):
        raise ValueError(f"axis range {low!r}..{high!r} is empty")
    if axis.log and low <= 0:
        raise ValueError(f"log axis needs low > 0, got {low!r}")


def to_internal(values, axis) -> np.ndarray:
    """Real values to the axis's internal coordinate: ``log10(v)`` on a log axis, ``v`` otherwise."""
    v = np.asarray(values, dtype=float)
    return np.log10(v) if axis.log else v


def from_internal(t, axis) -> np.ndarray:
    """Inverse of :func:`to_internal`."""
    t = np.asarray(t, dtype=float)
    return 10.0 ** t if axis.log else t


def internal_bounds(axis) -> tuple[float, float]:
    """The range in the internal coordinate."""
    lo, hi = to_internal([axis.low, axis.high], axis)
    return float(lo), float(hi)


def to_unit(values, axis) -> np.ndarray:
    """Real values to [0, 1] along the internal coordinate, as Optuna's GPSampler normalizes.

    ``u = (t - t_low) / (t_high - t_low)`` with ``t`` the internal coordinate. The base of the
    logarithm cancels, so this equals Optuna's natural-log normalization.
    """
    lo, hi = internal_bounds(axis)
    return (to_internal(values, axis) - lo) / (hi - lo)


def from_unit(u, axis) -> np.ndarray:
    """Inverse of :func:`to_unit`."""
    lo, hi = internal_bounds(axis)
    return from_internal(lo + np.asarray(u, dtype=float) * (hi - lo), axis)
