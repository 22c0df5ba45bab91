"""Benchmark: training throughput with the GUI vs the bare loop, the page's FPS and its worst stall.

Reference set-up: 2-16-16-1 on moons (1000 points), batch 32, Adam, decision grid 100 x 100,
curves, histograms and diagram all updating (window 1280 x 720, offscreen).

What each side does, per step, is the same work:

* GUI: the page trains in its subprocess (``playground/train_process.py``: torch with 1 thread,
  a step report every 5 steps, a snapshot -- decision grid, weights, histograms -- whenever the
  page has drawn the previous one, at most ``SNAPSHOT_HZ`` a second) and sends the reports
  through a pipe (step reports batched every 15 ms); the page draws. Steps/s are read from the
  epoch reports the page receives.
* bare: the same ``train`` generator with the same config (report every 5 steps, grid 100) in
  this process without Qt or a pipe, asking for snapshots at the rate the GUI run actually
  drew them (measured first), once with torch's default thread count and once with 1 thread.
  The ratio is taken against the faster of the two.

FPS counts frames actually painted: window updates in which at least one of the four views
repainted (not timer ticks). While training the page updates one view per frame (decision at most
30 Hz, curves 12, diagram and histograms 6 each), so the per-view rates are printed too. The stall is the longest gap between ticks of a 5 ms probe timer.
"other load" is the CPU the rest of the machine used meanwhile (from /proc/stat): on 2 cores, one
busy neighbour (another session's pytest, say) halves the trainer, so such runs are flagged.

Usage::

    python bench/bench_training_page.py [--quick] [--seconds S]

Targets: ratio >= 0.8, FPS >= 30, stall <= 50 ms. Exit status: without ``--quick``, 1 if a
target is missed. With ``--quick`` (CI: about 20 s on a 2-core machine) the figures are printed
with met/MISSED but the exit status is 1 only below the floors (ratio < 0.5, FPS < 15, stall > 200
ms) on a machine that was otherwise idle: a 3 s sample on a shared machine is noisy, and a real
regression falls through the floors.
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

TARGETS = {"ratio": 0.8, "fps": 30.0, "stall_ms": 50.0}
FLOORS = {"ratio": 0.5, "fps": 15.0, "stall_ms": 200.0}  # --quick fails only below these
DISTURBED_CORES = 0.25  # other processes using more than this during a measurement: say so

SCENE = {"version": 1, "page": "training", "title": "Benchmark", "lesson": "2-16-16-1 on moons.",
         "epochs": 100000,
         "data": {"dataset": "moons", "n": 1000, "noise": 0.1},
         "model": {"layers": [16, 16], "activation": "relu", "init": "he-normal"},
         "optimizer": {"name": "adam", "lr": 0.01, "batch_size": 32}}


def _config():
    from playground.pages.training import scene as scene_training

    values = scene_training.scene_to_values(scene_training.validate(SCENE))
    # What TrainingPage.config() sets; the reference scene shows the diagram, so its heatmaps too.
    values.update(report_every=5, grid_size=100, neuron_grid=20)
    return scene_training.values_to_config(values)


def bare_steps_per_s(seconds: float, threads: int, snapshot_hz: float) -> tuple[float, float, float]:
    """(steps/s, snapshots/s, other load in cores) of the training generator alone, after a warm-up epoch."""
    import torch

    from core.training import TrainControls, train

    torch.set_num_threads(threads)
    stop, controls = threading.Event(), TrainControls()
    load = None
    t_warm = step_warm = None
    n_snap = n_asked = 0
    t_start = time.perf_counter()
    rate = float("nan")
    for m in train(_config(), stop_event=stop, controls=controls):
        now = time.perf_counter()
        if m.snapshot is not None:
            if t_warm is not None:
                n_snap += 1
        elif n_asked < snapshot_hz * (now - t_start):  # exactly the GUI run's rate of snapshots
            controls.request_snapshot()
            n_asked += 1
        if t_warm is None and m.kind == "epoch" and m.epoch >= 1:
            t_warm, step_warm = now, m.step
            t_start, n_asked = now, 0  # pace from here: no burst to catch up with the warm-up
            load = OtherLoad()
        if t_warm is not None and now - t_warm > seconds:
            rate = (m.step - step_warm) / (now - t_warm)
            stop.set()
            break
    return rate, n_snap / (now - t_warm), load.cores()


def _busy_seconds() -> float:
    """CPU seconds all processes of the machine used so far (Linux /proc/stat; NaN elsewhere)."""
    try:
        v = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
        return (v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) / os.sysconf("SC_CLK_TCK")  # user nice system irq softirq steal
    except (OSError, ValueError, IndexError):
        return float("nan")


class OtherLoad:
    """CPU the rest of the machine used during a measurement, in cores (others' tests, builds, ...)."""

    def __init__(self, pids=()):
        self.pids = list(pids)
        self.t0, self.busy0 = time.perf_counter(), _busy_seconds()
        self.own0 = self._own()

    def _own(self) -> float:
        return sum(os.times()[:2]) + sum(_cpu_seconds(p) for p in self.pids)

    def cores(self) -> float:
        el = time.perf_counter() - self.t0
        return max(0.0, ((_busy_seconds() - self.busy0) - (self._own() - self.own0)) / el)


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process (Linux /proc; NaN elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return float("nan")


def gui_run(seconds: float) -> dict:
    """Run the page with the reference scene; measure steps/s, painted FPS and the worst timer gap."""
    from PySide6.QtCore import QElapsedTimer, QEvent, QObject, QTimer

    from playground.app import make_app
    from playground.pages.training.page import TrainingPage

    app = make_app()
    page = TrainingPage()
    page.resize(1280, 720)
    page.load_scene(SCENE)
    page.show()
    samples: list[tuple[float, int]] = []
    counts = {"snapshots": 0, "decision": 0, "curves": 0, "diagram": 0, "histograms": 0}
    original = page.handle_metrics

    def spy(m):
        if m.kind == "epoch":
            samples.append((time.perf_counter(), m.step))
        if m.snapshot is not None:
            counts["snapshots"] += 1
        original(m)

    page.handle_metrics = spy
    original_view = page.views.draw

    def spy_view(view, *args, **kwargs):
        counts[view] = counts.get(view, 0) + 1
        return original_view(view, *args, **kwargs)

    page.views.draw = spy_view

    views = {page.decision.viewport(), page.curves.viewport(), page.histograms.viewport(), page.diagram}

    class PaintCounter(QObject):
        """One frame = one window update (UpdateRequest) in which a view repainted."""

        def __init__(self):
            super().__init__()
            self.frames, self._open = 0, False

        def eventFilter(self, obj, ev):  # noqa: N802 - Qt override
            t = ev.type()
            if t == QEvent.UpdateRequest and obj is page:
                self._open = True
            elif t == QEvent.Paint and self._open and obj in views:
                self.frames += 1
                self._open = False
            return False

    painted = PaintCounter()
    app.installEventFilter(painted)
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
    pid = page.trainer_pid()
    frames0, counts0, tw = painted.frames, dict(counts), time.perf_counter()
    cpu_gui0, cpu_child0 = sum(os.times()[:2]), _cpu_seconds(pid)
    load = OtherLoad([pid])
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
    cpu_gui, cpu_child = sum(os.times()[:2]) - cpu_gui0, _cpu_seconds(pid) - cpu_child0
    other = load.cores()
    app.removeEventFilter(painted)
    window = [(t, s) for t, s in samples if t >= tw]
    rate = (window[-1][1] - window[0][1]) / (window[-1][0] - window[0][0]) if len(window) >= 2 else float("nan")
    page.shutdown()
    page.close()
    page.deleteLater()
    app.processEvents()
    per_s = {k: (counts[k] - counts0.get(k, 0)) / elapsed for k in counts}
    g = sorted(gaps[1:]) or [0]
    return {"steps_per_s": rate, "fps": (painted.frames - frames0) / elapsed, "max_gap_ms": g[-1],
            "p99_gap_ms": g[int(0.99 * (len(g) - 1))], "gaps_over_50": sum(x > 50 for x in g) / elapsed * 60,
            "per_s": per_s, "cpu_gui": cpu_gui / elapsed, "cpu_trainer": cpu_child / elapsed, "other": other}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="3 s per measurement (CI); fails only below the floors")
    ap.add_argument("--seconds", type=float, default=None, help="seconds per measurement (default 10)")
    args = ap.parse_args(argv)
    secs = args.seconds or (3.0 if args.quick else 10.0)
    import torch

    default_threads = torch.get_num_threads()
    gui = gui_run(secs)
    snap_hz = gui["per_s"]["snapshots"]
    bare_default, snap_default, other_default = bare_steps_per_s(secs, default_threads, snap_hz)
    bare_one, snap_one, other_one = bare_steps_per_s(secs, 1, snap_hz)
    bare = max(bare_default, bare_one)  # compare against the faster bare loop
    ratio = gui["steps_per_s"] / bare
    per_s = gui["per_s"]
    figures = {"ratio": ratio, "fps": gui["fps"], "stall_ms": gui["max_gap_ms"]}

    def verdict(key):
        ok = figures[key] <= TARGETS[key] if key == "stall_ms" else figures[key] >= TARGETS[key]
        return "met" if ok else "MISSED"

    print(f"set-up:    2-16-16-1 on moons (1000 points), batch 32, Adam, grid 100x100, report every 5 steps, "
          f"{secs:g} s per measurement")
    print(f"with GUI:  {gui['steps_per_s']:.0f} steps/s (trainer subprocess, torch 1 thread; "
          f"{snap_hz:.1f} snapshots/s drawn; CPU: trainer {100 * gui['cpu_trainer']:.0f}%, GUI process "
          f"{100 * gui['cpu_gui']:.0f}% of a core)")
    print(f"bare loop: {bare_default:.0f} steps/s (torch {default_threads} threads), {bare_one:.0f} steps/s "
          f"(1 thread); snapshots paced at {snap_hz:.1f}/s (got {snap_default:.1f}, {snap_one:.1f})")
    print(f"ratio:     {ratio:.2f}  (GUI / faster bare; target >= {TARGETS['ratio']:.2f}) {verdict('ratio')}")
    print(f"FPS:       {gui['fps']:.1f} frames painted/s (target >= {TARGETS['fps']:.0f}) {verdict('fps')}; view "
          f"updates/s: decision {per_s['decision']:.1f}, curves {per_s['curves']:.1f}, diagram "
          f"{per_s['diagram']:.1f}, histograms {per_s['histograms']:.1f}")
    print(f"max stall: {gui['max_gap_ms']:.0f} ms between 5 ms GUI timer ticks (target <= {TARGETS['stall_ms']:.0f}) "
          f"{verdict('stall_ms')}; 99th percentile {gui['p99_gap_ms']:.0f} ms, "
          f"{gui['gaps_over_50']:.0f} gaps > 50 ms a minute")
    others = (gui["other"], other_default, other_one)
    print(f"other load: {others[0]:.2f} / {others[1]:.2f} / {others[2]:.2f} cores used by other processes during "
          f"the GUI / bare / bare-1-thread measurements" + ("  -- DISTURBED: figures not representative"
                                                          if max(others) > DISTURBED_CORES else ""))
    if args.quick:
        floors_ok = (ratio >= FLOORS["ratio"] and gui["fps"] >= FLOORS["fps"]
                     and gui["max_gap_ms"] <= FLOORS["stall_ms"])
        if floors_ok:
            return 0
        if max(others) > DISTURBED_CORES:
            print(f"below the quick-mode floors {FLOORS}, but the machine was busy with other work: not judged")
            return 0
        print(f"FAIL: below the quick-mode floors {FLOORS}")
        return 1
    return 0 if all(verdict(k) == "met" for k in TARGETS) else 1


if __name__ == "__main__":
    sys.exit(main())
