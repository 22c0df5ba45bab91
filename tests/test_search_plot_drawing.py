"""How the search plots draw: the grid under the data, wide lines as hairlines, one paint per update,
redraws skipped when nothing changed (each against what pyqtgraph itself draws)."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import QTabWidget, QWidget

from core.search_records import ParamAxis, TrialRecord
from widgets.hairline_curve import HairlineCurve
from widgets.opaque_grid_axis import OpaqueGridAxis, blended
from widgets.search.contour_plot import ContourPlot
from widgets.search.history_plot import HistoryPlot
from widgets.search.importance_plot import ImportancePlot
from widgets.theme import LIGHT


def _gray(image: QImage) -> np.ndarray:
    """A QImage as a float array of darkness (0 white .. 1 black), rows y."""
    img = image.convertToFormat(QImage.Format_RGB888)
    a = np.frombuffer(img.constBits(), np.uint8, img.sizeInBytes()).reshape(img.height(), img.bytesPerLine())
    rgb = a[:, : 3 * img.width()].reshape(img.height(), img.width(), 3).astype(float)
    return 1.0 - rgb.mean(-1) / 255.0


def _plot(qtbot, axes=None, size=(300, 240)) -> pg.PlotWidget:
    w = pg.PlotWidget(axisItems=axes)
    w.setBackground("#FFFFFF")
    w.resize(*size)
    qtbot.addWidget(w)
    w.setXRange(0, 1, padding=0)
    w.setYRange(0, 1, padding=0)
    return w


def test_blended_is_the_colour_a_translucent_one_paints_on_the_background():
    fg, bg = QColor(20, 40, 200, 64), QColor("#FFFFFF")
    img = QImage(4, 4, QImage.Format_RGB32)
    img.fill(bg)
    p = QPainter(img)
    p.fillRect(0, 0, 4, 4, fg)
    p.end()
    painted = QColor(img.pixel(1, 1))
    b = blended(fg, bg)
    assert b.alpha() == 255
    assert max(abs(painted.red() - b.red()), abs(painted.green() - b.green()), abs(painted.blue() - b.blue())) <= 1


def test_the_opaque_grid_looks_like_pyqtgraphs_where_no_data_cover_it(qtbot):
    pictures = []
    for cls in (pg.AxisItem, OpaqueGridAxis):
        axes = {n: cls(n) for n in ("left", "bottom")}
        w = _plot(qtbot, axes)
        w.showGrid(x=True, y=True, alpha=0.25)
        if cls is OpaqueGridAxis:
            for a in axes.values():
                a.set_background("#FFFFFF")
        pictures.append(_gray(w.grab().toImage()))
    a, b = pictures
    assert a.shape == b.shape
    d = np.abs(a - b)
    # The same picture, but where two translucent lines cross: there pyqtgraph's blend twice, darker.
    ys, xs = np.nonzero(d > 0.03)
    inked = b > 0.02
    lines = b > 0.002  # the faintest (minor) grid lines too
    grid_rows, grid_cols = lines.mean(1) > 0.5, lines.mean(0) > 0.5
    assert np.all(grid_rows[ys] & grid_cols[xs])
    assert np.all(a[ys, xs] > b[ys, xs])
    assert np.median(d[inked]) < 0.01
    assert (a > 0.02).sum() > 500  # there is a grid to compare


def test_the_grid_is_drawn_under_the_data(qtbot):
    axes = {n: OpaqueGridAxis(n) for n in ("left", "bottom")}
    w = _plot(qtbot, axes)
    w.showGrid(x=True, y=True, alpha=1.0)
    for a in axes.values():
        a.set_background("#FFFFFF")
        a.setZValue(-1)  # as SearchPlot places them
    # A thick red bar across the middle: where a grid line crosses it, the bar stays red.
    w.addItem(pg.PlotCurveItem([0, 1], [0.5, 0.5], pen=pg.mkPen("#FF0000", width=9)))
    img = w.grab().toImage()
    vb = w.getViewBox()
    y = int(vb.mapViewToScene(pg.Point(0.5, 0.5)).y())
    x = int(vb.mapViewToScene(pg.Point(0.5, 0.5)).x())  # 0.5 is a grid line of 0..1
    c = QColor(img.pixel(x, y))
    assert c.red() > 200 and c.green() < 60 and c.blue() < 60


@pytest.mark.parametrize("width", [1.0, 2.0, 3.0])
def test_hairline_curve_inks_like_pyqtgraphs_wide_pen(qtbot, width):
    pg.setConfigOptions(antialias=True)
    xs = np.linspace(0.05, 0.95, 200)
    ys = 0.5 + 0.3 * np.sin(xs * 9)
    ink = []
    for cls in (pg.PlotCurveItem, HairlineCurve):
        w = _plot(qtbot)
        w.addItem(cls(xs, ys, pen=pg.mkPen("#000000", width=width)))
        g = _gray(w.grab().toImage())
        ink.append(g)
    a, b = ink
    if width == 1.0:
        assert np.array_equal(a, b)  # a hairline pen is pyqtgraph's own drawing
    else:
        assert abs(b.sum() - a.sum()) / a.sum() < 0.2
        # the same pixels are inked (a line of about the same width), not a thinner or shifted one
        assert ((a > 0.3) & (b > 0.3)).sum() / max((a > 0.3).sum(), 1) > 0.8


def _on_closed_tab(qtbot, widget) -> QTabWidget:
    """A shown tab widget whose open tab is another one, with ``widget`` on its closed second tab."""
    tabs = QTabWidget()
    tabs.addTab(QWidget(), "other")
    tabs.addTab(widget, "this")
    qtbot.addWidget(tabs)
    tabs.show()
    return tabs


def _records(n: int) -> list[TrialRecord]:
    return [TrialRecord(i, {"lr": 10 ** (-3 + 2 * i / max(n, 1))}, 1.0 / (i + 1), "complete", {}, {}) for i in range(n)]


def test_a_plot_paints_once_when_its_records_grow(qtbot):
    w = HistoryPlot(LIGHT)
    w.resize(400, 300)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    paints = []
    view = w.plot
    original = view.paintEvent

    def counting(ev):
        paints.append(1)
        return original(ev)

    view.paintEvent = counting
    for n in (3, 6, 12):
        w.set_records(_records(n))
        paints.clear()
        for _ in range(20):
            qtbot.wait(5)
        # pyqtgraph applies a new range at the next paint, and its items then move inside that paint:
        # a second paint followed (SearchPlot applies the range at once).
        assert len(paints) == 1, n


def test_importance_draws_nothing_for_the_same_numbers_and_waits_on_a_hidden_tab(qtbot):
    w = ImportancePlot(LIGHT)
    tabs = _on_closed_tab(qtbot, w)
    tabs.setCurrentIndex(1)
    w.set_importance({"lr": 0.8, "wd": 0.2}, 20)
    first = w.bars
    assert first is not None
    w.set_importance({"lr": 0.8, "wd": 0.2}, 20)
    assert w.bars is first  # unchanged: not redrawn
    tabs.setCurrentIndex(0)
    w.set_importance({"lr": 0.3, "wd": 0.7}, 25)
    assert w.bars is first  # hidden: kept for the next show
    tabs.setCurrentIndex(1)
    assert w.bars is not first and w.order() == ["wd", "lr"]


def test_a_contour_of_one_parameter_against_itself_draws_no_map_and_says_why(qtbot):
    w = ContourPlot(LIGHT)
    qtbot.addWidget(w)
    w.set_axes([ParamAxis("lr", 1e-3, 10.0, log=True)])
    w.set_records(_records(8))
    assert w.params() == ("lr", "lr")
    assert w.grid is None and not w.image.isVisible()
    assert "needs two parameters" in w.key.text() and "Slice" in w.key.text()
    w.set_axes([ParamAxis("lr", 1e-3, 10.0, log=True), ParamAxis("wd", 0.0, 1.0)])
    w.set_params("lr", "lr")
    assert "Choose another" in w.key.text()


def test_a_refit_that_comes_while_the_minds_tab_is_closed_is_drawn_when_it_opens(qtbot):
    from types import SimpleNamespace

    from playground.pages.search.mind import refit
    from playground.pages.search.mind_panel import MindPanel
    from playground.workers.messages import Result

    panel = MindPanel(LIGHT)
    tabs = _on_closed_tab(qtbot, panel)
    axis = ParamAxis("lr", 1e-3, 1.0, log=True)
    panel._model = SimpleNamespace(axes=lambda: [axis], minimize=True, objective="val_loss")
    panel._job = 7
    points = [(1e-3,), (1e-2,), (0.1,), (0.5,)]
    value = refit("gp", points, [0.9, 0.5, 0.3, 0.6], [(1e-3, 1.0, True)])
    panel._on_message(Result(7, value))  # the mind's tab is closed: kept, not drawn
    assert panel.surrogate.next_point() is not None  # the refit is kept
    upper, _ = panel.surrogate.band_edges()
    assert upper is None or len(upper) == 0  # but not drawn
    tabs.setCurrentIndex(1)
    upper, lower = panel.surrogate.band_edges()  # drawn as the tab opens
    assert upper is not None and len(upper) > 10 and np.all(upper >= lower)
    assert 1e-3 <= panel.surrogate.next_point() <= 1.0


def test_a_minds_view_laid_out_alone_draws_its_refit(qtbot):
    """``render --part surrogate``: the view is taken out of a closed tab and shown alone."""
    from playground.pages.search.mind import refit
    from widgets.surrogate_view import SurrogateView

    view = SurrogateView(LIGHT)
    tabs = _on_closed_tab(qtbot, view)  # noqa: F841 - kept alive: the view starts on its closed tab
    _, fit = refit("gp", [(1e-3,), (1e-2,), (0.1,)], [0.9, 0.5, 0.3], [(1e-3, 1.0, True)])
    view.show_1d(fit.grid[0], fit.mean, fit.std, fit.ei, fit.points[:, 0], fit.values, log=True, name="lr")
    assert len(view.band_edges()[0] if view.band_edges()[0] is not None else []) == 0
    view.setParent(None)
    qtbot.addWidget(view)
    view.show()
    assert len(view.band_edges()[0]) == len(fit.grid[0])
