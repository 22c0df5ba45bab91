"""The data surface: mean squared error of a linear model on a seeded dataset.

Coordinates are the model's parameters ``(w, b)``, so the racers train a real
(tiny) model, and mini-batches give the genuine stochastic-gradient noise.
"""
from __future__ import annotations

import numpy as np
import torch

from core.surfaces.base import DTYPE, ParamSpec, Surface, as_points

# The data follow y = TRUE_W x + TRUE_B + noise.
TRUE_W, TRUE_B = 2.0, -1.0


class DataSurface(Surface):
    r"""MSE of :math:`\hat y = w x + b` on ``n`` seeded samples, as a surface over ``(w, b)``.

    .. math:: L(w, b) = \frac1n \sum_{i=1}^n (w x_i + b - y_i)^2,
              \qquad x_i \sim \mathcal N(\mu_x, \sigma_x^2),\quad
              y_i = 2 x_i - 1 + \text{noise}\cdot\varepsilon_i

    With ``normalize=1`` the inputs are standardized, :math:`x \leftarrow (x - \bar x)/s_x`
    (population std), which makes the Hessian :math:`2\begin{pmatrix}\overline{x^2} & \bar x\\
    \bar x & 1\end{pmatrix}` a multiple of the identity: round contours.

    Written around the least-squares solution :math:`d = (w - w^*, b - b^*)`,
    :math:`L = L^* + d^\top A d` with :math:`A = \begin{pmatrix}\overline{x^2} & \bar x\\
    \bar x & 1\end{pmatrix}`; the full-batch value and gradient cost O(1) per row and
    never lose precision to cancellation near the minimum.
    """

    name = "data"
    description = ("MSE of the linear model y = w*x + b on a seeded dataset, over (w, b); mini-batches give "
                   "real noise")
    lesson = ("Un-normalized inputs stretch the loss into a long narrow valley, and standardizing them "
              "makes the contours round so a larger learning rate works.")
    stochastic = True
    param_specs = {
        "n": ParamSpec(100, 2, 100000, "number of samples", integer=True, log=True),
        "noise": ParamSpec(0.5, 0.0, 5.0, "standard deviation of the label noise"),
        "xmean": ParamSpec(3.0, -10.0, 10.0, "mean of the inputs x"),
        "xstd": ParamSpec(1.0, 0.05, 10.0, "standard deviation of the inputs x", log=True),
        "seed": ParamSpec(0, 0, 2**31 - 1, "seed of the dataset", integer=True),
        "normalize": ParamSpec(0, 0, 1, "1: standardize x (subtract mean, divide by std)", integer=True),
    }
    start = (0.0, 0.0)  # weights initialised at zero

    def _setup(self):
        p = self.params
        n = int(p["n"])
        gen = torch.Generator().manual_seed(int(p["seed"]))
        x = p["xmean"] + p["xstd"] * torch.randn(n, generator=gen, dtype=DTYPE)
        y = TRUE_W * x + TRUE_B + p["noise"] * torch.randn(n, generator=gen, dtype=DTYPE)
        if p["normalize"]:
            x = (x - x.mean()) / x.std(correction=0)
        self._x, self._y = x, y
        self.n_samples = n
        sx, sxx = float(x.mean()), float((x * x).mean())
        self._sx, self._sxx = sx, sxx
        a = torch.tensor([[sxx, sx], [sx, 1.0]], dtype=DTYPE)
        rhs = torch.stack(((x * y).mean(), y.mean()))
        w, b = (float(v) for v in torch.linalg.solve(a, rhs))
        self._w, self._b = w, b
        self.f_min = float(((w * x + b - y) ** 2).mean())
        self.minima = [(w, b)]
        cw, cb = w / 2.0, b / 2.0  # square view holding both the start (0, 0) and the minimum
        half = max(abs(w), abs(b)) / 2.0 + 2.0
        self.domain = (cw - half, cw + half, cb - half, cb + half)

    def dataset(self) -> tuple[np.ndarray, np.ndarray]:
        """The samples ``(x, y)`` as numpy arrays (x already standardized if ``normalize=1``)."""
        return self._x.numpy().copy(), self._y.numpy().copy()

    def _f(self, x, y):
        dw, db = x - self._w, y - self._b
        return self.f_min + self._sxx * dw * dw + 2.0 * self._sx * dw * db + db * db

    def _vg(self, x, y):
        dw, db = x - self._w, y - self._b
        gw = self._sxx * dw + self._sx * db  # (A d)_w
        gb = self._sx * dw + db
        return self.f_min + dw * gw + db * gb, 2.0 * gw, 2.0 * gb

    def value_and_grad(self, xy, batch=None):
        """Loss and gradient per row; ``batch`` (N, B) int64 picks each row's mini-batch.

        Parameters
        ----------
        xy : Tensor (N, 2)
            Parameters ``(w, b)`` of ``N`` independent models.
        batch : Tensor (N, B) of int64, optional
            Sample indices in ``[0, n)``; row ``k`` gets the loss
            :math:`\\frac1B \\sum_{i \\in batch_k} (w_k x_i + b_k - y_i)^2`.
            None gives the full-batch loss.

        Returns
        -------
        value : Tensor (N,)
        grad : Tensor (N, 2)
        """
        if batch is None:
            return super().value_and_grad(xy)
        xy = as_points(xy)
        batch = torch.as_tensor(batch)
        if batch.dtype != torch.int64 or batch.ndim != 2 or batch.shape[0] != xy.shape[0] or batch.shape[1] < 1:
            raise ValueError(f"batch must be an int64 tensor of shape ({xy.shape[0]}, B>=1), "
                             f"got {batch.dtype} {tuple(batch.shape)}")
        if int(batch.min()) < 0 or int(batch.max()) >= self.n_samples:
            raise ValueError(f"batch indices must be in [0, {self.n_samples})")
        xb, yb = self._x[batch], self._y[batch]  # (N, B)
        r = xy[:, :1] * xb + xy[:, 1:] - yb  # residuals (N, B)
        grad = torch.stack(((r * xb).mean(1), r.mean(1)), dim=1) * 2.0
        return (r * r).mean(1), grad
