"""The optimizer page's whole state, as one evented object that knows nothing of widgets.

:class:`OptimizerModel` is a psygnal evented dataclass: assigning a field emits
``model.events.<field>`` (only when the value changed). The page (``page.py``) subscribes and
updates its widgets; its widgets write back only by assigning fields; the racer subprocess gets its
job from the fields and writes the trajectories into ``trajectories``.

Fields are of three sorts (``field(metadata={"saved": ...})``):

* ``"scene"``: what a scene file holds (:meth:`OptimizerModel.to_scene`, :meth:`load_scene`);
* ``"session"``: saved with the app's session but not in a scene (open side tab, map settings,
  the chooser's batch size);
* runtime (no ``saved``): the step cursor, playing, results, errors.

Whole-model changes (:meth:`load_scene`, :meth:`set_state`) assign every field with the field
events blocked, then emit :attr:`OptimizerModel.loaded` once: a view refreshes everything once
instead of restarting the race per field.

Example::

    m = OptimizerModel()
    m.load_scene(playground.scenes.load_scene("saddle-escape"))
    m.events.steps.connect(print)
    m.steps = 500                      # prints 500
    OptimizerModel().set_state(m.state()) == m   # True
"""
from __future__ import annotations

import contextlib
import copy
import dataclasses
import operator
from dataclasses import dataclass, field

from psygnal import Signal, evented

from playground.pages.optimizer import scene as scene_schema

SCENE, SESSION = "scene", "session"


def _saved(kind: str, default=dataclasses.MISSING, factory=dataclasses.MISSING):
    if factory is not dataclasses.MISSING:
        return field(default_factory=factory, metadata={"saved": kind})
    return field(default=default, metadata={"saved": kind})


def _runtime(default=None, factory=dataclasses.MISSING):
    # Results and cursors: not saved, not compared by __eq__.
    if factory is not dataclasses.MISSING:
        return field(default_factory=factory, compare=False)
    return field(default=default, compare=False)


