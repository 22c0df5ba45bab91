r"""The lecture notes' optimizer forms that torch.optim lacks, written in torch.optim's style.

Each class validates its hyperparameters in the constructor (``ValueError``), keeps ``defaults``,
``param_groups`` and ``state`` like torch, and round-trips through ``state_dict()``. Every update is
elementwise except :class:`Newton`, which works on rows of a 2-D point.

How each relates to the nearest torch optimizer (tested in tests/test_textbook.py):

* :class:`MomentumEMA` = ``SGD(lr=lr*(1-beta), momentum=beta)`` with :math:`v = (1-\beta) b`.
* :class:`NesterovLookahead` = ``SGD(nesterov=True, momentum=beta)``; torch's parameter is the
  look-ahead point :math:`w + \beta v`, and its buffer is :math:`b = -v/\mathrm{lr}`.
* :class:`RMSpropLecture` = ``RMSprop`` with eps moved inside the square root.
* :class:`AdagradLecture` = ``Adagrad`` with eps moved inside the square root.
* :class:`AdamNoBias` = ``Adam`` without the bias corrections :math:`1/(1-\beta_1^t)`, :math:`1/(1-\beta_2^t)`.
* :class:`Newton` has no torch counterpart.
"""
from __future__ import annotations

import torch

from core.optim.textbook_base import TextbookOptimizer, _betas, _call_closure, _check
from core.optim.textbook_newton import Newton


def _momentum_defaults(lr, momentum) -> dict:
    """The checked defaults of both momentum forms (torch-style ValueError)."""
    _check("learning rate", lr, 0.0)
    _check("momentum value", momentum, 0.0, 1.0, high_open=True)
    return dict(lr=lr, momentum=momentum)


class MomentumEMA(TextbookOptimizer):
    r"""Momentum as an exponential moving average of gradients ("Hyperparameters and Regularization"; Dif, "Deep Learning").

    .. math::
        v_t = \beta v_{t-1} + (1-\beta) g_t, \qquad w_t = w_{t-1} - \mathrm{lr}\, v_t

    Same path as ``torch.optim.SGD(lr=lr*(1-beta), momentum=beta)``: torch's buffer is
    :math:`b_t = \beta b_{t-1} + g_t = v_t/(1-\beta)`.

    Parameters
    ----------
    params : iterable of Tensor or dict
    lr : float, default 1e-3
    momentum : float in [0, 1), default 0.9
        :math:`\beta`. State: ``velocity`` (:math:`v`).
    """

    def __init__(self, params, lr: float = 1e-3, momentum: float = 0.9):
        super().__init__(params, _momentum_defaults(lr, momentum))

    STATE = ("velocity",)

    def update(self, p, grad, group, state):
        v = state["velocity"]
        v.mul_(group["momentum"]).add_(grad, alpha=1.0 - group["momentum"])
        p.add_(v, alpha=-group["lr"])


class NesterovLookahead(TextbookOptimizer):
    r"""Nesterov momentum as in Kira's lecture: take the gradient at the look-ahead point.

    .. math::
        v_t = \beta v_{t-1} - \mathrm{lr}\, \nabla f(w_{t-1} + \beta v_{t-1}), \qquad w_t = w_{t-1} + v_t

    ``step(closure)`` needs a closure that zeroes the gradients, evaluates the loss and calls
    ``backward()``: the optimizer moves every parameter to :math:`w + \beta v`, calls the closure
    there, puts the parameters back to :math:`w` and then applies the update. The returned loss and
    the ``.grad`` left on the parameters are those at the look-ahead point.

    ``torch.optim.SGD(nesterov=True, momentum=beta)`` at constant lr takes the same path with
    torch's parameter :math:`p_t = w_t + \beta v_t` (the look-ahead point) and buffer
    :math:`b_t = -v_t/\mathrm{lr}`.

    Parameters
    ----------
    params : iterable of Tensor or dict
    lr : float, default 1e-3
    momentum : float in [0, 1), default 0.9
        :math:`\beta`. State: ``velocity`` (:math:`v`).
    """

    def __init__(self, params, lr: float = 1e-3, momentum: float = 0.9):
        super().__init__(params, _momentum_defaults(lr, momentum))

    STATE = ("velocity",)

    def update(self, p, grad, group, state):  # grad: taken at the look-ahead point by step()
        v = state["velocity"]
        v.mul_(group["momentum"]).add_(grad, alpha=-group["lr"])
        p.add_(v)

    @torch.no_grad()
    def step(self, closure=None):
        if closure is None:
            raise ValueError("nesterov-lookahead needs step(closure): the closure must zero the grads, "
                             "compute the loss and call backward(), so the gradient can be taken at w + beta*v")
        saved = []
        for group in self.param_groups:
            for p in group["params"]:
                saved.append((p, p.clone()))
                p.add_(self._state(p)["velocity"], alpha=group["momentum"])  # move to the look-ahead point
        try:
            loss = _call_closure(closure)
        finally:
            for p, w in saved:  # back to w even if the closure raised
                p.copy_(w)
        super().step()  # the update with the look-ahead gradient left in .grad
        return loss


