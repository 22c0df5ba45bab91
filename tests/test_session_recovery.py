"""Autosave and recovery across processes: a killed app's session comes back; two instances keep apart."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = Path(__file__).with_name("session_app.py")


def _env(home: Path) -> dict:
    env = dict(os.environ, OPTIMIZER_PLAYGROUND_HOME=str(home), QT_QPA_PLATFORM="offscreen")
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    return env


def _start(home: Path, scene: str, steps: int) -> tuple[subprocess.Popen, Path]:
    home.mkdir(parents=True, exist_ok=True)
    proc = subprocess.Popen([sys.executable, str(SCRIPT), scene, str(steps)], env=_env(home), cwd=str(home),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    assert line.startswith("SAVED "), (line, proc.stderr.read() if proc.poll() is not None else "")
    return proc, Path(line.split(" ", 1)[1].strip())


def _steps(path: Path) -> int:
    return tomllib.loads(path.read_text(encoding="utf-8"))["pages"]["optimizer"]["scene"]["steps"]


def test_a_killed_app_is_recovered_on_the_next_start(tmp_path):
    home = tmp_path / "home"
    proc, autosave = _start(home, "saddle-escape", 123)
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    assert (home / "session.lock").exists()  # a crash leaves its lock behind
    assert autosave == home / "session-autosave.toml" and _steps(autosave) == 123
    run = subprocess.run([sys.executable, "-m", "playground", "gui", "--quit-after", "4000"], env=_env(home),
                         cwd=str(tmp_path), capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    log = (home / "optimizer-playground.log").read_text(encoding="utf-8")
    assert "Recovered the session from" in log
    assert _steps(autosave) == 123  # restored, and written back on the clean close
    assert not (home / "session.lock").exists()  # a clean exit gives the lock back


def test_two_instances_do_not_overwrite_each_other(tmp_path):
    home = tmp_path / "home"
    first, first_file = _start(home, "saddle-escape", 111)
    try:
        second, second_file = _start(home, "saddle-escape", 222)
        try:
            assert first_file != second_file
            assert first_file == home / "session-autosave.toml"
            assert _steps(first_file) == 111 and _steps(second_file) == 222
        finally:
            second.kill()
            second.wait(10)
    finally:
        first.kill()
        first.wait(10)


def test_gui_with_a_file_opens_it_instead_of_the_autosave(tmp_path):
    home = tmp_path / "home"
    proc, autosave = _start(home, "saddle-escape", 123)
    proc.kill()
    proc.wait(10)
    run = subprocess.run([sys.executable, "-m", "playground", "gui", "rosenbrock-race", "--quit-after", "4000"],
                         env=_env(home), cwd=str(tmp_path), capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    log = (home / "optimizer-playground.log").read_text(encoding="utf-8")
    assert "Recovered the session" not in log
    # The file was opened, and the autosave now holds it, not the killed run's 123 steps.
    assert _steps(autosave) != 123
