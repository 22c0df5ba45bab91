"""Plots and tables exported as PNG, SVG and CSV (right-click and File > Export), dialogs bypassed."""
from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET

import pytest
from PySide6.QtCore import QPoint
from PySide6.QtGui import QContextMenuEvent, QImage
from PySide6.QtWidgets import QApplication, QFileDialog, QMenu, QMessageBox
from window_kit import shown_window

from playground import plot_exports
from playground.cli import main
from playground.cli_trajectory import HPARAM_FLAGS
from playground.exports import plot_tables
from playground.exports.reveal import hidden_reason
from widgets.plot_export_menu import export_menu, has_export_menu

OPTIMIZER_PLOTS = ["surface", "loss", "lr", "basins", "hparams", "curvature", "surface3d"]
TRAINING_PLOTS = ["decision", "curves", "confusion", "diagram", "histograms"]


@pytest.fixture
def window(qtbot):
    with shown_window(qtbot) as w:
        yield w


def _optimizer(window, qtbot, steps=None):
    assert window.open_file("saddle-escape", ask=False)
    page = window.pages["optimizer"]
    window.tabs.setCurrentWidget(page)
    if steps is not None:
        page.model.steps = steps
    assert page.wait_computed(60)
    page.seek(page.model.steps)
    qtbot.wait(50)
    return page


def _plot(page, key):
    return next(p for p in plot_exports.page_plots(page) if p.key == key)


def _csv(path):
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))


def test_each_page_lists_its_plots_and_every_plot_has_the_menu(window):
    pages = {"optimizer": OPTIMIZER_PLOTS, "training": TRAINING_PLOTS}
    for kind, keys in pages.items():
        plots = plot_exports.page_plots(window.pages[kind])
        assert [p.key for p in plots] == keys
        for p in plots:
            assert has_export_menu(p.view), p.key
            actions = [a for a in export_menu(p.view).actions() if not a.isSeparator()]
            texts = [a.text() for a in actions]
            # The 3-D view (OpenGL) says in one line that it has no SVG, a disabled line, not a broken export.
            assert texts[:2] == ["Export PNG…", p.no_svg or "Export SVG…"], p.key
            assert actions[1].isEnabled() == (not p.no_svg), p.key
            assert texts[2:] == [t.text for t in p.tables]
        assert len({p.name for p in plots}) == len(plots)  # readable and distinct names


def test_file_export_menu_lists_the_current_pages_plots(window):
    for kind in ("optimizer", "training"):
        window.tabs.setCurrentWidget(window.pages[kind])
        window.export_menu.aboutToShow.emit()
        plots = {p.key: p for p in plot_exports.page_plots(window.pages[kind])}
        if kind == "optimizer":
            assert plots["surface"].view.isVisible() and not plots["basins"].view.isVisible()
            assert hidden_reason(plots["basins"].view) is None  # only behind its tab
        names = [a.text() for a in window.export_menu.actions()]
        assert names == [p.name for p in plot_exports.page_plots(window.pages[kind])]
        for p in plot_exports.page_plots(window.pages[kind]):
            # The menus themselves, not QAction.menu() (docs/traps.md: that one can be deleted already).
            sub = window.export_menu.findChild(QMenu, f"export-{p.key}")
            actions = [a for a in sub.actions() if not a.isSeparator()]
            assert [a.text() for a in actions] == ["Export PNG…", p.no_svg or "Export SVG…"] + [t.text for t in p.tables]
            # A plot behind a tab that is not open exports too (the export opens the tab for the picture);
            # one the page has switched off (the training page's views) does not.
            off = hidden_reason(p.view) is not None
            assert [a.isEnabled() for a in actions[:2]] == [not off, not off and not p.no_svg], p.key
            assert not off or actions[0].toolTip() == f"Not shown: {hidden_reason(p.view)}."
            assert all(a.isEnabled() for a in actions[2:])


