r"""The true response of a search space: the objective on a dense grid of one or two knobs.

A search sees its objective only at the trials it ran. For a space of one or two range knobs the
whole surface is affordable: train every point of a dense grid (``points`` values per knob, spaced
evenly, in log space for a log knob) with the batched trainer, and the trials can be drawn on the
truth they were sampling. Each grid point's :class:`~core.training.config.TrainConfig` is built as
the engine builds a trial's, ``space.config(base, params)`` with the knobs that apply, so a grid
point and a trial at the same values train the same run; like a trial, it never sees the test split.
"""
from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np


from .spec import OBJECTIVES, SearchSpec, check_setup
from .space import Knob
from .trainers import train_group

__all__ = ["TrueResponse", "check", "dense_values", "true_response", "truth_job"]

#: Grid points handed to the trainer at once: large enough to batch well, small enough that a
#: stop or the progress readout never waits for the whole grid's memory.
CHUNK = 576


@dataclass(frozen=True)
class TrueResponse:
    """The objective over a dense grid of one or two knobs.

    Attributes
    ----------
    names : tuple of str
        The knobs, in the space's order.
    axes : tuple of numpy.ndarray
        Each knob's grid values in real units (geometric where the knob is log, distinct whole
        numbers where it is an integer knob).
    values : numpy.ndarray
        The objective at every grid point, shape ``(n,)`` or ``(n1, n2)`` with ``values[i, j]`` at
        ``(axes[0][i], axes[1][j])``; NaN where the run diverged or was refused.
    objective : str
        ``"val_loss"`` or ``"val_acc"``.
    minimize : bool
        True for ``val_loss``.
    best_value : float
        The best finite value (min, or max for ``val_acc``); NaN if none is finite.
    best_params : dict
        The knob values of the best point (empty if none is finite).
    """

    names: tuple[str, ...]
    axes: tuple[np.ndarray, ...]
    values: np.ndarray
    objective: str
    minimize: bool
    best_value: float
    best_params: dict = field(default_factory=dict)

    @property
    def trainings(self) -> int:
        """How many runs the grid took (the product of the axes' lengths)."""
        return int(np.prod([len(a) for a in self.axes]))


def dense_values(knob: Knob, points: int) -> np.ndarray:
    """A range knob's dense grid: ``points`` values over ``[low, high]``.

    Spaced evenly in :math:`\\log x` for a log knob (``numpy.geomspace``), in :math:`x` otherwise;
    an integer knob keeps the distinct rounded values (fewer than ``points`` on a short range).

    Raises
    ------
    ValueError
        For a knob of choices.
    """
    if not knob.is_range:
        raise ValueError(f"{knob.name}: the true response needs range knobs, and {knob.name} is a list of "
                         "choices; search it over a range, or fix it in the base set-up")
    lo, hi = float(knob.low), float(knob.high)
    vals = np.geomspace(lo, hi, points) if knob.log else np.linspace(lo, hi, points)
    vals[0], vals[-1] = lo, hi
    if knob.info.type == "int":
        return np.array(sorted({int(round(v)) for v in vals}), dtype=int)
    return vals.astype(float)


def check(spec: SearchSpec, points: int = 24) -> list[Knob]:
    """The knobs of ``spec``'s space if a true response can be computed; ValueError (one line) otherwise."""
    knobs = list(spec.space.knobs)
    if not 1 <= len(knobs) <= 2:
        raise ValueError(f"the true response is drawn for one or two knobs; this space has {len(knobs)} "
                         f"({', '.join(spec.space.names)})")
    for k in knobs:
        if not k.is_range:
            dense_values(k, 2)  # raises the message for choices
    if isinstance(points, bool) or not isinstance(points, int) or points < 2:
        raise ValueError(f"the true response needs at least 2 points per knob, got {points!r}")
    if spec.objective not in OBJECTIVES:
        raise ValueError(f"unknown objective {spec.objective!r}: choose from {', '.join(OBJECTIVES)}")
    check_setup(spec.base, spec.objective, spec.space,
                "the true response needs a validation split (e.g. 60/20/20): it never uses the test set")
    return knobs


def _params(spec: SearchSpec, values: tuple) -> dict:
    """The knob values as a trial's params: Python numbers, and only the knobs that apply."""
    params = {}
    for k, v in zip(spec.space.knobs, values):
        if spec.space.applies(k.name, spec.base.optimizer):
            params[k.name] = int(v) if k.info.type == "int" else float(v)
    return params


