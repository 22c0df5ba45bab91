"""The training page's whole state as one evented object, no Qt: :class:`TrainingModel`.

Settings (what a scene saves, plus what a session saves: the curves' x axis and log loss, the
held-out points and the speed) and the runtime state (run status, epoch, last snapshot, status
line, ghost, LR range result) are dataclass fields; assigning one emits ``model.events.<field>``
(psygnal). The page binds its widgets to these events; a script can drive the page the same way::

    model.lr = 0.003
    model.set(layers=(8, 8), dataset="circles")  # checked together: ValueError names the key

Which fields are saved is in each field's metadata (``"saved": "scene" | "session"``); runtime
fields have ``compare=False``, so ``a == b`` compares what a scene or session would hold.
"""
from __future__ import annotations

import dataclasses
import enum
import operator
from dataclasses import dataclass, field
from typing import Any, ClassVar

from psygnal import Signal, evented

from core.optim import validate_hparams
from core.training import config as cfg
from playground.pages.training import scene as scene_training

X_MODES = ("epoch", "iteration", "examples")
SPEEDS = (0.0, 10.0, 3.0, 1.0, 0.25)  # epochs per second the run bar offers (0: as fast as it goes)


class RunStatus(enum.Enum):
    """Where the current run is: nothing trained yet, training, paused (kept), or ended."""

    IDLE = "idle"
    RUNNING = "running"
    PAUSED = "paused"
    FINISHED = "finished"


_ANY = tuple(RunStatus)
# event -> {status before: status after}; an event not listed for the current status changes nothing.
TRANSITIONS: dict[str, dict[RunStatus, RunStatus]] = {
    "start": {s: RunStatus.RUNNING for s in _ANY},  # a new run
    "start_paused": {s: RunStatus.PAUSED for s in _ANY},  # a new run that waits (+1 epoch starts it so)
    "play": {RunStatus.PAUSED: RunStatus.RUNNING},  # the paused run continues
    "pause": {RunStatus.RUNNING: RunStatus.PAUSED},
    "one_epoch": {s: RunStatus.RUNNING for s in _ANY},  # trains until the trainer says "paused"
    "trainer_paused": {s: RunStatus.PAUSED for s in _ANY},
    "final": {s: RunStatus.FINISHED for s in _ANY},  # the last report of a run (or of a headless run)
    "done": {RunStatus.RUNNING: RunStatus.FINISHED, RunStatus.PAUSED: RunStatus.FINISHED,
             RunStatus.FINISHED: RunStatus.FINISHED},  # a stopped run stays idle
    "error": {s: RunStatus.FINISHED for s in _ANY},
    "stop": {s: RunStatus.IDLE for s in _ANY},
    "settings_changed": {RunStatus.FINISHED: RunStatus.IDLE},  # the last run was for other settings
}


def _scene_field(default, **kw):
    return field(default=default, metadata={"saved": "scene"}, **kw)


def _session_field(default):
    return field(default=default, metadata={"saved": "session"})


def _runtime(default=None):
    return field(default=default, compare=False, metadata={"saved": None})


_DEFAULTS = scene_training.scene_to_values({})


