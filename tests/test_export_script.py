"""``optimizer-playground export-script``: a training scene as a standalone PyTorch program.

Each exported script runs in a child process with a temporary HOME, a working folder outside the
repository, no PYTHONPATH, and ``playground`` and ``core`` made unimportable, so it can only use torch
and numpy. Its JSON lines must equal what ``optimizer-playground train`` prints for the same settings
(within 1e-5 relative; the app and the script run the same float operations, so they agree exactly).
"""
from __future__ import annotations

import ast
import json
import math
import os
import re
import subprocess
import sys
import textwrap

import pytest

from playground.cli import main

# Runs exported scripts with this package and core unimportable (the venv's editable install would
# otherwise let a stray `import playground` succeed), each as `python run.py` would, its stdout to a
# file. One child runs them all: importing torch is most of a child's start-up.
_RUNNER = ("import contextlib, runpy, sys\n"
           "sys.modules['playground'] = None\n"
           "sys.modules['core'] = None\n"
           "for script, out in zip(sys.argv[1::2], sys.argv[2::2]):\n"
           "    sys.argv = [script]\n"
           "    with open(out, 'w') as fh, contextlib.redirect_stdout(fh):\n"
           "        runpy.run_path(script, run_name='__main__')\n")

_SCENES = {
    # L2 and weight decay together, Nesterov momentum, a warm-up chained to a cosine schedule.
    "l2-warmup-cosine": """
        version = 1
        page = "training"
        epochs = 6
        [data]
        dataset = "circles"
        n = 120
        noise = 0.1
        normalize = true
        [model]
        layers = [8, 8]
        activation = "leaky-relu:0.1"
        init = "he-uniform"
        [regularization]
        l2 = 0.01
        weight_decay = 0.001
        [optimizer]
        name = "sgd"
        lr = 0.1
        hparams = { momentum = 0.9, nesterov = true }
        [schedule]
        spec = "warmup:steps=2+cosine"
        """,
    # Softmax over 4 classes, BatchNorm after the activation, mixup and three more augmentations,
    # a one-cycle schedule stepped per iteration.
    "blobs-mixup-onecycle": """
        version = 1
        page = "training"
        epochs = 4
        seed = 3
        [data]
        dataset = "blobs"
        classes = 4
        n = 150
        features = ["x1", "x2", "x1x2", "sinx1"]
        [model]
        layers = [10]
        activation = "prelu"
        batchnorm = "after"
        init = "orthogonal"
        [regularization]
        dropout = [0.2]
        augment = "mixup:0.3,rotate:10,flipx,scale:0.1"
        [optimizer]
        name = "adamw"
        lr = 0.01
        batch_size = 16
        [schedule]
        spec = "onecycle"
        per = "iteration"
        """,
    # Regression, full batch, L1, a plateau schedule watching the validation loss.
    "sine-plateau-l1": """
        version = 1
        page = "training"
        epochs = 5
        [data]
        dataset = "sine"
        n = 100
        noise = 0.05
        split = [70, 15, 15]
        [model]
        layers = [12, 12]
        activation = ["tanh", "gelu"]
        init = "default"
        [regularization]
        l1 = 0.001
        dropout = [0.1, 0.0]
        [optimizer]
        name = "rmsprop"
        lr = 0.01
        batch_size = 0
        [schedule]
        spec = "plateau:patience=1"
        """,
    # A lecture-form optimizer that needs a closure (its class is embedded), a step schedule.
    "nesterov-lookahead-step": """
        version = 1
        page = "training"
        epochs = 4
        [data]
        dataset = "xor"
        n = 100
        [model]
        layers = [6]
        activation = "tanh"
        init = "lecun-normal"
        [regularization]
        l2 = 0.001
        [optimizer]
        name = "nesterov-lookahead"
        lr = 0.05
        hparams = { momentum = 0.9 }
        [schedule]
        spec = "step:step_size=2,gamma=0.5"
        """,
}

