"""The README's install-and-open route: a NON-editable install into a fresh venv, used as a user would.

setuptools' flat layout needs a hand-kept package list (docs/traps.md, "Packaging"). Once it lacked
``playground.pages``: every editable test passed while the installed app could not start. So these tests
check the list against the tree, then install the wheel into a new venv and, from a folder outside the
repository, run the console script, render a scene of each page, list the scenes and import every module.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TOP = ("core", "widgets", "playground")


def _tree_packages() -> set[str]:
    """Every package folder (with an ``__init__.py``) under the top-level packages, plus the assets."""
    found = set()
    for top in TOP:
        for init in (ROOT / top).rglob("__init__.py"):
            if "__pycache__" not in init.parts:
                found.add(".".join(init.parent.relative_to(ROOT).parts))
    return found | {"playground.assets"}


def test_package_list_matches_the_tree():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed = set(config["packages"])
    assert listed == _tree_packages(), (
        f"pyproject.toml [tool.setuptools] packages is out of date: missing {sorted(_tree_packages() - listed)}, "
        f"extra {sorted(listed - _tree_packages())}")
    assert config["package-dir"]["playground.assets"] == "assets"


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """A fresh venv with the project installed from a wheel (not editable); its dependencies are the test
    interpreter's (a .pth file), so torch and Qt are not installed twice."""
    tmp = tmp_path_factory.mktemp("install")
    venv = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    # Build from a copy of the tree as a fresh clone has it: setuptools packs whatever a stale build/lib
    # still holds, so a wheel built in place can contain a package the list has lost.
    src = tmp / "src"
    shutil.copytree(ROOT, src, ignore=shutil.ignore_patterns(".git", ".venv", "build", "dist", "*.egg-info",
                                                             "__pycache__", ".pytest_cache"))
    wheels = tmp / "wheels"
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(wheels),
                            str(src)], capture_output=True, text=True, timeout=600)
    assert build.returncode == 0, build.stderr[-3000:]
    wheel = next(wheels.glob("optimizer_playground-*.whl"))
    py = venv / "bin" / "python"
    site = Path(subprocess.check_output([str(py), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                                        text=True).strip())
    # Dependencies from the test interpreter's site-packages; its .pth files (the editable finder that
    # maps core/, widgets/ and playground/ to the source tree among them) are not processed from here.
    (site / "_deps.pth").write_text(sysconfig.get_path("purelib") + "\n")
    inst = subprocess.run([sys.executable, "-m", "pip", "--python", str(py), "install", "--quiet", "--no-deps",
                           "--no-compile", str(wheel)], capture_output=True, text=True, timeout=600)
    if inst.returncode != 0 and "no such option: --python" in inst.stderr:  # pip < 22.3
        inst = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-compile",
                               "--prefix", str(venv), str(wheel)], capture_output=True, text=True, timeout=600)
    assert inst.returncode == 0, inst.stderr[-3000:]
    outside = tmp / "elsewhere"
    outside.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env.update(QT_QPA_PLATFORM="offscreen", OPTIMIZER_PLAYGROUND_HOME=str(tmp / "home"),
               PATH=f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}")
    return {"venv": venv, "site": site, "cwd": outside, "env": env, "py": py}


def _run(installed, *args, timeout=300):
    return subprocess.run(list(args), cwd=installed["cwd"], env=installed["env"], capture_output=True, text=True,
                          timeout=timeout)


@pytest.mark.slow
def test_installed_packages_are_the_wheels_and_every_module_imports(installed):
    site = installed["site"]
    for pkg in _tree_packages():
        assert (site / Path(*pkg.replace("playground.assets", "playground/assets").split(".")) / "__init__.py").exists(), pkg
    probe = (
        "import importlib, pkgutil, sys\n"
        "bad = []\n"
        "for top in ('core', 'widgets', 'playground'):\n"
        "    pkg = importlib.import_module(top)\n"
        "    assert pkg.__file__.startswith(sys.argv[1]), pkg.__file__\n"
        "    for info in pkgutil.walk_packages(pkg.__path__, top + '.'):\n"
        "        if info.name.endswith('__main__'):\n"
        "            continue\n"
        "        try:\n"
        "            importlib.import_module(info.name)\n"
        "        except Exception as exc:\n"
        "            bad.append(f'{info.name}: {exc!r}')\n"
        "print('\\n'.join(bad) or 'all imported')\n"
    )
    out = _run(installed, str(installed["py"]), "-c", probe, str(site))
    assert out.returncode == 0, out.stderr[-3000:]
    assert out.stdout.strip() == "all imported", out.stdout


@pytest.mark.slow
def test_installed_console_script_opens_the_app_and_quits(installed):
    out = _run(installed, "optimizer-playground", "gui", "--quit-after", "1000")
    assert out.returncode == 0, out.stderr[-3000:]
    assert "window shown" in out.stdout
    assert "Traceback" not in out.stderr and "internal error" not in out.stderr


@pytest.mark.slow
def test_installed_console_script_lists_every_bundled_scene(installed):
    out = _run(installed, "optimizer-playground", "list", "scenes")
    assert out.returncode == 0, out.stderr[-3000:]
    names = {line.split("  ", 1)[0] for line in out.stdout.splitlines() if line.strip()}
    assert names == {p.stem for p in (ROOT / "assets" / "scenes").glob("*.toml")}


@pytest.mark.slow
@pytest.mark.parametrize("scene, extra", [("saddle-escape", ["--steps", "30"]), ("train-dropout", ["--epochs", "2"])])
def test_installed_console_script_renders_a_scene_of_each_page(installed, scene, extra):
    png = installed["cwd"] / f"{scene}.png"
    out = _run(installed, "optimizer-playground", "render", scene, *extra, "--out", str(png), "--size", "640x400")
    assert out.returncode == 0, out.stderr[-3000:]
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
