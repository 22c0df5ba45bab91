"""The sampler's mind as views: the GP surrogate (one and two parameters) and TPE's densities.

The first test is the lectures' figure, "the surrogate after 2 and after 8 evaluations", from a real
seeded Optuna GPSampler study on the U-shaped validation loss against log10 lr.
"""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtGui import QColor, QImage

from playground.surrogates.gp_refit import REFIT_LABEL, refit_surrogate
from playground.surrogates.space import Axis
from playground.surrogates.tpe_densities import TPE_LABEL, tpe_densities
from widgets.theme import DARK, LIGHT

LR = Axis(1e-5, 1.0, log=True)
SIZES = ((1280, 720), (1920, 1080))


def u_loss(t):
    return (t + 2.0) ** 2 + 0.3 * np.sin(3.0 * t)


def _pixels(img: QImage) -> np.ndarray:
    img = img.convertToFormat(QImage.Format_RGB888)
    ptr = img.constBits()
    return np.frombuffer(ptr, np.uint8, img.bytesPerLine() * img.height()).reshape(img.height(), img.bytesPerLine())[
        :, : 3 * img.width()].reshape(img.height(), img.width(), 3).copy()


def _has_colour(px: np.ndarray, color: QColor, tol: int = 3) -> bool:
    return bool(np.any(np.all(np.abs(px.astype(int) - color.getRgb()[:3]) <= tol, axis=-1)))


@pytest.fixture(scope="module")
def gp_study():
    optuna = pytest.importorskip("optuna")
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(sampler=optuna.samplers.GPSampler(seed=0, n_startup_trials=2))
    study.optimize(lambda tr: float(u_loss(np.log10(tr.suggest_float("lr", 1e-5, 1.0, log=True)))), n_trials=8)
    lr = np.array([t.params["lr"] for t in study.trials])
    return lr, np.array([t.value for t in study.trials])


def test_refit_predicts_the_gp_samplers_next_trial(gp_study):
    """The refit is Optuna's model in all but name: its EI peaks where GPSampler put the next trial."""
    lr, y = gp_study
    for n in range(2, 8):
        s = refit_surrogate(lr[:n], y[:n], [LR])
        peak = np.log10(s.grid[0][np.argmax(s.ei)])
        assert abs(peak - np.log10(lr[n])) < 0.05, n  # grid step 0.02 decades


def test_surrogate_after_2_and_after_8_evaluations(gp_study, qtbot, tmp_path):
    from widgets.surrogate_view import SurrogateView, mix

    lr, y = gp_study
    views = {}
    for n in (2, 8):
        s = refit_surrogate(lr[:n], y[:n], [LR])
        for theme in (LIGHT, DARK):
            v = SurrogateView(theme)
            qtbot.addWidget(v)
            for w, h in SIZES:
                v.resize(w, h)
                v.show_1d(s.grid[0], s.mean, s.std, s.ei, lr[:n], y[:n], log=True, name="learning rate",
                          objective="validation loss", label=s.label)
                v.show()
                qtbot.waitExposed(v)
                img = v.grab().toImage()
                assert (img.width(), img.height()) == (w, h)
                img.save(str(tmp_path / f"surrogate_{n}_{theme.name}_{w}.png"))
                px = _pixels(img)
                assert _has_colour(px, QColor(theme.background))
                band = mix(theme.racer_colors[0], theme.background, 0.4 if theme.is_dark else 0.22)
                assert _has_colour(px, band)  # the band is drawn, opaque
            views[n] = (v, s)
    (v2, s2), (v8, s8) = views[2], views[8]
    assert REFIT_LABEL in v2.caption.text() and "2 trials" in v2.caption.text()
    # eight evaluations pin the curve down near the best trial: a narrower band, a smaller EI
    best = np.log10(lr[np.argmin(y)])
    at = np.argmin(abs(np.log10(s2.grid[0]) - best))
    assert s8.std[at] < 0.2 * s2.std[at]
    assert s8.ei.max() < 0.1 * s2.ei.max()
    assert v8.next_point() == pytest.approx(s8.grid[0][np.argmax(s8.ei)])


