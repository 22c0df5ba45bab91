"""Job kind "search": a hyperparameter search (:class:`playground.search.engine.Search`) in a thread of the child.

Payload: ``{"spec": SearchSpec, "mode": "start" | "resume"}``. "start" refuses a study that already
has trials (Resume continues it); "resume" opens it (the engine refuses one with another space).

Each Progress is a snapshot of the whole study, plain values only: ``{"trials": [record dicts],
"total": int, "importance": {knob: share} or None}`` (a record dict is ``number, params, value,
state, intermediate, attrs`` with ``attrs["config"]`` the trial's TrainConfig dict and, for
coarse-to-fine, ``attrs["box"]`` and ``attrs["round"]``). Out of credit, the job keeps only the
newest snapshot. When the study holds its trials, the best one is retrained once with the test
split and the Result is ``{"best": number, "params", "value", "test_loss", "test_acc", "importance"}``.
A Cancel stops the search at the next epoch: finished trials stay in the storage, unfinished ones are
queued again (Resume runs them); the last snapshot goes out and the job finishes "cancelled".
"""
from __future__ import annotations

import math
import threading
import time

from playground.workers.child import Job, details, first_line

POLL_S = 0.02
IMPORTANCE_EVERY_S = 2.0  # importances cost up to a second: at most this often while the search runs
_STATES = {"COMPLETE": "complete", "PRUNED": "pruned", "FAIL": "fail", "RUNNING": "running"}


def _plain(v):
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v


def study_records(study) -> list[dict]:
    """Every trial of ``study`` (but queued ones) as a plain record dict (see the module docstring)."""
    out = []
    for t in study.get_trials(deepcopy=False):
        state = _STATES.get(t.state.name)
        if state is None:
            continue
        attrs = {}
        if t.duration is not None:
            attrs["duration"] = t.duration.total_seconds()
        msg = t.user_attrs.get("message")
        if msg and state == "fail":
            attrs["error"] = msg
        if "config" in t.user_attrs:
            attrs["config"] = t.user_attrs["config"]
        if "c2f:box" in t.system_attrs:
            attrs["box"] = t.system_attrs["c2f:box"]
            attrs["round"] = t.system_attrs.get("c2f:round", 0)
        value = _plain(t.value) if state == "complete" else None
        out.append({"number": t.number, "params": dict(t.params), "value": value, "state": state,
                    "intermediate": {int(k): float(v) for k, v in t.intermediate_values.items()},
                    "attrs": attrs})
    return out


class SearchJob(Job):
    """The search in a thread; the loop forwards its newest snapshot and its end."""

    CREDIT = 2

    def __init__(self, out, payload):
        super().__init__(out, payload)
        self.spec = payload["spec"]
        self.mode = payload.get("mode", "start")
        self.stop_event = threading.Event()
        self.pending = None  # the newest snapshot not sent yet (written by the thread)
        self.outcome = None  # ("result", value) or ("failed", text, details) or ("stopped",)
        self.thread = threading.Thread(target=self._run, name=f"search-{out.job_id}", daemon=True)
        self.thread.start()

    def _snapshot(self, search, importance) -> dict:
        return {"trials": study_records(search.study), "total": search.total, "importance": importance,
                "storage": search.spec.storage}

    def _run(self) -> None:
        try:
            from playground.search.engine import Search
            from playground.search.importance import param_importances

            search = Search(self.spec)
            n = len(search.study.get_trials(deepcopy=False))
            if self.mode == "start" and n:
                raise ValueError(f"study {self.spec.study_name!r} already has {n} trials: Resume continues it, "
                                 "or give another study name")
            importance, last = None, 0.0
            self.pending = self._snapshot(search, importance)
            for _r in search.run(self.stop_event):
                if time.perf_counter() - last > IMPORTANCE_EVERY_S:
                    importance = param_importances(search.study)
                    last = time.perf_counter()
                self.pending = self._snapshot(search, importance)
            if self.stop_event.is_set():
                self.pending = self._snapshot(search, importance)
                self.outcome = ("stopped",)
                return
            res = search.finish(importance=True)
            self.pending = self._snapshot(search, res.importance)
            f = res.final
            self.outcome = ("result", {
                "best": res.best_number, "params": res.best_params, "value": _plain(res.best_value),
                "test_loss": _plain(getattr(f, "test_loss", None)), "test_acc": _plain(getattr(f, "test_acc", None)),
                "importance": res.importance})
        except Exception as exc:  # noqa: BLE001 - reported by the loop, never raised in a thread
            first = first_line(exc)
            text = first if isinstance(exc, ValueError) else f"{type(exc).__name__}: {first}"
            self.outcome = ("failed", text, details(exc) or "")

    def wake(self):
        if self.thread.is_alive() and not (self.pending is not None and self.out.can_send()):
            return POLL_S
        return 0.0

    def step(self):
        alive = self.thread.is_alive()
        if self.pending is not None and (self.out.can_send() or not alive):
            data, self.pending = self.pending, None
            self.out.progress(data)
        if alive:
            return
        self.thread.join()
        if self.pending is not None:
            data, self.pending = self.pending, None
            self.out.progress(data)
        outcome = self.outcome or ("failed", "the search ended without a result", "")
        if outcome[0] == "failed":
            self.out.failed(outcome[1], outcome[2])
            self.out.finish("failed")
        elif outcome[0] == "stopped":
            self.out.finish("cancelled")
        else:
            self.out.result(outcome[1])
            self.out.finish("completed")

    def cancel(self):
        # The search stops at its next epoch; the job finishes when the thread has ended (see step).
        self.stop_event.set()

    def close(self):
        self.stop_event.set()
        self.thread.join(2.0)  # let the engine queue its unfinished trials again before the child quits
