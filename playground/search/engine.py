"""The search engine: an Optuna study of training configurations, run round by round.

A round asks the sampler for some trials (one, or several that train together as a batch), trains
them without touching the test split, reports each epoch's validation value to the pruner, and
tells the study. When the search ends, :meth:`Search.finish` retrains the best configuration once
with the test split: tuning uses the dev set, the test set is touched once at the end.

The study is a plain Optuna study: ``optuna.load_study(study_name=..., storage=...)`` reads it.
Its parameters are the knob names; each trial's user attribute ``config`` holds its whole
:class:`~core.training.config.TrainConfig` (:func:`trial_config` rebuilds it), so any trial can be
replayed; the study's user attribute ``playground`` holds the space, the objective and the fixed
training options, so a resumed search can check it searches the same thing.
"""
from __future__ import annotations

import copy
import datetime
import logging
import math
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass

import optuna

from core.training.config import TrainConfig

from .methods import make_pruner, make_sampler
from .mirror import StudyMirror
from .spec import (ASK_BATCH, OBJECTIVES, PRUNING_ASK_BATCH, SearchResult, SearchSpec, TrialResult, _jsonable,
                   config_key, trial_config)
from .storage import TrialEnd, create_trials, finish_trials, remember_written, unwrap
from .study import Heartbeat, open_study, retried_numbers
from .trainers import batched_module, train_group

_log = logging.getLogger(__name__)


@dataclass
class _Asked:
    """A trial of the round: its id and number in the study, its knob values and its config."""

    trial_id: int       # negative: not in the storage yet (write-once; see StudyMirror.pending)
    number: int
    params: dict
    config: TrainConfig
    started: datetime.datetime | None = None
    template: optuna.trial.FrozenTrial | None = None  # what its round's start wrote (None: a retried trial)


def _suggest(trial, name: str, d):
    """``trial.suggest_*`` for distribution ``d``."""
    from optuna.distributions import CategoricalDistribution, IntDistribution

    if isinstance(d, CategoricalDistribution):
        return trial.suggest_categorical(name, list(d.choices))
    if isinstance(d, IntDistribution):
        return trial.suggest_int(name, d.low, d.high, log=d.log)
    return trial.suggest_float(name, d.low, d.high, log=d.log)


