"""The training views with synthetic data, and a rendered screenshot of every bundled training scene."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtGui import QImage

from playground import scenes
from widgets.theme import DARK, LIGHT

TRAIN_SCENES = [n for n in scenes.list_scenes() if n.startswith("train-")]
W, H = 800, 450


def _array(img: QImage) -> np.ndarray:
    img = img.convertToFormat(QImage.Format_RGB888)
    ptr = img.constBits()
    return np.frombuffer(ptr, np.uint8, img.bytesPerLine() * img.height()).reshape(img.height(), img.bytesPerLine())[
        :, : 3 * img.width()].reshape(img.height(), img.width(), 3).copy()


def test_decision_view_row_major_and_edges(qtbot):
    from widgets.decision_view import DecisionView

    v = DecisionView(LIGHT)
    qtbot.addWidget(v)
    g = np.zeros((10, 20))
    g[:, 10:] = 1.0  # right half is class 1
    g[0, 0] = np.inf  # a non-finite cell must not blank the image
    v.set_data({"train": (np.zeros((1, 2)), np.zeros(1))}, "classification", 2, (0, 2, 0, 1))
    v.set_grid(g, (0, 2, 0, 1))
    img = v.image.image
    assert img.shape == (10, 20, 3)  # row-major: rows are x2
    r = v.image.mapRectToParent(v.image.boundingRect())
    assert (r.left(), r.right(), r.top(), r.bottom()) == pytest.approx((0, 2, 0, 1))


def test_network_diagram_summarizes_large_networks(qtbot):
    from widgets.network_diagram import NetworkDiagram

    d = NetworkDiagram(DARK)
    qtbot.addWidget(d)
    d.set_architecture([2, 16, 16, 1])
    assert not d.summarized
    d.set_architecture([2] + [64] * 10 + [1])
    assert d.summarized
    d.set_state([np.ones((64, 2))] + [np.ones((64, 64))] * 9 + [np.ones((1, 64))])
    assert len(d._w_images) == 11 and not d._images  # no thousands of neuron heatmaps
    d.resize(400, 300)
    assert not d.grab().isNull()


def test_curves_ghost_and_modes(qtbot):
    from widgets.training_curves import TrainingCurves

    c = TrainingCurves(LIGHT)
    qtbot.addWidget(c)
    for e in range(5):
        c.history.append("epoch", epoch=e, step=10 * e, examples=320 * e, train_loss=1 / (e + 1), val_loss=1.2 / (e + 1))
        c.history.append("step", epoch=e, step=10 * e, examples=320 * e, train_loss=1.1 / (e + 1), lr=0.01)
    c.keep_as_ghost()
    c.reset()
    c.history.append("epoch", epoch=0, step=0, examples=0, train_loss=float("nan"), val_loss=1.0)
    c.set_log_y(True)
    c.set_x_mode("examples")
    x, _ = c.curve("g_train_loss").getData()
    assert list(x) == [0, 320, 640, 960, 1280]
    assert c.curve("g_train_loss").opts["pen"].style() != c.curve("train_loss").opts["pen"].style()
    with pytest.raises(ValueError):
        c.set_x_mode("minutes")


@pytest.mark.parametrize("name", TRAIN_SCENES)
def test_render_bundled_scene(name, qtbot):
    from playground.pages.training import TrainingPage, render_scene

    scene = scenes.load_scene(name)
    page = TrainingPage(theme=LIGHT)
    qtbot.addWidget(page)
    try:
        page.resize(W, H)
        page.load_scene(scene)
        page.show()
        page.train_synchronously(epochs=3)
        img = page.render_image(W, H)
        assert (img.width(), img.height(), img.devicePixelRatio()) == (W, H, 1.0)
        a = _array(img).astype(float)
        assert a.std() > 10  # not blank
        geo = page.decision.geometry()
        top_left = page.decision.mapTo(page, geo.topLeft() - geo.topLeft())
        x0, y0 = top_left.x() + geo.width() // 4, top_left.y() + geo.height() // 4
        region = a[y0: y0 + geo.height() // 2, x0: x0 + geo.width() // 2]
        assert region.size and region.std() > 5  # the heatmap and points are drawn in colour
        assert page.model.snapshot is not None
    finally:
        page.shutdown()
        page.close()
        page.deleteLater()
        qtbot.wait(10)  # let Qt delete the page now, not during a later test's garbage collection
    if name == TRAIN_SCENES[0]:  # the public entry point once: exact size, dpr 1
        img = render_scene(scene, (W, H), "dark", epochs=1)
        assert (img.width(), img.height(), img.devicePixelRatio()) == (W, H, 1.0)


def test_curve_ranges_move_only_when_needed(qtbot):
    from widgets.training_curves import TrainingCurves, grow_range, nice_ceil

    assert [nice_ceil(v) for v in (0.9, 1.0, 1.01, 2.2, 6.0, 7.5, 130.0)] == [1.0, 1.0, 1.5, 3.0, 7.0, 10.0, 150.0]
    assert grow_range((0.0, 1.0), 0.2, 0.9) is None  # inside and filling enough: keep
    assert grow_range((0.0, 1.0), 0.2, 1.2) is not None  # left the range
    assert grow_range((0.0, 10.0), 0.2, 0.9) is not None  # fills too little of it
    c = TrainingCurves(LIGHT)
    qtbot.addWidget(c)
    for e in range(3):
        c.history.append("epoch", epoch=e, step=10 * e, examples=320 * e, train_loss=1 / (e + 1), val_loss=1.0)
    c.refresh()
    x0 = c.loss_plot.vb.viewRange()[0]
    assert x0[1] == 3.0 and x0[0] < 0  # a nice step above the data, the 0 tick inside
    c.history.append("epoch", epoch=2.5, step=25, examples=800, train_loss=0.3, val_loss=1.0)
    c.refresh()
    assert c.loss_plot.vb.viewRange()[0] == x0  # still inside: the axes are not re-ticked
    c.refresh(tight=True)
    assert c.loss_plot.vb.viewRange()[0][1] < 2.7  # a finished run is fitted


def test_diagram_links_grouped_and_masked(qtbot):
    from widgets.network_diagram import NetworkDiagram

    d = NetworkDiagram(LIGHT)
    qtbot.addWidget(d)
    d.resize(300, 260)
    d.set_architecture([2, 4, 1], ["x1", "x2"])
    rng = np.random.default_rng(0)
    grids = [rng.standard_normal((4, 20, 20)), rng.standard_normal((1, 20, 20))]
    d.set_state([rng.standard_normal((4, 2)), rng.standard_normal((1, 4))], grids,
                [np.array([True, False, True, True])])
    img = d.grab().toImage()
    assert not img.isNull() and img.width() == 300


def test_page_draws_one_view_per_frame_while_training(qtbot):
    from playground.pages.training.model import RunStatus
    from playground.pages.training.page import TrainingPage

    page = TrainingPage(theme=LIGHT)
    qtbot.addWidget(page)
    try:
        page.resize(W, H)
        page.load_scene(scenes.load_scene(TRAIN_SCENES[0]))
        page.train_synchronously(epochs=1)
        assert page.model.snapshot is not None
        page.model.status = RunStatus.RUNNING  # as if the trainer ran: nothing else changes
        page.scheduler.forget_timing()
        page.scheduler.mark("decision", "curves", "diagram", "histograms")
        drawn = [page.draw_frame() for _ in range(4)]
        assert all(len(d) == 1 for d in drawn)  # one per frame
        assert sorted(v for d in drawn for v in d) == ["curves", "decision", "diagram", "histograms"]  # one each
        page.scheduler.mark("diagram")
        assert page.draw_frame() == set() and page.scheduler.pending == {"diagram"}  # drawn a moment ago: not due
        page.model.status = RunStatus.PAUSED
        page.scheduler.mark("decision", "curves")
        assert page.draw_frame() == {"decision", "curves", "diagram"}  # paused: everything at once
        assert not page.scheduler.pending
    finally:
        page.shutdown()


def test_view_scheduler_picks_the_due_view_that_waited_longest():
    from playground.pages.training.view_scheduler import ViewScheduler

    s = ViewScheduler({"decision": 0.1, "curves": 0.5})
    s.drawn_at.update({"decision": 9.0, "curves": 8.8})
    s.mark("decision", "curves")
    assert s.take(True, now=9.05) == set()  # neither due
    assert s.take(True, now=9.2) == {"decision"}  # only decision is due
    assert s.take(True, now=9.21) == set() and s.pending == {"curves"}
    s.mark("decision")
    assert s.take(True, now=9.6) == {"curves"}  # both due: curves waited longer
    s.mark("curves")
    assert s.take(False, now=9.61) == {"decision", "curves"}  # not one at a time: all pending
    s.mark("curves")
    s.discard("curves")
    assert s.take(False) == set()


@pytest.mark.parametrize("theme", [LIGHT, DARK])
def test_curves_left_axes_aligned_and_titles_clear_of_ticks(qtbot, theme):
    from widgets.training_curves import TrainingCurves

    c = TrainingCurves(theme)
    qtbot.addWidget(c)
    c.resize(500, 300)
    c.show()
    for e in range(3):
        c.history.append("epoch", epoch=e, step=10 * e, examples=320 * e, train_loss=0.695, val_loss=0.694,
                         train_acc=0.5, val_acc=0.52)
        c.history.append("step", epoch=e, step=10 * e, examples=320 * e, train_loss=0.7, lr=0.005)
    c.refresh()
    qtbot.wait(10)
    plots = (c.loss_plot, c.acc_plot, c.lr_plot)
    lefts = {round(p.vb.sceneBoundingRect().left()) for p in plots}
    assert len(lefts) == 1  # the three plots' left edges line up
    for p in plots:
        title_right, ticks_left = c.left_axis_parts(p)
        assert title_right <= ticks_left  # "lr" does not touch "0.005"


@pytest.mark.parametrize("size,rows", [((260, 240), 4), ((260, 240), 6), ((260, 240), 12), ((400, 330), 5)])
def test_histogram_labels_stay_in_their_own_rows(qtbot, size, rows):
    from PySide6.QtCore import QRectF

    from widgets.layer_histograms import LayerHistograms

    h = LayerHistograms(LIGHT)
    qtbot.addWidget(h)
    h.resize(*size)
    h.show()
    qtbot.wait(10)
    rng = np.random.default_rng(1)
    hists = [np.histogram(rng.standard_normal(200), 20) for _ in range(rows)]
    h.set_histograms("act", hists, [f"hidden {i + 1}" for i in range(rows)])
    h.set_histograms("grad", hists, [f"W{i + 1}" for i in range(rows)])
    qtbot.wait(10)
    for kind, plot in (("act", h.act_plot), ("grad", h.grad_plot)):
        (x0, x1), _ = plot.vb.viewRange()
        row = [plot.vb.mapViewToScene(QRectF(x0, rows - 1 - i, x1 - x0, 1)).boundingRect() for i in range(rows)]
        shown = [i for i, t in enumerate(h._labels[kind]) if t.isVisible()]
        assert shown and shown[0] == 0
        rects = [h._labels[kind][i].sceneBoundingRect() for i in shown]
        for a in range(len(rects) - 1):
            assert rects[a].bottom() <= rects[a + 1].top() + 0.5  # labels never overlap each other
        for i, r in zip(shown, rects):
            assert r.height() > 8
            assert row[i].top() <= r.center().y() <= row[i].bottom()
            assert plot.vb.sceneBoundingRect().adjusted(-0.5, -0.5, 0.5, 0.5).contains(r)  # inside the plot
            if rows > 6:  # rows shorter than a label (a deep network): every k-th row is labelled
                continue
            assert row[i].top() - 0.5 <= r.top() and r.bottom() <= row[i].bottom() + 0.5  # inside its own row
            for j in range(rows):
                if j != i:
                    assert r.intersected(row[j].adjusted(0, 0.5, 0, -0.5)).isEmpty()  # off the other rows
            _, y = h._curves[kind][i].getData()
            top = plot.vb.mapViewToScene(QRectF(x0, float(np.max(y)), 1, 0)).boundingRect().top()
            if rows <= 5:  # tall rows: the label sits above its ridge, not on it
                assert r.bottom() <= top + 0.5


@pytest.mark.parametrize("sizes", [[2, 64, 64, 2], [2, 128, 128, 2], [2] + [64] * 10 + [1], [2, 8, 8, 8, 8, 8, 1],
                                   [2, 16, 16, 16, 16, 3]])
@pytest.mark.parametrize("wh", [(259, 238), (220, 160), (400, 330)])
def test_diagram_fits_inside_the_widget(qtbot, sizes, wh):
    from widgets.network_diagram import NetworkDiagram

    d = NetworkDiagram(LIGHT)
    qtbot.addWidget(d)
    d.resize(*wh)
    d.set_architecture(sizes, ["x1", "x2"])
    d.set_state([np.ones((b, a)) for a, b in zip(sizes[:-1], sizes[1:])])
    rects = d.layout_rects()
    whole = d.rect().toRectF() if hasattr(d.rect(), "toRectF") else d.rect()
    for kind, rs in rects.items():
        for r in rs:
            assert r.left() >= 0 and r.top() >= 0 and r.right() <= whole.width() and r.bottom() <= whole.height(), kind
    titles = rects["titles"]
    for a, b in zip(titles, titles[1:]):
        assert a.right() <= b.left()  # titles do not run together
    if d.summarized:
        below = min(r.top() for r in rects["caption"])
        above = max(r.bottom() for r in titles)
        for r in rects["boxes"] + rects["matrices"]:
            assert above <= r.top() and r.bottom() <= below  # between the titles and the caption
    if len(sizes) <= 7:
        assert len(titles) == len(sizes)  # every layer's width is named
    assert not d.grab().isNull()


def test_curve_left_ticks_do_not_crowd(qtbot):
    from PySide6.QtGui import QFont, QFontMetricsF

    from widgets.training_curves import TrainingCurves

    c = TrainingCurves(LIGHT)
    qtbot.addWidget(c)
    c.resize(500, 300)
    c.show()
    qtbot.wait(10)

    def check():
        for p in (c.loss_plot, c.acc_plot, c.lr_plot):
            ax = p.getAxis("left")
            (y0, y1), height = p.vb.viewRange()[1], p.vb.height()
            line = QFontMetricsF(ax.style["tickFont"] or QFont()).height()
            assert ax._spaced / (y1 - y0) * height >= 0.8 * line  # digits (~0.6 of a line) do not touch

    check()  # empty plots: not four labels crammed into the short lr plot
    for e in range(4):
        c.history.append("epoch", epoch=e, step=10 * e, examples=320 * e, train_loss=1 / (e + 1), val_loss=1.0,
                         train_acc=0.5 + 0.1 * e, val_acc=0.5)
        c.history.append("step", epoch=e, step=10 * e, examples=320 * e, train_loss=1.0, lr=0.005)
    c.refresh()
    check()


def test_curve_tick_labels_name_their_values(qtbot):
    from widgets.training_curves import _nice_step

    for v in (0.0011, 0.13, 0.19, 0.3, 3e-5, 7.0):
        step = _nice_step(v)
        mantissa = step / 10 ** np.floor(np.log10(step))
        assert step >= v and round(mantissa, 9) in (1, 2, 5, 10)  # no 2.5: "0.25" printed as "0.2"
