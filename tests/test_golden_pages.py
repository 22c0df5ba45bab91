"""The project's own screenshot tests: every page and a selection of bundled scenes against golden PNGs.

They use the ``golden`` and ``playground`` fixtures a course author uses (playground/pytest_plugin.py),
at the default tolerance: no pixel may differ by more than 8/255. Re-approve after a deliberate change
of the pictures, looking at each one first::

    pytest tests/test_golden_pages.py --golden-update

Why the default tolerance holds: a ``Playground`` runs everything on the calling thread, so nothing in
the pictures depends on timing (the optimizer page's frame-time line is empty unless developer timings
are on, and a page here has no window status bar); the surfaces are float64 numpy; a training run is a
fixed number of epochs with the scene's seed. Torch's float32 kernels may round differently on another
CPU family (AVX-512 against AVX2), which would move a curve by a fraction of a pixel: CI runs on
machines of the kind the golden files were made on, so the default stays, and a mismatch there is news.
The text is DejaVu Sans: the pictures were checked identical with only fonts-dejavu-core (what .ci/run
installs) and with fonts-dejavu-extra too (its oblique and condensed faces are not used).
"""
from __future__ import annotations

import pytest

from playground.warmup import warm_up

# Torch's lazy imports (torch._dynamo, sympy) at collection: a pytester test in the same run
# (tests/test_pytest_plugin.py) drops every module its inner runs imported first, and this file's first
# optimizer step then imported them again and failed ("Only a single TORCH_LIBRARY ...").
warm_up()

WIDTH, HEIGHT = 1280, 720


def _themed(theme: str, *values):
    return pytest.param(*values, marks=pytest.mark.playground(size=(WIDTH, HEIGHT), theme=theme),
                        id="-".join([*map(str, values[:1]), theme]))


@pytest.mark.parametrize("kind", [_themed(t, k) for k in ("optimizer", "training") for t in ("light", "dark")])
def test_every_page_in_both_themes(playground, golden, kind, request):
    """Each page as the app opens it, run: the optimizer page's default race, ten epochs of training."""
    theme = request.node.get_closest_marker("playground").kwargs["theme"]
    playground.show_page(kind)
    assert playground.theme.name == theme
    if kind == "optimizer":
        res = playground.run()
        assert res.rows and all(row["step"] <= playground.model.steps for row in res.rows)
    else:
        res = playground.run(epochs=10)
        assert len(res.rows) == 11 and res.final["final"] is True
    image = playground.grab()
    assert (image.width(), image.height()) == (WIDTH, HEIGHT)
    golden(image, f"page-{kind}-{theme}")


@pytest.mark.parametrize("theme", [pytest.param(t, marks=pytest.mark.playground(size=(WIDTH, HEIGHT), theme=t), id=t)
                                   for t in ("light", "dark")])
def test_search_page_in_both_themes(playground, golden, theme):
    """The search page after its Bayesian lesson's ten trials: the sampler is seeded and each trial's
    training too, so the trials, the plots and the final test are the same run to run."""
    playground.show_page("search")
    playground.open("search-bayes-lr")
    res = playground.run()
    assert len(res.rows) == 10 and all(row["state"] == "complete" for row in res.rows)
    assert res.final and playground.theme.name == theme
    golden(playground.grab(), f"page-search-{theme}")


# (scene, run arguments, side tab or None): a saddle, a valley race, a divergence, Newton's method with the
# curvature readout, and two training lessons. Training runs are shortened: the picture of 40 epochs
# shows the lesson as well as 200 and costs a fifth. The batch-norm net sits on the ln 2 plateau for its
# first epochs and the float32 rounding of the CPU's kernels (and the thread count) decides how it leaves
# it, so its picture is taken on the plateau, where every machine draws nearly the same one (docs/traps.md):
# a histogram bar may still move by a bin where a value sits on a bin's edge (3 to 34 pixels, measured
# with MKL's AVX2 kernels and ATen's unvectorized ones), so that picture allows 150.
SCENES = [
    ("saddle-escape", dict(steps=200), None),
    ("ill-conditioned-valley", {}, None),
    ("lr-too-large", {}, None),
    ("newton-vs-gd", dict(steps=60), "Curvature"),
    ("train-dropout", dict(epochs=40), None),
    ("train-batchnorm", dict(epochs=4), None),
]
TOLERANCE = {"train-batchnorm": {"max_pixels": 150}}


@pytest.mark.parametrize("scene, run, side_tab", SCENES, ids=[s[0] for s in SCENES])
def test_bundled_scenes(playground, golden, scene, run, side_tab):
    playground.open(scene)
    if side_tab is not None:
        playground.model.side_tab = side_tab
    res = playground.run(**run)
    if res.page == "optimizer":
        assert {row["racer"] for row in res.rows} == set(range(len(playground.model.racers)))
    else:
        assert len(res.rows) == run["epochs"] + 1
    golden(playground.grab(), f"scene-{scene}", tolerance=TOLERANCE.get(scene))


@pytest.fixture
def remembered_speed():
    """The desktop app remembers a training speed, as after a user chose "10 epochs/s" last time."""
    from playground.pages.training.run_bar_binding import SPEED_KEY
    from playground.settings import settings

    settings().setValue(SPEED_KEY, 10.0)
    yield
    settings().remove(SPEED_KEY)


@pytest.mark.playground(size=(WIDTH, HEIGHT), theme="light")
def test_remembered_settings_do_not_reach_a_picture(remembered_speed, playground, golden):
    """The playground fixture starts from first-run settings: the run bar says "speed: max", as in the
    golden file, whatever the desktop app remembered."""
    playground.show_page("training")
    assert playground.model.speed in (None, 0.0)
    playground.run(epochs=10)
    golden(playground.grab(), "page-training-light")
