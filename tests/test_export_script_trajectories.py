"""``optimizer-playground export-script`` on optimizer scenes: the racers stepped with torch.optim.

The exported scripts run in one child process (temporary HOME, a working folder outside the
repository, no PYTHONPATH, ``playground`` and ``core`` unimportable) and write their trajectories as
CSV; every row must equal what ``optimizer-playground trajectory`` computes for the same racer
(``core.trajectories.run_trajectory``), within 1e-9 relative.
"""
from __future__ import annotations

import ast
import csv
import io
import math
import os
import re
import subprocess
import sys
import textwrap

import pytest

from playground.cli import main

_RUNNER = ("import runpy, sys\n"
           "sys.modules['playground'] = None\n"
           "sys.modules['core'] = None\n"
           "for script, out in zip(sys.argv[1::2], sys.argv[2::2]):\n"
           "    sys.argv = [script, out]\n"
           "    runpy.run_path(script, run_name='__main__')\n")

_SCENES = {
    # A typed formula (its compiled program written out as torch code), seeded gradient noise, a
    # warm-up + cosine schedule, a plateau schedule, onecycle on a lecture-form optimizer.
    "formula-noise-schedules": """
        version = 1
        page = "optimizer"
        surface = "formula:x^2 + 3*sin(y)^2 - 0.5*max(x, y) + softplus(x*y)/2"
        steps = 80
        [[racers]]
        optimizer = "sgd"
        label = "noisy, warm-up + cosine"
        hparams = { lr = 0.05, momentum = 0.5 }
        grad_noise = 0.3
        seed = 4
        schedule = "warmup:steps=10+cosine"
        [[racers]]
        optimizer = "adam"
        label = "adam, plateau"
        hparams = { lr = 0.1 }
        schedule = "plateau:patience=3"
        [[racers]]
        optimizer = "rmsprop-lecture"
        hparams = { lr = 0.01 }
        schedule = "onecycle"
        """,
    # A surface whose class reads module helpers (a cached function, constants); labels that need quoting.
    "ackley-textbook": """
        version = 1
        page = "optimizer"
        surface = "ackley"
        steps = 40
        [[racers]]
        optimizer = "momentum-ema"
        label = "ema, 'quoted', label"
        hparams = { lr = 0.05 }
        [[racers]]
        optimizer = "adagrad-lecture"
        schedule = "cyclic"
        [[racers]]
        optimizer = "rprop"
        """,
}

# (scene, steps): torch.optim racers, a lecture form needing a closure (Nesterov), Newton, the data
# surface with mini-batches and a schedule, runs that diverge, a formula, a multimodal surface.
CASES = [
    ("saddle-escape", 60),
    ("nesterov-vs-momentum", 60),
    ("newton-vs-gd", 40),
    ("lr-decay", 80),
    ("lr-too-large", None),
    ("input-normalization", 40),
    ("formula-noise-schedules", None),
    ("ackley-textbook", None),
]


def _scene_arg(name, folder) -> str:
    if name not in _SCENES:
        return name
    path = folder / f"{name}.toml"
    path.write_text(textwrap.dedent(_SCENES[name]), encoding="utf-8")
    return str(path)


def _export(scene, out, steps=None, per_racer=False) -> str:
    argv = ["export-script", scene, "--out", str(out)]
    argv += ["--steps", str(steps)] if steps is not None else []
    argv += ["--per-racer"] if per_racer else []
    assert main(argv) == 0
    return out.read_text(encoding="utf-8")


