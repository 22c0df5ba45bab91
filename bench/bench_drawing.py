"""Benchmark: the drawing and numerics choices the code makes, each against the way it avoids.

The code's comments say *why* a choice was made; the figures behind them are measured here, in one
run, old way against new way, so a reader can check them on their own machine::

    python bench/bench_drawing.py            # full: more repeats
    python bench/bench_drawing.py --quick    # CI: a few repeats, checks both ways agree where they must

Each row prints the median time of the avoided way, of the chosen way, and their ratio. The machine is
shared: "other load" is the CPU the rest of the machine used meanwhile (bench_training_page's
``OtherLoad``); above about 0.3 cores, treat the figures as noisy.
"""
from __future__ import annotations

import argparse
import os
import pathlib
import statistics
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from bench_training_page import OtherLoad  # noqa: E402


def _median_ms(fn, repeats: int) -> float:
    fn()  # warm-up
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(times)


def bench_axis(repeats: int) -> tuple[float, float]:
    """pyqtgraph's AxisItem.generateDrawSpecs vs LeanAxis's, on a 1920x1080 plot's bottom axis."""
    import pyqtgraph as pg
    from PySide6.QtGui import QImage, QPainter

    from widgets.lean_axis import LeanAxis

    out = []
    for cls in (pg.AxisItem, LeanAxis):
        axis = cls("bottom")
        plot = pg.PlotWidget(axisItems={"bottom": axis})
        plot.resize(1920, 1080)
        plot.setXRange(-2.0, 2.0, padding=0)
        plot.grab()
        img = QImage(1920, 100, QImage.Format_ARGB32_Premultiplied)
        p = QPainter(img)
        p.setFont(axis.style["tickFont"] or p.font())
        out.append(_median_ms(lambda: axis.generateDrawSpecs(p), repeats))
        p.end()
        plot.close()
    return out[0], out[1]


def bench_grid_axis(repeats: int) -> tuple[float, float]:
    """A search plot's two axes with a grid (alpha 0.25), painted from their pictures: pyqtgraph's
    translucent grid over the data against OpaqueGridAxis's blended one under it (460 x 560 plot)."""
    import pyqtgraph as pg
    from PySide6.QtGui import QImage, QPainter

    from widgets.opaque_grid_axis import OpaqueGridAxis

    out = []
    for opaque in (False, True):
        axes = {n: OpaqueGridAxis(n) for n in ("left", "bottom")}
        plot = pg.PlotWidget(axisItems=axes)
        plot.resize(460, 560)
        plot.showGrid(x=True, y=True, alpha=0.25)
        plot.setXRange(0.0, 1.0)
        plot.setYRange(0.0, 1.0)
        if opaque:
            for a in axes.values():
                a.set_background("#FFFFFF")
        plot.grab()
        img = QImage(460, 560, QImage.Format_ARGB32_Premultiplied)

        def paint():
            p = QPainter(img)
            for a in axes.values():
                a.paint(p, None, None)
            p.end()

        out.append(_median_ms(paint, repeats))
        plot.close()
    return out[0], out[1]


def _noisy_curves(n_lines=8, n_points=3000, size=(1920, 1080)):
    rng = np.random.default_rng(0)
    xs = np.linspace(10, size[0] - 10, n_points)
    return [np.column_stack([xs, size[1] / 2 + np.cumsum(rng.normal(0, 3, n_points))]) for _ in range(n_lines)]


def bench_wide_lines(repeats: int) -> tuple[float, float]:
    """Eight noisy 3000-point polylines 2.5 px wide: Qt's wide-pen stroker vs offset hairlines."""
    from PySide6.QtCore import QPointF
    from PySide6.QtGui import QColor, QImage, QPainter, QPen, QPolygonF

    from widgets.polyline_cache import stroke

    curves = _noisy_curves()
    img = QImage(1920, 1080, QImage.Format_ARGB32_Premultiplied)

    def qt_wide():
        img.fill(0)
        p = QPainter(img)
        p.setRenderHint(QPainter.Antialiasing, True)
        pen = QPen(QColor("#0072B2"), 2.5)
        p.setPen(pen)
        for xy in curves:
            p.drawPolyline(QPolygonF([QPointF(x, y) for x, y in xy]))
        p.end()

    def hairlines():
        img.fill(0)
        p = QPainter(img)
        p.setRenderHint(QPainter.Antialiasing, True)
        pen = QPen(QColor("#0072B2"), 2.5)
        pen.setCosmetic(True)
        p.setPen(pen)
        for xy in curves:
            stroke(p, xy)
        p.end()

    return _median_ms(qt_wide, repeats), _median_ms(hairlines, repeats)


