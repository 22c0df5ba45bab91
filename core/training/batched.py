r"""Batched trials: configurations of one architecture trained together as one stacked model.

A hyperparameter search trains many small networks that differ only in their knobs. Stepping them
one after another pays torch's per-call overhead once per network and step; stacking them
(:class:`core.training.batched_net.StackedMLP`, one ``baddbmm`` per layer for all of them) pays it
once per step. Each configuration keeps everything that makes its run its own, drawn from the same
streams (:mod:`core.training.streams`) as :func:`core.training.trainer.train`:

- initial weights: each network is built and initialized by the trainer's own code;
- data order: its ``shuffle`` stream and :func:`core.training.trainer.make_batches`;
- dropout masks: drawn outside the batched product from its own ``dropout`` generator, in the
  order :class:`core.training.model.SeededDropout` draws them;
- learning rate (and its schedule, run by torch on the configuration's own optimizer), weight
  decay, momentum, betas ...: per-row updates of :class:`core.optim.rowwise.RowwiseOptimizer`;
- L1 / L2 penalties: per row.

So a configuration's metrics equal those of ``train(config)`` up to float32 rounding: torch's
batched product of small matrices sums without the fused multiply-adds of its single product, a
difference of one unit in the last place now and then (tests/test_training_batched.py checks
1e-5 relative on every epoch). Where the dynamics amplify rounding, as a chaotic run does
(lr 0.3 with momentum 0.9 and dropout on moons drifts to 3e-5 in 10 epochs), the two runs part
as any two float32 orderings of the same run would.

What cannot be batched trains alone (:func:`batchable` gives it a group of one): BatchNorm, PReLU,
augmentation, early stopping, proximal L1, optimizers without a row-wise update.
"""
from __future__ import annotations

import dataclasses
import math
import re
import threading
import time
import warnings
from collections.abc import Callable, Iterable, Sequence

import numpy as np
import torch

from .batched_net import StackedMLP, row_correct, row_losses
from .config import TrainConfig, parse_activation, per_layer, validate
from .data import load_data
from .diagnostics import nan_message
from .init import initialize
from .metrics import DataView, Metrics
from .model import build_model, resolve_loss
from .streams import numpy_stream, torch_stream
from .trainer import _Run, make_batches, make_optimizer_for, make_scheduler, resolve_batch_size

__all__ = ["BATCHED_OPTIMIZERS", "batchable", "train_batched", "unbatchable_reason"]

#: Optimizers with a per-row update in :mod:`core.optim.rowwise` that follows torch.optim's.
BATCHED_OPTIMIZERS = ("sgd", "adam", "adamw", "rmsprop")

# Fields that may differ inside a group: each row carries its own value. Every other field (data,
# architecture, optimizer name, batch size ...) must be equal, so a field added to TrainConfig
# later splits groups until it is listed here.
_PER_ROW = frozenset({"lr", "hparams", "weight_decay", "l1", "l2", "dropout", "init", "seed", "data_seed",
                      "schedule", "schedule_per", "epochs", "report_every", "snapshot_every", "grid_size",
                      "hist_bins", "neuron_grid", "restore_best", "early_stopping_metric"})

OnEpoch = Callable[[int, list], "Iterable[int] | None"]


def unbatchable_reason(config: TrainConfig) -> str | None:
    """Why ``config`` must train alone (None when it can join a batch)."""
    n = len(config.layers)
    if any(b not in (None, "none") for b in per_layer(config.batchnorm, n, "batchnorm")):
        return "BatchNorm"
    if any(parse_activation(a)[0] == "prelu" for a in per_layer(config.activation, n, "activation")):
        return "PReLU (a learned activation)"
    if config.optimizer.strip().lower() not in BATCHED_OPTIMIZERS:
        return f"optimizer {config.optimizer!r} has no row-wise update"
    if config.augment:
        return "augmentation"
    if config.early_stopping:
        return "early stopping"
    if config.l1_proximal and config.l1:
        return "proximal L1"
    return None


