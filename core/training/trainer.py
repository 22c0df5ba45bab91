"""The training loop as a plain generator: ``train(config, stop_event, controls) -> Iterator[Metrics]``."""
from __future__ import annotations

import copy
import math
import time
from collections.abc import Iterator

import numpy as np
import torch

from .augment import augment_batch, parse_augment
from .config import CLASSIFICATION_DATASETS, TrainConfig, check_neuron_grid, validate
from .controls import TrainControls
from .data import Prepared, load_data
from .diagnostics import LossHistory, diagnose, nan_message, noise_floor
from .init import initialize
from .metrics import DataView, LayerStats, Metrics, Snapshot, confusion_counts
from .model import MLP, build_model, data_loss, resolve_loss
from .penalties import penalty, soft_threshold, weight_decay_kind
from .streams import numpy_stream, torch_stream


# --------------------------------------------------------------------------- setup helpers

def make_batches(n: int, batch_size: int, order: np.ndarray, policy: str, has_bn: bool) -> list[np.ndarray]:
    """Split a permutation into batches, handling a short trailing batch.

    ``policy``: ``keep`` (a short last batch is a step of its own), ``merge`` (a trailing batch of
    one joins the previous batch), ``drop`` (a trailing batch of one is skipped this epoch),
    ``auto`` (keep, but merge a trailing batch of one when the model has BatchNorm, which cannot
    normalize a batch of one in training mode).
    """
    batches = [order[i:i + batch_size] for i in range(0, n, batch_size)]
    if len(batches) > 1 and len(batches[-1]) == 1:
        if policy == "auto":
            policy = "merge" if has_bn else "keep"
        if policy == "merge":
            batches[-2] = np.concatenate([batches[-2], batches[-1]])
            batches.pop()
        elif policy == "drop":
            batches.pop()
    return batches


def resolve_batch_size(config: TrainConfig, n_train: int, has_bn: bool) -> int:
    """Examples per step; refuses BatchNorm with batches of one."""
    bs = config.batch_size
    bs = n_train if not bs or bs >= n_train else int(bs)
    if has_bn and bs == 1:
        raise ValueError("batch size 1 with BatchNorm is refused: a batch of one has no variance to "
                         "normalize by (use a batch size of 2 or more, or turn BatchNorm off)")
    if has_bn and n_train % bs == 1 and n_train > 1 and config.last_batch == "keep":
        raise ValueError(f"the last batch of each epoch holds one example ({n_train} = k*{bs} + 1), which "
                         "BatchNorm cannot train on: use last_batch 'merge' or 'drop'")
    return bs


def make_optimizer_for(config: TrainConfig, model: MLP) -> torch.optim.Optimizer:
    """``core.optim.make_optimizer`` with the config's lr, hparams and weight decay.

    Weight decay acts on the Linear weights only, like the L1/L2 penalties: biases, BatchNorm and
    PReLU parameters sit in a second parameter group with ``weight_decay=0``. So SGD with
    ``weight_decay=λ`` takes the same steps as SGD with ``l2=λ``.
    """
    from core.optim import make_optimizer

    hp = dict(config.hparams)
    hp["lr"] = float(config.lr)
    kind = weight_decay_kind(config.optimizer, hp)
    if config.weight_decay is not None:
        if kind == "none":
            if config.weight_decay:
                raise ValueError(f"optimizer {config.optimizer!r} has no weight decay; use --l2 for an L2 penalty")
        else:
            hp["weight_decay"] = float(config.weight_decay)
    if kind == "none":
        return make_optimizer(config.optimizer, list(model.parameters()), **hp)
    weights = [l.weight for l in model.linears()]
    ids = {id(w) for w in weights}
    others = [p for p in model.parameters() if id(p) not in ids]
    groups = [{"params": weights}] + ([{"params": others, "weight_decay": 0.0}] if others else [])
    return make_optimizer(config.optimizer, groups, **hp)


