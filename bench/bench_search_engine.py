"""Benchmark: a 64-configuration grid searched batched vs one trial after another, through the search
engine, with the study in memory and on SQLite.

bench_search_batched.py times the training alone; this one times what ``optimizer-playground search``
does: the study (asks, per-epoch values, tells, attributes), the pruning mirror and the training.
The grid is bench_search_batched's: learning rate (8 values log-spaced 0.003 .. 0.4) x weight decay
(0 and 7 values log-spaced 1e-4 .. 0.1) on moons (200 points, noise 0.2), 2-16-16-1 tanh, SGD,
batch 10, 20 epochs; torch with 1 thread.

For each storage (memory; a new SQLite file; a new one written once per trial, ``--write-once``;
and a new study written once per trial in an SQLite file that already exists, as the page's
``search.db`` does after its first search) both sides run in one process: batched
(``core.training.batched`` when it is there) and ``--no-batch``. The batched side takes under a second,
so a neighbour's burst, or a slower minute of a shared machine, moves it by a third: it runs
``--repeats`` times (default 5, each on a fresh study), the storages taking turns repeat after repeat
so that such a minute falls on all of them, and its median counts; the sequential side, twenty times
longer, runs once per storage. Printed: the wall time of each (opening the study included; every
batched repeat), the ratio sequential / median batched, what each storage adds to the batched median
in memory, and the load average, which a shared 2-core machine makes worth reading.

Usage::

    python bench/bench_search_engine.py [--quick] [--epochs E] [--repeats R]

``--quick``: a 4 x 2 grid, 3 epochs (checks it runs; exit 1 only if the two sides disagree).
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from core.training import TrainConfig, train  # noqa: E402
from playground.search.engine import Search, SearchSpec  # noqa: E402
from playground.search.space import SearchSpace, make_choices  # noqa: E402
from playground.search.trainers import batched_module  # noqa: E402

BASE = TrainConfig(dataset="moons", n=200, noise=0.2, split=(0.6, 0.2, 0.2), layers=(16, 16), activation="tanh",
                   optimizer="sgd", batch_size=10, epochs=20, seed=0, data_seed=0, report_every=0)
TOLERANCE = 1e-5


def space(quick: bool) -> SearchSpace:
    n_lr, n_wd = (4, 2) if quick else (8, 8)
    lrs = [float(v) for v in np.geomspace(0.003, 0.4, n_lr)]
    wds = [0.0] + [float(v) for v in np.geomspace(1e-4, 0.1, n_wd - 1)]
    return SearchSpace((make_choices("lr", lrs), make_choices("weight_decay", wds)))


def run(base: TrainConfig, sp: SearchSpace, batch: bool, storage: str | None,
        write_once: bool = False, study: str = "bench") -> tuple[float, dict]:
    t0 = time.perf_counter()
    s = Search(SearchSpec(base, sp, method="grid", batch=batch, storage=storage, study_name=study,
                          write_once=write_once))
    values = {tuple(sorted(r.params.items())): r.value for r in s.run()}
    return time.perf_counter() - t0, values


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--epochs", type=int, default=None)
    ap.add_argument("--repeats", type=int, default=None, help="batched runs per storage (median; default 5, quick 1)")
    args = ap.parse_args()
    torch.set_num_threads(1)
    base = BASE.replace(epochs=args.epochs or (3 if args.quick else BASE.epochs))
    sp = space(args.quick)
    list(train(BASE.replace(epochs=1)))  # torch's lazy imports (torch._dynamo) before either side is timed
    print(f"grid {sp.grid_size()} configurations, {base.epochs} epochs; batched trainer "
          f"{'installed' if batched_module() else 'NOT installed (both sides train one by one)'}")
    print(f"load average before: {os.getloadavg()[0]:.2f}")
    worst = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        from playground.search.storage import open_storage

        open_storage(f"sqlite:///{Path(tmp) / 'warm.db'}")  # SQLAlchemy's imports, before the SQLite side
        from playground.gc_freeze import freeze_startup_objects

        # As `optimizer-playground search` does once it has started: a full garbage collection walking
        # torch's, SQLAlchemy's and Optuna's objects landed at random in one side or the other.
        freeze_startup_objects()
        repeats = max(1, args.repeats or (1 if args.quick else 5))
        in_use = f"sqlite:///{Path(tmp) / 'in-use.db'}"
        open_storage(in_use)  # the page's case: its search.db already holds other studies
        storages = (("memory", "memory", False), ("sqlite", "new file", False),
                    ("sqlite, write-once", "new file", True), ("file in use, write-once", "in use", True))
        def url_of(where: str, tag: str):
            return {"memory": None, "in use": in_use}.get(where, f"sqlite:///{Path(tmp) / f'bench-{tag}.db'}")

        # The batched runs take turns by storage, repeat after repeat, so a neighbour's burst or a slower
        # minute of the machine falls on every storage alike; the sequential side runs once per storage.
        batched: dict = {name: [] for name, _, _ in storages}
        vals: dict = {}
        for k in range(repeats):
            for i, (name, where, write_once) in enumerate(storages):
                t, vals[name, True] = run(base, sp, True, url_of(where, f"b{i}-{k}"), write_once=write_once,
                                          study=f"bench-True-{k}")
                batched[name].append(t)
        memory = statistics.median(batched["memory"])
        for i, (name, where, write_once) in enumerate(storages):
            seq, vals[name, False] = run(base, sp, False, url_of(where, f"s{i}"), write_once=write_once,
                                         study="bench-False")
            median = statistics.median(batched[name])
            diffs = [abs(vals[name, True][k] - v) / max(abs(v), 1e-12) for k, v in vals[name, False].items()
                     if v is not None and vals[name, True].get(k) is not None]
            worst = max([worst, *diffs])
            runs = "" if repeats == 1 else f" (median of {', '.join(f'{t:.2f}' for t in batched[name])})"
            added = "" if name == "memory" else f"   storage adds {median - memory:+.2f} s"
            print(f"{name:>23}: batched {median:7.2f} s{runs}   sequential {seq:7.2f} s   "
                  f"ratio {seq / median:5.1f}x   largest relative difference {max(diffs, default=0):.1e}{added}",
                  flush=True)
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    return 1 if worst > TOLERANCE else 0


if __name__ == "__main__":
    sys.exit(main())
