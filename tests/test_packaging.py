"""A non-editable build installs every package and the bundled assets (TRAPS.md: flat layout)."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_non_editable_install_finds_packages_and_scenes(tmp_path):
    target = tmp_path / "site"
    build = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-compile",
                            "--target", str(target), str(ROOT)], capture_output=True, text=True, timeout=600)
    assert build.returncode == 0, build.stderr[-2000:]
    for pkg in ("core", "widgets", "playground", "playground/assets"):
        assert (target / pkg / "__init__.py").exists(), pkg
    probe = (
        "import playground, core, widgets, playground.scenes as s;"
        "print(playground.__file__); print(len(s.list_scenes()))"
    )
    env = dict(os.environ, PYTHONPATH=str(target))
    out = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-2000:]
    path, count = out.stdout.split()
    assert path.startswith(str(target)), "imported the source tree instead of the installed copy"
    bundled = len(list((ROOT / "assets" / "scenes").glob("*.toml")))
    assert int(count) == bundled