def make_scheduler(config: TrainConfig, optimizer, steps_per_epoch: int):
    """``core.optim.build_scheduler`` over epochs or iterations (None without a schedule)."""
    if not config.schedule:
        return None
    from core.optim import build_scheduler

    total = config.epochs if config.schedule_per == "epoch" else config.epochs * steps_per_epoch
    return build_scheduler(config.schedule, optimizer, max(int(total), 1))


class _Targets:
    """Targets in the form each loss wants, plus float (N, T) rows for mixup."""

    def __init__(self, y: np.ndarray, loss: str, n_classes: int):
        self.loss, self.k = loss, n_classes
        if loss == "ce":
            self.t = torch.from_numpy(y.astype(np.int64))
        else:
            self.t = torch.from_numpy(y.astype(np.float32))

    def rows(self, idx: np.ndarray) -> np.ndarray:
        """Float rows (B, T): one-hot for ce, (B, 1) otherwise (mixup mixes these)."""
        y = self.t[idx].numpy()
        if self.loss == "ce":
            out = np.zeros((len(idx), self.k), np.float32)
            out[np.arange(len(idx)), y] = 1.0
            return out
        return y.astype(np.float32)[:, None]

    def from_rows(self, Y: np.ndarray) -> torch.Tensor:
        Y = torch.from_numpy(np.ascontiguousarray(Y, dtype=np.float32))
        return Y if self.loss == "ce" else Y[:, 0]


# --------------------------------------------------------------------------- the run

