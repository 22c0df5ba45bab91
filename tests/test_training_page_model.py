"""The training page draws what the trainer computed with the model: heatmaps, confusion, verdict, failures."""
from __future__ import annotations

import math

import numpy as np
import pytest



def _scene(**model):
    return {"version": 1, "page": "training", "title": "t", "lesson": "l.", "epochs": 4,
            "views": ["decision", "curves", "diagram", "histograms", "confusion"],
            "data": {"dataset": "moons", "n": 200, "noise": 0.2},
            "model": {"layers": [6, 5], "activation": "gelu", "init": "xavier-normal", **model},
            "optimizer": {"name": "adam", "lr": 0.05, "batch_size": 16}}


@pytest.fixture
def page(training_page):
    return training_page


def _record(page, method_owner, name):
    calls = []
    real = getattr(method_owner, name)

    def spy(*args, **kwargs):
        calls.append((args, kwargs))
        return real(*args, **kwargs)

    setattr(method_owner, name, spy)
    return calls


def test_diagram_heatmaps_are_the_models_exact_gelu(page):
    page.load_scene(_scene())
    drawn = _record(page, page.diagram, "set_state")
    ms = []
    handle = page.handle_metrics
    page.handle_metrics = lambda m: (ms.append(m), handle(m))
    page.train_synchronously()
    (weights, grids, _masks), _ = drawn[-1]
    snap = [m.snapshot for m in ms if m.snapshot is not None][-1]
    assert grids is not None and len(grids) == 3 and grids[0].shape == (6, 20, 20)
    # Rebuild the first layer from the snapshot's weights, with exact GELU and with the tanh form.
    data = ms[0].data
    x0, x1, y0, y1 = (float(v) for v in data.extent)
    mx, my = np.meshgrid(np.linspace(x0, x1, 20), np.linspace(y0, y1, 20))
    X = np.stack([mx.ravel(), my.ravel()], 1)  # features x1, x2, not normalized
    z = X @ np.asarray(snap.weights[0], float).T + np.asarray(snap.biases[0], float)
    exact = 0.5 * z * (1 + np.vectorize(math.erf)(z / math.sqrt(2)))
    approx = 0.5 * z * (1 + np.tanh(math.sqrt(2 / math.pi) * (z + 0.044715 * z ** 3)))
    assert np.allclose(grids[0], exact.T.reshape(-1, 20, 20), atol=2e-6)
    assert np.abs(grids[0] - approx.T.reshape(-1, 20, 20)).max() > 1e-5  # the old numpy copy's form


def test_batchnorm_networks_get_heatmaps_too(page):
    page.load_scene(_scene(batchnorm="before", activation="relu"))
    drawn = _record(page, page.diagram, "set_state")
    page.train_synchronously()
    (_w, grids, _m), _ = drawn[-1]
    assert grids is not None and all(np.isfinite(g).all() for g in grids)


def test_no_heatmaps_computed_when_the_diagram_is_hidden(page):
    scene = _scene()
    scene["views"] = ["decision", "curves"]
    page.load_scene(scene)
    assert page.config().neuron_grid == 0
    page.load_scene(_scene())
    assert page.config().neuron_grid == 20


def test_confusion_matrix_is_the_trainers_count(page):
    scene = _scene(activation="relu")
    scene["data"] = {"dataset": "blobs", "classes": 5, "n": 2000, "noise": 1.5}  # the grid guess erred here
    page.load_scene(scene)
    ms = []
    handle = page.handle_metrics
    page.handle_metrics = lambda m: (ms.append(m), handle(m))
    page.train_synchronously()
    final = ms[-1]
    assert final.kind == "final"
    n_val = len(ms[0].data.y["val"])
    shown = page.confusion.matrix()
    assert np.array_equal(shown, final.snapshot.confusion)
    assert shown.sum() == n_val and shown.trace() == round(final.val_acc * n_val)


def test_live_status_shows_the_trainers_verdict_with_the_noise_floor(page):
    from core.training import train

    scene = _scene(activation="tanh")
    scene["data"] = {"dataset": "moons", "n": 400, "noise": 0.3}
    scene["model"]["layers"] = [16]
    scene["epochs"] = 25
    page.load_scene(scene)
    ms = list(train(page.config()))
    last = [m for m in ms if m.kind == "epoch"][-1]
    assert last.verdict_headline and not last.verdict_code.startswith("high_bias")
    page.handle_metrics(last)  # not running: shown at once
    assert last.verdict_headline in page.status.text()
    assert "High bias" not in page.status.text()  # a zero floor said so at ~90 % on noise 0.3


def test_a_trainer_that_cannot_start_is_reported_not_shown_as_running(page, monkeypatch):
    from playground.child_process import ChildProcess

    def cannot(self):
        raise OSError("Resource temporarily unavailable")

    monkeypatch.setattr(ChildProcess, "ensure_started", cannot)
    page.load_scene(_scene())
    page.play()
    text = page.status.text()
    assert text.startswith("Cannot train: could not start the training process") and "\n" not in text
    assert page.run_bar.play.text() == "▶ Play"  # not "Pause": nothing is training
    page.one_epoch()
    assert page.status.text().startswith("Cannot train")


def test_a_network_too_big_is_refused_in_place_with_its_size(page):
    page.load_scene(_scene())
    page.controls.sigChanged.emit("layers", (100000, 100000))  # what the hidden-layers field sends
    text = page.status.text()
    assert text.startswith("Not applied: layers: 100000 x 100000 needs about 184 GB") and "limit is 2 GB" in text
    assert page.scene()["model"]["layers"] == [6, 5]  # the previous value is kept
    page.controls.sigChanged.emit("lr", "x")
    assert page.status.text() == "Not applied: lr: must be a number, got 'x'"
