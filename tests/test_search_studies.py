"""Studies: resumed, killed runs' RUNNING trials retried, two processes on one study, plain Optuna
studies with replayable trials, pruning with batched writes, and the test split left alone until the end."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import optuna
import pytest
import torch

from core.training import trainer as trainer_module
from core.training.config import TrainConfig
from playground.search.engine import Search, SearchSpec, open_study, trial_config
from playground.search.space import space_from_params
from playground.search.trainers import train_one
from search_kit import write_commits

optuna.logging.set_verbosity(optuna.logging.ERROR)
torch.set_num_threads(1)
TINY = TrainConfig(dataset="moons", n=60, layers=(3,), epochs=3, batch_size=20, report_every=0)
ROOT = Path(__file__).resolve().parents[1]
S = optuna.trial.TrialState


def _spec(url=None, trials=3, **kw):
    space = kw.pop("space", space_from_params(["lr=1e-2:1:log", "batch_size=10,30"]))
    return SearchSpec(TINY, space, method=kw.pop("method", "random"), trials=trials, storage=url,
                      sampler_seed=kw.pop("sampler_seed", 0), batch=False, **kw)


def test_resumed_study_continues_from_its_trials(tmp_path):
    url = f"sqlite:///{tmp_path / 's.db'}"
    first = [r.record() for r in Search(_spec(url, trials=3)).run()]
    second = [r.record() for r in Search(_spec(url, trials=5)).run()]  # --trials is the study's total
    assert [r["number"] for r in first] == [0, 1, 2] and [r["number"] for r in second] == [3, 4]
    study = optuna.load_study(study_name="search", storage=url)   # a plain Optuna study
    assert [t.number for t in study.trials] == [0, 1, 2, 3, 4]
    assert [t.params for t in study.trials[:3]] == [r["params"] for r in first]  # kept, not rerun
    lrs = [t.params["lr"] for t in study.trials]
    assert len(set(lrs)) == 5   # the resumed sampler does not replay the first run's draws
    assert set(study.trials[0].params) == {"lr", "batch_size"}  # parameter names are the knob names
    assert list(Search(_spec(url, trials=5)).run()) == []


def test_trials_record_a_replayable_config():
    s = Search(_spec(trials=2))
    res = list(s.run())
    t = s.study.trials[1]
    cfg = trial_config(t)
    assert cfg.lr == t.params["lr"] and cfg.batch_size == t.params["batch_size"] and cfg.layers == (3,)
    final = [m for m in train_one(cfg) if m.kind == "final"][0]
    assert final.val_loss == pytest.approx(res[1].value, rel=1e-6)   # deterministic replay
    assert final.test_loss is None                                   # a trial never evaluates test


def test_study_with_another_space_is_refused(tmp_path):
    url = f"sqlite:///{tmp_path / 's.db'}"
    list(Search(_spec(url, trials=1)).run())
    with pytest.raises(ValueError, match=r"study 'search' in sqlite:///.* exists with another space \(it differs in dropout"):
        Search(_spec(url, space=space_from_params(["lr=1e-2:1:log", "batch_size=10,30", "dropout=0:0.5"])))
    with pytest.raises(ValueError, match="another objective"):
        Search(_spec(url, objective="val_acc"))
    with pytest.raises(ValueError, match=r"another training set-up \(it differs in n\)"):
        Search(SearchSpec(TINY.replace(n=80), _spec().space, trials=2, storage=url, batch=False))
    Search(_spec(url, trials=2))  # the same search opens


def test_killed_runs_running_trial_is_retried_on_resume(tmp_path):
    url = f"sqlite:///{tmp_path / 's.db'}"
    spec = _spec(url, trials=3, heartbeat_interval=1, grace_period=1)
    study = open_study(spec)
    # A run killed mid-trial: the trial stays RUNNING with a heartbeat that stops.
    with pytest.warns(UserWarning, match="Heartbeat"):
        dead = study.ask()
    dead.suggest_float("lr", 1e-2, 1, log=True)
    dead.suggest_categorical("batch_size", [10, 30])
    study._storage.record_heartbeat(dead._trial_id)
    time.sleep(2.2)
    s = Search(spec)
    res = list(s.run())
    trials = s.study.get_trials()
    assert trials[0].state == S.FAIL                     # failed, not counted as running forever
    retry = [t for t in trials if t.system_attrs.get("failed_trial") == 0]
    assert len(retry) == 1 and retry[0].state == S.COMPLETE and retry[0].params == trials[0].params
    assert s.counts()["total"] == 3 and s.counts()["complete"] == 3 and len(res) == 3


@pytest.mark.parametrize("write_once", [False, True])
def test_stopped_search_queues_its_cut_trials_again(tmp_path, monkeypatch, write_once):
    import threading

    from playground.search import engine

    url = f"sqlite:///{tmp_path / 's.db'}"
    stop = threading.Event()
    original = engine.train_group
    rounds = []

    def stop_in_second_round(configs, stop_event, on_epoch, batch):
        rounds.append(len(configs))
        if len(rounds) == 2:
            stop.set()        # as the page's Stop button: the trainer sees it before its first step
        return original(configs, stop_event, on_epoch, batch=batch)

    monkeypatch.setattr(engine, "train_group", stop_in_second_round)
    got = list(Search(_spec(url, trials=3, write_once=write_once)).run(stop))
    assert len(got) == 1                        # the first trial finished, the second was cut short
    study = optuna.load_study(study_name="search", storage=url)
    cut = study.trials[1]
    assert cut.state == S.FAIL and cut.user_attrs["message"] == "stopped before it finished"
    queued = [t for t in study.trials if t.system_attrs.get("failed_trial") == 1]
    assert len(queued) == 1 and queued[0].state == S.WAITING and queued[0].params == cut.params
    monkeypatch.setattr(engine, "train_group", original)
    res = list(Search(_spec(url, trials=3, write_once=write_once)).run())   # the same command resumes: the cut trial first
    assert len(res) == 2 and res[0].params == cut.params and res[0].state == "COMPLETE"
    assert Search(_spec(url, trials=3)).counts() == {"complete": 3, "pruned": 0, "fail": 1, "running": 0,
                                                     "waiting": 0, "total": 3}


_WORKER = textwrap.dedent("""
    import json, os, sys, time
    import torch
    torch.set_num_threads(1)
    from core.training.config import TrainConfig
    from playground.search.engine import Search, SearchSpec
    from playground.search.space import space_from_params
    url, me, other = sys.argv[1], sys.argv[2], sys.argv[3]
    base = TrainConfig(dataset="moons", n=100, layers=(4,), epochs=6, batch_size=10, report_every=0)
    spec = SearchSpec(base, space_from_params(["lr=1e-3:1:log"]), method="random", trials=6, storage=url,
                      batch=False)
    s = Search(spec)
    open(me, "w").close()
    t0 = time.time()
    while not os.path.exists(other) and time.time() - t0 < 60:   # start together
        time.sleep(0.02)
    t0 = time.time()
    numbers = [r.number for r in s.run()]
    print(json.dumps({"numbers": numbers, "seconds": time.time() - t0}))
