"""Plots and tables out of the app: PNG, SVG and CSV, by right-click and from File > Export.

Each page lists its plots (:func:`page_plots`) by a readable name. A plot exports

- as PNG and SVG through pyqtgraph's exporters (``ImageExporter``, ``SVGExporter``) on the view's
  whole scene, so axes, legends and colour bars come along; the PNG is the plot's size on screen in
  logical pixels (device pixel ratio 1). A plot that is not pyqtgraph (the network diagram, the
  curvature readout) is rendered by Qt itself, into a QImage or a ``QSvgGenerator``;
- as CSV from the page's own data (its model, the racers' trajectories, the training history), never
  from the drawn (thinned) polylines, each file with a header naming its columns.

Trajectories have two CSV forms: one file per racer with the header ``step,x,y,loss,lr`` (written by
``optimizer-playground trajectory``'s own writer, so a GUI file and a CLI file for the same racer
and steps are byte-identical), and one long file ``racer,label,step,x,y,loss,lr``, the layout of
``export-script``'s trajectory CSV.

Every export takes ``path``; without one it asks with a file dialog that starts in the folder of
the last export (``export_actions.DIR_KEY``). A failure (an unwritable path, a map not computed yet)
is shown in place, in the status bar and a message box, and the page keeps its state.
"""
from __future__ import annotations

import csv
import logging
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget

from playground.export_actions import ask_path
from widgets.plot_export_menu import install_export_menu

log = logging.getLogger(__name__)

#: Header of the long trajectory file (one row per racer and step).
LONG_HEADER = ("racer", "label", "step", "x", "y", "loss", "lr")


@dataclass
class Table:
    """One CSV a plot offers: a menu text and a function giving ``(header, rows)`` or None (no data yet).

    ``write`` replaces the generic writer where the file has a writer of its own (trajectories).
    """

    key: str
    text: str
    rows: Callable[[], tuple[list[str], list[list]] | None] | None = None
    write: Callable[[str], list[str]] | None = None


@dataclass
class Plot:
    """One exportable plot of a page.

    Attributes
    ----------
    key : str
        Short name (file names, tests): ``"surface"``, ``"loss"``, ...
    name : str
        What the menus call it.
    view : QWidget
        The widget shown (a pyqtgraph ``GraphicsView`` or a plain widget); it gets the right-click menu.
    tables : list of Table
        Its CSV exports (none for a picture only).
    """

    key: str
    name: str
    view: QWidget
    tables: list[Table] = field(default_factory=list)

    @property
    def is_pyqtgraph(self) -> bool:
        return hasattr(self.view, "scene") and hasattr(self.view.scene(), "sigMouseClicked")


class ExportError(Exception):
    """An export that cannot be done now, with the reason in one line."""


# ----------------------------------------------------------------------------- the pages' plots
def page_plots(page) -> list[Plot]:
    """The exportable plots of ``page`` (an optimizer or a training page), in reading order."""
    if hasattr(page, "surface_view"):
        return _optimizer_plots(page)
    if hasattr(page, "decision"):
        return _training_plots(page)
    return []


def _optimizer_plots(page) -> list[Plot]:
    plots = [
        Plot("surface", "Surface and trails", page.surface_view.plot, [
            Table("trajectories", "Export trajectories as CSV (one long file)…",
                  write=lambda path: write_trajectories(page, path, per_racer=False)),
            Table("trajectories-per-racer", "Export trajectories as CSV (one file per racer)…",
                  write=lambda path: write_trajectories(page, path, per_racer=True)),
        ]),
        Plot("loss", "Loss curves", page.curves.loss_plot,
             [Table("loss", "Export data as CSV…", lambda: _curve_table(page, "loss"))]),
        Plot("lr", "Learning-rate curves", page.curves.lr_plot,
             [Table("lr", "Export data as CSV…", lambda: _curve_table(page, "lr"))]),
    ]
    maps = page.maps
    if hasattr(maps, "basin_view"):  # else the fallback label of a panel that could not be built
        plots.append(Plot("basins", "Basins map", maps.basin_view.plot,
                          [Table("basins", "Export data as CSV…", lambda: _basin_table(maps))]))
        plots.append(Plot("hparams", "Hyperparameter map", maps.hparam_view.glw,
                          [Table("hparams", "Export data as CSV…", lambda: _hparam_table(maps))]))
    plots.append(Plot("curvature", "Curvature readout", page.curvature))
    return plots


