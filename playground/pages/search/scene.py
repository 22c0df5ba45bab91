"""Scenes of the search page (``page = "search"``): what is searched, how, and the fixed training set-up.

A search scene (TOML, ``version = 1``)::

    page = "search"
    title = "Random beats grid"
    lesson = "One to three sentences."
    method = "random"          # grid | random | coarse-to-fine | tpe | bayes
    trials = 16                # a grid may leave it out (its product)
    objective = "val_loss"     # val_loss (minimized) | val_acc (maximized)
    pruner = "none"            # none | median | halving
    sampler_seed = 0
    startup_trials = 2         # tpe, bayes: random trials before the model (0 or absent: Optuna's 10)
    study = "random-vs-grid"   # the study's name in the page's storage

    [space]                    # one knob a line, as in a kind = "space" file
    lr = { low = 1e-3, high = 1.0, log = true, points = 4 }
    weight_decay = "0:0.01:4"

    [base]                     # the fixed training set-up: a training scene's tables
    epochs = 20
    [base.data]
    dataset = "moons"

Every key but ``[space]`` is optional; :func:`validate` fills the defaults, so a validated scene
has every key and round-trips through the model's ``load_scene`` / ``to_scene``.
"""
from __future__ import annotations

from playground.pages.training import scene as scene_training
from playground.search.methods import METHODS, PRUNERS
from playground.search.space import SearchSpace, _knob_from_toml

OBJECTIVES = ("val_loss", "val_acc")
_TOP = ("version", "page", "kind", "title", "lesson", "method", "trials", "objective", "pruner", "sampler_seed",
        "startup_trials",
        "study", "space", "base")
_BASE_KEYS = ("epochs", "seed", "data", "model", "regularization", "optimizer", "schedule")
DEFAULT_BASE = {"epochs": 20, "data": {"dataset": "moons", "n": 300}, "model": {"layers": [8]},
                "optimizer": {"name": "adam", "lr": 0.01, "batch_size": 0}}


def space_from_dict(space: dict) -> SearchSpace:
    """A :class:`SearchSpace` from the ``[space]`` table (ValueError naming ``space.<knob>``)."""
    if not isinstance(space, dict) or not space:
        raise ValueError("space: give at least one knob, such as lr = { low = 1e-3, high = 1.0, log = true }")
    knobs = []
    for name, value in space.items():
        try:
            knobs.append(_knob_from_toml(name, value))
        except ValueError as exc:
            raise ValueError(f"space.{name}: {str(exc).removeprefix(name + ': ')}") from None
    try:
        return SearchSpace(tuple(knobs))
    except ValueError as exc:
        raise ValueError(f"space: {exc}") from None


def space_to_dict(space: SearchSpace) -> dict:
    """The ``[space]`` table of ``space`` (TOML-ready: None choices written "none")."""
    out = {}
    for k in space.knobs:
        d = k.to_dict()
        if "choices" in d:
            d = {"choices": ["none" if c is None else c for c in d["choices"]]}
        out[k.name] = d
    return out


def validate_base(base: dict) -> dict:
    """The ``[base]`` table checked as a training scene (ValueError naming ``base.<key>``), defaults filled."""
    if not isinstance(base, dict):
        raise ValueError("base: must be a table of training settings ([base.data], [base.optimizer], ...)")
    unknown = sorted(set(base) - set(_BASE_KEYS))
    if unknown:
        raise ValueError(f"base.{unknown[0]}: unknown key; allowed: {', '.join(_BASE_KEYS)}")
    try:
        full = scene_training.validate(dict(base))
    except ValueError as exc:
        raise ValueError(f"base.{exc}") from None
    return {k: full[k] for k in _BASE_KEYS}


def base_config(base: dict):
    """The TrainConfig of a validated ``[base]`` table (quiet reporting: trials need no snapshots)."""
    values = scene_training.scene_to_values(base)
    return scene_training.values_to_config(values).replace(report_every=0)


def validate(scene: dict) -> dict:
    """Check a search scene and return it with every default filled in.

    Raises
    ------
    ValueError
        Naming the first bad key or value.
    """
    scene = dict(scene)
    kind = scene.pop("kind", "scene")
    if kind != "scene":
        raise ValueError(f"kind: a search scene has kind 'scene', got {kind!r}")
    unknown = sorted(set(scene) - set(_TOP))
    if unknown:
        raise ValueError(f"unknown key {unknown[0]!r} in the scene; allowed: {', '.join(_TOP)}")
    out = {"version": 1, "page": "search"}
    for key in ("title", "lesson"):
        v = scene.get(key, "")
        if not isinstance(v, str):
            raise ValueError(f"{key} must be text")
        out[key] = v
    method = scene.get("method", "random")
    if method not in METHODS:
        raise ValueError(f"method: must be one of {', '.join(METHODS)}, got {method!r}")
    out["method"] = method
    trials = scene.get("trials", 0 if method == "grid" else 20)
    if isinstance(trials, bool) or not isinstance(trials, int) or trials < 0 or (trials == 0 and method != "grid"):
        raise ValueError(f"trials: a whole number of at least 1 (0 for a whole grid), got {trials!r}")
    out["trials"] = trials
    objective = scene.get("objective", "val_loss")
    if objective not in OBJECTIVES:
        raise ValueError(f"objective: must be one of {', '.join(OBJECTIVES)}, got {objective!r}")
    out["objective"] = objective
    pruner = scene.get("pruner", "none")
    if pruner not in PRUNERS:
        raise ValueError(f"pruner: must be one of {', '.join(PRUNERS)}, got {pruner!r}")
    out["pruner"] = pruner
    seed = scene.get("sampler_seed", 0)
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"sampler_seed: a whole number of at least 0, got {seed!r}")
    out["sampler_seed"] = seed
    startup = scene.get("startup_trials", 0)
    if isinstance(startup, bool) or not isinstance(startup, int) or startup < 0:
        raise ValueError(f"startup_trials: a whole number of at least 0 (0: Optuna's 10), got {startup!r}")
    out["startup_trials"] = startup
    study = scene.get("study", "search")
    if not isinstance(study, str) or not study.strip():
        raise ValueError(f"study: a name, got {study!r}")
    out["study"] = study.strip()
    space = space_from_dict(scene.get("space", {}))
    out["space"] = space_to_dict(space)
    out["base"] = validate_base(scene.get("base", DEFAULT_BASE))
    config = base_config(out["base"])
    try:
        space.check_base(config)
        if method == "grid":
            space.grid()
    except ValueError as exc:
        raise ValueError(f"space: {exc}") from None
    return out
