"""The fixed parts of an exported training script: the network, the metrics and the loop.

They mirror ``core.training.model``, ``core.training.trainer`` and ``playground.cli_train`` line for line
where the numbers depend on it (the order of operations, the eval-mode forward pass over train and
validation together, ``zero_grad(set_to_none=False)``), so the script's metrics equal the app's.
``training_script`` fills in the parts that depend on the scene.
"""
from __future__ import annotations

MODEL = '''
# The hidden block and the network, as core.training.model.HiddenBlock and MLP build them:
# Linear -> [BatchNorm before] -> activation -> [BatchNorm after] -> dropout; the output layer is a
# plain Linear. The submodules are made in the app's order, so the parameters come in the same order.
class HiddenBlock(nn.Module):
    def __init__(self, n_in, n_out, layer):
        super().__init__()
        self.linear = nn.Linear(n_in, n_out)
        self.act = make_activation(layer)
        self.bn_position = BATCHNORM[layer]
        self.bn = nn.BatchNorm1d(n_out) if self.bn_position in ("before", "after") else None
        self.dropout = SeededDropout(DROPOUT[layer], dropout_generator)

    def forward(self, x, keep=None):
        z = self.linear(x)
        if self.bn is not None and self.bn_position == "before":
            z = self.bn(z)
        a = self.act(z)
        if keep is not None:
            keep.append(a)  # the layer's activations, for the "layers" statistics
        if self.bn is not None and self.bn_position == "after":
            a = self.bn(a)
        return self.dropout(a)


class MLP(nn.Module):
    def __init__(self, n_in):
        super().__init__()
        blocks, prev = [], n_in
        for layer, width in enumerate(LAYERS):
            blocks.append(HiddenBlock(prev, width, layer))
            prev = width
        self.hidden = nn.ModuleList(blocks)
        self.out = nn.Linear(prev, N_OUT)

    def forward(self, x, keep=None):
        for block in self.hidden:
            x = block(x, keep)
        return self.out(x)

    def linears(self):
        return [b.linear for b in self.hidden] + [self.out]
'''

METRICS = '''
def loss_and_accuracy(logits, t):
    """(data loss, accuracy) as core.training.trainer._Run._loss_acc; (None, None) for an empty split."""
    if len(t) == 0:
        return None, None
    loss = float(data_loss(logits, t))
    pred = predict(logits)
    acc = None if pred is None else int((pred == t.long()).sum()) / len(t)
    return loss, acc


def num(v):
    """JSON has no NaN: a non-finite float is printed as null (playground.cli_train._num)."""
    return v if v is None or (isinstance(v, float) and math.isfinite(v)) or isinstance(v, int) else None


@torch.no_grad()
def epoch_metrics(model, optimizer, step):
    """The numbers of one report (core.training.trainer._Run.epoch_metrics and layer_stats).

    Train and validation go through the network in one eval-mode pass, as in the app.
    """
    model.eval()
    acts = []
    logits = model(X_trval, acts)
    acts = [a[:n_train] for a in acts]
    train_loss, train_acc = loss_and_accuracy(logits[:n_train], T["train"])
    val_loss, val_acc = loss_and_accuracy(logits[n_train:], T["val"])
    pen = float(penalty(model, L1, L2)) if (L1 or L2) else 0.0
    layers, n_w, n_small = [], 0, 0
    names = [f"hidden{i + 1}" for i in range(len(LAYERS))] + ["output"]
    for i, (layer, name) in enumerate(zip(model.linears(), names)):
        W = layer.weight
        n_w += W.numel()
        n_small += int((W.abs() <= SPARSITY_TOL).sum())
        grad_norm = float(W.grad.norm()) if W.grad is not None and step > 0 else None
        act_mean = act_std = dead = None
        if i < len(LAYERS):
            a = acts[i]
            sd, mu = torch.std_mean(a) if a.numel() > 1 else (torch.zeros(()), a.mean())
            act_mean, act_std = float(mu), float(sd)
            if RELU_FAMILY[i]:
                dead = float((a.max(0).values <= 0).float().mean())
        layers.append({"name": name, "act_mean": num(act_mean), "act_std": num(act_std), "dead_frac": num(dead),
                       "grad_norm": num(grad_norm), "weight_norm": num(float(W.norm()))})
    return {"train_loss": train_loss, "val_loss": val_loss, "train_acc": train_acc, "val_acc": val_acc,
            "penalty": pen, "lr": float(optimizer.param_groups[0]["lr"]), "sparsity": n_small / max(n_w, 1),
            "layers": layers}


def epoch_record(epoch, step, examples, m):
    """The JSON object `optimizer-playground train` prints per epoch (playground.cli_train.epoch_record)."""
    return {"epoch": epoch, "train_loss": num(m["train_loss"]), "val_loss": num(m["val_loss"]),
            "train_acc": num(m["train_acc"]), "val_acc": num(m["val_acc"]), "penalty": num(m["penalty"]),
            "lr": num(m["lr"]), "step": step, "examples_seen": examples, "sparsity": num(m["sparsity"]),
            "layers": m["layers"]}
'''

