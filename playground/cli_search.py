"""``optimizer-playground search``: a hyperparameter search over the training options.

Prints one JSON object per finished trial (``number, params, value, state, duration_s``), then a
final object with the best parameters and their test metrics (the test split's one evaluation).
"""
from __future__ import annotations

import json
import sys

from playground.cli_train import _add_common, _early, build_config
from playground.search.methods import C2F_DEFAULTS, METHODS, PRUNERS

OBJECTIVES = ("val_loss", "val_acc")


def register(sub) -> None:
    p = sub.add_parser(
        "search", help="hyperparameter search (grid, random, coarse-to-fine, tpe, bayes) on Optuna",
        description="Search the training knobs given by --space or --param; print one JSON object per "
                    "finished trial, then the best parameters with their test metrics (the only time the "
                    "test split is evaluated).")
    _add_common(p)
    p.add_argument("--epochs", type=int, default=100, help="epochs of every trial (default 100), unless searched")
    p.add_argument("--schedule", default=None, help="schedule spec of every trial, unless searched")
    p.add_argument("--schedule-per", default="epoch", choices=("epoch", "iteration"))
    p.add_argument("--early-stopping", default=None, metavar="PATIENCE[:val_loss|val_acc]",
                   help="stop each trial after PATIENCE epochs without improvement")
    p.add_argument("--no-restore-best", action="store_true", help="with early stopping: keep the last weights")
    s = p.add_argument_group("search")
    s.add_argument("--space", metavar="FILE", help='a kind = "space" TOML file of knobs')
    s.add_argument("--param", action="append", default=[], metavar="KNOB=SPEC",
                   help="a knob, repeatable: lr=1e-4:1e-1:log, dropout=0:0.5, lr=1e-4:1e-1:log:4 (4 grid "
                        "points), batch_size=16,32,64, 'schedule=none|cosine'. Knobs: optimizer, lr, batch_size, "
                        "width, depth, activation, init, dropout, l2, weight_decay, momentum, beta1, beta2, "
                        "schedule, epochs")
    s.add_argument("--method", required=True, choices=METHODS, help="the sampler")
    s.add_argument("--trials", type=int, default=None,
                   help="the study's total number of trials (a resumed study adds the rest); a grid: its product")
    s.add_argument("--sampler-seed", type=int, default=None, help="seed of the sampler (--seed seeds training)")
    s.add_argument("--startup-trials", type=int, default=None, metavar="N",
                   help="tpe and bayes: random trials before the model takes over (default: Optuna's 10)")
    s.add_argument("--objective", default="val_loss", choices=OBJECTIVES,
                   help="validation loss (minimized, default) or accuracy (maximized)")
    s.add_argument("--pruner", default="none", choices=PRUNERS, help="stop poor trials early: median or halving")
    s.add_argument("--storage", default=None, metavar="URL",
                   help="where the study lives: sqlite:///search.db, postgresql+psycopg://..., journal:FILE "
                        "(default: in memory)")
    s.add_argument("--study", default="search", help="study name (default 'search'); the same name resumes it")
    s.add_argument("--no-batch", action="store_true", help="train trials one after another (no batching)")
    s.add_argument("--write-once", action="store_true",
                   help="write each trial to the storage once, when it ends (faster on SQLite); only for a study "
                        "no other process shares while this one runs")
    s.add_argument("--batch-trials", type=int, default=None, metavar="N",
                   help="trials asked and trained together when batching (default: 64 grid/random, 8 tpe/bayes, "
                        "a round for coarse-to-fine)")
    s.add_argument("--round-size", type=int, default=C2F_DEFAULTS["round_size"],
                   help=f"coarse-to-fine: trials per round (default {C2F_DEFAULTS['round_size']})")
    s.add_argument("--top-fraction", type=float, default=C2F_DEFAULTS["top_fraction"],
                   help=f"coarse-to-fine: best fraction that sets the next box (default {C2F_DEFAULTS['top_fraction']})")
    s.add_argument("--shrink", type=float, default=C2F_DEFAULTS["shrink"],
                   help=f"coarse-to-fine: each box's width over the previous one (default {C2F_DEFAULTS['shrink']})")
    s.add_argument("--no-importance", action="store_true", help="skip the knobs' importances in the final object")
    s.add_argument("--format", default="json", choices=("json", "text"), help="json lines (default) or text")
    p.set_defaults(func=run)


def build_spec(args):
    """SearchSpec from parsed arguments (ValueError with one line on bad input)."""
    from playground.search.engine import SearchSpec
    from playground.search.space import load_space, space_from_params

    if args.space and args.param:
        raise ValueError("give either --space FILE or --param options, not both")
    if not args.space and not args.param:
        raise ValueError("the search space is empty: give --space FILE or at least one --param")
    if args.epochs < 1:
        raise ValueError(f"epochs must be at least 1 for a search (got {args.epochs})")
    space = load_space(args.space) if args.space else space_from_params(args.param)
    base = build_config(args, epochs=args.epochs, schedule=args.schedule, schedule_per=args.schedule_per,
                        restore_best=not args.no_restore_best, **_early(args.early_stopping))
    c2f = {"round_size": args.round_size, "top_fraction": args.top_fraction, "shrink": args.shrink}
    if args.method == "coarse-to-fine":
        from playground.search.coarse_to_fine import CoarseToFineSampler

        CoarseToFineSampler({}, **c2f)  # checks the three parameters
    return SearchSpec(base=base, space=space, method=args.method, trials=args.trials,
                      sampler_seed=args.sampler_seed, objective=args.objective, pruner=args.pruner,
                      storage=args.storage, study_name=args.study, batch=not args.no_batch,
                      ask_batch=args.batch_trials, c2f=c2f if args.method == "coarse-to-fine" else {},
                      startup_trials=args.startup_trials, write_once=args.write_once)


def _fmt(v) -> str:
    return "-" if v is None else f"{v:.5g}"


def _params_text(params: dict) -> str:
    return " ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in params.items())


def run(args) -> int:
    import torch

    from playground.search.engine import Search

    from playground.gc_freeze import freeze_startup_objects

    spec = build_spec(args)
    torch.set_num_threads(1)  # tiny networks: one thread is fastest and leaves the other core free
    search = Search(spec)
    freeze_startup_objects()  # the imports' and the study's objects: out of the trials' full collections
    out = sys.stdout
    text = args.format == "text"
    if text:
        print(f"{'trial':>5} {'state':>8} {spec.objective:>10} {'seconds':>8}  params", file=out)
    for r in search.run():
        if text:
            note = f"  ({r.message})" if r.message else ""
            print(f"{r.number:>5} {r.state:>8} {_fmt(r.value):>10} {r.duration_s:>8.2f}  {_params_text(r.params)}{note}",
                  file=out, flush=True)
        else:
            print(json.dumps(r.record()), file=out, flush=True)
    res = search.finish(importance=not args.no_importance)
    rec = res.record(spec)
    if text:
        c = rec["trials"]
        print(f"trials: {c['complete']} complete, {c['pruned']} pruned, {c['fail']} failed", file=out)
        if rec["best"] is None:
            print("no trial completed", file=out)
        else:
            b = rec["best"]
            print(f"best: trial {b['number']}  {spec.objective} {_fmt(b['value'])}  {_params_text(b['params'])}", file=out)
            print(f"test: loss {_fmt(rec['test_loss'])}  acc {_fmt(rec['test_acc'])}", file=out)
        if rec["importance"]:
            print("importance: " + "  ".join(f"{k} {v:.2f}" for k, v in rec["importance"].items()), file=out)
    else:
        print(json.dumps(rec), file=out, flush=True)
    return 0
