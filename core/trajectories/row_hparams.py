r"""Per-row hyperparameters of a map: their validation, their learning rates, and torch.optim groups.

A map may give each row :math:`i` its own values (``row_hparams``: ``lr``, ``momentum``, ``betas`` ...).
torch.optim has one value per parameter group, so optimizers without a row-wise form
(:data:`core.optim.ROWWISE_OPTIMIZERS`) step one tensor per group of rows sharing their values
(:class:`GroupedTorch`). Ten thousand rows usually hold a few dozen distinct combinations, so each is
validated once.

With a schedule :math:`s` the rate of row :math:`i` at step :math:`t` is entry :math:`t-1` of the
schedule built from that row's own starting rate,

.. math::
    \mathrm{lr}_{i,t} = s(\mathrm{lr}_{0,i})[t-1],

not :math:`\mathrm{lr}_{0,i}` times one shared curve: cosine's ``eta_min`` and cyclic's ``base_lr``
are absolute, so a schedule is not always proportional to its starting rate.
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

from core.optim import make_optimizer, optimizer_info, schedule_values, validate_hparams

__all__ = ["row_table", "row_rates", "GroupedTorch"]


def _combinations(table: dict, n: int, inverse: bool = False):
    """Distinct rows of the value table ((K, columns) float64), and each row's index into them."""
    cols = [table[k].reshape(n, -1).astype(np.float64) for k in table]  # pairs take two columns
    return np.unique(np.concatenate(cols, axis=1), axis=0, return_inverse=inverse)


def row_table(name: str, base: dict, row_hparams: dict | None, n: int) -> dict:
    """Validate per-row hyperparameters.

    Parameters
    ----------
    name : str
        Canonical optimizer name.
    base : dict
        The racer's full hyperparameters (the values a row does not override).
    row_hparams : dict[str, array_like], optional
        (N,) per hyperparameter, (N, 2) for pairs (``betas``, ``etas``).
    n : int
        Rows of the map.

    Returns
    -------
    dict[str, ndarray]
        Name -> (N,) or (N, 2) array; empty without ``row_hparams``.

    Raises
    ------
    ValueError
        An unknown name, a wrong shape, or a combination ``validate_hparams`` refuses.
    """
    if not row_hparams:
        return {}
    info = optimizer_info(name)
    table = {}
    for k, v in row_hparams.items():
        if k not in info.hparams:
            raise ValueError(f"{name}: unknown hyperparameter {k!r}; valid: {', '.join(info.hparams)}")
        arr = np.asarray(v)
        want = (n, 2) if info.hparams[k].kind == "pair" else (n,)
        if arr.shape != want:
            raise ValueError(f"row hyperparameter {k!r} must have shape {want}, got {arr.shape}")
        table[k] = arr
    for row in _combinations(table, n):  # each distinct combination once
        hp, j = dict(base), 0
        for k in table:
            spec = info.hparams[k]
            if spec.kind == "pair":
                hp[k] = (float(row[j]), float(row[j + 1]))
                j += 2
            else:
                hp[k] = float(row[j])  # a switch as 1.0/0.0: validate_hparams refuses 0.5 here, not later
                j += 1
        validate_hparams(name, **hp)
    return table


def row_rates(schedule: str | None, lr0: float, table: dict, n: int, steps: int) -> Callable[[int], object]:
    """The learning rate of every row at step ``t``, as a function of ``t``.

    Parameters
    ----------
    schedule : str or None
        Schedule spec; None for constant rates.
    lr0 : float
        The racer's rate (rows without their own ``lr``).
    table : dict
        From :func:`row_table`; its ``lr`` column (N,), if any, gives each row's starting rate.
    n : int
    steps : int
        Length the schedules are built for.

    Returns
    -------
    callable(t) -> float or Tensor (N, 1)
        The rate of step ``t`` (1-based, schedule entry ``t - 1``): a float when every row shares
        it, else one value per row. One schedule is computed per distinct ``lr``.
    """
    # (steps+1,) entry t-1 = the rate of step t; from lr0 itself (a schedule is not always proportional to lr0)
    sched_vals = schedule_values(schedule, float(lr0), max(steps, 1)) if schedule else None
    if schedule and "lr" in table:
        lr_u, lr_inv = np.unique(table["lr"].astype(np.float64), return_inverse=True)
        lr_tab = torch.from_numpy(np.stack([schedule_values(schedule, float(v), max(steps, 1))
                                            for v in lr_u]))  # (K, steps+1)
        lr_inv = torch.from_numpy(lr_inv.reshape(-1))
    lr_rows = torch.from_numpy(table["lr"].astype(np.float64)).reshape(n, 1) if "lr" in table else None  # (N, 1)

    def lr_at(t: int):
        if lr_rows is None:
            return float(sched_vals[t - 1]) if sched_vals is not None else lr0
        if sched_vals is None:
            return lr_rows
        return lr_tab[:, t - 1][lr_inv].reshape(n, 1)

    return lr_at


class GroupedTorch:
    """torch.optim on one tensor per group of rows sharing hyperparameters (non-row-wise optimizers).

    Parameters
    ----------
    name : str
        Canonical optimizer name.
    base : dict
        The racer's full hyperparameters.
    table : dict
        From :func:`row_table` (empty: one group of every row).
    x : Tensor (N, 2)
        Starting points (copied per group).
    schedule : str or None
        Each group's rate follows the schedule built from its own ``lr``.
    steps : int
    """

    def __init__(self, name: str, base: dict, table: dict, x: torch.Tensor, schedule, steps: int):
        n = x.shape[0]
        self.groups = []
        if table:
            uniq, inv = _combinations(table, n, inverse=True)
            inv = inv.reshape(-1)
        else:
            uniq, inv = [None], np.zeros(n, dtype=np.int64)
        for gi, row in enumerate(uniq):
            hp = dict(base)
            if row is not None:
                j = 0
                for k in table:
                    if table[k].ndim == 2:
                        hp[k] = (float(row[j]), float(row[j + 1]))
                        j += 2
                    else:
                        hp[k] = bool(row[j]) if table[k].dtype == bool else float(row[j])
                        j += 1
            idx = torch.from_numpy(np.nonzero(inv == gi)[0])
            p = x[idx].clone().requires_grad_(False)  # (n_g, 2)
            opt = make_optimizer(name, [p], **hp)
            lrs = schedule_values(schedule, float(hp["lr"]), steps) if schedule else None  # (steps+1,)
            self.groups.append((idx, p, opt, float(hp["lr"]), lrs))

    def step(self, x: torch.Tensor, g: torch.Tensor, t: int, act: torch.Tensor | None) -> torch.Tensor:
        """Step every group at step ``t``; writes ``x`` (N, 2) in place.

        Parameters
        ----------
        x, g : Tensor (N, 2)
            Positions and the gradients to step with.
        t : int
            1-based step (selects each group's scheduled rate).
        act : Tensor (N, 1) or None
            1 for moving rows, 0 for frozen ones (kept where they are); None: every row moves.

        Returns
        -------
        Tensor (N, 2)
            The step taken.
        """
        old = x.clone()  # (N, 2)
        for idx, p, opt, lr0, lrs in self.groups:
            for group in opt.param_groups:
                group["lr"] = lr0 if lrs is None else float(lrs[t - 1])  # the rate of step t
            p.grad = g[idx]
            opt.step()
            x[idx] = p
        if act is not None:
            torch.where(act.bool(), x, old, out=x)
        return x - old  # (N, 2)
