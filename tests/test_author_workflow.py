"""A course author's first golden test, end to end, as the README tells it.

The package is installed NON-editable into a temporary folder outside the repository, README.md's author
test (the fenced ``# test_saddle.py`` block of "Scripting and screenshot tests", read from the README so
the two cannot drift) is written into a folder with no conftest and no ini file, and pytest runs there
with the installed package first on the path, no display and no ``QT_QPA_PLATFORM`` (the plugin picks
offscreen). Then: the first run fails for the missing golden file and prints the command that writes it;
that command passes and writes the file; the next run passes; after the installed lesson changes (as an
upgrade of the app would change it), a run fails and leaves the side-by-side PNG.

Marked ``slow`` like tests/test_packaging.py (four pytest starts of about 7 s of CPU each); nothing
deselects that marker, so CI runs it. With this venv's setuptools (70.1 or later, or with ``wheel``) the
build needs no package index.
"""
from __future__ import annotations

import importlib.metadata
import importlib.util
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import playground.golden as g

ROOT = Path(__file__).resolve().parents[1]
SECTION = "## Scripting and screenshot tests"
# What a build needs from the tree (pyproject's readme, the packages, the assets): a copy, because a
# build in place leaves build/ and *.egg-info in the repository, and setuptools packs whatever a stale
# build/lib still holds (docs/traps.md, "Packaging").
SOURCES = ("pyproject.toml", "README.md", "core", "widgets", "playground", "assets")
# Inherited settings an author's shell would not have: this process's test set-up, a display.
DROPPED_ENV = ("PYTHONPATH", "PYTEST_ADDOPTS", "PYTEST_PLUGINS", "PYTEST_DISABLE_PLUGIN_AUTOLOAD",
               "PYTEST_CURRENT_TEST", "PLAYGROUND_GOLDEN_UPDATE", "QT_QPA_PLATFORM", "PYQTGRAPH_QT_LIB",
               "DISPLAY", "WAYLAND_DISPLAY")


def readme_section() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index(SECTION)
    end = text.find("\n## ", start + len(SECTION))
    return text[start: end if end != -1 else len(text)]


def readme_author_test() -> tuple[str, str]:
    """(file name, source) of the README's author test: the python block that starts ``# test_*.py``."""
    for block in re.findall(r"```python\n(.*?)```", readme_section(), re.S):
        first = block.splitlines()[0]
        match = re.fullmatch(r"#\s*(test_\w+\.py)\s*", first)
        if match:
            return match.group(1), block
    raise AssertionError(f"README.md's {SECTION!r} has no ```python block starting '# test_NAME.py'")


def _setuptools_builds_wheels() -> bool:
    """True if this interpreter can build the wheel itself (no isolated build environment, no index)."""
    if importlib.util.find_spec("setuptools") is None:
        return False
    if importlib.util.find_spec("wheel") is not None:
        return True
    version = tuple(int(p) for p in re.findall(r"\d+", importlib.metadata.version("setuptools"))[:2])
    return version >= (70, 1)  # bdist_wheel moved into setuptools in 70.1


@pytest.fixture(scope="module")
def author(tmp_path_factory):
    """The installed package (``site``), the author's folder with the README's test (``folder``, ``name``),
    and the environment and command to run pytest there."""
    tmp = tmp_path_factory.mktemp("author-workflow")
    src, site, folder = tmp / "src", tmp / "site", tmp / "author"
    src.mkdir()
    for name in SOURCES:
        copy = shutil.copytree if (ROOT / name).is_dir() else shutil.copy2
        kwargs = {"ignore": shutil.ignore_patterns("__pycache__", "*.pyc")} if (ROOT / name).is_dir() else {}
        copy(ROOT / name, src / name, **kwargs)
    pip = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--disable-pip-version-check",
           "--target", str(site)]
    if _setuptools_builds_wheels():
        pip += ["--no-build-isolation", "--no-index"]  # this venv's setuptools: no network needed
    out = subprocess.run([*pip, str(src)], capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-3000:]
    assert not (site / "playground" / "pytest_plugin.py").is_symlink()
    assert not list(site.glob("__editable__*")), "the install must not be editable"

    folder.mkdir()
    name, source = readme_author_test()
    (folder / name).write_text(source, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in DROPPED_ENV}
    env["PYTHONPATH"] = str(site)  # the installed copy first; the venv supplies pytest, pytest-qt, torch, Qt
    return {"tmp": tmp, "site": site, "folder": folder, "name": name, "env": env}