class RMSpropLecture(TextbookOptimizer):
    r"""RMSProp as in the "Hyperparameters and Regularization" notes, with eps inside the square root.

    .. math::
        s_t = \rho s_{t-1} + (1-\rho) g_t^2, \qquad w_t = w_{t-1} - \mathrm{lr}\, \frac{g_t}{\sqrt{s_t + \epsilon}}

    torch's RMSprop divides by :math:`\sqrt{s_t} + \epsilon`; with eps = 0 the two are identical.

    Parameters
    ----------
    params : iterable of Tensor or dict
    lr : float, default 1e-2
    alpha : float in [0, 1), default 0.9
        The lecture's :math:`\rho` (named as torch names it). State: ``square_avg`` (:math:`s`).
    eps : float, default 1e-10
        Inside the root, so it acts like torch's eps squared.
    """

    def __init__(self, params, lr: float = 1e-2, alpha: float = 0.9, eps: float = 1e-10):
        _check("learning rate", lr, 0.0)
        _check("alpha value", alpha, 0.0, 1.0, high_open=True)
        _check("epsilon value", eps, 0.0)
        super().__init__(params, dict(lr=lr, alpha=alpha, eps=eps))

    STATE = ("square_avg",)

    def update(self, p, grad, group, state):
        s, rho = state["square_avg"], group["alpha"]
        s.mul_(rho).addcmul_(grad, grad, value=1.0 - rho)
        p.addcdiv_(grad, s.add(group["eps"]).sqrt_(), value=-group["lr"])


class AdagradLecture(TextbookOptimizer):
    r"""Adagrad as in Kira's lecture, with eps inside the square root.

    .. math::
        G_t = G_{t-1} + g_t^2, \qquad w_t = w_{t-1} - \mathrm{lr}\, \frac{g_t}{\sqrt{G_t + \epsilon}}

    Parameters
    ----------
    params : iterable of Tensor or dict
    lr : float, default 1e-2
    eps : float, default 1e-10
        Only guards the division where a coordinate's gradient has been exactly zero so far. Inside
        the root it floors the denominator at :math:`\sqrt{\epsilon} = 10^{-5}` and changes a step by
        a relative :math:`\epsilon/(2G)`, below 1e-6 once :math:`G > 10^{-4}`; it is also torch
        Adagrad's default. State: ``sum`` (:math:`G`).
    """

    def __init__(self, params, lr: float = 1e-2, eps: float = 1e-10):
        _check("learning rate", lr, 0.0)
        _check("epsilon value", eps, 0.0)
        super().__init__(params, dict(lr=lr, eps=eps))

    STATE = ("sum",)

    def update(self, p, grad, group, state):
        G = state["sum"]
        G.addcmul_(grad, grad)
        p.addcdiv_(grad, G.add(group["eps"]).sqrt_(), value=-group["lr"])


class AdamNoBias(TextbookOptimizer):
    r"""Adam without bias correction, as in "Hyperparameters and Regularization" (second moment as intended).

    .. math::
        m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t, \quad
        s_t = \beta_2 s_{t-1} + (1-\beta_2) g_t^2, \quad
        w_t = w_{t-1} - \mathrm{lr}\, \frac{m_t}{\sqrt{s_t} + \epsilon}

    torch's Adam uses :math:`\hat m_t = m_t/(1-\beta_1^t)` and :math:`\hat s_t = s_t/(1-\beta_2^t)`.
    Without them the first step is about :math:`(1-\beta_1)/\sqrt{1-\beta_2}` times Adam's (0.1/0.0316
    = 3.16x larger with the defaults); once :math:`\beta^t \approx 0` the two agree.

    Parameters
    ----------
    params : iterable of Tensor or dict
    lr : float, default 1e-3
    betas : (float, float), default (0.9, 0.999)
    eps : float, default 1e-8
        Outside the root, as torch. State: ``exp_avg`` (:math:`m`), ``exp_avg_sq`` (:math:`s`).
    """

    def __init__(self, params, lr: float = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8):
        _check("learning rate", lr, 0.0)
        betas = _betas(betas)
        _check("epsilon value", eps, 0.0)
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps))

    STATE = ("exp_avg", "exp_avg_sq")

    def update(self, p, grad, group, state):
        (b1, b2), m, s = group["betas"], state["exp_avg"], state["exp_avg_sq"]
        m.mul_(b1).add_(grad, alpha=1.0 - b1)
        s.mul_(b2).addcmul_(grad, grad, value=1.0 - b2)
        p.addcdiv_(m, s.sqrt().add_(group["eps"]), value=-group["lr"])


TEXTBOOK_CLASSES = {
    "momentum-ema": MomentumEMA,
    "nesterov-lookahead": NesterovLookahead,
    "rmsprop-lecture": RMSpropLecture,
    "adagrad-lecture": AdagradLecture,
    "adam-nobias": AdamNoBias,
    "newton": Newton,
}
