"""Scenes of the training page: validation and conversion to and from a TrainConfig.

A training scene (TOML, ``version = 1``, ``page = "training"``)::

    title = "Xavier keeps activations alive"
    lesson = "One to three sentences."
    epochs = 100
    seed = 0
    views = ["decision", "curves", "diagram", "histograms"]

    [data]            # dataset, n, noise, classes, split, features, normalize, data_seed, points
    [model]           # layers, activation, batchnorm ("off" | "before" | "after"), init
    [regularization]  # l1, l2, weight_decay, dropout, augment, early_stopping (0 = off)
    [optimizer]       # name, lr, batch_size (0 = full batch), hparams = {...}
    [schedule]        # spec ("" = constant), per ("epoch" | "iteration")

Every table and key is optional; :func:`validate` fills the defaults, so a validated scene
always has every key and round-trips through ``load_scene`` / ``scene``.
"""
from __future__ import annotations

from core.optim import parse_schedule, validate_hparams
from core.training import config as cfg

VIEWS = ("decision", "curves", "diagram", "histograms", "confusion")

_DEFAULT = cfg.TrainConfig(dataset="moons", n=500, noise=0.15, layers=(16, 16), activation="relu",
                           init="he-normal", optimizer="adam", lr=0.01, batch_size=32, epochs=100)

# scene table -> {scene key: TrainConfig field}
_TABLES = {
    "data": {"dataset": "dataset", "n": "n", "noise": "noise", "classes": "classes", "split": "split",
             "features": "features", "normalize": "normalize", "data_seed": "data_seed", "points": "points"},
    "model": {"layers": "layers", "activation": "activation", "batchnorm": "batchnorm", "init": "init"},
    "regularization": {"l1": "l1", "l2": "l2", "weight_decay": "weight_decay", "dropout": "dropout",
                       "augment": "augment", "early_stopping": "early_stopping"},
    "optimizer": {"name": "optimizer", "lr": "lr", "batch_size": "batch_size", "hparams": "hparams"},
    "schedule": {"spec": "schedule", "per": "schedule_per"},
}
_TOP = ("version", "page", "title", "lesson", "epochs", "seed", "views")


def _check_keys(table: dict, allowed, where: str) -> None:
    unknown = sorted(set(table) - set(allowed))
    if unknown:
        raise ValueError(f"unknown key {unknown[0]!r} in {where}; allowed: {', '.join(allowed)}")


def scene_to_values(scene: dict) -> dict:
    """TrainConfig field values of a (raw or validated) training scene."""
    values = _DEFAULT.to_dict()
    values["epochs"] = scene.get("epochs", values["epochs"])
    values["seed"] = scene.get("seed", values["seed"])
    for table, keys in _TABLES.items():
        t = scene.get(table, {})
        if not isinstance(t, dict):
            raise ValueError(f"[{table}] must be a table")
        _check_keys(t, keys, f"[{table}]")
        for key, field in keys.items():
            if key in t:
                values[field] = t[key]
    # Scene spellings -> TrainConfig values.
    if values["batchnorm"] in ("off", "none", ""):
        values["batchnorm"] = None
    if values["batch_size"] in (0, None):
        values["batch_size"] = None
    if values["early_stopping"] in (0, None, False):
        values["early_stopping"] = None
    if values["schedule"] in ("", "none", "constant"):
        values["schedule"] = None
    if values["points"] is not None:
        values["points"] = _points(values["points"])
        values["dataset"] = "user"
    values["split"] = cfg.parse_split(values["split"])
    values["layers"] = cfg.parse_layers(values["layers"])
    values["features"] = tuple(values["features"])
    if isinstance(values["dropout"], list):
        values["dropout"] = tuple(values["dropout"])  # the numbers are checked by cfg.validate, by name
    return values


def _points(points) -> list[tuple[float, float, float]]:
    """[[x1, x2, label], ...] -> tuples of floats; a bad entry is named ("points: ...")."""
    out = []
    for i, p in enumerate(points if isinstance(points, (list, tuple)) else [points]):
        if (not isinstance(p, (list, tuple)) or len(p) != 3
                or any(isinstance(v, bool) or not isinstance(v, (int, float)) for v in p)):
            raise ValueError(f"points: entry {i + 1} must be [x1, x2, label] numbers, got {p!r}")
        out.append(tuple(float(v) for v in p))
    return out


def values_to_config(values: dict) -> cfg.TrainConfig:
    """A validated TrainConfig from field values (raises ValueError)."""
    known = {f for f in cfg.TrainConfig.__dataclass_fields__}
    config = cfg.TrainConfig(**{k: v for k, v in values.items() if k in known})
    cfg.validate(config)
    return config


