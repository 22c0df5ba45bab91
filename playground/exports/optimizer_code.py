"""How an exported script builds an optimizer: the torch.optim class with every hyperparameter spelled
out, or, for a lecture form of ``core.optim.textbook``, that class's own source embedded."""
from __future__ import annotations

from core.optim import optimizer_info, validate_hparams
from core.optim import textbook, textbook_base
from core.optim.textbook import TEXTBOOK_CLASSES
from core.optim.torch_optim import TORCH_CLASSES

from playground.exports.embed import source_of


def class_and_kwargs(name: str, hparams: dict) -> tuple[str, str]:
    """(constructor, ``k=v, ...`` text) of optimizer ``name`` with every hyperparameter (the registry's
    checked values, defaults filled in: the script shows each knob)."""
    info = optimizer_info(name)
    hp = validate_hparams(info.name, **hparams)
    kwargs = ", ".join(f"{k}={v!r}" for k, v in hp.items())
    if info.name in TORCH_CLASSES:
        return f"torch.optim.{TORCH_CLASSES[info.name].__name__}", kwargs
    if info.needs_hessian:
        raise ValueError(f"optimizer {info.name!r} needs the exact Hessian of the surface; "
                         "it cannot be exported as a script yet")
    return TEXTBOOK_CLASSES[info.name].__name__, kwargs


def is_textbook(name: str) -> bool:
    return optimizer_info(name).textbook


def needs_closure(name: str) -> bool:
    return optimizer_info(name).needs_closure


def textbook_source(names, base: bool = False) -> str:
    """The embedded source of the lecture-form optimizers in ``names`` ('' when none is one and not ``base``);
    ``base``: the shared base class and helpers even when ``names`` has none (Newton builds on them)."""
    classes = sorted({TEXTBOOK_CLASSES[optimizer_info(n).name] for n in names
                      if is_textbook(n) and optimizer_info(n).name in TEXTBOOK_CLASSES}, key=lambda c: c.__name__)
    if not classes and not base:
        return ""
    parts = [source_of(textbook_base._check), source_of(textbook_base._betas),
             source_of(textbook_base._call_closure), source_of(textbook_base.TextbookOptimizer),
             source_of(textbook._momentum_defaults)]
    parts += [source_of(c) for c in classes]
    return "\n\n".join(parts)