def test_surrogate_view_1d_draws_what_it_is_given(qtbot):
    from widgets.surrogate_view import SurrogateView

    grid = np.logspace(-5, 0, 101)
    mean = np.linspace(3.0, 1.0, 101)
    std = np.full(101, 0.5)
    ei = np.exp(-((np.log10(grid) + 1.5) ** 2))
    v = SurrogateView(LIGHT)
    qtbot.addWidget(v)
    v.resize(900, 600)
    v.show_1d(grid, mean, std, ei, [1e-3, 1e-2], [2.0, 1.5], log=True, name="lr", label="a test model")
    upper, lower = v.band_edges()
    assert upper == pytest.approx(mean + 1.0) and lower == pytest.approx(mean - 1.0)
    xs, _ = v.points.getData()
    assert list(xs) == pytest.approx([-3.0, -2.0])  # log10 coordinates
    assert v.next_point() == pytest.approx(10 ** -1.5)
    assert v.next_line.value() == pytest.approx(-1.5)
    labels = [lab for lab_list in v.ei_plot.getAxis("bottom")._tickLevels[0:1] for _, lab in lab_list]
    assert "10⁻³" in labels  # real values as powers of ten
    assert v.band.brush().color().alpha() == 255  # opaque: translucent fills are slow
    light_band = v.band.brush().color().name()
    v.set_theme(DARK)
    assert v.band.brush().color().name() != light_band
    upper_dark, _ = v.band_edges()
    assert upper_dark == pytest.approx(mean + 1.0)  # the data stays through a theme switch
    v.show_1d(np.linspace(0, 1, 11), np.zeros(11), np.ones(11), np.ones(11), [0.5], [0.0], name="momentum")
    assert v.ei_plot.getAxis("bottom")._tickLevels is None  # linear axis: pyqtgraph's own ticks


def test_surrogate_view_2d_maps_row_major_from_cell_edges(qtbot):
    import pyqtgraph as pg

    from widgets.surrogate_view import SurrogateView

    gx, gy = np.linspace(0.0, 1.0, 11), np.logspace(-4, -1, 7)
    mean = np.tile(gx, (7, 1))  # (m_y, m_x), rising across x
    std = np.tile(np.linspace(0, 1, 7)[:, None], (1, 11))  # rising along y
    v = SurrogateView(LIGHT)
    qtbot.addWidget(v)
    v.resize(1280, 720)
    v.show_2d(gx, gy, mean, std, [0.2, 0.8], [1e-3, 1e-2], log_y=True, name_x="momentum", name_y="wd", label="m")
    cmap = pg.colormap.get(LIGHT.colormap)
    lo, hi = cmap.map(np.array([0.0, 1.0]), mode="byte")
    img = v.mean_image.image
    assert img.shape == (7, 11, 4)
    assert np.all(img[:, 0] == lo) and np.all(img[:, -1] == hi)  # across: the first parameter
    width = v.width_image.image
    assert np.all(width[0] == lo) and np.all(width[-1] == hi)  # down: the second
    r = v.mean_image.mapRectToParent(v.mean_image.boundingRect())
    assert (r.left(), r.right()) == pytest.approx((-0.05, 1.05))
    assert (r.top(), r.bottom()) == pytest.approx((-4.25, -0.75))  # log10, half a cell out
    ys = v.mean_points.getData()[1]
    assert list(ys) == pytest.approx([-3.0, -2.0])
    assert v.bars[1].levels() == pytest.approx((0.0, 4.0))  # the band's width, 4 sigma
    v.grab()


def test_tpe_view_draws_the_split_and_the_ratio(qtbot, tmp_path):
    from widgets.tpe_view import TPEView

    rng = np.random.default_rng(5)
    t = rng.uniform(-5, 0, 30)
    d = tpe_densities(10.0 ** t, u_loss(t), LR)
    for theme in (LIGHT, DARK):
        v = TPEView(theme)
        qtbot.addWidget(v)
        for w, h in SIZES:
            v.resize(w, h)
            v.show_densities(d.grid, d.good_pdf, d.bad_pdf, d.x, d.good, log=True, name="learning rate",
                             active=d.active, label=d.label)
            v.show()
            qtbot.waitExposed(v)
            img = v.grab().toImage()
            assert (img.width(), img.height()) == (w, h)
            img.save(str(tmp_path / f"tpe_{theme.name}_{w}.png"))
            assert _has_colour(_pixels(img), QColor(theme.racer_colors[2]), tol=8)  # l(x)'s colour
    assert len(v.good_rug.getData()[0]) == d.good.sum() == 3
    assert len(v.bad_rug.getData()[0]) == 27
    _, ratio = v.ratio_curve.getData()
    assert ratio == pytest.approx(np.log10(d.good_pdf / d.bad_pdf))
    assert v.best_point() == pytest.approx(d.grid[np.argmax(d.ratio)])
    assert TPE_LABEL in v.caption.text() and "proposes" in v.caption.text()
    few = tpe_densities(10.0 ** t[:4], u_loss(t[:4]), LR)
    v.show_densities(few.grid, few.good_pdf, few.bad_pdf, few.x, few.good, log=True, active=few.active)
    assert "at random" in v.caption.text()