def bench_translucent(repeats: int) -> tuple[float, float]:
    """600 antialiased links: a translucent pen vs the same colour mixed with the background, opaque."""
    from PySide6.QtCore import QLineF
    from PySide6.QtGui import QColor, QImage, QPainter, QPen

    rng = np.random.default_rng(1)
    lines = [QLineF(*rng.uniform(0, 800, 4)) for _ in range(600)]
    img = QImage(800, 800, QImage.Format_ARGB32_Premultiplied)

    def draw(colour):
        def run():
            img.fill(QColor("white"))
            p = QPainter(img)
            p.setRenderHint(QPainter.Antialiasing, True)
            p.setPen(QPen(colour, 2))
            p.drawLines(lines)
            p.end()
        return run

    return (_median_ms(draw(QColor(0, 114, 178, 110)), repeats),
            _median_ms(draw(QColor(166, 205, 228)), repeats))


def bench_rng(repeats: int) -> tuple[float, float]:
    """Uniforms for one racer row: the vectorised int64 torch ops vs the Python-int path (same bits)."""
    from core.trajectories import rng

    keys = rng.row_keys(0, [3])

    def torch_uniforms(step):
        return (rng._srl(rng._bits(keys, step, 0), 11) + 1).to(torch.float64) * 2.0**-53

    for step in range(5):
        assert torch.equal(torch_uniforms(step), rng.uniforms(keys, step, 0)), "the two rng paths differ"
    return (_median_ms(lambda: [torch_uniforms(s) for s in range(100)], repeats) / 100,
            _median_ms(lambda: [rng.uniforms(keys, s, 0) for s in range(100)], repeats) / 100)


def bench_norm2(repeats: int) -> tuple[float, float]:
    """Squared norms of (10000, 2) rows: a dim-1 sum vs two column products (core.trajectories.outcomes)."""
    from core.trajectories.outcomes import _norm2

    v = torch.randn(10_000, 2, dtype=torch.float64)
    assert torch.allclose((v * v).sum(1), _norm2(v))
    return (_median_ms(lambda: [(v * v).sum(1) for _ in range(100)], repeats) / 100,
            _median_ms(lambda: [_norm2(v) for _ in range(100)], repeats) / 100)


def bench_map_threads(quick: bool) -> tuple[float, float]:
    """A 10,000-row Adam map (2,000 in quick mode) with torch's default threads vs one thread."""
    from core.surfaces import get_surface
    from core.trajectories import Racer, run_map

    n, steps = (2000, 100) if quick else (10_000, 300)
    surface = get_surface("rosenbrock")
    starts = np.random.default_rng(0).uniform(-2, 2, (n, 2))
    racer = Racer("adam", {"lr": 0.01})
    out = []
    for threads in (None, 1):
        t0 = time.perf_counter()
        run_map(surface, racer, starts, steps, num_threads=threads)
        out.append((time.perf_counter() - t0) * 1e3)
    return out[0], out[1]


def bench_decoy() -> tuple[float, float]:
    """The decoy surface built the first time in a process (Newton-polished) vs every later time."""
    from core.surfaces import get_surface

    t0 = time.perf_counter()
    get_surface("decoy")
    first = (time.perf_counter() - t0) * 1e3
    t0 = time.perf_counter()
    get_surface("decoy")
    return first, (time.perf_counter() - t0) * 1e3


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="few repeats (CI)")
    args = ap.parse_args(argv)
    repeats = 3 if args.quick else 15
    torch.set_num_threads(torch.get_num_threads())

    from playground.app import make_app

    app = make_app()  # noqa: F841 - widgets need it
    torch.set_num_threads(os.cpu_count() or 1)  # make_app sets 1 for the GUI; the map row compares both
    load = OtherLoad()
    rows = [
        ("axis draw specs, 1920 px bottom axis (ms)", "pyqtgraph AxisItem", "LeanAxis", *bench_axis(repeats)),
        ("grid lines: a plot's two axes painted (ms)", "translucent, over", "opaque, under", *bench_grid_axis(repeats)),
        ("8 noisy 3000-point lines, 2.5 px (ms)", "Qt wide pen", "offset hairlines", *bench_wide_lines(repeats)),
        ("600 antialiased links (ms)", "translucent pen", "opaque mixed colour", *bench_translucent(repeats)),
        ("rng uniforms, one racer row, per step (ms)", "int64 torch ops", "Python ints", *bench_rng(repeats)),
        ("squared norms of 10,000 rows (ms)", "(v*v).sum(1)", "addcmul of columns", *bench_norm2(repeats)),
        ("Adam map on Rosenbrock (ms)", "torch default threads", "1 thread", *bench_map_threads(args.quick)),
        ("decoy surface built (ms)", "first time", "later times", *bench_decoy()),
    ]
    other = load.cores()
    width = max(len(r[0]) for r in rows)
    print(f"{'what':<{width}}  {'avoided':>24}  {'chosen':>24}  ratio")
    for what, old_name, new_name, old, new in rows:
        ratio = old / new if new > 0 else float("inf")
        print(f"{what:<{width}}  {old_name + ' ' + format(old, '.3g'):>24}  {new_name + ' ' + format(new, '.3g'):>24}"
              f"  {ratio:.1f}x")
    print(f"other load: {other:.2f} cores used by other processes during the run"
          + ("  (NOISY: figures unreliable)" if other > 0.3 else ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
