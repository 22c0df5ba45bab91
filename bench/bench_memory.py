"""Benchmark: the proportional memory (PSS) of every process of the app after training for a while.

What it does, as a student would: opens the main window (offscreen, 1280 x 720), races the
default scene on the Optimizers page until it is computed, switches to the Training page and
trains the reference network (2-16-16-1 on moons, as ``bench_training_page.py``) for ``--seconds``
seconds (default 120), then reads each process's ``Pss`` from ``/proc/<pid>/smaps_rollup``: the
window's own process and every child it spawned (racer host, trainer, ...). PSS splits shared
pages among the processes that share them, so the figures add up to what the app costs the machine.

Usage::

    python bench/bench_memory.py [--quick] [--seconds S]

``--quick`` (CI) trains 3 s and checks only that every figure could be read. There is no target:
the figures are for comparing a change (the closing note of a change quotes them before and after).
Linux only (``/proc``).
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

SCENE = {"version": 1, "page": "training", "title": "Benchmark", "lesson": "2-16-16-1 on moons.",
         "epochs": 100000,
         "data": {"dataset": "moons", "n": 1000, "noise": 0.1},
         "model": {"layers": [16, 16], "activation": "relu", "init": "he-normal"},
         "optimizer": {"name": "adam", "lr": 0.01, "batch_size": 32}}


def pss_kib(pid: int) -> int | None:
    """Proportional set size of ``pid`` in KiB (None when /proc cannot tell)."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def descendants(pid: int) -> list[int]:
    """Every live descendant of ``pid`` (children first), read from /proc."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        try:
            kids = [int(k) for t in Path(f"/proc/{p}/task").iterdir()
                    for k in (t / "children").read_text().split()]
        except OSError:
            kids = []
        out.extend(kids)
        todo.extend(kids)
    return out


def process_name(pid: int) -> str:
    """The multiprocessing name a child was given (``optimizer-playground-...``), else its command."""
    import multiprocessing as mp

    for child in mp.active_children():
        if child.pid == pid:
            return child.name
    try:
        cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return "?"
    return cmd[:60]


def wait(app, seconds: float, until=None) -> None:
    """Run the event loop ``seconds`` (or until ``until()`` is true)."""
    end = time.perf_counter() + seconds
    while time.perf_counter() < end and not (until and until()):
        app.processEvents()
        time.sleep(0.005)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="train 3 s; only check the figures can be read")
    ap.add_argument("--seconds", type=float, default=None, help="seconds of training (default 120)")
    args = ap.parse_args()
    seconds = args.seconds if args.seconds is not None else (3.0 if args.quick else 120.0)
    if not Path("/proc/self/smaps_rollup").exists():
        print("bench_memory: needs Linux /proc/<pid>/smaps_rollup", file=sys.stderr)
        return 2

    from playground.app import make_app
    from playground.main_window import MainWindow

    app = make_app()
    win = MainWindow(theme="light")
    win.resize(1280, 720)
    win.show()
    opt = win.pages["optimizer"]
    win.tabs.setCurrentWidget(opt)
    opt.play()
    steps = opt.scene()["steps"]
    wait(app, 30.0, until=lambda: opt.step() >= steps)  # the race runs to its end
    train = win.pages["training"]
    win.tabs.setCurrentWidget(train)
    train.load_scene(SCENE)
    train.play()
    t0 = time.perf_counter()
    wait(app, seconds)
    trained = time.perf_counter() - t0
    rows = [("window (GUI process)", os.getpid(), pss_kib(os.getpid()))]
    rows += [(process_name(p), p, pss_kib(p)) for p in descendants(os.getpid())]
    # The page model (issue "every page a model") has the epoch; before it, a private field did.
    epoch = train.model.epoch if hasattr(train, "model") else getattr(train, "_last_epoch", None)
    win.close()
    app.processEvents()

    print(f"PSS after {trained:.0f} s of training (epoch {epoch}), after racing the default scene:")
    total = 0
    for name, pid, kib in rows:
        total += kib or 0
        print(f"  {name:<40} pid {pid:>7}  {'?' if kib is None else f'{kib / 1024:7.0f} MiB'}")
    print(f"  {'total':<40} {'':>11}  {total / 1024:7.0f} MiB over {len(rows)} processes")
    return 0 if all(k is not None for _n, _p, k in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