class _Run:
    """State of one training run (the generator :func:`train` drives it)."""

    def __init__(self, config: TrainConfig, controls: TrainControls | None):
        validate(config)
        self.c = config
        self.controls = controls
        self.data: Prepared = load_data(config)
        d = self.data
        self.loss_name = resolve_loss(d.task, d.n_classes, config.loss)
        self.X = {s: torch.from_numpy(d.transform(d.X_raw[s])) for s in d.X_raw}          # (N, F) float32
        self.T = {s: _Targets(d.y[s], self.loss_name, d.n_classes) for s in d.y}
        self.n_train = len(d.y["train"])
        self.X_trval = torch.cat([self.X["train"], self.X["val"]])                        # (N_tr + N_val, F)
        self.drop_g = torch_stream(config.seed, "dropout")
        self.shuffle_rng = numpy_stream(config.seed, "shuffle")
        self.aug_rng = numpy_stream(config.seed, "augment")
        self.model: MLP = build_model(config, len(d.features), d.task, d.n_classes, self.drop_g)
        initialize(self.model, config.init, torch_stream(config.seed, "init"), self.X["train"][:512])
        self.batch_size = resolve_batch_size(config, self.n_train, self.model.has_batchnorm)
        self.steps_per_epoch = len(make_batches(self.n_train, self.batch_size, np.arange(self.n_train),
                                                config.last_batch, self.model.has_batchnorm))
        self.opt = make_optimizer_for(config, self.model)
        self.needs_closure = config.optimizer.strip().lower() == "nesterov-lookahead"
        self.sched = make_scheduler(config, self.opt, self.steps_per_epoch)
        self.raw_lr = self.opt.param_groups[0]["lr"]   # the schedule's own value s_t
        self.lr_factor = 1.0                            # hand rebase: lr = factor * s_t
        self.l1, self.l2 = float(config.l1), float(config.l2)
        self.aug_ops = parse_augment(config.augment)
        if config.early_stopping and len(d.y["val"]) == 0:
            raise ValueError("early stopping needs a validation split (e.g. --split 60/20/20)")
        if config.early_stopping_metric == "val_acc" and d.task == "regression" and config.early_stopping:
            raise ValueError("early stopping on val_acc needs a classification dataset; use val_loss")
        self.step = 0
        self.examples = 0
        self.epoch = 0
        self.prev_weights: list[torch.Tensor] | None = None
        self.t_metrics = 0.0
        self.note: str | None = None
        self.neuron_grid = int(config.neuron_grid)
        # Evidence for the verdicts (diagnostics.diagnose) and the NaN message.
        self._base_error: float | None = None  # the noise floor: first asked for after epoch 1
        self.input_scale = d.input_scale()
        self.train_losses = LossHistory()     # after each epoch, epoch 0 first
        self.first_loss: float | None = None  # the run's first and latest finite batch losses
        self.last_loss: float | None = None
        self._val_logits: torch.Tensor | None = None  # of the latest evaluate_train_val

    # ----------------------------------------------------------------- lr and schedule
    @property
    def lr(self) -> float:
        return float(self.opt.param_groups[0]["lr"])

    def _set_lr(self, value: float) -> None:
        for g in self.opt.param_groups:
            g["lr"] = value

    def _schedule_step(self, metric: float | None) -> None:
        self._set_lr(self.raw_lr)  # undo the hand factor so chainable schedules see their own value
        if metric is not None and math.isfinite(metric):
            self.sched.step(metric)
        else:
            self.sched.step()
        self.raw_lr = float(self.opt.param_groups[0]["lr"])
        self._set_lr(self.raw_lr * self.lr_factor)

    def _apply_controls(self) -> bool:
        if self.controls is None:
            return False
        changes, snap = self.controls.take()
        for key, value in changes.items():
            try:
                if key == "lr":
                    value = float(value)
                    if not (math.isfinite(value) and value > 0):
                        raise ValueError(f"learning rate must be positive (got {value})")
                    self.lr_factor = value / self.raw_lr if self.raw_lr > 0 else 1.0
                    self._set_lr(value)
                elif key in ("l1", "l2"):
                    value = float(value)
                    if not (math.isfinite(value) and value >= 0):
                        raise ValueError(f"{key} must be >= 0 (got {value})")
                    setattr(self, key, value)
                elif key == "dropout":
                    self.model.set_dropout(value)
                elif key == "augment":
                    self.aug_ops = parse_augment(value)
                elif key == "neuron_grid":
                    self.neuron_grid = check_neuron_grid(value)
            except ValueError as exc:
                self.note = f"ignored {key} change: {exc}"
        return snap

    # ----------------------------------------------------------------- evaluation
    def _loss_acc(self, logits: torch.Tensor, t: torch.Tensor) -> tuple[float | None, float | None]:
        if len(t) == 0:
            return None, None
        loss = float(data_loss(logits, t, self.loss_name))
        pred = self._predict(logits)
        # A count over n, in float64: the confusion matrix's trace is exactly acc * n.
        acc = None if pred is None else int((pred == t.long()).sum()) / len(t)
        return loss, acc

    def _predict(self, logits: torch.Tensor) -> torch.Tensor | None:
        """Predicted classes (N,) int64 of a classifier's logits; None for regression."""
        if self.loss_name == "bce":
            return (logits[:, 0] > 0).long()
        if self.loss_name == "ce":
            return logits.argmax(1)
        return None

    @torch.no_grad()
    def evaluate(self, split: str, keep: list | None = None) -> tuple[float | None, float | None]:
        """(data loss, accuracy) of the whole split in eval mode; (None, None) for an empty split."""
        X = self.X[split]
        if len(X) == 0:
            return None, None
        self.model.eval()
        return self._loss_acc(self.model(X, keep), self.T[split].t)

    @torch.no_grad()
    def evaluate_train_val(self, keep: list) -> tuple:
        """Train and val in one eval-mode forward pass (eval mode: rows are independent).

        ``keep`` receives the hidden activations of the TRAIN rows only.
        """
        n = self.n_train
        self.model.eval()
        acts: list[torch.Tensor] = []
        logits = self.model(self.X_trval, acts)
        keep.extend(a[:n] for a in acts)
        self._val_logits = logits[n:]
        return (*self._loss_acc(logits[:n], self.T["train"].t), *self._loss_acc(logits[n:], self.T["val"].t))

    @torch.no_grad()
    def layer_stats(self, acts: list[torch.Tensor]) -> tuple[list[LayerStats], float]:
        """Per-layer statistics and the weight sparsity (fraction of |w| <= sparsity_tol)."""
        out = []
        linears = self.model.linears()
        names = self.model.layer_names()
        hidden = list(self.model.hidden) + [None]
        tol = self.c.sparsity_tol
        n_w = n_small = 0
        for i, (layer, name, block) in enumerate(zip(linears, names, hidden)):
            W = layer.weight
            n_w += W.numel()
            n_small += int((W.abs() <= tol).sum())
            wn = float(W.norm())
            gn = float(W.grad.norm()) if W.grad is not None and self.step > 0 else None
            ur = None
            if self.prev_weights is not None:
                ur = float((W - self.prev_weights[i]).norm()) / (float(self.prev_weights[i].norm()) + 1e-12)
            am = asd = dead = None
            if block is not None and i < len(acts):
                a = acts[i]
                sd, mu = torch.std_mean(a) if a.numel() > 1 else (torch.zeros(()), a.mean())
                am, asd = float(mu), float(sd)
                if block.relu_family:
                    dead = float((a.max(0).values <= 0).float().mean())
            out.append(LayerStats(name, W.shape[0], block.activation_spec if block is not None else None,
                                  am, asd, dead, gn, wn, ur))
        return out, n_small / max(n_w, 1)

    @torch.no_grad()
    def snapshot(self, acts: list[torch.Tensor]) -> Snapshot:
        c, d = self.c, self.data
        G = int(c.grid_size)
        x0, x1, y0, y1 = d.extent
        gx = np.linspace(x0, x1, G)
        gy = np.linspace(y0, y1, G)
        mx, my = np.meshgrid(gx, gy)                                  # (G, G), row = y
        pts = np.stack([mx.ravel(), my.ravel()], 1)                   # (G*G, 2)
        self.model.eval()
        out = self.model(torch.from_numpy(d.transform(pts)))
        if self.loss_name == "bce":
            grid = torch.sigmoid(out[:, 0]).reshape(G, G)
        elif self.loss_name == "ce":
            grid = torch.softmax(out, 1).reshape(G, G, -1)
        else:
            grid = out[:, 0].reshape(G, G)
        bins = int(c.hist_bins)

        def hist(t):
            v = t.detach().reshape(-1).numpy().astype(np.float64)
            v = v[np.isfinite(v)]
            counts, edges = np.histogram(v, bins=bins) if v.size else (np.zeros(bins, np.int64), np.linspace(0, 1, bins + 1))
            return counts.astype(np.int64), edges.astype(np.float32)

        lin = self.model.linears()
        neurons = self._neuron_maps(self.neuron_grid) if self.neuron_grid else None
        return Snapshot(
            epoch=self.epoch, step=self.step,
            grid_x=gx.astype(np.float32), grid_y=gy.astype(np.float32), grid=grid.numpy().astype(np.float32),
            weights=[l.weight.detach().numpy().astype(np.float32).copy() for l in lin],
            biases=[l.bias.detach().numpy().astype(np.float32).copy() for l in lin],
            act_hist=[hist(a) for a in acts],
            grad_hist=[hist(l.weight.grad) if l.weight.grad is not None and self.step > 0 else None for l in lin],
            dropout_masks=[d_.last_mask.numpy().copy() if d_.last_mask is not None and d_.p > 0 else None
                           for d_ in self.model.dropouts()],
            keep_probs=[d_.keep_prob for d_ in self.model.dropouts()],
            neurons=neurons, confusion=self._confusion(),
        )

    @torch.no_grad()
    def _neuron_maps(self, G: int) -> list[np.ndarray]:
        """Each unit's output over a G x G grid of the input plane, from the model itself (eval mode).

        Hidden layers: the activation (what ``keep`` records, as the histograms); output layer:
        the logit or the regression value. Per layer (units, G, G) float32, row = x2.
        """
        x0, x1, y0, y1 = self.data.extent
        mx, my = np.meshgrid(np.linspace(x0, x1, G), np.linspace(y0, y1, G))   # (G, G), row = y
        pts = np.stack([mx.ravel(), my.ravel()], 1)                              # (G*G, 2)
        self.model.eval()
        acts: list[torch.Tensor] = []
        out = self.model(torch.from_numpy(self.data.transform(pts)), acts)
        return [a.T.reshape(-1, G, G).numpy().astype(np.float32) for a in (*acts, out)]

    def _confusion(self) -> np.ndarray | None:
        """(K, K) counts, true class (rows) vs predicted (columns), of the validation split, from the
        logits that gave the latest val_acc (so its trace is val_acc * n_val exactly)."""
        logits = self._val_logits
        if logits is None or self.data.task != "classification" or len(logits) == 0:
            return None
        pred = self._predict(logits).numpy()
        true = self.T["val"].t.long().numpy()
        k = max(int(self.data.n_classes), 2)
        return confusion_counts(true, pred, k)

    def epoch_metrics(self, kind: str, want_snapshot: bool) -> Metrics:
        t0 = time.perf_counter()
        acts: list[torch.Tensor] = []
        tr_loss, tr_acc, va_loss, va_acc = self.evaluate_train_val(acts)
        with torch.no_grad():
            pen = float(penalty(self.model, self.l1, self.l2)) if (self.l1 or self.l2) else 0.0
        layers, sparse = self.layer_stats(acts)
        m = Metrics(kind=kind, epoch=self.epoch, step=self.step, examples_seen=self.examples,
                    epoch_fraction=float(self.epoch), lr=self.lr, train_loss=tr_loss, val_loss=va_loss,
                    train_acc=tr_acc, val_acc=va_acc, penalty=pen, sparsity=sparse, layers=layers,
                    snapshot=self.snapshot(acts) if want_snapshot else None)
        if self.note:
            m.message, self.note = self.note, None
        if kind == "epoch":
            self.train_losses.append(tr_loss)
        if self.epoch > 0 or kind == "final":  # live verdicts: the final one's rule, on the evidence so far
            self._set_verdict(m)
        self.t_metrics += time.perf_counter() - t0
        return m

    def _set_verdict(self, m: Metrics) -> None:
        if m.train_loss is None or not math.isfinite(m.train_loss):
            return
        if self._base_error is None:  # not in __init__: the epoch-0 report (the data) goes out first
            self._base_error = base_error_for(self.c, self.data.task)
        v = bias_variance_for(m, self.data.task, self._base_error, losses=self.train_losses,
                              input_scale=self.input_scale)
        if v is not None:
            m.verdict_code, m.verdict_text, m.verdict_headline = v.code, v.text, v.headline

    def _nan_message(self, epoch: int, step: int, loss: float) -> str:
        return nan_message(self.lr, self.c.optimizer, epoch, step, loss, input_scale=self.input_scale,
                           first_loss=self.first_loss, last_finite_loss=self.last_loss)

    # ----------------------------------------------------------------- the loop
    def run(self, stop_event, evaluate_test: bool = True) -> Iterator[Metrics]:
        c = self.c
        t_start = time.perf_counter()
        m0 = self.epoch_metrics("epoch", c.snapshot_every > 0)
        d = self.data
        m0.data = DataView(X=dict(d.X_raw), y=dict(d.y), task=d.task, n_classes=d.n_classes,
                           features=d.features, extent=d.extent)
        yield m0
        best = self._early_value(m0)
        best_epoch = 0 if best is not None else None
        best_state = copy.deepcopy(self.model.state_dict()) if c.early_stopping else None
        stopped, message = "completed", None
        acc_loss, acc_n, snap_pending = 0.0, 0, False
        X_tr, T_tr = self.X["train"], self.T["train"]
        has_bn = self.model.has_batchnorm
        for epoch in range(1, int(c.epochs) + 1):
            order = self.shuffle_rng.permutation(self.n_train)
            batches = make_batches(self.n_train, self.batch_size, order, c.last_batch, has_bn)
            halted = False
            for bi, idx in enumerate(batches):
                if stop_event is not None and stop_event.is_set():
                    stopped, halted = "stopped", True
                    break
                snap_pending |= self._apply_controls()
                if self.aug_ops:
                    Xb, Yb = augment_batch(d.X_raw["train"][idx], T_tr.rows(idx), self.aug_ops, self.aug_rng)
                    xb, tb = torch.from_numpy(d.transform(Xb)), T_tr.from_rows(Yb)
                else:
                    xb, tb = X_tr[idx], T_tr.t[idx]
                self.model.train()
                loss = data_loss(self.model(xb), tb, self.loss_name)
                total = loss
                if self.l1 or self.l2:
                    total = loss + penalty(self.model, self.l1, self.l2, include_l1=not c.l1_proximal)
                lval = float(loss.detach())
                if not math.isfinite(lval) or not math.isfinite(float(total.detach())):
                    stopped, halted = "nan", True
                    message = self._nan_message(epoch, self.step + 1, lval)
                    break
                if self.first_loss is None:
                    self.first_loss = lval
                self.last_loss = lval
                self.opt.zero_grad(set_to_none=False)
                total.backward()
                last = bi == len(batches) - 1
                if last:  # the update ratio is reported for the epoch's last step only (cheap)
                    t0 = time.perf_counter()
                    self.prev_weights = [l.weight.detach().clone() for l in self.model.linears()]
                    self.t_metrics += time.perf_counter() - t0
                if self.needs_closure:  # the optimizer evaluates the gradient at its look-ahead point
                    self.opt.step(lambda: self._closure(xb, tb))
                else:
                    self.opt.step()
                if c.l1_proximal and self.l1:
                    soft_threshold(self.model, self.lr * self.l1)
                self.step += 1
                self.examples += len(idx)
                if self.sched is not None and c.schedule_per == "iteration":
                    self._schedule_step(lval)
                acc_loss += lval
                acc_n += 1
                if c.report_every and self.step % c.report_every == 0:
                    t0 = time.perf_counter()
                    sm = Metrics(kind="step", epoch=epoch, step=self.step, examples_seen=self.examples,
                                 epoch_fraction=epoch - 1 + (bi + 1) / len(batches), lr=self.lr,
                                 batch_loss=acc_loss / acc_n)
                    if snap_pending:
                        acts: list[torch.Tensor] = []
                        self.evaluate_train_val(acts)  # also the val logits of the confusion matrix
                        sm.snapshot, snap_pending = self.snapshot(acts), False
                    acc_loss, acc_n = 0.0, 0
                    self.t_metrics += time.perf_counter() - t0
                    yield sm
            if halted:
                break
            self.epoch = epoch
            want = snap_pending or (c.snapshot_every > 0 and epoch % c.snapshot_every == 0)
            m = self.epoch_metrics("epoch", want)
            snap_pending = False
            if m.train_loss is not None and not math.isfinite(m.train_loss):
                stopped, message = "nan", self._nan_message(epoch, self.step, m.train_loss)
                yield m
                break
            if self.sched is not None and c.schedule_per == "epoch":
                self._schedule_step(m.val_loss if m.val_loss is not None else m.train_loss)
            yield m
            value = self._early_value(m)
            if value is not None and (best is None or value < best):
                best, best_epoch = value, epoch
                if best_state is not None:
                    best_state = copy.deepcopy(self.model.state_dict())
            if c.early_stopping and best_epoch is not None and epoch - best_epoch >= int(c.early_stopping):
                stopped = "early_stopping"
                break
        if c.early_stopping and c.restore_best and best_state is not None and stopped != "nan":
            self.model.load_state_dict(best_state)
        # A snapshot asked for as the run was stopped (a headless render stopping after N steps)
        # would otherwise be lost: the stop is checked before the request is taken.
        snap_pending |= self._apply_controls()
        final = self.epoch_metrics("final", c.snapshot_every > 0 or snap_pending)
        if evaluate_test:  # a search's trials leave the test split alone (tuning uses the dev set)
            final.test_loss, final.test_acc = self.evaluate("test")
        final.best_epoch, final.stopped = best_epoch, stopped
        if message:
            final.message = message
        if stopped == "nan":
            final.verdict_code = final.verdict_text = final.verdict_headline = None
        total_s = time.perf_counter() - t_start
        final.timing = {"total_s": total_s, "metrics_s": self.t_metrics,
                        "metrics_fraction": self.t_metrics / total_s if total_s > 0 else 0.0}
        yield final

    def _closure(self, xb: torch.Tensor, tb: torch.Tensor) -> torch.Tensor:
        self.opt.zero_grad(set_to_none=False)
        total = data_loss(self.model(xb), tb, self.loss_name)
        if self.l1 or self.l2:
            total = total + penalty(self.model, self.l1, self.l2, include_l1=not self.c.l1_proximal)
        total.backward()
        return total

    def _early_value(self, m: Metrics) -> float | None:
        """The value early stopping minimizes (val_loss, or -val_acc)."""
        if self.c.early_stopping_metric == "val_acc" and m.val_acc is not None:
            return -m.val_acc
        return m.val_loss


