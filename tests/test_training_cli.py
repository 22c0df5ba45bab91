"""``optimizer-playground train`` / ``lr-range``: output format and exit codes."""
from __future__ import annotations

import json

import pytest

from playground.cli import main

BASE = ["train", "--dataset", "moons", "--n", "100", "--layers", "6,4", "--activation", "relu,tanh",
        "--init", "he-normal", "--optimizer", "adam", "--lr", "0.01", "--batch-size", "16", "--seed", "0"]
EPOCH_KEYS = {"epoch", "train_loss", "val_loss", "train_acc", "val_acc", "penalty", "lr", "layers"}
LAYER_KEYS = {"name", "act_mean", "act_std", "dead_frac", "grad_norm", "weight_norm"}


def _lines(capsys, argv):
    status = main(argv)
    out = capsys.readouterr()
    return status, [json.loads(line) for line in out.out.splitlines()], out.err


def test_train_prints_epoch_objects_then_final(capsys):
    status, objs, err = _lines(capsys, BASE + ["--epochs", "3", "--dropout", "0.2", "--l2", "0.001"])
    assert status == 0 and err == ""
    epochs, final = objs[:-1], objs[-1]
    assert [o["epoch"] for o in epochs] == [0, 1, 2, 3]
    for o in epochs:
        assert EPOCH_KEYS <= set(o)
        assert [l["name"] for l in o["layers"]] == ["hidden1", "hidden2", "output"]
        assert all(set(l) == LAYER_KEYS for l in o["layers"])
    assert epochs[0]["layers"][0]["grad_norm"] is None and epochs[1]["layers"][0]["grad_norm"] > 0
    assert epochs[1]["layers"][1]["dead_frac"] is None  # tanh is not in the ReLU family
    assert epochs[1]["layers"][0]["dead_frac"] is not None
    assert epochs[1]["penalty"] > 0
    assert final["final"] is True and {"test_loss", "test_acc", "best_epoch"} <= set(final)


def test_epochs_zero_prints_epoch_zero_and_final(capsys):
    status, objs, _ = _lines(capsys, BASE + ["--epochs", "0"])
    assert status == 0 and len(objs) == 2
    assert objs[0]["epoch"] == 0 and objs[1]["final"] is True and objs[1]["best_epoch"] == 0


def test_same_seed_same_output(capsys):
    _, a, _ = _lines(capsys, BASE + ["--epochs", "2"])
    _, b, _ = _lines(capsys, BASE + ["--epochs", "2"])
    assert a == b


def test_csv_input_and_early_stopping(capsys, tmp_path):
    path = tmp_path / "pts.csv"
    rows = ["x1,x2,label"] + [f"{i / 10},{(i % 7) / 7},{int(i % 2)}" for i in range(60)]
    path.write_text("\n".join(rows) + "\n")
    status, objs, _ = _lines(capsys, ["train", "--csv", str(path), "--layers", "4", "--epochs", "5",
                                      "--early-stopping", "2:val_acc", "--schedule", "cosine"])
    assert status == 0 and objs[-1]["final"] is True


@pytest.mark.parametrize("extra", [
    ["--dataset", "nope"],
    ["--dataset", "moons", "--lr", "-1e-3"],
    ["--dataset", "moons", "--split", "0/50/50"],
    ["--dataset", "moons", "--activation", "swoosh"],
    ["--dataset", "moons", "--batchnorm", "before", "--batch-size", "1"],
    ["--dataset", "moons", "--optimizer", "newton"],
    ["--dataset", "moons", "--schedule", "bogus"],
    ["--dataset", "moons", "--augment", "spin:3"],
    ["--dataset", "moons", "--dropout", "1.5"],
    ["--dataset", "moons", "--epochs", "-1"],
    ["--dataset", "moons", "--early-stopping", "x"],
    ["--dataset", "moons", "--batch-size", "many"],
    ["--csv", "/nonexistent/file.csv"],
    ["--dataset", "moons", "--hparam", "momentum"],
    ["--dataset", "moons", "--layers", "4,-2"],
])
def test_bad_input_exits_2_with_one_line(capsys, extra):
    status = main(["train", "--epochs", "1"] + extra)
    err = capsys.readouterr().err
    assert status == 2
    assert len(err.strip().splitlines()) == 1 and err.startswith("optimizer-playground: error:")


def test_bad_csv_names_the_line(capsys, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("x1,x2,label\n0,0,0\n1,oops,1\n")
    status = main(["train", "--csv", str(path), "--epochs", "1"])
    err = capsys.readouterr().err
    assert status == 2 and "line 3" in err


def test_nan_run_exits_cleanly(capsys):
    status, objs, err = _lines(capsys, ["train", "--dataset", "plane", "--layers", "16,16", "--activation", "relu",
                                        "--lr", "50", "--epochs", "20"])
    assert status == 0 and objs[-1]["stopped"] == "nan" and "learning rate" in objs[-1]["message"]
    assert "learning rate" in err


def test_lr_range_prints_csv(capsys):
    status = main(["lr-range", "--dataset", "moons", "--n", "200", "--layers", "8", "--steps", "20",
                   "--lr-min", "1e-4", "--lr-max", "1"])
    lines = capsys.readouterr().out.splitlines()
    assert status == 0 and lines[0] == "lr,loss" and len(lines) == 21
    lr, loss = map(float, lines[1].split(","))
    assert lr == 1e-4 and loss > 0
