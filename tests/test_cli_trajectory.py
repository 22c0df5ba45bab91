"""``optimizer-playground trajectory`` / ``basin``: formats, round-trip floats, one-line errors."""
from __future__ import annotations

import csv
import io
import json
import pathlib
import subprocess
import sys

import numpy as np
import pytest

from core.surfaces import get_surface
from core.trajectories import Racer, run_trajectory
from playground.cli import main


def _run(capsys, *argv):
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_csv_header_rows_and_round_trip(capsys):
    status, out, err = _run(capsys, "trajectory", "--surface", "rosenbrock", "--optimizer", "adam",
                            "--lr", "0.01", "--start", "-1.5,2", "--steps", "25")
    assert status == 0 and err == ""
    lines = out.splitlines()
    assert lines[0] == "step,x,y,loss,lr"
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == 26 and rows[0]["step"] == "0" and float(rows[0]["x"]) == -1.5
    tr = run_trajectory(get_surface("rosenbrock"), Racer("adam", {"lr": 0.01}), (-1.5, 2.0), 25)
    for t, row in enumerate(rows):  # repr floats: parsing gives back the exact doubles
        assert int(row["step"]) == t
        assert float(row["x"]) == tr.xy[t, 0] and float(row["y"]) == tr.xy[t, 1]
        assert float(row["loss"]) == tr.loss[t] and float(row["lr"]) == tr.lr[t]


def test_json_keys_and_default_start(capsys):
    status, out, _ = _run(capsys, "trajectory", "--surface", "bowl", "--optimizer", "sgd", "--lr", "0.1",
                          "--momentum", "0.9", "--nesterov", "--steps", "5", "--format", "json")
    data = json.loads(out)
    assert status == 0 and len(data) == 6
    assert all(list(d) == ["step", "x", "y", "loss", "lr"] for d in data)
    assert (data[0]["x"], data[0]["y"]) == tuple(get_surface("bowl").start)  # --start omitted


def test_dash_values_and_schedule(capsys):
    status, out, _ = _run(capsys, "trajectory", "--formula", "-x**2/10 + x**4/4 + y**2", "--optimizer", "adam",
                          "--lr", "0.05", "--betas", "0.8,0.99", "--start", "-1.5,-0.5", "--steps", "10",
                          "--schedule", "cosine")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert status == 0 and len(rows) == 11 and float(rows[0]["x"]) == -1.5
    assert float(rows[-1]["lr"]) < 0.05


def test_diverged_prints_message_and_exits_0(capsys):
    status, out, err = _run(capsys, "trajectory", "--surface", "bowl", "--optimizer", "sgd", "--lr", "2.5",
                            "--start", "1,1", "--steps", "300")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert status == 0 and err.startswith("diverged at step ") and len(err.splitlines()) == 1
    k = int(err.split()[-1])
    assert len(rows) == k + 1 and all(np.isfinite(float(r["x"])) for r in rows)


def test_noise_and_batches(capsys):
    a = _run(capsys, "trajectory", "--surface", "bowl", "--optimizer", "sgd", "--lr", "0.1",
             "--grad-noise", "0.5", "--seed", "3", "--steps", "20")[1]
    b = _run(capsys, "trajectory", "--surface", "bowl", "--optimizer", "sgd", "--lr", "0.1",
             "--grad-noise", "0.5", "--seed", "3", "--steps", "20")[1]
    c = _run(capsys, "trajectory", "--surface", "bowl", "--optimizer", "sgd", "--lr", "0.1",
             "--grad-noise", "0.5", "--seed", "4", "--steps", "20")[1]
    assert a == b != c
    status, out, _ = _run(capsys, "trajectory", "--surface", "data", "--optimizer", "sgd", "--lr", "0.05",
                          "--batch-size", "8", "--steps", "10")
    assert status == 0 and len(out.splitlines()) == 12


def test_basin_csv(capsys):
    status, out, err = _run(capsys, "basin", "--surface", "himmelblau", "--optimizer", "sgd", "--lr", "0.01",
                            "--grid", "6x5", "--steps", "500")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert status == 0 and err == ""
    assert out.splitlines()[0] == "x0,y0,outcome,steps,x,y,loss"
    assert len(rows) == 30
    assert {r["outcome"] for r in rows} <= {"min0", "min1", "min2", "min3", "elsewhere", "diverged", "not-converged"}
    assert len({r["outcome"] for r in rows}) >= 3
    xmin, xmax, _, _ = get_surface("himmelblau").domain
    assert float(rows[0]["x0"]) == xmin + 0.5 * (xmax - xmin) / 6  # cell centres, x inner
    status, out, _ = _run(capsys, "basin", "--surface", "bowl", "--optimizer", "sgd", "--lr", "5",
                          "--grid", "2x2", "--steps", "50", "--format", "json")
    assert [d["outcome"] for d in json.loads(out)] == ["diverged"] * 4


