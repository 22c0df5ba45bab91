"""The golden fixture on a real page, rendered in-process: approve, re-render identical, change, fail.

The render goes through the page registry as ``optimizer-playground render`` does, inside the test
process: a CLI start per image would cost seconds each.
"""
from __future__ import annotations

import re
import textwrap

import numpy as np
import pytest

import playground.golden as g
from playground import scenes
from playground.pages import page_kind

# Imported before pytester snapshots sys.modules: pytester drops every module an inner run imported first,
# and torch imported a second time in one process fails ("Only a single TORCH_LIBRARY ...").
page_kind("optimizer").render_function()
from playground.warmup import warm_up  # noqa: E402

warm_up()  # torch's lazy imports on the first optimizer step
import pytestqt.plugin  # noqa: E402,F401

pytest_plugins = ["pytester"]

PLUGINS = ("-p", "pytestqt.plugin", "-p", "playground.pytest_plugin", "-p", "no:cacheprovider",
           "-W", "ignore::pytest.PytestAssertRewriteWarning")

PAGE_TEST = textwrap.dedent("""
    import os
    from playground import scenes
    from playground.pages import page_kind

    def test_saddle(qapp, golden):
        scene = scenes.load_scene("saddle-escape")
        render = page_kind(scene["page"]).render_function()
        image = render(scene, (640, 360), "light", steps=int(os.environ.get("STEPS", "60")))
        golden(image, "saddle-escape-60")
""")


@pytest.fixture(autouse=True)
def _inner_environment(monkeypatch):
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    monkeypatch.delenv("PLAYGROUND_GOLDEN_UPDATE", raising=False)
    monkeypatch.delenv("STEPS", raising=False)


def test_a_page_re_rendered_matches_and_one_more_step_fails(pytester, monkeypatch):
    assert scenes.load_scene("saddle-escape")["page"] == "optimizer"
    pytester.makepyfile(test_page=PAGE_TEST)
    pytester.runpytest(*PLUGINS, "--golden-update").assert_outcomes(passed=1)
    assert g.read_png(pytester.path / "golden" / "saddle-escape-60.png").shape == (360, 640, 4)
    pytester.runpytest(*PLUGINS).assert_outcomes(passed=1)  # default tolerance: 0 pixels over 8/255
    monkeypatch.setenv("STEPS", "61")
    r = pytester.runpytest(*PLUGINS)
    r.assert_outcomes(failed=1)
    picture = re.search(r"Side by side \(result \| golden \| difference\): (\S+)", r.stdout.str()).group(1)
    pic = g.read_png(picture)
    assert np.all(pic[..., :3] == g.DIFF_COLOUR, axis=2).sum() > 50  # the moved markers and cursor
