"""Benchmark: the optimizer page's worst GUI-thread stall and its frame rate with eight racers.

Reference set-up: eight racers (GD, momentum, Nesterov, AdaGrad, RMSProp, Adam, AdamW, noisy SGD)
on Rosenbrock, 3000 steps, playback speed 10 steps a frame, window 1280 x 720 (offscreen),
contours and log colour on, the gradient and velocity arrows shown. Trajectories come from the
racer subprocess (``playground/racer_process.py``), as in the app.

Each run loads the scene afresh and presses Play at once, so the first part of the race plays
while the subprocess is still computing ("live"); then the same race is replayed from step 0 with
everything computed ("replay"). The stall is the longest gap between ticks of a 5 ms probe timer on
the GUI thread during the race, in a real event loop (the issue's target: no stall over 50 ms).
FPS counts repaints of the surface view actually painted, not timer ticks, in the replays (live,
a frame is painted only when new steps have arrived, so it is bounded by the racers' speed). Paint times are the
time from a view's Paint event to the next event the application sees (its paint and the window
flush that follows). "load" is how long the GUI thread was busy loading the scene (building the
surface image and contours, restarting the racers, the first paint) -- a user action, reported
apart. "other load" is the CPU the rest of the machine used meanwhile (/proc/stat): the figures of
a disturbed run are flagged.

After the races, surface changes are timed as a user makes them (``repaints``): the valley's
condition number moved a slider step at a time, and every surface picked in the combo box. The issue's
target is a repaint within 30 ms of the change, timed in the widget.

Usage::

    python bench/bench_optimizer_page.py [--quick] [--runs N] [--racers N] [--speed S] [--steps N]
                                         [--size WxH]

Targets: max stall <= 50 ms, FPS >= 30, repaint <= 30 ms (the median of each kind of change).
Without ``--quick`` (3 runs), the exit status is 1 if a target is missed on an otherwise idle
machine. ``--quick`` (CI, about 25 s) makes one run of 1000 steps and fails only below the floors
(stall > 200 ms, FPS < 15, repaint > 120 ms).
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from bench_training_page import DISTURBED_CORES, OtherLoad, _cpu_seconds  # noqa: E402

TARGETS = {"stall_ms": 50.0, "fps": 30.0, "repaint_ms": 30.0}
FLOORS = {"stall_ms": 200.0, "fps": 15.0, "repaint_ms": 120.0}
RACERS = [
    {"optimizer": "sgd", "label": "GD", "hparams": {"lr": 0.001}},
    {"optimizer": "sgd", "label": "momentum", "hparams": {"lr": 0.0005, "momentum": 0.9}},
    {"optimizer": "sgd", "label": "Nesterov", "hparams": {"lr": 0.0005, "momentum": 0.9, "nesterov": True}},
    {"optimizer": "adagrad", "label": "AdaGrad", "hparams": {"lr": 0.5}},
    {"optimizer": "rmsprop", "label": "RMSProp", "hparams": {"lr": 0.01}},
    {"optimizer": "adam", "label": "Adam", "hparams": {"lr": 0.05}},
    {"optimizer": "adamw", "label": "AdamW", "hparams": {"lr": 0.05}},
    {"optimizer": "sgd", "label": "noisy SGD", "hparams": {"lr": 0.001}, "grad_noise": 2.0},
]


def scene(n_racers: int, steps: int) -> dict:
    return {"version": 1, "page": "optimizer", "title": "Benchmark", "lesson": "Eight racers on Rosenbrock.",
            "surface": "rosenbrock", "start": [-1.2, 1.0], "steps": steps,
            "overlays": {"log_color": True, "contours": True, "gradient": True, "velocity": True},
            "racers": RACERS[:n_racers]}


def race(app, page, seconds_cap: float, speed: int) -> dict:
    """Play the page's race from step 0 to the end; gaps of a 5 ms probe, paints, draw time, rebuilds."""
    from PySide6.QtCore import QElapsedTimer, QEvent, QEventLoop, QObject, QTimer

    views = {page.surface_view.plot.viewport(): "surface", page.curves.loss_plot.viewport(): "loss",
             page.curves.lr_plot.viewport(): "lr"}

    class Paints(QObject):
        """Paint events of the three plots, timed to the next event the application sees."""

        def __init__(self):
            super().__init__()
            self.ms = {name: [] for name in views.values()}
            self._open = None

        def eventFilter(self, obj, ev):  # noqa: N802 - Qt override
            now = time.perf_counter()
            if self._open is not None:
                name, t0 = self._open
                self.ms[name].append(1000.0 * (now - t0))
                self._open = None
            if ev.type() == QEvent.Paint and obj in views:
                self._open = (views[obj], now)
            return False

    paints = Paints()
    draw_s = [0.0, 0]
    original_draw = page.draw

    def timed_draw():
        t0 = time.perf_counter()
        original_draw()
        draw_s[0] += time.perf_counter() - t0
        draw_s[1] += 1

    caches = (page.surface_view.race.trails, page.curves.loss_layer.cache, page.curves.lr_layer.cache)
    rebuilds0 = [c.rebuilds for c in caches]
    page.draw = timed_draw  # the frame timer calls page.draw: every frame's draw is timed
    probe, clock, gaps, last = QTimer(), QElapsedTimer(), [], [0]
    clock.start()

    def on_probe():
        t = clock.elapsed()
        gaps.append(t - last[0])
        last[0] = t

    probe.timeout.connect(on_probe)
    page.model.speed = speed
    computing = not page.race.all_done()
    pid = page.race.process.pid if page.race.process is not None else None  # the racer host's child
    load = OtherLoad([pid] if pid else [])
    cpu0, child0 = sum(os.times()[:2]), (_cpu_seconds(pid) if pid else 0.0)
    app.installEventFilter(paints)
    t0 = time.perf_counter()
    last[0] = clock.elapsed()
    probe.start(5)
    # A real event loop, as in the app (QEventLoop: app.quit() would close the page's window too).
    loop, watch = QEventLoop(), QTimer()

    def on_watch():
        if page.model.step >= page.model.steps or time.perf_counter() - t0 > seconds_cap:
            loop.quit()

    watch.timeout.connect(on_watch)
    watch.start(50)
    page.seek(0)
    page.play()
    loop.exec()
    watch.stop()
    probe.stop()
    app.removeEventFilter(paints)
    elapsed = time.perf_counter() - t0
    other = load.cores()
    page.pause()
    del page.draw  # the method again
    g = sorted(gaps[1:]) or [0]
    return {"steps": page.model.step, "seconds": elapsed, "computing": computing, "max_gap_ms": g[-1],
            "p99_gap_ms": g[int(0.99 * (len(g) - 1))], "p95_gap_ms": g[int(0.95 * (len(g) - 1))],
            "gaps_over_50": sum(x > 50 for x in g), "fps": len(paints.ms["surface"]) / elapsed,
            "draw_ms": 1000 * draw_s[0] / max(draw_s[1], 1),
            "paint_ms": {k: (float(np.median(v)) if v else 0.0, max(v) if v else 0.0) for k, v in paints.ms.items()},
            "rebuilds": [c.rebuilds - r for c, r in zip(caches, rebuilds0)],
            "cpu_gui": (sum(os.times()[:2]) - cpu0) / elapsed,
            "cpu_racers": ((_cpu_seconds(pid) - child0) / elapsed) if pid else 0.0, "other": other}


