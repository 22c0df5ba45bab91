"""The optimizer registry: 11 torch.optim optimizers and 6 lecture forms behind one API.

Names are torch's class names in lower case (``sgd``, ``adam``, ... ``rprop``) plus the textbook
forms of ``core.optim.textbook`` (``momentum-ema``, ``nesterov-lookahead``, ``rmsprop-lecture``,
``adagrad-lecture``, ``adam-nobias``, ``newton``). Hyperparameters keep torch's names.

>>> opt = make_optimizer("sgd", [w], lr=0.1, momentum=0.9, nesterov=True)   # a torch.optim.SGD
>>> validate_hparams("adam", lr=0.01)["betas"]
(0.9, 0.999)
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import torch

from core.optim.specs import HParam, OptimizerInfo, check_value
from core.optim.textbook import TEXTBOOK_CLASSES
from core.optim.textbook_info import TEXTBOOK_INFOS
from core.optim.torch_optim import TORCH_CLASSES, TORCH_INFOS

__all__ = ["HParam", "OptimizerInfo", "list_optimizers", "optimizer_info", "validate_hparams",
           "make_optimizer", "OPTIMIZER_NAMES"]

_INFOS: dict[str, OptimizerInfo] = {i.name: i for i in TORCH_INFOS + TEXTBOOK_INFOS}
_CLASSES: dict[str, type] = {**TORCH_CLASSES, **TEXTBOOK_CLASSES}
OPTIMIZER_NAMES: tuple[str, ...] = tuple(_INFOS)
assert set(_INFOS) == set(_CLASSES), "registry specs and classes out of step"


def _lookup(name: str) -> OptimizerInfo:
    key = str(name).strip().lower()
    if key not in _INFOS:
        raise ValueError(f"unknown optimizer {name!r}; valid names: {', '.join(OPTIMIZER_NAMES)}")
    return _INFOS[key]


def list_optimizers() -> list[tuple[str, str]]:
    """All registered optimizers as ``(name, one-line description)``, torch ones first."""
    return [(i.name, i.description) for i in _INFOS.values()]


def optimizer_info(name: str) -> OptimizerInfo:
    """The :class:`OptimizerInfo` of ``name`` (case-insensitive). ValueError lists the valid names."""
    return _lookup(name)


def validate_hparams(name: str, **hparams: Any) -> dict[str, Any]:
    """Check hyperparameters for ``name`` and return all of them with defaults filled in.

    Parameters
    ----------
    name : str
        A registry name.
    **hparams
        Python values: floats, bools (a switch also takes 1 or 0, as a table of per-row values holds
        them), and pairs (tuple/list) for ``betas``, ``etas``, ``step_sizes``.
        Parsing strings such as ``"0.9,0.999"`` is the caller's job.

    Returns
    -------
    dict
        Every hyperparameter of the optimizer in spec order, as float, bool or tuple of two floats.

    Raises
    ------
    ValueError
        Unknown name (lists the names), unknown hyperparameter (lists the valid ones), a wrong type, a
        non-finite or out-of-range value (names the parameter and its range), or a broken combination
        (sgd's ``nesterov`` needs ``momentum > 0`` and ``dampening = 0``; rprop's ``etas`` need
        ``0 < etas[0] < 1 < etas[1]``).
    """
    info = _lookup(name)
    unknown = [k for k in hparams if k not in info.hparams]
    if unknown:
        raise ValueError(f"{info.name}: unknown hyperparameter {', '.join(map(repr, unknown))}; "
                         f"valid: {', '.join(info.hparams)}")
    out = {k: check_value(info.name, spec, hparams.get(k, spec.default)) for k, spec in info.hparams.items()}
    for check in info.extra_checks:
        check(out)
    return out


def make_optimizer(name: str, params: Iterable[torch.Tensor] | torch.Tensor, *,
                   hessian_fn: Callable[[torch.Tensor], torch.Tensor] | None = None,
                   **hparams: Any) -> torch.optim.Optimizer:
    """Validate and build an optimizer from the registry.

    Parameters
    ----------
    name : str
        A registry name, see :func:`list_optimizers`.
    params : iterable of Tensor or dict, or a single Tensor
        As for any torch optimizer; a single tensor is wrapped in a list.
    hessian_fn : callable, optional
        ``newton`` only (and required there): maps a (N, 2) tensor to (N, 2, 2) Hessians.
    **hparams
        See :func:`validate_hparams`.

    Returns
    -------
    torch.optim.Optimizer
        The torch.optim class itself for torch names, a ``core.optim.textbook`` class otherwise.
        ``nesterov-lookahead`` must be stepped with ``step(closure)``.
    """
    info = _lookup(name)
    hp = validate_hparams(info.name, **hparams)
    if isinstance(params, torch.Tensor):
        params = [params]
    if info.needs_hessian:
        if hessian_fn is None:
            raise ValueError(f"{info.name} needs hessian_fn=callable((N, 2) tensor) -> (N, 2, 2) Hessians")
        return _CLASSES[info.name](params, **hp, hessian_fn=hessian_fn)
    if hessian_fn is not None:
        raise ValueError(f"{info.name}: unknown hyperparameter 'hessian_fn' (only newton takes one); "
                         f"valid: {', '.join(info.hparams)}")
    return _CLASSES[info.name](params, **hp)