def _training_plots(page) -> list[Plot]:
    return [
        Plot("decision", "Decision boundary", page.decision,
             [Table("data", "Export data points as CSV…", lambda: _data_table(page))]),
        Plot("curves", "Training curves", page.curves, [
            Table("epochs", "Export epochs as CSV…", lambda: _history_table(page, "epoch")),
            Table("steps", "Export steps (batch loss) as CSV…", lambda: _history_table(page, "step")),
        ]),
        Plot("confusion", "Confusion matrix", page.confusion,
             [Table("confusion", "Export data as CSV…", lambda: _confusion_table(page))]),
        Plot("diagram", "Network diagram", page.diagram,
             [Table("weights", "Export weights as CSV…", lambda: _weights_table(page))]),
        Plot("histograms", "Layer histograms", page.histograms,
             [Table("histograms", "Export data as CSV…", lambda: _histogram_table(page))]),
    ]


# ----------------------------------------------------------------------------- tables
def _racer_rows(page):
    """(index, label, rows ``(step, x, y, loss, lr)`` up to the run's last step) of each computed racer."""
    from playground.cli_trajectory import trajectory_rows

    trajs = page.trajectories()
    last = int(page.model.steps)  # a worker may have run a chunk past it
    for i, (racer, traj) in enumerate(zip(page.model.racers, trajs)):
        if traj is not None:
            yield i, racer["label"], trajectory_rows(traj, last)


def _curve_table(page, column: str):
    col = {"loss": 3, "lr": 4}[column]
    rows = [[i, label, r[0], r[col]] for i, label, rows in _racer_rows(page) for r in rows]
    return (["racer", "label", "step", column], rows) if rows else None


def _basin_table(maps):
    """The basins map as ``optimizer-playground basin`` prints it: ``x0,y0,outcome,steps,x,y,loss``."""
    res, view = maps.basin_result, maps.basin_view
    if res is None or view.shape() is None:
        return None
    ny, nx = view.shape()
    rows = []
    for row in range(ny):  # y outer, x inner: the order of the `basin` command
        for col in range(nx):
            i = row * nx + col
            x0, y0 = view.cell_center(row, col)
            rows.append([x0, y0, res.label(i), int(res.steps[i]), float(res.final_xy[i, 0]),
                         float(res.final_xy[i, 1]), float(res.final_loss[i])])
    return ["x0", "y0", "outcome", "steps", "x", "y", "loss"], rows


def _hparam_table(maps):
    """One row per cell of the hyperparameter map: the two values, the outcome, steps and final loss."""
    res, ctx = maps.hparam_result, maps.hparam_context()
    if res is None or ctx is None:
        return None
    xkey, ykey, xs, ys = ctx
    rows = []
    for row, yv in enumerate(ys):
        for col, xv in enumerate(xs):
            i = row * len(xs) + col
            rows.append([float(xv), float(yv), res.label(i), int(res.steps[i]), float(res.final_loss[i])])
    return [xkey, ykey, "outcome", "steps", "loss"], rows


def _history_table(page, kind: str):
    """The training history's ``kind`` series ("epoch" or "step"), the columns of ``CurveHistory``."""
    h = page.curves.history
    cols = list(h.COLUMNS)
    data = [h.column(kind, c) for c in cols]
    n = len(data[0])
    if not n:
        return None
    ints = {"epoch", "step", "examples"} if kind == "epoch" else {"step", "examples"}
    rows = [[_int_or_float(data[j][i], c in ints) for j, c in enumerate(cols)] for i in range(n)]
    return cols, rows


def _int_or_float(v: float, as_int: bool):
    v = float(v)
    return int(v) if as_int and math.isfinite(v) else v


