"""``optimizer-playground train`` and ``optimizer-playground lr-range``.

``train`` prints one JSON object per line: epoch 0 (the state before training), one per epoch,
then ``{"final": true, ...}`` with the test split evaluated once. ``lr-range`` prints ``lr,loss``
CSV rows of a learning-rate range test.
"""
from __future__ import annotations

import json
import math
import sys

LAYER_KEYS = ("name", "act_mean", "act_std", "dead_frac", "grad_norm", "weight_norm")


def _add_common(p) -> None:
    d = p.add_argument_group("data")
    d.add_argument("--dataset", help="circles, xor, gaussian, spiral, moons, blobs, plane, multigauss, sine")
    d.add_argument("--csv", metavar="FILE", help="user data: rows x1,x2,label (optional header)")
    d.add_argument("--task", default="auto", choices=("auto", "classification", "regression"),
                   help="for --csv: classification or regression (auto: integer labels are classes)")
    d.add_argument("--n", type=int, default=500, help="number of points (default 500)")
    d.add_argument("--noise", type=float, default=0.0, help="noise std (default 0)")
    d.add_argument("--classes", type=int, default=3, help="classes of blobs (default 3)")
    d.add_argument("--split", default="60/20/20", help="train/val/test, e.g. 70/15/15 (default 60/20/20)")
    d.add_argument("--data-seed", type=int, default=None, help="seed of the data and split (default: --seed)")
    d.add_argument("--features", default="x1,x2", help="comma list of x1,x2,x1sq,x2sq,x1x2,sinx1,sinx2")
    d.add_argument("--normalize", action="store_true", help="standardize features with train-split mean/std")
    m = p.add_argument_group("model")
    m.add_argument("--layers", default="4,2", help="hidden widths, e.g. 16,16 (0 = none)")
    m.add_argument("--activation", default="tanh", help="one for all or one per layer: relu,tanh, leaky-relu:0.1")
    m.add_argument("--init", default="default", help="default, zeros, constant:C, normal:STD, uniform:A, "
                                                    "xavier-uniform, xavier-normal, he-uniform, he-normal, "
                                                    "lecun-normal, orthogonal, lsuv")
    m.add_argument("--dropout", default="0", help="drop probability p per hidden layer: 0.2 or 0.2,0.5")
    m.add_argument("--batchnorm", default="none", help="before or after the activation (or none), or one per layer")
    m.add_argument("--loss", default="auto", help="auto, bce, ce, mse, mae, huber")
    r = p.add_argument_group("regularization")
    r.add_argument("--l1", type=float, default=0.0, help="L1 penalty on weights")
    r.add_argument("--l2", type=float, default=0.0, help="L2 penalty (lambda/2)*sum w^2 on weights")
    r.add_argument("--l1-proximal", action="store_true", help="apply L1 as a soft-threshold step (exact zeros)")
    r.add_argument("--weight-decay", type=float, default=None, help="the optimizer's weight_decay")
    r.add_argument("--augment", default="", help="e.g. jitter:0.05,rotate:15,flipx,flipy,scale:0.1,mixup:0.2")
    o = p.add_argument_group("optimization")
    o.add_argument("--optimizer", default="sgd", help="registry name (see `list optimizers`)")
    o.add_argument("--lr", type=float, default=0.03, help="learning rate (default 0.03)")
    o.add_argument("--hparam", action="append", default=[], metavar="KEY=VALUE",
                   help="extra optimizer hyperparameter, repeatable: --hparam momentum=0.9 --hparam betas=0.9,0.99")
    o.add_argument("--batch-size", default="32", help="examples per step; 'all' = batch gradient descent")
    o.add_argument("--last-batch", default="auto", choices=("auto", "keep", "merge", "drop"),
                   help="a trailing batch of one: merge or drop it (auto: merge under BatchNorm)")
    o.add_argument("--seed", type=int, default=0, help="master seed (default 0)")


