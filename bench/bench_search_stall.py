"""Benchmark: how late the search page's GUI thread answers a timer while a search runs.

Issue 16's target: the GUI thread never stalls by more than 33 ms while a search runs. A 10 ms
probe timer (``Qt.PreciseTimer``) records, at each firing, how late it fired: the time since the
previous firing minus 10 ms. Anything the GUI thread does in one go (a snapshot of the study drawn
into every plot and the trials table, a refitted sampler's mind drawn, a tab painted) shows up as
one late firing of about its length.

Runs, each on the search page (window 1280 x 720, offscreen, its search in the page's worker host
child as in the app):

* random: the bundled scene "Random search beats a grid" (assets/scenes/search-random-vs-grid.toml)
  with ``--trials`` trials (default 150): a snapshot of the whole study per finished trial, the
  trials table growing to its full length, importances every 2 s.
* bayes: "Bayesian optimization of the learning rate" (search-bayes-lr.toml) with ``--bayes-trials``
  (default 30): the same, and the sampler's mind (the GP) refitted in the child and drawn after every
  complete trial.

Both tab widgets cycle through their tabs (each every ``TAB_EVERY_S``, one click at a time: the left,
then ``TAB_EVERY_S / 2`` later the right, as a user clicks one tab) so every plot gets painted; the
worst lateness is also given per tab pair shown. Printed per run: trials, max, 99th and 95th
percentile lateness and the count of firings later than 33 ms; the GUI thread's own CPU time between
two firings (max, p99, count over 33 ms: the page's work, whatever the machine's load; lateness beyond
it is time spent waiting for a core); where the time went (handling snapshots, drawing the mind's
refits, tab switches, plot paints, window repaints and layouts: count, mean and max wall ms, max CPU
ms); and the load average before and after (``/proc/loadavg``) with the CPU the rest of the machine
used meanwhile: on a shared 2-core machine a neighbour's pytest makes a run late, so such runs are
flagged.

Usage::

    python bench/bench_search_stall.py [--quick] [--trials N] [--bayes-trials N]

Target: max lateness <= 33 ms in every run. Exit status: without ``--quick``, 1 if a run misses it.
``--quick`` (CI: about 30 s on 2 cores) runs 12 random and 6 bayes trials and fails (exit 1) only
above ``QUICK_FLOOR_MS`` on an otherwise idle machine: a few seconds on a shared machine are noisy,
and a real regression goes through the floor.
"""
from __future__ import annotations

import argparse
import contextlib
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

PROBE_MS = 10
TARGET_MS = 33.0
QUICK_FLOOR_MS = 200.0
TAB_EVERY_S = 1.5
DISTURBED_CORES = 0.25  # other processes using more than this during a run: say so
SCENES = {"random": "search-random-vs-grid.toml", "bayes": "search-bayes-lr.toml"}


def load_average() -> tuple[float, float, float]:
    """The 1, 5 and 15 minute load averages (``/proc/loadavg``; NaN where there is none)."""
    try:
        return tuple(float(x) for x in Path("/proc/loadavg").read_text().split()[:3])
    except (OSError, ValueError):
        return (float("nan"),) * 3


def _scene(name: str, trials: int) -> dict:
    from playground.scenes import load_scene

    scene = load_scene(SCENES[name].removesuffix(".toml"))
    scene["trials"] = trials
    scene["study"] = f"bench-stall-{name}"
    return scene


#: (start s, end s, what) of everything timed on the GUI thread, for what the worst firing waited for.
TIMELINE: list[tuple[float, float, str]] = []


def _percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    return sorted_values[min(len(sorted_values) - 1, int(q * (len(sorted_values) - 1) + 0.5))]


class _Timed:
    """Wraps a bound method: how often it ran and how long each call took (ms)."""

    def __init__(self, obj, name: str):
        self.obj, self.name, self.calls = obj, name, []
        self.original = getattr(obj, name)
        setattr(obj, name, self)

    def __call__(self, *args, **kwargs):
        t0, c0 = time.perf_counter(), time.thread_time()
        try:
            return self.original(*args, **kwargs)
        finally:
            t1 = time.perf_counter()
            self.calls.append((1000 * (t1 - t0), 1000 * (time.thread_time() - c0)))
            TIMELINE.append((t0, t1, f"{type(self.obj).__name__}.{self.name}"))

    def summary(self) -> str:
        return _summary(self.calls)


