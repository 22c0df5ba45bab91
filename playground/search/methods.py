"""The search methods (Optuna samplers) and pruners, by the names the CLI and the page use.

========================  =====================================================================
method                    sampler
========================  =====================================================================
``grid``                  :class:`optuna.samplers.GridSampler` over the product of every knob's
                          values (choices, or a range's ``points``); each point runs once
                          (:class:`playground.search.grid.QuietGridSampler`).
``random``                :class:`optuna.samplers.RandomSampler`: uniform on a linear range,
                          log-uniform on a log range, uniform over choices.
``coarse-to-fine``        ours, :class:`playground.search.coarse_to_fine.CoarseToFineSampler`:
                          rounds of random samples in boxes shrinking around the best trials.
``tpe``                   :class:`optuna.samplers.TPESampler` (Tree-structured Parzen Estimator):
                          10 random start-up trials, then it samples where a density of the good
                          trials beats that of the bad ones. ``constant_liar`` is on, so trials
                          asked together (a batch, or another process) are spread apart. A
                          conditional knob is modelled from the trials that have it.
``bayes``                 :class:`optuna.samplers.GPSampler`, Bayesian optimization with a
                          Gaussian-process surrogate. Optuna's defaults, which take no kernel or
                          acquisition arguments: a Matérn 5/2 kernel with one length scale per
                          knob (ARD), hyperparameters fitted by maximum a-posteriori, log expected
                          improvement (qLogEI while other trials are still running), 10 random
                          start-up trials. It needs a fixed search space: for a conditional space
                          (momentum only for sgd) it samples every knob outside the space common
                          to all trials with its independent sampler, RandomSampler, and logs a
                          warning on every trial that does.
========================  =====================================================================

Pruners (on the objective reported after each epoch): ``none``; ``median``
(:class:`optuna.pruners.MedianPruner`: stop a trial whose value at an epoch is worse than the median
of the earlier trials at that epoch, after 5 start-up trials); ``halving``
(:class:`optuna.pruners.SuccessiveHalvingPruner`: rungs at growing numbers of epochs, keeping the best
1/4 at each).
"""
from __future__ import annotations

METHODS = ("grid", "random", "coarse-to-fine", "tpe", "bayes")
PRUNERS = ("none", "median", "halving")
#: Coarse-to-fine defaults: trials per round, fraction of best trials that define the box, shrink.
C2F_DEFAULTS = {"round_size": 10, "top_fraction": 0.2, "shrink": 0.5}


def resumed_seed(seed: int | None, n_existing: int) -> int | None:
    """The sampler seed for a study that already holds ``n_existing`` trials.

    A resumed random search seeded as the first run would draw the first run's points again;
    mixing in the number of trials gives a new, still reproducible, stream.
    """
    if seed is None or n_existing == 0:
        return seed
    import numpy as np

    return int(np.random.SeedSequence([int(seed), int(n_existing)]).generate_state(1)[0])


def make_sampler(method: str, space, seed: int | None = None, n_existing: int = 0, startup_trials: int | None = None,
                 **c2f):
    """The Optuna sampler of ``method`` for ``space`` (a :class:`playground.search.space.SearchSpace`);
    ``startup_trials``: tpe's and bayes' random start-up trials (None: Optuna's default, 10)."""
    import optuna

    s = resumed_seed(seed, n_existing)
    if method == "grid":
        from .grid import QuietGridSampler

        return QuietGridSampler(space.grid(), seed=s)
    if method == "random":
        return optuna.samplers.RandomSampler(seed=s)
    if method == "tpe":
        start = {} if startup_trials is None else {"n_startup_trials": int(startup_trials)}
        return optuna.samplers.TPESampler(seed=s, constant_liar=True, **start)
    if method == "bayes":
        start = {} if startup_trials is None else {"n_startup_trials": int(startup_trials)}
        return optuna.samplers.GPSampler(seed=s, **start)
    if method == "coarse-to-fine":
        from .coarse_to_fine import CoarseToFineSampler

        # Seeded per trial number, so the raw seed resumes correctly.
        return CoarseToFineSampler(space.distributions(), seed=seed, **{**C2F_DEFAULTS, **c2f})
    raise ValueError(f"unknown method {method!r}: choose from {', '.join(METHODS)}")


def make_pruner(name: str):
    """The Optuna pruner of ``name`` (``none`` gives :class:`optuna.pruners.NopPruner`)."""
    import optuna

    if name == "none":
        return optuna.pruners.NopPruner()
    if name == "median":
        return optuna.pruners.MedianPruner(n_startup_trials=5, n_warmup_steps=1)
    if name == "halving":
        return optuna.pruners.SuccessiveHalvingPruner()
    raise ValueError(f"unknown pruner {name!r}: choose from {', '.join(PRUNERS)}")