def test_png_has_the_plots_size_and_svg_parses(window, qtbot, tmp_path):
    page = _optimizer(window, qtbot, steps=40)
    shown = [p for p in plot_exports.page_plots(page) if p.view.isVisible()]
    assert {"surface", "loss", "lr"} <= {p.key for p in shown}
    page.side_tabs.setCurrentIndex(1)  # the curvature readout: a plain widget (not pyqtgraph) too
    qtbot.waitUntil(page.curvature.isVisible)
    shown.append(_plot(page, "curvature"))
    for p in shown:
        png, svg = tmp_path / f"{p.key}.png", tmp_path / f"{p.key}.svg"
        assert plot_exports.run_export(window, p, "png", str(png)) == [str(png)]
        image = QImage(str(png))
        assert (image.width(), image.height()) == (p.view.width(), p.view.height()), p.key
        assert image.pixelColor(image.width() // 2, image.height() // 2).isValid()
        assert plot_exports.run_export(window, p, "svg", str(svg)) == [str(svg)]
        root = ET.parse(svg).getroot()
        assert root.tag.endswith("svg"), p.key
        assert (root.get("width"), root.get("height")) == (str(p.view.width()), str(p.view.height())), p.key
        assert len(list(root.iter())) > 10, p.key  # something drawn, not an empty document
    assert "Exported the curvature readout" in window.statusBar().currentMessage()


def test_svg_renders_back_like_the_png(window, qtbot, tmp_path):
    QSvgRenderer = pytest.importorskip("PySide6.QtSvg").QSvgRenderer
    from PySide6.QtGui import QColor, QPainter

    window.set_theme("dark")  # a dark background must come along (pyqtgraph's 100% rect read as 100 px)
    page = _optimizer(window, qtbot, steps=40)
    p = _plot(page, "surface")
    plot_exports.run_export(window, p, "png", str(tmp_path / "a.png"))
    plot_exports.run_export(window, p, "svg", str(tmp_path / "a.svg"))
    r = QSvgRenderer(str(tmp_path / "a.svg"))
    assert r.isValid() and (r.defaultSize().width(), r.defaultSize().height()) == (p.view.width(), p.view.height())
    png = QImage(str(tmp_path / "a.png")).convertToFormat(QImage.Format_ARGB32)
    back = QImage(png.size(), QImage.Format_ARGB32)
    back.fill(QColor("magenta"))  # shows through wherever the SVG leaves the background out
    painter = QPainter(back)
    r.render(painter)
    painter.end()
    # Same picture: most pixels within a few levels (text and antialiasing differ a little).
    import numpy as np

    def arr(img):
        return np.frombuffer(img.constBits(), np.uint8).reshape(img.height(), img.bytesPerLine())[:, : img.width() * 4]

    diff = np.abs(arr(png).astype(int) - arr(back).astype(int)).reshape(png.height(), png.width(), 4)[..., :3].max(-1)
    assert (diff > 40).mean() < 0.05


def _cli_argv(scene, racer, steps):
    argv = ["trajectory", "--surface", scene["surface"], "--optimizer", racer["optimizer"],
            "--start", ",".join(repr(float(v)) for v in scene["start"]), "--steps", str(steps)]
    flag = {name: f for f, (name, _) in HPARAM_FLAGS.items()}
    for name, value in racer["hparams"].items():
        if isinstance(value, bool):
            argv += [flag[name]] if value else []
        elif isinstance(value, (list, tuple)):
            argv += [flag[name], ",".join(repr(float(v)) for v in value)]
        else:
            argv += [flag[name], repr(float(value))]
    if racer.get("schedule"):
        argv += ["--schedule", racer["schedule"]]
    if float(racer.get("grad_noise") or 0):
        argv += ["--grad-noise", repr(float(racer["grad_noise"]))]
    if racer.get("batch_size"):
        argv += ["--batch-size", str(racer["batch_size"])]
    argv += ["--seed", str(int(racer.get("seed") or 0))]
    return argv


def _open(window, qtbot, name, steps):
    assert window.open_file(name, ask=False)
    page = window.pages["optimizer"]
    window.tabs.setCurrentWidget(page)
    page.model.steps = steps
    assert page.wait_computed(60)
    return page


# Plain racers; runs that diverge (their rows stop early); mini-batches, a seed and a schedule.
@pytest.mark.parametrize("name,steps", [("saddle-escape", 60), ("lr-too-large", 120), ("lr-decay", 80)])
def test_trajectory_csv_is_byte_identical_to_the_cli(window, qtbot, tmp_path, capsys, name, steps):
    page = _open(window, qtbot, name, steps)
    scene = page.scene()
    surface = _plot(page, "surface")
    files = plot_exports.run_export(window, surface, "trajectories-per-racer", str(tmp_path / "race.csv"))
    assert files == [str(tmp_path / f"race-{i}.csv") for i in range(len(scene["racers"]))]
    for i, racer in enumerate(scene["racers"]):
        assert main(_cli_argv(scene, racer, steps)) == 0
        cli = capsys.readouterr().out
        assert (tmp_path / f"race-{i}.csv").read_bytes() == cli.encode("utf-8"), f"racer {i}"
        assert cli.splitlines()[0] == "step,x,y,loss,lr"
    lengths = {len(_csv(tmp_path / f"race-{i}.csv")) for i in range(len(scene["racers"]))}
    assert max(lengths) == steps + 2  # header, then steps 0 .. steps
    if name == "lr-too-large":
        assert min(lengths) < max(lengths)  # lr 0.21 diverged: its file stops at its last finite row
    # The long file: the same rows, with the racer's index and label first.
    long_path = tmp_path / "long.csv"
    assert plot_exports.run_export(window, surface, "trajectories", str(long_path)) == [str(long_path)]
    rows = _csv(long_path)
    assert rows[0] == ["racer", "label", "step", "x", "y", "loss", "lr"]
    for i, racer in enumerate(scene["racers"]):
        mine = [r[2:] for r in rows[1:] if r[0] == str(i)]
        assert {r[1] for r in rows[1:] if r[0] == str(i)} == {racer["label"]}
        assert mine == _csv(tmp_path / f"race-{i}.csv")[1:]


def test_curve_csv_rows_match_the_trajectories(window, qtbot, tmp_path):
    page = _optimizer(window, qtbot, steps=30)
    trajs = page.trajectories()
    for key in ("loss", "lr"):
        out = tmp_path / f"{key}.csv"
        plot_exports.run_export(window, _plot(page, key), key, str(out))
        rows = _csv(out)
        assert rows[0] == ["racer", "label", "step", key]
        n = [min(len(t.xy), page.model.steps + 1) for t in trajs]  # a worker may have run past the end
        assert len(rows) - 1 == sum(n) and max(n) == page.model.steps + 1
        last = [r for r in rows[1:] if r[0] == "0"][-1]
        assert int(last[2]) == n[0] - 1 and float(last[3]) == float(getattr(trajs[0], key)[n[0] - 1])


def test_basin_csv_after_a_map(window, qtbot, tmp_path):
    page = _optimizer(window, qtbot, steps=30)
    maps = page.maps
    page.side_tabs.setCurrentIndex(2)  # the maps tab
    maps.basin_res.setValue(10)
    maps.compute_basins()
    qtbot.waitUntil(lambda: maps.basin_result is not None, timeout=60000)
    out = tmp_path / "basins.csv"
    plot_exports.run_export(window, _plot(page, "basins"), "basins", str(out))
    rows = _csv(out)
    assert rows[0] == ["x0", "y0", "outcome", "steps", "x", "y", "loss"] and len(rows) == 1 + 10 * 10
    assert float(rows[1][1]) < float(rows[-1][1])  # y outer, as `basin` prints
    png = tmp_path / "basins.png"
    assert plot_exports.run_export(window, _plot(page, "basins"), "png", str(png))
    assert QImage(str(png)).width() == maps.basin_view.plot.width()
    # The hyperparameter map: one row per cell, its two hyperparameters named in the header.
    maps.tabs.setCurrentIndex(1)
    maps.hp_res.setValue(6)
    maps.compute_hparams()
    qtbot.waitUntil(lambda: maps.hparam_result is not None, timeout=60000)
    out = tmp_path / "hparams.csv"
    plot_exports.run_export(window, _plot(page, "hparams"), "hparams", str(out))
    rows = _csv(out)
    xkey, ykey, xs, ys = maps.hparam_context()
    assert rows[0] == [xkey, ykey, "outcome", "steps", "loss"] and len(rows) == 1 + len(xs) * len(ys) == 37
    assert sorted({float(r[0]) for r in rows[1:]}) == sorted(float(v) for v in xs)
    assert plot_exports.run_export(window, _plot(page, "hparams"), "svg", str(tmp_path / "hparams.svg"))


def test_training_tables_match_the_history(window, qtbot, tmp_path):
    from playground.pages.training.render import train_synchronously

    assert window.open_file("train-dropout", ask=False)
    page = window.pages["training"]
    window.tabs.setCurrentWidget(page)
    epochs = 4
    train_synchronously(page, epochs=epochs)
    qtbot.wait(50)
    curves = _plot(page, "curves")
    out = tmp_path / "epochs.csv"
    plot_exports.run_export(window, curves, "epochs", str(out))
    rows = _csv(out)
    h = page.curves.history
    assert rows[0] == list(h.COLUMNS)
    assert len(rows) - 1 == len(h.column("epoch", "epoch")) == epochs + 1  # epoch 0 = before training
    assert [int(r[0]) for r in rows[1:]] == list(range(epochs + 1))
    assert float(rows[-1][rows[0].index("val_loss")]) == float(page.model.metrics.val_loss)
    steps = tmp_path / "steps.csv"
    plot_exports.run_export(window, curves, "steps", str(steps))
    assert len(_csv(steps)) - 1 == len(h.column("step", "step"))
    conf = tmp_path / "confusion.csv"
    plot_exports.run_export(window, _plot(page, "confusion"), "confusion", str(conf))
    m = page.model.snapshot.confusion
    table = _csv(conf)
    assert table[0] == ["true"] + [f"predicted_{j}" for j in range(len(m))]
    assert [[int(v) for v in r[1:]] for r in table[1:]] == m.tolist()
    data = tmp_path / "data.csv"
    plot_exports.run_export(window, _plot(page, "decision"), "data", str(data))
    points = _csv(data)
    d = page.model.run_data
    assert points[0] == ["split", "x1", "x2", "label"] and len(points) - 1 == sum(len(v) for v in d.X.values())
    snap = page.model.snapshot
    weights = tmp_path / "weights.csv"
    plot_exports.run_export(window, _plot(page, "diagram"), "weights", str(weights))
    table = _csv(weights)
    assert table[0] == ["layer", "to", "from", "weight"] and len(table) - 1 == sum(w.size for w in snap.weights)
    hist = tmp_path / "hist.csv"
    plot_exports.run_export(window, _plot(page, "histograms"), "histograms", str(hist))
    table = _csv(hist)
    counts = [h[0] for h in snap.act_hist + snap.grad_hist if h is not None]
    assert table[0] == ["kind", "layer", "bin_low", "bin_high", "count"] and len(table) - 1 == sum(map(len, counts))
    for key in ("decision", "curves", "diagram", "histograms"):
        p = _plot(page, key)
        png = tmp_path / f"{key}.png"
        assert plot_exports.run_export(window, p, "png", str(png)), key
        assert QImage(str(png)).size().toTuple() == (p.view.width(), p.view.height())
        assert ET.parse(plot_exports.run_export(window, p, "svg", str(tmp_path / f"{key}.svg"))[0]).getroot()


def test_labels_are_quoted_as_csv_fields():
    for label in ("GD", "lr 0.1, momentum", 'say "hi"', "two\nlines"):
        assert list(csv.reader(io.StringIO(plot_tables.csv_field(label) + ",1\n"))) == [[label, "1"]]


def test_errors_are_shown_in_place(window, qtbot, tmp_path):
    page = _optimizer(window, qtbot, steps=20)
    step = page.step()
    bad = tmp_path / "no-such-folder" / "x.png"
    assert plot_exports.run_export(window, _plot(page, "surface"), "png", str(bad)) is None
    assert "Could not export the surface and trails" in window.statusBar().currentMessage()
    boxes = [b for b in window.findChildren(QMessageBox) if b.isVisible()]
    assert boxes and "cannot write" in boxes[-1].text()
    assert plot_exports.run_export(window, _plot(page, "surface"), "trajectories", str(bad.with_suffix(".csv"))) is None
    assert "No such file" in window.statusBar().currentMessage()
    # A map never computed: a message, not a file.
    assert plot_exports.run_export(window, _plot(page, "basins"), "basins", str(tmp_path / "b.csv")) is None
    assert not (tmp_path / "b.csv").exists() and "nothing to export yet" in window.statusBar().currentMessage()
    assert page.step() == step  # the page kept its state


def test_right_click_menu_asks_for_the_file_and_remembers_the_folder(window, qtbot, tmp_path, monkeypatch):
    from playground.export_actions import DIR_KEY
    from playground.settings import settings

    page = _optimizer(window, qtbot, steps=20)
    out = tmp_path / "picked" / "surface"
    out.parent.mkdir()
    asked = []

    def fake_dialog(parent, title, start, filters):
        asked.append((title, filters))
        return str(out), filters

    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(fake_dialog))
    view = page.surface_view.plot
    # A right-click's context-menu event, on the viewport as the window system delivers it.
    at = view.viewport().mapToGlobal(QPoint(20, 20))
    QApplication.sendEvent(view.viewport(), QContextMenuEvent(QContextMenuEvent.Mouse, QPoint(20, 20), at))
    popped = [m for m in view.findChildren(QMenu, "plot-export-menu") if m.isVisible()]
    assert len(popped) == 1 and popped[0].actions()[0].text() == "Export PNG…"
    assert popped[0].pos() == at  # where the click was
    popped[0].hide()
    menu = export_menu(view)
    next(a for a in menu.actions() if a.text() == "Export SVG…").trigger()
    assert (tmp_path / "picked" / "surface.svg").exists()  # the suffix added
    assert asked[-1][1] == "SVG drawing (*.svg)"
    assert settings().value(DIR_KEY) == str(tmp_path / "picked")
    menu = export_menu(page.curves.lr_plot)
    next(a for a in menu.actions() if a.text() == "Export data as CSV…").trigger()
    assert _csv(tmp_path / "picked" / "surface.csv")[0] == ["racer", "label", "step", "lr"]


