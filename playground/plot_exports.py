"""Plots and tables out of the app: PNG, SVG and CSV, by right-click and from File > Export.

Each page lists its plots (:func:`page_plots`) by a readable name, each with its pictures
(``playground.exports.plot_images``: pyqtgraph's ImageExporter and SVGExporter) and its CSV tables
(``playground.exports.plot_tables``: the page's own data, trajectories through the ``trajectory``
command's writer). The right-click menu (``widgets.plot_export_menu``) and File > Export plot or data
offer the same entries.

Every export takes ``path``; without one it asks with a file dialog that starts in the folder of
the last export (``export_actions.DIR_KEY``). A failure (an unwritable path, a map not computed yet)
is shown in place, in the status bar and a message box, and the page keeps its state.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget

from playground.export_actions import ask_path
from playground.exports import plot_tables as tables
from playground.exports.plot_images import is_pyqtgraph, plot_image, plot_svg
from playground.exports.plot_tables import ExportError
from playground.exports.reveal import hidden_reason, revealed
from widgets.plot_export_menu import install_export_menu

log = logging.getLogger(__name__)


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
    no_svg : str
        Why it has no SVG export, in one line, shown in its menus instead ("" : it has one).
    prepare : callable or None
        Draws what the view shows only while it is on screen, called once its tab is open for an export.
    """

    key: str
    name: str
    view: QWidget
    tables: list[Table] = field(default_factory=list)
    no_svg: str = ""
    prepare: Callable[[], object] | None = None

    @property
    def lower_name(self) -> str:
        """The name inside a sentence: "the loss curves", "the 3D surface"."""
        return self.name[:1].lower() + self.name[1:]

    @property
    def is_pyqtgraph(self) -> bool:
        """True if the view is pyqtgraph's (exported through its exporters)."""
        return is_pyqtgraph(self.view)


# ----------------------------------------------------------------------------- the pages' plots
def page_plots(page) -> list[Plot]:
    """The exportable plots of ``page`` (an optimizer, training or search page), in reading order."""
    if hasattr(page, "surface_view"):
        return _optimizer_plots(page)
    if hasattr(page, "decision"):
        return _training_plots(page)
    if hasattr(page, "history") and hasattr(page, "slice"):
        return _search_plots(page)
    return []


def _optimizer_plots(page) -> list[Plot]:
    plots = [
        Plot("surface", "Surface and trails", page.surface_view.plot, [
            Table("trajectories", "Export trajectories as CSV (one long file)…",
                  write=lambda path: tables.write_trajectories(page, path, per_racer=False)),
            Table("trajectories-per-racer", "Export trajectories as CSV (one file per racer)…",
                  write=lambda path: tables.write_trajectories(page, path, per_racer=True)),
        ]),
        Plot("loss", "Loss curves", page.curves.loss_plot,
             [Table("loss", "Export data as CSV…", lambda: tables.curve_table(page, "loss"))]),
        Plot("lr", "Learning-rate curves", page.curves.lr_plot,
             [Table("lr", "Export data as CSV…", lambda: tables.curve_table(page, "lr"))]),
    ]
    maps = page.maps
    if hasattr(maps, "basin_view"):  # else the fallback label of a panel that could not be built
        plots.append(Plot("basins", "Basins map", maps.basin_view.plot,
                          [Table("basins", "Export data as CSV…", lambda: tables.basin_table(maps))]))
        plots.append(Plot("hparams", "Hyperparameter map", maps.hparam_view.glw,
                          [Table("hparams", "Export data as CSV…", lambda: tables.hparam_table(maps))]))
    plots.append(Plot("curvature", "Curvature readout", page.curvature))
    if hasattr(page.view3d, "export_image"):  # else the fallback label of a view that could not be built
        # Drawn only while its tab is open: the surface and trails of now, before the picture.
        plots.append(Plot("surface3d", "3D surface", page.view3d, no_svg=NO_SVG_3D,
                          prepare=page.readouts.side_tab))
    return plots


def _training_plots(page) -> list[Plot]:
    def redraw(view: str):
        # The confusion matrix, diagram and histograms take a snapshot only while on screen.
        return lambda: page.views.draw(view, page.model.snapshot, live=False)

    return [
        Plot("decision", "Decision boundary", page.decision,
             [Table("data", "Export data points as CSV…", lambda: tables.data_table(page))]),
        Plot("curves", "Training curves", page.curves, [
            Table("epochs", "Export epochs as CSV…", lambda: tables.history_table(page, "epoch")),
            Table("steps", "Export steps (batch loss) as CSV…", lambda: tables.history_table(page, "step")),
            Table("ghost", "Export the kept run (ghost) as CSV…", lambda: tables.ghost_table(page)),
            Table("lr-range", "Export the LR range test as CSV…", lambda: tables.lr_range_table(page)),
        ]),
        Plot("confusion", "Confusion matrix", page.confusion,
             [Table("confusion", "Export data as CSV…", lambda: tables.confusion_table(page))],
             prepare=redraw("decision")),
        Plot("diagram", "Network diagram", page.diagram,
             [Table("weights", "Export weights as CSV…", lambda: tables.weights_table(page))],
             prepare=redraw("diagram")),
        Plot("histograms", "Layer histograms", page.histograms,
             [Table("histograms", "Export data as CSV…", lambda: tables.histogram_table(page))],
             prepare=redraw("histograms")),
    ]


