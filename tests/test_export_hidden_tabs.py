"""A plot on a tab that is not open exports the picture it shows once opened (PNG and SVG), and the tabs stay.

Offscreen, a tab page never shown is 640x480 and its pyqtgraph axes have not measured their text; the
training page's diagram and histograms take a snapshot only while on screen.
"""
from __future__ import annotations

import xml.etree.ElementTree as ET

import numpy as np
import pytest
from PySide6.QtGui import QImage
from window_kit import shown_window

from playground import plot_exports
from playground.exports.reveal import hidden_reason


@pytest.fixture(params=["light", "dark"])
def window(qtbot, request):
    with shown_window(qtbot, request.param) as w:
        yield w


def _pixels(path) -> np.ndarray:
    img = QImage(str(path)).convertToFormat(QImage.Format_RGB32)
    arr = np.frombuffer(img.constBits(), np.uint8).reshape(img.height(), img.bytesPerLine() // 4, 4)
    return arr[:, : img.width(), :3].astype(int)


def _same_picture(a, b) -> None:
    pa, pb = _pixels(a), _pixels(b)
    assert pa.shape == pb.shape, (a, pa.shape, pb.shape)
    differ = np.mean(np.abs(pa - pb).max(axis=-1) > 30)
    assert differ < 0.002, f"{a}: {differ:.1%} of the pixels differ from the picture of the open tab"
    assert len(np.unique(pa.reshape(-1, 3), axis=0)) > 100, f"{a}: nearly uniform"


def _export(window, plot, folder, fmt="png"):
    folder.mkdir(exist_ok=True)
    out = folder / f"{plot.key}.{fmt}"
    assert plot_exports.run_export(window, plot, fmt, str(out)) == [str(out)], window.statusBar().currentMessage()
    return out


def test_search_plots_on_closed_tabs_export_as_when_open(window, qtbot, tmp_path):
    from core.search_records import TrialRecord

    assert window.open_file("search-random-vs-grid", ask=False)
    page = window.pages["search"]
    window.tabs.setCurrentWidget(page)
    rng = np.random.default_rng(3)
    records = []
    for i in range(12):
        lr, wd = float(10 ** rng.uniform(-3, 0)), float(rng.uniform(0, 0.01))
        records.append(TrialRecord(i, {"lr": lr, "weight_decay": wd}, float((np.log10(lr) + 1.5) ** 2 + 30 * wd),
                                   "complete", {e: 1 / (e + 1) + 0.05 * i for e in range(5)}, {}))
    page.model.records = tuple(records)
    page.model.importance = {"lr": 0.7, "weight_decay": 0.3}
    page._draw()  # what a finished search draws (records set by hand emit no redraw)
    qtbot.wait(50)
    plots = plot_exports.page_plots(page)
    closed = {p.key for p in plots if not p.view.isVisible()}
    assert closed == {"contour", "parallel", "intermediate", "importance"}
    assert {p.view.size().toTuple() for p in plots if p.key in closed} == {(640, 480)}  # never laid out
    tabs = (page.tabs_left, page.tabs_right)
    before = [t.currentIndex() for t in tabs]
    changed = []
    for t in tabs:
        t.currentChanged.connect(changed.append)
    hidden = {p.key: (_export(window, p, tmp_path / "hidden"), _export(window, p, tmp_path / "hidden", "svg"))
              for p in plots}
    # The tabs are as they were, and the page was not told of a tab change.
    assert [t.currentIndex() for t in tabs] == before and changed == []
    assert not any(p.view.isVisible() for p in plots if p.key in closed)
    for t in tabs:
        for i in range(t.count()):
            t.setCurrentIndex(i)
            qtbot.wait(30)
            for p in plots:
                if p.view.isVisible():
                    png = _export(window, p, tmp_path / "shown")
                    _same_picture(hidden[p.key][0], png)
                    root = ET.parse(hidden[p.key][1]).getroot()
                    assert (root.get("width"), root.get("height")) == (str(p.view.width()), str(p.view.height()))


def test_training_views_on_a_closed_page_export_as_when_open(window, qtbot, tmp_path):
    from playground.pages.training.render import train_synchronously

    assert window.open_file("train-dropout", ask=False)
    page = window.pages["training"]
    window.tabs.setCurrentWidget(window.pages["optimizer"])
    qtbot.wait(30)
    # Trained while its page is closed: the diagram and histograms skip the snapshot until shown.
    train_synchronously(page, epochs=3)
    changed = []
    window.tabs.currentChanged.connect(changed.append)
    plots = {p.key: p for p in plot_exports.page_plots(page)}
    keys = ("decision", "curves", "diagram", "histograms")
    hidden = {k: _export(window, plots[k], tmp_path / "hidden") for k in keys}
    assert window.tabs.currentWidget() is window.pages["optimizer"] and changed == []
    # The confusion matrix is switched off for two classes: said, not a blank picture.
    assert hidden_reason(page.confusion) == "it is switched off on this page"
    assert plot_exports.run_export(window, plots["confusion"], "png", str(tmp_path / "c.png")) is None
    assert "switched off" in window.statusBar().currentMessage() and not (tmp_path / "c.png").exists()
    # The same run (seeded) trained with its page open.
    window.tabs.setCurrentWidget(page)
    qtbot.wait(30)
    train_synchronously(page, epochs=3)
    qtbot.wait(30)
    for k in keys:
        _same_picture(hidden[k], _export(window, plots[k], tmp_path / "shown"))
