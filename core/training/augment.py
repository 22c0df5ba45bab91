"""Augmentation of 2D points, applied to the training split only (never to val/test).

Spec: comma-separated ops, each ``NAME[:VALUE]``::

    jitter:STD     add N(0, STD^2) noise to each coordinate
    rotate:DEG     rotate each point about the origin by an angle ~ U(-DEG, DEG)
    flipx          mirror x1 -> -x1 with probability 1/2 (per point)
    flipy          mirror x2 -> -x2 with probability 1/2
    scale:S        multiply each point by a factor ~ U(1-S, 1+S)
    mixup:ALPHA    mixup (Zhang et al. 2018): x = lam x_i + (1-lam) x_j, same for the targets,
                   lam ~ Beta(ALPHA, ALPHA), j a random partner in the batch

Flips and rotations assume the labels are symmetric under them (true for circles, xor,
gaussian at the origin...); for other data they are a lesson in bad augmentation.
"""
from __future__ import annotations

import math

import numpy as np

OPS = {"jitter": 0.05, "rotate": 15.0, "flipx": None, "flipy": None, "scale": 0.1, "mixup": 0.2}


def parse_augment(spec: str | None) -> list[tuple[str, float | None]]:
    """``"jitter:0.05,rotate:15"`` -> [("jitter", 0.05), ("rotate", 15.0)]; ValueError if bad."""
    ops: list[tuple[str, float | None]] = []
    for part in (spec or "").split(","):
        part = part.strip().lower()
        if not part or part == "none":
            continue
        name, _, arg = part.partition(":")
        if name not in OPS:
            raise ValueError(f"unknown augmentation {name!r}: choose from {', '.join(OPS)}")
        if OPS[name] is None:
            if arg:
                raise ValueError(f"augmentation {name!r} takes no value (got {part!r})")
            ops.append((name, None))
            continue
        try:
            value = float(arg) if arg else OPS[name]
        except ValueError:
            raise ValueError(f"bad value in augmentation {part!r}") from None
        if not (math.isfinite(value) and value > 0):
            raise ValueError(f"augmentation {part!r}: the value must be positive")
        ops.append((name, value))
    return ops


def augment_batch(X: np.ndarray, Y: np.ndarray, ops, rng: np.random.Generator):
    """Apply ``ops`` to a batch.

    Parameters
    ----------
    X : (B, 2) raw points. Y : (B, T) float targets (one-hot/probabilities, or values).
    ops : from :func:`parse_augment`. rng : the augmentation stream.

    Returns
    -------
    (X', Y') new arrays; Y' differs from Y only under mixup (soft labels).
    """
    X = X.copy()
    B = len(X)
    for name, v in ops:
        if name == "jitter":
            X += v * rng.standard_normal((B, 2))
        elif name == "rotate":
            a = np.deg2rad(rng.uniform(-v, v, B))
            c, s = np.cos(a), np.sin(a)
            X = np.stack([c * X[:, 0] - s * X[:, 1], s * X[:, 0] + c * X[:, 1]], 1)
        elif name == "flipx":
            X[:, 0] *= np.where(rng.random(B) < 0.5, -1.0, 1.0)
        elif name == "flipy":
            X[:, 1] *= np.where(rng.random(B) < 0.5, -1.0, 1.0)
        elif name == "scale":
            X *= rng.uniform(1 - v, 1 + v, B)[:, None]
        elif name == "mixup":
            lam = rng.beta(v, v, B)[:, None]  # (B, 1)
            j = rng.permutation(B)
            X = lam * X + (1 - lam) * X[j]
            Y = lam * Y + (1 - lam) * Y[j]
    return X, Y