def _freeze(v):
    """A hashable form of a config value."""
    if isinstance(v, (list, tuple)):
        return tuple(_freeze(x) for x in v)
    if isinstance(v, dict):
        return tuple(sorted((k, _freeze(x)) for k, x in v.items()))
    return v


def _group_key(c: TrainConfig) -> tuple:
    normalized = ("optimizer", "batch_size", "last_batch")  # appended below in their normal form
    key = [(f.name, _freeze(getattr(c, f.name))) for f in dataclasses.fields(c)
           if f.name not in _PER_ROW and f.name not in normalized]
    key.append(("data_seed", c.seed if c.data_seed is None else c.data_seed))  # same points, same split
    key.append(("optimizer", c.optimizer.strip().lower()))
    key.append(("batch_size", int(c.batch_size or 0)))
    key.append(("last_batch", "keep" if c.last_batch == "auto" else c.last_batch))  # no BatchNorm: auto = keep
    return tuple(key)


def batchable(configs: Sequence[TrainConfig]) -> list[list[int]]:
    """Group the indices of configurations that can train together as one batched model.

    A group shares the data (generator, size, noise, split and data seed, features), the
    architecture (widths, activations, loss), the optimizer, the batch size and the last-batch
    policy; learning rate, hyperparameters, weight decay, L1/L2, dropout rate, init, seed,
    schedule and epochs may differ. A configuration that cannot batch
    (:func:`unbatchable_reason`) is a group of one.

    Parameters
    ----------
    configs : sequence of TrainConfig

    Returns
    -------
    list of list of int
        Every index exactly once, groups in order of their first member, members in order.
    """
    groups: dict = {}
    out: list[list[int]] = []
    for i, c in enumerate(configs):
        if unbatchable_reason(c) is not None:
            out.append([i])
            continue
        key = _group_key(c)
        if key not in groups:
            groups[key] = len(out)
            out.append([])
        out[groups[key]].append(i)
    return out


def train_batched(configs: Sequence[TrainConfig], stop_event=None, on_epoch: OnEpoch | None = None,
                  evaluate_test: bool = False) -> list[list[Metrics]]:
    """Train ``configs``, each group of :func:`batchable` as one stacked model.

    Parameters
    ----------
    configs : sequence of TrainConfig
    stop_event : anything with ``is_set()``, optional
        Checked before every step; when set, every run still going ends with a final report
        (``stopped="stopped"``).
    on_epoch : callable ``(epoch, reports) -> indices or None``, optional
        Called after each epoch's reports (epoch 0 too). ``reports[i]`` is configuration ``i``'s
        ``kind="epoch"`` Metrics of that epoch, None for one not reporting (finished, or in another
        group: groups train one after another, so an epoch number comes once per group). The
        returned indices are pruned: they end with a final report, ``stopped="pruned"``. A run that
        has just trained its last epoch completes whatever is returned.
    evaluate_test : bool
        False: the final reports carry no test metrics and the test split is never evaluated (the
        search picks on validation metrics). True: ``test_loss`` / ``test_acc`` as ``train`` gives.

    Returns
    -------
    list of list of Metrics
        Per configuration, the ``kind="epoch"`` reports (epoch 0 first, with the data) and one
        ``kind="final"`` (``stopped``: ``completed``, ``nan``, ``stopped`` or ``pruned``;
        ``best_epoch``). Batched runs leave ``layers``, ``snapshot`` and the verdicts empty.

    Raises
    ------
    ValueError
        An impossible configuration, as ``train`` raises it.
    """
    configs = list(configs)
    results: list[list[Metrics] | None] = [None] * len(configs)
    for group in batchable(configs):
        if len(group) == 1:
            results[group[0]] = _train_alone(configs, group[0], stop_event, on_epoch, evaluate_test)
        else:
            out = _Group(configs, group, evaluate_test).run(stop_event, on_epoch, len(configs))
            for i, ms in zip(group, out):
                results[i] = ms
    return results  # type: ignore[return-value]