def _summary(calls: list[tuple[float, float]]) -> str:
    """Count, mean and max wall time of ``(wall ms, CPU ms)`` calls, and the max CPU time: on a busy
    machine the wall time includes waiting for a core, the CPU time is the work itself."""
    if not calls:
        return "0 calls"
    wall = [w for w, _ in calls]
    return (f"{len(calls)} calls, mean {sum(wall) / len(wall):.1f} ms, max {max(wall):.0f} ms "
            f"(CPU max {max(c for _, c in calls):.0f} ms)")


@contextlib.contextmanager
def timed_paints():
    """Time every paint of a pyqtgraph view (the plots draw their items in ``GraphicsView.paintEvent``)."""
    import pyqtgraph as pg

    calls: list[float] = []
    original = pg.GraphicsView.paintEvent

    def paint(view, ev):
        t0, c0 = time.perf_counter(), time.thread_time()
        try:
            return original(view, ev)
        finally:
            t1 = time.perf_counter()
            calls.append((1000 * (t1 - t0), 1000 * (time.thread_time() - c0)))
            TIMELINE.append((t0, t1, f"paint {type(view.parent()).__name__}"))

    pg.GraphicsView.paintEvent = paint
    try:
        yield calls
    finally:
        pg.GraphicsView.paintEvent = original


@contextlib.contextmanager
def timed_collections():
    """Time every garbage collection (``gc.callbacks``): generation -> [(wall ms, CPU ms)]. A full
    (generation 2) collection walks every tracked object: with torch, Qt and Optuna loaded, that
    is one long pause of the GUI thread."""
    import gc

    calls: dict[int, list] = {0: [], 1: [], 2: []}
    started: list = []

    def on_gc(phase, info):
        if phase == "start":
            started[:] = [time.perf_counter(), time.thread_time()]
        elif started:
            t1 = time.perf_counter()
            calls[info["generation"]].append((1000 * (t1 - started[0]), 1000 * (time.thread_time() - started[1])))
            TIMELINE.append((started[0], t1, f"gc generation {info['generation']}"))

    gc.callbacks.append(on_gc)
    try:
        yield calls
    finally:
        gc.callbacks.remove(on_gc)


def run(name: str, trials: int, folder: str, timeout_s: float = 240.0) -> dict:
    """Run one bundled scene on the page with the probe ticking; the lateness figures and the spies."""
    with timed_paints() as paints, timed_collections() as collections:
        return _run(name, trials, folder, timeout_s, paints, collections)