BAD = [
    ["trajectory", "--surface", "nope", "--optimizer", "sgd", "--steps", "5"],
    ["trajectory", "--surface", "bowl", "--optimizer", "nope", "--steps", "5"],
    ["trajectory", "--formula", "x+*y", "--optimizer", "sgd", "--steps", "5"],
    ["trajectory", "--surface", "bowl", "--optimizer", "sgd", "--start", "1;2", "--steps", "5"],
    ["trajectory", "--surface", "bowl", "--optimizer", "sgd", "--start", "1,nan", "--steps", "5"],
    ["trajectory", "--surface", "bowl", "--optimizer", "sgd", "--steps", "-3"],
    ["trajectory", "--surface", "bowl", "--optimizer", "sgd", "--steps", "ten"],
    ["trajectory", "--surface", "bowl", "--optimizer", "sgd", "--lr", "nan", "--steps", "5"],
    ["trajectory", "--surface", "bowl", "--optimizer", "sgd", "--momentum", "1.5", "--steps", "5"],
    ["trajectory", "--surface", "bowl", "--optimizer", "sgd", "--lr", "-1e-3", "--steps", "5"],
    ["trajectory", "--surface", "bowl", "--optimizer", "sgd", "--betas", "0.9,0.999", "--steps", "5"],
    ["trajectory", "--surface", "bowl", "--optimizer", "adam", "--betas", "0.9", "--steps", "5"],
    ["trajectory", "--surface", "bowl", "--optimizer", "sgd", "--grad-noise", "-1", "--steps", "5"],
    ["trajectory", "--surface", "bowl", "--optimizer", "sgd", "--batch-size", "4", "--steps", "5"],
    ["trajectory", "--surface", "bowl", "--optimizer", "sgd", "--schedule", "nope", "--steps", "5"],
    ["trajectory", "--optimizer", "sgd", "--steps", "5"],
    ["basin", "--surface", "bowl", "--optimizer", "sgd", "--grid", "10by10", "--steps", "5"],
    ["basin", "--surface", "bowl", "--optimizer", "sgd", "--grid", "0x10", "--steps", "5"],
    ["basin", "--surface", "bowl", "--optimizer", "sgd", "--grid", "5000x5000", "--steps", "5"],
]


@pytest.mark.parametrize("argv", BAD, ids=lambda a: " ".join(a[1:]))
def test_bad_input_exits_2_with_one_line(capsys, argv):
    status, out, err = _run(capsys, *argv)
    assert status == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and "error" in err and "Traceback" not in err


def test_subprocess_module_entry_point():
    proc = subprocess.run([sys.executable, "-m", "playground", "trajectory", "--surface", "bowl", "--optimizer",
                           "sgd", "--lr", "0.1", "--start", "-1.5,2", "--steps", "3"],
                          capture_output=True, text=True, timeout=120,
                          cwd=pathlib.Path(__file__).resolve().parents[1])
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0] == "step,x,y,loss,lr" and len(lines) == 5 and lines[1].startswith("0,-1.5,2.0,")


@pytest.mark.parametrize("formula,needle", [
    ("9**9**9**9", "the formula does not depend on x or y (f = inf everywhere)"),
    ("3", "the formula does not depend on x or y (f = 3 everywhere)"),
    ("1e999 + x", "the formula is not finite anywhere in the view"),
    ("log(-1 - x^2)", "the formula is not finite anywhere in the view"),
    ("x if y else 1", "'if' at column 3 is not supported: formulas are arithmetic in x and y"),
    ("x < 1", "comparisons ('<' at column 3) are not supported"),
])
@pytest.mark.parametrize("command", ["trajectory", "basin"])
def test_unusable_formulas_exit_2_with_one_line(capsys, formula, needle, command):
    extra = ["--grid", "3x3"] if command == "basin" else []
    status, out, err = _run(capsys, command, "--formula", formula, "--optimizer", "sgd", "--steps", "5", *extra)
    assert status == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and needle in err
    assert "diverged" not in err and "write * to multiply" not in err


def test_formula_finite_only_in_part_of_the_view_starts_there(capsys):
    status, out, err = _run(capsys, "trajectory", "--formula", "log(x) + y^2", "--optimizer", "sgd",
                            "--lr", "0.001", "--steps", "5")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert status == 0 and err == ""  # not "diverged at step 0"
    assert (float(rows[0]["x"]), float(rows[0]["y"])) == pytest.approx((0.1, 2.0))
    assert len(rows) == 6 and all(np.isfinite(float(r["loss"])) for r in rows)


def test_start_where_the_loss_is_not_finite_exits_2_with_one_line(capsys):
    code, out, err = _run(capsys, "trajectory", "--formula", "log(x) + y^2", "--optimizer", "sgd",
                          "--start", "-1,1", "--steps", "5")
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and "not finite" in err and "--start" in err
