"""The one-transaction writes of playground/search/storage.py against Optuna's own calls, trial by trial:
the same trials come out, numbered as Optuna numbers them, in one write transaction per call."""
from __future__ import annotations

import datetime
import threading

import optuna
import pytest
from optuna.distributions import FloatDistribution, IntDistribution

from playground.search.storage import (TrialEnd, create_trials, finish_trials, open_storage, record_heartbeats,
                                       unwrap)
from search_kit import write_commits

optuna.logging.set_verbosity(optuna.logging.ERROR)
S = optuna.trial.TrialState
DISTS = {"lr": FloatDistribution(1e-4, 1.0, log=True), "width": IntDistribution(2, 64)}


def _template(k: int, state=S.RUNNING):
    finished = state.is_finished()
    return optuna.trial.FrozenTrial(
        number=-1, state=state, value=None, values=[0.5 - k / 100] if finished else None,
        datetime_start=datetime.datetime(2026, 1, 1, 0, 0, k), datetime_complete=None,
        params={"lr": 10.0 ** -(1 + k % 3), "width": 2 + k}, distributions=DISTS,
        user_attrs={"config": {"k": k}}, system_attrs={"sampler": [k, "x"]},
        intermediate_values={1: 0.9, 2: 0.8 - k / 100} if finished else {}, trial_id=-1)


def _end(tid: int, k: int) -> TrialEnd:
    if k % 3 == 2:
        return TrialEnd(tid, S.PRUNED, [0.7], {1: 0.9, 2: 0.7}, {"message": "pruned"}, {"completed_rung_0": 0.7})
    if k % 3 == 1:
        return TrialEnd(tid, S.FAIL, None, {1: float("nan")}, {"message": "diverged"}, {})
    return TrialEnd(tid, S.COMPLETE, [0.1 * k], {1: 0.5, 2: 0.1 * k, 3: float("inf")}, {}, {})


def _frozen(t):
    """What a stored trial holds, comparable (repr: a nan equals a nan)."""
    return repr((t.number, t.state, t.params, t.values, t.intermediate_values, t.user_attrs, t.system_attrs,
            t.datetime_start, t.datetime_complete is not None))


def _study(tmp_path, name):
    storage = open_storage(f"sqlite:///{tmp_path / name}.db")
    return storage, optuna.create_study(storage=storage, study_name="s")


@pytest.mark.parametrize("state", [S.RUNNING, S.COMPLETE])
def test_create_trials_adds_what_optunas_create_new_trial_adds(tmp_path, state):
    ours_storage, ours = _study(tmp_path, "ours")
    theirs_storage, theirs = _study(tmp_path, "theirs")
    for study in (ours, theirs):
        study.enqueue_trial({"lr": 0.01, "width": 3})  # one trial already there: numbering starts after it
    templates = [_template(k, state) for k in range(6)]
    commits = write_commits(ours_storage)
    got = create_trials(ours_storage, ours._study_id, templates)
    assert len(commits) == 1
    want = [theirs_storage.create_new_trial(theirs._study_id, template_trial=t) for t in templates]
    assert [n for _, n in got] == [1, 2, 3, 4, 5, 6]
    a = optuna.load_study(study_name="s", storage=unwrap(ours_storage).url).trials
    b = optuna.load_study(study_name="s", storage=unwrap(theirs_storage).url).trials
    assert [_frozen(t) for t in a] == [_frozen(t) for t in b] and len(want) == 6


