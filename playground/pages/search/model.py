"""The search page's whole state as one evented object, no Qt: :class:`SearchModel`.

Settings (what a scene saves: the space, the method, trials, objective, pruner, sampler seed,
study name and the fixed training set-up; what a session adds: the storage URL) are dataclass
fields; assigning one emits ``model.events.<field>`` (psygnal). Runtime fields (status, the
study's trials as :class:`~core.search_records.TrialRecord`, the final test, the message, the true
response of the space) are never saved; the true response goes when the space, base or objective
changes. A script drives the page the same way::

    model.method = "bayes"
    model.space = {"lr": {"low": 1e-3, "high": 1.0, "log": True}}
"""
from __future__ import annotations

import dataclasses
import enum
import operator
from dataclasses import dataclass, field
from typing import Any, ClassVar

from psygnal import Signal, evented

from core.search_records import ParamAxis, TrialRecord
from playground.pages.search import scene as scene_search

STORAGE_FILE = "search.db"


class SearchStatus(enum.Enum):
    """Where the page's search is."""

    IDLE = "idle"
    RUNNING = "running"
    CANCELLING = "cancelling"
    CANCELLED = "cancelled"
    FINISHED = "finished"
    FAILED = "failed"


def default_storage(folder) -> str:
    """The page's default storage: an SQLite file in ``folder`` (the page passes the home folder)."""
    from pathlib import Path

    return f"sqlite:///{Path(folder) / STORAGE_FILE}"


def _scene(default, **kw):
    return field(default=default, metadata={"saved": "scene"}, **kw)


def _runtime(default=None):
    return field(default=default, compare=False, metadata={"saved": None})


_DEFAULT = scene_search.validate({"space": {"lr": {"low": 1e-3, "high": 1.0, "log": True, "points": 5}}})


def records_from_dicts(rows: list[dict]) -> tuple[TrialRecord, ...]:
    """TrialRecords from the search job's record dicts."""
    return tuple(TrialRecord(r["number"], dict(r["params"]), r["value"], r["state"],
                             {int(k): v for k, v in r["intermediate"].items()}, dict(r["attrs"])) for r in rows)


def _base_table(base: dict, knobs: dict | None, records) -> dict:
    """The ``[base]`` table of a study's recorded fixed set-up ``base`` (the TrainConfig fields but the
    searched ones) and the searched fields' base values ``knobs`` (the run attribute's ``base_knobs``;
    a study without it takes them from a trial: each trial overrides them anyway)."""
    from core.training.config import TrainConfig
    from playground.pages.training import scene as scene_training

    config = next((r.attrs["config"] for r in records if "config" in r.attrs), None)
    values = dict(config) if config is not None else TrainConfig().to_dict()
    values.update(knobs or {})
    values.update(base)
    scene = scene_training.values_to_scene(values)
    return {k: scene[k] for k in scene_search._BASE_KEYS}


@evented(equality_operators={name: operator.is_ for name in ("records", "final", "importance", "space", "base",
                                                                  "truth")})
