"""``optimizer-playground trajectory`` and ``optimizer-playground basin``.

trajectory
    One optimizer from one start; prints ``step,x,y,loss,lr`` (CSV, default) or a JSON array of
    objects with those keys. Row 0 is the start, then one row per step; ``lr`` is the rate used by
    the step that produced the row (row 0: the starting rate). Floats are printed in round-trip
    form (``repr``). A run that diverges stops at its last finite row and prints
    ``diverged at step K`` on stderr (exit 0). ``--start`` defaults to the surface's own start
    point when omitted (the surface knows a sensible one; the catalogue lists it).

basin
    Every cell centre of a ``--grid NXxNY`` over the surface's view runs at once (``run_map``);
    prints ``x0,y0,outcome,steps,x,y,loss`` per cell, row-major (y outer, x inner). ``outcome`` is
    ``min0..minK``, ``elsewhere``, ``diverged`` or ``not-converged``; ``steps`` is the step of
    convergence or divergence, else the steps run.

Only the hyperparameters given on the command line are passed; the rest take the optimizer's
defaults. A flag the optimizer does not take (``--betas`` for sgd) is an error. Bad input of any
kind raises ValueError, which the CLI framework prints as one line (exit 2).
"""
from __future__ import annotations

import json
import math
import sys

# flag -> (hyperparameter, kind); kind "float", "pair" (A,B) or "bool" (a switch)
HPARAM_FLAGS = {
    "--lr": ("lr", "float"), "--momentum": ("momentum", "float"), "--dampening": ("dampening", "float"),
    "--nesterov": ("nesterov", "bool"), "--betas": ("betas", "pair"), "--eps": ("eps", "float"),
    "--weight-decay": ("weight_decay", "float"), "--alpha": ("alpha", "float"),
    "--centered": ("centered", "bool"), "--amsgrad": ("amsgrad", "bool"), "--damping": ("damping", "float"),
    "--rho": ("rho", "float"), "--lr-decay": ("lr_decay", "float"),
    "--initial-accumulator-value": ("initial_accumulator_value", "float"), "--lambd": ("lambd", "float"),
    "--t0": ("t0", "float"), "--etas": ("etas", "pair"), "--step-sizes": ("step_sizes", "pair"),
    "--momentum-decay": ("momentum_decay", "float"),
    "--decoupled-weight-decay": ("decoupled_weight_decay", "bool"),
}
MAX_CELLS = 1_000_000


def _add_common(p) -> None:
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--surface", metavar="NAME[:k=v,...]", help="a catalogue surface, e.g. valley:kappa=100")
    src.add_argument("--formula", metavar="EXPR", help="your own f(x, y), e.g. 'x^2 + 3*y^2'")
    p.add_argument("--optimizer", required=True, metavar="NAME", help="see `list optimizers`")
    for flag, (name, kind) in HPARAM_FLAGS.items():
        if kind == "bool":
            p.add_argument(flag, dest=name, action="store_const", const=True, default=None,
                           help=f"switch {name} on")
        else:
            p.add_argument(flag, dest=name, default=None, metavar="A,B" if kind == "pair" else "X",
                           help=f"hyperparameter {name}")
    p.add_argument("--schedule", default=None, metavar="SPEC", help="lr schedule, e.g. warmup:steps=50+cosine")
    p.add_argument("--grad-noise", default=None, metavar="SIGMA", help="Gaussian noise added to each gradient")
    p.add_argument("--batch-size", default=None, metavar="B", help="mini-batch size (data surface)")
    p.add_argument("--seed", default=None, metavar="S", help="seed of the noise / mini-batches (default 0)")
    p.add_argument("--steps", required=True, metavar="N", help="number of optimizer steps")
    p.add_argument("--format", default="csv", choices=("csv", "json"), help="csv (default) or json")


