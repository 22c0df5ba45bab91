"""core.trajectories: trajectories equal hand loops of torch.optim; maps equal trajectories; replay is exact."""
from __future__ import annotations

import threading

import numpy as np
import pytest
import torch

from core.optim import make_optimizer, optimizer_info, schedule_values
from core.surfaces import get_surface
from core.trajectories import Racer, TrajectoryRun, replay_row, run_map, run_trajectory

TORCH_NAMES = ["sgd", "adam", "adamw", "adamax", "nadam", "radam", "rmsprop", "adagrad", "adadelta",
               "asgd", "rprop"]
TEXTBOOK = ["momentum-ema", "nesterov-lookahead", "rmsprop-lecture", "adagrad-lecture", "adam-nobias", "newton"]
# non-default settings so that the branches (momentum, weight decay ...) are exercised
HP = {"sgd": dict(lr=0.002, momentum=0.9, nesterov=True, weight_decay=0.01),
      "adam": dict(lr=0.05, amsgrad=True, weight_decay=0.01), "adamw": dict(lr=0.05),
      "adamax": dict(lr=0.05), "nadam": dict(lr=0.05), "radam": dict(lr=0.0005),
      "rmsprop": dict(lr=0.01, momentum=0.5, centered=True), "adagrad": dict(lr=0.3),
      "adadelta": dict(lr=1.0), "asgd": dict(lr=0.002), "rprop": dict(lr=0.01),
      "momentum-ema": dict(lr=0.01, momentum=0.9), "nesterov-lookahead": dict(lr=0.002, momentum=0.9),
      "rmsprop-lecture": dict(lr=0.01), "adagrad-lecture": dict(lr=0.3), "adam-nobias": dict(lr=0.05),
      "newton": dict(lr=0.5)}
START = (-1.2, 1.0)
STEPS = 150


@pytest.fixture(scope="module")
def rosen():
    return get_surface("rosenbrock")


def _hand_loop(surface, name, hp, start, steps, schedule=None):
    """The plain torch.optim loop that run_trajectory must reproduce."""
    from core.optim import build_scheduler

    p = torch.tensor([start], dtype=torch.float64, requires_grad=True)
    opt = make_optimizer(name, [p], **hp)
    sched = build_scheduler(schedule, opt, steps) if schedule else None
    xs, losses, lrs = [p.detach().clone()], [surface.value_and_grad(p.detach())[0]], [opt.param_groups[0]["lr"]]
    for _ in range(steps):
        lrs.append(opt.param_groups[0]["lr"])
        _, p.grad = surface.value_and_grad(p.detach())
        opt.step()
        if sched:
            sched.step()
        xs.append(p.detach().clone())
        losses.append(surface.value_and_grad(p.detach())[0])
    return torch.cat(xs).numpy(), torch.cat(losses).numpy(), np.array(lrs)


@pytest.mark.parametrize("name", TORCH_NAMES)
def test_trajectory_equals_hand_loop_of_torch_optim(rosen, name):
    tr = run_trajectory(rosen, Racer(name, HP[name]), START, STEPS)
    xy, loss, lr = _hand_loop(rosen, name, HP[name], START, STEPS)
    assert tr.xy.shape == (STEPS + 1, 2)
    np.testing.assert_allclose(tr.xy, xy, rtol=0, atol=1e-9)
    np.testing.assert_allclose(tr.loss, loss, rtol=1e-12, atol=1e-9)
    np.testing.assert_array_equal(tr.lr, lr)


@pytest.mark.parametrize("name", TORCH_NAMES + TEXTBOOK)
def test_map_rows_equal_trajectories(rosen, name):
    """The map's engine path (row-wise or grouped torch.optim) walks the same path as torch.optim."""
    starts = np.array([START, (0.5, 0.3), (1.2, 1.3)])
    res = run_map(rosen, Racer(name, HP[name]), starts, STEPS, record=True,
                  rules=_no_freeze())  # compare whole paths: nothing freezes
    for i, s in enumerate(starts):
        tr = run_trajectory(rosen, Racer(name, HP[name]), tuple(s), STEPS, rules=_no_freeze())
        # a run that overflows ends at its last finite row: compare that prefix
        np.testing.assert_allclose(res.paths[: len(tr.xy), i], tr.xy, rtol=0, atol=1e-9, err_msg=f"{name} row {i}")