# Results hold numpy arrays: ``==`` on them is elementwise (psygnal would raise deciding whether to
# emit). They are replaced, never mutated, so identity says whether they changed.
@evented(equality_operators={"trajectories": operator.is_, "surface_object": operator.is_})
@dataclass(eq=False)
class OptimizerModel:
    """Everything the optimizer page shows and runs.

    Attributes
    ----------
    title, lesson : str
        The lesson box (scene). Picking another surface shows that surface's own lesson.
    surface : str
        The surface's canonical ``core.surfaces`` spec (scene). Assigning a spec string parses it
        (ValueError on a bad one, nothing changed); assigning a ``Surface`` stores it and its spec.
    start : (float, float)
        Where every racer starts (scene).
    racers : tuple of dict
        Each racer's settings: ``optimizer, label, color, hparams, schedule, grad_noise, seed`` and
        optionally ``batch_size`` (scene). Replace the tuple to change them; never mutate it.
    steps, speed : int
        Steps per race, and playback steps per frame (scene).
    overlays : dict[str, bool]
        ``gradient, velocity, contours, log_color`` (scene).
    view : (xmin, xmax, ymin, ymax) or None
        The plotted box; None is the surface's domain (scene).
    theme : str or None
        The scene's theme, if it names one (scene).
    side_tab : str
        The open side tab: "Racers", "Curvature", "Maps" or "3D" (session).
    map_settings : dict
        The maps panel's tab, grids, axes, ranges and metric (session; empty: the panel's defaults).
    batch_size : int or None
        The chooser's mini-batch size on a data surface; None: each racer's own (session).
    step : int
        The playback cursor (runtime).
    playing : bool
        Playback running (runtime).
    trajectories : tuple
        The racers' ``Trajectory`` objects computed so far (None where not started) (runtime).
    error : str
        The last run error, "" when none (runtime).
    surface_object : Surface
        The parsed ``surface`` (runtime, kept in step with ``surface``).
    palette : tuple of str
        Colours given to racers that have none, in order (runtime; the view sets its theme's).
    scene_lesson : (str, str, str)
        The loaded scene's surface name, title and lesson: shown again when its surface is picked again.
    """

    title: str = _saved(SCENE, "Untitled")
    lesson: str = _saved(SCENE, "")
    surface: str = _saved(SCENE, "")
    start: tuple = _saved(SCENE, (0.0, 0.0))
    racers: tuple = _saved(SCENE, ())
    steps: int = _saved(SCENE, 300)
    speed: int = _saved(SCENE, 1)
    overlays: dict = _saved(SCENE, factory=lambda: dict(scene_schema.OVERLAY_DEFAULTS))
    view: tuple | None = _saved(SCENE, None)
    theme: str | None = _saved(SCENE, None)
    side_tab: str = _saved(SESSION, "Racers")
    map_settings: dict = _saved(SESSION, factory=dict)
    batch_size: int | None = _saved(SESSION, None)
    step: int = _runtime(0)
    playing: bool = _runtime(False)
    trajectories: tuple = _runtime(())
    error: str = _runtime("")
    surface_object: object = _runtime(None)
    palette: tuple = _runtime(())
    scene_lesson: tuple = _runtime(("", "", ""))

    #: Emitted once after :meth:`load_scene` ("scene") or :meth:`set_state` ("state") replaced the fields.
    loaded = Signal(str)

    def __setattr__(self, name, value):
        if name == "surface":
            surf = _parse(value)  # may raise: before anything changes
            if surf is not None:
                super().__setattr__("surface_object", surf)
                value = surf.spec
        super().__setattr__(name, value)

    # -- scene -------------------------------------------------------------------------------
    def load_scene(self, scene: dict) -> None:
        """Replace the settings with ``scene`` and reset the runtime fields.

        Raises
        ------
        ValueError
            From the scene schema, naming the key at fault; nothing is changed then.
        """
        s = scene_schema.validate(scene)
        surf = _parse(s["surface"])
        sizes = {r.get("batch_size") for r in s["racers"]}
        racers = self._with_colours(s["racers"])
        values = dict(title=s["title"], lesson=s["lesson"], surface=surf, start=tuple(s["start"]),
                      racers=racers, steps=s["steps"], speed=s.get("speed", 1), overlays=dict(s["overlays"]),
                      view=tuple(s["view"]) if "view" in s else None, theme=s.get("theme"),
                      batch_size=sizes.pop() if len(sizes) == 1 else None,
                      step=0, playing=False, trajectories=(), error="",
                      scene_lesson=(surf.name, s["title"], s["lesson"]))
        self._replace(values)
        self.loaded.emit("scene")

    def to_scene(self) -> dict:
        """The settings as a validated scene dict (what File > Save writes)."""
        racers = []
        for r in self.racers:
            out = {"optimizer": r["optimizer"], "label": r["label"], "color": r.get("color"),
                   "hparams": _tomlable(r["hparams"]), "schedule": r.get("schedule", ""),
                   "grad_noise": float(r.get("grad_noise", 0.0)), "seed": int(r.get("seed", 0))}
            if out["color"] is None:
                del out["color"]
            if r.get("batch_size"):
                out["batch_size"] = int(r["batch_size"])
            racers.append(out)
        scene = {"kind": "scene", "version": 1, "page": "optimizer", "title": self.title, "lesson": self.lesson,
                 "surface": self.surface, "racers": racers, "start": [float(v) for v in self.start],
                 "steps": int(self.steps), "overlays": dict(self.overlays), "speed": int(self.speed)}
        if self.view is not None:
            scene["view"] = [float(v) for v in self.view]
        if self.theme is not None:
            scene["theme"] = self.theme
        return scene

    # -- session -----------------------------------------------------------------------------
    def state(self) -> dict:
        """Every saved field (scene and session) as plain TOML-able values."""
        out = {"scene": self.to_scene(), "side_tab": self.side_tab,
               "map_settings": copy.deepcopy(self.map_settings)}
        if self.batch_size is not None:
            out["batch_size"] = int(self.batch_size)
        return out

    def set_state(self, state: dict) -> None:
        """Restore what :meth:`state` returned; ValueError naming the key (nothing changed then)."""
        if not isinstance(state, dict) or "scene" not in state:
            raise ValueError("state must be a table with a 'scene' table")
        unknown = set(state) - {"scene", "side_tab", "map_settings", "batch_size"}
        if unknown:
            raise ValueError(f"state: unknown key(s) {', '.join(sorted(unknown))}")
        tab = state.get("side_tab", "Racers")
        if not isinstance(tab, str):
            raise ValueError(f"side_tab must be a string, got {tab!r}")
        maps = state.get("map_settings", {})
        if not isinstance(maps, dict):
            raise ValueError(f"map_settings must be a table, got {maps!r}")
        batch = state.get("batch_size")
        if batch is not None and (isinstance(batch, bool) or not isinstance(batch, int) or batch < 0):
            raise ValueError(f"batch_size must be a whole number >= 0, got {batch!r}")
        s = scene_schema.validate({k: v for k, v in state["scene"].items()})
        surf = _parse(s["surface"])
        values = dict(title=s["title"], lesson=s["lesson"], surface=surf, start=tuple(s["start"]),
                      racers=self._with_colours(s["racers"]), steps=s["steps"], speed=s.get("speed", 1),
                      overlays=dict(s["overlays"]), view=tuple(s["view"]) if "view" in s else None,
                      theme=s.get("theme"), side_tab=tab, map_settings=copy.deepcopy(maps),
                      batch_size=batch or None, step=0, playing=False, trajectories=(), error="",
                      scene_lesson=(surf.name, s["title"], s["lesson"]))
        self._replace(values)
        self.loaded.emit("state")

    def __eq__(self, other) -> bool:
        if not isinstance(other, OptimizerModel):
            return NotImplemented
        return all(getattr(self, name) == getattr(other, name) for name in self.saved_fields())

    __hash__ = None

    @classmethod
    def saved_fields(cls, kind: str | None = None) -> tuple[str, ...]:
        """Names of the fields a scene (``"scene"``), a session (``"session"``) or either saves."""
        return _saved_names(kind)

    @contextlib.contextmanager
    def changes(self):
        """Assign several fields together: each field that changed emits once, after the block
        (handlers then see every new value, not a half-changed model)."""
        with contextlib.ExitStack() as stack:
            for f in dataclasses.fields(self):
                stack.enter_context(getattr(self.events, f.name).paused(_newest))
            yield self

    # -- racers ------------------------------------------------------------------------------
    def complete_racer(self, racer: dict, taken: tuple = ()) -> dict:
        """``racer`` checked by the scene schema, every field filled in; a missing colour is the first of
        :attr:`palette` that no racer in ``taken`` has (ValueError naming the field)."""
        r = scene_schema.validate_racer({k: v for k, v in racer.items() if v is not None})
        if "color" not in r and self.palette:
            used = {x.get("color") for x in taken}
            r["color"] = next((c for c in self.palette if c.upper() not in used), self.palette[0]).upper()
        return r

    def engine_racers(self) -> list:
        """The racers as ``core.trajectories.Racer`` objects (the chooser's batch size on a data surface)."""
        from core.trajectories import Racer

        stochastic = getattr(self.surface_object, "stochastic", False)
        batch = self.batch_size if stochastic else None
        out = []
        for r in self.racers:
            bs = batch if batch is not None else r.get("batch_size")
            hp = {k: (tuple(v) if isinstance(v, list) else v) for k, v in r["hparams"].items()}
            out.append(Racer(optimizer=r["optimizer"], hparams=hp, schedule=r.get("schedule") or None,
                             grad_noise=float(r.get("grad_noise", 0.0)), batch_size=bs, seed=int(r.get("seed", 0))))
        return out

    # -- helpers -----------------------------------------------------------------------------
    def _with_colours(self, racers) -> tuple:
        out: list[dict] = []
        for r in racers:
            out.append(self.complete_racer(r, tuple(out)) if "color" not in r else dict(r))
        return tuple(out)

    def _replace(self, values: dict) -> None:
        with self.events.blocked():
            for name, value in values.items():
                setattr(self, name, value)


def _saved_names(kind: str | None = None) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(OptimizerModel)
                 if f.metadata.get("saved") and (kind is None or f.metadata["saved"] == kind))


def _parse(value):
    """A ``Surface`` for a spec string (cached parse) or a surface object; None for "" (no surface yet)."""
    if hasattr(value, "spec"):
        return value
    if not isinstance(value, str):
        raise ValueError(f"surface must be a spec string such as 'valley:kappa=10', got {value!r}")
    if not value:
        return None
    return scene_schema.parse_surface(value)


def _newest(first: tuple, then: tuple) -> tuple:
    return (then[0], first[1]) if len(first) > 1 else then  # (new, old): the last new, the first old


def _tomlable(hp: dict) -> dict:
    return {k: (list(v) if isinstance(v, tuple) else v) for k, v in hp.items()}