# (scene, epochs): the list (dropout, batch norm, L2, a schedule, early stopping,
# augmentation) plus LSUV, user points, an optimizer without weight decay, a lecture-form optimizer.
CASES = [
    ("train-dropout", 4),
    ("train-batchnorm", 3),
    ("train-augmentation", 4),
    ("train-early-stopping", 60),   # patience 20: stops early well before 60 epochs
    ("train-init-lsuv", 2),
    ("train-input-normalization", 3),  # user points
    ("train-l1-vs-l2", 2),
    ("l2-warmup-cosine", None),
    ("blobs-mixup-onecycle", None),
    ("sine-plateau-l1", None),
    ("nesterov-lookahead-step", None),
]


def _scene_arg(name: str, tmp_path) -> str:
    if name not in _SCENES:
        return name
    path = tmp_path / f"{name}.toml"
    path.write_text(textwrap.dedent(_SCENES[name]), encoding="utf-8")
    return str(path)


def _app_lines(scene: str, epochs: int | None) -> list[dict]:
    """What `optimizer-playground train` prints for the scene's TrainConfig (its own record functions)."""
    import torch

    from core.training import train
    from playground.cli_train import epoch_record, final_record
    from playground.pages.training.scene import scene_to_values, values_to_config
    from playground.scenes import load_scene

    values = scene_to_values(load_scene(scene))
    if epochs is not None:
        values["epochs"] = epochs
    torch.set_num_threads(1)
    out = []
    for m in train(values_to_config(values)):
        if m.kind == "epoch":
            out.append(epoch_record(m))
        elif m.kind == "final":
            out.append(final_record(m))
    return out


