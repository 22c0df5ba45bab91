"""The pytest plugin (playground.pytest_plugin), run inside pytester's inner pytest sessions.

The inner runs load the plugin with ``-p playground.pytest_plugin`` and plugin autoloading off: once the
package registers the ``optimizer_playground`` entry point, loading it both ways would fail with "Plugin
already registered under a different name" (the same reason tests/conftest.py must not list it).
"""
from __future__ import annotations

import importlib.metadata
import importlib.util
import re
import shlex
import subprocess
import sys
import textwrap

import numpy as np
import pytest

# Imported here, before pytester snapshots sys.modules: an inner run must not be the first to import a
# compiled extension, which pytester would then drop from sys.modules and a later test import again.
import PIL.Image  # noqa: F401
import PySide6.QtWidgets  # noqa: F401
import pyqtgraph  # noqa: F401
import pytestqt.plugin  # noqa: F401
import contourpy  # noqa: F401
import torch  # noqa: F401

import playground.pages.optimizer.page  # noqa: F401
import playground.pages.training.page  # noqa: F401
import playground.scripting  # noqa: F401

import playground.golden as g
import playground.pytest_plugin as plugin

pytest_plugins = ["pytester"]

PLUGINS = ("-p", "pytestqt.plugin", "-p", "playground.pytest_plugin", "-p", "no:cacheprovider",
           # Imported above, so not rewritten in the inner runs: nothing of it relies on assert rewriting.
           "-W", "ignore::pytest.PytestAssertRewriteWarning")

# An inner test file: a trail-like line whose shift and colour come from the environment, so one file
# serves every run (rewriting a module within a second can reuse its stale bytecode).
IMAGE_TESTS = textwrap.dedent("""
    import os
    import numpy as np
    from playground.golden import Tolerance

    def trail():
        a = np.full((60, 80, 3), 255, np.uint8)
        dx = int(os.environ.get("SHIFT", "0"))
        colour = [int(c) for c in os.environ.get("COLOUR", "0,114,178").split(",")]
        a[20:23, 10 + dx: 70 + dx] = colour
        a[40, 5: 75] = colour
        return a

    def test_trail(golden):
        golden(trail(), "trail")

    def test_trail_loose(golden):
        golden(trail(), "trail", tolerance=dict(max_pixels=10))

    def test_trail_dataclass(golden):
        golden(trail(), "trail", tolerance=Tolerance(max_pixels=10))

    def test_trail_masked(golden):
        golden(trail(), "trail", masks=[(0, 15, 80, 12), (0, 38, 80, 5)])
""")


@pytest.fixture(autouse=True)
def _inner_environment(monkeypatch):
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    monkeypatch.delenv(plugin.UPDATE_ENV, raising=False)
    for name in ("SHIFT", "COLOUR"):
        monkeypatch.delenv(name, raising=False)


def run(pytester, *args):
    return pytester.runpytest(*PLUGINS, *args)


@pytest.fixture
def images(pytester):
    pytester.makepyfile(test_images=IMAGE_TESTS)
    return pytester


def approve(pytester, *select):
    r = run(pytester, "--golden-update", *select)
    r.assert_outcomes(passed=len(select) or 4)
    return r


# ----------------------------------------------------------------------------- writing and approving

def test_a_missing_golden_file_fails_with_the_command_that_creates_it(images):
    r = run(images, "test_images.py::test_trail")
    r.assert_outcomes(failed=1)
    text = r.stdout.str()
    assert "golden image" in text and "trail.png does not exist" in text
    seen = re.search(r"Look at the result: (\S+)", text).group(1)
    assert g.read_png(seen).shape == (60, 80, 4)  # what --golden-update would approve
    command = re.search(r"Create it with: (.+)$", text, re.M).group(1).strip()
    assert command == "pytest test_images.py::test_trail --golden-update"
    # The command does what it says.
    args = shlex.split(command)[1:]
    run(images, *args).assert_outcomes(passed=1)
    assert (images.path / "golden" / "trail.png").is_file()
    run(images, "test_images.py::test_trail").assert_outcomes(passed=1)


def test_golden_update_writes_then_the_next_run_passes(images):
    r = approve(images, "test_images.py::test_trail")
    path = images.path / "golden" / "trail.png"
    assert path.is_file()
    r.stdout.fnmatch_lines(["*= golden images =*", f"wrote {path}  (test_images.py::test_trail)"])
    written = g.read_png(path)
    assert written.shape == (60, 80, 4) and written[21, 40, :3].tolist() == [0, 114, 178]
    run(images).assert_outcomes(passed=4)


