"""Registry specs of the lecture forms in ``core.optim.textbook``: hyperparameters, rules, nearest torch form."""
from __future__ import annotations

from core.optim.specs import HParam, OptimizerInfo
from core.optim.torch_optim import betas_spec, eps_spec, lr_spec, momentum_spec

_BETA_HELP = "How much of the previous velocity is kept each step (the lecture's beta); 0.9 is typical."


def _info(name, description, hparams, rule_torch, rule_lecture, symbols, nearest, surface_lr, **flags):
    return OptimizerInfo(name=name, description=description, textbook=True,
                         hparams={h.name: h for h in hparams}, rule_torch=rule_torch,
                         rule_lecture=rule_lecture, symbols=symbols, nearest_torch=nearest,
                         surface_lr=surface_lr, **flags)


TEXTBOOK_INFOS = [
    _info("momentum-ema", "Momentum as a moving average of gradients (lecture form): v = beta*v + (1-beta)*g.",
          [lr_spec(1e-3), momentum_spec(0.9, _BETA_HELP)],
          "nearest: sgd(lr = lr*(1-beta), momentum = beta) takes the same path:\n"
          "b <- beta*b + g;  w <- w - lr*(1-beta)*b      with b = v/(1-beta)",
          "v <- beta*v + (1-beta)*g\n"
          "w <- w - lr*v                                  (Hyp. & Reg., Dif)",
          {"momentum": "beta", "lr": "alpha (Hyp. & Reg.), eta (Dif)", "velocity": "v (V_t)",
           "sgd's momentum_buffer b": "v/(1-beta)"},
          "sgd", 0.1),
    _info("nesterov-lookahead", "Nesterov momentum (lecture form): gradient taken at the look-ahead point w + beta*v.",
          [lr_spec(1e-3), momentum_spec(0.9, _BETA_HELP)],
          "nearest: sgd(nesterov=True, momentum=beta) takes the same path at constant lr, but torch's\n"
          "parameter is the look-ahead point p = w + beta*v and its buffer is b = -v/lr:\n"
          "b <- beta*b + grad(p);  p <- p - lr*(grad(p) + beta*b)",
          "v <- beta*v - lr*grad f(w + beta*v)\n"
          "w <- w + v                                     (Kira; needs step(closure))",
          {"momentum": "beta", "lr": "alpha", "velocity": "v (a displacement: already includes lr)",
           "sgd's param p": "w + beta*v (the look-ahead point)", "sgd's momentum_buffer b": "-v/lr"},
          "sgd", 0.01, needs_closure=True),
    _info("rmsprop-lecture", "RMSProp (lecture form): eps inside the square root, rho 0.9, eps 1e-10.",
          [lr_spec(1e-2),
           HParam("alpha", 0.9, 0.0, 1.0, high_open=True,
                  help="Memory of the running mean of squared gradients (the lecture's rho); "
                       "closer to 1 remembers longer."),
           eps_spec(1e-10, "inside")],
          "nearest: rmsprop (momentum 0, not centered), which divides by sqrt(s) + eps instead:\n"
          "s <- alpha*s + (1-alpha)*g^2;  w <- w - lr*g/(sqrt(s) + eps)    (identical when eps = 0)",
          "s <- rho*s + (1-rho)*g^2\n"
          "w <- w - lr*g/sqrt(s + eps)                    (Hyp. & Reg.: rho 0.9, eps 1e-10)",
          {"alpha": "rho (Hyp. & Reg.), beta (Kira)", "lr": "mu (Hyp. & Reg.)",
           "square_avg": "v_t (Hyp. & Reg.), G (Kira)",
           "eps": "epsilon, inside the root (acts like torch's eps squared)"},
          "rmsprop", 0.01),
    _info("adagrad-lecture", "Adagrad (lecture form): eps inside the square root of the summed squared gradients.",
          [lr_spec(1e-2),
           HParam("eps", 1e-10, 0.0, 1.0, log=True, ui_range=(1e-12, 1e-1),
                  help="Tiny number inside the root; it only matters while a coordinate's gradients have been ~0.")],
          "nearest: adagrad (lr_decay 0, initial_accumulator_value 0), which divides by sqrt(G) + eps:\n"
          "G <- G + g^2;  w <- w - lr*g/(sqrt(G) + eps)                    (identical when eps = 0)",
          "G <- G + g^2\n"
          "w <- w - lr*g/sqrt(G + eps)                    (Kira; eps 1e-10)",
          {"lr": "alpha", "sum": "G", "eps": "epsilon, inside the root"},
          "adagrad", 0.5),
    _info("adam-nobias", "Adam without bias correction: early steps are about 3x Adam's with the defaults.",
          [lr_spec(1e-3), betas_spec(), eps_spec(1e-8)],
          "nearest: adam, which divides m by (1-b1^t) and s by (1-b2^t):\n"
          "w <- w - lr*(m/(1-b1^t))/(sqrt(s/(1-b2^t)) + eps)\n"
          "step 1 here is (1-b1)/sqrt(1-b2) times Adam's (eps = 0); they agree once b^t ~ 0",
          "m <- b1*m + (1-b1)*g\n"
          "s <- b2*s + (1-b2)*g^2\n"
          "w <- w - lr*m/(sqrt(s) + eps)                  (Hyp. & Reg., no bias correction)",
          {"lr": "mu (Hyp. & Reg.), alpha (Kira)", "betas": "(beta1, beta2)",
           "exp_avg": "v_t (Hyp. & Reg., Kira): running mean of g", "exp_avg_sq": "s_t (Hyp. & Reg.), G (Kira)",
           "eps": "epsilon, outside the root as torch (Hyp. & Reg. writes it inside)"},
          "adam", 0.05),
    _info("newton", "Damped Newton's method: step by the inverse Hessian times the gradient (2-D surfaces only).",
          [HParam("lr", 1.0, 0.0, 1e3, log=True, ui_range=(1e-3, 10.0),
                  help="Fraction of the Newton step to take: 1 jumps to the minimum of the local quadratic."),
           HParam("damping", 1e-3, 0.0, 1e6, log=True, ui_range=(1e-8, 1e2),
                  help="Added to the Hessian's diagonal: 0 is pure Newton, large turns it into small gradient steps.")],
          "no torch.optim counterpart (LBFGS approximates H^-1 from past gradients and is not elementwise)",
          "w <- w - lr*(H + damping*I)^-1 g               (per row; a singular row takes w <- w - lr*g)",
          {"lr": "alpha", "damping": "lambda (Levenberg-Marquardt damping)", "H": "Hessian of f at w"},
          None, 1.0, needs_hessian=True),
]