# Results hold numpy arrays. psygnal decides "changed" with `==`: on a dataclass of arrays that
# compares whole grids elementwise, then raises (ambiguous truth value) and psygnal emits anyway.
# Results are replaced, never edited, so identity says whether they changed.
@evented(equality_operators={name: operator.is_ for name in ("snapshot", "metrics", "run_data", "lr_range")})
@dataclass
class TrainingModel:
    """State of the training page (settings in TrainConfig spelling: ``None`` = off / full batch).

    Attributes
    ----------
    loaded : psygnal.Signal
        Emitted after :meth:`load_scene` or :meth:`set_state` replaced many fields at once (their
        own events are not emitted then: a view refreshes everything).
    """

    loaded: ClassVar[Signal] = Signal()

    # -- the scene: top level
    title: str = _scene_field("")
    lesson: str = _scene_field("")
    epochs: int = _scene_field(_DEFAULTS["epochs"])
    seed: int = _scene_field(_DEFAULTS["seed"])
    views: tuple[str, ...] = _scene_field(tuple(scene_training.VIEWS[:4]))
    # [data]
    dataset: str = _scene_field(_DEFAULTS["dataset"])
    n: int = _scene_field(_DEFAULTS["n"])
    noise: float = _scene_field(_DEFAULTS["noise"])
    classes: int = _scene_field(_DEFAULTS["classes"])
    split: tuple[float, float, float] = _scene_field(_DEFAULTS["split"])
    features: tuple[str, ...] = _scene_field(_DEFAULTS["features"])
    normalize: bool = _scene_field(_DEFAULTS["normalize"])
    data_seed: int | None = _scene_field(_DEFAULTS["data_seed"])
    points: tuple[tuple[float, float, float], ...] = _scene_field(())  # the user's points (dataset "user")
    # [model]
    layers: tuple[int, ...] = _scene_field(_DEFAULTS["layers"])
    activation: str | tuple[str, ...] = _scene_field(_DEFAULTS["activation"])
    batchnorm: str | None = _scene_field(_DEFAULTS["batchnorm"])
    init: str = _scene_field(_DEFAULTS["init"])
    # [regularization]
    l1: float = _scene_field(_DEFAULTS["l1"])
    l2: float = _scene_field(_DEFAULTS["l2"])
    weight_decay: float | None = _scene_field(_DEFAULTS["weight_decay"])
    dropout: float | tuple[float, ...] = _scene_field(_DEFAULTS["dropout"])
    augment: str = _scene_field(_DEFAULTS["augment"])
    early_stopping: int | None = _scene_field(_DEFAULTS["early_stopping"])
    # [optimizer]
    optimizer: str = _scene_field(_DEFAULTS["optimizer"])
    lr: float = _scene_field(_DEFAULTS["lr"])
    batch_size: int | None = _scene_field(_DEFAULTS["batch_size"])
    hparams: dict = field(default_factory=dict, metadata={"saved": "scene"})
    # [schedule]
    schedule: str | None = _scene_field(_DEFAULTS["schedule"])
    schedule_per: str = _scene_field(_DEFAULTS["schedule_per"])

    # -- the session: how the page shows it
    x_mode: str = _session_field("epoch")  # the curves' x axis: epoch | iteration | examples
    log_y: bool = _session_field(False)
    show_test: bool = _session_field(True)  # the held-out points on the decision plot
    speed: float | None = _session_field(None)  # epochs per second; None: as fast as it goes

    # -- runtime (never saved)
    status: RunStatus = _runtime(RunStatus.IDLE)
    run_id: int | None = _runtime()  # the trainer's id of the current run
    busy: bool = _runtime(False)  # work under way, nothing arrived yet (a cold trainer imports torch)
    epoch: int | None = _runtime()  # the last epoch reported
    metrics: Any = _runtime()  # the last epoch (or final) Metrics
    snapshot: Any = _runtime()  # the last core.training Snapshot (decision grid, weights, histograms)
    run_data: Any = _runtime()  # the DataView the run trains on (the epoch-0 report's)
    ghost_label: str = _runtime("")  # the kept run's settings, "" when none is kept
    status_text: str = _runtime("")
    status_error: bool = _runtime(False)
    lr_range: Any = _runtime()  # the last LR range test's LRRange (its U stays while the lr is picked)

    # -- names -------------------------------------------------------------------
    @classmethod
    def saved_fields(cls, kind: str | None = None) -> tuple[str, ...]:
        """Names of the fields a scene (``"scene"``), a session (``"session"``) or either saves."""
        return tuple(f.name for f in dataclasses.fields(cls)
                     if f.metadata.get("saved") and (kind is None or f.metadata["saved"] == kind))

    @classmethod
    def setting_names(cls) -> tuple[str, ...]:
        """Fields that are TrainConfig settings (every scene field but title, lesson and views)."""
        return tuple(n for n in cls.saved_fields("scene") if n not in ("title", "lesson", "views"))

    # -- run status ----------------------------------------------------------------
    def advance(self, event: str) -> bool:
        """Apply a run event (see ``TRANSITIONS``) to :attr:`status`; True if it changed."""
        after = TRANSITIONS[event].get(self.status)
        if after is None or after is self.status:
            return False
        self.status = after
        return True

    @property
    def active(self) -> bool:
        """A run is going or paused (kept)."""
        return self.status in (RunStatus.RUNNING, RunStatus.PAUSED)

    def reset_runtime(self) -> None:
        """Forget the last run's results (the ghost and an LR range test's U are kept)."""
        self.status = RunStatus.IDLE
        self.busy = False
        self.epoch = None
        self.metrics = None
        self.snapshot = None
        self.run_data = None

    # -- settings --------------------------------------------------------------------
    def values(self) -> dict:
        """TrainConfig field values of the settings (``points`` only for the user's dataset)."""
        values = dict(_DEFAULTS)
        values.update({n: getattr(self, n) for n in self.setting_names()})
        values["points"] = list(self.points) if self.dataset == "user" else None
        return values

    def train_config(self, **reporting) -> cfg.TrainConfig:
        """The TrainConfig of the settings, with ``reporting`` fields (``report_every=5``...) set.

        Raises
        ------
        ValueError
            The settings do not fit (the trainer's own checks, and the optimizer's ranges: what it
            would refuse at Play is refused here).
        """
        values = self.values()
        if values["dataset"] == "user" and len(self.points) < 2:
            raise ValueError("draw at least two points (tick 'draw' and click the plot), or load a CSV")
        values.update(reporting)
        config = scene_training.values_to_config(values)
        validate_hparams(config.optimizer, **{**dict(config.hparams or {}), "lr": config.lr})
        return config

    def set(self, **changes) -> None:
        """Assign several settings checked together; ValueError (naming the key) changes nothing."""
        unknown = sorted(set(changes) - set(self.saved_fields()))
        if unknown:
            raise ValueError(f"unknown setting {unknown[0]!r}; settings: {', '.join(self.saved_fields())}")
        trial = dataclasses.replace(self, **changes)
        trial.train_config()
        for name, value in changes.items():
            setattr(self, name, value)

    def set_points(self, points) -> None:
        """Train on the user's ``points``, [(x1, x2, label), ...], from now on (dataset "user").

        The dataset changes quietly: one ``points`` event says both (a view that heard
        ``dataset`` first would find no points yet). The event fires even for the same points.
        """
        points = tuple(tuple(float(v) for v in p) for p in points)
        if any(len(p) != 3 for p in points):
            raise ValueError("points: each must be (x1, x2, label)")
        with self.events.dataset.blocked():
            self.dataset = "user"
        if points == self.points:
            self.events.points.emit(points, points)
        else:
            self.points = points

    # -- scenes and sessions ---------------------------------------------------------------
    def load_scene(self, scene: dict) -> None:
        """Take a training scene's settings (validated: ValueError names the key, nothing changes).

        Runtime fields are reset (a new scene is a new set-up); the session fields stay. Emits
        :attr:`loaded` once instead of one event per field.
        """
        scene = scene_training.validate(scene)
        values = scene_training.scene_to_values(scene)
        with self.events.blocked():
            self._assign_scene(scene, values)
            self.reset_runtime()
            self.ghost_label = ""
            self.lr_range = None
            self.status_text, self.status_error = "", False
        self.loaded.emit()

    def _assign_scene(self, scene: dict, values: dict) -> None:
        self.title, self.lesson, self.views = scene["title"], scene["lesson"], tuple(scene["views"])
        for name in self.setting_names():
            if name == "points":
                self.points = tuple(tuple(p) for p in values["points"] or ())
            else:
                v = values[name]
                setattr(self, name, tuple(v) if isinstance(v, list) else v)

    def to_scene(self) -> dict:
        """The settings as a validated scene dict (what File > Save writes)."""
        scene = scene_training.values_to_scene(self.values(), self.title, self.lesson, self.views)
        return {"kind": "scene", **scene_training.validate(scene)}

    def state(self) -> dict:
        """Every saved field as plain TOML-able values: ``{"scene": ..., "session": ...}``."""
        return {"scene": self.to_scene(),
                "session": {"x_mode": self.x_mode, "log_y": bool(self.log_y), "show_test": bool(self.show_test),
                            "speed": float(self.speed or 0.0)}}

    def set_state(self, state: dict) -> None:
        """Restore what :meth:`state` returned (ValueError names the key; nothing changes on error)."""
        session = _check_session(state.get("session", {}))
        scene = scene_training.validate(state.get("scene", {}))
        values = scene_training.scene_to_values(scene)
        with self.events.blocked():
            self._assign_scene(scene, values)
            for name, value in session.items():
                setattr(self, name, value)
            self.reset_runtime()
        self.loaded.emit()


