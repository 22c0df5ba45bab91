"""The scripting API: a course author drives the pages from Python and gets pictures and numbers."""
from __future__ import annotations

import json
import math
import multiprocessing as mp

import numpy as np
import pytest

from playground.scripting import Playground, Results

TRAIN_DROPOUT_ARGV = ["train", "--dataset", "moons", "--n", "200", "--noise", "0.3", "--layers", "64,64",
                      "--activation", "relu", "--init", "he-normal", "--dropout", "0.3", "--optimizer", "adam",
                      "--lr", "0.01", "--batch-size", "32", "--epochs", "4", "--seed", "0"]


def _pixels(image) -> np.ndarray:
    from playground.golden import to_rgba

    return to_rgba(image)


def _rel(a, b) -> float:
    if a is None or b is None:
        return 0.0 if a is b else math.inf
    return abs(a - b) / max(abs(b), 1e-12)


def test_training_results_equal_the_train_command(qtbot, capsys):
    from playground.cli import main

    assert main(TRAIN_DROPOUT_ARGV) == 0
    cli = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    with Playground(size=(960, 540)) as pg:
        pg.open("train-dropout")
        assert pg.kind == "training"
        res = pg.run(epochs=4)
    assert res.page == "training"
    assert len(res.rows) == len(cli) - 1 and res.final["final"] is True
    worst = 0.0
    for got, want in zip(res.rows + [res.final], cli):
        assert list(got) == list(want)
        for key, w in want.items():
            if isinstance(w, float):
                worst = max(worst, _rel(got[key], w))
            elif key != "layers":
                assert got[key] == w, key
    assert worst <= 1e-6


def test_runs_are_deterministic_in_numbers_and_pixels(qtbot):
    out = []
    for _ in range(2):
        with Playground(size=(800, 450)) as pg:
            pg.open("train-dropout")
            res = pg.run(epochs=3)
            out.append((res.rows, res.final, _pixels(pg.grab())))
    assert out[0][0] == out[1][0] and out[0][1] == out[1][1]
    assert np.array_equal(out[0][2], out[1][2])


def test_grab_is_exactly_the_size_and_parts_are_named(qtbot):
    with Playground(size=(1000, 600), theme="dark") as pg:
        pg.open("train-dropout")
        img = pg.grab()
        assert (img.width(), img.height()) == (1000, 600) and img.devicePixelRatio() == 1.0
        assert "decision" in pg.parts() and "curves" in pg.parts()
        part = pg.grab("decision")
        assert 0 < part.width() < 1000 and 0 < part.height() < 600
        with pytest.raises(ValueError, match="no part 'nope' on the training page; parts: "):
            pg.grab("nope")


def test_the_model_sets_anything_a_user_can(qtbot):
    with Playground(size=(800, 450)) as pg:
        pg.open("train-dropout")
        pg.model.lr = 0.003
        pg.model.epochs = 2
        res = pg.run()
        assert [r["lr"] for r in res.rows][-1] == pytest.approx(0.003)
        assert len(res.rows) == 3  # epoch 0 (before training) and two epochs


@pytest.mark.parametrize("call, message", [
    (lambda pg: pg.open("no-such-scene"), "unknown scene 'no-such-scene'"),
    (lambda pg: pg.open("/nowhere/x.toml"), "no such scene file"),
    (lambda pg: pg.show_page("serch"), "'page' must be one of"),
    (lambda pg: pg.run(epochs=-1), "epochs must be a whole number >= 0"),
    (lambda pg: (pg.open("train-dropout"), pg.run(steps=5)), "steps= is for the optimizer page"),
])
def test_errors_a_script_can_catch(qtbot, call, message):
    with Playground(size=(640, 360)) as pg:
        with pytest.raises(ValueError, match=message.replace("(", r"\(")):
            call(pg)


def test_bad_size_or_theme_is_refused():
    with pytest.raises(ValueError, match="size must be between"):
        Playground(size=(10, 10))
    with pytest.raises(ValueError, match="theme must be one of"):
        Playground(theme="neon")


def test_results_racer_by_label_and_index():
    rows = [{"racer": 0, "label": "sgd", "step": 0}, {"racer": 1, "label": "sgd", "step": 0},
            {"racer": 2, "label": "Adam", "step": 0}, {"racer": 2, "label": "Adam", "step": 1}]
    res = Results("optimizer", rows)
    assert [r["step"] for r in res.racer("Adam")] == [0, 1]
    assert res.racer(1) == [rows[1]]
    with pytest.raises(ValueError, match="2 racers are labelled 'sgd': use an index"):
        res.racer("sgd")
    with pytest.raises(ValueError, match="no racer labelled 'GD'"):
        res.racer("GD")
    with pytest.raises(ValueError, match="no racer 7"):
        res.racer(7)