""")


def test_two_processes_share_one_sqlite_study(tmp_path):
    url = f"sqlite:///{tmp_path / 's.db'}"
    Search(SearchSpec(TrainConfig(dataset="moons", n=100, layers=(4,), epochs=6, batch_size=10, report_every=0),
                      space_from_params(["lr=1e-3:1:log"]), trials=6, storage=url, batch=False))  # create it
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    a, b = tmp_path / "a", tmp_path / "b"
    procs = [subprocess.Popen([sys.executable, "-c", _WORKER, url, str(x), str(y)], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, env=env, cwd=tmp_path) for x, y in ((a, b), (b, a))]
    outs = [p.communicate(timeout=120) for p in procs]
    assert all(p.returncode == 0 for p in procs), [o[1][-2000:] for o in outs]
    got = [json.loads(o[0].strip().splitlines()[-1]) for o in outs]
    numbers = sorted(n for g in got for n in g["numbers"])
    # Every trial once, none lost, none twice. Both count the study before they ask, so when they ask
    # at the same moment each may add one past the total (as Optuna's MaxTrialsCallback can).
    assert numbers == list(range(len(numbers))) and 6 <= len(numbers) <= 7, numbers
    assert all(g["numbers"] for g in got), got               # both processes worked on it
    study = optuna.load_study(study_name="search", storage=url)
    assert [t.state for t in study.trials] == [S.COMPLETE] * len(numbers)
    print(f"sqlite: two processes, 6 trials: {[round(g['seconds'], 2) for g in got]} s")


def test_journal_file_study_resumes(tmp_path):
    url = f"journal:{tmp_path / 's.log'}"
    assert len(list(Search(_spec(url, trials=2)).run())) == 2
    assert len(list(Search(_spec(url, trials=3)).run())) == 1
    from optuna.storages.journal import JournalFileBackend

    study = optuna.load_study(study_name="search",
                              storage=optuna.storages.JournalStorage(JournalFileBackend(str(tmp_path / "s.log"))))
    assert [t.state for t in study.trials] == [S.COMPLETE] * 3 and len(study.trials[2].intermediate_values) == 3


def test_pruning_writes_each_trials_curve_and_prunes(tmp_path):
    url = f"sqlite:///{tmp_path / 's.db'}"
    base = TINY.replace(epochs=6)
    space = space_from_params(["lr=1e-4:3:log"])
    s = Search(SearchSpec(base, space, method="random", trials=12, storage=url, sampler_seed=2, pruner="median",
                          batch=False))
    res = list(s.run())
    study = optuna.load_study(study_name="search", storage=url)
    states = [t.state for t in study.trials]
    assert S.PRUNED in states and S.COMPLETE in states
    for t, r in zip(study.trials, res):
        assert sorted(t.intermediate_values) == list(range(1, len(r.curve) + 1))
        assert [t.intermediate_values[k] for k in sorted(t.intermediate_values)] == pytest.approx(r.curve)
        if t.state == S.COMPLETE:
            assert len(r.curve) == 6
        if t.state == S.PRUNED:
            assert len(r.curve) < 6 and t.value == pytest.approx(r.curve[-1])


def test_halving_pruner_runs():
    s = Search(SearchSpec(TINY.replace(epochs=8), space_from_params(["lr=1e-4:3:log"]), method="random", trials=10,
                          sampler_seed=1, pruner="halving", batch=False))
    res = list(s.run())
    assert len(res) == 10 and any(r.state == "PRUNED" for r in res)
    pruned = [t for t in s.study.trials if t.state == S.PRUNED]
    assert any(k.startswith("completed_rung") for t in pruned for k in t.system_attrs)


def test_test_split_untouched_until_the_final_evaluation(monkeypatch):
    calls = []
    original = trainer_module._Run.evaluate

    def counting(self, split, keep=None):
        calls.append(split)
        return original(self, split, keep)

    monkeypatch.setattr(trainer_module._Run, "evaluate", counting)
    s = Search(_spec(trials=4))
    res = list(s.run())
    assert len(res) == 4 and "test" not in calls
    out = s.finish()
    assert calls.count("test") == 1                       # touched once, at the end
    best = min(res, key=lambda r: r.value)
    assert out.best_number == best.number and out.final.val_loss == pytest.approx(best.value, rel=1e-6)
    rec = out.record(s.spec)
    assert rec["test_loss"] is not None and rec["test_acc"] is not None
    assert rec["best"]["params"] == best.params


class _LockstepBatched:
    """A stand-in for core.training.batched with its interface: groups by batch size, trains each
    group's configs in lockstep (one epoch of each, then on_epoch), stops the indices it returns."""

    def __init__(self):
        self.groups = []

    def batchable(self, configs):
        out: dict = {}
        for i, c in enumerate(configs):
            out.setdefault(c.batch_size, []).append(i)
        self.groups.append(list(out.values()))
        return list(out.values())

    def train_batched(self, configs, stop_event=None, on_epoch=None, evaluate_test=False):
        from core.training import train

        gens = [train(c, stop_event, evaluate_test=evaluate_test) for c in configs]
        out = [[] for _ in configs]
        live = set(range(len(configs)))
        while live:
            reports = [None] * len(configs)
            for i in sorted(live):
                for m in gens[i]:
                    if m.kind == "step":
                        continue
                    out[i].append(m)
                    if m.kind == "final":
                        live.discard(i)
                    else:
                        reports[i] = m
                    break
            epoch = max((m.epoch for m in reports if m is not None), default=None)
            if epoch is not None and on_epoch is not None:
                for i in on_epoch(epoch, reports) or ():
                    if i in live:
                        live.discard(i)
                        last = out[i][-1]
                        out[i].append(type(last)(kind="final", epoch=epoch, step=last.step,
                                                 examples_seen=last.examples_seen, epoch_fraction=epoch,
                                                 lr=last.lr, val_loss=last.val_loss, stopped="pruned"))
        return out