SEARCH_PLOTS = ["history", "slice", "contour", "parallel", "intermediate", "importance"]


def test_search_page_plots_export_their_trials(window, qtbot, tmp_path):
    from core.search_records import TrialRecord

    page = window.pages["search"]
    window.tabs.setCurrentWidget(page)
    plots = plot_exports.page_plots(page)
    assert [p.key for p in plots] == SEARCH_PLOTS and all(has_export_menu(p.view) for p in plots)
    with pytest.raises(Exception, match="nothing|no "):  # no trials yet: said, not an empty file
        plot_exports.export_table(plots[0].tables[0], str(tmp_path / "none.csv"))
    page.model.records = (
        TrialRecord(0, {"lr": 0.01}, 0.5, "complete", {0: 0.9, 1: 0.5}, {}),
        TrialRecord(1, {"lr": 0.3}, 0.7, "pruned", {0: 1.1}, {}),
        TrialRecord(2, {"lr": 1e-3}, None, "fail", {}, {"error": "nan"}),
    )
    page.model.importance = {"lr": 1.0}
    qtbot.wait(50)
    out = tmp_path / "trials.csv"
    plot_exports.run_export(window, _plot(page, "history"), "trials", str(out))
    assert _csv(out) == [["number", "state", "value", "lr"], ["0", "complete", "0.5", "0.01"],
                         ["1", "pruned", "0.7", "0.3"], ["2", "fail", "", "0.001"]]
    curves = tmp_path / "curves.csv"
    plot_exports.run_export(window, _plot(page, "intermediate"), "intermediate", str(curves))
    assert _csv(curves)[1:] == [["0", "0", "0.9"], ["0", "1", "0.5"], ["1", "0", "1.1"]]
    imp = tmp_path / "imp.csv"
    plot_exports.run_export(window, _plot(page, "importance"), "importance", str(imp))
    assert _csv(imp) == [["knob", "importance"], ["lr", "1.0"]]
    png = tmp_path / "history.png"
    p = _plot(page, "history")
    assert plot_exports.run_export(window, p, "png", str(png))
    assert QImage(str(png)).size().toTuple() == (p.view.width(), p.view.height())


