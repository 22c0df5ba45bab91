"""SurfaceLayer (heatmap + contours in one cached image) and LeanAxis (pyqtgraph's ticks, faster)."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import QPointF
from PySide6.QtGui import QColor, QPainter, QPicture

from core.surfaces import get_surface
from widgets.surface_layer import color_table, colorize


def test_colorize_maps_levels_to_the_table_ends():
    table = color_table(pg.colormap.get("cividis"))
    rgb = pg.colormap.get("cividis").getLookupTable(0.0, 1.0, 256, alpha=False)
    assert table.dtype == np.uint32 and len(table) == 256
    assert (table >> 24 == 0xFF).all()  # opaque
    assert ((table[0] >> 16) & 0xFF, (table[0] >> 8) & 0xFF, table[0] & 0xFF) == tuple(int(c) for c in rgb[0])
    D = np.array([[-1.0, 0.0, 0.5], [1.0, 2.0, np.float64(0.999)]])
    out = colorize(D, (0.0, 1.0), table)
    assert out[0, 0] == table[0] and out[0, 1] == table[0]  # below and at the low level
    assert out[1, 0] == table[-1] and out[1, 1] == table[-1]  # at and above the high level
    assert out[0, 2] == table[128]


def _grab_pixel(view, x, y) -> QColor:
    vb = view.plot.getViewBox()
    p = view.plot.mapFromScene(vb.mapViewToScene(QPointF(x, y)))
    return view.plot.grab().toImage().pixelColor(p)


def test_layer_shows_the_cell_colours_and_caches_them(surface_view):
    view = surface_view
    view.set_overlays(contours=False)
    view.plot.viewport().repaint()
    layer = view.layer
    renders = layer.renders
    xs, ys, Z = view._grid
    i, j = len(ys) // 3, len(xs) // 4  # a cell away from the minimum, so neighbours differ little
    want = int(layer.image()[i, j])
    got = _grab_pixel(view, xs[j], ys[i])
    assert abs(got.red() - ((want >> 16) & 0xFF)) <= 2 and abs(got.blue() - (want & 0xFF)) <= 2
    view.race.update()
    view.plot.viewport().repaint()  # a trail frame copies the cache
    assert layer.renders == renders + 1 or layer.renders == renders  # grab may have drawn once more
    before = layer.renders
    view.plot.viewport().repaint()
    assert layer.renders == before
    view.set_surface(get_surface("valley:kappa=50"))
    view.plot.viewport().repaint()
    assert layer.renders == before + 1


def test_layer_fills_the_whole_domain(surface_view, qtbot):
    """Every pixel of the domain, the rounded edges included, shows its cell's colour (no gap, no garbage)."""
    view = surface_view
    view.set_overlays(contours=False)
    for item in (view.minima, view.saddles, view.start_marker):
        item.hide()
    for axis in ("left", "bottom"):
        view.plot.showAxis(axis, False)  # their ticks reach into the plot, over the edge pixels
    qtbot.wait(20)
    img = view.plot.grab().toImage()
    vb = view.plot.getViewBox()
    xs, ys, _ = view._grid
    colors = view.layer.image()
    r = view.layer.boundingRect()  # the cells' outer edges, half a cell beyond the domain
    xmin, xmax, ymin, ymax = r.left(), r.right(), r.top(), r.bottom()
    a = view.plot.mapFromScene(vb.mapViewToScene(QPointF(xmin, ymax)))
    b = view.plot.mapFromScene(vb.mapViewToScene(QPointF(xmax, ymin)))
    rows = [a.y() - 1, a.y(), a.y() + 1, b.y() - 2, b.y() - 1, b.y()]
    cols = [a.x() - 1, a.x(), a.x() + 1, b.x() - 2, b.x() - 1, b.x()]
    edge_px = [(x, y) for x in range(a.x() + 1, b.x() - 1, 5) for y in rows]
    edge_px += [(x, y) for y in range(a.y() + 1, b.y() - 1, 5) for x in cols]
    to_scene = view.plot.viewportTransform().inverted()[0]
    box = vb.sceneBoundingRect()  # the plot area; the image is clipped to it
    checked = 0
    for x, y in edge_px:
        centre = to_scene.map(QPointF(x + 0.5, y + 0.5))
        d = vb.mapSceneToView(centre)
        if not (xmin < d.x() < xmax and ymin < d.y() < ymax and box.contains(centre)):
            continue
        checked += 1
        j = int(np.clip(np.searchsorted(xs, d.x()), 1, len(xs) - 2))
        i = int(np.clip(np.searchsorted(ys, d.y()), 1, len(ys) - 2))
        near = {int(c) & 0xFFFFFF for c in colors[max(i - 2, 0):i + 2, max(j - 2, 0):j + 2].ravel()}
        assert img.pixel(x, y) & 0xFFFFFF in near, (x, y)
    assert checked > 300


