"""Switches (nesterov, amsgrad, centered, decoupled_weight_decay) given per row as 1/0 in a map's row
table step each row as torch.optim run alone with that row's True/False, in the row-wise path (sgd,
adam, adamw, rmsprop) and the grouped torch.optim path (nadam, radam); through the CLI a switch
either works or is one line on stderr with exit 2."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from core.optim import ROWWISE_OPTIMIZERS, make_optimizer, optimizer_info
from core.surfaces import get_surface
from core.trajectories import Racer, run_map
from playground.cli import main
from playground.cli_trajectory import HPARAM_FLAGS

STEPS = 25
# (optimizer, switch, base hyperparameters that make the switch matter)
SWITCHES = [
    ("sgd", "nesterov", {"lr": 0.0005, "momentum": 0.9}),
    ("adam", "amsgrad", {"lr": 0.05}),
    ("adamw", "amsgrad", {"lr": 0.05, "weight_decay": 0.1}),
    ("rmsprop", "centered", {"lr": 0.01, "momentum": 0.5}),
    ("nadam", "decoupled_weight_decay", {"lr": 0.05, "weight_decay": 0.5}),
    ("radam", "decoupled_weight_decay", {"lr": 0.001, "weight_decay": 0.5}),
]


def test_the_cases_cover_every_switch_of_the_registry():
    from core.optim import list_optimizers

    every = {(name, k) for name, _ in list_optimizers()
             for k, spec in optimizer_info(name).hparams.items() if spec.kind == "bool"}
    assert every == {(name, k) for name, k, _ in SWITCHES}


def _torch_alone(name, hp, start, surface):
    p = torch.tensor([list(start)], dtype=torch.float64)
    opt = make_optimizer(name, [p], **hp)
    for _ in range(STEPS):
        _, p.grad = surface.value_and_grad(p.detach())
        opt.step()
    return p.detach()[0]


@pytest.mark.parametrize("name,switch,base", SWITCHES)
@pytest.mark.parametrize("column", [np.array([0.0, 1.0, 1.0, 0.0]), np.array([0, 1, 1, 0])],
                         ids=["float", "int"])
def test_a_switch_as_1_and_0_per_row_equals_torch_alone(name, switch, base, column):
    surface = get_surface("rosenbrock")
    starts = np.array([[-0.8, 0.5], [-0.8, 0.5], [0.5, -0.5], [0.5, -0.5]])
    res = run_map(surface, Racer(name, base), starts, STEPS, row_hparams={switch: column},
                  check_every=10 ** 6)
    assert int(res.steps.min()) == STEPS  # no row froze: the ends are comparable
    ends = []
    for i, flag in enumerate(column):
        alone = _torch_alone(name, base | {switch: bool(flag)}, starts[i], surface)
        ends.append(alone)
        torch.testing.assert_close(torch.as_tensor(res.final_xy[i]), alone, rtol=1e-12, atol=1e-15,
                                   msg=f"{name} {switch}={flag} row {i}")
    assert not torch.equal(ends[0], ends[1]), "the switch must change the path, or the test shows nothing"
    assert (name in ROWWISE_OPTIMIZERS) == (name not in ("nadam", "radam"))


@pytest.mark.parametrize("name,switch,base", SWITCHES)
def test_a_switch_that_is_neither_1_nor_0_is_a_value_error(name, switch, base):
    starts = np.zeros((2, 2)) + 0.5
    with pytest.raises(ValueError, match=switch):
        run_map(get_surface("bowl"), Racer(name, base), starts, 3, row_hparams={switch: np.array([0.0, 0.5])})


def _cli(capsys, *argv):
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


@pytest.mark.parametrize("name,switch,base", SWITCHES)
def test_cli_trajectory_with_each_switch(capsys, name, switch, base):
    flag = next(f for f, (k, _) in HPARAM_FLAGS.items() if k == switch)
    extra = [a for k, v in base.items() for a in (next(f for f, (kk, _) in HPARAM_FLAGS.items() if kk == k), str(v))]
    status, out, err = _cli(capsys, "trajectory", "--surface", "rosenbrock", "--optimizer", name, flag,
                            *extra, "--start", "-0.8,0.5", "--steps", str(STEPS))
    assert status == 0 and err == "", err
    last = out.splitlines()[-1].split(",")
    alone = _torch_alone(name, base | {switch: True}, (-0.8, 0.5), get_surface("rosenbrock"))
    assert abs(float(last[1]) - float(alone[0])) <= 1e-12 and abs(float(last[2]) - float(alone[1])) <= 1e-12


@pytest.mark.parametrize("argv", [
    ["--optimizer", "sgd", "--nesterov"],  # nesterov needs momentum
    ["--optimizer", "sgd", "--amsgrad"],  # not an sgd switch
    ["--optimizer", "adam", "--centered"],
    ["--optimizer", "rmsprop", "--decoupled-weight-decay"],
    ["--optimizer", "sgd", "--momentum", "0.9", "--nesterov", "1"],  # a switch takes no value
    ["--optimizer", "sgd", "--momentum", "0.9", "--nesterov=1"],
])
def test_cli_bad_switches_exit_2_with_one_line(capsys, argv):
    status, out, err = _cli(capsys, "trajectory", "--surface", "bowl", *argv, "--steps", "3")
    assert status == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and "internal error" not in err, err
