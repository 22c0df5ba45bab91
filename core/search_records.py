"""Plain records of a hyperparameter search, for the plots (no Optuna here: the engine converts its trials).

A :class:`ParamAxis` is one knob's axis (a range, linear or log, or a set of choices); a
:class:`TrialRecord` is one trial as the plots see it. :func:`best_so_far` is the optimization
history's step line.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

STATES = ("complete", "pruned", "fail", "running")


@dataclass(frozen=True)
class ParamAxis:
    """One searched knob's axis.

    Attributes
    ----------
    name : str
        The knob's name, as in :attr:`TrialRecord.params`.
    low, high : float or None
        The range's ends (None for a categorical knob).
    log : bool
        Sampled on a log scale: plots draw this axis in ``log10`` space.
    integer : bool
        Integer values only.
    choices : tuple or None
        A categorical knob's choices, in the order the plots space them evenly.
    """

    name: str
    low: float | None
    high: float | None
    log: bool = False
    integer: bool = False
    choices: tuple | None = None

    def __post_init__(self):
        if self.choices is None:
            if self.low is None or self.high is None or not self.low <= self.high:
                raise ValueError(f"{self.name}: a range needs low <= high, got {self.low} .. {self.high}")
            if self.log and self.low <= 0:
                raise ValueError(f"{self.name}: a log axis needs low > 0, got {self.low}")

    @property
    def categorical(self) -> bool:
        """True for an axis of choices."""
        return self.choices is not None

    def to_plot(self, value) -> float:
        """Where ``value`` sits on a plot's axis: ``log10(value)`` on a log axis, the choice's index for
        choices, ``value`` otherwise; NaN for a value that has no place (missing, not a choice, <= 0 on log)."""
        if self.choices is not None:
            try:
                return float(self.choices.index(value))
            except ValueError:
                return math.nan
        try:
            v = float(value)
        except (TypeError, ValueError):
            return math.nan
        if self.log:
            return math.log10(v) if v > 0 else math.nan
        return v

    def plot_range(self) -> tuple[float, float]:
        """The axis's ends in plot coordinates (``-0.5 .. n - 0.5`` for choices, so each sits in its own slot)."""
        if self.choices is not None:
            return -0.5, len(self.choices) - 0.5
        return self.to_plot(self.low), self.to_plot(self.high)


@dataclass(frozen=True)
class TrialRecord:
    """One trial as the plots draw it.

    Attributes
    ----------
    number : int
        The trial's number in its study (0, 1, ...).
    params : dict
        Knob name -> sampled value.
    value : float or None
        The objective (None for a pruned, failed or running trial).
    state : str
        One of ``"complete"``, ``"pruned"``, ``"fail"``, ``"running"``.
    intermediate : dict of int -> float
        Reported values by step (epoch): the trial's learning curve.
    attrs : dict
        Anything else; ``"duration"`` (seconds) is shown by the table, ``"error"`` by tool tips.
    """

    number: int
    params: dict
    value: float | None
    state: str
    intermediate: dict = field(default_factory=dict)
    attrs: dict = field(default_factory=dict)

    def __post_init__(self):
        if self.state not in STATES:
            raise ValueError(f"trial {self.number}: state must be one of {', '.join(STATES)}, got {self.state!r}")

    @property
    def finite_value(self) -> float | None:
        """The objective when it is a finite number, else None."""
        if self.value is None:
            return None
        v = float(self.value)
        return v if math.isfinite(v) else None

    def last_intermediate(self) -> tuple[int, float] | None:
        """The last reported ``(step, value)`` (where a pruned trial stopped), or None."""
        if not self.intermediate:
            return None
        step = max(self.intermediate)
        return step, float(self.intermediate[step])


def best_so_far(records, minimize: bool = True) -> list[tuple[int, float]]:
    """The best objective after each complete trial, as ``(trial number, best)`` pairs in trial order.

    .. math:: b_k = \\min_{j \\le k,\\ j \\text{ complete}} f_j \\quad (\\max \\text{ when maximizing})

    Only complete trials with a finite value count; one pair per such trial, so the pairs are the
    corners of the history's step line.

    Parameters
    ----------
    records : iterable of TrialRecord
    minimize : bool
        The study's direction.

    Returns
    -------
    list of (int, float)
    """
    out: list[tuple[int, float]] = []
    best = None
    for r in sorted(records, key=lambda r: r.number):
        v = r.finite_value
        if r.state != "complete" or v is None:
            continue
        if best is None or (v < best if minimize else v > best):
            best = v
        out.append((r.number, best))
    return out