def register(sub) -> None:
    p = sub.add_parser("train", help="train a small network on a 2D dataset, print metrics as JSON lines",
                       description="Train a network and print one JSON object per epoch "
                                   "(epoch 0 = before training), then a final object with the test split.")
    _add_common(p)
    p.add_argument("--epochs", type=int, default=100, help="epochs (default 100; 0 = evaluate only)")
    p.add_argument("--schedule", default=None, help="schedule spec, e.g. cosine or warmup:steps=5+step:step_size=30")
    p.add_argument("--schedule-per", default="epoch", choices=("epoch", "iteration"),
                   help="step the schedule once per epoch (default) or per iteration")
    p.add_argument("--early-stopping", default=None, metavar="PATIENCE[:val_loss|val_acc]",
                   help="stop after PATIENCE epochs without improvement and restore the best weights")
    p.add_argument("--no-restore-best", action="store_true", help="with early stopping: keep the last weights")
    p.add_argument("--format", default="json", choices=("json", "text"), help="json lines (default) or a text table")
    p.set_defaults(func=run)

    q = sub.add_parser("lr-range", help="learning-rate range test: loss vs exponentially growing lr (CSV)",
                       description="Train while the lr grows exponentially from --lr-min to --lr-max; "
                                   "print lr,loss rows (the U-shaped curve).")
    _add_common(q)
    q.add_argument("--lr-min", type=float, default=1e-5)
    q.add_argument("--lr-max", type=float, default=10.0)
    q.add_argument("--steps", type=int, default=100)
    q.set_defaults(func=run_lr_range)


def _parse_value(text: str):
    low = text.strip().lower()
    if low in ("true", "false"):
        return low == "true"
    if "," in text:
        return tuple(float(v) for v in text.split(","))
    try:
        return float(text)
    except ValueError:
        raise ValueError(f"bad hyperparameter value {text!r}") from None


def build_config(args, **extra):
    """TrainConfig from parsed arguments (ValueError with one clear line on bad input)."""
    from core.training.config import TrainConfig, parse_float_list, parse_layers, parse_split, validate

    if args.csv and args.dataset and args.dataset != "user":
        raise ValueError("give either --dataset or --csv, not both")
    if not args.csv and not args.dataset:
        raise ValueError("--dataset NAME or --csv FILE is required")
    hparams = {}
    for item in args.hparam:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"bad --hparam {item!r}: expected KEY=VALUE")
        hparams[key.strip()] = _parse_value(value)
    bs_text = str(args.batch_size).strip().lower()
    if bs_text in ("all", "full", "batch", "0"):
        batch_size = None
    else:
        try:
            batch_size = int(bs_text)
        except ValueError:
            raise ValueError(f"bad --batch-size {args.batch_size!r}: a positive integer or 'all'") from None
        if batch_size < 1:
            raise ValueError(f"batch size must be at least 1 (got {batch_size})")
    activation = tuple(a for a in args.activation.split(",")) if "," in args.activation else args.activation
    bn_parts = [None if b.strip().lower() in ("none", "off", "") else b.strip().lower() for b in args.batchnorm.split(",")]
    batchnorm = bn_parts[0] if len(bn_parts) == 1 else tuple(bn_parts)
    cfg = TrainConfig(
        dataset="user" if args.csv else args.dataset, csv_path=args.csv, task=args.task, n=args.n,
        noise=args.noise, classes=args.classes, split=parse_split(args.split), data_seed=args.data_seed,
        features=tuple(f.strip() for f in args.features.split(",") if f.strip()), normalize=args.normalize,
        layers=parse_layers(args.layers), activation=activation, init=args.init,
        dropout=parse_float_list(args.dropout, "dropout"), batchnorm=batchnorm, loss=args.loss,
        l1=args.l1, l2=args.l2, l1_proximal=args.l1_proximal, weight_decay=args.weight_decay,
        augment=args.augment, optimizer=args.optimizer.strip().lower(), lr=args.lr, hparams=hparams,
        batch_size=batch_size, last_batch=args.last_batch, seed=args.seed, report_every=0, **extra)
    validate(cfg)
    return cfg