def test_re_approving_replaces_a_changed_image_and_leaves_an_equal_one(images, monkeypatch):
    approve(images, "test_images.py::test_trail")
    path = images.path / "golden" / "trail.png"
    before = path.read_bytes()
    r = approve(images, "test_images.py::test_trail")
    assert path.read_bytes() == before
    r.stdout.fnmatch_lines(["*1 golden image(s) unchanged*"])
    monkeypatch.setenv("COLOUR", "200,0,0")
    approve(images, "test_images.py::test_trail")
    assert g.read_png(path)[21, 40, :3].tolist() == [200, 0, 0]
    run(images, "test_images.py::test_trail").assert_outcomes(passed=1)


def test_the_environment_variable_works_like_the_option(images, monkeypatch):
    monkeypatch.setenv(plugin.UPDATE_ENV, "1")
    run(images, "test_images.py::test_trail").assert_outcomes(passed=1)
    assert (images.path / "golden" / "trail.png").is_file()
    monkeypatch.setenv(plugin.UPDATE_ENV, "0")
    monkeypatch.setenv("SHIFT", "1")
    run(images, "test_images.py::test_trail").assert_outcomes(failed=1)  # "0" does not update


def test_golden_dir_moves_the_folder(images):
    images.makeini("[pytest]\ngolden_dir = approved/images\n")
    approve(images, "test_images.py::test_trail")
    assert (images.path / "approved" / "images" / "trail.png").is_file()
    assert not (images.path / "golden").exists()


# ----------------------------------------------------------------------------- mismatches

def test_a_shifted_trail_fails_and_leaves_a_side_by_side_picture(images, monkeypatch):
    approve(images, "test_images.py::test_trail")
    monkeypatch.setenv("SHIFT", "1")
    r = run(images, "test_images.py::test_trail")
    r.assert_outcomes(failed=1)
    text = r.stdout.str()
    assert "golden image 'trail' does not match" in text
    assert "pixels differ by more than 8/255 (allowed 0)" in text
    picture = re.search(r"Side by side \(result \| golden \| difference\): (\S+)", text).group(1)
    assert picture.endswith("trail-mismatch.png")
    pic = g.read_png(picture)
    assert pic.shape[1] > 3 * 80 and np.all(pic[..., :3] == g.DIFF_COLOUR, axis=2).any()
    # The terminal summary lists it, with the picture.
    summary = text[text.index("golden image mismatches"):]
    assert "test_images.py::test_trail: trail:" in summary and picture in summary
    assert "If the new image is right, approve it with: pytest test_images.py::test_trail --golden-update" in text


def test_a_changed_colour_fails(images, monkeypatch):
    approve(images, "test_images.py::test_trail")
    monkeypatch.setenv("COLOUR", "0,114,200")
    run(images, "test_images.py::test_trail").assert_outcomes(failed=1)
    monkeypatch.setenv("COLOUR", "0,114,184")  # within 8/255
    run(images, "test_images.py::test_trail").assert_outcomes(passed=1)


def test_every_mismatch_is_listed_in_the_summary(images, monkeypatch):
    images.makepyfile(test_more=textwrap.dedent("""
        import numpy as np
        import os
        def test_square(golden):
            a = np.zeros((30, 30, 3), np.uint8)
            a[5:10, 5:10] = int(os.environ.get("SQUARE", "255"))
            golden(a, "shapes/square")
    """))
    approve(images, "test_images.py::test_trail", "test_more.py::test_square")
    assert (images.path / "golden" / "shapes" / "square.png").is_file()
    monkeypatch.setenv("SHIFT", "2")
    monkeypatch.setenv("SQUARE", "10")
    r = run(images, "test_images.py::test_trail", "test_more.py::test_square")
    r.assert_outcomes(failed=2)
    summary = r.stdout.str().split("golden image mismatches")[1]
    assert "test_images.py::test_trail: trail:" in summary
    assert "test_more.py::test_square: shapes/square: 25 of 900 pixels differ" in summary
    assert summary.count("side by side:") == 2 and "shapes-square-mismatch.png" in summary


