"""An optimizer scene as a standalone PyTorch program that writes its racers' trajectories as CSV.

Each racer is stepped as ``core.trajectories.engine.TrajectoryRun`` steps one start: the gradient of
the surface is put in ``.grad`` of a (1, 2) float64 parameter and the real torch.optim optimizer (or an
embedded lecture form) takes the step, with its lr_scheduler stepped once per step. The rows equal
``optimizer-playground trajectory`` for the same racer.
"""
from __future__ import annotations

import inspect
import textwrap
from pathlib import Path

from core.optim import optimizer_info
from core.surfaces import get_surface
from core.trajectories import rng

from playground.exports import optimizer_code, schedule_code, surface_code
from playground.exports.embed import section, source_of, tidy

_RUN = '''
{{GRADIENTS}}

@torch.no_grad()
def run_racer(racer, start, steps):
    """Rows (step, x, y, loss, lr) of one racer (core.trajectories.engine.TrajectoryRun, one start).

    Row t is the point after t steps, its full-batch loss and the lr step t used (row 0: the start and
    the starting lr). A run stops once it diverges: farther than 10 view widths from the view's
    centre, or a loss above 1e6 (|L_0| + 1); the rows end at the last finite one.
    """
{{KEYS}}
    param = torch.tensor([start], dtype=DTYPE).requires_grad_(True)  # (1, 2)
    optimizer = racer["optimizer"]([param])
    scheduler = racer["schedule"](optimizer, max(1, steps)) if racer["schedule"] else None
    x = param.detach()
    loss, clean, g = gradients(racer, keys, x, 1)
    cap = 1e6 * (float(loss.abs().nan_to_num(nan=0.0, posinf=0.0)[0]) + 1.0)
    shown = SURFACE.value_and_grad(x)[0] if racer["batch_size"] else loss
    rows = [(0, float(x[0, 0]), float(x[0, 1]), float(shown[0]), float(optimizer.param_groups[0]["lr"]))]
    diverged = not abs(float(loss[0])) <= cap
    for t in range(1, steps + 1):
        if diverged:
            break
        lr = float(optimizer.param_groups[0]["lr"])  # the rate this step uses
        param.grad = g.clone()
        if racer["closure"]:
            def closure():  # the gradient at the look-ahead point, with this step's noise
                param.grad = gradients(racer, keys, param.detach(), t)[2]

            optimizer.step(closure)
        else:
            optimizer.step()
        x = param.detach()
        diverged = not float((x - VIEW_CENTRE).abs().max()) <= FAR
        loss, clean, g = gradients(racer, keys, x, t + 1)
        shown = SURFACE.value_and_grad(x)[0] if racer["batch_size"] else loss
        if scheduler is not None:
            if racer["plateau"]:
                scheduler.step(float(shown.mean()))
            else:
                scheduler.step()
        diverged = diverged or not abs(float(loss[0])) <= cap
        rows.append((t, float(x[0, 0]), float(x[0, 1]), float(shown[0]), lr))
    for i, row in enumerate(rows):  # a diverged run ends at its last finite row
        if not all(math.isfinite(v) for v in row[1:4]):
            return rows[:max(i, 1)]
    return rows


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else OUT
    torch.set_num_threads(1)
    paths = {i: run_racer(r, START, STEPS) for i, r in enumerate(RACERS)}
    if PER_RACER:
        stem = out[:-4] if out.endswith(".csv") else out
        for i, rows in paths.items():
            with open(f"{stem}-{i}.csv", "w", newline="") as fh:
                fh.write("step,x,y,loss,lr\\n")
                fh.writelines(f"{t},{x!r},{y!r},{loss!r},{lr!r}\\n" for t, x, y, loss, lr in rows)
    else:
        with open(out, "w", newline="") as fh:
            w = csv.writer(fh, lineterminator="\\n")
            w.writerow(["racer", "label", "step", "x", "y", "loss", "lr"])
            for i, rows in paths.items():
                w.writerows([i, RACERS[i]["label"], t, repr(x), repr(y), repr(loss), repr(lr)]
                            for t, x, y, loss, lr in rows)
    for i, rows in paths.items():
        if len(rows) < STEPS + 1:
            print(f"racer {i} ({RACERS[i]['label']}): stopped at step {rows[-1][0]} (diverged)", file=sys.stderr)


if __name__ == "__main__":
    main()
'''


