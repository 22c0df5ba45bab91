"""Snapshot pictures come from the model itself: per-unit heatmaps and the validation confusion matrix."""
from __future__ import annotations

import math
import pickle

import numpy as np
import pytest
import torch

import core.training.trainer as trainer_mod
from core.training import TrainConfig, TrainControls, train

torch.set_num_threads(1)

G = 20


def _grid_inputs(run, g=G):
    x0, x1, y0, y1 = run.data.extent
    mx, my = np.meshgrid(np.linspace(x0, x1, g), np.linspace(y0, y1, g))
    return torch.from_numpy(run.data.transform(np.stack([mx.ravel(), my.ravel()], 1))).double()


def _finished_run(**kw):
    """A run driven to its end; returns (the run, with its trained model, and the final Metrics)."""
    cfg = TrainConfig(**{**dict(dataset="moons", n=200, noise=0.2, layers=(6, 5), optimizer="adam", lr=0.05,
                                batch_size=16, epochs=15, report_every=0, snapshot_every=15, neuron_grid=G), **kw})
    run = trainer_mod._Run(cfg, None)
    final = list(run.run(None))[-1]
    return run, final


def test_prelu_maps_use_the_learned_slope():
    run, final = _finished_run(activation="prelu")
    slopes = [float(b.act.weight.detach()) for b in run.model.hidden]
    assert all(abs(s - 0.25) > 1e-3 for s in slopes)  # the slope did learn: a fixed 0.25 would be wrong
    # Independent forward pass, float64, PReLU written out with each layer's learned slope.
    a = _grid_inputs(run)
    for i, block in enumerate(run.model.hidden):
        z = a @ block.linear.weight.detach().double().T + block.linear.bias.detach().double()
        a = torch.where(z > 0, z, slopes[i] * z)
        got = final.snapshot.neurons[i]
        assert got.shape == (block.linear.out_features, G, G) and got.dtype == np.float32
        assert np.allclose(got, a.T.reshape(-1, G, G).numpy(), atol=1e-5)
    out = a @ run.model.out.weight.detach().double().T + run.model.out.bias.detach().double()
    assert np.allclose(final.snapshot.neurons[-1], out.T.reshape(-1, G, G).numpy(), atol=1e-5)


def test_gelu_maps_are_exact_gelu_not_the_tanh_approximation():
    run, final = _finished_run(activation="gelu")
    a = _grid_inputs(run)
    exact = tanh_approx = None
    for i, block in enumerate(run.model.hidden):
        z = a @ block.linear.weight.detach().double().T + block.linear.bias.detach().double()
        exact = 0.5 * z * (1 + torch.erf(z / math.sqrt(2)))
        tanh_approx = 0.5 * z * (1 + torch.tanh(math.sqrt(2 / math.pi) * (z + 0.044715 * z ** 3)))
        got = final.snapshot.neurons[i]
        assert np.allclose(got, exact.T.reshape(-1, G, G).numpy(), atol=2e-6)
        a = exact
    # The two formulas differ by more than the tolerance: the test can tell them apart.
    assert float((exact - tanh_approx).abs().max()) > 1e-5


def test_maps_with_batchnorm_use_the_running_statistics():
    run, final = _finished_run(activation="relu", batchnorm="before")
    run.model.eval()
    acts: list[torch.Tensor] = []
    with torch.no_grad():
        run.model(_grid_inputs(run).float(), acts)
    for got, want in zip(final.snapshot.neurons, acts):
        assert np.allclose(got, want.T.reshape(-1, G, G).numpy(), atol=1e-6)


def test_no_maps_unless_asked_and_a_live_request_turns_them_on():
    cfg = TrainConfig(dataset="moons", n=100, layers=(4,), epochs=3, report_every=0, snapshot_every=1)
    ms = [m for m in train(cfg) if m.snapshot is not None]
    assert ms and all(m.snapshot.neurons is None for m in ms)
    controls = TrainControls()
    seen = []
    for m in train(cfg, controls=controls):
        if m.snapshot is not None:
            seen.append(m.snapshot.neurons is not None)
        if m.kind == "epoch" and m.epoch == 1:
            controls.set(neuron_grid=G)
    assert seen[:2] == [False, False] and all(seen[2:]) and len(seen) >= 3


@pytest.mark.parametrize("kw", [
    dict(dataset="blobs", classes=4, n=300, noise=0.8),
    dict(dataset="moons", n=333, noise=0.35),
    dict(dataset="spiral", n=257, noise=0.2),
])
def test_confusion_matrix_counts_the_real_validation_predictions(kw):
    cfg = TrainConfig(**kw, layers=(8,), epochs=4, report_every=3, snapshot_every=2, optimizer="adam", lr=0.02)
    controls = TrainControls()
    controls.request_snapshot()  # one on a step report too (mid-epoch)
    ms = list(train(cfg, controls=controls))
    n_val = len(ms[0].data.y["val"])
    k = max(int(ms[0].data.n_classes), 2)
    checked = 0
    for m in ms:
        if m.snapshot is None or m.kind == "step":
            continue
        cm = m.snapshot.confusion
        assert cm.shape == (k, k) and cm.dtype == np.int64 and cm.sum() == n_val
        assert np.array_equal(cm.sum(1), np.bincount(ms[0].data.y["val"].astype(int), minlength=k))
        assert cm.trace() == round(m.val_acc * n_val) and abs(m.val_acc * n_val - cm.trace()) < 1e-9
        checked += 1
    assert checked >= 2
    steps = [m for m in ms if m.kind == "step" and m.snapshot is not None]
    assert steps and steps[0].snapshot.confusion.sum() == n_val


def test_regression_has_no_confusion_matrix_and_snapshots_pickle():
    ms = list(train(TrainConfig(dataset="sine", n=100, layers=(4,), epochs=1, report_every=0, snapshot_every=1,
                                neuron_grid=G)))
    assert ms[-1].snapshot.confusion is None and ms[-1].snapshot.neurons[0].shape == (4, G, G)
    pickle.loads(pickle.dumps(ms[-1]))


@pytest.mark.parametrize("k, n", [(2, 1), (2, 300), (5, 1000), (7, 50)])
def test_confusion_counts_equal_sklearns_confusion_matrix(k, n):
    from sklearn.metrics import confusion_matrix

    from core.training.metrics import confusion_counts

    rng = np.random.default_rng(k * 1000 + n)
    true, pred = rng.integers(0, k, n), rng.integers(0, k, n)
    assert np.array_equal(confusion_counts(true, pred, k), confusion_matrix(true, pred, labels=range(k)))
