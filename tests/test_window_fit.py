"""The window fits and works on a 1280x720 screen with a title bar and a taskbar: about 1280x650 free."""
from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from playground.main_window import MainWindow
from playground.pages.training.model import RunStatus

FREE = (1280, 650)
SPAWN_MS = 60000  # the trainer subprocess imports torch first
REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def window(qtbot):
    w = MainWindow(theme="light")
    qtbot.addWidget(w)
    w.resize(*FREE)
    w.show()
    qtbot.waitExposed(w)
    yield w
    w.close()


def _assert_fits(w, what: str) -> None:
    hint, minimum = w.minimumSizeHint(), w.minimumSize()
    need = (max(hint.width(), minimum.width()), max(hint.height(), minimum.height()))
    assert need[0] <= FREE[0] and need[1] <= FREE[1], f"{what}: the window needs {need[0]}x{need[1]}"
    assert (w.width(), w.height()) == FREE, f"{what}: the window grew to {w.width()}x{w.height()}"


def _assert_inside(w, widget, what: str) -> None:
    """``widget`` shows whole inside the window (not cut by its bottom or right edge)."""
    assert widget.isVisible() and widget.height() > 0, f"{what} is not shown"
    r = widget.rect()
    bottom_right = widget.mapTo(w, r.bottomRight())
    assert bottom_right.x() < w.width() and bottom_right.y() < w.height(), f"{what} ends at {bottom_right.toTuple()}"
    assert widget.height() >= widget.minimumSizeHint().height(), f"{what} squeezed to {widget.height()} px"


def test_both_pages_and_every_side_tab_fit(window, qtbot):
    for kind, page in window.pages.items():
        window.tabs.setCurrentWidget(page)
        qtbot.wait(10)
        _assert_fits(window, f"{kind} page")
    opt = window.pages["optimizer"]
    window.tabs.setCurrentWidget(opt)
    for i in range(opt.side_tabs.count()):
        opt.side_tabs.setCurrentIndex(i)
        qtbot.wait(10)
        _assert_fits(window, f"optimizer page, {opt.side_tabs.tabText(i)} tab")
        _assert_inside(window, opt.playback.play_button, "the Play button")
        _assert_inside(window, opt.playback, "the Play/Step bar")
    assert window.open_scene("train-dropout")  # a two-line lesson above the training page
    _assert_fits(window, "training page with a lesson")
    _assert_inside(window, window.pages["training"].run_bar, "the training run bar")


def test_training_status_and_lr_range_test_do_not_grow_the_window(window, qtbot):
    assert window.open_scene("train-dropout")
    page = window.pages["training"]
    before = window.minimumSizeHint()
    page.one_epoch()  # a real run: the status line reports the epoch
    qtbot.waitUntil(lambda: len(page.curves.history.column("epoch", "epoch")) >= 1
                    and page.model.status is not RunStatus.RUNNING, timeout=SPAWN_MS)
    qtbot.waitUntil(lambda: "poch" in page.status.text(), timeout=5000)
    _assert_fits(window, "after an epoch's status line")
    assert window.minimumSizeHint().width() <= before.width()  # the status never widens the window
    page.lr_range_test()
    qtbot.waitUntil(lambda: page.curves.range_plot.isVisible(), timeout=SPAWN_MS)
    qtbot.wait(50)
    _assert_fits(window, "after an LR range test")
    assert page.curves.height() >= page.curves.minimumHeight()
    assert window.minimumSizeHint().width() <= before.width()
    _assert_inside(window, page.run_bar, "the training run bar")


CHILD = textwrap.dedent(
    """
    import sys
    from PySide6.QtCore import QSettings
    QSettings.setDefaultFormat(QSettings.IniFormat)
    QSettings.setPath(QSettings.IniFormat, QSettings.UserScope, sys.argv[1])
    from PySide6.QtWidgets import QApplication
    app = QApplication([])
    from playground.main_window import MainWindow
    w = MainWindow(theme="light")
    w.show()
    for _ in range(10):
        app.processEvents()
    free = w.screen().availableGeometry()
    bar = w.pages["optimizer"].playback
    bottom = bar.mapToGlobal(bar.rect().bottomLeft()).y()
    print(w.width(), w.height(), free.width(), free.height(), bottom)
    w.close()
    app.processEvents()
    """
)


@pytest.mark.skipif(shutil.which("Xvfb") is None, reason="Xvfb is not installed")
def test_first_start_on_a_1280x720_screen_keeps_the_play_bar_on_screen(tmp_path):
    from xdisplay import xcb_env, xvfb_display

    with xvfb_display("1280x720x24") as display:
        env = dict(xcb_env(display), PYTHONPATH=str(REPO))
        proc = subprocess.run([sys.executable, "-c", CHILD, str(tmp_path)], env=env, cwd=REPO,
                              capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    w, h, free_w, free_h, bottom = map(int, proc.stdout.split()[-5:])
    assert w <= free_w and h <= free_h - 40  # room for a title bar above it
    assert bottom < free_h, f"the Play bar ends at y={bottom} on a {free_w}x{free_h} screen"


@pytest.mark.parametrize("height", [250, 300, 420])
def test_curve_titles_stay_apart_and_the_range_plot_gives_its_room_back(qtbot, height):
    import numpy as np

    from widgets.theme import LIGHT
    from widgets.training_curves import TrainingCurves

    c = TrainingCurves(LIGHT)
    qtbot.addWidget(c)
    c.resize(500, height)
    c.show()
    qtbot.wait(10)
    plots = (c.loss_plot, c.acc_plot, c.lr_plot)

    def heights():
        return [round(p.vb.height()) for p in plots]

    def titles_apart():
        rects = [p.getAxis("left").label.sceneBoundingRect() for p in plots]
        for p, r in zip(plots, rects):  # each title within its own plot's height
            box = p.vb.sceneBoundingRect()
            assert box.top() - 1 <= r.center().y() <= box.bottom() + 1
        for a, b in zip(rects, rects[1:]):
            assert a.bottom() <= b.top() + 1, "axis titles run into each other"

    before = heights()
    titles_apart()
    c.show_lr_range(np.logspace(-5, 1, 30), np.linspace(1, 3, 30), 0.05)
    c.resize(500, max(height, c.minimumHeight()))
    qtbot.wait(10)
    titles_apart()
    assert c.range_plot.vb.height() > 0
    c.hide_lr_range()
    c.resize(500, height)
    qtbot.wait(10)
    assert heights() == pytest.approx(before, abs=1)  # not left squeezed
    titles_apart()


def test_run_bar_keeps_its_width_when_play_becomes_pause(qtbot):
    from widgets.theme import DARK, LIGHT
    from widgets.training_controls_run import RunBar

    bar = RunBar(LIGHT)
    qtbot.addWidget(bar)
    for theme in (LIGHT, DARK):
        bar.set_theme(theme)
        idle = bar.minimumSizeHint().width()
        bar.set_running(True)
        assert bar.play.text().endswith("Pause")
        assert bar.minimumSizeHint().width() == idle
        bar.set_running(False)