class Search:
    """A search over ``spec``: iterate :meth:`run` for the finished trials, then call :meth:`finish`.

    Examples
    --------
    >>> s = Search(SearchSpec(base, space_from_params(["lr=1e-3:1:log"]), trials=20))  # doctest: +SKIP
    >>> for r in s.run(): print(r.record())                                             # doctest: +SKIP
    >>> print(s.finish().record(s.spec))                                                # doctest: +SKIP
    """

    def __init__(self, spec: SearchSpec):
        spec.check()
        self.spec = spec
        self.study = open_study(spec)
        self.TrialState = optuna.trial.TrialState
        n_existing = len(self.study.get_trials(deepcopy=False))
        self.study.sampler = make_sampler(spec.method, spec.space, spec.sampler_seed, n_existing,
                                           startup_trials=spec.startup_trials, **spec.c2f)
        self.pruner = make_pruner(spec.pruner)
        self.study.pruner = self.pruner
        self.mirror = StudyMirror(self.study, self.study.sampler, self.pruner)
        self.distributions = spec.space.distributions()
        self.grid_size = spec.space.grid_size() if spec.method == "grid" else None
        self.total = spec.trials if self.grid_size is None else min(spec.trials or self.grid_size, self.grid_size)
        self.batched = spec.batch and batched_module() is not None
        self._done: dict = {}          # config key -> a COMPLETE trial that trained it
        self._keyed: set[int] = set()  # trial numbers already in _done
        self._writes: list = []        # write-once: (asked, FrozenTrial) of the round so far
        self._ends: list = []          # (asked, TrialEnd) of the round's trials told so far, for _flush
        self._written_failed: set[int] = set()
        self.heartbeat_s = float(getattr(unwrap(self.study._storage), "heartbeat_interval", None) or 20)

    # ----------------------------------------------------------------- bookkeeping
    def _plan(self, trials) -> int:
        """How many trials the next round asks for (0: done)."""
        S = self.TrialState
        retried = retried_numbers(trials)
        live = [t for t in trials if not (t.state == S.FAIL and t.number in retried)]
        waiting = sum(t.state == S.WAITING for t in live)
        if self.grid_size is not None:
            taken = {t.system_attrs.get("grid_id") for t in live if t.state != S.WAITING} - {None}
            new = max(self.grid_size - len(taken) - waiting, 0)
            new = min(new, max(self.total - len(live), 0))
        else:
            new = max(self.total - len(live), 0)
        n = new + waiting
        if not self.batched:
            return min(n, 1)
        size = self.spec.ask_batch or ASK_BATCH[self.spec.method]
        if self.spec.pruner != "none" and not self.spec.ask_batch:
            size = min(size, PRUNING_ASK_BATCH)  # a pruner compares with finished trials: several rounds
        if self.spec.method == "coarse-to-fine":
            r = self.study.sampler.round_size
            size = self.spec.ask_batch or r
            size = min(size, r - len(trials) % r)  # never straddle two rounds' boxes
        return min(n, size)

    def counts(self) -> dict:
        """Trials of the study by state (``total`` excludes failed trials that a retry replaced)."""
        trials = self.study.get_trials(deepcopy=False)
        retried = retried_numbers(trials)
        out = {s.name.lower(): 0 for s in (self.TrialState.COMPLETE, self.TrialState.PRUNED, self.TrialState.FAIL,
                                            self.TrialState.RUNNING, self.TrialState.WAITING)}
        for t in trials:
            out[t.state.name.lower()] = out.get(t.state.name.lower(), 0) + 1
        out["total"] = sum(1 for t in trials if not (t.state == self.TrialState.FAIL and t.number in retried))
        return out

    def _value(self, m) -> float | None:
        v = m.val_acc if self.spec.objective == "val_acc" else m.val_loss
        return None if v is None else float(v)

    # ----------------------------------------------------------------- the loop
    def run(self, stop_event=None) -> Iterator[TrialResult]:
        """Run rounds until the study holds its total (or ``stop_event`` is set); yields each trial as
        it finishes. Trials cut short by a stop are failed and queued again, so the same search resumes them."""
        while stop_event is None or not stop_event.is_set():
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)  # stable since 2.9
                optuna.storages.fail_stale_trials(self.study)  # a killed run's RUNNING trials: failed, and retried
            trials = self.study.get_trials(deepcopy=False)
            n = self._plan(trials)
            if n <= 0:
                return
            yield from self._round(n, trials, stop_event)

    def _suggest_all(self, trial) -> dict:
        """Suggest every knob that applies (the optimizer first: momentum etc. depend on it)."""
        space = self.spec.space
        params = {}
        opt = self.spec.base.optimizer
        if "optimizer" in space:
            opt = params["optimizer"] = _suggest(trial, "optimizer", self.distributions["optimizer"])
        for k in space.knobs:
            if k.name != "optimizer" and space.applies(k.name, opt):
                params[k.name] = _suggest(trial, k.name, self.distributions[k.name])
        return params

    def _ask(self, n: int, trials) -> list[_Asked]:
        """``n`` new RUNNING trials: queued (retried) ones from the study, the rest sampled in the mirror
        and written to the study together, in one transaction (write-once: when the round ends)."""
        S = self.TrialState
        storage = self.study._storage
        asked: list[_Asked] = []
        for _ in range(min(n, sum(t.state == S.WAITING for t in trials))):
            with warnings.catch_warnings():  # "Heartbeat ... supposed to be used with Study.optimize": ours beats
                warnings.simplefilter("ignore", UserWarning)
                trial = self.study.ask()       # pops a WAITING trial, which keeps its params
            params = self._suggest_all(trial)
            config = self.spec.space.config(self.spec.base, params)
            storage.set_trial_user_attr(trial._trial_id, "config", _jsonable(config.to_dict()))
            self.mirror.sync([storage.get_trial(trial._trial_id)])
            asked.append(_Asked(trial._trial_id, trial.number, params, config))
        if len(asked) < n:
            self.mirror.sync(self.study.get_trials(deepcopy=False) if asked else trials)
        starts: list = []  # (the mirror's trial id, its knob values, its config, its RUNNING template)
        for _ in range(n - len(asked)):
            mt = self.mirror.study.ask()
            params = self._suggest_all(mt)
            config = self.spec.space.config(self.spec.base, params)
            if self.spec.write_once:  # written once, when its round ends (_flush): numbered as Optuna would
                number = len(trials) + sum(x.trial_id < 0 for x in asked)
                asked.append(_Asked(self.mirror.pending(mt._trial_id), number, params, config,
                                    datetime.datetime.now()))
                continue
            f = self.mirror.storage.get_trial(mt._trial_id)
            starts.append((mt._trial_id, params, config, optuna.trial.FrozenTrial(
                number=-1, state=S.RUNNING, value=None, datetime_start=datetime.datetime.now(),
                datetime_complete=None, params=f.params, distributions=f.distributions,
                user_attrs={"config": _jsonable(config.to_dict())}, system_attrs=f.system_attrs,
                intermediate_values={}, trial_id=-1)))
        if starts:  # the round's new trials start in one transaction: other processes see them RUNNING
            ids = create_trials(storage, self.study._study_id, [t for *_, t in starts])
            for (mirror_id, params, config, template), (tid, number) in zip(starts, ids):
                self.mirror.bind(tid, mirror_id)
                asked.append(_Asked(tid, number, params, config, template=template))
        return asked

    def _round(self, n: int, trials, stop_event) -> Iterator[TrialResult]:
        S = self.TrialState
        for t in trials:  # the configurations trained so far (kept across rounds: a key costs 0.7 ms)
            if t.state == S.COMPLETE and t.number not in self._keyed and "config" in t.user_attrs:
                self._keyed.add(t.number)
                try:
                    self._done.setdefault(config_key(trial_config(t)), t)
                except (TypeError, KeyError):
                    pass
        done_keys = self._done
        asked = self._ask(n, trials)
        jobs: list[_Asked] = []
        twins: dict[int, _Asked] = {}   # index in asked -> the job training the same config
        job_of_key: dict[str, _Asked] = {}
        told: set[int] = set()
        results: dict[int, TrialResult] = {}
        t0 = time.perf_counter()
        try:
            for i, a in enumerate(asked):
                key = config_key(a.config)
                same = done_keys.get(key)
                if same is not None:  # a grid point whose conditional knob does not apply: same run, same value
                    results[i] = self._tell(a, same.value, S.COMPLETE, None, {}, 0.0, same.number)
                    told.add(i)
                elif key in job_of_key:
                    twins[i] = job_of_key[key]
                else:
                    job_of_key[key] = a
                    jobs.append(a)
            pruned: set[int] = set()
            curves: list[dict] = [{} for _ in jobs]
            last = [int(a.config.epochs) for a in jobs]

            def on_epoch(epoch: int, reports: list):
                for j, m in enumerate(reports):
                    if m is None or epoch < 1 or j in pruned:
                        continue
                    v = self._value(m)
                    if v is None:
                        continue
                    curves[j][epoch] = v
                    # At its last epoch a run is done anyway (and the batched trainer completes it).
                    if self.mirror.report(jobs[j].trial_id, epoch, v, decide=epoch < last[j]):
                        pruned.add(j)
                return sorted(pruned)

            if jobs:
                with Heartbeat(self.study._storage, [a.trial_id for a in jobs if a.trial_id >= 0], self.heartbeat_s):
                    outs = train_group([a.config for a in jobs], stop_event, on_epoch, batch=self.spec.batch)
                duration = (time.perf_counter() - t0) / len(jobs)  # a batch trains together: its share
                index = {id(a): i for i, a in enumerate(asked)}
                for j, (a, out) in enumerate(zip(jobs, outs)):
                    final = None if isinstance(out, Exception) else next(
                        (m for m in reversed(out) if m.kind == "final"), None)
                    if final is not None and final.stopped == "stopped":
                        continue  # cut short by the stop: failed and queued again below
                    if isinstance(out, Exception):
                        state, value, msg = S.FAIL, None, str(out).splitlines()[0]
                    elif final is None or final.stopped == "pruned" or j in pruned:
                        state, value, msg = S.PRUNED, None, None
                    else:
                        value = self._value(final)
                        msg = final.message if final.stopped == "nan" else None
                        ok = value is not None and math.isfinite(value)
                        state = S.COMPLETE if ok else S.FAIL
                        if not ok and msg is None:
                            msg = "the run diverged (no finite validation value)"
                    rungs = {k: v for k, v in self.mirror.system_attrs(a.trial_id).items()
                             if k.startswith("completed_rung")}
                    i = index[id(a)]
                    results[i] = self._tell(a, value, state, msg, curves[j], duration, None, rungs)
                    told.add(i)
                for i, first in twins.items():
                    r = results.get(index[id(first)])
                    if r is not None and r.state == "COMPLETE":
                        results[i] = self._tell(asked[i], r.value, S.COMPLETE, None, {}, 0.0, first.number)
                        told.add(i)
        finally:
            cut = [a for i, a in enumerate(asked) if i not in told]
            self._flush(cut)
            self._requeue(cut)
        for i in sorted(results):
            yield results[i]

    def _tell(self, a: _Asked, value, state, message, curve: dict, duration: float, same_as: int | None,
              rungs: dict | None = None) -> TrialResult:
        """Trial ``a``'s end, told to the mirror now and kept for the storage, which gets the round's
        ends together (:meth:`_flush`): its curve, its attributes, its state and its value."""
        S = self.TrialState
        user = {}
        if message:
            user["message"] = message
        if same_as is not None:
            user["same_as"] = same_as
            message = f"same configuration as trial {same_as}"
        values = None
        if state == S.COMPLETE:
            values = [float(value)]
        elif state == S.PRUNED and curve:  # Optuna's rule: a pruned trial's value is its last reported one
            v = curve[max(curve)]
            values = [float(v)] if math.isfinite(v) else None
        if a.trial_id < 0:  # write-once: created with the rest of its round, by _flush
            self._writes.append((a, self._template(a, state, values, curve, user, rungs or {})))
        else:  # ended with the rest of its round, by _flush
            self._ends.append((a, TrialEnd(a.trial_id, state, values, dict(curve), user, dict(rungs or {}),
                                           datetime.datetime.now())))
        self.mirror.finish(a.trial_id, state, values)
        return TrialResult(a.number, dict(a.params), values[0] if values else None, state.name, float(duration),
                           message, [curve[k] for k in sorted(curve)])

    def _template(self, a: _Asked, state, values, curve: dict, user: dict, rungs: dict):
        """Write-once: trial ``a`` as the FrozenTrial the storage gets when it ends (params and the
        sampler's attributes from the mirror, the config, the curve, the state and the value)."""
        f = self.mirror.frozen(a.trial_id)
        return optuna.trial.FrozenTrial(
            number=-1, state=state, value=None, values=values, datetime_start=a.started,
            datetime_complete=datetime.datetime.now(), params=f.params, distributions=f.distributions,
            user_attrs={"config": _jsonable(a.config.to_dict()), **user}, system_attrs={**f.system_attrs, **rungs},
            intermediate_values={int(k): float(v) for k, v in curve.items()}, trial_id=-1)

    def _flush(self, cut: list[_Asked]) -> None:
        """The round's told trials into the storage, in one transaction: the ends of trials that
        started in the storage, or (write-once) whole trials, numbered as they were asked; a
        write-once trial cut short (a stop, an error) is written failed and queued again by _requeue."""
        storage, sid = self.study._storage, self.study._study_id
        ends, self._ends = self._ends, []
        if ends:
            skipped = set(finish_trials(storage, [e for _, e in ends]))
            remember_written(storage, sid, [_ended(a, e) for a, e in ends
                                            if a.template is not None and e.trial_id not in skipped])
        writes, self._writes = self._writes, []
        for a in cut:
            if a.trial_id < 0:
                self.mirror.finish(a.trial_id, self.TrialState.FAIL, None)
                writes.append((a, self._template(a, self.TrialState.FAIL, None, {},
                                                 {"message": "stopped before it finished"}, {})))
        if not writes:
            return
        writes.sort(key=lambda w: w[0].number)
        cut_ids = {id(a) for a in cut}
        ids = create_trials(storage, sid, [t for _, t in writes])
        for (a, _t), (tid, number) in zip(writes, ids):
            if number != a.number:
                _log.warning("trial %d was stored as number %d: another process writes to this study, "
                             "which write-once does not support", a.number, number)
            self.mirror.rebind(a.trial_id, tid)
            a.trial_id, a.number = tid, number
            if id(a) in cut_ids:
                self._written_failed.add(tid)
        remember_written(storage, sid, [_numbered(t, tid, number) for (_a, t), (tid, number) in zip(writes, ids)])

    def _requeue(self, asked) -> None:
        """Trials cut short (a stop, Ctrl-C, an error): failed and queued again, as the heartbeat's retry
        does for a killed run, so resuming runs them (a grid keeps its points)."""
        if not asked:
            return
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            retry = optuna.storages.RetryHeartbeatStaleTrialCallback(max_retry=None)
        storage = self.study._storage
        for a in asked:
            if a.trial_id in self._written_failed:  # write-once: _flush wrote it failed
                retry(self.study, storage.get_trial(a.trial_id))
                continue
            try:
                storage.set_trial_user_attr(a.trial_id, "message", "stopped before it finished")
                if not storage.set_trial_state_values(a.trial_id, self.TrialState.FAIL):
                    continue
            except optuna.exceptions.UpdateFinishedTrialError:
                continue
            self.mirror.finish(a.trial_id, self.TrialState.FAIL, None)
            retry(self.study, storage.get_trial(a.trial_id))

    # ----------------------------------------------------------------- the end
    def finish(self, importance: bool = True) -> SearchResult:
        """The best trial retrained ONCE with the test split (its only evaluation), and the knobs'
        importances (:func:`playground.search.importance.param_importances`)."""
        counts = self.counts()
        complete = self.study.get_trials(deepcopy=False, states=(self.TrialState.COMPLETE,))
        if not complete:
            return SearchResult(None, None, None, None, None, counts)
        best = self.study.best_trial
        config = trial_config(best)
        reports = train_one_with_test(config)
        final = next((m for m in reversed(reports) if m.kind == "final"), None)
        imp = None
        if importance:
            from .importance import param_importances

            imp = param_importances(self.study)
        return SearchResult(best.number, dict(best.params), best.value, config, final, counts, imp)


