"""The CSV tables of the pages' plots, from the pages' own data, and the trajectory files.

Each ``*_table(page)`` gives ``(header, rows)``, or None while there is nothing to export (no run, no
map computed). They read the page's model, the racers' trajectories and the training history, never
the drawn polylines (thinned to the pixel columns). :func:`write_table` writes floats in round-trip
form (``repr``) and a missing value (NaN) as an empty cell.

Trajectories have two forms (:func:`write_trajectories`): one file per racer with the header
``step,x,y,loss,lr``, written by ``optimizer-playground trajectory``'s own writer, so a GUI file and a
CLI file for the same racer and steps are byte-identical; and one long file
``racer,label,step,x,y,loss,lr``, the layout of ``export-script``'s trajectory CSV.
"""
from __future__ import annotations

import csv
import math
import re
from pathlib import Path

#: Header of the long trajectory file (one row per racer and step).
LONG_HEADER = ("racer", "label", "step", "x", "y", "loss", "lr")


class ExportError(Exception):
    """An export that cannot be done now, with the reason in one line."""


def racer_rows(page):
    """(index, label, rows ``(step, x, y, loss, lr)`` up to the run's last step) of each computed racer."""
    from playground.cli_trajectory import trajectory_rows

    trajs = page.trajectories()
    last = int(page.model.steps)  # a worker may have run a chunk past it
    for i, (racer, traj) in enumerate(zip(page.model.racers, trajs)):
        if traj is not None:
            yield i, racer["label"], trajectory_rows(traj, last)


def curve_table(page, column: str):
    """``racer,label,step,COLUMN`` of every racer (``column``: "loss" or "lr")."""
    col = {"loss": 3, "lr": 4}[column]
    rows = [[i, label, r[0], r[col]] for i, label, racer in racer_rows(page) for r in racer]
    return (["racer", "label", "step", column], rows) if rows else None


def basin_table(maps):
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


def hparam_table(maps):
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


def history_table(page, kind: str, history=None):
    """The training history's ``kind`` series ("epoch" or "step"), the columns of ``CurveHistory``.

    ``history``: another ``CurveHistory`` than the live run's (the ghost).
    """
    h = page.curves.history if history is None else history
    cols = list(h.COLUMNS)
    data = [h.column(kind, c) for c in cols]
    n = len(data[0])
    if not n:
        return None
    ints = {"epoch", "step", "examples"} if kind == "epoch" else {"step", "examples"}
    rows = [[_int_or_float(data[j][i], c in ints) for j, c in enumerate(cols)] for i in range(n)]
    return cols, rows


def ghost_table(page):
    """The kept (ghost) run's epochs, the columns of the live run's epochs file.

    Raises
    ------
    ExportError
        No run is kept.
    """
    ghost = page.curves.ghost
    if ghost is None:
        raise ExportError("no run kept as ghost: train a run, then press Keep as ghost")
    return history_table(page, "epoch", ghost)


def lr_range_table(page):
    """The last LR range test: ``lr,loss,smoothed_loss`` per step (None before a test)."""
    r = page.model.lr_range
    if r is None or not len(r.lrs):
        return None
    return ["lr", "loss", "smoothed_loss"], [[float(a), float(b), float(c)]
                                             for a, b, c in zip(r.lrs, r.losses, r.smoothed)]


def trials_table(page):
    """The search page's trials: ``number,state,value`` and one column per knob (None before a trial)."""
    records = sorted(page.model.records, key=lambda r: r.number)
    if not records:
        return None
    knobs = sorted({k for r in records for k in r.params})
    rows = [[r.number, r.state, r.value, *[r.params.get(k) for k in knobs]] for r in records]
    return ["number", "state", "value", *knobs], rows


def intermediate_table(page):
    """Every search trial's learning curve: ``number,epoch,value`` (None before one is reported)."""
    rows = [[r.number, int(e), float(v)] for r in sorted(page.model.records, key=lambda r: r.number)
            for e, v in sorted(r.intermediate.items())]
    return (["number", "epoch", "value"], rows) if rows else None


def importance_table(page):
    """The knobs' importances, largest first (None before they are computed)."""
    imp = page.model.importance
    if not imp:
        return None
    return ["knob", "importance"], [[k, float(v)] for k, v in sorted(imp.items(), key=lambda kv: -kv[1])]


def _int_or_float(v: float, as_int: bool):
    v = float(v)
    return int(v) if as_int and math.isfinite(v) else v


def confusion_table(page):
    """The validation confusion counts: one row per true class, one column per predicted class."""
    snap = page.model.snapshot  # the counts the confusion view shows
    matrix = getattr(snap, "confusion", None) if snap is not None else None
    if matrix is None:
        return None
    k = len(matrix)
    return ["true"] + [f"predicted_{j}" for j in range(k)], [[i, *(int(v) for v in matrix[i])] for i in range(k)]


def weights_table(page):
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


def histogram_table(page):
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


def data_table(page):
    """The points the run trains on: ``split,x1,x2,label`` (``target`` for regression)."""
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
    if v is None:
        return ""  # a trial without a value, a knob a trial did not sample
    if isinstance(v, float):
        return repr(v) if math.isfinite(v) else ""  # round-trip floats; an empty cell where there is no value
    return str(v)


def write_table(path: str, header, rows) -> None:
    """Write one CSV: ``header`` then ``rows``; floats in round-trip form, NaN and None as an empty cell."""
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
    racers = list(racer_rows(page))
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
            prefix = f"{i},{csv_field(label)},"
            fh.writelines(prefix + line for line in trajectory_lines(rows))
    return [path]


def csv_field(text: str) -> str:
    """``text`` as one CSV field (quoted when it holds a comma, a quote or a line break)."""
    if re.search(r'[",\r\n]', text):
        return '"' + text.replace('"', '""') + '"'
    return text