def _confusion_table(page):
    snap = page.model.snapshot  # the counts the confusion view shows
    matrix = getattr(snap, "confusion", None) if snap is not None else None
    if matrix is None:
        return None
    k = len(matrix)
    return ["true"] + [f"predicted_{j}" for j in range(k)], [[i, *(int(v) for v in matrix[i])] for i in range(k)]


def _weights_table(page):
    """Every weight of the network the diagram draws: ``layer,to,from,weight`` (layer 1 = the first Linear)."""
    snap = page.model.snapshot
    if snap is None or not snap.weights:
        return None
    rows = [[k + 1, i, j, float(v)] for k, w in enumerate(snap.weights)
            for (i, j), v in _cells(w)]
    return ["layer", "to", "from", "weight"], rows


def _cells(w):
    import numpy as np

    w = np.asarray(w, float)
    return ((idx, w[idx]) for idx in np.ndindex(*w.shape))


def _histogram_table(page):
    """The histograms drawn: ``kind,layer,bin_low,bin_high,count`` (activations per hidden layer, gradients per W)."""
    snap = page.model.snapshot
    if snap is None:
        return None
    rows = []
    for kind, hists, name in (("activation", snap.act_hist, "hidden {}"), ("gradient", snap.grad_hist, "W{}")):
        for k, hist in enumerate(hists):
            if hist is None:
                continue
            counts, edges = hist
            rows.extend([kind, name.format(k + 1), float(edges[b]), float(edges[b + 1]), _int_or_float(c, True)]
                        for b, c in enumerate(counts))
    return (["kind", "layer", "bin_low", "bin_high", "count"], rows) if rows else None


def _data_table(page):
    data = page.model.run_data
    if data is None:
        return None
    rows = []
    for split in data.X:
        X, y = data.X[split], data.y[split]
        rows.extend([split, float(X[i, 0]), float(X[i, 1]), _int_or_float(y[i], data.task == "classification")]
                    for i in range(len(X)))
    return ["split", "x1", "x2", "target" if data.task != "classification" else "label"], rows


def _cell(v) -> str:
    if isinstance(v, float):
        return repr(v) if math.isfinite(v) else ""  # round-trip floats; an empty cell where there is no value
    return str(v)


def write_table(path: str, header, rows) -> None:
    """Write one CSV: ``header`` then ``rows``; floats in round-trip form, NaN as an empty cell."""
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(header)
        w.writerows([_cell(v) for v in row] for row in rows)


# ----------------------------------------------------------------------------- trajectories
def write_trajectories(page, path: str, per_racer: bool) -> list[str]:
    """Write the racers' trajectories (every computed step) and return the files written.

    ``per_racer``: ``STEM-INDEX.csv`` beside ``path`` per racer, header ``step,x,y,loss,lr``, each
    byte-identical to ``optimizer-playground trajectory``'s output for that racer. Otherwise one file,
    ``path``, with ``racer,label,`` before those columns.

    Raises
    ------
    ExportError
        Nothing computed yet, or the racers are still running.
    OSError
        The file cannot be written.
    """
    from playground.cli_trajectory import trajectory_lines, write_trajectory_csv

    page.race.pull()
    if not page.race.all_done():
        raise ExportError("the racers are still running: export when every racer has reached the last step")
    racers = list(_racer_rows(page))
    if not racers:
        raise ExportError("no trajectory computed yet")
    if per_racer:
        stem = str(Path(path).with_suffix(""))
        written = []
        for i, _label, rows in racers:
            out = f"{stem}-{i}.csv"
            with open(out, "w", newline="", encoding="utf-8") as fh:
                write_trajectory_csv(fh, rows)
            written.append(out)
        return written
    with open(path, "w", newline="", encoding="utf-8") as fh:
        fh.write(",".join(LONG_HEADER) + "\n")
        for i, label, rows in racers:
            prefix = f"{i},{_csv_field(label)},"
            fh.writelines(prefix + line for line in trajectory_lines(rows))
    return [path]


def _csv_field(text: str) -> str:
    """``text`` as one CSV field (quoted when it holds a comma, a quote or a line break)."""
    if re.search(r'[",\r\n]', text):
        return '"' + text.replace('"', '""') + '"'
    return text


