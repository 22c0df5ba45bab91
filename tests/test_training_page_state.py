"""The training page shows the current state and nothing older: errors, verdicts and views of the past go."""
from __future__ import annotations

import numpy as np
import pytest

from playground import scenes
from playground.pages.training.model import RunStatus
from widgets.theme import LIGHT


@pytest.fixture
def page(qtbot):
    from playground.pages.training.page import TrainingPage

    p = TrainingPage(theme=LIGHT)
    qtbot.addWidget(p)
    p.resize(1280, 720)
    p.show()  # hidden views are not drawn
    qtbot.waitExposed(p)
    scene = {"version": 1, "page": "training", "title": "t", "lesson": "l", "epochs": 4,
             "data": {"dataset": "moons", "n": 200, "noise": 0.1},
             "model": {"layers": [8, 8], "activation": "tanh", "init": "xavier-normal"},
             "optimizer": {"name": "adam", "lr": 0.01, "batch_size": 32}}
    p.load_scene(scene)
    yield p
    p.shutdown()


def _is_error(page) -> bool:
    return "#D55E00" in page.status.styleSheet()


def _cells(page) -> int:
    return len(page.diagram.layout_rects()["cells"])


def test_good_csv_after_a_bad_one_replaces_the_error(page, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("x1,x2,label\n0.1,oops,1\n")
    page.controls.sigLoadCsv.emit(str(bad))  # what the CSV button sends
    assert "line 2" in page.status.text() and _is_error(page)
    rng = np.random.default_rng(1)
    good = tmp_path / "good.csv"
    good.write_text("\n".join(f"{a},{b},{int(a > 0)}" for a, b in rng.standard_normal((200, 2))))
    page.controls.sigLoadCsv.emit(str(good))
    assert len(page.model.points) == 200 and page.model.dataset == "user"
    text = page.status.text()
    assert "Could not load" not in text and "line 2" not in text and not _is_error(page)
    assert "200" in text


@pytest.mark.parametrize("field,bad,good", [("layers", "16,x", "4"), ("split", "60/abc", "70/15/15")])
def test_valid_value_after_a_bad_one_replaces_the_error(page, field, bad, good):
    edit = getattr(page.controls, field)
    edit.setText(bad)
    edit.editingFinished.emit()
    assert "Not applied" in page.status.text() and edit.error()
    edit.setText(good)
    edit.editingFinished.emit()
    assert "Not applied" not in page.status.text() and not _is_error(page)
    assert not edit.error()


def test_hidden_layers_redraw_the_diagram_at_once(page):
    before = _cells(page)  # 2 inputs + 8 + 8 + 1 output
    page.controls.layers.setText("3")
    page.controls.layers.editingFinished.emit()
    assert page.model.layers == (3,)
    assert _cells(page) == before - 16 + 3, "the diagram must show the new architecture before Play"


def test_second_drawn_point_replaces_the_two_points_error(page):
    page.add_point(-1.0, 0.0, 0)
    assert _is_error(page) and "two points" in page.status.text()
    page.add_point(1.0, 0.0, 1)
    assert not _is_error(page) and "two points" not in page.status.text()
    assert "2 points" in page.status.text()


def test_dataset_change_after_a_run_drops_the_old_verdict(page):
    page.train_synchronously(epochs=4)
    assert page.model.status is RunStatus.FINISHED and len(page.curves.history) > 0
    verdict = page.status.text()
    assert verdict.startswith("Done")
    page.controls.dataset.setCurrentIndex(page.controls.dataset.findData("circles"))
    assert page.model.dataset == "circles"
    assert page.model.status is RunStatus.IDLE  # the finished run was for other settings
    assert page.status.text() != verdict and "Done" not in page.status.text()
    assert len(page.curves.history) == 0
    assert page.histograms.ridge_count("act") == 0


def test_opening_a_scene_drops_the_previous_runs_views(page):
    page.train_synchronously(epochs=4)
    assert page.histograms.ridge_count("act") > 0 and page.decision.image.image is not None
    page.load_scene(scenes.load_scene("train-dropout"))
    assert page.histograms.ridge_count("act") == 0 and page.histograms.ridge_count("grad") == 0
    assert len(page.curves.history) == 0
    assert page.model.snapshot is None
    assert page.decision.image.image is None


def test_bad_combination_shows_the_kept_value_again(page):
    page.controls.dataset.setCurrentIndex(page.controls.dataset.findData("user"))  # no points: refused
    assert "Not applied" in page.status.text()
    assert page.model.dataset == "moons"
    assert page.controls.dataset.currentData() == "moons"  # the field shows what is used


def test_optimizer_range_checked_before_play(page):
    """A value the trainer would refuse at Play is refused where it is set, with the range."""
    page.controls.sigChanged.emit("lr", 1e6)  # e.g. an lr beyond what the optimizer takes
    assert page.model.lr == 0.01
    assert "Not applied" in page.status.text() and "1000" in page.status.text()
    assert page.controls.lr.value() == 0.01


def test_lr_range_result_stays_while_the_lr_is_picked(page):
    """The U of the range test is what one picks the lr from: setting the lr must not hide it."""
    import numpy as np

    page.curves.show_lr_range(np.geomspace(1e-4, 1, 20), np.linspace(1, 0.5, 20), 0.01)
    assert page.curves.range_plot.isVisible()
    page.controls.lr.edit.setText("0.02")
    page.controls.lr.edit.editingFinished.emit()
    assert page.model.lr == 0.02
    assert page.curves.range_plot.isVisible()
    page.load_scene(scenes.load_scene("train-dropout"))  # another set-up: its own range test
    assert not page.curves.range_plot.isVisible()