def _run(name: str, trials: int, folder: str, timeout_s: float, paints: list[float],
         collections: dict) -> dict:
    from PySide6.QtCore import QElapsedTimer, Qt, QTimer
    from PySide6.QtWidgets import QApplication

    from playground.app import make_app
    from playground.pages.search.page import SearchPage
    from bench.bench_training_page import OtherLoad

    app = make_app()
    from PySide6.QtCore import QEvent

    class TimedPage(SearchPage):
        """The page, timing what its own events cost: an UpdateRequest repaints the window (every
        child's paint), a LayoutRequest lays it out again."""

        costs = {QEvent.UpdateRequest: [], QEvent.LayoutRequest: []}

        def event(self, ev):
            calls = self.costs.get(ev.type())
            if calls is None:
                return super().event(ev)
            t0, c0 = time.perf_counter(), time.thread_time()
            try:
                return super().event(ev)
            finally:
                t1 = time.perf_counter()
                calls.append((1000 * (t1 - t0), 1000 * (time.thread_time() - c0)))
                TIMELINE.append((t0, t1, "window repaint" if ev.type() == QEvent.UpdateRequest else "layout"))

    page = TimedPage()
    page.resize(1280, 720)
    page.load_scene(_scene(name, trials))
    page.model.storage = f"journal:{Path(folder) / f'{name}.log'}"
    page.show()
    app.processEvents()
    import gc

    from playground.gc_freeze import freeze_startup_objects

    gc.unfreeze()  # (a previous run's freeze) so the figure below is this page's
    t_gc = time.perf_counter()
    gc.collect()
    full_ms = 1000 * (time.perf_counter() - t_gc)
    freeze_startup_objects(collect=True)  # as the app does once its window shows (playground.app.run_app)
    t_gc = time.perf_counter()
    gc.collect()
    frozen_ms = 1000 * (time.perf_counter() - t_gc)
    # Spies in front of the slots, connected before the spies were made: route the signals through them.
    link = page.link
    snap = _Timed(page, "_on_snapshot")
    link.sigSnapshot.disconnect()
    link.sigSnapshot.connect(page._on_snapshot)
    # The views are redrawn on the page's capped draw timer, a few per turn of the event loop: time each turn.
    draws = _Timed(page, "_drain")
    views = {n: _Timed(getattr(page, n), "set_records")
             for n in ("history", "table", "intermediate", "slice", "contour", "parallel")}
    views["importance"] = _Timed(page.importance, "set_importance")
    page._drain_timer.timeout.disconnect()
    page._drain_timer.timeout.connect(page._drain)
    mind = _Timed(page.mind, "_on_message")
    n_tabs = (page.tabs_left.count(), page.tabs_right.count())

    clock, late, where = QElapsedTimer(), [], {}
    clock.start()
    last = [0]

    cpu, last_cpu = [], [0.0]

    fired: list[float] = []

    def on_probe():
        fired.append(time.perf_counter())
        t, c = clock.nsecsElapsed() / 1e6, 1000 * time.thread_time()
        d = t - last[0] - PROBE_MS
        last[0] = t
        late.append(d)
        cpu.append(c - last_cpu[0])  # the GUI thread's own work since the last firing
        last_cpu[0] = c
        key = f"{page.tabs_left.tabText(page.tabs_left.currentIndex())}+" \
              f"{page.tabs_right.tabText(page.tabs_right.currentIndex())}"
        where[key] = max(where.get(key, 0.0), d)

    switches = []

    side = [0]

    def next_tab():  # one tab widget at a time, as a user's click does: left, then right, ...
        t_switch, c_switch = time.perf_counter(), time.thread_time()
        tabs_widget = (page.tabs_left, page.tabs_right)[side[0]]
        tabs_widget.setCurrentIndex((tabs_widget.currentIndex() + 1) % n_tabs[side[0]])
        side[0] = 1 - side[0]
        t1 = time.perf_counter()
        switches.append((1000 * (t1 - t_switch), 1000 * (time.thread_time() - c_switch)))
        TIMELINE.append((t_switch, t1, "tab switch"))

    probe, tabs = QTimer(), QTimer()
    probe.setTimerType(Qt.PreciseTimer)
    probe.timeout.connect(on_probe)
    tabs.timeout.connect(next_tab)
    load0 = load_average()
    if not page.start():
        raise SystemExit(f"{name}: the search did not start: {page.model.message}")
    # The child spawns and imports torch first: start measuring at the first snapshot.
    t0 = time.monotonic()
    while not snap.calls and page.model.running and time.monotonic() - t0 < timeout_s:
        app.processEvents()
        time.sleep(0.002)
    snap.calls.clear()
    draws.calls.clear()
    for v in views.values():
        v.calls.clear()
    paints.clear()
    TIMELINE.clear()
    for calls in (*page.costs.values(), *collections.values()):
        calls.clear()
    other = OtherLoad([page.worker_pid()] if page.worker_pid() else [])
    tw = time.perf_counter()
    last[0], last_cpu[0] = clock.nsecsElapsed() / 1e6, 1000 * time.thread_time()
    probe.start(PROBE_MS)
    tabs.start(int(TAB_EVERY_S * 1000 / 2))
    done = QTimer()
    done.timeout.connect(lambda: (not page.model.running or time.monotonic() - t0 > timeout_s) and app.quit())
    done.start(50)
    app.exec()
    probe.stop()
    tabs.stop()
    done.stop()
    elapsed = time.perf_counter() - tw
    others = other.cores()
    load1 = load_average()
    records = page.model.records
    status = page.model.status.value
    # Wait for the last refit (bayes) so the child is idle when it is closed.
    t1 = time.monotonic()
    while page.link.host is not None and page.link.host.live_jobs and time.monotonic() - t1 < 30:
        QApplication.processEvents()
        time.sleep(0.01)
    page.shutdown()
    page.close()
    page.deleteLater()
    app.processEvents()
    g, gc = sorted(late[1:]), sorted(cpu[1:])
    waited = []
    if len(late) > 1:  # what ran between the worst firing and the one before it
        k = 1 + max(range(len(late) - 1), key=lambda i: late[i + 1])
        lo, hi = fired[k - 1], fired[k]
        waited = [(t0 - lo, 1000 * (t1 - t0), what) for t0, t1, what in TIMELINE if t1 > lo and t0 < hi]
    return {"name": name, "status": status, "trials": len(records),
            "complete": sum(r.state == "complete" for r in records), "seconds": elapsed,
            "firings": len(g), "max": g[-1] if g else float("nan"), "p99": _percentile(g, 0.99),
            "p95": _percentile(g, 0.95), "over": sum(x > TARGET_MS for x in g), "where": where,
            "cpu_max": gc[-1] if gc else float("nan"), "cpu_p99": _percentile(gc, 0.99),
            "cpu_over": sum(x > TARGET_MS for x in gc),
            "snapshots": snap.summary(), "n_snapshots": len(snap.calls), "draws": draws.summary(),
            "views": {n: max((w for w, _ in v.calls), default=0.0) for n, v in views.items()},
            "mind": mind.summary(),
            "tabs": _summary(switches), "paint": _summary(paints),
            "window": _summary(page.costs[QEvent.UpdateRequest]), "layout": _summary(page.costs[QEvent.LayoutRequest]),
            "gc": {g: _summary(c) for g, c in collections.items()},
            "waited": waited, "full_gc": (full_ms, frozen_ms), "load_before": load0, "load_after": load1, "other": others}


