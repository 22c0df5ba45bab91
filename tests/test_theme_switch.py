"""Switching the theme while the app runs paints every view as a window started in that theme does.

A projector theme will come on the same mechanism, so these compare a window switched live against one
started in the theme: the whole window pixel for pixel, then the parts that broke one by one (the
training status line, legend labels, tick strings of unit-less axes).
"""
from __future__ import annotations

import os

import numpy as np
import pytest
from PySide6.QtGui import QColor, QImage, QPainter

from playground.main_window import MainWindow
from widgets.theme import DARK, LIGHT, get_theme

SIZE = (1280, 650)


def _pixels(image: QImage) -> np.ndarray:
    img = image.convertToFormat(QImage.Format_RGB32)
    arr = np.frombuffer(img.constBits(), np.uint8).reshape(img.height(), img.bytesPerLine() // 4, 4)
    return arr[:, : img.width(), 2::-1].astype(int)  # (H, W, 3) RGB (B, G, R, A in memory); copied by astype


def _luminance(rgb) -> np.ndarray:
    c = np.asarray(rgb, float) / 255.0
    c = np.where(c <= 0.03928, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    return c @ np.array([0.2126, 0.7152, 0.0722])


def _contrast(a, b) -> float:
    la, lb = sorted((float(_luminance(a)), float(_luminance(b))), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def _tick_strings(axis) -> list[str]:
    """The tick labels ``axis`` draws (pyqtgraph's own draw specs, with its SI scale applied)."""
    img = QImage(10, 10, QImage.Format_ARGB32)
    p = QPainter(img)
    try:
        return [spec[2] for spec in axis.generateDrawSpecs(p)[2]]
    finally:
        p.end()


def _settled(qtbot, widget, timeout_ms=3000) -> np.ndarray:
    """``widget``'s picture once two grabs in a row agree (a surface draft is refined on a timer)."""
    last = None
    for _ in range(timeout_ms // 50):
        qtbot.wait(50)
        now = _pixels(widget.grab().toImage())
        if last is not None and np.array_equal(now, last):
            break
        last = now
    return now


def _fill_curves(curves, lr=0.3):
    for e in range(4):
        curves.history.append("epoch", epoch=e, step=10 * e, examples=320 * e, train_loss=1 / (e + 1),
                              val_loss=1.0, train_acc=0.5 + 0.1 * e, val_acc=0.5)
        curves.history.append("step", epoch=e, step=10 * e, examples=320 * e, train_loss=1.0, lr=lr)
    curves.refresh(tight=True)  # as the page draws a run that is not running


def _window(qtbot, themes):
    w = MainWindow(theme=themes[0])
    qtbot.addWidget(w)
    w.resize(*SIZE)
    w.show()
    qtbot.waitExposed(w)
    assert w.open_scene("train-dropout")  # a lesson and a status line on the training page
    _fill_curves(w.pages["training"].curves)
    for name in themes[1:]:
        w.set_theme(name)
    return w


@pytest.mark.parametrize("switches", [("light", "dark"), ("dark", "light"), ("light", "dark", "light")])
def test_switched_window_paints_like_one_started_in_the_theme(qtbot, switches):
    live = _window(qtbot, switches)
    fresh = _window(qtbot, switches[-1:])
    try:
        for kind in ("optimizer", "training"):
            images = []
            for w in (live, fresh):
                w.tabs.setCurrentWidget(w.pages[kind])
                if kind == "optimizer":
                    # the racer subprocess may still be computing (a loaded CI machine): the loss plot's range
                    # follows the trajectories, so wait for them before comparing
                    qtbot.waitUntil(lambda: all(t is not None for t in w.pages[kind].trajectories()) and w.pages[kind].race.all_done(), timeout=30000)
                    qtbot.wait(100)
                    w.pages[kind].status.setText("")  # frame timings differ from run to run
                    w.pages[kind].surface_view.refine()  # the full-resolution picture, not a draft
                w.statusBar().clearMessage()  # "Opened scene ..." times out at a different moment in each
                images.append(_settled(qtbot, w))
            a, b = images
            if os.environ.get("THEME_SWITCH_PNG"):  # a place to look at the two windows
                for tag, w in (("live", live), ("fresh", fresh)):
                    w.tabs.setCurrentWidget(w.pages[kind])
                    w.grab().save(os.path.join(os.environ["THEME_SWITCH_PNG"], f"{kind}_{tag}.png"))
            assert a.shape == b.shape
            differ = np.abs(a - b).sum(axis=-1) > 30
            ys, xs = np.nonzero(differ)
            where = f"x {xs.min()}..{xs.max()}, y {ys.min()}..{ys.max()}" if len(xs) else ""
            assert differ.mean() < 1e-4, f"{kind} page after {' -> '.join(switches)}: {differ.mean():.4%} of pixels differ ({where})"
    finally:
        live.close()
        fresh.close()


def test_a_theme_with_larger_text_switches_in_like_a_fresh_start(qtbot, monkeypatch):
    """The projector theme to come: built on the dark one, larger text and lines, another name."""
    from dataclasses import replace

    from widgets import theme as theme_module

    monkeypatch.setitem(theme_module.THEMES, "projector",
                        replace(DARK, name="projector", font_pt=17, title_pt=20, line_width=3.5))
    live = _window(qtbot, ("light", "projector"))
    fresh = _window(qtbot, ("projector",))
    try:
        for kind in ("optimizer", "training"):
            images = []
            for w in (live, fresh):
                w.tabs.setCurrentWidget(w.pages[kind])
                w.resize(1600, 900)  # the larger text needs more room than 1280x650
                if kind == "optimizer":
                    # the racer subprocess may still be computing (a loaded CI machine): the loss plot's range
                    # follows the trajectories, so wait for them before comparing
                    qtbot.waitUntil(lambda: all(t is not None for t in w.pages[kind].trajectories()) and w.pages[kind].race.all_done(), timeout=30000)
                    qtbot.wait(100)
                    w.pages[kind].status.setText("")
                    w.pages[kind].surface_view.refine()
                w.statusBar().clearMessage()
                images.append(_settled(qtbot, w))
            differ = np.abs(images[0] - images[1]).sum(axis=-1) > 30
            assert differ.mean() < 1e-4, f"{kind} page: {differ.mean():.4%} of pixels differ"
        # Inputs are dark with light text: the palette goes by the background, not by the name "dark".
        controls = live.pages["training"].controls
        pal = controls.palette()
        assert _contrast(pal.color(pal.ColorRole.Text).getRgb()[:3], pal.color(pal.ColorRole.Base).getRgb()[:3]) >= 4.5
    finally:
        live.set_theme("light")  # the remembered theme must exist once the monkeypatch is undone
        live.close()
        fresh.close()


@pytest.mark.parametrize("start,end", [("light", "dark"), ("dark", "light")])
def test_status_line_and_window_chrome_readable_after_switch(qtbot, start, end):
    w = _window(qtbot, (start, end))
    try:
        theme = get_theme(end)
        page = w.pages["training"]
        w.tabs.setCurrentWidget(page)
        qtbot.wait(20)
        assert page.status.text()  # "Scene loaded: ..."
        px = _pixels(page.status.grab().toImage()).reshape(-1, 3)
        bg = np.array(QColor(theme.background).getRgb()[:3])
        ink = px[np.argmax(np.abs(px - bg).sum(axis=1))]  # the pixel farthest from the background: text
        assert _contrast(ink, bg) >= 4.5, f"status text {ink} on {bg}"
        # The menu bar and the status bar follow the theme too.
        for bar in (w.menuBar(), w.statusBar()):
            corner = _pixels(bar.grab().toImage())[1, -2]
            assert np.abs(corner - bg).sum() < 60, f"{type(bar).__name__} background {corner}, theme {bg}"
        if theme.name == "dark":  # the tab bar's base line was the default palette's white
            shot = _pixels(w.grab().toImage())
            top = w.tabs.mapTo(w, w.tabs.rect().topLeft()).y()
            column = shot[top: page.mapTo(w, page.rect().topLeft()).y(), w.width() - 20]
            assert np.abs(column - bg).sum(axis=1).max() < 200, f"a bright line above the page: {column.tolist()}"
    finally:
        w.close()


def test_every_legend_label_takes_the_new_text_colour(qtbot):
    from widgets.curves_view import CurvesView

    v = CurvesView(LIGHT)
    qtbot.addWidget(v)
    v.resize(500, 400)
    v.show()
    racers = [("SGD", "#0072B2"), ("momentum 0.9", "#D55E00"), ("Adam", "#009E73")]
    v.set_racers(racers)
    from dataclasses import replace

    big = replace(DARK, name="projector", font_pt=17)
    for theme in (DARK, LIGHT, DARK, big):
        v.set_theme(theme)
        if theme is big:
            racers.append(("Nesterov", "#CC79A7"))  # an entry added after the switch
            v.set_racers(racers)
        labels = [label for _, label in v.legend.items]
        assert len(labels) == len(racers)
        want = QColor(theme.foreground).name()[1:].lower()
        for label in labels:
            html = label.item.toHtml().lower()
            assert want in html, f"{label.text!r} not drawn in {theme.foreground}"
            assert f"font-size:{theme.font_pt - 2}pt" in html, f"{label.text!r} not at the theme's size"


def test_unitless_axes_keep_their_scale_across_switches(qtbot):
    from widgets.training_curves import TrainingCurves

    def strings(c):
        plots = (c.loss_plot, c.acc_plot, c.lr_plot, c.range_plot)
        return {(i, name): _tick_strings(p.getAxis(name)) for i, p in enumerate(plots) for name in ("left", "bottom")}

    curves = []
    for theme in (LIGHT, DARK):
        c = TrainingCurves(theme)
        qtbot.addWidget(c)
        c.resize(500, 420)
        c.show()
        _fill_curves(c, lr=0.3)
        c.show_lr_range(np.logspace(-5, 1, 30), np.linspace(1, 3, 30), 0.05)
        qtbot.wait(10)
        curves.append(c)
    live, fresh = curves
    before = strings(live)
    lr_ticks = [float(s) for s in before[(2, "left")]]
    assert 0.3 in lr_ticks and max(lr_ticks) < 1  # "0.3", not "300" with no prefix shown
    assert all(float(s) <= 1.0 for s in before[(1, "left")])  # accuracies
    for theme in (DARK, LIGHT, DARK):
        live.set_theme(theme)
        qtbot.wait(1)
        assert strings(live) == before
    assert strings(live) == strings(fresh)


def test_a_diverged_racer_keeps_its_legend_note_across_a_switch(qtbot):
    from playground import scenes
    from playground.pages.optimizer.page import OptimizerPage

    page = OptimizerPage(theme=LIGHT, threaded=False)
    qtbot.addWidget(page)
    try:
        page.resize(1280, 650)
        page.show()
        page.load_scene(scenes.load_scene("lr-too-large"))
        page.seek(page.scene()["steps"])

        def legend():
            return [label.text for _, label in page.curves.legend.items]

        assert any("diverged" in text for text in legend())
        before = legend()
        for theme in (DARK, LIGHT):
            page.set_theme(theme)
            assert legend() == before
    finally:
        page.shutdown()


def test_lr_axis_names_the_lr_and_a_schedule_retick_is_rare(qtbot):
    from widgets.training_curves import TrainingCurves

    c = TrainingCurves(LIGHT)
    qtbot.addWidget(c)
    c.resize(500, 300)
    c.show()
    qtbot.wait(10)
    axis = c.lr_plot.getAxis("left")
    calls = []
    original = axis.setTicks
    axis.setTicks = lambda *a, **k: (calls.append(a), original(*a, **k))[1]
    for s in range(2000):  # exponential decay from 0.1, refreshed every 10 steps as a live run is
        c.history.append("step", epoch=s / 100, step=s, examples=32 * s, train_loss=1.0, lr=0.1 * 0.9994 ** s)
        if s % 10 == 0:
            c.refresh()
    assert len(calls) <= 10  # not once a frame: each re-tick re-renders the axis
    c.refresh(tight=True)  # paused or finished: the exact values
    strings = _tick_strings(axis)
    assert "0.1" in strings and f"{0.1 * 0.9994 ** 1999:.2g}" in strings, strings


def test_page_tabs_and_menus_use_the_themes_text_size(qtbot):
    from PySide6.QtWidgets import QMenu

    from playground.main_window import MainWindow
    from widgets.theme import get_theme

    win = MainWindow(theme="light")
    qtbot.addWidget(win)
    want = get_theme("light").font_pt - 2
    assert want > win.font().pointSize()  # larger than the system default they had
    assert win.tabs.tabBar().font().pointSize() == want
    assert win.menuBar().font().pointSize() == want
    assert all(m.font().pointSize() == want for m in win.menuBar().findChildren(QMenu))
    win.shutdown()
