r"""Many MLPs of one architecture as one stacked model: a row of parameters per configuration.

Row :math:`r` holds configuration :math:`r`'s parameters flattened into one vector, every weight
matrix first (input to output), then every bias, so the weights are the columns ``[:, :n_weights]``
(weight decay and the penalties act there only, as in the single trainer). A layer is

.. math:: Z_r = X_r W_r^\top + b_r \qquad (X_r: (B, n_{in}),\ W_r: (n_{out}, n_{in}))

for all rows at once with ``torch.baddbmm``. Rows never mix: row :math:`r`'s loss depends on row
:math:`r`'s parameters only, so the gradient of the sum of the row losses is each row's own gradient.
"""
from __future__ import annotations

import torch
from torch import nn

from .model import MLP, make_activation


class StackedMLP:
    """The parameters of R networks of one shape, stacked, and their batched forward pass.

    Parameters
    ----------
    models : list of MLP
        Initialized networks of one architecture (no BatchNorm, no PReLU); their parameters are
        copied, the models themselves are not used afterwards.
    """

    def __init__(self, models: list[MLP]):
        first = models[0]
        self.shapes = [tuple(l.weight.shape) for l in first.linears()]          # (out, in) per layer
        self.acts: list[nn.Module] = [make_activation(b.activation_spec) for b in first.hidden]
        self.n_weights = sum(o * i for o, i in self.shapes)
        rows = []
        for m in models:
            lin = m.linears()
            rows.append(torch.cat([l.weight.detach().reshape(-1) for l in lin]
                                  + [l.bias.detach().reshape(-1) for l in lin]))
        self.theta = torch.stack(rows).requires_grad_(True)                      # (R, P) float32
        w_off, b_off = [], []
        o_w, o_b = 0, self.n_weights
        for o, i in self.shapes:
            w_off.append(o_w)
            b_off.append(o_b)
            o_w += o * i
            o_b += o
        self._w_off, self._b_off = w_off, b_off

    @property
    def rows(self) -> int:
        return int(self.theta.shape[0])

    def keep_rows(self, pos) -> None:
        """Keep only rows ``pos`` (a list of positions), in that order."""
        idx = torch.as_tensor(pos, dtype=torch.long)
        self.theta = self.theta.detach()[idx].clone().requires_grad_(True)

    def layer(self, theta: torch.Tensor, k: int) -> tuple[torch.Tensor, torch.Tensor]:
        """Layer ``k``'s weights (R, out, in) and biases (R, 1, out), views of ``theta``."""
        o, i = self.shapes[k]
        R = theta.shape[0]
        W = theta[:, self._w_off[k]:self._w_off[k] + o * i].view(R, o, i)
        b = theta[:, self._b_off[k]:self._b_off[k] + o].view(R, 1, o)
        return W, b

    def weights(self, theta: torch.Tensor | None = None) -> list[torch.Tensor]:
        """Every layer's weights (R, out, in), input to output."""
        theta = self.theta if theta is None else theta
        return [self.layer(theta, k)[0] for k in range(len(self.shapes))]

    def forward(self, x: torch.Tensor, theta: torch.Tensor | None = None,
                masks: list[torch.Tensor | None] | None = None) -> torch.Tensor:
        """Outputs (R, B, n_out) of inputs ``x`` (R, B, F) or (1, B, F) (one input for all rows).

        ``masks``: per hidden layer None or ``(keep (R, B, w) bool, keep_prob (R, 1, 1))``: inverted
        dropout :math:`h \\odot m / (1-p)`, as :class:`core.training.model.SeededDropout` computes it.
        """
        theta = self.theta if theta is None else theta
        R = theta.shape[0]
        h = x if x.shape[0] == R else x.expand(R, *x.shape[1:])
        for k, act in enumerate(self.acts):
            W, b = self.layer(theta, k)
            h = act(torch.baddbmm(b, h, W.transpose(1, 2)))
            if masks is not None and masks[k] is not None:
                keep, keep_prob = masks[k]
                h = h * keep / keep_prob
        W, b = self.layer(theta, len(self.acts))
        return torch.baddbmm(b, h, W.transpose(1, 2))


def row_losses(out: torch.Tensor, target: torch.Tensor, loss: str) -> torch.Tensor:
    """Mean data loss of each row (R,), as :func:`core.training.model.data_loss` of that row alone.

    ``out`` (R, B, K); ``target`` (R, B) or (B,) (one target for all rows): class indices for ce,
    0/1 for bce, values for regression.
    """
    R, B = out.shape[0], out.shape[1]
    if target.dim() == 1:
        target = target.expand(R, B)
    F = nn.functional
    if loss == "ce":
        per = F.cross_entropy(out.reshape(R * B, -1), target.reshape(-1), reduction="none").view(R, B)
    elif loss == "bce":
        per = F.binary_cross_entropy_with_logits(out[..., 0], target, reduction="none")
    elif loss == "mse":
        per = F.mse_loss(out[..., 0], target, reduction="none")
    elif loss == "mae":
        per = F.l1_loss(out[..., 0], target, reduction="none")
    else:
        per = F.huber_loss(out[..., 0], target, reduction="none")
    return per.mean(1)


def row_correct(out: torch.Tensor, target: torch.Tensor, loss: str) -> torch.Tensor | None:
    """Correct predictions per row (R,) int64 for a classifier (None for regression)."""
    if loss == "bce":
        pred = (out[..., 0] > 0).long()
    elif loss == "ce":
        pred = out.argmax(-1)
    else:
        return None
    return (pred == target.long()).sum(1)
