r"""A race of search methods: each method, over the same sampler seeds, with the same budget of trials.

Every method of :data:`~playground.search.methods.METHODS` searches the same space through the
engine (:class:`~playground.search.engine.Search`, in-memory storage, a round's trials batched as
the engine batches them), once per sampler seed; the training seed stays ``spec.base.seed``, so
every method samples the same function. After trial :math:`n` a method's best so far is

.. math:: b_n = \min_{i \le n} f(x_i) \quad (\max \text{ for an objective to maximize}),

and its regret is measured against the best value :math:`f^*` of the dense grid of the true
response (:func:`playground.search.truth.true_response`):

.. math:: r_n = |b_n - f^*|.

The absolute value is there because a method may land between the dense grid's points, on a value
better than the grid's best.

The grid of the race is the largest grid that fits the budget with about as many values per range
knob (:func:`race_grid`), whatever points the space gives its ranges: with :math:`N` trials on
:math:`d` range knobs, about :math:`N^{1/d}` values of each, where random search tries :math:`N`
distinct values of every knob. When one knob matters and the other does not, random search gets
:math:`N` tries at the knob that matters, the grid :math:`N^{1/d}`: the lectures' point, made
visible. A grid smaller than the budget has nothing more to try after its last point: its best so
far holds to the end of the budget.
"""
from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from .methods import METHODS
from .spec import SearchSpec

__all__ = ["RaceResult", "check_race", "race_grid", "run_race", "RACE_SEEDS", "REGRET_FLOOR"]

#: The sampler seeds a race uses unless told.
RACE_SEEDS = (0, 1, 2)
#: Regrets below this are drawn at it on a log axis (a zero regret has no logarithm; a difference this
#: small is float32 rounding between a batched run and the same run alone, far below the split's noise).
REGRET_FLOOR = 1e-4


@dataclass
class RaceResult:
    """Best-so-far curves of a race.

    Attributes
    ----------
    methods : tuple of str
    seeds : tuple of int
        The sampler seeds; every method ran once with each.
    trials : int
        The budget: every curve has this many values.
    objective : str
        ``"val_loss"`` or ``"val_acc"``.
    minimize : bool
    best : dict
        ``{method: array (len(seeds), trials)}``: the best value so far after each trial (``inf``,
        or ``-inf`` when maximizing, before the first finite value).
    params : dict
        ``{method: [[params of each trial] per seed]}``, in trial order (a grid's ends early).
    true_best : float
        The best value of the dense grid.
    true_params : dict
        The knob values of that best point.
    dense_points : tuple of int
        Values per knob of the dense grid.
    grid : dict
        ``{knob: values}`` of the race's grid.
    elapsed_s : float
        Wall time of the race, the dense grid included.
    """

    methods: tuple
    seeds: tuple
    trials: int
    objective: str
    minimize: bool
    best: dict
    params: dict
    true_best: float
    true_params: dict = field(default_factory=dict)
    dense_points: tuple = ()
    grid: dict = field(default_factory=dict)
    elapsed_s: float = 0.0

    def regret(self, method: str) -> np.ndarray:
        """``|best so far - true best|`` per seed and trial, shape ``(len(seeds), trials)`` (``inf``
        before the method's first finite value)."""
        return np.abs(np.asarray(self.best[method], float) - self.true_best)

    def mean_regret(self, method: str, n: int | None = None) -> float:
        """The mean over seeds of the regret after ``n`` trials (default: the whole budget)."""
        n = self.trials if n is None else int(n)
        return float(np.mean(self.regret(method)[:, n - 1]))

    def distinct(self, method: str, knob: str) -> float:
        """How many distinct values of ``knob`` the method tried, mean over seeds."""
        counts = [len({p[knob] for p in run if knob in p}) for run in self.params[method]]
        return float(np.mean(counts)) if counts else 0.0