def register(sub) -> None:
    p = sub.add_parser("trajectory", help="print one optimizer's path on a surface (CSV or JSON)",
                       description="Step one optimizer from --start and print step,x,y,loss,lr per step.")
    _add_common(p)
    p.add_argument("--start", default=None, metavar="X,Y", help="start point (default: the surface's start)")
    p.set_defaults(func=run)
    b = sub.add_parser("basin", help="run every start of a grid; print where each one ended",
                       description="Run every cell centre of --grid over the surface's view at once and "
                                   "print x0,y0,outcome,steps,x,y,loss per cell.")
    _add_common(b)
    b.add_argument("--grid", required=True, metavar="NXxNY", help="cells across x and y, e.g. 100x100")
    b.set_defaults(func=run_basin)


# ----------------------------------------------------------------------------- parsing
def _float(text: str, what: str) -> float:
    try:
        v = float(text)
    except (TypeError, ValueError):
        raise ValueError(f"{what} must be a number, got {text!r}") from None
    if not math.isfinite(v):
        raise ValueError(f"{what} must be finite, got {text!r}")
    return v


def _int(text: str, what: str, low: int) -> int:
    try:
        v = int(str(text).strip())
    except ValueError:
        raise ValueError(f"{what} must be a whole number, got {text!r}") from None
    if v < low:
        raise ValueError(f"{what} must be >= {low}, got {v}")
    return v


def _pair(text: str, what: str, form: str = "A,B") -> tuple[float, float]:
    parts = str(text).split(",")
    if len(parts) != 2:
        raise ValueError(f"{what} must be two numbers {form}, got {text!r}")
    return _float(parts[0], what), _float(parts[1], what)


def parse_grid(text: str) -> tuple[int, int]:
    """``"100x100"`` -> (100, 100); ValueError if malformed, < 1 or too many cells."""
    parts = str(text).lower().split("x")
    if len(parts) != 2:
        raise ValueError(f"--grid must look like 100x100, got {text!r}")
    nx, ny = (_int(v, "--grid", 1) for v in parts)
    if nx * ny > MAX_CELLS:
        raise ValueError(f"--grid {nx}x{ny} has {nx * ny} cells; at most {MAX_CELLS}")
    return nx, ny


def _surface(args):
    from core.surfaces import formula_surface, get_surface

    if args.formula is not None:
        return formula_surface(args.formula)
    return get_surface(args.surface)


def _racer(args):
    from core.optim import optimizer_info
    from core.trajectories import Racer

    name = optimizer_info(args.optimizer).name  # unknown name -> ValueError listing the valid ones
    hp = {}
    for flag, (key, kind) in HPARAM_FLAGS.items():
        value = getattr(args, key)
        if value is None:
            continue
        hp[key] = True if kind == "bool" else _pair(value, flag) if kind == "pair" else _float(value, flag)
    racer = Racer(name, hp, schedule=args.schedule,
                  grad_noise=_float(args.grad_noise, "--grad-noise") if args.grad_noise is not None else 0.0,
                  batch_size=_int(args.batch_size, "--batch-size", 1) if args.batch_size is not None else None,
                  seed=_int(args.seed, "--seed", 0) if args.seed is not None else 0)
    if racer.schedule is not None:
        from core.optim import parse_schedule

        parse_schedule(racer.schedule)
    return racer


def _num(v: float) -> str:
    return repr(float(v))


# ----------------------------------------------------------------------------- the CSV writer
TRAJECTORY_HEADER = "step,x,y,loss,lr"


def trajectory_rows(tr, last: int | None = None) -> list[tuple[int, float, float, float, float]]:
    """``(step, x, y, loss, lr)`` of a ``core.trajectories.Trajectory``, rows 0 .. ``last`` (default: all)."""
    n = len(tr.xy) if last is None else min(int(last) + 1, len(tr.xy))
    return [(t, float(tr.xy[t, 0]), float(tr.xy[t, 1]), float(tr.loss[t]), float(tr.lr[t])) for t in range(n)]