def _search_plots(page) -> list[Plot]:
    trials = Table("trials", "Export trials as CSV…", lambda: tables.trials_table(page))
    return [
        Plot("history", "Optimization history", page.history.plot, [trials], prepare=page.history.flush),
        Plot("slice", "Slice", page.slice.plot, [trials], prepare=page.slice.flush),
        Plot("contour", "Contour", page.contour.plot, [trials], prepare=page.contour.flush),
        Plot("parallel", "Parallel coordinates", page.parallel.plot, [trials], prepare=page.parallel.flush),
        Plot("intermediate", "Learning curves of the trials", page.intermediate.plot,
             [Table("intermediate", "Export data as CSV…", lambda: tables.intermediate_table(page))],
             prepare=page.intermediate.flush),
        Plot("importance", "Parameter importance", page.importance.plot,
             [Table("importance", "Export data as CSV…", lambda: tables.importance_table(page))]),
    ]


def export_plot(plot: Plot, path: str, fmt: str) -> list[str]:
    """Write ``plot`` as ``fmt`` ("png" or "svg") to ``path``; returns ``[path]``.

    A plot on a tab that is not open is drawn as it would be there: its tabs are opened for the
    export and put back (``playground.exports.reveal``), without the pages noticing.
    """
    if fmt not in ("png", "svg"):
        raise ValueError(f"unknown image format {fmt!r}")
    if fmt == "svg" and plot.no_svg:
        raise ExportError(plot.no_svg)
    with revealed(plot.view) as shown:
        if not shown:
            raise ExportError(f"the {plot.lower_name} is not shown: {hidden_reason(plot.view)}")
        if plot.prepare is not None:
            plot.prepare()
        if fmt == "svg":
            Path(path).write_bytes(plot_svg(plot.view, plot.name))
            return [path]
        image = plot.view.export_image() if hasattr(plot.view, "export_image") else plot_image(plot.view, plot.name)
    if not image.save(path, "PNG"):
        raise OSError(f"cannot write {path}")
    return [path]


def export_table(table: Table, path: str) -> list[str]:
    """Write ``table`` as CSV to ``path`` (its own writer for trajectories); returns the files written."""
    if table.write is not None:
        return table.write(path)
    data = table.rows()
    if data is None:
        raise ExportError("nothing to export yet: compute or run it first")
    tables.write_table(path, *data)
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
        title = f"Export {plot.lower_name}" if table is None else table.text.rstrip("…")
        path = ask_path(window, title, filters, suffix)
        if path is None:
            return None
    try:
        written = export_table(table, path) if table is not None else export_plot(plot, path, fmt)
    except (ExportError, OSError, ValueError, RuntimeError) as exc:
        log.info("export of %s as %s failed: %s", plot.key, what, exc)
        _show_error(window, f"Could not export the {plot.lower_name}", str(exc).splitlines()[0])
        return None
    shown = written[0] if len(written) == 1 else f"{len(written)} files ({Path(written[0]).name} …)"
    _status(window, f"Exported the {plot.lower_name} to {shown}")
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
#: The 3-D view's line in place of Export SVG… (an OpenGL picture has no vector form).
NO_SVG_3D = "No SVG: a 3D (OpenGL) view is pixels only"


def menu_entries(window, plot: Plot) -> list:
    """The entries of ``plot``'s menus: Export PNG…, Export SVG… (or why not, disabled), then its CSV tables."""
    entries = [(IMAGE_ENTRIES[0], lambda: run_export(window, plot, "png")),
               (plot.no_svg, None) if plot.no_svg else (IMAGE_ENTRIES[1], lambda: run_export(window, plot, "svg"))]
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
        hidden = hidden_reason(plot.view)  # behind a tab is fine: the export opens it
        for entry in menu_entries(window, plot):
            if entry is None:
                sub.addSeparator()
                continue
            action = sub.addAction(entry[0])
            if entry[1] is None:  # a line saying why an export is not offered
                action.setEnabled(False)
                continue
            action.triggered.connect(lambda _=False, c=entry[1]: c())
            if hidden and entry[0] in IMAGE_ENTRIES:
                action.setEnabled(False)
                action.setToolTip(f"Not shown: {hidden}.")