def _no_freeze():
    from core.trajectories import OutcomeRules

    # only a non-finite value ends a run
    return OutcomeRules(tol_grad=0.0, tol_step=0.0, far_widths=float("inf"), loss_factor=float("inf"))


def test_schedule_lr_column_and_map(rosen):
    racer = Racer("sgd", {"lr": 0.001, "momentum": 0.9}, schedule="warmup:steps=10+cosine")
    tr = run_trajectory(rosen, racer, START, 60)
    vals = schedule_values("warmup:steps=10+cosine", 0.001, 60)
    # row 0 is the starting rate; row t the rate used by step t (schedule entry t-1)
    assert tr.lr[0] == vals[0]
    np.testing.assert_allclose(tr.lr[1:], vals[:-1], rtol=1e-15)
    xy, _, lr = _hand_loop(rosen, "sgd", racer.hparams, START, 60, racer.schedule)
    np.testing.assert_allclose(tr.xy, xy, rtol=0, atol=1e-9)
    res = run_map(rosen, racer, np.array([START]), 60, record=True, rules=_no_freeze())
    np.testing.assert_allclose(res.paths[:, 0], tr.xy, rtol=0, atol=1e-9)


def test_velocity_is_the_momentum_state(rosen):
    tr = run_trajectory(rosen, Racer("sgd", {"lr": 0.001, "momentum": 0.9}), START, 5)
    p = torch.tensor([START], dtype=torch.float64, requires_grad=True)
    opt = make_optimizer("sgd", [p], lr=0.001, momentum=0.9)
    for _ in range(5):
        _, p.grad = rosen.value_and_grad(p.detach())
        opt.step()
    np.testing.assert_allclose(tr.velocity[-1], opt.state[p]["momentum_buffer"][0].numpy(), atol=1e-12)
    assert np.all(tr.velocity[0] == 0)
    assert np.isnan(run_trajectory(rosen, Racer("adagrad", {"lr": 0.1}), START, 3).velocity).all()
    assert np.isnan(run_trajectory(rosen, Racer("sgd", {"lr": 0.001}), START, 3).velocity).all()
    assert np.isfinite(run_trajectory(rosen, Racer("adam", {"lr": 0.01}), START, 3).velocity).all()


CHUNKED = {  # noise, a closure (look-ahead gradient), a metric schedule, mini-batches, a Hessian
    "adam-noise": ("rosenbrock", Racer("adam", {"lr": 0.02}, grad_noise=2.0, seed=4)),
    "nesterov-lookahead": ("rosenbrock", Racer("nesterov-lookahead", {"lr": 0.002, "momentum": 0.9},
                                               schedule="warmup:steps=10+cosine", grad_noise=0.5, seed=1)),
    "rmsprop-plateau": ("rosenbrock", Racer("rmsprop", {"lr": 0.01, "momentum": 0.5},
                                            schedule="plateau:patience=3,factor=0.5")),
    "sgd-batch": ("data", Racer("sgd", {"lr": 0.05, "momentum": 0.9}, batch_size=4, grad_noise=0.1, seed=3)),
    "newton": ("rosenbrock", Racer("newton", {"lr": 0.5})),
}


@pytest.mark.parametrize("key", CHUNKED)
def test_incremental_run_equals_one_shot(key):
    """Advancing a TrajectoryRun in uneven chunks (as the GUI worker does) gives run_trajectory's record bit for bit."""
    surface_name, racer = CHUNKED[key]
    surface = get_surface(surface_name)
    start = (0.3, -0.2) if surface_name == "data" else START
    run = TrajectoryRun(surface, racer, start, total_steps=120)
    snaps = []
    for n in (1, 7, 30, 82):
        assert run.advance(n) == n
        snaps.append(run.trajectory())
    full = run_trajectory(surface, racer, start, 120)
    assert len(full.xy) == 121
    for f in ("xy", "loss", "lr", "grad", "velocity"):
        np.testing.assert_array_equal(getattr(snaps[-1], f), getattr(full, f), err_msg=f"{key} {f}")
        for snap in snaps[:-1]:  # every chunk's snapshot is a prefix of the one-shot record
            np.testing.assert_array_equal(getattr(snap, f), getattr(full, f)[: len(snap.xy)], err_msg=f"{key} {f}")
    assert (snaps[-1].outcome, snaps[-1].converged_at, snaps[-1].diverged_at) == \
        (full.outcome, full.converged_at, full.diverged_at)
    again = run_trajectory(surface, racer, start, 120)  # and a second run repeats it
    np.testing.assert_array_equal(again.xy, full.xy)


