"""Benchmark: training throughput with the GUI vs the bare loop, the page's FPS and its worst stall.

Reference set-up: 2-16-16-1 on moons (1000 points), batch 32, Adam, decision grid 100 x 100,
curves, histograms and diagram all updating. The bare loop is the same ``train`` generator with
the same reporting (a step report every 5 steps, a snapshot requested 40 times a second) in
this process, without Qt.

Usage::

    python bench/bench_training_page.py [--quick] [--seconds S]

Prints steps/s bare and with the GUI, their ratio (target >= 0.8), frames per second (target
>= 30) and the longest gap between GUI timer ticks (target <= 50 ms). Exit status 1 if a target
is missed.
"""
from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

SCENE = {"version": 1, "page": "training", "title": "Benchmark", "lesson": "2-16-16-1 on moons.",
         "epochs": 100000,
         "data": {"dataset": "moons", "n": 1000, "noise": 0.1},
         "model": {"layers": [16, 16], "activation": "relu", "init": "he-normal"},
         "optimizer": {"name": "adam", "lr": 0.01, "batch_size": 32}}


def bare_steps_per_s(seconds: float, threads: int | None) -> float:
    """Steps/s of the training generator alone (after one warm-up epoch)."""
    import torch

    from core.training import TrainControls, train
    from playground import scene_training
    from playground.train_process import SNAPSHOT_HZ

    if threads:
        torch.set_num_threads(threads)
    values = scene_training.scene_to_values(scene_training.validate(SCENE))
    values.update(report_every=5, grid_size=100)
    config = scene_training.values_to_config(values)
    stop, controls = threading.Event(), TrainControls()
    t_warm = step_warm = None
    last_snap, n_snap = 0.0, 0
    for m in train(config, stop_event=stop, controls=controls):
        now = time.perf_counter()
        if m.snapshot is not None:
            n_snap += 1
            last_snap = now
        elif now - last_snap > 1.0 / SNAPSHOT_HZ:  # the same pacing as the trainer process
            controls.request_snapshot()
            last_snap = now
        if t_warm is None and m.kind == "epoch" and m.epoch >= 1:
            t_warm, step_warm = now, m.step
        if t_warm is not None and now - t_warm > seconds:
            rate = (m.step - step_warm) / (now - t_warm)
            stop.set()
            break
    return rate


def gui_run(seconds: float) -> dict:
    """Run the page with the reference scene; measure steps/s, FPS and the worst timer gap."""
    from PySide6.QtCore import QElapsedTimer, QTimer

    from playground.app import make_app
    from playground.pages.training_page import TrainingPage

    app = make_app()
    page = TrainingPage()
    page.resize(1280, 720)
    page.load_scene(SCENE)
    page.show()
    samples: list[tuple[float, int]] = []
    original = page.handle_metrics

    def spy(m):
        if m.kind == "epoch":
            samples.append((time.perf_counter(), m.step))
        original(m)

    page.handle_metrics = spy
    # A 5 ms probe: any gap far above 5 ms is time the GUI thread could not answer.
    probe, clock, gaps = QTimer(), QElapsedTimer(), []
    clock.start()
    last = [0]

    def on_probe():
        t = clock.elapsed()
        gaps.append(t - last[0])
        last[0] = t

    probe.timeout.connect(on_probe)
    page.play()
    t0 = time.perf_counter()
    while len(samples) < 3 and time.perf_counter() - t0 < 60:  # spawn + torch import + one epoch
        app.processEvents()
        time.sleep(0.002)
    frames0, tw = page.frames, time.perf_counter()
    gaps.clear()
    last[0] = clock.elapsed()
    probe.start(5)
    done = QTimer()
    done.setSingleShot(True)
    done.timeout.connect(app.quit)
    done.start(int(seconds * 1000))
    app.exec()
    probe.stop()
    elapsed = time.perf_counter() - tw
    frames = page.frames - frames0
    window = [(t, s) for t, s in samples if t >= tw]
    rate = (window[-1][1] - window[0][1]) / (window[-1][0] - window[0][0]) if len(window) >= 2 else float("nan")
    page.shutdown()
    page.close()
    page.deleteLater()
    app.processEvents()
    return {"steps_per_s": rate, "fps": frames / elapsed, "max_gap_ms": max(gaps[1:], default=0)}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="3 s per measurement (CI)")
    ap.add_argument("--seconds", type=float, default=None, help="seconds per measurement (default 10)")
    args = ap.parse_args(argv)
    secs = args.seconds or (3.0 if args.quick else 10.0)
    bare_default = bare_steps_per_s(secs, None)
    bare_one = bare_steps_per_s(secs, 1)
    bare = max(bare_default, bare_one)  # compare against the faster bare loop
    gui = gui_run(secs)
    ratio = gui["steps_per_s"] / bare
    print(f"bare loop: {bare_default:.0f} steps/s (torch default threads), {bare_one:.0f} steps/s (1 thread)")
    print(f"with GUI:  {gui['steps_per_s']:.0f} steps/s (trainer subprocess)")
    print(f"ratio:     {ratio:.2f}  (target >= 0.80)")
    print(f"FPS:       {gui['fps']:.1f}  (target >= 30)")
    print(f"max stall: {gui['max_gap_ms']:.0f} ms between 5 ms GUI timer ticks (target <= 50)")
    ok = ratio >= 0.8 and gui["fps"] >= 30 and gui["max_gap_ms"] <= 50
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