def report(r: dict) -> None:
    worst = sorted(r["where"].items(), key=lambda kv: -kv[1])[:3]
    print(f"{r['name']}: {r['trials']} trials ({r['complete']} complete, {r['status']}) in {r['seconds']:.1f} s; "
          f"{r['firings']} firings of a {PROBE_MS} ms timer")
    print(f"  lateness: max {r['max']:.1f} ms, p99 {r['p99']:.1f} ms, p95 {r['p95']:.1f} ms, "
          f"{r['over']} firings over {TARGET_MS:.0f} ms  ({'met' if r['max'] <= TARGET_MS else 'MISSED'})")
    print(f"  GUI-thread CPU between firings: max {r['cpu_max']:.1f} ms, p99 {r['cpu_p99']:.1f} ms, "
          f"{r['cpu_over']} over {TARGET_MS:.0f} ms (the page's own work; lateness beyond it is waiting for a core)")
    print("  worst by tabs shown: " + ", ".join(f"{k} {v:.0f} ms" for k, v in worst))
    print(f"  GUI thread: snapshots {r['snapshots']}; views drawn (per turn) {r['draws']}; "
          f"sampler's mind drawn {r['mind']}; "
          f"tab switches {r['tabs']}; plot paints {r['paint']}")
    print(f"  window repaints {r['window']}; page layouts {r['layout']}")
    print("  garbage collections on the GUI thread: " + "; ".join(f"generation {g}: {s}" for g, s in r["gc"].items()))
    print(f"  one full collection with the page built: {r['full_gc'][0]:.0f} ms; after the app's start-up freeze "
          f"(playground.gc_freeze): {r['full_gc'][1]:.1f} ms")
    print("  longest redraw of each view (ms; hidden ones only keep the records): "
          + ", ".join(f"{n} {ms:.0f}" for n, ms in r["views"].items()))
    if r["waited"]:
        print("  the worst firing waited for (start after the previous firing: what, ms): "
              + ", ".join(f"+{1000 * at:.0f} {what} {ms:.0f}" for at, ms, what in sorted(r["waited"])))
    lb, la = r["load_before"], r["load_after"]
    print(f"  load average before: {lb[0]:.2f} {lb[1]:.2f} {lb[2]:.2f}, after: {la[0]:.2f} {la[1]:.2f} {la[2]:.2f}; "
          f"other load {r['other']:.2f} cores" + ("  -- DISTURBED: figures not representative"
                                                   if r["other"] > DISTURBED_CORES else ""))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="12 random and 6 bayes trials (CI); fails only above "
                    f"{QUICK_FLOOR_MS:.0f} ms")
    ap.add_argument("--trials", type=int, default=None, help="trials of the random run (default 150)")
    ap.add_argument("--bayes-trials", type=int, default=None, help="trials of the bayes run (default 30)")
    args = ap.parse_args(argv)
    n_random = args.trials or (12 if args.quick else 150)
    n_bayes = args.bayes_trials or (6 if args.quick else 30)
    print(f"set-up: search page 1280x720 offscreen, tabs cycling every {TAB_EVERY_S:g} s (one side at a time), probe {PROBE_MS} ms "
          f"(PreciseTimer); target: no firing later than {TARGET_MS:.0f} ms", flush=True)
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-stall-") as folder:
        for name, n in (("random", n_random), ("bayes", n_bayes)):
            r = run(name, n, folder)
            report(r)
            sys.stdout.flush()
            results.append(r)
    worst = max(r["max"] for r in results)
    disturbed = any(r["other"] > DISTURBED_CORES for r in results)
    if args.quick:
        if worst <= QUICK_FLOOR_MS:
            return 0
        if disturbed:
            print(f"above the quick-mode floor ({QUICK_FLOOR_MS:.0f} ms), but the machine was busy: not judged")
            return 0
        print(f"FAIL: a firing {worst:.0f} ms late, above the quick-mode floor {QUICK_FLOOR_MS:.0f} ms")
        return 1
    return 0 if worst <= TARGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