_NOISY_GRADIENTS = '''def gradients(racer, keys, xy, t):
    """(loss, clean gradient, gradient the optimizer sees) at `xy` (1, 2) for step t
    (core.trajectories.engine._Gradients): the surface's gradient, plus seeded noise or a mini-batch."""
    if racer["batch_size"]:
        loss, g = SURFACE.value_and_grad(xy, randint(keys, t, SURFACE.n_samples, racer["batch_size"]))
    else:
        loss, g = SURFACE.value_and_grad(xy)
    if racer["grad_noise"]:
        return loss, g, g + racer["grad_noise"] * normals(keys, t)
    return loss, g, g
'''
_PLAIN_GRADIENTS = '''def gradients(racer, keys, xy, t):
    """(loss, gradient, gradient the optimizer sees) at `xy` (1, 2) (core.trajectories.engine._Gradients):
    no racer of this scene adds noise or draws mini-batches, so both gradients are the surface's."""
    loss, g = SURFACE.value_and_grad(xy)
    return loss, g, g
'''
_NOISY_KEYS = '''    keys = row_keys(racer["seed"], torch.arange(1)) if racer["grad_noise"] or racer["batch_size"] else None'''
_PLAIN_KEYS = "    keys = None  # no seeded noise in this scene"


def _rng_source() -> str:
    """The counter-based generator of core.trajectories.rng, whole (its docstring says why it exists)."""
    text = inspect.getsource(rng)
    body = text[text.index("_M64 = "):]
    return "# From core.trajectories.rng (unchanged): noise and mini-batches keyed by (seed, row, step).\n" + body


def _racer_entry(i: int, r: dict) -> tuple[str, str]:
    """(definitions for racer i, its dict literal)."""
    name = optimizer_info(r["optimizer"]).name
    hp = {k: tuple(v) if isinstance(v, list) else v for k, v in r["hparams"].items()}
    info = optimizer_info(name)
    if info.needs_hessian:
        from core.optim import validate_hparams

        kwargs = ", ".join(f"{k}={v!r}" for k, v in validate_hparams(name, **hp).items())
        ctor = f"lambda params: Newton(params, {kwargs}, hessian_fn=SURFACE.hessian)"
    else:
        cls, kwargs = optimizer_code.class_and_kwargs(name, hp)
        ctor = f"lambda params: {cls}(params, {kwargs})"
    spec = r.get("schedule") or None
    defs = ""
    if spec:
        defs = schedule_code.scheduler_source(spec, f"schedule_{i}", with_helpers=False)
    entry = (f"    {{\"label\": {r['label']!r}, \"optimizer\": {ctor},\n"
             f"     \"schedule\": {f'schedule_{i}' if spec else None}, \"plateau\": {schedule_code.needs_metric(spec)!r}, "
             f"\"closure\": {info.needs_closure!r},\n"
             f"     \"grad_noise\": {float(r.get('grad_noise', 0.0))!r}, \"batch_size\": {r.get('batch_size')!r}, "
             f"\"seed\": {int(r.get('seed', 0))!r}}},")
    return defs, entry