# --------------------------------------------------------------------------- alone

class _SoloRun(_Run):
    """The trainer's own run, which can skip the test split."""

    def __init__(self, config: TrainConfig, evaluate_test: bool):
        super().__init__(config, None)
        self._evaluate_test = evaluate_test

    def evaluate(self, split: str, keep: list | None = None):
        if split == "test" and not self._evaluate_test:
            return None, None
        return super().evaluate(split, keep)


class _Either:
    """``is_set()`` of two events."""

    def __init__(self, a, b):
        self.a, self.b = a, b

    def is_set(self) -> bool:
        return self.a.is_set() or (self.b is not None and self.b.is_set())


def _train_alone(configs: list[TrainConfig], i: int, stop_event, on_epoch: OnEpoch | None,
                 evaluate_test: bool) -> list[Metrics]:
    """``train(configs[i])``'s epoch and final reports; pruning stops it like a stop event."""
    pruned = threading.Event()
    out: list[Metrics] = []
    for m in _SoloRun(configs[i], evaluate_test).run(_Either(pruned, stop_event)):
        if m.kind == "final":
            if pruned.is_set() and m.stopped == "stopped":
                m.stopped = "pruned"
            out.append(m)
        elif m.kind == "epoch":
            out.append(m)
            if on_epoch is not None:
                reports: list = [None] * len(configs)
                reports[i] = m
                if i in set(on_epoch(m.epoch, reports) or ()):
                    pruned.set()
    return out


# --------------------------------------------------------------------------- together

@dataclasses.dataclass
class _Row:
    """One configuration's own state in a group."""

    index: int                      # into the caller's configs
    config: TrainConfig
    shuffle: np.random.Generator
    dropout_g: torch.Generator
    opt: torch.optim.Optimizer      # the trainer's optimizer: its hparams; it carries the schedule's lr
    sched: object
    keep: list                      # keep_prob per hidden layer
    reports: list
    best: float | None = None
    best_epoch: int | None = None
    lr_seq: np.ndarray | None = None  # per-iteration schedule, precomputed: lr used by step t

    def lr_at(self, step: int) -> float:
        """The lr of the next step after ``step`` steps (what train() reports as ``lr``)."""
        if self.lr_seq is not None:
            return float(self.lr_seq[min(step, len(self.lr_seq) - 1)])
        return float(self.opt.param_groups[0]["lr"])