def trajectory_lines(rows) -> list[str]:
    """The CSV lines (no header) of ``rows``, floats in round-trip form: ``step,x,y,loss,lr``."""
    return [f"{t},{_num(x)},{_num(y)},{_num(loss)},{_num(lr)}\n" for t, x, y, loss, lr in rows]


def write_trajectory_csv(out, rows) -> None:
    """Write ``rows`` with the header ``step,x,y,loss,lr`` to the text stream ``out``.

    The one writer of ``trajectory`` and of the GUI's trajectory exports, so both files are identical.
    """
    out.write(TRAJECTORY_HEADER + "\n")
    out.writelines(trajectory_lines(rows))


# ----------------------------------------------------------------------------- commands
def run(args) -> int:
    from core.trajectories import run_trajectory

    steps = _int(args.steps, "--steps", 0)
    surface = _surface(args)
    racer = _racer(args)
    start = _pair(args.start, "--start", "X,Y") if args.start is not None else tuple(surface.start)
    _check_start(surface, start)
    tr = run_trajectory(surface, racer, start, steps)
    rows = trajectory_rows(tr)
    out = sys.stdout
    if args.format == "json":
        keys = ("step", "x", "y", "loss", "lr")
        out.write(json.dumps([dict(zip(keys, r)) for r in rows]) + "\n")
    else:
        write_trajectory_csv(out, rows)
    out.flush()
    if tr.diverged_at is not None:
        print(f"diverged at step {tr.diverged_at}", file=sys.stderr)
    return 0


def _check_start(surface, start) -> None:
    """Refuse a start where the loss or its gradient is not finite (every step would be 'diverged at 0')."""
    if not bool(surface.finite_at([start])[0]):
        raise ValueError(f"--start {start[0]!r},{start[1]!r}: the loss or its gradient is not finite there "
                         f"(f = {float(surface.f([start])[0])!r}); pick a start inside the surface's domain "
                         f"{surface.domain}")


def grid_starts(domain, nx: int, ny: int):
    """Cell centres (nx*ny, 2) over ``domain``, row-major: y outer, x inner."""
    import numpy as np

    xmin, xmax, ymin, ymax = (float(v) for v in domain)
    xs = xmin + (np.arange(nx) + 0.5) * (xmax - xmin) / nx  # (nx,)
    ys = ymin + (np.arange(ny) + 0.5) * (ymax - ymin) / ny  # (ny,)
    gx, gy = np.meshgrid(xs, ys)  # (ny, nx)
    return np.column_stack([gx.ravel(), gy.ravel()])  # (ny*nx, 2)


def run_basin(args) -> int:
    from core.trajectories import run_map

    steps = _int(args.steps, "--steps", 0)
    nx, ny = parse_grid(args.grid)
    surface = _surface(args)
    racer = _racer(args)
    starts = grid_starts(surface.domain, nx, ny)
    res = run_map(surface, racer, starts, steps)
    out = sys.stdout
    cols = ("x0", "y0", "outcome", "steps", "x", "y", "loss")
    if args.format == "json":
        def val(v):
            return float(v) if math.isfinite(v) else None  # JSON has no NaN / inf

        out.write(json.dumps([dict(zip(cols, (float(s[0]), float(s[1]), res.label(i), int(res.steps[i]),
                                                val(res.final_xy[i, 0]), val(res.final_xy[i, 1]),
                                                val(res.final_loss[i]))))
                              for i, s in enumerate(starts)]) + "\n")
    else:
        out.write(",".join(cols) + "\n")
        out.writelines(f"{_num(s[0])},{_num(s[1])},{res.label(i)},{int(res.steps[i])},"
                       f"{_num(res.final_xy[i, 0])},{_num(res.final_xy[i, 1])},{_num(res.final_loss[i])}\n"
                       for i, s in enumerate(starts))
    out.flush()
    return 0
