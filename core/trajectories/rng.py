"""Counter-based random numbers: one stream per (seed, row), addressable by step.

A map steps thousands of trajectories at once. If the noise came from one shared
generator, row 17's noise would depend on how many rows came before it, and a
cell replayed alone would see different noise (docs/traps.md). Here every random
number is a pure function

.. math::  u = H(\\text{seed}, \\text{row}, \\text{step}, k)

built from the splitmix64 finaliser (Steele, Lea & Flood 2014) in int64 torch
ops, so row ``r`` at step ``t`` draws the same numbers whether it runs alone or
inside a map of 10,000 rows.

torch's int64 multiply wraps modulo :math:`2^{64}` (two's complement) and its
``>>`` is an arithmetic shift, so a logical shift is written as
``(z >> s) & (2^{64-s} - 1)``.
"""
from __future__ import annotations

import math

import torch

__all__ = ["row_keys", "uniforms", "normals", "randint"]

_M64 = (1 << 64) - 1


def _i64(c: int) -> int:
    """An unsigned 64-bit constant as the signed int64 with the same bits."""
    c &= _M64
    return c - (1 << 64) if c >= (1 << 63) else c


_GOLDEN = _i64(0x9E3779B97F4A7C15)
_C1 = _i64(0xBF58476D1CE4E5B9)
_C2 = _i64(0x94D049BB133111EB)
_STEP = _i64(0xD1B54A32D192ED03)  # odd multiplier that spreads step counters apart


def _srl(z: torch.Tensor, s: int) -> torch.Tensor:
    """Logical right shift of int64 bits."""
    return (z >> s) & ((1 << (64 - s)) - 1)


def _mix(z: torch.Tensor) -> torch.Tensor:
    """splitmix64 finaliser: a bijection of 64-bit words with full avalanche."""
    z = (z ^ _srl(z, 30)) * _C1
    z = (z ^ _srl(z, 27)) * _C2
    return z ^ _srl(z, 31)


def row_keys(seed: int, row_ids) -> torch.Tensor:
    """Per-row keys ``H(seed, row)``, computed once per run.

    Parameters
    ----------
    seed : int
    row_ids : array_like of int, shape (N,)

    Returns
    -------
    Tensor, int64, shape (N,)
    """
    rows = torch.as_tensor(row_ids, dtype=torch.int64).reshape(-1)  # (N,)
    s = _mix(torch.tensor(_i64(int(seed) * 0x9E3779B97F4A7C15 + 0x632BE59BD9B4E019), dtype=torch.int64))
    return _mix(s + rows * _GOLDEN)  # (N,)


def _bits(keys: torch.Tensor, step: int, k: int) -> torch.Tensor:
    """64 random bits per row for counter (step, k): shape of ``keys``."""
    return _mix(_mix(keys + _i64(step * _STEP)) + _i64((k + 1) * _GOLDEN))


def _mix_int(z: int) -> int:
    """:func:`_mix` on one unsigned 64-bit Python int (the same bits)."""
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _M64
    return z ^ (z >> 31)


def _bits_int(key: int, step: int, k: int) -> int:
    """:func:`_bits` for one key, on Python ints: the same 64 bits, unsigned."""
    return _mix_int((_mix_int((key + step * _STEP) & _M64) + (k + 1) * _GOLDEN) & _M64)


SMALL = 16  # up to this many rows, plain Python ints beat ~40 tiny torch ops (a racer: 1 row; bench_drawing)


def uniforms(keys: torch.Tensor, step: int, k: int) -> torch.Tensor:
    """Uniforms in (0, 1] from the top 53 bits: shape of ``keys``, float64.

    For a few rows (a racer on the optimizer page) the hashing runs on Python ints: the same
    bits, cheaper than ~40 tiny torch ops (bench/bench_drawing.py). The 53-bit integers convert to float64 exactly,
    so both paths give identical numbers (``tests/test_rng.py`` checks them bit for bit).
    """
    if keys.numel() <= SMALL:
        vals = [((_bits_int(key, step, k) >> 11) + 1) * 2.0**-53 for key in keys.reshape(-1).tolist()]
        return torch.tensor(vals, dtype=torch.float64).reshape(keys.shape)
    return (_srl(_bits(keys, step, k), 11) + 1).to(torch.float64) * 2.0**-53


def normals(keys: torch.Tensor, step: int, d: int = 2) -> torch.Tensor:
    """Standard normals, one row of ``d`` per key, by Box-Muller.

    .. math::  z_0 = \\sqrt{-2\\ln u_1}\\cos(2\\pi u_2),\\quad z_1 = \\sqrt{-2\\ln u_1}\\sin(2\\pi u_2)

    Parameters
    ----------
    keys : Tensor, int64, (N,)
        From :func:`row_keys`.
    step : int
        The step counter: each step draws fresh numbers.
    d : int
        Normals per row.

    Returns
    -------
    Tensor, float64, (N, d)
    """
    cols = []
    for j in range((d + 1) // 2):
        u1 = uniforms(keys, step, 2 * j)  # (N,) in (0, 1]: log is finite
        u2 = uniforms(keys, step, 2 * j + 1)  # (N,)
        r = torch.sqrt(-2.0 * torch.log(u1))
        a = (2.0 * math.pi) * u2
        cols += [r * torch.cos(a), r * torch.sin(a)]
    return torch.stack(cols[:d], dim=1)  # (N, d)


def randint(keys: torch.Tensor, step: int, n: int, size: int) -> torch.Tensor:
    """``size`` indices in ``[0, n)`` per row, drawn WITH replacement.

    Each index is ``H(seed, row, step, j) mod n`` on 63 bits; the modulo bias is
    below :math:`n / 2^{63}`, negligible for any data set that fits in memory.

    Returns
    -------
    Tensor, int64, (N, size)
    """
    if n <= 0:
        raise ValueError(f"cannot draw indices from an empty set (n={n})")
    if keys.numel() * size <= 4 * SMALL:  # a racer's mini-batch: Python ints, the same bits
        rows = [[(_bits_int(key, step, j) >> 1) % n for j in range(1000, 1000 + size)]
                for key in keys.reshape(-1).tolist()]
        return torch.tensor(rows, dtype=torch.int64).reshape(-1, size)
    j = torch.arange(1000, 1000 + size, dtype=torch.int64)  # counters apart from the normals' k
    h = _mix(_mix(keys + _i64(step * _STEP))[:, None] + (j + 1) * _GOLDEN)  # (N, size)
    return _srl(h, 1) % n  # (N, size)