def test_rounds_train_through_the_batched_interface(monkeypatch):
    from playground.search import trainers

    fake = _LockstepBatched()
    monkeypatch.setattr(trainers, "batched_module", lambda: fake)
    monkeypatch.setattr("playground.search.engine.batched_module", lambda: fake)
    space = space_from_params(["lr=1e-4:3:log", "batch_size=10,30"])
    spec = dict(method="random", trials=12, sampler_seed=4, pruner="median", ask_batch=6)
    batched = Search(SearchSpec(TINY.replace(epochs=5), space, **spec))
    assert batched.batched
    got = list(batched.run())
    assert [len(sum(g, [])) for g in fake.groups] == [6, 6]          # two rounds of six
    alone = list(Search(SearchSpec(TINY.replace(epochs=5), space, batch=False, **spec)).run())
    assert [r.params for r in got] == [r.params for r in alone]
    for a, b in zip(got, alone):
        n = min(len(a.curve), len(b.curve))
        assert a.curve[:n] == pytest.approx(b.curve[:n], rel=1e-6)
        if a.state == b.state == "COMPLETE":
            assert a.value == pytest.approx(b.value, rel=1e-6)
    # The pruner compares a trial with the trials finished before its round: none in the first.
    assert all(r.state == "COMPLETE" for r in got[:6]) and any(r.state == "PRUNED" for r in got[6:])


