"""The "Race" tab's state, no Qt: :class:`RaceModel`, the race's spec from the page's settings, its texts.

The race runs every method on the page's space and set-up with the page's number of trials, once
per sampler seed (:func:`playground.search.race.run_race`); the page's method, storage, pruner and
sampler seed play no part.
"""
from __future__ import annotations

import enum
import math
from dataclasses import dataclass

from playground.pages.search import scene as scene_search

#: Sampler seeds a race runs by default (the lectures compare methods over a few seeds).
DEFAULT_SEEDS = 3
MAX_SEEDS = 8
#: Values per knob of the dense grid the regret is measured against.
DENSE_POINTS = 24
#: tpe's and bayes' random start-up trials when the page leaves it to Optuna.
OPTUNA_STARTUP = 10


class RaceStatus(enum.Enum):
    """Where the tab's race is."""

    IDLE = "idle"
    RUNNING = "running"
    CANCELLING = "cancelling"
    DONE = "done"
    CANCELLED = "cancelled"
    FAILED = "failed"


@dataclass
class RaceModel:
    """State of the Race tab.

    Attributes
    ----------
    seeds : int
        How many sampler seeds (0, 1, ...) each method runs with.
    status : RaceStatus
    progress : float
        Fraction of the race done.
    result : RaceResult or None
        The last finished race.
    message : str
        The status line (an error when :attr:`error`).
    """

    seeds: int = DEFAULT_SEEDS
    points: int = DENSE_POINTS
    status: RaceStatus = RaceStatus.IDLE
    progress: float = 0.0
    result: object = None
    message: str = ""
    error: bool = False

    @property
    def running(self) -> bool:
        return self.status in (RaceStatus.RUNNING, RaceStatus.CANCELLING)

    def say(self, text: str, error: bool = False) -> None:
        self.message, self.error = text, bool(error)


def race_spec(page_model, points: int = DENSE_POINTS):
    """The :class:`~playground.search.spec.SearchSpec` a race of the page's settings runs (ValueError: one
    line naming the problem, as a search gives it, or why the space cannot race)."""
    from playground.search.race import check_race
    from playground.search.spec import SearchSpec

    scene = page_model.to_scene()
    if not scene.get("trials"):
        raise ValueError("a race needs a number of trials per method (set Trials above 0)")
    spec = SearchSpec(base=scene_search.base_config(scene["base"]), space=scene_search.space_from_dict(scene["space"]),
                      method="random", trials=int(scene["trials"]), objective=scene["objective"],
                      startup_trials=int(scene.get("startup_trials") or 0) or None)
    check_race(spec, trials=spec.trials, points=points)
    return spec


def _num(v: float) -> str:
    if v == 0 or not math.isfinite(v):
        return f"{v:g}"
    if abs(v) < 1e-3 or abs(v) >= 1e4:
        mant, _, exp = f"{v:.2e}".partition("e")
        return f"{mant}e{int(exp)}"
    return f"{v:.4g}"


def caption_text(result) -> str:
    """What the regret is measured against, and random against grid, in two short sentences."""
    r = result
    grid = " × ".join(str(n) for n in r.dense_points) or "dense"
    where = ", ".join(f"{k} {_num(v)}" for k, v in r.true_params.items())
    out = (f"Regret to the {grid} dense grid's best, {r.objective} {_num(r.true_best)}"
           + (f" ({where})" if where else "") + ".")
    if "grid" in r.methods and "random" in r.methods:
        g, rnd = r.mean_regret("grid"), r.mean_regret("random")
        verdict = "beats" if rnd < g else ("ties" if rnd == g else "loses to")
        counts = [(r.distinct("grid", k), r.distinct("random", k)) for k in r.grid]
        if len(set(counts)) == 1 and len(r.grid) > 1:
            tried = f"{counts[0][0]:g} values of each knob against {counts[0][1]:g}"
        else:
            tried = "; ".join(f"{gc:g} values of {k} against {rc:g}" for k, (gc, rc) in zip(r.grid, counts))
        out += f" After {r.trials} trials random {verdict} grid, {_num(rnd)} to {_num(g)}: the grid tried {tried}."
    return out


def done_text(result, startup_trials: int | None = None) -> str:
    """"Race done: 5 methods × 3 seeds × 16 trials in 42 s.", and a note when tpe and bayes spent most of
    the budget in their random start-up (``startup_trials``: the spec's, None for Optuna's 10)."""
    r = result
    s = r.elapsed_s
    took = f"{s:.0f} s" if s < 120 else f"{s / 60:.1f} min"
    out = f"Race done: {len(r.methods)} methods × {len(r.seeds)} seeds × {r.trials} trials in {took}."
    start = OPTUNA_STARTUP if startup_trials is None else int(startup_trials)
    model_based = [m for m in ("tpe", "bayes") if m in r.methods]
    if model_based and 2 * start >= r.trials:
        out += (f" {' and '.join(model_based)} are random for their first {start} trials"
                + (" (Optuna's default)" if startup_trials is None else "") + ".")
    return out
