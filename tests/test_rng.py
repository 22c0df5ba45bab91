"""core.trajectories.rng: the Python-int path for a few rows gives the same bits as the torch path for many."""
from __future__ import annotations

import pytest
import torch

from core.trajectories import rng


@pytest.fixture
def torch_only(monkeypatch):
    """Run core.trajectories.rng with its small-row path switched off (every call through int64 torch ops)."""
    monkeypatch.setattr(rng, "SMALL", 0)


def _draws(keys):
    return ([rng.uniforms(keys, step, k) for step in (0, 1, 999, 2**33 + 1) for k in (0, 3)]
            + [rng.normals(keys, step) for step in (0, 7, 123456)]
            + [rng.randint(keys, step, n, size) for step in (0, 5) for n, size in ((100, 4), (7, 3))])


@pytest.mark.parametrize("seed", [0, 1, 2**40 + 7])
def test_small_path_is_bit_identical(seed, monkeypatch):
    keys = rng.row_keys(seed, torch.arange(5))  # 5 rows: the Python-int path
    fast = _draws(keys)
    monkeypatch.setattr(rng, "SMALL", 0)
    slow = _draws(keys)
    assert all(a.dtype == b.dtype and a.shape == b.shape and torch.equal(a, b) for a, b in zip(fast, slow))


def test_a_row_draws_the_same_alone_and_in_a_map(torch_only):
    """Row 3 of a 100-row map (torch path) sees exactly the noise of row 3 run alone (Python path)."""
    many = rng.row_keys(11, torch.arange(100))
    in_map = rng.normals(many, 42)[3]
    rng.SMALL = 16  # the fixture's monkeypatch restores it after the test
    alone = rng.normals(rng.row_keys(11, torch.tensor([3])), 42)[0]
    assert torch.equal(in_map, alone)


def test_uniforms_in_range_and_spread():
    u = torch.cat([rng.uniforms(rng.row_keys(0, torch.arange(4)), t, 0) for t in range(2000)])
    assert (u > 0).all() and (u <= 1).all()
    assert abs(float(u.mean()) - 0.5) < 0.02 and abs(float(u.var()) - 1 / 12) < 0.01