def test_record_grows_past_total_steps_and_snapshots_are_copies(rosen):
    """The preallocated record doubles when a run goes past total_steps; trajectory() hands out copies."""
    racer = Racer("sgd", {"lr": 0.001, "momentum": 0.9}, schedule=None)
    run = TrajectoryRun(rosen, racer, START, total_steps=3)
    snaps = []
    for n in (2, 5, 40, 200):  # past the initial capacity several times
        run.advance(n)
        snaps.append(run.trajectory())
    full = run_trajectory(rosen, racer, START, 247)
    for f in ("xy", "loss", "lr", "grad", "velocity"):
        np.testing.assert_array_equal(getattr(snaps[-1], f), getattr(full, f))
    for snap in snaps[:-1]:  # earlier snapshots are prefixes, untouched by later steps
        k = len(snap.xy)
        np.testing.assert_array_equal(snap.xy, full.xy[:k])
        np.testing.assert_array_equal(snap.velocity, full.velocity[:k])
    snaps[-1].xy[:] = 0.0  # a caller writing into its copy does not change the run's record
    np.testing.assert_array_equal(run.trajectory().xy, full.xy)


def test_many_starts_in_one_trajectory_run(rosen):
    starts = np.array([START, (1.5, 2.5)])
    tr = run_trajectory(rosen, Racer("adam", {"lr": 0.02}), starts, 40)
    assert tr.xy.shape == (41, 2, 2) and len(tr.outcome) == 2
    for i in range(2):
        one = run_trajectory(rosen, Racer("adam", {"lr": 0.02}), tuple(starts[i]), 40)
        np.testing.assert_allclose(tr.xy[:, i], one.xy, rtol=0, atol=1e-12)
    # many starts past total_steps: the (T+1, N, ...) record grows too
    run = TrajectoryRun(rosen, Racer("adam", {"lr": 0.02}), starts, total_steps=2)
    run.advance(40)
    grown = run.trajectory()
    for f in ("xy", "loss", "lr", "grad", "velocity"):
        np.testing.assert_array_equal(getattr(grown, f), getattr(tr, f))


def test_diverged_run_stops_at_last_finite_row():
    bowl = get_surface("bowl")
    tr = run_trajectory(bowl, Racer("sgd", {"lr": 5.0}), (1.0, 1.0), 300)
    assert tr.outcome == "diverged" and tr.diverged_at is not None and tr.diverged_at < 20
    assert len(tr.xy) == tr.diverged_at + 1 and np.isfinite(tr.xy).all()
    # overflow (the other tests switched off): the non-finite rows are cut
    tr = run_trajectory(bowl, Racer("sgd", {"lr": 999.0}), (1.0, 1.0), 200, rules=_no_freeze())
    assert tr.outcome == "diverged" and 50 < tr.diverged_at < 200
    assert len(tr.xy) == tr.diverged_at and np.isfinite(tr.xy).all() and np.isfinite(tr.loss).all()


def test_nesterov_lookahead_and_newton_trajectories(rosen):
    tr = run_trajectory(rosen, Racer("newton", {"lr": 1.0}), START, 30)
    assert tr.outcome == "min0"
    tr = run_trajectory(rosen, Racer("nesterov-lookahead", {"lr": 0.001, "momentum": 0.9}), START, 50)
    assert np.isfinite(tr.xy).all() and np.isfinite(tr.velocity[1:]).all()


# ----------------------------------------------------------------------------- noise and replay
def test_noise_per_row_replays_exactly(rosen):
    racer = Racer("adam", {"lr": 0.02}, grad_noise=5.0, seed=7)
    rng = np.random.default_rng(1)
    starts = rng.uniform(-1.5, 1.5, (200, 2))
    res = run_map(rosen, racer, starts, 200, record=True)
    for i in (0, 57, 199):
        one = replay_row(rosen, racer, starts[i], 200, row_id=i)
        np.testing.assert_array_equal(one.paths[:, 0], res.paths[:, i])
        assert one.label(0) == res.label(i)
        # the real torch.optim path with the same noise stream agrees too
        tr = run_trajectory(rosen, racer, tuple(starts[i]), 200, row_ids=[i])
        np.testing.assert_allclose(tr.xy, res.paths[: len(tr.xy), i], rtol=0, atol=1e-9)
    # the noise differs between rows and between seeds
    other = run_map(rosen, Racer("adam", {"lr": 0.02}, grad_noise=5.0, seed=8), starts[:1], 200)
    assert not np.array_equal(other.final_xy[0], res.final_xy[0])


