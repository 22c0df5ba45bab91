"""Check and normalize an optimizer-page scene (``page = "optimizer"``).

A scene::

    version = 1
    page = "optimizer"
    title = "Saddle escape"
    lesson = "One to three sentences shown beside the plot."
    surface = "saddle"              # a core.surfaces spec string
    start = [0.01, -1.5]            # optional: the surface's own start
    steps = 300
    view = [-2, 2, -2, 2]           # optional: xmin, xmax, ymin, ymax
    theme = "dark"                  # optional
    [overlays]                      # optional, each a bool
    gradient = true
    [[racers]]
    optimizer = "adam"
    label = "Adam"
    color = "#D55E00"               # optional
    hparams = { lr = 0.05 }
    schedule = "exp:k=0.01"         # optional: a core.optim.schedules spec
    grad_noise = 0.0                # optional
    batch_size = 8                  # optional (data surface)
    seed = 0                        # optional

Every error names the field (``racers[1].hparams: adam: lr must be ...``).
"""
from __future__ import annotations

import functools
import math
import re

MAX_RACERS = 8
MAX_STEPS = 100_000
OVERLAYS = ("gradient", "velocity", "contours", "log_color")
OVERLAY_DEFAULTS = {"gradient": False, "velocity": False, "contours": True, "log_color": False}
TOP_KEYS = {"kind", "version", "page", "title", "lesson", "surface", "racers", "start", "steps", "overlays",
            "view", "theme", "speed"}
RACER_KEYS = {"optimizer", "label", "color", "hparams", "schedule", "grad_noise", "batch_size", "seed"}
_COLOR = re.compile(r"^#[0-9A-Fa-f]{6}$")


@functools.lru_cache(maxsize=16)
def parse_surface(spec: str):
    """``core.surfaces.get_surface(spec)``, remembered: a scene's spec is parsed once where it is loaded,
    not again by the model, the page, the chooser and its sliders (a surface is never mutated)."""
    from core.surfaces import get_surface

    return get_surface(spec)


def _number(where: str, v) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(float(v)):
        raise ValueError(f"{where} must be a finite number, got {v!r}")
    return float(v)


def _int(where: str, v, low: int, high: int) -> int:
    if isinstance(v, bool) or not isinstance(v, int) or not low <= v <= high:
        raise ValueError(f"{where} must be a whole number in [{low}, {high}], got {v!r}")
    return int(v)


def _bool(where: str, v) -> bool:
    if not isinstance(v, bool):
        raise ValueError(f"{where} must be true or false, got {v!r}")
    return v


def _text(where: str, v) -> str:
    if not isinstance(v, str):
        raise ValueError(f"{where} must be a string, got {v!r}")
    return v


def _tomlable(hp: dict) -> dict:
    return {k: (list(v) if isinstance(v, tuple) else v) for k, v in hp.items()}


def validate_racer(r, where: str = "racer") -> dict:
    """Check one racer table; return it with every field filled in (hparams complete)."""
    from core.optim import optimizer_info, validate_hparams

    if not isinstance(r, dict):
        raise ValueError(f"{where} must be a table, got {r!r}")
    extra = set(r) - RACER_KEYS
    if extra:
        raise ValueError(f"{where}: unknown field(s) {', '.join(sorted(extra))}; "
                         f"expected {', '.join(sorted(RACER_KEYS))}")
    if "optimizer" not in r:
        raise ValueError(f"{where}.optimizer is missing")
    name = _text(f"{where}.optimizer", r["optimizer"])
    try:
        info = optimizer_info(name)
    except ValueError as exc:
        raise ValueError(f"{where}.optimizer: {exc}") from None
    hp = r.get("hparams", {})
    if not isinstance(hp, dict):
        raise ValueError(f"{where}.hparams must be a table, got {hp!r}")
    hp = dict(hp)
    hp.setdefault("lr", info.surface_lr)
    try:
        hp = validate_hparams(name, **hp)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"{where}.hparams: {exc}") from None
    out = {"optimizer": name, "label": _text(f"{where}.label", r.get("label", name)) or name,
           "hparams": _tomlable(hp)}
    if r.get("color") is not None:
        c = _text(f"{where}.color", r["color"])
        if not _COLOR.match(c):
            raise ValueError(f"{where}.color must look like '#0072B2', got {c!r}")
        out["color"] = c.upper()
    sched = r.get("schedule") or ""
    _text(f"{where}.schedule", sched)
    if sched.strip():
        from core.optim import parse_schedule

        try:
            parse_schedule(sched)
        except ValueError as exc:
            raise ValueError(f"{where}.schedule: {exc}") from None
    out["schedule"] = sched.strip()
    noise = _number(f"{where}.grad_noise", r.get("grad_noise", 0.0))
    if noise < 0:
        raise ValueError(f"{where}.grad_noise must be >= 0, got {noise!r}")
    out["grad_noise"] = noise
    if r.get("batch_size") is not None:
        out["batch_size"] = _int(f"{where}.batch_size", r["batch_size"], 1, 1_000_000)
    out["seed"] = _int(f"{where}.seed", r.get("seed", 0), 0, 2**31 - 1)
    return out


