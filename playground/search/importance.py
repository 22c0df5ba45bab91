"""Which knobs mattered: Optuna's importance evaluators on a finished study.

Lazy and slow enough that it never runs on the GUI thread (a worker or the CLI calls it): Optuna's
evaluators import scipy or scikit-learn (``sklearn.metrics`` alone took 0.7 s to import), and an
evaluation of 64 trials took 0.78 s.
"""
from __future__ import annotations

import math
import warnings

EVALUATORS = ("ped-anova", "fanova", "mdi")


def param_importances(study, evaluator: str | None = None, min_trials: int = 3) -> dict[str, float] | None:
    """``{knob: importance}`` (summing to 1, largest first), or None with too few trials.

    Parameters
    ----------
    study : optuna.Study
    evaluator : None (Optuna's default: PED-ANOVA in Optuna 5), ``"fanova"`` (a random forest,
        scikit-learn) or ``"mdi"`` (mean decrease in impurity, scikit-learn).
    min_trials : complete trials needed before importances mean anything.

    Notes
    -----
    Optuna evaluates the knobs every complete trial has: a conditional knob (momentum only for sgd)
    is left out when some trials lack it.
    """
    from optuna.trial import TrialState

    complete = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
    if len(complete) < min_trials:
        return None
    import optuna.importance as imp

    ev = None
    if evaluator == "fanova":
        ev = imp.FanovaImportanceEvaluator(seed=0)
    elif evaluator == "mdi":
        ev = imp.MeanDecreaseImpurityImportanceEvaluator(seed=0)
    elif evaluator not in (None, "ped-anova"):
        raise ValueError(f"unknown importance evaluator {evaluator!r}: choose from {', '.join(EVALUATORS)}")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "experimental" and too-few-trials warnings: the result says it
            out = imp.get_param_importances(study, evaluator=ev)
    except (RuntimeError, ValueError, ZeroDivisionError):
        return None  # e.g. every trial has the same value, or no knob is shared by all trials
    return {k: float(v) for k, v in out.items() if math.isfinite(v)} or None