def test_contours_drawn_on_top_and_toggled(surface_view):
    view = surface_view
    with_lines = view.plot.grab().toImage()
    view.set_overlays(contours=False)
    without = view.plot.grab().toImage()
    assert with_lines != without
    view.set_overlays(contours=True)
    assert view.plot.grab().toImage() == with_lines


@pytest.mark.parametrize("center,half", [((0.0, 0.0), 2.0), ((37.5, -12.0), 0.013), ((-400.0, 900.0), 350.0)])
def test_lean_axis_matches_pyqtgraph(surface_view, qtbot, center, half):
    view = surface_view
    view.plot.getViewBox().setRange(xRange=(center[0] - half, center[0] + half),
                                    yRange=(center[1] - half, center[1] + half), padding=0.0)
    view.plot.grab()  # the axes measure their new labels and the plot lays out to fit them
    qtbot.wait(20)
    for name in ("left", "bottom"):
        axis = view.plot.getAxis(name)
        pic = QPicture()
        p = QPainter(pic)
        p.setFont(axis.style["tickFont"])
        ref = pg.AxisItem.generateDrawSpecs(axis, p)
        lean = axis.generateDrawSpecs(p)
        p.end()
        assert ref[0][1] == lean[0][1] and ref[0][2] == lean[0][2]
        ticks = lambda specs: [(a.x(), a.y(), b.x(), b.y(), pen.color().alpha()) for pen, a, b in specs[1]]  # noqa: E731
        assert np.allclose(ticks(ref), ticks(lean))
        texts = lambda specs: [(r.getRect(), int(f), s) for r, f, s in specs[2]]  # noqa: E731
        assert texts(ref) == texts(lean) and len(texts(lean)) >= 2


@pytest.mark.parametrize("draft,lo,hi", [(False, 1.6, 2.8), (True, 0.6, 1.4)])
def test_contour_width_in_pixels(qtbot, draft, lo, hi):
    """A 2 px contour covers ~2 pixels across (a hairline and its shifted copy); a draft ~1."""
    from widgets.surface_layer import SurfaceLayer

    w = pg.PlotWidget()
    qtbot.addWidget(w)
    w.resize(300, 300)
    w.hideAxis("left")
    w.hideAxis("bottom")
    layer = SurfaceLayer()
    w.addItem(layer)
    layer.set_image(np.full((10, 10), 0xFF000000, dtype=np.uint32), (-1.0, -1.0, 2.0, 2.0))  # black cells
    layer.set_contour_style(QColor("#FFFFFF"), 2.0, 1.0)
    layer.set_contours(np.array([[-0.9, 0.013], [0.9, 0.013]]), draft=draft)  # off the pixel grid
    w.setRange(xRange=(-1, 1), yRange=(-1, 1), padding=0)
    w.show()
    qtbot.waitExposed(w)
    img = w.grab().toImage()
    x = img.width() // 2
    column = [QColor(img.pixel(x, y)).value() / 255.0 for y in range(img.height())]
    lit = [y for y, v in enumerate(column) if v > 0.1]
    assert lo <= sum(column) <= hi, column[min(lit) - 1:max(lit) + 2]  # white on black: coverage in px
    assert max(lit) - min(lit) == len(lit) - 1  # one line, no gap
