"""Benchmark: a 64-configuration grid trained as one batched model vs the same 64 trainings in turn.

Grid: learning rate (8 values, log-spaced 0.003 .. 0.4) x weight decay (0 and 7 values log-spaced
1e-4 .. 0.1) on moons (200 points, noise 0.2, split 60/20/20), 2-16-16-1 tanh, SGD, batch 10,
20 epochs, one seed. Both sides in one run, torch with 1 thread (as a training worker):

* sequential: ``core.training.trainer.train`` for each configuration, one after another (every
  report it makes, as the search's ``--no-batch`` path runs it);
* batched: ``core.training.batched.train_batched`` on all 64 at once, without the test split
  (the search evaluates it once, for the chosen configuration).

The ratio is sequential / batched wall time (target >= 20x). The two sides must agree: the
largest relative difference of any epoch's train/val loss over the runs that did not diverge is
printed too (float32 rounding: the batched products sum in another order).

The machine load is read first (``/proc/loadavg``) and the CPU the rest of the machine used during
each side is printed ("other load", as bench_training_page's ``OtherLoad``): a 2-core machine shared
with other sessions slows whichever side ran while they were busy, so such figures are flagged.

The issue also asks the ratio "in memory and on SQLite", with the search engine's storage
writing the trials (``playground/search``); this bench measures the training alone, the storage
side belongs to the search engine's own benchmark.

Usage::

    python bench/bench_search_batched.py [--quick] [--epochs E]

``--quick`` (CI): an 8-configuration grid (4 x 2), 3 epochs; prints the same lines, exit status 1
only if the two sides disagree. Without it, 1 also when the ratio misses the target.
"""
from __future__ import annotations

import argparse
import math
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from bench_training_page import DISTURBED_CORES, OtherLoad  # noqa: E402
from core.training import TrainConfig, train  # noqa: E402
from core.training.batched import batchable, train_batched  # noqa: E402

TARGET = 20.0
TOLERANCE = 1e-5
BASE = TrainConfig(dataset="moons", n=200, noise=0.2, split=(0.6, 0.2, 0.2), layers=(16, 16), activation="tanh",
                   optimizer="sgd", batch_size=10, epochs=20, seed=0, data_seed=0)


def grid(quick: bool, epochs: int) -> list[TrainConfig]:
    """lr x weight decay: 8 x 8 (quick: 4 x 2)."""
    n_lr, n_wd = (4, 2) if quick else (8, 8)
    lrs = np.geomspace(0.003, 0.4, n_lr)
    wds = [0.0] + list(np.geomspace(1e-4, 0.1, n_wd - 1))
    return [BASE.replace(lr=float(lr), weight_decay=float(wd), epochs=epochs) for lr in lrs for wd in wds]


def max_difference(a: list, b: list) -> float:
    """Largest relative difference of the epoch and final losses and accuracies (finite runs only)."""
    worst = 0.0
    for ra, rb in zip(a, b):
        if rb[-1].stopped == "nan":
            continue
        if len(ra) != len(rb):
            return math.inf
        for ma, mb in zip(ra, rb):
            for f in ("train_loss", "val_loss", "train_acc", "val_acc"):
                x, y = getattr(ma, f), getattr(mb, f)
                if x is None or y is None:
                    if x is not y:
                        return math.inf
                    continue
                worst = max(worst, abs(x - y) / max(abs(y), 1e-12))
    return worst


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="8 configurations, 3 epochs (CI)")
    ap.add_argument("--epochs", type=int, default=None, help="epochs per configuration (default 20)")
    args = ap.parse_args(argv)
    epochs = args.epochs or (3 if args.quick else 20)
    load1, load5, _ = (float(x) for x in Path("/proc/loadavg").read_text().split()[:3]) \
        if Path("/proc/loadavg").exists() else (math.nan,) * 3
    print(f"machine:    {os.cpu_count()} cores, load average {load1:.2f} (1 min), {load5:.2f} (5 min) before the run")
    torch.set_num_threads(1)
    configs = grid(args.quick, epochs)
    groups = batchable(configs)
    list(train(configs[0].replace(epochs=1)))  # warm-up: imports, first-call allocations
    train_batched(configs[:2])

    load = OtherLoad()
    t0 = time.perf_counter()
    seq = [[m for m in train(c) if m.kind != "step"] for c in configs]
    t_seq = time.perf_counter() - t0
    other_seq = load.cores()

    load = OtherLoad()
    t0 = time.perf_counter()
    bat = train_batched(configs)
    t_bat = time.perf_counter() - t0
    other_bat = load.cores()

    ratio = t_seq / t_bat
    diff = max_difference(bat, seq)
    n_nan = sum(r[-1].stopped == "nan" for r in seq)
    n_nan_b = sum(r[-1].stopped == "nan" for r in bat)

    def flag(cores):
        return "  (NOISY: figures unreliable)" if cores > DISTURBED_CORES else ""

    print(f"set-up:     {len(configs)} configurations (lr x weight decay), moons {BASE.n} points, 2-16-16-1 tanh, "
          f"sgd, batch {BASE.batch_size}, {epochs} epochs; {len(groups)} batched group(s); torch 1 thread")
    print(f"sequential: {t_seq:.2f} s ({t_seq / len(configs) * 1000:.0f} ms per training); "
          f"other load {other_seq:.2f} cores{flag(other_seq)}")
    print(f"batched:    {t_bat:.2f} s; other load {other_bat:.2f} cores{flag(other_bat)}")
    ok_ratio = ratio >= TARGET
    print(f"ratio:      {ratio:.1f}x (target >= {TARGET:.0f}x) {'met' if ok_ratio else 'MISSED'}")
    ok_diff = diff <= TOLERANCE and n_nan == n_nan_b
    print(f"agreement:  max relative difference {diff:.2e} over {len(configs) - n_nan} finite runs "
          f"(tolerance {TOLERANCE:g}); diverged {n_nan} sequential, {n_nan_b} batched "
          f"{'ok' if ok_diff else 'DIFFER'}")
    print("storage:    not measured here (in memory / SQLite: the search engine's bench, playground/search)")
    if not ok_diff:
        return 1
    return 0 if (args.quick or ok_ratio) else 1


if __name__ == "__main__":
    raise SystemExit(main())
