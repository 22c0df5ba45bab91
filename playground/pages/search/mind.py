"""The sampler's mind, refitted off the GUI thread: module-level functions run as "call" jobs.

:func:`refit` rebuilds what the sampler believes from the complete trials: the GP's mean, band and
expected improvement for bayes on one or two knobs (:mod:`playground.surrogates.gp_refit`), or TPE's
good and bad densities for tpe on one knob (:mod:`playground.surrogates.tpe_densities`).
"""
from __future__ import annotations

from playground.surrogates.space import Axis


def refit(kind: str, points, values, axes, progress=None, stop=None):
    """``("gp", GPSurface)`` or ``("tpe", TPEDensities)`` of the trials (values: lower is better).

    Parameters
    ----------
    kind : "gp" or "tpe"
    points : list of tuples, the complete trials' knob values (real units)
    values : list of float, their objective, sign-flipped where higher is better
    axes : list of (low, high, log)
    """
    ax = [Axis(float(lo), float(hi), bool(log)) for lo, hi, log in axes]
    if kind == "gp":
        from playground.surrogates.gp_refit import refit_surrogate

        return "gp", refit_surrogate(points, values, ax, seed=0)
    from playground.surrogates.tpe_densities import tpe_densities

    return "tpe", tpe_densities([p[0] for p in points], values, ax[0])