def bias_variance_for(m: Metrics, task: str, base_error: float = 0.0, losses=(), input_scale=None):
    """The verdict (:func:`core.training.diagnostics.diagnose`) of a Metrics' train/val errors.

    Error = 1 - accuracy for classification, the loss for regression. ``base_error`` is the data's
    noise floor (:func:`base_error_for`), the lectures' Bayes error; ``losses`` the train loss after
    each epoch so far; ``input_scale`` the largest |input|. The trainer puts this verdict in every
    epoch report and the final one, so a live verdict and the final verdict use the same rule.
    """
    if m.val_loss is None or m.train_loss is None:
        return None
    common = dict(losses=losses, layers=m.layers, lr=m.lr, input_scale=input_scale)
    if task == "classification" and m.train_acc is not None and m.val_acc is not None:
        return diagnose(1.0 - m.train_acc, 1.0 - m.val_acc, base_error=base_error, **common)
    return diagnose(m.train_loss, m.val_loss, bias_tol=0.05, variance_tol=max(0.02, 0.5 * m.train_loss),
                    measure="loss", **common)


def base_error_for(config: TrainConfig, task: str) -> float:
    """The noise floor of a generated classification set (0 for user data and regression)."""
    if task != "classification" or config.dataset not in CLASSIFICATION_DATASETS or not config.noise:
        return 0.0
    return noise_floor(config.dataset, float(config.noise), int(config.classes))