def _run_scripts(pairs, work) -> None:
    (work / "home").mkdir(parents=True, exist_ok=True)
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(work / "home"),
           "XDG_CACHE_HOME": str(work / "cache")}
    args = [str(v) for pair in pairs for v in pair]
    r = subprocess.run([sys.executable, "-c", _RUNNER, *args], cwd=work, env=env, capture_output=True,
                       text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """name -> (scene argument, script text, CSV rows) for every case; a per-racer export too."""
    root = tmp_path_factory.mktemp("export")
    pairs, info = [], {}
    for i, (name, steps) in enumerate(CASES):
        scene = _scene_arg(name, root)
        script = root / f"case{i}.py"
        info[name] = (scene, _export(scene, script, steps), root / f"case{i}.csv")
        pairs.append((script, root / f"case{i}.csv"))
    _export("saddle-escape", root / "split.py", 30, per_racer=True)
    pairs.append((root / "split.py", root / "split.csv"))
    _run_scripts(pairs, root / "work")
    out = {name: (scene, text, list(csv.DictReader(open(path, newline="", encoding="utf-8"))))
           for name, (scene, text, path) in info.items()}
    out["per-racer"] = root
    return out


def _app_rows(scene: str, steps: int | None):
    """Per racer, the rows `optimizer-playground trajectory` prints: (step, x, y, loss, lr)."""
    from core.surfaces import get_surface
    from core.trajectories import Racer, run_trajectory
    from playground.scenes import load_scene

    s = load_scene(scene)
    surface = get_surface(s["surface"])
    n = s["steps"] if steps is None else steps
    out = []
    for r in s["racers"]:
        racer = Racer(optimizer=r["optimizer"], hparams=dict(r["hparams"]), schedule=r["schedule"] or None,
                      grad_noise=float(r["grad_noise"]), batch_size=r.get("batch_size"), seed=int(r["seed"]))
        tr = run_trajectory(surface, racer, tuple(s["start"]), n)
        out.append([(t, float(tr.xy[t, 0]), float(tr.xy[t, 1]), float(tr.loss[t]), float(tr.lr[t]))
                    for t in range(len(tr.xy))])
    return s, out


def _rel(a: float, b: float) -> float:
    if a == b or (math.isnan(a) and math.isnan(b)):
        return 0.0
    return abs(a - b) / max(abs(b), 1e-300)


@pytest.mark.parametrize("name,steps", CASES, ids=[c[0] for c in CASES])
def test_exported_racers_follow_the_app(name, steps, exported):
    scene, text, rows = exported[name]
    s, want = _app_rows(scene, steps)
    assert sorted({int(r["racer"]) for r in rows}) == list(range(len(want)))
    worst = 0.0
    for i, app in enumerate(want):
        mine = [r for r in rows if int(r["racer"]) == i]
        assert len(mine) == len(app), f"racer {i}: {len(mine)} rows, the app {len(app)}"
        assert {r["label"] for r in mine} == {s["racers"][i]["label"]}
        for r, (t, x, y, loss, lr) in zip(mine, app):
            assert int(r["step"]) == t
            worst = max(worst, *(_rel(float(r[k]), v) for k, v in (("x", x), ("y", y), ("loss", loss), ("lr", lr))))
    assert worst <= 1e-9, f"{name}: largest relative difference {worst:g}"
    print(f"{name}: largest relative difference {worst:g}")
    if name in ("lr-too-large", "input-normalization"):  # a racer diverged: its rows stop early
        assert min(len(a) for a in want) < max(len(a) for a in want)
    doc = " ".join((ast.get_docstring(ast.parse(text)) or "").split())
    assert "optimizer-playground trajectory" in doc and "python case" in doc
    assert not re.search(r"^\s*(import|from)\s+(playground|core)\b", text, re.MULTILINE)


def test_rows_equal_the_trajectory_command(exported, capsys):
    """The real `trajectory` subcommand for saddle-escape's momentum racer prints the script's rows."""
    argv = ["trajectory", "--surface", "saddle", "--optimizer", "sgd", "--lr", "0.02", "--momentum", "0.9",
            "--start", "-2.0,0.01", "--steps", "60"]
    assert main(argv) == 0
    cli = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    mine = [r for r in exported["saddle-escape"][2] if r["racer"] == "1"]
    assert len(cli) == len(mine) == 61
    assert [[r[k] for k in ("step", "x", "y", "loss", "lr")] for r in mine] == \
           [[r[k] for k in ("step", "x", "y", "loss", "lr")] for r in cli]  # the same round-trip text


def test_per_racer_files(exported):
    root = exported["per-racer"]
    for i in range(3):
        lines = (root / f"split-{i}.csv").read_text().splitlines()
        assert lines[0] == "step,x,y,loss,lr" and len(lines) == 32
    long = [r for r in exported["saddle-escape"][2] if r["racer"] == "2"][:31]
    split = list(csv.DictReader(open(root / "split-2.csv")))
    assert [r["x"] for r in split] == [r["x"] for r in long]


def test_bad_steps_is_one_line(tmp_path, capsys):
    assert main(["export-script", "saddle-escape", "--out", str(tmp_path / "run.py"), "--steps", "0"]) == 2
    err = capsys.readouterr().err
    assert "--steps must be at least 1" in err and len(err.strip().splitlines()) == 1
