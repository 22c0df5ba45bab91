"""A trial's training configuration as the training page's settings ("Use these settings")."""
from __future__ import annotations


def _tuples(v):
    if isinstance(v, list):
        return tuple(_tuples(x) for x in v)
    return v


def training_settings(config: dict) -> dict:
    """The training page model's settings of a trial's TrainConfig dict (only fields the page has)."""
    from playground.pages.training.model import TrainingModel

    out = {}
    for name in TrainingModel.setting_names():
        if name not in config:
            continue
        v = config[name]
        if name == "hparams":
            v = {k: _tuples(x) for k, x in (v or {}).items()}
        elif name == "points":
            v = tuple(tuple(p) for p in v) if v else ()
        else:
            v = _tuples(v)
        out[name] = v
    return out


def apply_to_training(training_model, config: dict) -> None:
    """Set the trial's settings on the training page's model (ValueError names the key; nothing changes)."""
    training_model.set(**training_settings(config))
