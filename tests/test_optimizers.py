"""The optimizer registry: closed list, torch defaults, bool options, validation messages."""
from __future__ import annotations

import inspect
import math

import numpy as np
import pytest
import torch

from core.optim import list_optimizers, make_optimizer, optimizer_info, validate_hparams
from core.optim.torch_optim import TORCH_CLASSES

TORCH_NAMES = ["sgd", "adam", "adamw", "adamax", "nadam", "radam", "rmsprop", "adagrad", "adadelta", "asgd", "rprop"]
TEXTBOOK_NAMES = ["momentum-ema", "nesterov-lookahead", "rmsprop-lecture", "adagrad-lecture", "adam-nobias", "newton"]


def _param():
    return torch.tensor([[1.0, -2.0], [0.5, 0.25]], dtype=torch.float64, requires_grad=True)  # (N, 2)


def _hess(w):
    return (2.0 * torch.eye(2, dtype=w.dtype)).expand(w.shape[0], 2, 2)


def _step(opt, p):
    def closure():
        opt.zero_grad()
        loss = (p ** 2).sum()
        loss.backward()
        return loss

    opt.step(closure)


def test_list_covers_the_closed_list_exactly():
    names = [n for n, _ in list_optimizers()]
    assert names == TORCH_NAMES + TEXTBOOK_NAMES
    assert len(names) == 17
    for name, desc in list_optimizers():
        assert desc and "\n" not in desc
        assert optimizer_info(name).textbook == (name in TEXTBOOK_NAMES)


@pytest.mark.parametrize("name", TORCH_NAMES)
def test_torch_defaults_are_torch_defaults(name):
    sig = inspect.signature(TORCH_CLASSES[name].__init__).parameters
    for hp, spec in optimizer_info(name).hparams.items():
        assert hp in sig, f"{name}.{hp} is not a torch keyword"
        assert spec.default == sig[hp].default, f"{name}.{hp}"


@pytest.mark.parametrize("name", TORCH_NAMES)
def test_torch_optimizer_builds_with_defaults_and_is_stepped_by_torch(name):
    p = _param()
    opt = make_optimizer(name, [p])
    assert type(opt) is TORCH_CLASSES[name]
    for hp, value in validate_hparams(name).items():
        assert opt.param_groups[0][hp] == value
    # same numbers as building the torch class directly
    q = _param()
    ref = TORCH_CLASSES[name]([q])
    for _ in range(3):
        _step(opt, p)
        _step(ref, q)
    assert torch.equal(p, q)


BOOL_CASES = [(name, hp) for name in TORCH_NAMES for hp, spec in optimizer_info(name).hparams.items()
              if spec.kind == "bool"]


@pytest.mark.parametrize("name,hp", BOOL_CASES)
def test_bool_options_build_and_step(name, hp):
    extra = {"momentum": 0.9} if (name, hp) == ("sgd", "nesterov") else {}
    p = _param()
    opt = make_optimizer(name, [p], **{hp: True}, **extra)
    assert opt.param_groups[0][hp] is True
    _step(opt, p)
    assert torch.isfinite(p).all()


@pytest.mark.parametrize("name,hp", BOOL_CASES)
def test_bool_options_take_1_and_0(name, hp):
    """A table of per-row hyperparameters holds numbers: 1/0 (int, float, numpy) mean True/False."""
    extra = {"momentum": 0.9} if (name, hp) == ("sgd", "nesterov") else {}
    for one, zero in ((1, 0), (1.0, 0.0), (np.float64(1.0), np.int64(0))):
        assert validate_hparams(name, **{hp: one}, **extra)[hp] is True
        assert validate_hparams(name, **{hp: zero}, **extra)[hp] is False
    opt = make_optimizer(name, [_param()], **{hp: 1.0}, **extra)
    assert opt.param_groups[0][hp] is True


def test_bool_cases_cover_the_torch_options():
    assert set(BOOL_CASES) >= {("sgd", "nesterov"), ("adam", "amsgrad"), ("adamw", "amsgrad"),
                               ("rmsprop", "centered"), ("nadam", "decoupled_weight_decay"),
                               ("radam", "decoupled_weight_decay")}


@pytest.mark.parametrize("name", TEXTBOOK_NAMES)
def test_textbook_forms_build_from_the_registry(name):
    p = _param()
    kw = {"hessian_fn": _hess} if name == "newton" else {}
    opt = make_optimizer(name, p, **kw)  # a single tensor is accepted
    _step(opt, p)
    assert torch.isfinite(p).all()


