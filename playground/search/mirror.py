"""An in-memory mirror of a study: where the sampler asks and the pruner decides.

On an RDB storage every Optuna call is a transaction, and a sampler or pruner reads the study
each time: ``ask`` re-read the running trials (64 asks of one batched round: O(n^2) rows), and
``trial.report`` + ``should_prune`` for 64 trials x 100 epochs took about 94 s on SQLite against
0.1 s in memory. So the engine keeps one in-memory copy of the study for the whole search: each
round copies in what changed (other processes' trials included), the sampler asks there, the
round's trials report their epochs there, and the real storage gets the round's trials written
when the round starts (params, distributions, the sampler's system attributes, the config) and
when it ends (curves, attributes, states and values), one transaction each
(:mod:`playground.search.storage`). Samplers and pruners are Optuna's own, unchanged: they only see
a study that is in memory.
"""
from __future__ import annotations

import math

import optuna
from optuna.trial import TrialState


class StudyMirror:
    """In-memory copy of ``study`` (same direction), with ``sampler`` and ``pruner``."""

    def __init__(self, study: optuna.Study, sampler, pruner):
        self.pruner = pruner
        self.storage = optuna.storages.InMemoryStorage()
        self.study = optuna.create_study(storage=self.storage, direction=study.direction, sampler=sampler,
                                         pruner=pruner)
        self._sid = self.study._study_id
        self._ids: dict[int, int] = {}        # real trial id -> mirror trial id
        self._state: dict[int, TrialState] = {}

    def sync(self, trials) -> None:
        """Copy in the real ``trials`` not seen yet, and those finished since (not WAITING ones: the
        real study hands those out)."""
        for t in trials:
            if t.state == TrialState.WAITING:
                continue
            mid = self._ids.get(t._trial_id)
            if mid is None:
                self._ids[t._trial_id] = self.storage.create_new_trial(self._sid, template_trial=t)
            elif self._state[t._trial_id] == TrialState.RUNNING and t.state != TrialState.RUNNING:
                for step, v in t.intermediate_values.items():
                    self.storage.set_trial_intermediate_value(mid, step, v)
                for k, v in t.system_attrs.items():
                    self.storage.set_trial_system_attr(mid, k, v)
                self.storage.set_trial_state_values(mid, t.state, t.values)
            self._state[t._trial_id] = t.state

    def bind(self, real_id: int, mirror_id: int) -> None:
        """Mirror trial ``mirror_id`` (asked here) is real trial ``real_id``."""
        self._ids[real_id] = mirror_id
        self._state[real_id] = TrialState.RUNNING

    def pending(self, mirror_id: int) -> int:
        """A stand-in id (negative) for mirror trial ``mirror_id``, asked here and not yet in the real
        storage (the engine's write-once mode); :meth:`rebind` gives it its real id once written."""
        pseudo = -1 - int(mirror_id)
        self.bind(pseudo, mirror_id)
        return pseudo

    def rebind(self, pseudo: int, real_id: int) -> None:
        """The trial known as ``pseudo`` is now real trial ``real_id``."""
        self._ids[real_id] = self._ids.pop(pseudo)
        self._state[real_id] = self._state.pop(pseudo)

    def frozen(self, real_id: int):
        """The mirror's FrozenTrial of ``real_id`` (params, distributions, the sampler's attributes)."""
        return self.storage.get_trial(self._ids[real_id])

    def report(self, real_id: int, step: int, value: float, decide: bool = True) -> bool:
        """Record ``value`` at ``step`` (an epoch); True if the pruner prunes (asked only when ``decide``).

        Without a pruner nothing is recorded: only a pruner reads the mirror's curves (the engine keeps
        each trial's curve itself and writes it with the trial).
        """
        if isinstance(self.pruner, optuna.pruners.NopPruner):
            return False
        mid = self._ids[real_id]
        self.storage.set_trial_intermediate_value(mid, step, value if math.isfinite(value) else float("nan"))
        if not decide:
            return False
        return bool(self.pruner.prune(self.study, self.storage.get_trial(mid)))

    def system_attrs(self, real_id: int) -> dict:
        """The mirror trial's system attributes (the sampler's, and SuccessiveHalving's rungs)."""
        return dict(self.storage.get_trial(self._ids[real_id]).system_attrs)

    def finish(self, real_id: int, state: TrialState, values) -> None:
        """The real trial ended as ``state``: so does its mirror."""
        mid = self._ids.get(real_id)
        if mid is not None and self._state.get(real_id) == TrialState.RUNNING:
            self.storage.set_trial_state_values(mid, state, values)
            self._state[real_id] = state