def run_pytest(author, *args):
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args], cwd=author["folder"],
                          env=author["env"], capture_output=True, text=True, timeout=300)


def _outcome(result) -> str:
    return f"exit {result.returncode}\n{result.stdout[-4000:]}\n{result.stderr[-2000:]}"


@pytest.mark.slow
def test_the_readme_author_test_from_missing_golden_to_a_changed_lesson(author):
    folder, site, name = author["folder"], author["site"], author["name"]
    golden_file = folder / "golden" / "saddle-escape.png"
    assert not folder.is_relative_to(ROOT)

    # 1. The first run fails for the missing file and prints the command that writes it (the README's).
    first = run_pytest(author, "--trace-config", name)
    assert first.returncode == 1, _outcome(first)
    assert "1 failed" in first.stdout and f"golden image {golden_file} does not exist" in first.stdout, _outcome(first)
    # The plugin came from the installed copy by its entry point, registered once (the venv's editable
    # install declares the same entry point name; pluggy skips a name already registered).
    plugin_lines = [line for line in first.stdout.splitlines() if "optimizer-playground-" in line and " at " in line]
    assert len(plugin_lines) == 1, _outcome(first)
    assert plugin_lines[0].split(" at ", 1)[1].strip() == str(site / "playground" / "pytest_plugin.py")
    assert "already registered" not in first.stdout + first.stderr
    command = re.search(r"Create it with: (.+)", first.stdout).group(1).strip()
    assert command.startswith(f"pytest {name}") and command.endswith("--golden-update")
    assert f"`{command}`" in readme_section(), f"README.md should name the command the failure prints: {command}"
    assert not golden_file.exists()

    # 2. That command, run as printed, passes and writes the golden file beside the test.
    args = shlex.split(command)
    assert args[0] == "pytest"
    update = run_pytest(author, *args[1:])
    assert update.returncode == 0, _outcome(update)
    assert f"wrote {golden_file}" in update.stdout, _outcome(update)
    approved = golden_file.read_bytes()
    assert g.read_png(golden_file).shape == (720, 1280, 4)

    # 3. The next run passes.
    again = run_pytest(author, name)
    assert again.returncode == 0 and "1 passed" in again.stdout, _outcome(again)

    # 4. The lesson changes in the installed app (an upgrade moves the racers' start): the run fails with
    # the path of a side-by-side picture, listed in the summary; the golden file is untouched.
    scene = site / "playground" / "assets" / "scenes" / "saddle-escape.toml"
    text = scene.read_text(encoding="utf-8")
    assert "start = [-2.0, 0.01]" in text
    scene.write_text(text.replace("start = [-2.0, 0.01]", "start = [-2.0, 0.05]"), encoding="utf-8")
    changed = run_pytest(author, name)
    assert changed.returncode == 1 and "1 failed" in changed.stdout, _outcome(changed)
    assert f"golden image 'saddle-escape' does not match {golden_file}" in changed.stdout, _outcome(changed)
    picture = Path(re.search(r"Side by side \(result \| golden \| difference\): (\S+)", changed.stdout).group(1))
    assert picture.is_file() and not picture.is_relative_to(folder)  # in the test's temporary folder
    summary = changed.stdout[changed.stdout.index("golden image mismatches"):]
    assert f"{name}::test_saddle_lesson: saddle-escape:" in summary and f"side by side: {picture}" in summary
    pic = g.read_png(picture)
    assert pic.shape[1] >= 3 * 1280 and pic.shape[0] >= 720
    assert np.all(pic[..., :3] == g.DIFF_COLOUR, axis=2).sum() > 100  # the moved start, trails and curves
    assert golden_file.read_bytes() == approved
