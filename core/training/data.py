"""2D toy datasets (TensorFlow Playground's and a few more), user data, splitting and features.

All generators return raw points ``X`` (N, 2) float64 and targets ``y`` (N,): int64 class labels
for classification, float64 values for regression. Features and normalization are applied
after augmentation (augmentation moves the raw 2D points), see :class:`Prepared`.
"""
from __future__ import annotations

import csv
import math
from dataclasses import dataclass

import numpy as np

from .config import CLASSIFICATION_DATASETS, FEATURES, REGRESSION_DATASETS, TrainConfig, parse_split
from .streams import numpy_stream


# --------------------------------------------------------------------------- generators

def _circles(n, noise, rng):
    # Inner disc (class 1) inside a ring (class 0), radius 5 as in TF Playground.
    n_in = n // 2
    r = np.concatenate([rng.uniform(0, 2.0, n_in), rng.uniform(3.5, 5.0, n - n_in)])
    t = rng.uniform(0, 2 * np.pi, n)
    X = np.stack([r * np.cos(t), r * np.sin(t)], 1)
    y = np.concatenate([np.ones(n_in, np.int64), np.zeros(n - n_in, np.int64)])
    return X + noise * rng.standard_normal((n, 2)), y


def _xor(n, noise, rng):
    X = rng.uniform(-5, 5, (n, 2))
    X += np.where(X > 0, 0.3, -0.3)  # keep a margin off the axes
    y = ((X[:, 0] * X[:, 1]) > 0).astype(np.int64)
    return X + noise * rng.standard_normal((n, 2)), y


def _gaussian(n, noise, rng):
    n0 = n // 2
    y = np.concatenate([np.zeros(n0, np.int64), np.ones(n - n0, np.int64)])
    centres = np.where(y[:, None] == 1, 2.0, -2.0)
    return centres + (1.0 + noise) * rng.standard_normal((n, 2)), y


def _spiral(n, noise, rng):
    n0 = n // 2
    y = np.concatenate([np.zeros(n0, np.int64), np.ones(n - n0, np.int64)])
    i = np.concatenate([np.arange(n0), np.arange(n - n0)]).astype(float)
    m = np.where(y == 0, n0, n - n0)
    r = 5.0 * i / m
    t = 1.75 * i / m * 2 * np.pi + np.pi * y
    X = np.stack([r * np.sin(t), r * np.cos(t)], 1)
    return X + noise * rng.standard_normal((n, 2)), y


def _moons(n, noise, rng):
    # sklearn.datasets.make_moons with shuffled order.
    n0 = n // 2
    t0 = np.linspace(0, np.pi, n0)
    t1 = np.linspace(0, np.pi, n - n0)
    X = np.concatenate([np.stack([np.cos(t0), np.sin(t0)], 1), np.stack([1 - np.cos(t1), 0.5 - np.sin(t1)], 1)])
    y = np.concatenate([np.zeros(n0, np.int64), np.ones(n - n0, np.int64)])
    order = rng.permutation(n)
    return X[order] + noise * rng.standard_normal((n, 2)), y[order]


def _blobs(n, noise, rng, classes):
    angles = 2 * np.pi * np.arange(classes) / classes
    centres = 3.0 * np.stack([np.cos(angles), np.sin(angles)], 1)
    y = np.arange(n, dtype=np.int64) % classes
    return centres[y] + (0.6 + noise) * rng.standard_normal((n, 2)), y


def _plane(n, noise, rng):
    X = rng.uniform(-5, 5, (n, 2))
    return X, 0.1 * (X[:, 0] + X[:, 1]) + noise * rng.standard_normal(n)


def _multigauss(n, noise, rng):
    X = rng.uniform(-5, 5, (n, 2))
    centres = np.array([[-2.5, -2.5, 1.0], [2.5, 2.5, 1.0], [-2.5, 2.5, -1.0], [2.5, -2.5, -1.0]])
    d2 = ((X[:, None, :] - centres[None, :, :2]) ** 2).sum(-1)  # (N, 4)
    return X, (centres[:, 2] * np.exp(-d2 / 2.0)).sum(1) + noise * rng.standard_normal(n)


def _sine(n, noise, rng):
    X = rng.uniform(-5, 5, (n, 2))
    return X, np.sin(X[:, 0]) * np.cos(X[:, 1] / 2) + noise * rng.standard_normal(n)