def values_to_scene(values: dict, title: str = "", lesson: str = "", views=VIEWS[:4]) -> dict:
    """A training scene dict (TOML-ready) from TrainConfig field values."""
    v = values
    scene = {
        "version": 1, "page": "training", "title": title, "lesson": lesson,
        "epochs": int(v["epochs"]), "seed": int(v["seed"]), "views": list(views),
        "data": {"dataset": v["dataset"], "n": int(v["n"]), "noise": float(v["noise"]),
                 "classes": int(v["classes"]), "split": [float(x) for x in cfg.parse_split(v["split"])],
                 "features": list(v["features"]), "normalize": bool(v["normalize"])},
        "model": {"layers": list(v["layers"]),
                  "activation": v["activation"] if isinstance(v["activation"], str) else list(v["activation"]),
                  "batchnorm": v["batchnorm"] or "off", "init": v["init"]},
        "regularization": {"l1": float(v["l1"]), "l2": float(v["l2"]), "weight_decay": v["weight_decay"],
                           "dropout": v["dropout"] if isinstance(v["dropout"], (int, float)) else list(v["dropout"]),
                           "augment": v["augment"] or "", "early_stopping": int(v["early_stopping"] or 0)},
        "optimizer": {"name": v["optimizer"], "lr": float(v["lr"]), "batch_size": int(v["batch_size"] or 0),
                      "hparams": dict(v.get("hparams") or {})},
        "schedule": {"spec": v["schedule"] or "", "per": v["schedule_per"]},
    }
    if v.get("data_seed") is not None:
        scene["data"]["data_seed"] = int(v["data_seed"])
    if v["weight_decay"] is None:  # the optimizer's own default (adamw's is 0.01): not the same as 0
        del scene["regularization"]["weight_decay"]
    else:
        scene["regularization"]["weight_decay"] = float(v["weight_decay"])
    if v.get("points") is not None and v["dataset"] == "user":
        scene["data"]["points"] = [list(p) for p in v["points"]]
        scene["data"]["dataset"] = "user"
    return scene


def _scene_spelling(message: str) -> str:
    """A config message that starts with a field ("optimizer: ...") names the scene's key instead,
    table and all ("optimizer.name: ...", "data.noise: ...")."""
    field, sep, rest = message.partition(": ")
    if sep:
        for table, keys in _TABLES.items():
            for key, f in keys.items():
                if f == field:
                    return f"{table}.{key}: {rest}"
    return message


def _check_optimizer(values: dict) -> None:
    """[optimizer] hparams and lr in the optimizer's own ranges, the key named
    ("optimizer.hparams.betas: betas must be a pair of numbers ..."): not at Play, in the trainer."""
    name, hparams = values["optimizer"], values["hparams"]
    if not isinstance(name, str):
        return  # cfg.validate names it
    if not isinstance(hparams, dict):
        raise ValueError(f"optimizer.hparams: must be a table such as {{momentum = 0.9}}, got {hparams!r}")

    def check(key: str, **given) -> None:
        try:
            validate_hparams(name, **given)
        except ValueError as exc:
            rest = str(exc).removeprefix(f"{name}: ")
            raise ValueError(f"optimizer.{key}: {rest}") from None
        except TypeError as exc:  # a value of a type the registry does not take at all
            raise ValueError(f"optimizer.{key}: {exc}") from None

    check("name")  # an unknown optimizer: the message lists the names
    lr = values["lr"] if isinstance(values["lr"], (int, float)) and not isinstance(values["lr"], bool) else None
    try:
        validate_hparams(name, **hparams)
    except (ValueError, TypeError):
        for key, value in hparams.items():  # the key that is wrong on its own, else the combination
            check(f"hparams.{key}", **{key: value})
        check("hparams", **hparams)
    if lr is not None:
        check("lr", **hparams, lr=lr)


def _check_schedule(spec) -> None:
    if isinstance(spec, str) and spec:
        try:
            parse_schedule(spec)
        except ValueError as exc:
            raise ValueError(f"schedule.spec: {exc}") from None


def validate(scene: dict) -> dict:
    """Check a training scene and return it with every default filled in.

    Raises
    ------
    ValueError
        Naming the first bad key or value.
    """
    scene = dict(scene)
    kind = scene.pop("kind", "scene")  # a saved scene says so; this schema reads scenes only
    if kind != "scene":
        raise ValueError(f"kind: a training scene has kind 'scene', got {kind!r}")
    _check_keys(scene, _TOP + tuple(_TABLES), "the scene")
    title = scene.get("title", "")
    lesson = scene.get("lesson", "")
    if not isinstance(title, str) or not isinstance(lesson, str):
        raise ValueError("title and lesson must be text")
    views = scene.get("views", list(VIEWS[:4]))
    if not isinstance(views, list) or any(v not in VIEWS for v in views):
        raise ValueError(f"views must be a list drawn from {', '.join(VIEWS)}")
    for key in ("epochs", "seed"):
        if key in scene and (not isinstance(scene[key], int) or isinstance(scene[key], bool)):
            raise ValueError(f"{key} must be an integer")
    if "epochs" in scene and scene["epochs"] < 1:
        raise ValueError("epochs must be at least 1")
    try:
        values = _checked_values(scene)
    except ValueError as exc:
        message = _scene_spelling(str(exc))
        key = None if _named(message) else _culprit(scene)
        raise ValueError(f"{key}: {message}" if key else message) from None
    return values_to_scene(values, title, lesson, views)


def _checked_values(scene: dict) -> dict:
    """TrainConfig values of a scene, through the trainer's own checks (one clear sentence each)."""
    values = scene_to_values(scene)
    if not isinstance(values["normalize"], bool):
        raise ValueError(f"data.normalize: must be true or false, got {values['normalize']!r}")
    values_to_config(values)
    _check_optimizer(values)
    _check_schedule(values["schedule"])
    return values


def _named(message: str) -> bool:
    """The message already starts with a scene key ("data.noise: ...")."""
    head = message.partition(": ")[0]
    return any(head == table or head.startswith(f"{table}.") for table in _TABLES)


def _culprit(scene: dict) -> str | None:
    """The first key that fails on its own, as "table.key" (None: only the combination fails)."""
    for table, keys in _TABLES.items():
        t = scene.get(table, {})
        for key in keys:
            if isinstance(t, dict) and key in t:
                try:
                    _checked_values({table: {key: t[key]}})
                except ValueError:
                    return f"{table}.{key}"
    return None