def load_ms(app, page, scene_dict: dict) -> float:
    """GUI-thread time to load a scene and paint it once."""
    t0 = time.perf_counter()
    page.load_scene(scene_dict)
    page.repaint()
    app.processEvents()
    return 1000.0 * (time.perf_counter() - t0)


def repaints(app, page, rounds: int) -> dict:
    """Surface changes as a user makes them: "repaint within 30 ms of the change", timed in the widget.

    ``kappa``: the valley's condition number moved a slider step at a time (through the chooser's
    signal, as a slider does). ``switch``: each surface of the combo box picked in turn (the surface
    is built and the sliders rebuilt too); ``slowest`` names the surface slowest to show. Each is timed twice: the widget's own ``last_repaint_ms`` (the
    view's compute plus the paint that first shows the change) and, around it, from the change to
    the end of that paint. The page is let rest between changes, so the racers restart each time.
    """
    sv = page.surface_view
    painted_at = [0.0]
    on_painted = sv.plot._on_painted

    def timed(ms):
        if sv._change_ms is not None:
            painted_at[0] = time.perf_counter()
        on_painted(ms)

    sv.plot._on_painted = timed

    def settle():
        deadline = time.perf_counter() + 5.0
        while sv._change_ms is not None and time.perf_counter() < deadline:
            app.processEvents()
        for _ in range(8):
            app.processEvents()
            time.sleep(0.02)

    def change(act) -> tuple[float, float]:
        t0 = time.perf_counter()
        act()
        while sv._change_ms is not None:
            app.processEvents()
        out = (sv.last_repaint_ms, 1000.0 * (painted_at[0] - t0))
        settle()
        return out

    from core.surfaces import get_surface

    out = {"kappa": [], "switch": []}
    page.chooser.combo.setCurrentText("valley")
    settle()
    for k in np.geomspace(12, 500, 6 * rounds):
        s = get_surface(f"valley:kappa={k:.3f}")
        out["kappa"].append(change(lambda s=s: page.chooser.sigSurfaceChanged.emit(s)))
    from core.surfaces import list_surfaces

    names = [name for name, _ in list_surfaces()]  # every surface of the combo box
    per_surface: dict[str, list] = {name: [] for name in names}
    for _ in range(rounds):
        for name in names:
            t = change(lambda name=name: page.chooser.combo.setCurrentText(name))
            out["switch"].append(t)
            per_surface[name].append(t)
    sv.plot._on_painted = on_painted
    res = {k: np.asarray(v) for k, v in out.items()}
    res["slowest"] = max(per_surface, key=lambda n: float(np.median(np.asarray(per_surface[n])[:, 1])))
    res["slowest_ms"] = np.median(np.asarray(per_surface[res["slowest"]]), axis=0)
    return res


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="one race (CI); fails only below the floors")
    ap.add_argument("--racers", type=int, default=8, help="racers (1-8, default 8)")
    ap.add_argument("--speed", type=int, default=10, help="steps a frame (default 10)")
    ap.add_argument("--steps", type=int, default=None, help="steps per race (default 3000, quick 1000)")
    ap.add_argument("--runs", type=int, default=None, help="races (default 3, quick 1)")
    ap.add_argument("--size", default="1280x720", help="window size WxH (default 1280x720)")
    args = ap.parse_args(argv)
    w, h = (int(v) for v in args.size.lower().split("x"))
    runs = args.runs or (1 if args.quick else 3)
    args.steps = args.steps or (1000 if args.quick else 3000)

    from playground.pages.optimizer import scene as scene_optimizer
    from playground.app import make_app
    from playground.pages.optimizer.page import OptimizerPage

    app = make_app()
    page = OptimizerPage()
    page.resize(w, h)
    page.show()
    app.processEvents()
    # As a user finds it: the window open, the racer subprocess started, the default race computed.
    page.wait_computed(120.0)
    for _ in range(20):
        app.processEvents()
        time.sleep(0.01)
    results = []
    for _ in range(runs):
        sc = scene_optimizer.validate(scene(args.racers, args.steps))
        loaded = load_ms(app, page, sc)
        live = race(app, page, 120.0, args.speed)
        replay = race(app, page, 120.0, args.speed)
        results.append((loaded, live, replay))
    changes = repaints(app, page, 1 if args.quick else 3)
    page.shutdown()
    page.close()
    app.processEvents()

    print(f"set-up:     {args.racers} racers on Rosenbrock, {args.steps} steps at {args.speed} steps a frame, "
          f"{w}x{h} offscreen, contours + log colour + both arrows; {runs} run(s) of load, live race, replay")
    for i, (loaded, *rs) in enumerate(results):
        print(f"run {i + 1}:      scene load {loaded:.0f} ms on the GUI thread (load, restart, first paint)")
        for name, r in zip(("live", "replay"), rs):
            pm = r["paint_ms"]
            print(f"  {name:7s}   {r['steps']} steps in {r['seconds']:.1f} s"
                  f"{' (racers still computing at Play)' if r['computing'] else ''}; 5 ms probe gaps: max "
                  f"{r['max_gap_ms']:.0f} ms, p99 {r['p99_gap_ms']:.0f}, p95 {r['p95_gap_ms']:.0f}, "
                  f"{r['gaps_over_50']} over 50 ms; {r['fps']:.1f} surface paints/s")
            print(f"            per frame: page draw {r['draw_ms']:.1f} ms; paint median/max: surface "
                  f"{pm['surface'][0]:.1f}/{pm['surface'][1]:.0f} ms, loss {pm['loss'][0]:.1f}/{pm['loss'][1]:.0f}, "
                  f"lr {pm['lr'][0]:.1f}/{pm['lr'][1]:.0f}; full restrokes trails/loss/lr {r['rebuilds']}; "
                  f"CPU GUI {100 * r['cpu_gui']:.0f}%, racers {100 * r['cpu_racers']:.0f}%; "
                  f"other load {r['other']:.2f} cores")
    for name, label in (("kappa", "valley kappa, slider steps"), ("switch", "each surface picked in the combo box")):
        v = changes[name]
        print(f"repaint:    {label} ({len(v)}): widget median {np.median(v[:, 0]):.1f} ms, max "
              f"{v[:, 0].max():.1f}; change to painted median {np.median(v[:, 1]):.1f}, max {v[:, 1].max():.1f}")
    widget_ms, painted_ms = changes["slowest_ms"]
    print(f"            slowest surface to show: {changes['slowest']} (widget {widget_ms:.1f} ms, change to "
          f"painted {painted_ms:.1f} ms; its chooser may gain a row of sliders, which re-lays out the page)")
    races = [r for _, *rs in results for r in rs]
    # FPS from the replays: live, a frame is painted only when new steps have arrived.
    stall, fps = max(r["max_gap_ms"] for r in races), min(rs[1]["fps"] for _, *rs in results)
    disturbed = max(r["other"] for r in races) > DISTURBED_CORES
    repaint = max(float(np.median(changes[k][:, 0])) for k in ("kappa", "switch"))
    ok = {"stall_ms": stall <= TARGETS["stall_ms"], "fps": fps >= TARGETS["fps"],
          "repaint_ms": repaint <= TARGETS["repaint_ms"]}
    print(f"max stall:  {stall:.0f} ms (target <= {TARGETS['stall_ms']:.0f}) {'met' if ok['stall_ms'] else 'MISSED'}")
    print(f"FPS:        {fps:.1f} surface paints/s in the replays (target >= {TARGETS['fps']:.0f}) "
          f"{'met' if ok['fps'] else 'MISSED'}"
          + ("  -- DISTURBED: other processes were busy, figures not representative" if disturbed else ""))
    print(f"repaint:    {repaint:.1f} ms, the worse median of the two kinds of change (target <= "
          f"{TARGETS['repaint_ms']:.0f}) {'met' if ok['repaint_ms'] else 'MISSED'}")
    if args.quick:
        if stall <= FLOORS["stall_ms"] and fps >= FLOORS["fps"] and repaint <= FLOORS["repaint_ms"]:
            return 0
        print(f"below the quick-mode floors {FLOORS}" + (": machine busy, not judged" if disturbed else ""))
        return 0 if disturbed else 1
    return 0 if all(ok.values()) or disturbed else 1


if __name__ == "__main__":
    sys.exit(main())