def test_lr_range_test_exports_as_csv(window, qtbot, tmp_path):
    import numpy as np

    from core.training.lr_range import LRRange

    page = window.pages["training"]
    lrs = np.logspace(-4, 0, 5)
    page.model.lr_range = LRRange(lrs, np.array([1.0, 0.8, 0.5, 0.9, 3.0]), np.array([1.0, 0.9, 0.7, 0.8, 1.5]),
                                  min_lr=float(lrs[2]), suggested_lr=float(lrs[2]) / 10)
    out = tmp_path / "range.csv"
    plot_exports.run_export(window, _plot(page, "curves"), "lr-range", str(out))
    rows = _csv(out)
    assert rows[0] == ["lr", "loss", "smoothed_loss"] and len(rows) == 6
    assert [float(r[0]) for r in rows[1:]] == list(lrs) and float(rows[3][1]) == 0.5


def test_the_kept_ghost_run_exports_as_csv(window, qtbot, tmp_path):
    import math

    from playground.pages.training.render import train_synchronously
    from widgets.training_curves import CurveHistory

    assert window.open_file("train-dropout", ask=False)
    page = window.pages["training"]
    window.tabs.setCurrentWidget(page)
    curves = _plot(page, "curves")
    assert plot_exports.run_export(window, curves, "ghost", str(tmp_path / "none.csv")) is None  # no ghost yet
    assert "no run kept as ghost" in window.statusBar().currentMessage() and not (tmp_path / "none.csv").exists()
    train_synchronously(page, epochs=3)
    first = tmp_path / "first.csv"
    plot_exports.run_export(window, curves, "epochs", str(first))
    page.keep_as_ghost()
    page.model.lr = 0.05  # one setting changed, as the page suggests
    train_synchronously(page, epochs=5)
    ghost, live = tmp_path / "ghost.csv", tmp_path / "live.csv"
    assert plot_exports.run_export(window, curves, "ghost", str(ghost)) == [str(ghost)]
    plot_exports.run_export(window, curves, "epochs", str(live))
    # The ghost file is the kept run's epochs file, in the live file's columns; the live run moved on.
    assert ghost.read_bytes() == first.read_bytes()
    rows = _csv(ghost)
    assert rows[0] == _csv(live)[0] == list(CurveHistory.COLUMNS)
    assert [int(r[0]) for r in rows[1:]] == [0, 1, 2, 3] and len(_csv(live)) == 1 + 6
    assert _csv(live)[1:5] != rows[1:]
    # A metric the kept run has no value for (a regression run's accuracy) is an empty cell.
    kept = CurveHistory("ghost")
    kept.append("epoch", epoch=0, step=0, examples=0, train_loss=1.5, val_loss=1.75, lr=0.1)
    kept.append("epoch", epoch=1, step=10, examples=160, train_loss=0.5, val_loss=0.625, lr=0.1)
    page.curves.ghost = kept
    plot_exports.run_export(window, curves, "ghost", str(ghost))
    rows = _csv(ghost)
    acc = [rows[0].index("train_acc"), rows[0].index("val_acc")]
    assert [[r[i] for i in acc] for r in rows[1:]] == [["", ""], ["", ""]]
    assert rows[2][:5] == ["1", "10", "160", "0.5", "0.625"] and not any(math.isnan(float(r[3])) for r in rows[1:])