# ----------------------------------------------------------------------------- pictures
def plot_image(plot: Plot):
    """The plot as a QImage of its on-screen size (device pixel ratio 1)."""
    from PySide6.QtGui import QColor, QImage

    w, h = plot.view.width(), plot.view.height()
    if w < 2 or h < 2 or not plot.view.isVisible():
        raise ExportError(f"the {plot.name.lower()} is not on screen: open its tab first")
    if plot.is_pyqtgraph:
        from pyqtgraph.exporters import ImageExporter

        # Its default size is the scene's view rect: the widget's size in logical pixels. (Setting the
        # width and then the height rescales each from the other and can round one off by a pixel.)
        image = ImageExporter(plot.view.scene()).export(toBytes=True)
        image.setDevicePixelRatio(1.0)
        return image
    image = QImage(w, h, QImage.Format_ARGB32)
    image.setDevicePixelRatio(1.0)
    image.fill(QColor(plot.view.palette().window().color()))
    QWidget.render(plot.view, image)  # QWidget's own render (docs/traps.md: pyqtgraph replaces it)
    return image


def plot_svg(plot: Plot) -> bytes:
    """The plot as SVG text (bytes)."""
    w, h = plot.view.width(), plot.view.height()
    if w < 2 or h < 2 or not plot.view.isVisible():
        raise ExportError(f"the {plot.name.lower()} is not on screen: open its tab first")
    if plot.is_pyqtgraph:
        from pyqtgraph.exporters import SVGExporter

        data = SVGExporter(plot.view.scene()).export(toBytes=True)
        text = (data if isinstance(data, bytes) else bytes(data)).decode("utf-8")
        # The background is a 100% x 100% rect and the root has a viewBox only: Qt's SVG renderer
        # reads 100% as 100 px (a 100x100 dark square on white). Give both the size in pixels.
        text = text.replace('<rect width="100%" height="100%"', f'<rect width="{w}" height="{h}"', 1)
        text = text.replace("<svg ", f'<svg width="{w}" height="{h}" ', 1)
        return text.encode("utf-8")
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPoint, QRect, QSize
    from PySide6.QtGui import QPainter
    from PySide6.QtSvg import QSvgGenerator

    buf = QByteArray()
    dev = QBuffer(buf)
    dev.open(QIODevice.WriteOnly)
    gen = QSvgGenerator()
    gen.setOutputDevice(dev)
    gen.setSize(QSize(w, h))
    gen.setViewBox(QRect(0, 0, w, h))
    gen.setTitle(plot.name)
    gen.setResolution(plot.view.logicalDpiY())  # text the size it has on screen (the default is 72 dpi)
    painter = QPainter(gen)
    try:
        QWidget.render(plot.view, painter, QPoint(0, 0))
    finally:
        painter.end()
    dev.close()
    # The root's size in pixels, like pyqtgraph's: Qt writes millimetres, read back at other dpi.
    text = re.sub(r'<svg width="[^"]*" height="[^"]*"', f'<svg width="{w}" height="{h}"',
                  bytes(buf.data()).decode("utf-8"), count=1)
    return text.encode("utf-8")


def export_plot(plot: Plot, path: str, fmt: str) -> list[str]:
    """Write ``plot`` as ``fmt`` ("png" or "svg") to ``path``; returns ``[path]``."""
    if fmt == "png":
        if not plot_image(plot).save(path, "PNG"):
            raise OSError(f"cannot write {path}")
    elif fmt == "svg":
        Path(path).write_bytes(plot_svg(plot))
    else:
        raise ValueError(f"unknown image format {fmt!r}")
    return [path]


def export_table(table: Table, path: str) -> list[str]:
    """Write ``table`` as CSV to ``path`` (its own writer for trajectories); returns the files written."""
    if table.write is not None:
        return table.write(path)
    data = table.rows()
    if data is None:
        raise ExportError("nothing to export yet: compute or run it first")
    write_table(path, *data)
    return [path]


