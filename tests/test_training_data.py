"""Training data: datasets, splits, features, normalization, CSV, seeded streams."""
from __future__ import annotations

import numpy as np
import pytest

from core.training import TrainConfig, load_data, make_dataset, parse_split, read_csv
from core.training.augment import augment_batch, parse_augment
from core.training.config import DATASETS
from core.training.data import compute_features, split_indices


@pytest.mark.parametrize("name", DATASETS)
def test_every_dataset_is_seeded_and_shaped(name):
    X, y = make_dataset(name, 120, 0.1, seed=3, classes=4)
    X2, y2 = make_dataset(name, 120, 0.1, seed=3, classes=4)
    X3, _ = make_dataset(name, 120, 0.1, seed=4, classes=4)
    assert X.shape == (120, 2) and y.shape == (120,)
    assert np.array_equal(X, X2) and np.array_equal(y, y2)
    assert not np.array_equal(X, X3)  # a new seed regenerates
    if name == "blobs":
        assert set(np.unique(y)) == {0, 1, 2, 3}


def test_split_ratios_default_and_custom():
    assert parse_split("60/20/20") == pytest.approx((0.6, 0.2, 0.2))
    assert parse_split("70/15/15") == pytest.approx((0.7, 0.15, 0.15))
    tr, va, te = split_indices(1000, "70/15/15", seed=0)
    assert (len(tr), len(va), len(te)) == (700, 150, 150)
    assert len(np.unique(np.concatenate([tr, va, te]))) == 1000
    with pytest.raises(ValueError):
        parse_split("a/b/c")


def test_features_and_train_only_normalization():
    X = np.array([[1.0, 2.0], [0.5, -1.0]])
    F = compute_features(X, ("x1", "x2", "x1sq", "x2sq", "x1x2", "sinx1", "sinx2"))
    assert np.allclose(F[0], [1, 2, 1, 4, 2, np.sin(1), np.sin(2)])
    d = load_data(TrainConfig(dataset="gaussian", n=300, features=("x1", "x1x2"), normalize=True))
    Ftr = d.transform(d.X_raw["train"])
    assert np.allclose(Ftr.mean(0), 0, atol=1e-5) and np.allclose(Ftr.std(0), 1, atol=1e-4)
    # val/test use the TRAIN mean/std, so they are not exactly standardized
    Fva = compute_features(d.X_raw["val"], d.features)
    assert np.allclose(d.transform(d.X_raw["val"]), (Fva - d.mean) / d.std, atol=1e-5)
    assert not np.allclose(d.transform(d.X_raw["val"]).mean(0), 0, atol=1e-6)


def test_user_points_and_csv(tmp_path):
    cfg = TrainConfig(dataset="user", points=[(0, 0, 0), (1, 1, 1)] * 10)
    d = load_data(cfg)
    assert d.task == "classification" and d.n_classes == 2
    good = tmp_path / "good.csv"
    good.write_text("x1,x2,label\n0,0,0\n1,1,1\n\n2,2,1\n")
    X, y = read_csv(str(good))
    assert X.shape == (3, 2) and list(y) == [0, 1, 1]


@pytest.mark.parametrize("body, line", [
    ("x1,x2,label\n0,0,0\n1,abc,1\n", 3),
    ("0,0,0\n1,1\n", 2),
    ("0,0,0\n1,1,1\n2,2,nan\n", 3),
])
def test_csv_errors_name_the_line(tmp_path, body, line):
    bad = tmp_path / "bad.csv"
    bad.write_text(body)
    with pytest.raises(ValueError, match=f"line {line}:"):
        read_csv(str(bad))


def test_augment_spec_and_effects():
    ops = parse_augment("jitter:0.05,rotate:15,flipx,scale:0.1,mixup:0.2")
    assert [o[0] for o in ops] == ["jitter", "rotate", "flipx", "scale", "mixup"]
    with pytest.raises(ValueError):
        parse_augment("spin:3")
    rng = np.random.default_rng(0)
    X = np.ones((50, 2))
    Y = np.eye(2)[np.arange(50) % 2].astype(np.float32)
    X2, Y2 = augment_batch(X, Y, parse_augment("rotate:90"), rng)
    assert np.allclose(np.linalg.norm(X2, axis=1), np.sqrt(2)) and np.array_equal(Y2, Y)  # rotation keeps radius
    X3, Y3 = augment_batch(X, Y, parse_augment("mixup:0.4"), rng)
    assert np.allclose(Y3.sum(1), 1) and ((Y3 > 0) & (Y3 < 1)).any()  # soft labels


@pytest.mark.parametrize("make, words", [
    (lambda p: p / "missing.csv", "No such file"),
    (lambda p: p, "Is a directory"),
    (lambda p: (p / "b.csv").write_bytes(b"x1,x2,label\n\xff\xfe,1,0\n") and p / "b.csv", "not a UTF-8"),
])
def test_unreadable_csv_is_one_clear_message(tmp_path, make, words):
    from core.training import read_csv

    path = make(tmp_path)
    with pytest.raises(ValueError, match=f"cannot read .*{words}"):
        read_csv(str(path))