def test_minibatches_per_row_replay_exactly():
    data = get_surface("data")
    racer = Racer("sgd", {"lr": 0.05}, batch_size=4, seed=3)
    starts = np.zeros((50, 2))
    res = run_map(data, racer, starts, 100, record=True)
    assert len({tuple(r) for r in res.final_xy.round(12)}) > 40  # rows see different batches
    one = replay_row(data, racer, starts[31], 100, row_id=31)
    np.testing.assert_array_equal(one.paths[:, 0], res.paths[:, 31])
    tr = run_trajectory(data, racer, (0.0, 0.0), 100, row_ids=[31])
    np.testing.assert_allclose(tr.xy, res.paths[:, 31], rtol=0, atol=1e-9)
    with pytest.raises(ValueError, match="batch_size"):
        run_map(get_surface("bowl"), racer, starts, 5)


def test_basin_cell_replay_matches_map():
    him = get_surface("himmelblau")
    xs = np.linspace(-4.5, 4.5, 12)
    starts = np.array([(x, y) for y in xs for x in xs])
    racer = Racer("sgd", {"lr": 0.01, "momentum": 0.5})
    res = run_map(him, racer, starts, 400)
    assert res.paths is None  # map mode keeps no history
    labels = {res.label(i) for i in range(len(starts))}
    assert {"min0", "min1", "min2", "min3"} <= labels
    for i in (0, 13, 77, 143):
        one = replay_row(him, racer, starts[i], 400, row_id=i)
        assert one.label(0) == res.label(i)
        np.testing.assert_allclose(one.final_xy[0], res.final_xy[i], rtol=0, atol=1e-9)
        assert one.steps[0] == res.steps[i]
        np.testing.assert_array_equal(one.paths[-1, 0], one.final_xy[0])


def test_row_hparams_rowwise_and_grouped(rosen):
    starts = np.tile([START], (6, 1))
    lrs = np.array([0.01, 0.02, 0.03, 0.01, 0.02, 0.03])
    for name, extra in (("adam", {"betas": np.array([[0.9, 0.999]] * 3 + [[0.5, 0.9]] * 3)}),
                        ("adamax", {"betas": np.array([[0.9, 0.999]] * 3 + [[0.5, 0.9]] * 3)}),
                        ("sgd", {"momentum": np.array([0.0, 0.5, 0.9] * 2)})):
        res = run_map(rosen, Racer(name, {"lr": 0.001}), starts, 80, row_hparams={"lr": lrs / 10, **extra},
                      record=True, rules=_no_freeze())
        for i in range(6):
            hp = {"lr": float(lrs[i] / 10)} | {k: (tuple(v[i]) if v.ndim == 2 else float(v[i]))
                                               for k, v in extra.items()}
            tr = run_trajectory(rosen, Racer(name, hp), START, 80, rules=_no_freeze())
            np.testing.assert_allclose(res.paths[:, i], tr.xy, rtol=0, atol=1e-9, err_msg=f"{name} {i}")


def test_row_hparams_are_validated(rosen):
    with pytest.raises(ValueError, match="momentum"):
        run_map(rosen, Racer("sgd", {"lr": 0.01}), np.zeros((2, 2)), 5, row_hparams={"momentum": [0.5, 1.5]})
    with pytest.raises(ValueError, match="unknown"):
        run_map(rosen, Racer("sgd", {"lr": 0.01}), np.zeros((2, 2)), 5, row_hparams={"betas": [[0.9, 0.9]] * 2})