# ----------------------------------------------------------------------------- the app's side
_FILTERS = {"png": ("PNG image (*.png)", ".png"), "svg": ("SVG drawing (*.svg)", ".svg"),
            "csv": ("CSV table (*.csv)", ".csv")}


def run_export(window, plot: Plot, what: str, path: str | None = None) -> list[str] | None:
    """Export ``plot`` as "png", "svg" or a table's key (CSV) and report in the window.

    Asks for the file when ``path`` is None (None back if the dialog is cancelled). A failure is shown
    in the status bar and a message box (never raised); the return value is then None.
    """
    table = next((t for t in plot.tables if t.key == what), None)
    fmt = "csv" if table is not None else what
    if path is None:
        filters, suffix = _FILTERS[fmt]
        title = f"Export {plot.name.lower()}" if table is None else table.text.rstrip("…")
        path = ask_path(window, title, filters, suffix)
        if path is None:
            return None
    try:
        written = export_table(table, path) if table is not None else export_plot(plot, path, fmt)
    except (ExportError, OSError, ValueError, RuntimeError) as exc:
        log.info("export of %s as %s failed: %s", plot.key, what, exc)
        _show_error(window, f"Could not export the {plot.name.lower()}", str(exc).splitlines()[0])
        return None
    shown = written[0] if len(written) == 1 else f"{len(written)} files ({Path(written[0]).name} …)"
    _status(window, f"Exported the {plot.name.lower()} to {shown}")
    return written


def _status(window, text: str) -> None:
    bar = getattr(window, "statusBar", None)
    if callable(bar):
        bar().showMessage(text, 8000)


def _show_error(window, title: str, text: str) -> None:
    _status(window, f"{title}: {text}")
    box = QMessageBox(QMessageBox.Warning, title, text, QMessageBox.Ok, window)
    box.setObjectName("plot-export-error")
    box.setAttribute(Qt.WA_DeleteOnClose)
    box.open()  # window-modal, not a nested event loop: scripts and tests go on


IMAGE_ENTRIES = ("Export PNG…", "Export SVG…")


def menu_entries(window, plot: Plot) -> list:
    """The entries of ``plot``'s menus: Export PNG…, Export SVG…, then its CSV tables."""
    entries = [(IMAGE_ENTRIES[0], lambda: run_export(window, plot, "png")),
               (IMAGE_ENTRIES[1], lambda: run_export(window, plot, "svg"))]
    if plot.tables:
        entries.append(None)
        entries += [(t.text, lambda t=t: run_export(window, plot, t.key)) for t in plot.tables]
    return entries


def install_menus(window, page) -> list[Plot]:
    """Give every plot of ``page`` its right-click export menu; returns the plots."""
    plots = page_plots(page)
    for plot in plots:
        install_export_menu(plot.view, lambda k=plot.key: menu_entries(window, _find(page, k)))
    return plots


def _find(page, key: str) -> Plot:
    return next(p for p in page_plots(page) if p.key == key)


def fill_export_menu(window, menu, page) -> None:
    """File > Export: one submenu per plot of ``page`` (by its readable name) with its entries."""
    from PySide6.QtWidgets import QMenu

    for old in menu.findChildren(QMenu):  # clear() leaves the submenus behind as children
        old.setObjectName("")
        old.deleteLater()
    menu.clear()
    plots = page_plots(page)
    if not plots:
        menu.addAction("This page has no plots").setEnabled(False)
        return
    for plot in plots:
        sub = menu.addMenu(plot.name)
        sub.setObjectName(f"export-{plot.key}")
        sub.setPalette(menu.palette())  # a submenu is a window: no palette of its parent's
        sub.setFont(menu.font())
        sub.setToolTipsVisible(True)
        shown = plot.view.isVisible()
        for entry in menu_entries(window, plot):
            if entry is None:
                sub.addSeparator()
                continue
            action = sub.addAction(entry[0])
            action.triggered.connect(lambda _=False, c=entry[1]: c())
            if not shown and entry[0] in IMAGE_ENTRIES:  # a picture of a hidden tab would be blank
                action.setEnabled(False)
                action.setToolTip("Not on screen: open its tab to export the picture.")
