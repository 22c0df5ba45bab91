r"""What a run is given: the :class:`Racer` (one optimizer set-up) and the checks of its starts and steps.

Every entry point (:class:`~core.trajectories.trajectory_run.TrajectoryRun`,
:func:`~core.trajectories.maps.run_map`) validates here, so that a bad value is refused with one
``ValueError`` naming the field before any tensor is built.
"""
from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field

import numpy as np
import torch

from core.optim import validate_hparams

__all__ = ["Racer", "as_starts", "check_steps", "as_row_ids"]


@dataclass
class Racer:
    r"""One optimizer configuration: what a racer on the surface is.

    Attributes
    ----------
    optimizer : str
        Registry name (``core.optim.list_optimizers``).
    hparams : dict
        Only the hyperparameters to set; the rest take the optimizer's defaults.
    schedule : str or None
        Learning-rate schedule spec (``core.optim.schedules``), None for a constant rate.
    grad_noise : float
        :math:`\sigma` of the Gaussian noise added to every gradient component.
    batch_size : int or None
        Mini-batch size on a stochastic (data) surface; None uses the full batch.
    seed : int
        Seed of the per-row noise / batch streams.
    """

    optimizer: str
    hparams: dict = field(default_factory=dict)
    schedule: str | None = None
    grad_noise: float = 0.0
    batch_size: int | None = None
    seed: int = 0

    def check(self, surface) -> dict:
        """Validate this racer against ``surface``.

        Parameters
        ----------
        surface : core.surfaces.Surface
            ``batch_size`` is only allowed on a stochastic (data) surface.

        Returns
        -------
        dict
            The full hyperparameter dict (defaults filled in).

        Raises
        ------
        ValueError
            Naming the bad field and its allowed range.
        """
        hp = validate_hparams(self.optimizer, **self.hparams)
        sigma = self.grad_noise
        if not isinstance(sigma, numbers.Real) or isinstance(sigma, bool) or not math.isfinite(sigma) or sigma < 0:
            raise ValueError(f"grad_noise must be a finite number >= 0, got {sigma!r}")
        if self.batch_size is not None:
            b = self.batch_size
            if isinstance(b, bool) or not isinstance(b, numbers.Integral) or b < 1:
                raise ValueError(f"batch_size must be a whole number >= 1, got {b!r}")
            if not getattr(surface, "stochastic", False):
                raise ValueError(f"batch_size needs a data surface; {surface.name!r} has no samples "
                                 "(use grad_noise for noisy gradients)")
        if isinstance(self.seed, bool) or not isinstance(self.seed, numbers.Integral):
            raise ValueError(f"seed must be a whole number, got {self.seed!r}")
        return hp


def as_starts(start) -> tuple[torch.Tensor, bool]:
    """Starting points as a float64 tensor.

    Parameters
    ----------
    start : (x, y) or array_like (N, 2)

    Returns
    -------
    starts : Tensor (N, 2), float64
        A copy (N = 1 for a single point).
    single : bool
        True when ``start`` was one ``(x, y)`` pair (results then drop the row axis).

    Raises
    ------
    ValueError
        On any other shape, or a non-finite coordinate.
    """
    arr = np.asarray(start, dtype=np.float64)
    single = arr.ndim == 1
    arr = arr.reshape(-1, 2) if arr.size % 2 == 0 and arr.ndim <= 2 else None
    if arr is None or arr.shape[0] < 1 or (single and arr.shape[0] != 1):
        raise ValueError(f"start must be (x, y) or an (N, 2) array, got shape {np.shape(start)}")
    if not np.isfinite(arr).all():
        raise ValueError("start must be finite")
    return torch.tensor(arr, dtype=torch.float64), single


def check_steps(steps) -> int:
    """``steps`` as an int; ValueError unless it is a whole number >= 0 (bool refused)."""
    if isinstance(steps, bool) or not isinstance(steps, numbers.Integral) or steps < 0:
        raise ValueError(f"steps must be a whole number >= 0, got {steps!r}")
    return int(steps)


def as_row_ids(row_ids, n: int) -> torch.Tensor:
    """Noise stream ids of ``n`` rows as an int64 tensor (N,); None gives ``0 .. n-1``.

    Raises
    ------
    ValueError
        When ``row_ids`` does not hold exactly ``n`` ids.
    """
    ids = torch.arange(n) if row_ids is None else torch.as_tensor(np.asarray(row_ids), dtype=torch.int64).reshape(-1)
    if ids.shape != (n,):
        raise ValueError(f"row_ids must have shape ({n},), got {tuple(ids.shape)}")
    return ids