def _run_scripts(scripts, work) -> list[list[dict]]:
    """Run each script (in one child, cwd ``work``, HOME an empty folder, no PYTHONPATH); their JSON lines."""
    (work / "home").mkdir(parents=True, exist_ok=True)
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(work / "home"),
           "XDG_CACHE_HOME": str(work / "cache")}
    outs = [work / f"out{i}.jsonl" for i in range(len(scripts))]
    args = [str(v) for pair in zip(scripts, outs) for v in pair]
    r = subprocess.run([sys.executable, "-c", _RUNNER, *args], cwd=work, env=env,
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    return [[json.loads(line) for line in out.read_text().splitlines()] for out in outs]


def _rel(a, b) -> float:
    if a is None or b is None:
        return 0.0 if a is b else math.inf
    return abs(a - b) / max(abs(b), 1e-12)


def _max_rel(got: dict, want: dict) -> float:
    """Largest relative difference over the numbers of one JSON line (keys and order must match)."""
    assert list(got) == list(want)
    worst = 0.0
    for key, w in want.items():
        g = got[key]
        if key in ("verdict", "verdict_text"):
            assert g is None  # the app's diagnosis is not part of the script (its docstring says so)
        elif key == "layers":
            assert len(g) == len(w)
            for gl, wl in zip(g, w):
                worst = max(worst, _max_rel(gl, wl))
        elif isinstance(w, float) or isinstance(g, float):
            worst = max(worst, _rel(g, w))
        else:
            assert g == w, (key, g, w)
    return worst


def _export(scene: str, out, epochs=None) -> str:
    argv = ["export-script", scene, "--out", str(out)]
    if epochs is not None:
        argv += ["--epochs", str(epochs)]
    assert main(argv) == 0
    return out.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """name -> (scene argument, script text, the script's JSON lines) for every case, run in one child."""
    root = tmp_path_factory.mktemp("export")
    scenes, scripts, texts = [], [], []
    for i, (name, epochs) in enumerate(CASES):
        scene = _scene_arg(name, root)
        script = root / f"case{i}" / "run.py"
        script.parent.mkdir()
        texts.append(_export(scene, script, epochs))
        scenes.append(scene)
        scripts.append(script)
    lines = _run_scripts(scripts, root / "work")
    return {name: (scene, text, got) for (name, _), scene, text, got in zip(CASES, scenes, texts, lines)}


@pytest.mark.parametrize("name,epochs", CASES, ids=[c[0] for c in CASES])
def test_exported_script_prints_train_lines(name, epochs, exported):
    scene, text, got = exported[name]
    want = _app_lines(scene, epochs)
    assert len(got) == len(want)
    worst = max(_max_rel(g, w) for g, w in zip(got, want))
    assert worst <= 1e-5, f"{name}: largest relative difference {worst:g}"
    print(f"{name}: largest relative difference {worst:g} over {len(got)} lines")
    assert got[-1]["final"] is True and got[-1]["stopped"] == want[-1]["stopped"]
    if name == "train-early-stopping":
        assert got[-1]["stopped"] == "early_stopping" and got[-1]["epoch"] < 60
    # It reads as a program: a docstring saying what it reproduces and how to run it.
    doc = ast.get_docstring(ast.parse(text))
    assert doc and "optimizer-playground train" in doc and "python run.py" in doc


def test_script_imports_torch_and_numpy_only(tmp_path):
    text = _export("train-augmentation", tmp_path / "run.py", 1)
    tree = ast.parse(text)
    modules = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            modules.add(node.module.split(".")[0])
    assert modules <= {"copy", "json", "math", "numbers", "numpy", "torch"}, modules
    assert not re.search(r"^\s*(import|from)\s+(playground|core)\b", text, re.MULTILINE)
    # Every embedded piece names where it comes from.
    assert "# From core.training.data._moons" in text and "# From core.training.augment.augment_batch" in text


def test_same_lines_as_the_train_command(exported, capsys):
    """The real `train` subcommand with train-dropout's settings spelled as flags prints the script's lines."""
    argv = ["train", "--dataset", "moons", "--n", "200", "--noise", "0.3", "--layers", "64,64",
            "--activation", "relu", "--init", "he-normal", "--dropout", "0.3", "--optimizer", "adam",
            "--lr", "0.01", "--batch-size", "32", "--epochs", "4", "--seed", "0"]
    assert main(argv) == 0
    cli_lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    got = exported["train-dropout"][2]
    assert len(got) == len(cli_lines) == 6
    assert max(_max_rel(g, w) for g, w in zip(got, cli_lines)) <= 1e-5


@pytest.mark.parametrize("argv,needle", [
    (["export-script", "no-such-scene", "--out", "{tmp}/run.py"], "unknown scene 'no-such-scene'"),
    (["export-script", "train-dropout", "--out", "{tmp}/run.txt"], "must be a .py file"),
    (["export-script", "train-dropout", "--out", "{tmp}/missing/run.py"], "does not exist"),
    (["export-script", "train-dropout", "--out", "/sys/run.py"], "cannot write"),  # even for root
    (["export-script", "{tmp}/session.toml", "--out", "{tmp}/run.py"], "'pages' must be a table"),  # broken session
    (["export-script", "train-dropout", "--page", "optimizer", "--out", "{tmp}/run.py"], "--page optimizer:"),
    (["export-script", "train-dropout", "--out", "{tmp}/run.py", "--epochs", "0"], "--epochs must be at least 1"),
    (["export-script", "train-dropout", "--out", "{tmp}/run.py", "--steps", "5"], "--steps and --per-racer are for"),
    (["export-script", "saddle-escape", "--out", "{tmp}/run.py", "--epochs", "5"], "--epochs is for training"),
    (["export-script", "{tmp}", "--out", "{tmp}/run.py"], "cannot read"),
])
def test_bad_input_is_one_line_and_exit_2(argv, needle, tmp_path, capsys):
    (tmp_path / "session.toml").write_text('kind = "session"\nversion = 1\n', encoding="utf-8")
    status = main([a.replace("{tmp}", str(tmp_path)) for a in argv])
    err = capsys.readouterr().err
    assert status == 2
    assert needle in err and len(err.strip().splitlines()) == 1, err
    assert not (tmp_path / "run.py").exists()
