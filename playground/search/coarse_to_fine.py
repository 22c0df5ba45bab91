"""Coarse-to-fine search as an Optuna sampler (Optuna has none).

The lectures' recipe: sample at random over the whole space, see where the good points are, then
sample more densely in a smaller box around them. Here the trials come in rounds of ``round_size``;
round ``r`` (trials ``r*round_size .. (r+1)*round_size - 1``) samples uniformly (log-uniformly on a
log knob) inside a box fitted to the best trials of the earlier rounds.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np
from optuna.distributions import BaseDistribution, CategoricalDistribution, IntDistribution
from optuna.samplers import BaseSampler
from optuna.study import StudyDirection
from optuna.trial import TrialState

BOX_ATTR = "c2f:box"
ROUND_ATTR = "c2f:round"


class CoarseToFineSampler(BaseSampler):
    """Rounds of random samples, each in a box shrunk around the best trials so far.

    Parameters
    ----------
    search_space : dict
        ``{name: distribution}`` of every knob (the full box of round 0).
    round_size : int, default 10
        Trials per round.
    top_fraction : float, default 0.2
        Fraction of the finished trials (at least one) whose values define the next box.
    shrink : float, default 0.5
        Each round's box is ``shrink`` times as wide as the one before, per knob, so round ``r`` has
        width :math:`s^r (b - a)` of the full range :math:`[a, b]` (in log space on a log knob).
    seed : int, optional
        With a seed, trial ``n`` draws from its own generator ``(seed, n)``: a resumed or a batched
        study draws the same points as one run.

    Notes
    -----
    Round ``r``'s box, per numeric knob: centred on the mean of the top trials' values (in log space
    on a log knob), of width :math:`s^r (b - a)`, moved as needed to contain the best trial and to lie
    inside :math:`[a, b]`. A categorical knob keeps the choices seen among the top trials. Each trial
    records its round and box in the system attributes ``c2f:round`` and ``c2f:box``
    (``{name: {"low", "high", "log"}}`` or ``{name: {"choices"}}``), so a page can draw the boxes.
    A knob missing from the top trials (a conditional one) keeps its previous extent.
    """

    def __init__(self, search_space: dict[str, BaseDistribution], round_size: int = 10,
                 top_fraction: float = 0.2, shrink: float = 0.5, seed: int | None = None):
        if int(round_size) < 1:
            raise ValueError(f"coarse-to-fine: the round size must be at least 1 (got {round_size})")
        if not 0 < float(top_fraction) <= 1:
            raise ValueError(f"coarse-to-fine: the top fraction must lie in (0, 1] (got {top_fraction})")
        if not 0 < float(shrink) < 1:
            raise ValueError(f"coarse-to-fine: the shrink factor must lie in (0, 1) (got {shrink})")
        self.space = dict(search_space)
        self.round_size = int(round_size)
        self.top_fraction = float(top_fraction)
        self.shrink = float(shrink)
        self.seed = seed
        self._rng = np.random.default_rng(seed)

    # ----------------------------------------------------------------- BaseSampler
    def infer_relative_search_space(self, study, trial) -> dict[str, BaseDistribution]:
        return {}

    def sample_relative(self, study, trial, search_space) -> dict[str, Any]:
        return {}

    def reseed_rng(self) -> None:
        self._rng = np.random.default_rng()

    def before_trial(self, study, trial) -> None:
        if BOX_ATTR in trial.system_attrs or "fixed_params" in trial.system_attrs:
            return  # a retried trial keeps its box and its values
        r = trial.number // self.round_size
        box = self.box(study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,)),
                       study.direction, r, before=r * self.round_size)
        study._storage.set_trial_system_attr(trial._trial_id, ROUND_ATTR, r)
        study._storage.set_trial_system_attr(trial._trial_id, BOX_ATTR, box)

    def sample_independent(self, study, trial, param_name: str, param_distribution: BaseDistribution) -> Any:
        box = trial.system_attrs.get(BOX_ATTR, {}).get(param_name)
        if self.seed is None:
            rng = self._rng
        else:
            rng = np.random.default_rng([self.seed, trial.number, sorted(self.space).index(param_name)
                                         if param_name in self.space else len(self.space)])
        d = param_distribution
        if isinstance(d, CategoricalDistribution):
            choices = [c for c in (box or {}).get("choices", d.choices) if c in d.choices] or list(d.choices)
            return choices[int(rng.integers(len(choices)))]
        lo, hi = (box["low"], box["high"]) if box else (d.low, d.high)
        lo, hi = max(lo, d.low), min(hi, d.high)
        if d.log:
            x = math.exp(rng.uniform(math.log(lo), math.log(hi)))
        else:
            x = rng.uniform(lo, hi)
        if isinstance(d, IntDistribution):
            return int(min(max(round(x), math.ceil(lo)), math.floor(hi)))
        return float(min(max(x, d.low), d.high))

    # ----------------------------------------------------------------- the box
    def box(self, trials, direction, r: int, before: int | None = None) -> dict:
        """The box of round ``r`` from the finished ``trials`` numbered below ``before``.

        Returns ``{name: {"low", "high", "log"}}`` for numeric knobs and ``{name: {"choices"}}`` for
        categorical ones, in the knobs' own units (JSON-ready).
        """
        done = [t for t in trials if t.value is not None and math.isfinite(t.value)
                and (before is None or t.number < before)]
        sign = -1.0 if direction == StudyDirection.MAXIMIZE else 1.0
        done.sort(key=lambda t: sign * t.value)
        top = done[:max(1, math.ceil(self.top_fraction * len(done)))] if done else []
        out: dict = {}
        for name, d in self.space.items():
            have = [t.params[name] for t in top if name in t.params]
            if isinstance(d, CategoricalDistribution):
                out[name] = {"choices": [c for c in d.choices if c in have] if have and r > 0 else list(d.choices)}
                continue
            to = (lambda v: math.log(v)) if d.log else (lambda v: float(v))
            back = (lambda u: math.exp(u)) if d.log else (lambda u: u)
            a, b = to(d.low), to(d.high)
            if not have or r == 0:
                out[name] = {"low": d.low, "high": d.high, "log": bool(d.log)}
                continue
            width = (b - a) * self.shrink ** r
            centre = float(np.mean([to(v) for v in have]))
            lo, hi = centre - width / 2, centre + width / 2
            best = to(have[0])
            if best < lo:
                lo, hi = best, best + width
            elif best > hi:
                lo, hi = best - width, best
            if lo < a:
                lo, hi = a, a + width
            if hi > b:
                lo, hi = b - width, b
            low, high = back(lo), back(hi)
            low, high = max(low, d.low), min(high, d.high)  # exp(log(x)) may round past the ends
            if isinstance(d, IntDistribution) and math.floor(high) < math.ceil(low):
                low = high = min(max(round(back(best)), d.low), d.high)
            out[name] = {"low": low, "high": high, "log": bool(d.log)}
        return out