def _objective(out, objective: str) -> float:
    """A run's objective from its reports (NaN: refused, stopped before its end, or diverged)."""
    if isinstance(out, Exception) or not out:
        return math.nan
    final = next((m for m in reversed(out) if m.kind == "final"), None)
    if final is None or final.stopped in ("stopped", "nan"):
        return math.nan
    v = getattr(final, objective)
    return float(v) if v is not None and math.isfinite(v) else math.nan


def true_response(spec: SearchSpec, points: int = 24, progress: Callable[[int, int], None] | None = None,
                  stop=None) -> TrueResponse:
    r"""Train a dense grid of ``spec``'s one or two knobs and return the objective on it.

    Parameters
    ----------
    spec : SearchSpec
        Its ``base`` (fixed options), ``space`` (one or two range knobs) and ``objective``; the
        method, trials and storage play no part.
    points : int
        Grid values per knob (an integer knob keeps its distinct values, so possibly fewer): a 2-knob
        space trains up to ``points**2`` configurations.
    progress : callable ``(done, total)``, optional
        Called after every epoch of every chunk of the grid, in epochs: ``total`` is the sum of the
        configurations' epochs, ``done`` how many of them have been trained.
    stop : object with ``is_set()``, optional
        Checked by the trainer every epoch; when set, the function raises :class:`InterruptedError`.

    Returns
    -------
    TrueResponse
        ``values[i, j] = f(axes[0][i], axes[1][j])`` with :math:`f` the final validation loss
        (or accuracy) of the run at those knob values.

    Raises
    ------
    ValueError
        Zero or more than two knobs, a knob of choices, fewer than 2 points, or a base set-up a
        search refuses (no validation split, ...), with a one-line message.
    InterruptedError
        ``stop`` was set before the grid was done.

    Notes
    -----
    Grid points sharing an architecture train together (:func:`playground.search.trainers.train_group`
    batches them, and trains alone what cannot batch), in chunks of :data:`CHUNK`, with
    ``evaluate_test=False``: the truth is measured on the validation split, as the trials are.
    """
    knobs = check(spec, points)
    axes = tuple(dense_values(k, points) for k in knobs)
    shape = tuple(len(a) for a in axes)
    combos = list(itertools.product(*axes))
    configs = [spec.space.config(spec.base, _params(spec, c)) for c in combos]
    epochs = [int(c.epochs) for c in configs]
    total = sum(epochs)
    done_before = 0
    flat = np.full(len(configs), np.nan)
    for start in range(0, len(configs), CHUNK):
        if stop is not None and stop.is_set():
            raise InterruptedError("the true response was stopped")
        chunk = configs[start:start + CHUNK]
        seen = [0] * len(chunk)

        def on_epoch(epoch: int, reports: list, seen=seen, base=done_before):
            for j, m in enumerate(reports):
                if m is not None:
                    seen[j] = max(seen[j], int(epoch))
            if progress is not None:
                progress(base + sum(seen), total)
            return None

        outs = train_group(chunk, stop, on_epoch, batch=spec.batch)
        if stop is not None and stop.is_set():
            raise InterruptedError("the true response was stopped")
        for j, out in enumerate(outs):
            flat[start + j] = _objective(out, spec.objective)
        done_before += sum(epochs[start:start + CHUNK])
        if progress is not None:
            progress(done_before, total)
    values = flat.reshape(shape)
    minimize = spec.objective != "val_acc"
    best_value, best_params = math.nan, {}
    if np.isfinite(flat).any():
        i = int(np.nanargmin(flat) if minimize else np.nanargmax(flat))
        best_value = float(flat[i])
        best_params = {k.name: (int(v) if k.info.type == "int" else float(v)) for k, v in zip(knobs, combos[i])}
    return TrueResponse(tuple(k.name for k in knobs), axes, values, spec.objective, minimize, best_value, best_params)


class _StopFlag:
    """A ``stop()`` callable seen as an event (``is_set``), as the trainer expects."""

    def __init__(self, stop: Callable[[], bool] | None):
        self._stop = stop

    def is_set(self) -> bool:
        return bool(self._stop is not None and self._stop())


def truth_job(spec: SearchSpec, points: int, progress: Callable[[float], None] | None = None,
              stop: Callable[[], bool] | None = None) -> TrueResponse:
    """:func:`true_response` as a worker "call" job (``functools.partial(truth_job, spec, points)``):
    the job's ``progress`` takes a fraction and its ``stop`` is a callable."""
    def frac(done: int, total: int) -> None:
        if progress is not None:
            progress(done / total if total else 1.0)

    return true_response(spec, points, progress=frac, stop=_StopFlag(stop))
