r"""The gradient a step sees, per row: the surface's, plus seeded noise, or a seeded mini-batch's.

For row :math:`i` (noise stream ``row_id`` :math:`r_i`) at step :math:`t`:

.. math::
    g_i = \nabla L(x_i) + \sigma\, \xi_{i,t}, \qquad \xi_{i,t} \sim N(0, I_2)

with :math:`\xi_{i,t}` from the counter-based generator :mod:`core.trajectories.rng` keyed by
:math:`(\mathrm{seed}, r_i, t)` (``grad_noise`` :math:`\sigma`); on a stochastic surface with
``batch_size`` :math:`B` the clean part is the mini-batch mean

.. math::
    \nabla L_B(x_i) = \frac{1}{B} \sum_{j=1}^{B} \nabla \ell_{k_{i,t,j}}(x_i), \qquad
    k_{i,t,j} \in \{0, \dots, n-1\} \text{ drawn with replacement from the same keys.}

A row therefore sees the same noise alone or inside any map (docs/traps.md).
"""
from __future__ import annotations

import torch

from core.surfaces import Surface
from core.trajectories.rng import normals, randint, row_keys

__all__ = ["Gradients"]


class Gradients:
    """The gradient as the optimizer sees it, per row: surface + seeded noise or a mini-batch.

    Parameters
    ----------
    surface : core.surfaces.Surface
    racer : core.trajectories.racer.Racer
        Its ``grad_noise``, ``batch_size`` and ``seed`` are used.
    row_ids : Tensor (N,) int64
        Noise stream of each row.
    fast : bool
        Call the surface's closed form on the two coordinate columns directly (maps: skips the
        (N, 2) re-stacking). Taken only where it is exactly what ``value_and_grad`` computes.
    """

    def __init__(self, surface, racer, row_ids: torch.Tensor, fast: bool = False):
        self.surface = surface
        self.sigma = float(racer.grad_noise)
        self.batch = racer.batch_size
        self.keys = row_keys(racer.seed, row_ids) if (self.sigma or self.batch) else None  # (N,)
        self.fast = None
        # Only where value_and_grad is the base version (f, df/dx, df/dy of core.surfaces.base), so
        # calling _vg on the columns is exactly what value_and_grad computes.
        if fast and not self.batch and type(surface).value_and_grad is Surface.value_and_grad \
                and hasattr(surface, "_vg"):
            self.fast = surface._vg

    def __call__(self, xy: torch.Tensor, t: int, rows: torch.Tensor | None = None):
        """Loss and gradients at ``xy`` (N, 2) for step ``t``.

        Parameters
        ----------
        xy : Tensor (N, 2)
        t : int
            The step that will use this gradient (its noise / batch counter).
        rows : Tensor, optional
            Selects the keys when ``xy`` holds a subset of the rows.

        Returns
        -------
        loss : Tensor (N,)
            Full-batch loss, or the mini-batch's with ``batch_size``.
        clean : Tensor (N, 2)
            Gradient without the noise (the outcome tests use it).
        used : Tensor (N, 2)
            :math:`g_i` above: what the optimizer steps with.
        """
        keys = self.keys if rows is None or self.keys is None else self.keys[rows]
        if self.fast is not None:
            out = self.fast(xy[:, 0], xy[:, 1])
            if out is not None and all(isinstance(v, torch.Tensor) and v.shape == xy.shape[:1] for v in out):
                loss, gx, gy = out
                g = torch.stack((gx, gy)).T  # (N, 2) view of a (2, N) block: same layout as a map's x
                return (loss, g, g + self.sigma * normals(keys, t)) if self.sigma else (loss, g, g)
        if self.batch:
            loss, g = self.surface.value_and_grad(xy, randint(keys, t, self.surface.n_samples, self.batch))
        else:
            loss, g = self.surface.value_and_grad(xy)
        if self.sigma:
            return loss, g, g + self.sigma * normals(keys, t)
        return loss, g, g