def trajectory_script(name: str, scene: dict, *, steps: int | None = None, file_name: str = "run.py",
                      per_racer: bool = False) -> str:
    """The program text for optimizer scene ``scene`` (validated)."""
    steps = int(scene["steps"] if steps is None else steps)
    if steps < 1:
        raise ValueError(f"--steps must be at least 1 (got {steps})")
    surface = get_surface(scene["surface"])
    racers = scene["racers"]
    names = [optimizer_info(r["optimizer"]).name for r in racers]
    schedules = [r.get("schedule") or None for r in racers]
    noisy = any(r.get("grad_noise") or r.get("batch_size") for r in racers)
    newton = any(optimizer_info(n).needs_hessian for n in names)
    textbook = [n for n in names if optimizer_info(n).textbook and not optimizer_info(n).needs_hessian]
    title = scene.get("title") if scene.get("title") not in (None, "", "Untitled") else Path(name).stem
    out_csv = Path(file_name).stem + ".csv"
    notes = []
    if textbook or newton:
        notes.append("Lecture-form optimizers are not torch.optim classes: their source is embedded below "
                     "(from core.optim.textbook).")
    notes.append("The app also labels each run's outcome (which minimum it reached); the script writes the "
                 "paths only.")
    written = (f"one file per racer, {Path(out_csv).stem}-INDEX.csv, with the columns step,x,y,loss,lr"
               if per_racer else f"one long file, {out_csv}, with the columns racer,label,step,x,y,loss,lr")
    about = textwrap.fill(
        f"Every racer starts at ({scene['start'][0]!r}, {scene['start'][1]!r}) on the surface {surface.spec!r} "
        f"and takes {steps} steps, exactly as the optimizer page and `optimizer-playground trajectory` step "
        "it: the surface's gradient goes into .grad of a (1, 2) float64 parameter, the optimizer steps, the "
        f"schedule steps. The paths are written as {written}: row 0 of a racer is its start, row t the point "
        "after t steps, its loss and the learning rate step t used. Floats are written in round-trip form.",
        width=100, break_on_hyphens=False)
    header = f'''#!/usr/bin/env python3
"""{title}: the racers of the Optimizer Playground scene {name!r}, stepped with torch.optim.

{about}

Run it with
    python {file_name} [OUT.csv]     # needs torch and numpy only

What differs from the app:
''' + "\n".join(f"- {n}" for n in notes) + '\n"""\n'
    imports = ["import csv", "import math", "import sys"]
    if textbook or newton:
        imports.append("import numbers")
    if newton:
        imports.append("from collections.abc import Callable")
    cls_src, build = surface_code.class_source(surface)
    imports += ["", "import numpy as np", "import torch"] if "np." in cls_src else ["", "import torch"]
    if textbook or newton:
        imports.append("from torch.optim import Optimizer")
    if any(schedules):
        imports.append("from torch.optim import lr_scheduler")
    if "lru_cache" in inspect.getsource(type(surface)) or type(surface).__module__.endswith("multimodal"):
        imports.append("from functools import lru_cache")
    x0, x1, y0, y1 = (float(v) for v in surface.domain)
    parts = [header, "\n".join(imports) + "\n", section("The surface (embedded from core.surfaces)"),
             surface_code.base_source(), cls_src,
             f"SURFACE = {build}\n"
             f"VIEW = {(x0, x1, y0, y1)!r}  # the surface's view: the length scale of the divergence test\n"
             f"VIEW_CENTRE = torch.tensor([[{0.5 * (x0 + x1)!r}, {0.5 * (y0 + y1)!r}]], dtype=DTYPE)\n"
             f"FAR = 10.0 * {max(x1 - x0, y1 - y0)!r}  # core.trajectories.outcomes.OutcomeRules.far_widths\n"]
    if noisy:
        parts += [section("Seeded noise and mini-batches"), _rng_source()]
    if textbook or newton:
        from core.optim import textbook_newton

        # Newton shares the lecture forms' base class (core.optim.textbook_base.TextbookOptimizer).
        parts.append(section("Lecture-form optimizers (embedded from core.optim.textbook)"))
        parts.append(optimizer_code.textbook_source(textbook, base=True))
        if newton:
            parts.append(source_of(textbook_newton.Newton))
    if any(schedule_code.uses_onecycle(s) for s in schedules):
        parts.append(schedule_code.onecycle_source())
    defs, entries = zip(*(_racer_entry(i, r) for i, r in enumerate(racers)))
    parts += [section("The racers (the scene's, every hyperparameter spelled out)")]
    parts += [d for d in defs if d]
    parts.append("RACERS = [\n" + "\n".join(entries) + "\n]\n"
                 f"START = {tuple(float(v) for v in scene['start'])!r}\nSTEPS = {steps!r}\n"
                 f"OUT = {out_csv!r}\nPER_RACER = {bool(per_racer)!r}\n")
    run = textwrap.dedent(_RUN).strip().replace("{{GRADIENTS}}", _NOISY_GRADIENTS if noisy else _PLAIN_GRADIENTS)
    parts += [section("The run (core.trajectories.engine)"),
              run.replace("{{KEYS}}", _NOISY_KEYS if noisy else _PLAIN_KEYS) + "\n"]
    return tidy("\n\n".join(p.rstrip("\n") + "\n" for p in parts))