def test_validate_fills_defaults_and_converts():
    hp = validate_hparams("adam", lr=1, betas=[0.8, 0.99])
    assert hp == {"lr": 1.0, "betas": (0.8, 0.99), "eps": 1e-8, "weight_decay": 0.0, "amsgrad": False}
    assert isinstance(hp["lr"], float)
    assert validate_hparams("RMSprop")["alpha"] == 0.99  # names are case-insensitive
    assert validate_hparams("newton") == {"lr": 1.0, "damping": 1e-3}
    # numpy scalars, as a per-row table yields them
    hp = validate_hparams("sgd", lr=np.float32(0.5), momentum=np.float64(0.9), nesterov=np.True_)
    assert hp["nesterov"] is True and type(hp["lr"]) is float


@pytest.mark.parametrize("name,kwargs,needles", [
    ("lbfgs", {}, ["unknown optimizer", "sgd", "newton"]),
    ("adafactor", {}, ["unknown optimizer"]),
    ("sgd", {"beta": 0.9}, ["unknown hyperparameter 'beta'", "momentum", "nesterov"]),
    ("sgd", {"lr": float("nan")}, ["lr", "finite"]),
    ("adam", {"eps": float("inf")}, ["eps", "finite"]),
    ("sgd", {"lr": -0.1}, ["lr", "[0, 1000]"]),
    ("sgd", {"momentum": 1.0}, ["momentum", "[0, 1)"]),
    ("sgd", {"momentum": True}, ["momentum", "number"]),
    ("sgd", {"nesterov": 2}, ["nesterov", "True or False (or 1 / 0)"]),
    ("sgd", {"nesterov": 0.5}, ["nesterov", "True or False"]),
    ("sgd", {"nesterov": "yes"}, ["nesterov", "True or False"]),
    ("sgd", {"nesterov": True}, ["nesterov", "momentum > 0", "dampening = 0"]),
    ("sgd", {"nesterov": True, "momentum": 0.9, "dampening": 0.1}, ["nesterov", "dampening = 0"]),
    ("adam", {"betas": (0.9, 1.0)}, ["betas[1]", "[0, 1)"]),
    ("adam", {"betas": (0.9,)}, ["betas", "pair"]),
    ("adam", {"betas": "0.9,0.999"}, ["betas", "pair"]),
    ("rmsprop", {"alpha": -0.5}, ["alpha"]),
    ("rprop", {"etas": (1.5, 1.2)}, ["etas", "0 < etas[0] < 1 < etas[1]"]),
    ("rprop", {"step_sizes": (1.0, 0.1)}, ["step_sizes"]),
    ("newton", {"damping": -1e-3}, ["damping", "[0, 1e+06]"]),
    ("rmsprop-lecture", {"alpha": 1.0}, ["alpha", "[0, 1)"]),
])
def test_bad_inputs_are_rejected_naming_the_parameter(name, kwargs, needles):
    with pytest.raises(ValueError) as err:
        validate_hparams(name, **kwargs)
    for needle in needles:
        assert needle in str(err.value)
    with pytest.raises(ValueError):
        make_optimizer(name, [_param()], **kwargs)


def test_hessian_fn_is_required_for_newton_only():
    with pytest.raises(ValueError, match="hessian_fn"):
        make_optimizer("newton", [_param()])
    with pytest.raises(ValueError, match="hessian_fn"):
        make_optimizer("sgd", [_param()], hessian_fn=_hess)
    with pytest.raises(ValueError, match="2D surfaces only"):
        make_optimizer("newton", [torch.zeros(5, requires_grad=True)], hessian_fn=_hess)


@pytest.mark.parametrize("name", TORCH_NAMES + TEXTBOOK_NAMES)
def test_specs_are_complete_and_defaults_valid(name):
    info = optimizer_info(name)
    assert info.rule_torch and info.rule_lecture and info.symbols
    assert math.isfinite(info.surface_lr) and info.surface_lr > 0
    assert "lr" in info.hparams and info.hparams["lr"].log
    for hp, spec in info.hparams.items():
        assert spec.help.endswith(".") and "\n" not in spec.help, hp
        assert spec.kind in ("float", "bool", "pair")
        if hp == "eps":
            assert spec.log
        lo, hi = spec.slider_range()
        assert lo <= hi
    validate_hparams(name, lr=info.surface_lr)  # every default and the suggested lr pass validation