def _early(text: str | None) -> dict:
    if text is None:
        return {}
    patience, _, metric = text.partition(":")
    try:
        p = int(patience)
    except ValueError:
        raise ValueError(f"bad --early-stopping {text!r}: expected PATIENCE[:val_loss|val_acc]") from None
    return {"early_stopping": p, "early_stopping_metric": metric or "val_loss"}


def _num(v):
    return v if v is None or (isinstance(v, float) and math.isfinite(v)) or isinstance(v, int) else None


def epoch_record(m) -> dict:
    """The JSON object printed for an epoch Metrics."""
    return {"epoch": m.epoch, "train_loss": _num(m.train_loss), "val_loss": _num(m.val_loss),
            "train_acc": _num(m.train_acc), "val_acc": _num(m.val_acc), "penalty": _num(m.penalty),
            "lr": _num(m.lr), "step": m.step, "examples_seen": m.examples_seen, "sparsity": _num(m.sparsity),
            "layers": [{k: _num(getattr(l, k)) if k != "name" else l.name for k in LAYER_KEYS} for l in m.layers]}


def final_record(m) -> dict:
    """The JSON object printed last."""
    return {"final": True, "epoch": m.epoch, "step": m.step, "test_loss": _num(m.test_loss),
            "test_acc": _num(m.test_acc), "best_epoch": m.best_epoch, "train_loss": _num(m.train_loss),
            "val_loss": _num(m.val_loss), "train_acc": _num(m.train_acc), "val_acc": _num(m.val_acc),
            "penalty": _num(m.penalty), "stopped": m.stopped, "message": m.message,
            "verdict": m.verdict_code, "verdict_text": m.verdict_text}


def _fmt(v, width=9):
    return f"{'-':>{width}}" if v is None else f"{v:>{width}.4g}"


def run(args) -> int:
    import torch

    from core.training import train

    if args.epochs < 0:
        raise ValueError(f"epochs must be >= 0 (got {args.epochs})")
    cfg = build_config(args, epochs=args.epochs, schedule=args.schedule, schedule_per=args.schedule_per,
                       restore_best=not args.no_restore_best, **_early(args.early_stopping))
    torch.set_num_threads(1)  # tiny networks: one thread is fastest and leaves the other core free
    out = sys.stdout
    if args.format == "text":
        print(f"{'epoch':>5} {'train_loss':>10} {'val_loss':>9} {'train_acc':>9} {'val_acc':>9} {'lr':>9}", file=out)
    for m in train(cfg):
        if m.kind == "epoch":
            if args.format == "json":
                print(json.dumps(epoch_record(m)), file=out, flush=True)
            else:
                print(f"{m.epoch:>5} {_fmt(m.train_loss, 10)} {_fmt(m.val_loss)} {_fmt(m.train_acc)} "
                      f"{_fmt(m.val_acc)} {_fmt(m.lr)}", file=out, flush=True)
        elif m.kind == "final":
            if args.format == "json":
                print(json.dumps(final_record(m)), file=out, flush=True)
            else:
                print(f"test_loss {_fmt(m.test_loss)}  test_acc {_fmt(m.test_acc)}  best_epoch {m.best_epoch}  "
                      f"stopped {m.stopped}", file=out)
                if m.verdict_text:
                    print(m.verdict_text, file=out)
            if m.stopped == "nan" and m.message:
                print(f"optimizer-playground: note: {m.message}", file=sys.stderr)
    return 0


def run_lr_range(args) -> int:
    import torch

    from core.training import lr_range_test

    cfg = build_config(args, epochs=1)
    torch.set_num_threads(1)
    r = lr_range_test(cfg, args.lr_min, args.lr_max, args.steps)
    print("lr,loss")
    for lr, loss in zip(r.lrs.tolist(), r.losses.tolist()):
        print(f"{lr!r},{loss!r}")
    return 0
