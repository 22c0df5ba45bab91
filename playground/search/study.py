"""Opening a search's study, and the bookkeeping of its trials (heartbeats, retries)."""
from __future__ import annotations

import threading

import optuna

from .spec import RUN_ATTR, STUDY_ATTR, SearchSpec, _jsonable
from .spec import attr_difference as _difference
from .storage import describe, open_storage, record_heartbeats


class Heartbeat:
    """Records the heartbeat of the running trials (RDB storage), so a killed run's trials go stale."""

    def __init__(self, storage, trial_ids, interval: float):
        self.storage, self.ids, self.interval = storage, list(trial_ids), interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self):
        from optuna.storages._heartbeat import is_heartbeat_enabled

        if self.ids and is_heartbeat_enabled(self.storage):
            self._beat()
            self._thread = threading.Thread(target=self._loop, name="search-heartbeat", daemon=True)
            self._thread.start()
        return self

    def _beat(self):
        try:
            record_heartbeats(self.storage, self.ids)
        except Exception:  # noqa: BLE001 - a missed beat is retried at the next interval
            pass

    def _loop(self):
        while not self._stop.wait(self.interval):
            self._beat()

    def __exit__(self, *exc):
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        return False


def open_study(spec: SearchSpec):
    """Create or load the study of ``spec``; ValueError when it exists with another search."""
    kw = {}
    if spec.heartbeat_interval is not None:
        kw["heartbeat_interval"] = int(spec.heartbeat_interval)
    if spec.grace_period is not None:
        kw["grace_period"] = int(spec.grace_period)
    storage = open_storage(spec.storage, **kw)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    try:
        study = optuna.create_study(storage=storage, study_name=spec.study_name, direction=spec.direction,
                                    load_if_exists=True)
    except Exception as exc:  # noqa: BLE001 - database errors of every driver
        raise ValueError(f"--storage {describe(spec.storage)}: cannot open study {spec.study_name!r}: "
                         f"{str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__}") from None
    want = spec.study_attr()
    have = study.user_attrs.get(STUDY_ATTR)
    if have is None:
        if study.get_trials(deepcopy=False):
            raise ValueError(f"study {spec.study_name!r} in {describe(spec.storage)} was not made by a "
                             "search of this app; give another --study name")
        study.set_user_attr(STUDY_ATTR, want)
    elif have != want:
        raise ValueError(f"study {spec.study_name!r} in {describe(spec.storage)} exists with another "
                         f"{_difference(have, want)}; give another --study name, or the same options")
    # The base's values of the searched fields too (study_attr leaves them out): an opened study shows them.
    knobs = {k: v for k, v in _jsonable(spec.base.to_dict()).items() if k in spec.space.names}
    run = {"method": spec.method, "trials": spec.trials, "pruner": spec.pruner, "sampler_seed": spec.sampler_seed,
           "startup_trials": spec.startup_trials, "base_knobs": knobs}
    if study.user_attrs.get(RUN_ATTR) != run:
        study.set_user_attr(RUN_ATTR, run)
    return study


def retried_numbers(trials) -> set[int]:
    """Numbers of FAIL trials that a retry copy replaces (RetryFailedTrialCallback's history)."""
    out: set[int] = set()
    for t in trials:
        out.update(t.system_attrs.get("retry_history", ()))
    return out