class _Group:
    """Configurations of one :func:`_group_key` trained together."""

    def __init__(self, configs: list[TrainConfig], group: list[int], evaluate_test: bool):
        for i in group:
            validate(configs[i])
        c0 = configs[group[0]]
        self.evaluate_test = evaluate_test
        self.data = d = load_data(c0)  # one key, one data set
        self.loss = resolve_loss(d.task, d.n_classes, c0.loss)
        splits = ("train", "val", "test") if evaluate_test else ("train", "val")
        self.X = {s: torch.from_numpy(d.transform(d.X_raw[s])) for s in splits}  # (N, F) float32
        self.T = {s: torch.from_numpy(d.y[s].astype(np.int64 if self.loss == "ce" else np.float32))
                  for s in splits}
        self.n_train = len(d.y["train"])
        self.X_trval = torch.cat([self.X["train"], self.X["val"]])[None]         # (1, N_tr + N_val, F)
        self.bs = resolve_batch_size(c0, self.n_train, False)
        self.policy = c0.last_batch
        self.spe = len(make_batches(self.n_train, self.bs, np.arange(self.n_train), self.policy, False))
        models, self.rows = [], []
        lr_cache: dict = {}
        built: dict = {}  # a group's rows differ in these only: the same network, the same initial weights
        for i in group:
            c = configs[i]
            drop_g = torch_stream(c.seed, "dropout")  # each row's own (the masks come from the row's)
            key = (c.seed, c.init, _freeze(c.dropout))
            model = built.get(key)
            if model is None:
                model = built[key] = build_model(c, len(d.features), d.task, d.n_classes, drop_g)
                initialize(model, c.init, torch_stream(c.seed, "init"), self.X["train"][:512])
            opt = make_optimizer_for(c, model)  # never stepped (RowwiseOptimizer is): sharing a model is safe
            row = _Row(i, c, numpy_stream(c.seed, "shuffle"), drop_g, opt, make_scheduler(c, opt, self.spe),
                       [d_.keep_prob for d_ in model.dropouts()], [])
            if row.sched is not None and c.schedule_per == "iteration" and not row.sched.needs_metric:
                row.lr_seq = self._lr_sequence(row, lr_cache)
            models.append(model)
            self.rows.append(row)
        self.net = StackedMLP(models)
        self.opt_name = c0.optimizer.strip().lower()
        self.ropt = self._rowwise()
        self.step = self.examples = 0
        self.epoch = 0
        self._masks_cache: dict = {}

    # ----------------------------------------------------------------- setup
    def _lr_sequence(self, row: _Row, cache: dict) -> np.ndarray:
        """The lr of every step of a per-iteration schedule, stepped by torch once per distinct schedule."""
        c = row.config
        key = (c.schedule, float(c.lr), int(c.epochs))
        if key not in cache:
            seq = [row.lr_at(0)]
            for _ in range(int(c.epochs) * self.spe):
                _schedule_step(row.sched)
                seq.append(float(row.opt.param_groups[0]["lr"]))
            cache[key] = np.asarray(seq, np.float64)
        return cache[key]

    def _rowwise(self):
        """A RowwiseOptimizer over the stacked parameters with each row's hyperparameters (float32)."""
        from core.optim import RowwiseOptimizer, optimizer_info

        names = [k for k in optimizer_info(self.opt_name).hparams if k != "lr"]
        groups = [r.opt.param_groups[0] for r in self.rows]  # the weights' group: the config's values
        hp = {}
        for k in names:
            vals = [g[k] for g in groups]
            hp[k] = np.asarray(vals, np.float64) if k == "betas" else np.asarray(vals)
        opt = RowwiseOptimizer(self.opt_name, hp, len(self.rows))
        for k, v in list(opt.hp.items()):
            if isinstance(v, torch.Tensor) and v.is_floating_point():
                opt.hp[k] = v.to(torch.float32)  # the trainer steps float32 weights with float32 factors
        # Weight decay acts on the weight columns only (the trainer's second group has weight_decay=0).
        wd = opt.hp.get("weight_decay", 0.0)
        if isinstance(wd, torch.Tensor) or wd:
            cols = torch.zeros(1, self.net.theta.shape[1])
            cols[:, :self.net.n_weights] = 1.0
            opt.hp["weight_decay"] = cols * (wd if isinstance(wd, torch.Tensor) else float(wd))
        return opt

    def _keep_rows(self, pos: list[int]) -> None:
        """Drop the finished rows from the stack, the optimizer's state and hyperparameters."""
        if len(pos) == len(self.rows):
            return
        self.rows = [self.rows[p] for p in pos]
        self.net.keep_rows(pos)
        idx = torch.as_tensor(pos, dtype=torch.long)
        o = self.ropt
        n_old = o.n
        o.state = {k: v[idx].clone() for k, v in o.state.items()}
        o.hp = {k: (v[idx] if isinstance(v, torch.Tensor) and v.dim() and v.shape[0] == n_old else v)
                for k, v in o.hp.items()}
        o._uniq = {}
        o.n = len(pos)
        self._masks_cache = {}

    # ----------------------------------------------------------------- evaluation
    @torch.no_grad()
    def _eval_split(self, split: str, theta: torch.Tensor) -> tuple[list, list]:
        """(losses, accuracies) per row of ``theta`` on a whole split, eval mode (no dropout)."""
        X, T = self.X[split], self.T[split]
        if len(T) == 0:
            return [None] * theta.shape[0], [None] * theta.shape[0]
        out = self.net.forward(X[None], theta)
        return self._loss_acc(out, T)

    def _loss_acc(self, out: torch.Tensor, t: torch.Tensor) -> tuple[list, list]:
        R = out.shape[0]
        if len(t) == 0:
            return [None] * R, [None] * R
        losses = row_losses(out, t, self.loss).tolist()
        correct = row_correct(out, t.expand(R, len(t)), self.loss)
        accs = [None] * R if correct is None else [int(k) / len(t) for k in correct.tolist()]
        return losses, accs

    @torch.no_grad()
    def _metrics(self, kind: str, pos: list[int] | None = None) -> list[Metrics]:
        """Epoch (or final) reports of the rows at ``pos`` (all rows by default)."""
        theta = self.net.theta.detach()
        if pos is not None:
            theta = theta[torch.as_tensor(pos, dtype=torch.long)]
        rows = self.rows if pos is None else [self.rows[p] for p in pos]
        n = self.n_train
        out = self.net.forward(self.X_trval, theta)                                      # (R, N_tr+N_val, K)
        tr_loss, tr_acc = self._loss_acc(out[:, :n], self.T["train"])
        va_loss, va_acc = self._loss_acc(out[:, n:], self.T["val"])
        Ws = self.net.weights(theta)
        tol = torch.tensor([r.config.sparsity_tol for r in rows], dtype=torch.float32).view(-1, 1, 1)
        small = sum((W.abs() <= tol).sum((1, 2)) for W in Ws).tolist()
        pens = [0.0] * len(rows)
        if any(r.config.l1 or r.config.l2 for r in rows):  # the trainer's penalty(), per layer
            l1 = torch.tensor([float(r.config.l1) for r in rows], dtype=torch.float32)
            hl2 = torch.tensor([0.5 * float(r.config.l2) for r in rows], dtype=torch.float32)
            p = torch.zeros(len(rows))
            for W in Ws:
                p = p + l1 * W.abs().sum((1, 2)) + hl2 * (W * W).sum((1, 2))
            pens = p.tolist()
        n_w = self.net.n_weights
        ms = []
        for k, r in enumerate(rows):
            ms.append(Metrics(kind=kind, epoch=self.epoch, step=self.step, examples_seen=self.examples,
                              epoch_fraction=float(self.epoch), lr=r.lr_at(self.step), train_loss=tr_loss[k],
                              val_loss=va_loss[k], train_acc=tr_acc[k], val_acc=va_acc[k], penalty=pens[k],
                              sparsity=small[k] / max(n_w, 1)))
        return ms

    def _finish(self, pos: list[int], stopped: str, messages: dict | None = None) -> None:
        """Final reports of the rows at ``pos`` with the weights they have now."""
        if not pos:
            return
        finals = self._metrics("final", pos)
        if self.evaluate_test:
            theta = self.net.theta.detach()[torch.as_tensor(pos, dtype=torch.long)]
            te_loss, te_acc = self._eval_split("test", theta)
        for k, (p, m) in enumerate(zip(pos, finals)):
            r = self.rows[p]
            if self.evaluate_test:
                m.test_loss, m.test_acc = te_loss[k], te_acc[k]
            m.best_epoch, m.stopped = r.best_epoch, stopped
            if messages and p in messages:
                m.message = messages[p]
            m.timing = {"total_s": time.perf_counter() - self.t_start}
            r.reports.append(m)

    @staticmethod
    def _early_value(r: _Row, m: Metrics) -> float | None:
        if r.config.early_stopping_metric == "val_acc" and m.val_acc is not None:
            return -m.val_acc
        return m.val_loss

    # ----------------------------------------------------------------- one step
    def _lr_arg(self):
        """This step's lr: one float when every row has the same, else (R, 1) float32."""
        lrs = [r.lr_at(self.step) for r in self.rows]
        if all(v == lrs[0] for v in lrs):
            return lrs[0]
        return torch.tensor(lrs, dtype=torch.float32)[:, None]

    def _dropout_masks(self, B: int) -> list | None:
        """Per hidden layer None or ``(keep (R, B, w) bool, keep_prob (R, 1, 1))``.

        Each row draws from its own generator, layer by layer, exactly the ``torch.rand`` calls its
        single network's SeededDropout makes in a training forward pass (none where p = 0).
        """
        if B not in self._masks_cache:
            widths = [o for o, _ in self.net.shapes[:-1]]
            R = len(self.rows)
            layers = []
            for k, w in enumerate(widths):
                kp = [r.keep[k] for r in self.rows]
                if all(v >= 1.0 for v in kp):
                    layers.append(None)
                    continue
                layers.append((torch.zeros(R, B, w), torch.tensor(kp, dtype=torch.float32).view(R, 1, 1)))
            self._masks_cache[B] = layers
        layers = self._masks_cache[B]
        if all(L is None for L in layers):
            return None
        for j, r in enumerate(self.rows):  # row by row, layer order within a row
            for k, L in enumerate(layers):
                if L is not None and r.keep[k] < 1.0:
                    torch.rand(L[0].shape[1:], generator=r.dropout_g, out=L[0][j])
        # A row that draws nothing keeps zeros in its buffer: 0 < keep_prob = 1, all kept.
        return [None if L is None else (L[0] < L[1], L[1]) for L in layers]

    def _train_step(self, xb: torch.Tensor, tb: torch.Tensor, batches: list) -> None:
        """One optimizer step of every row on its own batch ``xb`` (R, B, F), ``tb`` (R, B)."""
        theta = self.net.theta
        masks = self._dropout_masks(xb.shape[1])
        loss = row_losses(self.net.forward(xb, theta, masks), tb, self.loss)         # (R,)
        total = loss
        l1 = [float(r.config.l1) for r in self.rows]
        l2 = [float(r.config.l2) for r in self.rows]
        if any(l1) or any(l2):  # the trainer's penalty(): per layer, l1*sum|W| + (l2/2)*sum W^2
            l1_t = torch.tensor(l1, dtype=torch.float32)
            hl2_t = torch.tensor([0.5 * v for v in l2], dtype=torch.float32)
            pen = torch.zeros(len(self.rows))
            for W in self.net.weights(theta):
                if any(l1):
                    pen = pen + l1_t * W.abs().sum((1, 2))
                if any(l2):
                    pen = pen + hl2_t * (W * W).sum((1, 2))
            total = loss + pen
        theta.grad = None
        total.sum().backward()  # rows never mix: a NaN row's gradient stays in its row
        grad = theta.grad
        bad = ~(torch.isfinite(loss) & torch.isfinite(total)).detach()
        if bool(bad.any()):  # these rows stop before this step, with the weights they have (as train())
            bad_pos = torch.nonzero(bad).flatten().tolist()
            lvals = loss.detach().tolist()
            msgs = {p: nan_message(self.rows[p].lr_at(self.step), self.rows[p].config.optimizer, self.epoch + 1,
                                   self.step + 1, lvals[p], input_scale=self.data.input_scale())
                    for p in bad_pos}
            self._finish(bad_pos, "nan", msgs)
            keep = [p for p in range(len(self.rows)) if p not in set(bad_pos)]
            batches[:] = [batches[p] for p in keep]
            grad = grad[torch.as_tensor(keep, dtype=torch.long)]
            lvals = [lvals[p] for p in keep]
            self._keep_rows(keep)
            if not self.rows:
                return
        else:
            lvals = None
        self.ropt.step(self.net.theta.data, grad, self._lr_arg())
        self.step += 1
        self.examples += int(xb.shape[1])
        live = [j for j, r in enumerate(self.rows) if r.sched is not None and r.lr_seq is None
                and r.config.schedule_per == "iteration"]
        if live:  # a per-iteration schedule that needs the batch loss (plateau): stepped as train() does
            lvals = loss.detach().tolist() if lvals is None else lvals
            for j in live:
                _schedule_step(self.rows[j].sched, lvals[j])

    def _after_epoch(self, ms: list[Metrics], on_epoch: OnEpoch | None, n_configs: int,
                     view: DataView | None = None) -> None:
        """Record an epoch's reports, then finish what diverged, completed or was pruned."""
        nan_pos, done_pos = [], []
        reports: list = [None] * n_configs
        for p, (r, m) in enumerate(zip(self.rows, ms)):
            m.data = view
            r.reports.append(m)
            reports[r.index] = m
            if self.epoch > 0 and m.train_loss is not None and not math.isfinite(m.train_loss):
                nan_pos.append(p)  # train() reports this epoch, then stops: no schedule step, no best
                continue
            if self.epoch > 0 and r.sched is not None and r.config.schedule_per == "epoch":
                _schedule_step(r.sched, m.val_loss if m.val_loss is not None else m.train_loss)
            value = self._early_value(r, m)
            if value is not None and (r.best is None or value < r.best):
                r.best, r.best_epoch = value, self.epoch
            if int(r.config.epochs) <= self.epoch:
                done_pos.append(p)
        msgs = {p: nan_message(self.rows[p].lr_at(self.step), self.rows[p].config.optimizer, self.epoch,
                               self.step, ms[p].train_loss, input_scale=self.data.input_scale()) for p in nan_pos}
        self._finish(nan_pos, "nan", msgs)
        self._finish(done_pos, "completed")
        pruned: set = set()
        if on_epoch is not None:
            pruned = {int(i) for i in (on_epoch(self.epoch, reports) or ())}
        ended = set(nan_pos) | set(done_pos)
        prune_pos = [p for p, r in enumerate(self.rows) if r.index in pruned and p not in ended]
        self._finish(prune_pos, "pruned")
        ended |= set(prune_pos)
        self._keep_rows([p for p in range(len(self.rows)) if p not in ended])

    # ----------------------------------------------------------------- the loop
    def run(self, stop_event, on_epoch: OnEpoch | None, n_configs: int) -> list[list[Metrics]]:
        """Train every row; returns each row's reports, in group order (``n_configs``: on_epoch's list length)."""
        self.t_start = time.perf_counter()
        everyone = list(self.rows)
        d = self.data
        view = DataView(X=dict(d.X_raw), y=dict(d.y), task=d.task, n_classes=d.n_classes,
                        features=d.features, extent=d.extent)
        self._after_epoch(self._metrics("epoch"), on_epoch, n_configs, view=view)
        X_tr, T_tr = self.X["train"], self.T["train"]
        epoch = 0
        while self.rows:
            epoch += 1
            batches = [make_batches(self.n_train, self.bs, r.shuffle.permutation(self.n_train), self.policy, False)
                       for r in self.rows]
            for bi in range(len(batches[0])):
                if stop_event is not None and stop_event.is_set():
                    self._finish(list(range(len(self.rows))), "stopped")
                    self._keep_rows([])
                    break
                idx = torch.from_numpy(np.stack([b[bi] for b in batches]))            # (R, B)
                self._train_step(X_tr[idx], T_tr[idx], batches)
                if not self.rows:
                    break
            if not self.rows:
                break
            self.epoch = epoch
            self._after_epoch(self._metrics("epoch"), on_epoch, n_configs)
        return [r.reports for r in everyone]


def _schedule_step(sched, metric: float | None = None) -> None:
    """The trainer's ``_schedule_step`` without a hand factor: the metric when it is finite."""
    with warnings.catch_warnings():
        # The configuration's torch optimizer only carries the lr (the rows step elsewhere), so
        # torch would warn that the schedule steps before the optimizer ever did.
        warnings.filterwarnings("ignore", message=re.escape("Detected call of `lr_scheduler.step()` before"))
        if metric is not None and math.isfinite(metric):
            sched.step(metric)
        else:
            sched.step()