def test_leaving_the_block_leaves_no_child_and_the_session_reopens(qtbot, tmp_path):
    path = tmp_path / "lesson.toml"
    with Playground(size=(800, 450)) as pg:
        pg.open("train-dropout")
        pg.model.lr = 0.02
        pg.save_session(path)
    assert not [p for p in mp.active_children() if "resource_tracker" not in p.name]
    with Playground(size=(800, 450)) as pg:
        pg.open(str(path))
        assert pg.kind == "training" and pg.model.lr == pytest.approx(0.02)


@pytest.mark.parametrize("racer, argv", [
    (0, ["--optimizer", "sgd", "--lr", "0.02"]),
    (1, ["--optimizer", "sgd", "--lr", "0.02", "--momentum", "0.9"]),
    (2, ["--optimizer", "adam", "--lr", "0.05"]),
])
def test_optimizer_results_equal_the_trajectory_command(qtbot, capsys, racer, argv):
    """The optimizer page's rows for a racer are what `trajectory` prints for the same racer, bit for bit."""
    from playground.cli import main

    assert main(["trajectory", "--surface", "saddle", "--start", "-2,0.01", "--steps", "60", "--format", "json",
                 *argv]) == 0
    cli = json.loads(capsys.readouterr().out)
    with Playground(size=(960, 540)) as pg:
        pg.open("saddle-escape")
        res = pg.run(steps=60)
    rows = res.racer(racer)
    assert len(rows) == len(cli) == 61
    for got, want in zip(rows, cli):
        assert {k: got[k] for k in want} == want
    last = res.final[rows[0]["label"]]
    assert {k: last[k] for k in cli[-1]} == cli[-1] and last["diverged_at"] is None


def test_a_saved_session_reopens_with_its_trained_picture(qtbot, tmp_path):
    """save_session writes the side file as the app does, and open() shows the trained network again."""
    path = tmp_path / "trained.toml"
    with Playground(size=(800, 450)) as pg:
        pg.open("train-dropout")
        pg.run(epochs=3)
        before = _pixels(pg.grab("decision"))
        pg.save_session(path)
    assert (tmp_path / "trained.results.npz").is_file()
    with Playground(size=(800, 450)) as pg:
        pg.open("train-dropout")
        untrained = _pixels(pg.grab("decision"))
        pg.open(str(path))
        after = _pixels(pg.grab("decision"))
    assert np.array_equal(before, after)
    assert not np.array_equal(untrained, after)  # the picture is the trained network's, not a fresh one


def test_a_session_whose_results_are_gone_opens_with_a_warning(qtbot, tmp_path):
    path = tmp_path / "trained.toml"
    with Playground(size=(800, 450)) as pg:
        pg.open("train-dropout")
        pg.run(epochs=2)
        pg.save_session(path)
    (tmp_path / "trained.results.npz").unlink()
    with Playground(size=(800, 450)) as pg:
        with pytest.warns(RuntimeWarning, match="results not restored: .*no results file"):
            pg.open(str(path))
        assert pg.kind == "training" and pg.model.epochs  # the settings are there


def test_a_plain_script_needs_no_main_guard(tmp_path):
    """Spawn re-imports the parent's main module in each child; the app's children skip it, so a
    course author's script without ``if __name__ == "__main__":`` runs once and its search child works."""
    import subprocess
    import sys

    script = tmp_path / "figure.py"
    script.write_text(
        "from pathlib import Path\n"
        "from playground.scripting import Playground\n"
        "runs = Path(__file__).with_suffix('.runs')\n"
        "runs.write_text(runs.read_text() + 'x' if runs.exists() else 'x')\n"
        "with Playground(size=(480, 270)) as pg:\n"
        "    pg.show_page('search')\n"
        "    pg.open('search-bayes-lr')\n"
        "    pg.model.set(trials=3)\n"
        "    print('rows', len(pg.run().rows))\n")
    done = subprocess.run([sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "rows 3" in done.stdout
    assert (tmp_path / "figure.runs").read_text() == "x"  # the script's body ran in the parent only
    assert "Traceback" not in done.stderr