def make_dataset(name: str, n: int, noise: float = 0.0, seed: int = 0, classes: int = 3):
    """Generate a seeded toy dataset.

    Parameters
    ----------
    name : a classification set (circles, xor, gaussian, spiral, moons, blobs) or a regression
        set (plane, multigauss, sine).
    n : number of points. noise : std of Gaussian noise (on the points; on the target for regression).
    seed : the data stream seed. classes : number of classes of ``blobs``.

    Returns
    -------
    X : ndarray (n, 2) float64; y : ndarray (n,) int64 labels or float64 targets.
    """
    rng = numpy_stream(seed, "data")
    fns = {"circles": _circles, "xor": _xor, "gaussian": _gaussian, "spiral": _spiral, "moons": _moons,
           "plane": _plane, "multigauss": _multigauss, "sine": _sine}
    if name == "blobs":
        return _blobs(n, noise, rng, classes)
    if name not in fns:
        raise ValueError(f"unknown dataset {name!r}")
    return fns[name](n, noise, rng)


# --------------------------------------------------------------------------- user data

def points_to_arrays(points) -> tuple[np.ndarray, np.ndarray]:
    """User points ``[(x1, x2, label), ...]`` -> X (N, 2), raw labels (N,) float64."""
    arr = np.asarray(points, dtype=np.float64)
    if arr.ndim != 2 or arr.shape[1] != 3 or len(arr) == 0:
        raise ValueError("user points must be a non-empty list of (x1, x2, label)")
    if not np.isfinite(arr).all():
        raise ValueError("user points contain a non-finite value")
    return arr[:, :2].copy(), arr[:, 2].copy()


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def read_csv(path: str) -> tuple[np.ndarray, np.ndarray]:
    """Read ``x1,x2,label`` rows (an optional header line is skipped).

    Raises
    ------
    ValueError
        naming the file and the 1-based line number of the first bad row.
    """
    try:
        with open(path, newline="", encoding="utf-8") as fh:
            return _read_rows(path, fh)
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else "not a UTF-8 text file"
        raise ValueError(f"cannot read {path}: {reason}") from None


def _read_rows(path: str, fh) -> tuple[np.ndarray, np.ndarray]:
    rows, header_seen = [], False
    for lineno, row in enumerate(csv.reader(fh), start=1):
        if not row or all(not c.strip() for c in row) or row[0].lstrip().startswith("#"):
            continue
        if len(row) != 3:
            raise ValueError(f"{path}, line {lineno}: expected 3 columns x1,x2,label, found {len(row)}")
        try:
            vals = [float(c) for c in row]
        except ValueError:
            if not rows and not header_seen and not any(_is_number(c) for c in row):
                header_seen = True  # a header line such as x1,x2,label
                continue
            raise ValueError(f"{path}, line {lineno}: not a number in {','.join(row)!r}") from None
        if not all(math.isfinite(v) for v in vals):
            raise ValueError(f"{path}, line {lineno}: non-finite value in {','.join(row)!r}")
        rows.append(vals)
    if not rows:
        raise ValueError(f"{path}: no data rows")
    return points_to_arrays(rows)


def labels_to_task(raw: np.ndarray, task: str) -> tuple[np.ndarray, str, int]:
    """Decide classification vs regression for user labels.

    Integer-valued labels with at most 10 distinct values are classes (re-numbered 0..K-1),
    anything else is a regression target, unless ``task`` forces one.
    """
    is_int = np.all(raw == np.round(raw))
    distinct = np.unique(raw)
    if task == "auto":
        task = "classification" if is_int and len(distinct) <= 10 else "regression"
    if task == "classification":
        if not is_int:
            raise ValueError("classification labels must be integers")
        if len(distinct) < 2:
            raise ValueError("classification needs at least two classes in the data")
        y = np.searchsorted(distinct, raw).astype(np.int64)
        return y, task, len(distinct)
    return raw.astype(np.float64), "regression", 0


# --------------------------------------------------------------------------- splitting

