"""The maps' pure helpers: which hyperparameters a map can sweep, per-row values, and the map jobs.

A map job is a ``functools.partial`` of :func:`map_job` (a module-level function taking plain,
picklable values: a surface spec string, a racer dict, numpy arrays), so that it can run in a
worker thread or be sent to a child process. It is called as ``job(progress=..., stop=...)``.
"""
from __future__ import annotations

import dataclasses
import functools

import numpy as np


def numeric_hparams(optimizer: str) -> list[tuple[str, float, float, float, bool]]:
    """Hyperparameters a map can sweep: ``(key, default, low, high, log)``.

    Floats come as themselves; the pair ``betas`` is split into ``beta1`` and ``beta2`` (the engine's
    per-row keys). Bools and other pairs are left out.
    """
    from core.optim import optimizer_info

    out = []
    for hp in optimizer_info(optimizer).hparams.values():
        low, high = hp.slider_range()
        if hp.kind == "float":
            out.append((hp.name, float(hp.default), float(low), float(high), bool(hp.log)))
        elif hp.kind == "pair" and hp.name == "betas":
            out.append(("beta1", float(hp.default[0]), float(low), float(high), False))
            out.append(("beta2", float(hp.default[1]), float(low), float(high), False))
    return out


def default_axes(optimizer: str) -> tuple[str, str]:
    """lr x momentum for SGD, lr x beta1 for Adam-like optimizers, else lr x the next numeric one."""
    keys = [k for k, *_ in numeric_hparams(optimizer)]
    for second in ("momentum", "beta1", "alpha"):
        if second in keys:
            return "lr", second
    rest = [k for k in keys if k != "lr"]
    return "lr", (rest[0] if rest else "lr")


def racer_value(hparams: dict, key: str, default: float) -> float:
    """The racer's value of ``key`` (``beta1``/``beta2`` read from ``betas``)."""
    if key in ("beta1", "beta2") and "betas" in hparams:
        return float(hparams["betas"][0 if key == "beta1" else 1])
    return float(hparams.get(key, default))


def hparams_with(hparams: dict, values: dict[str, float]) -> dict:
    """A copy of ``hparams`` with ``values`` set (``beta1``/``beta2`` folded into ``betas``)."""
    out = dict(hparams)
    for key, v in values.items():
        if key in ("beta1", "beta2"):
            b = list(out.get("betas", (0.9, 0.999)))
            b[0 if key == "beta1" else 1] = float(v)
            out["betas"] = tuple(b)
        else:
            out[key] = float(v)
    return out


def recorded_path(result) -> np.ndarray | None:
    """The (T+1, 2) path of row 0 of a ``run_map(..., record=True)`` result (``paths`` is (T+1, N, 2))."""
    paths = getattr(result, "paths", None)
    return None if paths is None else np.asarray(paths, float)[:, 0, :]


def row_hparams_for(hparams: dict, columns: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Per-row hyperparameters for ``run_map``: ``beta1``/``beta2`` columns become ``betas`` (N, 2),
    the other beta taken from ``hparams`` (default (0.9, 0.999))."""
    out: dict[str, np.ndarray] = {}
    for key, col in columns.items():
        col = np.asarray(col, float)
        if key in ("beta1", "beta2"):
            if "betas" not in out:
                b = tuple(hparams.get("betas", (0.9, 0.999)))
                out["betas"] = np.tile(np.asarray(b, float), (col.size, 1))  # (N, 2)
            out["betas"][:, 0 if key == "beta1" else 1] = col
        else:
            out[key] = col
    return out


def racer_dict(racer) -> dict:
    """A ``core.trajectories.Racer`` as a plain dict (what :func:`map_job` takes)."""
    return dataclasses.asdict(racer) if dataclasses.is_dataclass(racer) else dict(racer)


def map_job(surface_spec: str, racer: dict, starts, steps: int, row_hparams: dict | None = None,
            row_ids=None, record: bool = False, *, progress=None, stop=None):
    """Build the surface and the racer from plain values and run ``core.trajectories.run_map``.

    Parameters
    ----------
    surface_spec : str
        A ``core.surfaces`` spec (parsed here, so the job pickles small).
    racer : dict
        The fields of a ``core.trajectories.Racer``.
    starts : array (N, 2)
    steps : int
    row_hparams, row_ids, record
        As ``run_map`` takes them.
    progress, stop : callable, optional
        Passed to ``run_map`` (fraction done; ``stop() -> bool`` ends the run early).

    Returns
    -------
    MapResult
    """
    from core.surfaces import get_surface
    from core.trajectories import Racer, run_map

    return run_map(get_surface(surface_spec), Racer(**racer), np.asarray(starts, float), int(steps),
                   row_hparams=row_hparams, row_ids=row_ids, progress=progress, stop=stop, record=record)


def make_map_job(surface_spec: str, racer, starts, steps: int, **kwargs) -> functools.partial:
    """A picklable job: ``map_job`` bound to these values; call it as ``job(progress=..., stop=...)``."""
    return functools.partial(map_job, surface_spec, racer_dict(racer), np.asarray(starts, float), int(steps),
                             **kwargs)