@dataclass
class SearchModel:
    """State of the search page.

    Attributes
    ----------
    loaded : psygnal.Signal
        Emitted after :meth:`load_scene` or :meth:`set_state` replaced many fields at once.
    """

    loaded: ClassVar[Signal] = Signal()

    title: str = _scene("")
    lesson: str = _scene("")
    method: str = _scene(_DEFAULT["method"])
    trials: int = _scene(_DEFAULT["trials"])
    objective: str = _scene(_DEFAULT["objective"])
    pruner: str = _scene(_DEFAULT["pruner"])
    sampler_seed: int = _scene(_DEFAULT["sampler_seed"])
    startup_trials: int = _scene(_DEFAULT["startup_trials"])  # 0: Optuna's default (10)
    study: str = _scene(_DEFAULT["study"])
    space: dict = _scene(None)  # the [space] table: {knob: {low, high, log[, points]} or {choices}}
    base: dict = _scene(None)   # the [base] table: a training scene's settings
    storage: str = field(default="", metadata={"saved": "session"})  # "" = default_storage()

    # -- runtime (never saved)
    status: SearchStatus = _runtime(SearchStatus.IDLE)
    records: tuple = _runtime(())   # TrialRecords of the study, by number
    total: int = _runtime(0)        # trials the study will hold
    importance: Any = _runtime()    # {knob: share} or None
    final: Any = _runtime()         # the final test: {"best", "params", "value", "test_loss", "test_acc"}
    started_at: float | None = _runtime()  # time.monotonic() of Start (for the time left)
    done_at_start: int = _runtime(0)       # trials finished before this run (a resumed study)
    message: str = _runtime("")
    error: bool = _runtime(False)
    selected: int | None = _runtime()      # the trial clicked last
    truth: Any = _runtime()                # a TrueResponse of the space and base set-up, or None
    truth_key: str = _runtime("")          # setup_key() when the truth was computed
    read_only: str = _runtime("")          # why the shown study cannot be resumed ("" when it can)
    studies: tuple = _runtime(())          # the storage's studies (studies_list.summarize's dicts)
    studies_error: str = _runtime("")      # why they could not be listed ("" when they were)

    def __post_init__(self):
        if self.space is None:
            self.space = dict(_DEFAULT["space"])
        if self.base is None:
            self.base = dict(_DEFAULT["base"])
        for name in ("space", "base", "objective"):  # the truth answers one set-up: another one clears it
            getattr(self.events, name).connect(self._check_truth)

    # -- names -------------------------------------------------------------------
    @classmethod
    def saved_fields(cls, kind: str | None = None) -> tuple[str, ...]:
        """Names of the fields a scene (``"scene"``), a session (``"session"``) or either saves."""
        return tuple(f.name for f in dataclasses.fields(cls)
                     if f.metadata.get("saved") and (kind is None or f.metadata["saved"] == kind))

    # -- derived -------------------------------------------------------------------
    @property
    def minimize(self) -> bool:
        return self.objective != "val_acc"

    @property
    def running(self) -> bool:
        return self.status in (SearchStatus.RUNNING, SearchStatus.CANCELLING)

    #: The folder of the default storage (the page sets the home folder; no Qt here).
    home_folder: ClassVar[str] = "."

    def storage_url(self) -> str:
        """The storage the study lives in (the default SQLite file when :attr:`storage` is empty)."""
        return self.storage.strip() or default_storage(self.home_folder)

    def search_space(self):
        """The :class:`~playground.search.space.SearchSpace` of :attr:`space` (ValueError names the knob)."""
        return scene_search.space_from_dict(self.space)

    def axes(self) -> list[ParamAxis]:
        """The plots' axes of the space (an invalid space: none)."""
        try:
            space = self.search_space()
        except ValueError:
            return []
        out = []
        for k in space.knobs:
            if k.is_range:
                out.append(ParamAxis(k.name, float(k.low), float(k.high), k.log, k.info.type == "int"))
            else:
                out.append(ParamAxis(k.name, None, None, choices=tuple(k.choices)))
        return out

    def grid_size(self) -> int:
        """Points of the space's grid (ValueError: a range without points, or a grid too large)."""
        return self.search_space().grid_size()

    def spec(self):
        """The :class:`~playground.search.spec.SearchSpec` of the settings (ValueError names the problem)."""
        from playground.search.spec import SearchSpec

        scene = scene_search.validate(self._scene_dict())
        spec = SearchSpec(base=scene_search.base_config(scene["base"]), space=self.search_space(),
                          method=self.method, trials=self.trials or None, sampler_seed=self.sampler_seed,
                          startup_trials=self.startup_trials or None,
                          objective=self.objective, pruner=self.pruner, storage=self.storage_url(),
                          study_name=self.study,
                          write_once=not self.storage.strip())  # the page's own file: no other process writes it
        spec.check()
        return spec

    def truth_spec(self):
        """The :class:`~playground.search.spec.SearchSpec` a true response needs: the base set-up, the
        space and the objective (the method and trials play no part; ValueError names the problem)."""
        from playground.search.spec import SearchSpec

        scene = scene_search.validate(self._scene_dict())
        return SearchSpec(base=scene_search.base_config(scene["base"]), space=self.search_space(),
                          objective=self.objective)

    def setup_key(self) -> str:
        """What a true response depends on (space, base set-up, objective), as canonical JSON."""
        import json

        return json.dumps({"space": self.space, "base": self.base, "objective": self.objective}, sort_keys=True,
                          default=str)

    def set_truth(self, truth, key: str | None = None) -> None:
        """Keep ``truth`` (computed for ``key``, default the current :meth:`setup_key`); ``None`` forgets it."""
        self.truth_key = "" if truth is None else (key if key is not None else self.setup_key())
        self.truth = truth

    def _check_truth(self, *_args) -> None:
        if self.truth is not None and self.setup_key() != self.truth_key:
            self.set_truth(None)

    def best(self) -> TrialRecord | None:
        """The best complete trial so far (None before one)."""
        done = [r for r in self.records if r.state == "complete" and r.finite_value is not None]
        if not done:
            return None
        return (min if self.minimize else max)(done, key=lambda r: r.finite_value)

    def record(self, number: int) -> TrialRecord | None:
        return next((r for r in self.records if r.number == number), None)

    def boxes(self) -> list[dict]:
        """Coarse-to-fine's boxes, one per round: ``{"round", "box": {knob: (low, high)}}``."""
        seen: dict[int, dict] = {}
        for r in self.records:
            if "box" in r.attrs and r.attrs.get("round", 0) not in seen:
                box = {k: (v["low"], v["high"]) for k, v in r.attrs["box"].items() if "low" in v}
                seen[int(r.attrs.get("round", 0))] = {"round": int(r.attrs.get("round", 0)), "box": box}
        return [seen[k] for k in sorted(seen)]

    def say(self, text: str, error: bool = False) -> None:
        """Set the message line (an error shows in red)."""
        self.message, self.error = text, bool(error)

    # -- settings --------------------------------------------------------------------
    def set(self, **changes) -> None:
        """Assign several settings checked together; ValueError (naming the key) changes nothing."""
        unknown = sorted(set(changes) - set(self.saved_fields()))
        if unknown:
            raise ValueError(f"unknown setting {unknown[0]!r}; settings: {', '.join(self.saved_fields())}")
        scene = {**self._scene_dict(), **{k: v for k, v in changes.items() if k != "storage"}}
        scene_search.validate(scene)
        for name, value in changes.items():
            setattr(self, name, value)

    # -- scenes and sessions ---------------------------------------------------------------
    def _scene_dict(self) -> dict:
        return {"version": 1, "page": "search", "title": self.title, "lesson": self.lesson,
                "method": self.method, "trials": int(self.trials), "objective": self.objective,
                "pruner": self.pruner, "sampler_seed": int(self.sampler_seed),
                "startup_trials": int(self.startup_trials), "study": self.study,
                "space": self.space, "base": self.base}

    def load_scene(self, scene: dict) -> None:
        """Take a search scene (validated: ValueError names the key, nothing changes); runtime reset."""
        scene = scene_search.validate(scene)
        with self.events.blocked():
            self._assign(scene)
            self.reset_runtime()
        self.loaded.emit()

    def _assign(self, scene: dict) -> None:
        for name in self.saved_fields("scene"):
            setattr(self, name, scene[name])

    def reset_runtime(self) -> None:
        """Forget the shown study (trials, final test, message); the study list stays."""
        self.status = SearchStatus.IDLE
        self.records, self.total, self.importance, self.final = (), 0, None, None
        self.started_at, self.done_at_start, self.selected = None, 0, None
        self.message, self.error, self.read_only = "", False, ""
        self.set_truth(None)

    # -- a stored study ------------------------------------------------------------------
    def open_study(self, data: dict) -> str:
        """Show a stored study: its trials, and the settings it records, so that Resume continues it.

        Parameters
        ----------
        data : dict
            What :func:`playground.search.studies_list.load` returned.

        Returns
        -------
        str
            "" when the study can be resumed from these settings, else why not ("it was not written by
            this app ...", also :attr:`read_only`).
            A study that records no space keeps the page's settings but its name, objective and, where
            its parameters are knobs, its space: it is shown for viewing only.
        """
        records = records_from_dicts(data["records"])
        attr, run = data.get("attr"), dict(data.get("run") or {})
        objective = "val_acc" if data.get("direction") == "maximize" else "val_loss"
        changes: dict = {"study": data["name"], "title": "", "lesson": "", "objective": objective}
        reason = ""
        if isinstance(attr, dict) and "space" in attr:
            changes.update(space=attr["space"], objective=attr.get("objective", objective),
                           base=_base_table(attr.get("base", {}), run.get("base_knobs"), records))
            if data.get("method"):
                changes["method"] = data["method"]
            n = run.get("trials")
            changes["trials"] = int(n) if n else (0 if changes.get("method", self.method) == "grid" else
                                                  max(len(records), 1))
            for key in ("pruner", "sampler_seed", "startup_trials"):
                if run.get(key) is not None:
                    changes[key] = run[key]
        else:
            reason = "it was not written by this app (it records no search space)"
            if data.get("space"):
                changes["space"] = data["space"]
        scene = {**self._scene_dict(), **changes}
        try:
            scene = scene_search.validate(scene)
        except ValueError as exc:
            scene = scene_search.validate({**self._scene_dict(), "study": data["name"], "objective": objective})
            reason = reason or f"it records settings this page cannot show ({exc})"
        with self.events.blocked():
            self._assign(scene)
            self.reset_runtime()
            self.records = records
            self.total = max(int(self.trials) or self._grid_or_zero(), len(records))
        if not reason:
            reason = self._resume_problem(attr)
        self.read_only = reason
        self.loaded.emit()
        return reason

    def _grid_or_zero(self) -> int:
        try:
            return self.grid_size() if self.method == "grid" else 0
        except ValueError:
            return 0

    def _resume_problem(self, attr: dict) -> str:
        """Why a search from these settings would not continue the study recording ``attr`` ("" if it would)."""
        from playground.search.spec import _jsonable, attr_difference

        try:
            want = _jsonable(self.spec().study_attr())
        except ValueError as exc:
            return f"its settings cannot run here ({exc})"
        if want == attr:
            return ""
        return f"it was searched with a {attr_difference(attr, want)} that this page cannot set"

    def to_scene(self) -> dict:
        """The settings as a validated scene dict (what File > Save writes)."""
        return {"kind": "scene", **scene_search.validate(self._scene_dict())}

    def state(self) -> dict:
        """Every saved field as plain TOML-able values: ``{"scene": ..., "session": {"storage": ...}}``."""
        return {"scene": self.to_scene(), "session": {"storage": self.storage}}

    def set_state(self, state: dict) -> None:
        """Restore what :meth:`state` returned (ValueError names the key; nothing changes on error)."""
        session = state.get("session", {})
        if not isinstance(session, dict):
            raise ValueError("session must be a table")
        unknown = sorted(set(session) - {"storage"})
        if unknown:
            raise ValueError(f"session.{unknown[0]}: unknown key; allowed: storage")
        storage = session.get("storage", "")
        if not isinstance(storage, str):
            raise ValueError(f"session.storage: a URL or empty, got {storage!r}")
        scene = scene_search.validate(state.get("scene", {}))
        with self.events.blocked():
            self._assign(scene)
            self.storage = storage
            self.reset_runtime()
        self.loaded.emit()