LOOP = '''
def early_value(m):
    """What early stopping minimizes: val_loss, or -val_acc (core.training.trainer._Run._early_value)."""
    if EARLY_STOPPING_METRIC == "val_acc" and m["val_acc"] is not None:
        return -m["val_acc"]
    return m["val_loss"]


def main():
    torch.set_num_threads(1)  # as `optimizer-playground train`
    model = build_model()
    optimizer = make_optimizer(model)
    scheduler = make_scheduler(optimizer)
    step = examples = epoch = 0
    m = epoch_metrics(model, optimizer, step)
    print(json.dumps(epoch_record(0, step, examples, m)), flush=True)
    best = early_value(m)
    best_epoch = 0 if best is not None else None
    best_state = copy.deepcopy(model.state_dict()) if EARLY_STOPPING else None
    stopped, message = "completed", None
    for ep in range(1, EPOCHS + 1):
        order = shuffle_rng.permutation(n_train)
        halted = False
        for idx in make_batches(n_train, batch_size, order, LAST_BATCH, HAS_BATCHNORM):
            xb, tb = training_batch(idx)
            model.train()
            loss = data_loss(model(xb), tb)
            total = loss
            if L1 or L2:
                total = loss + penalty(model, L1, L2, include_l1=not L1_PROXIMAL)
            lval = float(loss.detach())
            if not math.isfinite(lval) or not math.isfinite(float(total.detach())):
                stopped, halted = "nan", True
                message = f"loss became {'NaN' if math.isnan(lval) else 'infinite'} at epoch {ep}, step {step + 1}"
                break
            optimizer.zero_grad(set_to_none=False)
            total.backward()
            optimizer_step(optimizer, model, xb, tb)
            if L1_PROXIMAL and L1:  # the proximal step of L1 (core.training.penalties.soft_threshold)
                with torch.no_grad():
                    threshold = float(optimizer.param_groups[0]["lr"]) * L1
                    for layer in model.linears():
                        W = layer.weight
                        W.copy_(torch.sign(W) * torch.clamp(W.abs() - threshold, min=0.0))
            step += 1
            examples += len(idx)
            if scheduler is not None and SCHEDULE_PER == "iteration":
                schedule_step(scheduler, lval)
        if halted:
            break
        epoch = ep
        m = epoch_metrics(model, optimizer, step)
        if m["train_loss"] is not None and not math.isfinite(m["train_loss"]):
            stopped, message = "nan", f"the training loss became non-finite at epoch {ep}"
            print(json.dumps(epoch_record(epoch, step, examples, m)), flush=True)
            break
        if scheduler is not None and SCHEDULE_PER == "epoch":
            schedule_step(scheduler, m["val_loss"] if m["val_loss"] is not None else m["train_loss"])
        print(json.dumps(epoch_record(epoch, step, examples, m)), flush=True)
        value = early_value(m)
        if value is not None and (best is None or value < best):
            best, best_epoch = value, ep
            if best_state is not None:
                best_state = copy.deepcopy(model.state_dict())
        if EARLY_STOPPING and best_epoch is not None and ep - best_epoch >= EARLY_STOPPING:
            stopped = "early_stopping"
            break
    if EARLY_STOPPING and RESTORE_BEST and best_state is not None and stopped != "nan":
        model.load_state_dict(best_state)
    m = epoch_metrics(model, optimizer, step)
    model.eval()
    with torch.no_grad():
        test_loss, test_acc = loss_and_accuracy(model(X["test"]), T["test"]) if len(X["test"]) else (None, None)
    # The last object of `optimizer-playground train` (playground.cli_train.final_record). The app's
    # verdict (core.training.diagnostics) is a teaching aid, not part of the run: null here.
    print(json.dumps({"final": True, "epoch": epoch, "step": step, "test_loss": num(test_loss),
                      "test_acc": num(test_acc), "best_epoch": best_epoch, "train_loss": num(m["train_loss"]),
                      "val_loss": num(m["val_loss"]), "train_acc": num(m["train_acc"]),
                      "val_acc": num(m["val_acc"]), "penalty": num(m["penalty"]), "stopped": stopped,
                      "message": message, "verdict": None, "verdict_text": None}), flush=True)


if __name__ == "__main__":
    main()
'''