def test_a_loosened_tolerance_or_a_mask_passes_the_same_change(images, monkeypatch):
    approve(images, "test_images.py::test_trail")
    monkeypatch.setenv("COLOUR", "0,114,200")  # 3 + 1 rows of 60 and 70 pixels: 250 differ
    r = run(images, "-v")
    r.stdout.fnmatch_lines(["*test_trail FAILED*", "*test_trail_loose FAILED*", "*test_trail_dataclass FAILED*",
                            "*test_trail_masked PASSED*"])
    monkeypatch.setenv("COLOUR", "0,114,178")
    monkeypatch.setenv("SHIFT", "1")  # a 3-px bar shifted by one: 3 pixels at each end
    r = run(images, "-v")
    r.stdout.fnmatch_lines(["*test_trail FAILED*", "*test_trail_loose PASSED*", "*test_trail_dataclass PASSED*",
                            "*test_trail_masked PASSED*"])


def test_a_bad_tolerance_errors_with_the_field_name(pytester):
    pytester.makepyfile(test_bad=textwrap.dedent("""
        import numpy as np
        def test_bad(golden):
            golden(np.zeros((4, 4, 3), np.uint8), "x", tolerance=dict(max_pixel=3))
        def test_bad_name(golden):
            golden(np.zeros((4, 4, 3), np.uint8), "../x")
    """))
    r = run(pytester)
    r.assert_outcomes(failed=2)
    r.stdout.fnmatch_lines(["*unknown tolerance key(s) 'max_pixel'; allowed: max_mean, max_pixels, threshold*",
                            "*golden name must be*'../x'*"])


# ----------------------------------------------------------------------------- widgets

def test_a_widget_is_compared_directly(pytester, monkeypatch):
    pytester.makepyfile(test_widgets=textwrap.dedent("""
        import os
        import pyqtgraph as pg
        from PySide6.QtWidgets import QLabel

        def test_label(qtbot, golden):
            label = QLabel(os.environ.get("TEXT", "step 200"))
            label.setStyleSheet("background: white; color: black; font-size: 14px;")
            label.resize(120, 30)
            qtbot.addWidget(label)
            label.show()
            qtbot.waitExposed(label)
            golden(label, "label")

        def test_plot(qtbot, golden):
            w = pg.PlotWidget(background="w")
            qtbot.addWidget(w)
            w.resize(200, 150)
            w.plot([0, 1, 2, 3], [0, 1, 4, int(os.environ.get("LAST", "9"))], pen=pg.mkPen("b", width=2))
            w.setXRange(0, 3, padding=0)
            w.setYRange(0, 9, padding=0)
            w.show()
            qtbot.waitExposed(w)
            golden(w, "plot")
    """))
    r = run(pytester, "--golden-update")
    r.assert_outcomes(passed=2)
    assert g.read_png(pytester.path / "golden" / "label.png").shape == (30, 120, 4)
    assert g.read_png(pytester.path / "golden" / "plot.png").shape == (150, 200, 4)
    run(pytester).assert_outcomes(passed=2)
    monkeypatch.setenv("TEXT", "step 201")
    monkeypatch.setenv("LAST", "8")
    r = run(pytester, "-v")
    r.assert_outcomes(failed=2)


# ----------------------------------------------------------------------------- set-up

def test_the_plugin_sets_the_offscreen_platform_as_a_default(pytester, monkeypatch):
    pytester.makepyfile(test_env=textwrap.dedent("""
        import os
        def test_platform():
            assert os.environ["QT_QPA_PLATFORM"] == os.environ["EXPECTED_PLATFORM"]
    """))
    monkeypatch.delenv("QT_QPA_PLATFORM")
    monkeypatch.setenv("EXPECTED_PLATFORM", "offscreen")
    run(pytester).assert_outcomes(passed=1)
    monkeypatch.setenv("QT_QPA_PLATFORM", "minimal")  # the author's choice stays
    monkeypatch.setenv("EXPECTED_PLATFORM", "minimal")
    run(pytester).assert_outcomes(passed=1)


def test_without_a_display_or_a_conftest_a_qt_test_runs_offscreen(pytester, monkeypatch):
    """The course author's case: no conftest, no DISPLAY; without a default the QApplication aborts."""
    pytester.makepyfile(test_app=textwrap.dedent("""
        from PySide6.QtGui import QGuiApplication
        def test_app(qtbot):
            assert QGuiApplication.platformName() == "offscreen"
    """))
    for name in ("QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY"):
        monkeypatch.delenv(name, raising=False)
    r = pytester.runpytest_subprocess(*PLUGINS, timeout=120)
    r.assert_outcomes(passed=1)
    assert r.ret == 0