def test_progress_and_stop(rosen):
    seen = []
    run_map(rosen, Racer("adam", {"lr": 0.01}), np.zeros((10, 2)) + 0.3, 100, progress=seen.append)
    assert seen[-1] == 1.0 and all(a <= b for a, b in zip(seen, seen[1:])) and len(seen) >= 5
    ev = threading.Event()
    ev.set()
    res = run_map(rosen, Racer("adam", {"lr": 0.01}), np.zeros((10, 2)) + 0.3, 100, stop=ev)
    assert res.stopped and res.steps_run < 100
    res = run_map(rosen, Racer("adam", {"lr": 0.01}), np.zeros((10, 2)) + 0.3, 100, stop=lambda: True)
    assert res.stopped


def test_frozen_rows_keep_their_final_point():
    bowl = get_surface("bowl")
    starts = np.array([[1.0, 1.0], [2.0, -1.0]])
    res = run_map(bowl, Racer("sgd", {"lr": 0.1}), starts, 2000, record=True)
    assert res.label(0) == res.label(1) == "min0"
    k = int(res.steps[0])
    assert k < 2000 and np.array_equal(res.paths[k, 0], res.paths[-1, 0])
    for rules in (None, _no_freeze()):  # caught far away; caught only when floats overflow
        kw = {"rules": rules} if rules else {}
        diverged = run_map(bowl, Racer("sgd", {"lr": 999.0}), starts, 200, record=True, **kw)
        assert [diverged.label(i) for i in range(2)] == ["diverged"] * 2
        np.testing.assert_array_equal(diverged.paths[-1], diverged.final_xy)
        assert (np.abs(diverged.final_xy) > 30).any(axis=1).all() or not np.isfinite(diverged.final_xy).all()


def test_bad_inputs_raise_value_error(rosen):
    for kwargs in ({"steps": -1}, {"start": (np.nan, 0.0)}, {"start": (1.0, 2.0, 3.0)}):
        args = {"start": START, "steps": 5} | kwargs
        with pytest.raises(ValueError):
            run_trajectory(rosen, Racer("adam", {"lr": 0.01}), args["start"], args["steps"])
    with pytest.raises(ValueError):
        run_trajectory(rosen, Racer("nope"), START, 5)
    with pytest.raises(ValueError):
        run_trajectory(rosen, Racer("adam", {"lr": float("nan")}), START, 5)
    with pytest.raises(ValueError):
        run_trajectory(rosen, Racer("adam", grad_noise=-1.0), START, 5)
    assert optimizer_info("adam").name == "adam"


def test_many_starts_one_diverges_one_converges():
    from core.surfaces import formula_surface

    surf = formula_surface("x^2/2 + y^2/2 + x^4/100")
    starts = np.array([[0.5, 0.5], [2.9, 0.0], [0.5, -0.5]])
    tr = run_trajectory(surf, Racer("sgd", {"lr": 1.9}), starts, 400)
    assert tr.outcome == ["elsewhere", "diverged", "elsewhere"]  # the formula lists no minima
    assert tr.converged_at[0] is not None and tr.converged_at[2] is not None
    res = run_map(surf, Racer("sgd", {"lr": 1.9}), starts, 400)
    assert [res.label(i) for i in range(3)] == tr.outcome
    assert res.diverged_at[1] == tr.diverged_at[1] and res.converged_at[0] == tr.converged_at[0]


@pytest.mark.parametrize("name", ["sgd", "adamax"])  # row-wise and grouped torch.optim paths
def test_map_schedule_not_proportional_to_lr(rosen, name):
    spec = "cosine:T_max=40,eta_min=0.0005"
    starts = np.array([START, START])
    racer = Racer(name, {"lr": 0.002}, schedule=spec)
    res = run_map(rosen, racer, starts, 60, row_hparams={"lr": np.array([0.002, 0.001])}, record=True,
                  rules=_no_freeze())
    for i, lr in enumerate((0.002, 0.001)):
        tr = run_trajectory(rosen, Racer(name, {"lr": lr}, schedule=spec), START, 60, rules=_no_freeze())
        np.testing.assert_allclose(res.paths[:, i], tr.xy, rtol=0, atol=1e-9)
    one = run_map(rosen, Racer(name, {"lr": 0.001}, schedule=spec), starts[:1], 60, record=True, rules=_no_freeze())
    tr = run_trajectory(rosen, Racer(name, {"lr": 0.001}, schedule=spec), START, 60, rules=_no_freeze())
    np.testing.assert_allclose(one.paths[:, 0], tr.xy, rtol=0, atol=1e-9)
