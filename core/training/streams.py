"""One independent random stream per purpose, all derived from the run's seed.

Each stream is seeded from ``numpy.random.SeedSequence([seed, STREAM_ID])``, so the streams do
not depend on each other nor on the order they are created: switching dropout on draws from
the dropout stream only, and the split, the initial weights and the batch order stay the same.
"""
from __future__ import annotations

import numpy as np
import torch

# Fixed ids: never renumber (a renumbering changes every seeded result).
STREAM_IDS = {"data": 1, "split": 2, "init": 3, "shuffle": 4, "dropout": 5, "augment": 6, "check": 7}


def _seed_words(seed: int, name: str) -> np.random.SeedSequence:
    if name not in STREAM_IDS:
        raise KeyError(f"unknown random stream {name!r}")
    return np.random.SeedSequence([int(seed) & 0xFFFFFFFF, STREAM_IDS[name]])


def numpy_stream(seed: int, name: str) -> np.random.Generator:
    """A numpy Generator for stream ``name`` of ``seed``."""
    return np.random.default_rng(_seed_words(seed, name))


def torch_stream(seed: int, name: str) -> torch.Generator:
    """A CPU torch.Generator for stream ``name`` of ``seed``."""
    g = torch.Generator()
    g.manual_seed(int(_seed_words(seed, name).generate_state(1, dtype=np.uint64)[0] >> np.uint64(1)))
    return g