class _Stop:
    """A ``stop()`` callable seen as the ``is_set()`` object the engine and the trainers check."""

    def __init__(self, stop: Callable[[], bool] | None):
        self._stop = stop

    def is_set(self) -> bool:
        return bool(self._stop is not None and self._stop())


def race_grid(space, trials: int):
    """The race's grid: ``space`` with every range knob given points so the grid fits ``trials``.

    Choices keep all their values. The range knobs share what the budget leaves,
    :math:`B = \\lfloor N / \\prod_c |c| \\rfloor`: each gets :math:`k = \\lfloor B^{1/d} \\rfloor`
    values (at least 2), then the knobs one after another, in the space's order, one more while the
    product stays within :math:`B` (16 trials on two ranges: 4 x 4; 20: 5 x 4).

    Returns
    -------
    SearchSpace
    """
    from .space import SearchSpace

    ranges = [k for k in space.knobs if k.is_range]
    if not ranges:
        return space
    budget = max(int(trials) // max(math.prod(len(k.choices) for k in space.knobs if not k.is_range), 1), 1)
    d = len(ranges)
    k = max(int(math.floor(budget ** (1.0 / d) + 1e-9)), 2)
    points = [k] * d
    for i in range(d):
        if math.prod(points[:i] + [points[i] + 1] + points[i + 1:]) <= budget:
            points[i] += 1
    given = dict(zip((r.name for r in ranges), points))
    return SearchSpace(tuple(dataclasses.replace(kn, points=given[kn.name]) if kn.is_range else kn
                             for kn in space.knobs))


def _best_so_far(values: Sequence, trials: int, minimize: bool) -> np.ndarray:
    """Running best of ``values`` (None or non-finite: no improvement), held to ``trials`` values."""
    sign = 1.0 if minimize else -1.0
    out = np.empty(int(trials))
    best = math.inf
    for i in range(int(trials)):
        v = values[i] if i < len(values) else None
        if v is not None and math.isfinite(v):
            best = min(best, sign * float(v))
        out[i] = best
    return sign * out


def _dense_runs(spec: SearchSpec, points: int) -> int:
    """How many runs the dense grid trains (an integer knob may have fewer than ``points`` values)."""
    from .truth import dense_values

    return math.prod(len(dense_values(k, points)) for k in spec.space.knobs)


def _truth(spec: SearchSpec, points: int, progress, stop: _Stop, share: float):
    from .truth import true_response

    def prog(done, total):
        if progress is not None and total:
            progress(share * done / total)

    try:
        return true_response(spec, points=points, progress=prog, stop=stop)
    except InterruptedError:
        return None


def _base(spec: SearchSpec, n: int) -> SearchSpec:
    """``spec`` as every run of the race starts from: in memory, no pruner, ``n`` trials."""
    return dataclasses.replace(spec, method="random", trials=n, pruner="none", storage=None, study_name="race",
                               sampler_seed=None)


def check_race(spec: SearchSpec, methods: Sequence[str] = METHODS, seeds: Sequence[int] = RACE_SEEDS,
               trials: int | None = None, points: int = 24) -> None:
    """ValueError (one line) for a race that cannot run; cheap (nothing trains), so a page checks before
    it starts a process.

    A race needs known methods, a seed, a budget of at least one trial, a set-up a search accepts, and a
    space of one or two range knobs (the dense grid of the truth, :func:`playground.search.truth.true_response`).
    """
    from .truth import check as check_truth

    methods = tuple(methods)
    bad = [m for m in methods if m not in METHODS]
    if bad or not methods:
        raise ValueError(f"unknown method {bad[0]!r}: choose from {', '.join(METHODS)}" if bad else
                         "a race needs at least one method")
    if not tuple(seeds):
        raise ValueError("a race needs at least one sampler seed")
    n = int(trials if trials is not None else (spec.trials or 0))
    if n < 1:
        raise ValueError(f"a race needs a budget of at least 1 trial per method (got {n})")
    base = _base(spec, n)
    base.check()
    check_truth(base, points)  # one or two range knobs, at least 2 dense points
    dataclasses.replace(base, method="grid", space=race_grid(spec.space, n)).check()


def run_race(spec: SearchSpec, methods: Sequence[str] = METHODS, seeds: Sequence[int] = RACE_SEEDS,
             trials: int | None = None, points: int = 24, truth=None,
             progress: Callable[[float], None] | None = None, stop: Callable[[], bool] | None = None
             ) -> RaceResult | None:
    """Race ``methods`` on ``spec``'s space, once per sampler seed, ``trials`` trials each.

    Parameters
    ----------
    spec : SearchSpec
        The base set-up, the space (one or two range knobs: the dense grid's), the objective and the
        tpe/bayes start-up trials; its method, storage, pruner (none in a race: a pruned trial has no
        value to race with), sampler seed and grid points play no part.
    methods : sequence of str
        Names of :data:`~playground.search.methods.METHODS`.
    seeds : sequence of int
        Sampler seeds, the same for every method.
    trials : int, optional
        The budget of each method and seed (default ``spec.trials``).
    points : int
        Values per knob of the dense grid of the truth.
    truth : TrueResponse or float, optional
        The dense grid's result, or its best value, if already known (it is then not trained).
    progress : callable ``(fraction)``, optional
        Called as the dense grid and the trials are trained.
    stop : callable ``() -> bool``, optional
        Checked every epoch; once it returns True the race ends and returns None.

    Returns
    -------
    RaceResult or None
        None when stopped.

    Raises
    ------
    ValueError
        An unknown method, no seed, a budget below 1, or a space or set-up the search or the dense
        grid refuses (one line).
    """
    from .engine import Search

    t0 = time.perf_counter()
    methods, seeds = tuple(methods), tuple(int(s) for s in seeds)
    n = int(trials if trials is not None else (spec.trials or 0))
    check_race(spec, methods, seeds, n, points)
    base = _base(spec, n)
    grid_space = race_grid(spec.space, n)
    flag = _Stop(stop)
    runs = len(methods) * len(seeds)
    share = 0.0
    if truth is None:
        # The progress bar's share of the dense grid, by runs: a dense run and a race trial cost about the
        # same (moons, 15 epochs: 4.0 and 3.7 ms batched).
        dense_runs = _dense_runs(base, int(points))
        share = dense_runs / (dense_runs + runs * n)
        truth = _truth(base, int(points), progress, flag, share)
        if truth is None:
            return None
    true_best = float(truth) if isinstance(truth, (int, float)) else float(truth.best_value)
    if not math.isfinite(true_best):
        raise ValueError("every run of the dense grid diverged: there is no true best to race against")
    true_params = {} if isinstance(truth, (int, float)) else dict(truth.best_params)
    dense = () if isinstance(truth, (int, float)) else tuple(len(a) for a in truth.axes)
    minimize = spec.objective != "val_acc"
    best: dict = {m: np.empty((len(seeds), n)) for m in methods}
    params: dict = {m: [] for m in methods}
    for i, method in enumerate(methods):
        for j, seed in enumerate(seeds):
            one = dataclasses.replace(base, method=method, sampler_seed=seed,
                                      space=grid_space if method == "grid" else base.space)
            search = Search(one)
            got: dict = {}
            for r in search.run(flag):
                got[r.number] = r
                if progress is not None:
                    progress(share + (1 - share) * (i * len(seeds) + j + len(got) / n) / runs)
            if flag.is_set():
                return None
            ordered = [got[k] for k in sorted(got)]
            best[method][j] = _best_so_far([r.value if r.state == "COMPLETE" else None for r in ordered], n,
                                           minimize)
            params[method].append([dict(r.params) for r in ordered])
    if progress is not None:
        progress(1.0)
    return RaceResult(methods, seeds, n, spec.objective, minimize, best, params, true_best, true_params, dense,
                      grid_space.grid(), time.perf_counter() - t0)