def _check_session(session: dict) -> dict:
    """The session table checked, with defaults filled in; speed 0 means None (as fast as it goes)."""
    if not isinstance(session, dict):
        raise ValueError("session must be a table")
    allowed = ("x_mode", "log_y", "show_test", "speed")
    unknown = sorted(set(session) - set(allowed))
    if unknown:
        raise ValueError(f"session.{unknown[0]}: unknown key; allowed: {', '.join(allowed)}")
    out = {"x_mode": session.get("x_mode", "epoch"), "log_y": session.get("log_y", False),
           "show_test": session.get("show_test", True), "speed": session.get("speed", 0.0)}
    if out["x_mode"] not in X_MODES:
        raise ValueError(f"session.x_mode: must be one of {', '.join(X_MODES)}, got {out['x_mode']!r}")
    for key in ("log_y", "show_test"):
        if not isinstance(out[key], bool):
            raise ValueError(f"session.{key}: must be true or false, got {out[key]!r}")
    speed = out["speed"]
    if isinstance(speed, bool) or not isinstance(speed, (int, float)) or float(speed) not in SPEEDS:
        raise ValueError(f"session.speed: must be one of {', '.join(f'{s:g}' for s in SPEEDS)} epochs/s "
                         f"(0: as fast as it goes), got {speed!r}")
    out["speed"] = float(speed) or None
    return out
