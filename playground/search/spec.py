"""What a search is (:class:`SearchSpec`) and what it gives (:class:`TrialResult`, :class:`SearchResult`).

Also the trials' record of their training configuration: :func:`trial_config` rebuilds the
:class:`~core.training.config.TrainConfig` a trial trained (its ``config`` user attribute).
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field

from core.training.config import REGRESSION_DATASETS, TrainConfig, parse_split, validate

from .methods import METHODS, PRUNERS
from .space import SearchSpace
from .storage import describe

OBJECTIVES = ("val_loss", "val_acc")
#: The study's user attributes: what it searches (:meth:`SearchSpec.study_attr`), and its last run's
#: method, total and sampler settings (what the page's study list shows and an opened study restores).
STUDY_ATTR = "playground"
RUN_ATTR = "playground_run"
#: Trials asked and trained together when the batched trainer is there (one at a time otherwise).
ASK_BATCH = {"grid": 64, "random": 64, "coarse-to-fine": None, "tpe": 8, "bayes": 8}
#: ... and with a pruner, which compares a trial with the trials finished before its round.
PRUNING_ASK_BATCH = 8
# Fields of the base config that do not change what a study searches.
_IRRELEVANT = ("report_every", "snapshot_every", "grid_size", "hist_bins", "neuron_grid", "sparsity_tol")


def check_setup(base: TrainConfig, objective: str, space: SearchSpace, no_split: str) -> None:
    """The checks a search and a true response share on the fixed set-up ``base``: it is valid, it has a
    validation split (``no_split`` is the message when not), ``val_acc`` is asked only of a classification,
    and ``space`` fits it. Raises ValueError naming the problem."""
    validate(base)
    if parse_split(base.split)[1] <= 0:
        raise ValueError(no_split)
    if objective == "val_acc" and (base.dataset in REGRESSION_DATASETS or base.task == "regression"):
        raise ValueError("objective val_acc needs a classification dataset; use val_loss")
    space.check_base(base)


@dataclass
class SearchSpec:
    """Everything that defines a search.

    Parameters
    ----------
    base : TrainConfig
        The fixed training options; each trial overrides the knobs of ``space``.
    space : SearchSpace
    method : one of :data:`METHODS`.
    trials : int, optional
        The study's total number of trials (a resumed study adds the rest). A grid defaults to
        its whole product (and never runs more).
    sampler_seed : int, optional
        Seed of the sampler (the training seed is ``base.seed``).
    objective : ``"val_loss"`` (minimized) or ``"val_acc"`` (maximized).
    pruner : one of :data:`PRUNERS`.
    storage : str, optional
        ``None`` (in memory), an RDB URL or ``journal:PATH`` (:mod:`playground.search.storage`).
    study_name : str
    batch : bool
        Train trials that share an architecture together (``--no-batch``: one after another).
    ask_batch : int, optional
        Trials per round when batching (default :data:`ASK_BATCH`; coarse-to-fine: its round).
    c2f : dict
        Coarse-to-fine parameters (``round_size``, ``top_fraction``, ``shrink``).
    heartbeat_interval, grace_period : seconds (RDB storages).
    startup_trials : int, optional
        tpe and bayes: random trials before the model takes over (``None``: Optuna's 10). The
        lectures' figure of the surrogate after 2 evaluations needs 2.
    write_once : bool
        Write each trial to the storage once, when it ends (its params, curve, attributes, state
        and value in one transaction with the rest of its round), instead of once when its round
        starts (RUNNING) and once when the round ends. Only
        for a study no other process shares while it runs: the others would not see its running
        trials (a shared grid could run a point twice). A killed run then leaves no RUNNING trial.
    """

    base: TrainConfig
    space: SearchSpace
    method: str = "random"
    trials: int | None = None
    sampler_seed: int | None = None
    objective: str = "val_loss"
    pruner: str = "none"
    storage: str | None = None
    study_name: str = "search"
    batch: bool = True
    ask_batch: int | None = None
    c2f: dict = field(default_factory=dict)
    heartbeat_interval: int | None = None
    grace_period: int | None = None
    startup_trials: int | None = None
    write_once: bool = False

    def check(self) -> None:
        """ValueError (one line) for a search that cannot run."""
        if self.method not in METHODS:
            raise ValueError(f"unknown method {self.method!r}: choose from {', '.join(METHODS)}")
        if self.objective not in OBJECTIVES:
            raise ValueError(f"unknown objective {self.objective!r}: choose from {', '.join(OBJECTIVES)}")
        if self.pruner not in PRUNERS:
            raise ValueError(f"unknown pruner {self.pruner!r}: choose from {', '.join(PRUNERS)}")
        if self.startup_trials is not None and (isinstance(self.startup_trials, bool) or self.startup_trials < 1):
            raise ValueError(f"--startup-trials must be at least 1, got {self.startup_trials!r}")
        if self.trials is None and self.method != "grid":
            raise ValueError(f"--trials N is needed for {self.method} search (only a grid knows its size)")
        if self.trials is not None and int(self.trials) < 1:
            raise ValueError(f"--trials must be at least 1 (got {self.trials})")
        if self.ask_batch is not None and int(self.ask_batch) < 1:
            raise ValueError(f"the trials per round must be at least 1 (got {self.ask_batch})")
        check_setup(self.base, self.objective, self.space,
                    "a search needs a validation split (e.g. --split 60/20/20): tuning uses the dev set")
        if self.method == "grid":
            self.space.grid()

    @property
    def direction(self) -> str:
        return "maximize" if self.objective == "val_acc" else "minimize"

    def study_attr(self) -> dict:
        """What the study records of its search, to refuse resuming it with another space."""
        base = {k: v for k, v in self.base.to_dict().items() if k not in _IRRELEVANT and k not in self.space.names}
        return {"space": self.space.to_dict(), "objective": self.objective, "base": _jsonable(base)}


def attr_difference(have: dict, want: dict) -> str:
    """What differs between two :meth:`SearchSpec.study_attr` records: "space (it differs in lr)", ..."""
    if have.get("space") != want["space"]:
        a, b = have.get("space", {}), want["space"]
        diff = sorted(set(a) ^ set(b)) or sorted(k for k in a if a[k] != b.get(k))
        return f"space (it differs in {', '.join(diff)})"
    if have.get("objective") != want["objective"]:
        return f"objective ({have.get('objective')}, not {want['objective']})"
    a, b = have.get("base", {}), want["base"]
    diff = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
    return f"training set-up (it differs in {', '.join(diff)})"


@dataclass
class TrialResult:
    """One finished trial, as the CLI prints it."""

    number: int
    params: dict
    value: float | None
    state: str
    duration_s: float
    message: str | None = None
    curve: list = field(default_factory=list)   # the objective after each epoch (1, 2, ...)

    def record(self) -> dict:
        out = {"number": self.number, "params": self.params, "value": _num(self.value), "state": self.state,
               "duration_s": round(self.duration_s, 4)}
        if self.message:
            out["message"] = self.message
        return out


@dataclass
class SearchResult:
    """The end of a search: the best trial and its one evaluation on the test split."""

    best_number: int | None
    best_params: dict | None
    best_value: float | None
    best_config: TrainConfig | None
    final: object | None          # the best config's final Metrics (with test_loss / test_acc)
    counts: dict
    importance: dict | None = None

    def record(self, spec: SearchSpec) -> dict:
        f = self.final
        return {"final": True, "study": spec.study_name, "storage": describe(spec.storage), "method": spec.method,
                "objective": spec.objective, "direction": spec.direction, "trials": self.counts,
                "best": None if self.best_number is None else
                {"number": self.best_number, "params": self.best_params, "value": _num(self.best_value)},
                "test_loss": _num(getattr(f, "test_loss", None)), "test_acc": _num(getattr(f, "test_acc", None)),
                "val_loss": _num(getattr(f, "val_loss", None)), "val_acc": _num(getattr(f, "val_acc", None)),
                "importance": self.importance}


def _num(v):
    return float(v) if isinstance(v, (int, float)) and math.isfinite(v) else None


def _jsonable(obj):
    return json.loads(json.dumps(obj, default=list))


def config_key(config: TrainConfig) -> str:
    """Canonical JSON of the fields that make a training run (two equal keys train the same)."""
    d = {k: v for k, v in config.to_dict().items() if k not in _IRRELEVANT}
    return json.dumps(_jsonable(d), sort_keys=True)


_TUPLES = ("split", "features", "layers")


def trial_config(trial) -> TrainConfig:
    """The TrainConfig of a trial of a study written by the engine (its ``config`` user attribute)."""
    d = dict(trial.user_attrs["config"])
    for k in _TUPLES:
        d[k] = tuple(d[k])
    for k in ("activation", "dropout", "batchnorm"):
        if isinstance(d.get(k), list):
            d[k] = tuple(d[k])
    d["hparams"] = {k: tuple(v) if isinstance(v, list) else v for k, v in d.get("hparams", {}).items()}
    return TrainConfig(**d)
