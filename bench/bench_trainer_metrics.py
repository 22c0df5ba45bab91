"""How much of the training time goes into metric collection, at the default reporting rate.

Run: ``python bench/bench_trainer_metrics.py [--repeats 3]``. Budget: < 10 %.

Two measurements on the moons reference run (1000 points, 16-16 relu, adam, batch 32, 100 epochs):

* internal: the trainer times its own metric code (per-epoch evaluation of train and val, layer
  statistics, step reports, the weight copy for the update ratio) -> ``timing["metrics_fraction"]``;
* external: wall time of the full run vs. the same run with every report stubbed out
  (``1 - t_bare / t_full``; noisier, the median of the repeats is printed).
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import torch  # noqa: E402

import core.training.trainer as T  # noqa: E402
from core.training import Metrics, TrainConfig, train  # noqa: E402

CONFIG = TrainConfig(dataset="moons", n=1000, noise=0.1, layers=(16, 16), activation="relu", init="he-normal",
                     optimizer="adam", lr=0.01, batch_size=32, epochs=100, seed=0)


def _bare_epoch_metrics(self, kind, want_snapshot):
    return Metrics(kind=kind, epoch=self.epoch, step=self.step, examples_seen=self.examples,
                   epoch_fraction=float(self.epoch), lr=self.lr)


def timed(config) -> tuple[float, dict]:
    t0 = time.perf_counter()
    final = list(train(config))[-1]
    return time.perf_counter() - t0, final.timing


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    torch.set_num_threads(1)  # as a training worker does (docs/traps.md)
    timed(CONFIG)  # warm-up
    internal, full, bare = [], [], []
    real = T._Run.epoch_metrics
    for _ in range(args.repeats):
        t, timing = timed(CONFIG)
        full.append(t)
        internal.append(timing["metrics_fraction"])
        T._Run.epoch_metrics = _bare_epoch_metrics
        try:
            bare.append(timed(CONFIG.replace(report_every=0))[0])
        finally:
            T._Run.epoch_metrics = real
    external = 1 - min(bare) / min(full)
    print(f"training time (best of {args.repeats}): {min(full):.3f} s with metrics, "
          f"{min(bare):.3f} s without")
    print(f"external fraction: {external:.3f}")
    print(f"metrics fraction: {statistics.median(internal):.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