def _distinct_default_labels(given: list, racers: list) -> None:
    """Racers without a label of their own are called after their optimizer; two of one optimizer become
    "sgd" and "sgd 2", so a legend and ``Results.racer(label)`` tell them apart (given labels stay)."""
    taken = {r["label"] for g, r in zip(given, racers) if isinstance(g, dict) and g.get("label")}
    for g, r in zip(given, racers):
        if isinstance(g, dict) and g.get("label"):
            continue
        label, k = r["label"], 2
        while label in taken:
            label, k = f"{r['label']} {k}", k + 1
        r["label"] = label
        taken.add(label)


def validate(scene: dict) -> dict:
    """Check an optimizer scene and return it normalized (defaults filled in).

    Raises
    ------
    ValueError
        Naming the field at fault.
    """
    if not isinstance(scene, dict):
        raise ValueError("a scene must be a table")
    extra = set(scene) - TOP_KEYS
    if extra:
        raise ValueError(f"unknown field(s) {', '.join(sorted(extra))}; expected {', '.join(sorted(TOP_KEYS))}")
    if scene.get("kind", "scene") != "scene":
        raise ValueError(f"kind must be 'scene', got {scene['kind']!r}")
    out: dict = {"version": scene.get("version", 1), "page": "optimizer"}
    out["title"] = _text("title", scene.get("title", "Untitled"))
    out["lesson"] = _text("lesson", scene.get("lesson", ""))
    if "surface" not in scene:
        raise ValueError("surface is missing (a spec such as 'valley:kappa=10')")
    spec = _text("surface", scene["surface"])
    try:
        surf = parse_surface(spec)
    except ValueError as exc:
        raise ValueError(f"surface: {exc}") from None
    out["surface"] = spec
    racers = scene.get("racers")
    if not isinstance(racers, list) or not racers:
        raise ValueError("racers must be a non-empty list of tables ([[racers]])")
    if len(racers) > MAX_RACERS:
        raise ValueError(f"racers: at most {MAX_RACERS}, got {len(racers)}")
    out["racers"] = [validate_racer(r, f"racers[{i}]") for i, r in enumerate(racers)]
    _distinct_default_labels(racers, out["racers"])
    start = scene.get("start", list(surf.start))
    if not isinstance(start, (list, tuple)) or len(start) != 2:
        raise ValueError(f"start must be [x, y], got {start!r}")
    out["start"] = [_number("start[0]", start[0]), _number("start[1]", start[1])]
    out["steps"] = _int("steps", scene.get("steps", 300), 1, MAX_STEPS)
    overlays = scene.get("overlays", {})
    if not isinstance(overlays, dict):
        raise ValueError(f"overlays must be a table, got {overlays!r}")
    bad = set(overlays) - set(OVERLAYS)
    if bad:
        raise ValueError(f"overlays: unknown {', '.join(sorted(bad))}; expected {', '.join(OVERLAYS)}")
    out["overlays"] = {k: _bool(f"overlays.{k}", overlays.get(k, OVERLAY_DEFAULTS[k])) for k in OVERLAYS}
    if scene.get("view") is not None:
        v = scene["view"]
        if not isinstance(v, (list, tuple)) or len(v) != 4:
            raise ValueError(f"view must be [xmin, xmax, ymin, ymax], got {v!r}")
        v = [_number(f"view[{i}]", x) for i, x in enumerate(v)]
        if not (v[0] < v[1] and v[2] < v[3]):
            raise ValueError(f"view must have xmin < xmax and ymin < ymax, got {v!r}")
        out["view"] = v
    if scene.get("theme") is not None:
        t = _text("theme", scene["theme"])
        if t not in ("light", "dark"):
            raise ValueError(f"theme must be 'light' or 'dark', got {t!r}")
        out["theme"] = t
    if scene.get("speed") is not None:
        out["speed"] = _int("speed", scene["speed"], 1, 100)
    return out
