"""The search page's Race tab: a tiny race run from its button draws five curves, Cancel stops a long one
in place, and nothing is left running; the race plot's curves are the mean regrets in log10."""
from __future__ import annotations

import math

import numpy as np
import pytest
from PySide6.QtCore import Qt

from playground.leak_watch import LeakWatch
from playground.pages.search.page import SearchPage
from playground.pages.search.race_model import RaceStatus, caption_text
from playground.search.methods import METHODS
from widgets.search.race_plot import RacePlot, step_xy, summary
from widgets.theme import DARK, LIGHT
from qt_wait import wait
from search_kit import search_scene, shown_page, tiny_base

BASE = tiny_base(epochs=2, n=60, layers=(3,), batch_size=20)


def scene(**kw):
    return search_scene(**{"base": BASE, "study": "race", **kw})


def test_race_plot_draws_mean_regret_in_log10_with_a_band(qtbot):
    plot = RacePlot(DARK)
    qtbot.addWidget(plot)
    grid = np.array([[0.5, 0.1, 0.1], [0.5, 0.1, 0.1]])
    rand = np.array([[np.inf, 0.2, 0.01], [0.4, 0.02, 0.0]])  # a seed with no value at trial 1; a zero regret
    plot.show_race({"grid": grid, "random": rand, "tpe": rand.copy()}, floor=1e-4, caption="to the dense grid")
    assert set(plot.curves) == {"grid", "random", "tpe"}
    # tpe's band equals random's: drawn once.
    assert set(plot.bands) == {"grid", "random"}
    x, y = plot.curves["random"].getData()
    # random starts at trial 2 (trial 1 is not finite for every seed); the zero regret counts as the floor.
    np.testing.assert_allclose(x[:2], [2, 3])
    np.testing.assert_allclose(y[[0, -1]], np.log10([0.11, (0.01 + 1e-4) / 2]))
    assert plot.final_regret("grid") == pytest.approx(0.1)
    assert "grid" in plot.key.text() and "random" in plot.key.text() and "2 seeds" in plot.key.text()
    assert plot.caption.text() == "to the dense grid"
    assert plot.plot.getAxis("left").logMode
    plot.set_theme(LIGHT)  # a theme change redraws the same curves
    assert set(plot.curves) == {"grid", "random", "tpe"}
    first, mean, low, high = summary(rand, 1e-4)
    assert first == 1 and (low <= mean).all() and (mean <= high).all()
    sx, sy = step_xy(np.array([3.0, 2.0]))
    assert list(sx) == [1, 2, 2, 2] and list(sy) == [3, 3, 2, 2]
    plot.clear_race()
    assert not plot.curves and plot.key.text() == ""


@pytest.fixture
def page(qtbot):
    with shown_page(qtbot, "") as p:
        yield p


def test_a_race_from_the_tab_draws_five_curves_cancel_stops_one_and_nothing_is_left(qtbot):
    with LeakWatch(grace=5) as watch:
        page = SearchPage()
        qtbot.addWidget(page)
        page.resize(1280, 720)
        page.show()
        page.load_scene(scene())
        race = page.race
        page.tabs_right.setCurrentWidget(race)
        race.model.points = 5
        race.seeds.setValue(2)
        assert race.run_button.toolTip().count(".") == 1
        qtbot.mouseClick(race.run_button, Qt.LeftButton)
        assert race.model.running and not race.run_button.isEnabled() and race.cancel_button.isEnabled()
        wait(qtbot, lambda: not race.model.running)
        m = race.model
        assert m.status is RaceStatus.DONE, m.message
        assert set(race.plot.curves) == set(METHODS) and len(race.plot.curves) == 5
        r = m.result
        assert r.seeds == (0, 1) and r.trials == 4 and r.dense_points == (5,)
        assert race.bar.value() == 1000 and "Race done" in m.message
        assert "random" in race.plot.caption.text() and race.plot.caption.text() == caption_text(r)
        for name in METHODS:
            assert math.isfinite(race.plot.final_regret(name))
        # A long race, cancelled: stopped in place, the finished race still drawn, the page usable.
        page.model.trials = 400
        page.model.base = {**BASE, "epochs": 30}
        race.model.points = 40
        assert race.run()
        wait(qtbot, lambda: race.model.progress > 0 or not race.model.running)
        qtbot.mouseClick(race.cancel_button, Qt.LeftButton)
        assert race.model.status is RaceStatus.CANCELLING
        wait(qtbot, lambda: not race.model.running)
        assert race.model.status is RaceStatus.CANCELLED, race.model.message
        assert race.model.result is r and len(race.plot.curves) == 5 and not race.model.error
        assert race.run_button.isEnabled()
        # A new scene forgets the race drawn for the old one.
        page.load_scene(scene(trials=3))
        assert race.model.result is None and not race.plot.curves
        page.shutdown()
        page.close()
        page.deleteLater()
        assert not watch.leaks()


def test_a_race_that_cannot_run_says_so_in_place(page, qtbot):
    page.load_scene(scene(space={"lr": {"low": 1e-3, "high": 1.0, "log": True},
                                 "activation": {"choices": ["relu", "tanh"]}}))
    race = page.race
    # A knob of choices has no dense grid: refused in place, before any process starts.
    assert not race.run() and page.link.host is None
    assert race.model.error and "activation" in race.message.text() and "Traceback" not in race.message.text()
    assert race.model.status is RaceStatus.IDLE and race.run_button.isEnabled()
    # A whole grid (trials 0) is no budget for the other methods.
    page.load_scene(scene(method="grid", trials=0, space={"lr": {"low": 1e-3, "high": 1.0, "log": True, "points": 4}}))
    assert not race.run() and "number of trials" in race.message.text() and page.link.host is None


def test_closing_the_page_mid_race_ends_the_child(page, qtbot):
    import os

    page.load_scene(scene(trials=400, base={**BASE, "epochs": 30}))
    race = page.race
    race.model.points = 40
    assert race.run()
    wait(qtbot, lambda: race.model.progress > 0 or not race.model.running)
    pid = page.worker_pid()
    assert pid is not None and race.model.running
    page.shutdown()
    assert page.worker_pid() is None and race.model.status is RaceStatus.CANCELLED
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)  # the child is gone (the host joined it)
