"""The training page's status line: its text from the trainer's Metrics, and how often it changes.

No Qt: :class:`StatusLine` writes ``model.status_text`` and ``model.status_error``; the page's
label follows those fields.
"""
from __future__ import annotations

import math
import time

STATUS_S = 0.25  # while training the status line changes at most 4 times a second

FIELD_NAMES = {"layers": "the architecture", "activation": "the activation", "batchnorm": "batch norm",
               "init": "the initialization", "dataset": "the dataset", "n": "the number of points",
               "noise": "the noise", "classes": "the classes", "split": "the split", "features": "the features",
               "normalize": "normalization", "data_seed": "the data sample", "optimizer": "the optimizer",
               "schedule": "the schedule", "schedule_per": "the schedule", "batch_size": "the batch size",
               "epochs": "the epochs", "weight_decay": "weight decay", "early_stopping": "early stopping",
               "points": "your points", "lr": "the learning rate", "l1": "L1", "l2": "L2", "dropout": "dropout",
               "augment": "augmentation", "hparams": "the optimizer's settings", "seed": "the seed"}


def field_name(field: str) -> str:
    """How the status line names a setting ("the learning rate")."""
    return FIELD_NAMES.get(field, field)


def metrics_text(m) -> tuple[str, bool]:
    """The status line of one epoch or final ``Metrics``: (text, is it an error)."""
    parts = [f"epoch {m.epoch}"]
    if m.train_loss is not None:
        parts.append(f"train loss {m.train_loss:.3g}")
    if m.val_loss is not None:
        parts.append(f"val loss {m.val_loss:.3g}")
    if m.train_acc is not None and m.val_acc is not None:
        parts.append(f"accuracy {100 * m.train_acc:.0f}% / {100 * m.val_acc:.0f}% (train / val)")
    parts.append(f"lr {m.lr:.3g}")
    text = ", ".join(parts) + "."
    if m.kind == "final":
        if m.stopped == "nan" or (m.train_loss is not None and not math.isfinite(m.train_loss)):
            return f"Stopped: {m.message or 'the loss became NaN: the learning rate is most likely too high.'}", True
        how = {"early_stopping": f"early stopping kept epoch {m.best_epoch}", "stopped": "stopped",
               "completed": "done"}.get(m.stopped or "completed", m.stopped)
        return f"{how.capitalize()}: {text} {m.verdict_text or ''}", False
    if m.epoch > 0 and m.train_loss is not None and m.val_loss is not None:
        if m.verdict_headline:  # the trainer's verdict: the final one's rule and noise floor
            text += f" {m.verdict_headline}."
        if m.message:
            text += f" {m.message}"
    return text, False


def summary(model) -> str:
    """One line naming a run's settings (the ghost's label)."""
    return (f"{model.optimizer} lr={model.lr:.3g}, layers={','.join(map(str, model.layers)) or 'none'}, "
            f"init={model.init}, dropout={model.dropout}, L2={model.l2:g}")


class StatusLine:
    """What the status line says, written into ``model.status_text`` / ``model.status_error``.

    While training, epoch reports are shown at most ``STATUS_S`` apart: each new text re-lays out
    the label, 30 epochs a second did that 30 times a second and nobody can read it anyway. The
    latest report waits in :attr:`pending` until :meth:`flush` shows it.
    """

    def __init__(self, model):
        self.model = model
        self.pending = None  # the latest epoch Metrics not yet shown
        self._at = 0.0

    def say(self, text: str, error: bool = False) -> None:
        """Show ``text`` now (an error in the error colour); a pending report is dropped."""
        self.pending = None
        self._at = time.perf_counter()
        self.model.status_error = bool(error)
        self.model.status_text = text

    def offer(self, m, running: bool) -> None:
        """An epoch or final ``Metrics`` arrived: show it, or keep it for :meth:`flush` if one was just shown."""
        if m.kind == "epoch" and running and time.perf_counter() - self._at < STATUS_S:
            self.pending = m
            return
        self.say(*metrics_text(m))

    def flush(self) -> None:
        """Show the pending report once ``STATUS_S`` has passed since the last text."""
        if self.pending is not None and time.perf_counter() - self._at >= STATUS_S:
            self.say(*metrics_text(self.pending))