def test_importing_the_plugin_imports_nothing_of_the_app():
    code = ("import sys, playground.pytest_plugin; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('PySide6', 'pyqtgraph', 'numpy', 'torch', 'PIL', 'core', 'widgets') "
            "or m.startswith('playground.') and m != 'playground.pytest_plugin'))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert out.stdout.strip() == "[]", out.stdout


def test_golden_update_is_in_the_help(pytester):
    r = run(pytester, "--help")
    r.stdout.fnmatch_lines(["*--golden-update*", "*golden_dir*"])


@pytest.mark.skipif(not any(e.name == "optimizer_playground"
                            for e in importlib.metadata.entry_points(group="pytest11")),
                    reason="the optimizer_playground pytest11 entry point is not installed yet")
def test_the_entry_point_loads_the_plugin_with_no_option(pytester, monkeypatch):
    monkeypatch.delenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD")
    pytester.makepyfile(test_plain="def test_has_fixture(golden):\n    assert callable(golden)\n")
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)


# ----------------------------------------------------------------------------- the playground fixture

HAS_SCRIPTING = importlib.util.find_spec("playground.scripting") is not None

PLAYGROUND_TEST = textwrap.dedent("""
    def test_runs(playground):
        playground.open("saddle-escape")
        playground.run(steps=5)
        rows = playground.results().rows
        assert rows and rows[-1]["step"] == 5
""")


@pytest.mark.skipif(HAS_SCRIPTING, reason="playground.scripting exists: test_the_playground_fixture_runs_a_scene")
def test_the_playground_fixture_skips_with_a_reason_while_the_api_is_missing(pytester):
    pytester.makepyfile(test_pg=PLAYGROUND_TEST)
    r = run(pytester, "-rs")
    r.assert_outcomes(skipped=1)
    r.stdout.fnmatch_lines(["*the playground fixture needs playground.scripting.Playground*"])


@pytest.mark.skipif(not HAS_SCRIPTING, reason="playground.scripting does not exist yet")
def test_the_playground_fixture_runs_a_scene_and_leaves_nothing_behind(pytester):
    pytester.makepyfile(test_pg=PLAYGROUND_TEST)
    run(pytester).assert_outcomes(passed=1)


# A stand-in for playground.scripting (which other work adds), to test the fixture's own wiring: the
# arguments from the marker, closing at teardown, and failing a test that leaves a thread behind.
STAND_IN_CONFTEST = textwrap.dedent("""
    import sys
    import threading
    import time
    import types

    class Playground:
        made = []

        def __init__(self, **kwargs):
            self.kwargs, self.closed = kwargs, False
            Playground.made.append(self)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.closed = True

        def forget_a_thread(self):
            threading.Thread(target=time.sleep, args=(4,), name="forgotten", daemon=True).start()

    module = types.ModuleType("playground.scripting")
    module.Playground = Playground
    sys.modules["playground.scripting"] = module
""")


def test_the_playground_fixture_passes_marker_arguments_closes_and_fails_on_a_leftover_thread(pytester):
    pytester.makeconftest(STAND_IN_CONFTEST)
    pytester.makepyfile(test_pg=textwrap.dedent("""
        import pytest
        from playground.scripting import Playground

        @pytest.mark.playground(size=(640, 360), theme="dark")
        def test_a_marked(playground):
            assert playground.kwargs == {"size": (640, 360), "theme": "dark"}
            assert not playground.closed

        def test_b_closed_afterwards(playground):
            assert Playground.made[0].closed and playground.kwargs == {}

        def test_c_leaves_a_thread(playground):
            playground.forget_a_thread()
    """))
    r = run(pytester, "-v")
    r.stdout.fnmatch_lines(["*test_a_marked PASSED*", "*test_b_closed_afterwards PASSED*",
                            "*test_c_leaves_a_thread ERROR*",
                            "*the playground left behind: thread 'forgotten'*"])


def test_the_playground_fixture_without_pytest_qt_says_what_to_install(pytester):
    pytester.makeconftest(STAND_IN_CONFTEST)
    pytester.makepyfile(test_pg="def test_it(playground):\n    pass\n")
    r = pytester.runpytest("-p", "playground.pytest_plugin", "-p", "no:cacheprovider",
                           "-W", "ignore::pytest.PytestAssertRewriteWarning")
    r.assert_outcomes(errors=1)
    r.stdout.fnmatch_lines(["*the playground fixture needs pytest-qt: pip install pytest-qt*"])