_KILL_BASE = dict(dataset="moons", n=200, layers=(8,), epochs=200, batch_size=4, report_every=0)  # ~5 s a trial
_KILLED = textwrap.dedent(f"""
    import sys
    import torch
    torch.set_num_threads(1)
    from core.training.config import TrainConfig
    from playground.search.engine import Search, SearchSpec
    from playground.search.space import space_from_params
    spec = SearchSpec(TrainConfig(**{_KILL_BASE!r}), space_from_params(["lr=1e-3:1e-1:log"]), method="random",
                      trials=2, storage=sys.argv[1], batch=False, heartbeat_interval=1, grace_period=2)
    for r in Search(spec).run():
        print(r.number, flush=True)
""")


def test_a_search_killed_with_sigkill_resumes_with_its_trial_retried(tmp_path):
    """A real kill: the process dies mid-trial (SIGKILL, no clean-up), its trial stays RUNNING; the
    resumed search fails it once its heartbeat is stale, retries its parameters and completes the study."""
    url = f"sqlite:///{tmp_path / 's.db'}"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-c", _KILLED, url], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=env, cwd=tmp_path)
    try:
        deadline = time.time() + 120
        running = []
        while time.time() < deadline and not running:
            time.sleep(0.1)
            assert proc.poll() is None, proc.communicate()[1][-2000:]  # still in its first trial
            try:
                running = [t for t in optuna.load_study(study_name="search", storage=url).trials
                           if t.state == S.RUNNING]
            except Exception:  # noqa: BLE001 - the study is still being made
                running = []
        assert running, "the child never started a trial"
    finally:
        proc.kill()
        proc.communicate(timeout=30)
    assert proc.returncode == -9
    killed = optuna.load_study(study_name="search", storage=url).trials
    assert [t.state for t in killed] == [S.RUNNING]  # nobody cleaned up
    time.sleep(2.5)  # past the grace period
    with pytest.raises(ValueError, match="another"):  # the same study with another training set-up is refused
        Search(SearchSpec(TrainConfig(**{**_KILL_BASE, "epochs": 2}), space_from_params(["lr=1e-3:1e-1:log"]),
                          trials=2, storage=url, batch=False))
    s = Search(SearchSpec(TrainConfig(**_KILL_BASE), space_from_params(["lr=1e-3:1e-1:log"]), method="random",
                          trials=2, storage=url, batch=False, heartbeat_interval=1, grace_period=2))
    done = list(s.run())
    trials = s.study.get_trials()
    assert trials[0].state == S.FAIL  # failed, not counted as running forever
    retry = [t for t in trials if t.system_attrs.get("failed_trial") == 0]
    assert len(retry) == 1 and retry[0].state == S.COMPLETE and retry[0].params == trials[0].params
    assert s.counts()["complete"] == 2 and len(done) == 2