def split_indices(n: int, split, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Random train/val/test index arrays (from the split stream of ``seed``).

    Sizes are ``round(n * val)`` and ``round(n * test)``; training gets the rest.
    """
    fr = parse_split(split)
    perm = numpy_stream(seed, "split").permutation(n)
    n_val, n_test = int(round(n * fr[1])), int(round(n * fr[2]))
    n_train = n - n_val - n_test
    if n_train < 1:
        raise ValueError(f"split {split} leaves no training example out of {n}")
    return np.sort(perm[:n_train]), np.sort(perm[n_train:n_train + n_val]), np.sort(perm[n_train + n_val:])


# --------------------------------------------------------------------------- features

def compute_features(X: np.ndarray, features) -> np.ndarray:
    """Raw points (N, 2) -> feature matrix (N, F) in the order of ``features``.

    x1, x2, x1sq = x1^2, x2sq = x2^2, x1x2 = x1 x2, sinx1 = sin x1, sinx2 = sin x2.
    """
    x1, x2 = X[:, 0], X[:, 1]
    table = {"x1": lambda: x1, "x2": lambda: x2, "x1sq": lambda: x1 * x1, "x2sq": lambda: x2 * x2,
             "x1x2": lambda: x1 * x2, "sinx1": lambda: np.sin(x1), "sinx2": lambda: np.sin(x2)}
    for f in features:
        if f not in FEATURES:
            raise ValueError(f"unknown feature {f!r}: choose from {', '.join(FEATURES)}")
    return np.stack([table[f]() for f in features], 1)


@dataclass
class Prepared:
    """Data ready to train on.

    Attributes
    ----------
    X_raw : dict split -> (N, 2) float64 raw points ("train", "val", "test").
    y : dict split -> (N,) labels int64 or targets float64.
    features : feature names; mean, std : (F,) normalization of the TRAIN split (0/1 when off).
    task : "classification" | "regression"; n_classes : K (0 for regression).
    extent : (xmin, xmax, ymin, ymax) of all raw points with a 5 % margin (for the decision grid).
    indices : dict split -> indices into the full dataset.
    """

    X_raw: dict
    y: dict
    features: tuple
    mean: np.ndarray
    std: np.ndarray
    task: str
    n_classes: int
    extent: tuple
    indices: dict

    def transform(self, X_raw: np.ndarray) -> np.ndarray:
        """Raw points (N, 2) -> normalized features (N, F) float32."""
        with np.errstate(over="ignore", invalid="ignore"):  # huge inputs become inf: input_scale names them
            return ((compute_features(X_raw, self.features) - self.mean) / self.std).astype(np.float32)

    def input_scale(self) -> float:
        """The largest |feature| of the TRAIN split after normalization (what the network sees; inf or
        NaN when a feature overflows). 0 for an empty split."""
        if len(self.X_raw["train"]) == 0:
            return 0.0
        with np.errstate(over="ignore", invalid="ignore"):
            Z = (compute_features(self.X_raw["train"], self.features) - self.mean) / self.std
            return float(np.abs(Z).max())


def load_data(config: TrainConfig) -> Prepared:
    """Generate or read the data of ``config``, split it and fit the normalization on TRAIN only.

    The split, like the points, uses ``config.data_seed`` (defaulting to ``config.seed``).
    """
    dseed = config.seed if config.data_seed is None else config.data_seed
    if config.dataset == "user":
        X, raw = points_to_arrays(config.points) if config.points is not None else read_csv(config.csv_path)
        y, task, k = labels_to_task(raw, config.task)
    else:
        X, y = make_dataset(config.dataset, int(config.n), float(config.noise), dseed, int(config.classes))
        task = "classification" if config.dataset in CLASSIFICATION_DATASETS else "regression"
        assert config.dataset in CLASSIFICATION_DATASETS + REGRESSION_DATASETS
        k = int(y.max()) + 1 if task == "classification" else 0
    tr, va, te = split_indices(len(X), config.split, dseed)
    idx = {"train": tr, "val": va, "test": te}
    X_raw = {s: X[i] for s, i in idx.items()}
    ys = {s: y[i] for s, i in idx.items()}
    F = compute_features(X_raw["train"], config.features)
    if config.normalize:
        with np.errstate(over="ignore", invalid="ignore"):
            mean, std = F.mean(0), F.std(0)
            if not (np.isfinite(mean).all() and np.isfinite(std).all()):
                # Values near 1e300 overflow the std (their squares are inf), and an inf std would
                # silently turn every input into 0: scale by the largest |value| first.
                big = np.abs(F).max(0)
                big = np.where(np.isfinite(big) & (big > 0), big, 1.0)
                mean, std = (F / big).mean(0) * big, (F / big).std(0) * big
        std = np.where(std > 1e-12, std, 1.0)  # a constant feature stays as it is
    else:
        mean, std = np.zeros(F.shape[1]), np.ones(F.shape[1])
    lo, hi = X.min(0), X.max(0)
    pad = 0.05 * np.maximum(hi - lo, 1e-6)
    extent = (float(lo[0] - pad[0]), float(hi[0] + pad[0]), float(lo[1] - pad[1]), float(hi[1] + pad[1]))
    return Prepared(X_raw, ys, tuple(config.features), mean, std, task, k, extent, idx)