def train(config: TrainConfig, stop_event=None, controls: TrainControls | None = None, *,
          evaluate_test: bool = True) -> Iterator[Metrics]:
    """Train the network of ``config``, yielding :class:`Metrics` as it goes.

    Parameters
    ----------
    config : TrainConfig
    stop_event : anything with ``is_set()`` (``threading.Event``, ``multiprocessing.Event``),
        checked before every step; when set, the run ends with a ``final`` report.
    controls : TrainControls, optional: mid-run changes applied at the next step.
    evaluate_test : bool
        Evaluate the test split in the final report (default). A search's trials pass False: the
        test split is touched once, for the chosen configuration; their ``test_loss`` and
        ``test_acc`` stay None.

    Yields
    ------
    Metrics
        ``kind="epoch"`` for epoch 0 (before training, with the data) and after every epoch,
        ``kind="step"`` every ``config.report_every`` steps, and one ``kind="final"`` last.

    Raises
    ------
    ValueError
        On the first ``next()`` for an impossible configuration (unknown names, BatchNorm with
        batches of one, newton, ...).

    Notes
    -----
    Deterministic for a seed: the data, split, initialization, batch order, dropout masks and
    augmentation each draw from their own stream (:mod:`core.training.streams`).
    """
    run = _Run(config, controls)
    yield from run.run(stop_event, evaluate_test)