@pytest.mark.parametrize("method,pruner", [("grid", "none"), ("random", "median"), ("coarse-to-fine", "none")])
def test_write_once_stores_the_same_trials_with_one_write_each(tmp_path, method, pruner):
    space = space_from_params(["lr=1e-3:1:log:4", "batch_size=10,30"])
    studies = {}
    for once in (False, True):
        url = f"sqlite:///{tmp_path / f'{once}.db'}"
        spec = SearchSpec(TINY.replace(epochs=4), space, method=method, trials=8, storage=url, sampler_seed=1,
                          pruner=pruner, batch=True, write_once=once, c2f={"round_size": 4} if method != "grid" else {})
        s = Search(spec)
        commits = write_commits(s.study._storage)
        results = list(s.run())
        studies[once] = (optuna.load_study(study_name="search", storage=url).trials, results, len(commits))
    (two, res_two, n_two), (one, res_one, n_one) = studies[False], studies[True]
    assert [r.record() | {"duration_s": 0} for r in res_one] == [r.record() | {"duration_s": 0} for r in res_two]
    for a, b in zip(one, two):
        assert (a.number, a.state, a.params, a.values, a.intermediate_values) == \
               (b.number, b.state, b.params, b.values, b.intermediate_values)
        assert a.user_attrs == b.user_attrs
        assert {k: v for k, v in a.system_attrs.items()} == {k: v for k, v in b.system_attrs.items()}
        assert trial_config(a) == trial_config(b)   # still replayable
    # Write-once: one write transaction per round. The plain mode: three per round (its trials' starts,
    # their first heartbeat, their ends), whatever the round's size (Optuna's calls: about 4 per trial).
    assert n_one <= len(one) and n_one < n_two <= 3 * n_one, (n_one, n_two)


def test_a_database_of_another_optuna_schema_is_refused_in_one_line(tmp_path):
    import sqlite3

    from playground.search.storage import open_storage

    url = f"sqlite:///{tmp_path / 'old.db'}"
    storage = open_storage(url)
    head = storage.get_current_version()
    storage.engine.dispose()
    assert open_storage(url).get_current_version() == head  # the same schema opens again
    with sqlite3.connect(tmp_path / "old.db") as db:  # as if written by an Optuna of 2022
        db.execute("UPDATE alembic_version SET version_num = 'v3.0.0.a'")
    with pytest.raises(ValueError) as err:
        open_storage(url)
    text = str(err.value)
    assert "\n" not in text and "v3.0.0.a" in text and head in text and "optuna storage upgrade" in text
