"""The training page's results for a session's side file: what the last run showed, and back.

A run's picture is its curves' history (and the kept ghost's), the last snapshot (decision surface,
confusion matrix, weights, unit maps, histograms), the last report, the status line and an LR range
test's U. :func:`collect` takes them on the GUI thread (the histories are copied: they grow in
place; everything else is replaced, never edited, so a reference is enough); :func:`show` puts them
back into a page that has just taken the same settings.

A restored run has no trainer behind it (the network's state lives in the trainer process): it
shows as finished, and Play trains a new run from a fresh initialization, as after any finished run.
"""
from __future__ import annotations

import dataclasses

import numpy as np

from playground.pages.training.model import RunStatus
from playground.pages.training.view_scheduler import VIEWS
from widgets.training_curves import CurveHistory


def _history(h: CurveHistory | None) -> dict | None:
    if h is None:
        return None
    return {"label": h.label, "step": h._rows["step"][: h._n["step"]].copy(),
            "epoch": h._rows["epoch"][: h._n["epoch"]].copy()}


def _curve_history(d: dict) -> CurveHistory:
    h = CurveHistory(str(d.get("label", "")))
    for kind in ("step", "epoch"):
        rows = np.asarray(d[kind], float)
        if rows.ndim != 2 or rows.shape[1] != len(CurveHistory.COLUMNS):
            raise ValueError(f"history.{kind} has shape {rows.shape}")
        h._rows[kind] = np.concatenate([rows, np.full((max(len(rows), 64), rows.shape[1]), np.nan)])
        h._n[kind] = len(rows)
    return h


def collect(page) -> dict | None:
    """The page's results (None when nothing was trained and nothing is kept)."""
    m, curves = page.model, page.curves
    if len(curves.history) == 0 and curves.ghost is None and m.lr_range is None and m.snapshot is None:
        return None
    metrics = m.metrics
    if metrics is not None:  # the snapshot and data are kept once, on their own
        metrics = dataclasses.replace(metrics, snapshot=None, data=None)
    return {"status": m.status.value, "epoch": m.epoch, "status_text": m.status_text,
            "status_error": bool(m.status_error), "history": _history(curves.history),
            "ghost": _history(curves.ghost), "ghost_label": m.ghost_label, "snapshot": m.snapshot,
            "metrics": metrics, "run_data": m.run_data, "lr_range": m.lr_range}


def show(page, r: dict) -> None:
    """Show results :func:`collect` took from a page with the same settings (ValueError if they do not fit)."""
    history = _curve_history(r["history"])
    ghost = _curve_history(r["ghost"]) if r.get("ghost") else None
    status = RunStatus(r.get("status", "finished"))
    m, curves = page.model, page.curves
    page.trainer.stop()
    curves.history = history
    curves.ghost = ghost
    curves._ranges.clear()
    curves._title()
    m.ghost_label = str(r.get("ghost_label", ""))
    m.run_data = r.get("run_data")
    m.metrics = r.get("metrics")
    m.epoch = r.get("epoch")
    m.snapshot = r.get("snapshot")
    m.lr_range = r.get("lr_range")  # its event draws the U
    # No trainer holds this run: a paused or running one shows as finished (Play starts a new run).
    m.status = RunStatus.IDLE if status is RunStatus.IDLE else RunStatus.FINISHED
    page.status_line.say(str(r.get("status_text", "")), bool(r.get("status_error", False)))
    page.scheduler.mark(*VIEWS)
    page.draw_frame(force=True)