def test_create_trials_from_two_threads_never_share_a_number(tmp_path):
    """Numbers are counted after the insert, under SQLite's write lock: two writers at once."""
    url = f"sqlite:///{tmp_path / 'x.db'}"
    storage, study = _study(tmp_path, "x")
    other = open_storage(url)
    start = threading.Barrier(2)
    out: list = []

    def add(st):
        start.wait()
        for _ in range(10):
            out.extend(n for _, n in create_trials(st, study._study_id, [_template(k) for k in range(4)]))

    threads = [threading.Thread(target=add, args=(st,)) for st in (storage, other)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(out) == list(range(80))
    assert sorted(t.number for t in optuna.load_study(study_name="s", storage=url).trials) == list(range(80))


def test_finish_trials_writes_what_optunas_public_calls_write(tmp_path):
    results = {}
    for mode in ("ours", "optuna"):
        storage, study = _study(tmp_path, mode)
        ids = [tid for tid, _ in create_trials(storage, study._study_id, [_template(k) for k in range(6)])]
        storage.set_trial_intermediate_value(ids[0], 1, 0.95)  # a retried trial may already hold some
        storage.set_trial_user_attr(ids[1], "message", "old")
        ends = [_end(tid, k) for k, tid in enumerate(ids)]
        if mode == "ours":
            commits = write_commits(storage)
            assert finish_trials(storage, ends) == []
            assert len(commits) == 1
        else:
            for e in ends:
                for step, v in e.intermediate.items():
                    storage.set_trial_intermediate_value(e.trial_id, step, v)
                for key, v in e.user_attrs.items():
                    storage.set_trial_user_attr(e.trial_id, key, v)
                for key, v in e.system_attrs.items():
                    storage.set_trial_system_attr(e.trial_id, key, v)
                storage.set_trial_state_values(e.trial_id, e.state, e.values)
        results[mode] = [_frozen(t) for t in optuna.load_study(study_name="s", storage=unwrap(storage).url).trials]
    assert results["ours"] == results["optuna"]
    assert all(state in "".join(results["ours"]) for state in ("COMPLETE", "FAIL", "PRUNED"))


def test_finish_trials_leaves_a_trial_another_process_already_failed(tmp_path):
    storage, study = _study(tmp_path, "x")
    ids = [tid for tid, _ in create_trials(storage, study._study_id, [_template(k) for k in range(3)])]
    open_storage(unwrap(storage).url).set_trial_state_values(ids[1], S.FAIL)  # stale, failed elsewhere
    skipped = finish_trials(storage, [_end(tid, 0) for tid in ids])
    assert skipped == [ids[1]]
    states = [t.state for t in optuna.load_study(study_name="s", storage=unwrap(storage).url).trials]
    assert states == [S.COMPLETE, S.FAIL, S.COMPLETE]


def test_finish_trials_in_memory_is_the_public_calls():
    storage = optuna.storages.InMemoryStorage()
    study = optuna.create_study(storage=storage)
    ids = [tid for tid, _ in create_trials(storage, study._study_id, [_template(k) for k in range(3)])]
    storage.set_trial_state_values(ids[2], S.FAIL)
    assert finish_trials(storage, [_end(tid, 0) for tid in ids]) == [ids[2]]
    assert [t.state for t in study.trials] == [S.COMPLETE, S.COMPLETE, S.FAIL]
    assert study.trials[0].intermediate_values == {1: 0.5, 2: 0.0, 3: float("inf")}


def test_record_heartbeats_is_optunas_heartbeat_for_many_trials(tmp_path):
    storage = open_storage(f"sqlite:///{tmp_path / 'h.db'}", heartbeat_interval=1, grace_period=2)
    study = optuna.create_study(storage=storage, study_name="s")
    ids = [tid for tid, _ in create_trials(storage, study._study_id, [_template(k) for k in range(5)])]
    backend = unwrap(storage)
    commits = write_commits(storage)
    record_heartbeats(storage, ids[:3])
    record_heartbeats(storage, ids[:3])  # the second beat updates the rows (one per trial, as Optuna's)
    assert 1 <= len(commits) <= 2  # (within the clock's second the update changes nothing: no write)
    from optuna.storages._rdb import models
    from optuna.storages._rdb.storage import _create_scoped_session

    with _create_scoped_session(backend.scoped_session) as session:
        rows = session.query(models.TrialHeartbeatModel).all()
        assert sorted(r.trial_id for r in rows) == sorted(ids[:3])
        beats = {r.trial_id: r.heartbeat for r in rows}
    backend.record_heartbeat(ids[3])  # Optuna's own, for comparison
    with _create_scoped_session(backend.scoped_session) as session:
        theirs = models.TrialHeartbeatModel.where_trial_id(ids[3], session).heartbeat
    assert all(abs((theirs - b).total_seconds()) < 5 for b in beats.values())
    # The one trial with no heartbeat at all is never stale; the beaten ones are not stale yet.
    assert backend._get_stale_trial_ids(study._study_id) == []


def _as_stored(trials):
    """Every field of each trial, comparable (a nan equals a nan; attributes' key order aside)."""
    import json

    return [repr((t.number, t._trial_id, t.state, t.params, t.distributions, t.values,
                  sorted(t.intermediate_values.items()), t.datetime_start, t.datetime_complete))
            + json.dumps([t.user_attrs, t.system_attrs], sort_keys=True) for t in trials]


@pytest.mark.parametrize("write_once", [False, True])
@pytest.mark.parametrize("method,pruner", [("grid", "none"), ("random", "median")])
def test_the_cache_a_search_fills_holds_what_the_storage_holds(tmp_path, monkeypatch, write_once, method, pruner):
    """After each round the engine hands Optuna's trial cache the trials it wrote, so they are not read
    back; a trial another process adds meanwhile is still read. The cache and a fresh read agree."""
    from core.training.config import TrainConfig
    from playground.search import engine
    from playground.search.engine import Search, SearchSpec
    from playground.search.space import space_from_params

    url = f"sqlite:///{tmp_path / 'c.db'}"
    spec = SearchSpec(TrainConfig(dataset="moons", n=60, layers=(3,), epochs=4, batch_size=20, report_every=0),
                      space_from_params(["lr=1e-3:1:log:4", "batch_size=10,30"]), method=method, trials=8,
                      storage=url, sampler_seed=1, pruner=pruner, batch=True, write_once=write_once, ask_batch=4)
    s = Search(spec)
    train_group = engine.train_group
    rounds = []

    def train_and_meddle(configs, *a, **kw):  # another process adds a finished trial while a round trains
        out = train_group(configs, *a, **kw)
        if not rounds:
            other = optuna.load_study(study_name="search", storage=url)
            other.add_trial(optuna.trial.create_trial(
                params={"lr": 0.1, "batch_size": 10}, distributions=s.distributions, value=0.25,
                user_attrs={"from": "elsewhere"}))
        rounds.append(len(configs))
        return out

    monkeypatch.setattr(engine, "train_group", train_and_meddle)
    remembered = []
    real = engine.remember_written
    monkeypatch.setattr(engine, "remember_written", lambda *a: remembered.append(real(*a)) or remembered[-1])
    list(s.run())
    assert len(rounds) >= 2 and all(remembered) and remembered
    cached = s.study.get_trials()
    fresh = optuna.load_study(study_name="search", storage=url).trials
    assert _as_stored(cached) == _as_stored(fresh)
    assert sum(t.user_attrs.get("from") == "elsewhere" for t in cached) == 1
    assert len(fresh) == 8  # --trials is the study's total: the other process's trial counts


def test_new_databases_share_one_alembic_script_directory(tmp_path, monkeypatch):
    """Optuna built alembic's script directory (executing every migration script) three times per new
    database; once a process now, and each database is still stamped with the head revision."""
    from alembic.script import ScriptDirectory

    built = []
    real = ScriptDirectory.from_config.__func__
    monkeypatch.setattr(ScriptDirectory, "from_config",
                        classmethod(lambda cls, config: built.append(1) or real(cls, config)))
    storages = [open_storage(f"sqlite:///{tmp_path / f'{k}.db'}") for k in range(3)]
    assert len(built) <= 1
    heads = {s.get_head_version() for s in storages}
    assert len(heads) == 1 and all(s.get_current_version() in heads for s in storages)
    study = optuna.create_study(storage=storages[2], study_name="s")
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=2)
    assert len(optuna.load_study(study_name="s", storage=f"sqlite:///{tmp_path / '2.db'}").trials) == 2
