"""``optimizer-playground search``: its output, and bad input exiting 2 with one line."""
from __future__ import annotations

import json

import optuna
import pytest
import torch

from playground.cli import main

torch.set_num_threads(1)
TINY = ["--dataset", "moons", "--n", "60", "--layers", "3", "--epochs", "2", "--batch-size", "20"]


def _run(capsys, *args):
    status = main(["search", *TINY, *args] if args and args[0] != "search" else list(args))
    out, err = capsys.readouterr()
    return status, out, err


def test_search_prints_a_line_per_trial_then_the_best_with_test_metrics(capsys, tmp_path):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    status, out, err = _run(capsys, "search", *TINY, "--param", "lr=1e-2:1:log:3", "--param", "batch_size=20,30",
                            "--method", "grid", "--storage", url, "--study", "g", "--sampler-seed", "0")
    assert status == 0, err
    lines = [json.loads(line) for line in out.splitlines()]
    trials, final = lines[:-1], lines[-1]
    assert len(trials) == 6 and all(set(t) >= {"number", "params", "value", "state", "duration_s"} for t in trials)
    assert final["final"] is True and final["trials"]["complete"] == 6
    best = min(trials, key=lambda t: t["value"])
    assert final["best"] == {"number": best["number"], "params": best["params"], "value": best["value"]}
    assert 0 <= final["test_acc"] <= 1 and final["test_loss"] > 0 and final["val_loss"] == pytest.approx(best["value"])
    assert set(final["importance"]) == {"lr", "batch_size"}
    study = optuna.load_study(study_name="g", storage=url)
    assert len(study.trials) == 6
    # The same command again: nothing left to run, the same best.
    status, out, _ = _run(capsys, "search", *TINY, "--param", "lr=1e-2:1:log:3", "--param", "batch_size=20,30",
                          "--method", "grid", "--storage", url, "--study", "g", "--format", "text")
    assert status == 0 and f"best: trial {best['number']}" in out and "test: loss" in out


def test_space_file(capsys, tmp_path):
    p = tmp_path / "space.toml"
    p.write_text('kind = "space"\nversion = 1\n[params]\nlr = "1e-3:1:log"\noptimizer = ["sgd", "adam"]\n'
                 'momentum = { low = 0.0, high = 0.9 }\n')
    status, out, err = _run(capsys, "--space", str(p), "--method", "tpe", "--trials", "3", "--no-importance")
    assert status == 0, err
    lines = [json.loads(line) for line in out.splitlines()]
    assert len(lines) == 4
    for t in lines[:-1]:
        assert ("momentum" in t["params"]) == (t["params"]["optimizer"] == "sgd")  # conditional knob


@pytest.mark.parametrize("args, words", [
    (["--param", "lr=1e-1:1e-4:log", "--method", "random", "--trials", "2"], ["reversed range"]),
    (["--param", "lr=1e-2:1e-2", "--method", "random", "--trials", "2"], ["empty range"]),
    (["--param", "l2=0:1:log", "--method", "random", "--trials", "2"], ["log range", "includes 0"]),
    (["--param", "lrate=1e-3:1", "--method", "random", "--trials", "2"], ["unknown parameter 'lrate'"]),
    (["--param", "activation=relu,swoosh", "--method", "random", "--trials", "2"], ["swoosh"]),
    (["--param", "lr=1e-3:1:log", "--method", "grid"], ["a grid needs values"]),
    (["--param", "lr=1e-3:1:log", "--method", "random"], ["--trials N is needed"]),
    (["--param", "lr=1e-3:1:log", "--method", "anneal", "--trials", "2"], ["invalid choice"]),
    (["--param", "lr=1e-3:1:log", "--method", "random", "--trials", "2", "--storage", "nosuch://x"],
     ["--storage nosuch://x"]),
    (["--param", "lr=1e-3:1:log", "--method", "random", "--trials", "2", "--storage", "not a url"],
     ["not a database URL"]),
    (["--param", "lr=1e-3:1:log", "--method", "random", "--trials", "2", "--storage",
      "sqlite:////nonexistent-dir/x/s.db"], ["cannot open the database"]),
    (["--param", "lr=1e-3:1:log", "--method", "random", "--trials", "2", "--storage",
      "postgresql+psycopg://user:secret@127.0.0.1:1/db"], ["--storage postgresql+psycopg://user:***@127.0.0.1:1/db"]),
    (["--param", "lr=1e-3:1:log", "--method", "coarse-to-fine", "--trials", "2", "--shrink", "1.5"],
     ["shrink factor"]),
    (["--param", "lr=1e-3:1:log", "--method", "random", "--trials", "2", "--objective", "val_acc",
      "--dataset", "sine"], ["needs a classification dataset"]),
    (["--method", "random", "--trials", "2"], ["search space is empty"]),
    (["--param", "momentum=0:0.9", "--optimizer", "adam", "--method", "random", "--trials", "2"],
     ["momentum: optimizer adam has no momentum"]),
    (["--param", "lr=1e-3:1:log", "--method", "random", "--trial", "2"], ["unrecognized arguments: --trial"]),
    (["--param", "lr=1e-3:1:log", "--method", "bayes", "--trials", "2", "--startup-trials", "0"],
     ["--startup-trials must be at least 1"]),
])
def test_bad_input_exits_2_with_one_line(capsys, args, words):
    status, out, err = _run(capsys, "search", *TINY, *args)
    assert status == 2 and out == ""
    assert err.count("\n") == 1, err
    for w in words:
        assert w in err, (w, err)
    assert "secret" not in err


def test_study_with_another_space_exits_2(capsys, tmp_path):
    url = f"sqlite:///{tmp_path / 's.db'}"
    assert _run(capsys, "--param", "lr=1e-3:1:log", "--method", "random", "--trials", "1", "--storage", url)[0] == 0
    status, out, err = _run(capsys, "--param", "lr=1e-3:1e-1:log", "--method", "random", "--trials", "2",
                            "--storage", url)
    assert status == 2 and err.count("\n") == 1 and "exists with another space (it differs in lr)" in err


def test_write_once_prints_and_stores_what_the_default_does(capsys, tmp_path):
    args = ["--param", "lr=1e-2:1:log:3", "--method", "grid", "--study", "w"]
    outs = {}
    for flag in ([], ["--write-once"]):
        url = f"sqlite:///{tmp_path / f'w{len(flag)}.db'}"
        status, out, err = _run(capsys, "search", *TINY, *args, "--storage", url, *flag)
        assert status == 0, err
        lines = [json.loads(line) for line in out.splitlines()]
        outs[bool(flag)] = [{k: v for k, v in t.items() if k != "duration_s"} for t in lines[:-1]]
        trials = optuna.load_study(study_name="w", storage=url).trials
        assert [t.state for t in trials] == [optuna.trial.TrialState.COMPLETE] * 3
    assert outs[True] == outs[False]