def _numbered(t: optuna.trial.FrozenTrial, trial_id: int, number: int) -> optuna.trial.FrozenTrial:
    """A copy of template ``t`` with the id and number the storage gave it."""
    t = copy.copy(t)
    t.number, t._trial_id = number, trial_id
    return t


def _ended(a: _Asked, e: TrialEnd) -> optuna.trial.FrozenTrial:
    """Trial ``a`` as the storage holds it after its round: its start's template with end ``e``."""
    t = a.template
    return optuna.trial.FrozenTrial(
        number=a.number, state=e.state, value=None, values=e.values, datetime_start=t.datetime_start,
        datetime_complete=e.completed, params=t.params, distributions=t.distributions,
        user_attrs={**t.user_attrs, **e.user_attrs}, system_attrs={**t.system_attrs, **e.system_attrs},
        intermediate_values={int(k): float(v) for k, v in e.intermediate.items()}, trial_id=a.trial_id)


def train_one_with_test(config: TrainConfig) -> list:
    """Train ``config`` with the test split evaluated in its final report (the search's last step)."""
    from core.training import train

    return [m for m in train(config) if m.kind != "step"]


__all__ = ["OBJECTIVES", "Search", "SearchResult", "SearchSpec", "TrialResult", "config_key", "open_study",
           "trial_config", "train_one_with_test"]
