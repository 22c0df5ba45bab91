"""Benchmark: a 10,000-row map versus torch.optim stepping one trajectory at a time.

Full mode (the target; about 20 s on 2 cores)::

    python bench/bench_engine.py

runs N = 10,000 Adam trajectories (lr 0.01) x 1,000 steps on Rosenbrock in map mode
(``core.trajectories.run_map``, outcome tracking included), and, in the same process, a sample of 20
single trajectories x 1,000 steps stepped by a plain loop of ``torch.optim.Adam`` on a (1, 2)
parameter (``surface.value_and_grad`` -> ``.grad`` -> ``opt.step()``, no recording, no outcome
checks: the cheapest honest single-trajectory loop). The single-trajectory cost is extrapolated
per trajectory-step:

    ratio = (t_single / (20 * 1000)) * (N * 1000) / t_map

The target is ratio >= 3000. The sample is timed before and after the map and the two halves are
averaged, because the machine is shared. ``--quick`` (CI) uses N = 2,000 and 200 steps and only
checks that both paths run and agree; its ratio is smaller (fixed per-step overhead weighs more).
Also printed: the engine's own recorded single path (``run_trajectory``) per step, for reference, and
the cost of the GUI worker's snapshots (``TrajectoryRun.trajectory()`` every 25 steps of a 3000-step
run; about 0.5 ms each at 3000 steps, where re-stacking per-step tensors took about 7 ms).
"""
from __future__ import annotations

import argparse
import pathlib
import sys
import time

import numpy as np
import torch

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

from core.surfaces import get_surface  # noqa: E402
from core.trajectories import Racer, TrajectoryRun, run_map, run_trajectory  # noqa: E402


def single_loop(surface, starts, steps: int, lr: float) -> tuple[float, np.ndarray]:
    """Seconds for stepping each start alone with torch.optim.Adam; final points (S, 2)."""
    finals = []
    t0 = time.perf_counter()
    for xy in starts:
        p = torch.tensor(np.asarray(xy, dtype=np.float64)[None], requires_grad=True)  # (1, 2)
        opt = torch.optim.Adam([p], lr=lr)
        with torch.no_grad():
            for _ in range(steps):
                _, g = surface.value_and_grad(p.detach())
                p.grad = g
                opt.step()
        finals.append(p.detach()[0].numpy().copy())
    return time.perf_counter() - t0, np.array(finals)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small run for CI (N=2000, 200 steps)")
    ap.add_argument("--n", type=int, default=None)
    ap.add_argument("--steps", type=int, default=None)
    ap.add_argument("--sample", type=int, default=20, help="single trajectories timed")
    args = ap.parse_args(argv)
    n = args.n or (2000 if args.quick else 10_000)
    steps = args.steps or (200 if args.quick else 1000)
    lr = 0.01
    torch.set_num_threads(1)  # the same setting for both paths (run_map uses 1 as well)

    surface = get_surface("rosenbrock")
    xmin, xmax, ymin, ymax = surface.domain
    rng = np.random.default_rng(0)
    starts = np.column_stack([rng.uniform(xmin, xmax, n), rng.uniform(ymin, ymax, n)])  # (N, 2)
    sample = starts[: args.sample]
    racer = Racer("adam", {"lr": lr})

    run_map(surface, racer, starts[:100], 20)  # warm-up (allocators, first-call costs)
    t_single_a, finals = single_loop(surface, sample[: len(sample) // 2], steps, lr)
    t0 = time.perf_counter()
    res = run_map(surface, racer, starts, steps)
    t_map = time.perf_counter() - t0
    t_single_b, finals_b = single_loop(surface, sample[len(sample) // 2:], steps, lr)
    t_single = t_single_a + t_single_b
    finals = np.concatenate([finals, finals_b])

    per_single = t_single / (len(sample) * steps)
    per_map = t_map / (n * steps)
    ratio = per_single / per_map
    # the map's rows equal the single loops (rows that froze stop early, so compare the others)
    live = res.outcome[: len(sample)] == res.labels.index("not-converged")
    err = float(np.abs(res.final_xy[: len(sample)][live] - finals[live]).max()) if live.any() else 0.0

    t0 = time.perf_counter()
    run_trajectory(surface, racer, tuple(sample[0]), steps)
    per_recorded = (time.perf_counter() - t0) / steps

    # The GUI racer worker's pattern: a 3000-step run, a snapshot (trajectory()) after every 25 steps.
    # The snapshot holds the GIL, so its cost is a GUI-thread stall (it used to grow with the run).
    run = TrajectoryRun(surface, racer, tuple(sample[0]), total_steps=3000)
    snap_total = snap_last = 0.0
    for _ in range(120):
        run.advance(25)
        t0 = time.perf_counter()
        run.trajectory()
        snap_last = time.perf_counter() - t0
        snap_total += snap_last

    counts = {lab: int((res.outcome == k).sum()) for k, lab in enumerate(res.labels)}
    print(f"map:    {n} Adam trajectories x {steps} steps on {surface.spec}: {t_map:.3f} s "
          f"({per_map * 1e9:.1f} ns per trajectory-step, {t_map / steps * 1e6:.0f} us per step)")
    print(f"single: {len(sample)} trajectories x {steps} steps with torch.optim.Adam: {t_single:.3f} s "
          f"({per_single * 1e6:.1f} us per trajectory-step; extrapolated to {n} rows: "
          f"{per_single * n * steps:.1f} s)")
    print(f"engine run_trajectory (recording): {per_recorded * 1e6:.1f} us per step")
    print(f"snapshots: 120 x trajectory() over a 3000-step run: {snap_total * 1e3:.0f} ms in all, "
          f"{snap_last * 1e3:.2f} ms at 3000 steps")
    print(f"ratio:  {ratio:.0f}x  (target >= 3000x)")
    print(f"outcomes: {counts}; map vs single max |dx| on live rows: {err:.2e}")
    ok = err <= 1e-9 and (args.quick or ratio >= 3000)
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
