"""How a round of trials trains: batched when ``core.training.batched`` can, one after another otherwise.

Both paths have one signature, so the engine does not care which ran::

    train_group(configs, stop_event, on_epoch, batch=True) -> list[list[Metrics]]

``on_epoch(epoch, reports)`` gets, after each epoch, one entry per config (its ``kind="epoch"``
Metrics, or None for a config not in this report) and returns the indices to stop (pruned), or None.
No trial evaluates the test split.
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from core.training.config import TrainConfig
from core.training.metrics import Metrics

OnEpoch = Callable[[int, list], object]
_log = logging.getLogger(__name__)


def batched_module():
    """``core.training.batched`` if it is there (it provides ``batchable`` and ``train_batched``)."""
    try:
        from core.training import batched
    except ImportError:
        return None
    if not (hasattr(batched, "batchable") and hasattr(batched, "train_batched")):
        return None
    return batched


def train_one(config: TrainConfig, stop_event=None, on_epoch: OnEpoch | None = None, index: int = 0,
              n: int = 1) -> list[Metrics]:
    """Train ``config`` alone, without the test split; ``on_epoch`` sees it at position ``index`` of ``n``."""
    from core.training import train

    out: list[Metrics] = []
    gen = train(config, stop_event, evaluate_test=False)
    try:
        for m in gen:
            if m.kind == "step":
                continue
            out.append(m)
            if m.kind == "epoch" and on_epoch is not None:
                reports: list = [None] * n
                reports[index] = m
                stop = on_epoch(m.epoch, reports)
                if stop and index in set(stop):
                    break
    finally:
        gen.close()
    return out


def train_sequential(configs: Sequence[TrainConfig], stop_event=None, on_epoch: OnEpoch | None = None
                     ) -> list[list[Metrics] | Exception]:
    """Each config alone; a config the trainer refuses (ValueError) gives its exception instead."""
    out: list = []
    for i, c in enumerate(configs):
        try:
            out.append(train_one(c, stop_event, on_epoch, i, len(configs)))
        except ValueError as exc:
            out.append(exc)
    return out


def train_group(configs: Sequence[TrainConfig], stop_event=None, on_epoch: OnEpoch | None = None,
                batch: bool = True) -> list[list[Metrics] | Exception]:
    """Train ``configs``: the groups ``batchable`` finds together, the rest alone.

    Returns per config its Metrics reports (epoch ones, then a final unless it was stopped), or the
    ValueError that refused it. A batched group that raises is retrained one by one, so one bad
    config fails alone.
    """
    mod = batched_module() if batch and len(configs) > 1 else None
    if mod is None:
        return train_sequential(configs, stop_event, on_epoch)
    out: list = [None] * len(configs)
    for group in mod.batchable(list(configs)):
        if len(group) == 1:
            out[group[0]] = train_sequential([configs[group[0]]], stop_event,
                                             _local(on_epoch, [group[0]], len(configs)))[0]
            continue
        try:
            res = mod.train_batched([configs[i] for i in group], stop_event=stop_event,
                                    on_epoch=_local(on_epoch, group, len(configs)), evaluate_test=False)
        except ValueError as exc:
            _log.info("batched group of %d refused (%s); training one by one", len(group), exc)
            res = train_sequential([configs[i] for i in group], stop_event, _local(on_epoch, group, len(configs)))
        for i, r in zip(group, res):
            out[i] = r
    return out


def _local(on_epoch: OnEpoch | None, group: Sequence[int], n: int) -> OnEpoch | None:
    """``on_epoch`` seen from a group: local report positions <-> the round's indices."""
    if on_epoch is None:
        return None

    def cb(epoch: int, reports: list):
        full: list = [None] * n
        for j, m in enumerate(reports):
            full[group[j]] = m
        stop = on_epoch(epoch, full) or ()
        where = {g: j for j, g in enumerate(group)}
        return [where[i] for i in stop if i in where]

    return cb
