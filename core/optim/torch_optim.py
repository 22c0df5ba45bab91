"""Specs of the torch.optim optimizers in the registry: hyperparameters, update rules, symbol maps.

The list is closed and elementwise only (Adafactor, LBFGS and Muon are not elementwise: rows stepped
together would differ from rows stepped alone, docs/traps.md). Defaults are torch 2.x defaults.
"""
from __future__ import annotations

import torch

from core.optim.specs import HParam, OptimizerInfo

# name -> torch class; stepped by torch.optim itself.
TORCH_CLASSES = {
    "sgd": torch.optim.SGD, "adam": torch.optim.Adam, "adamw": torch.optim.AdamW,
    "adamax": torch.optim.Adamax, "nadam": torch.optim.NAdam, "radam": torch.optim.RAdam,
    "rmsprop": torch.optim.RMSprop, "adagrad": torch.optim.Adagrad, "adadelta": torch.optim.Adadelta,
    "asgd": torch.optim.ASGD, "rprop": torch.optim.Rprop,
}


def lr_spec(default: float) -> HParam:
    return HParam("lr", default, 0.0, 1e3, log=True, ui_range=(1e-5, 10.0),
                  help="Learning rate: how far each update moves the weights.")


def eps_spec(default: float, where: str = "outside") -> HParam:
    return HParam("eps", default, 0.0, 1.0, log=True, ui_range=(1e-12, 1e-1),
                  help=f"Tiny number added {where} the square root so the step never divides by zero.")


def betas_spec(default=(0.9, 0.999)) -> HParam:
    return HParam("betas", default, 0.0, 1.0, kind="pair", high_open=True,
                  help="Memory of the running averages of the gradient (beta1) and of its square (beta2); "
                       "closer to 1 remembers longer.")


def momentum_spec(default: float, help: str) -> HParam:
    return HParam("momentum", default, 0.0, 1.0, high_open=True, help=help)


WD = HParam("weight_decay", 0.0, 0.0, 10.0, ui_range=(0.0, 1.0),
            help="Adds weight_decay*w to the gradient, pulling every weight toward 0 (L2 penalty).")
WD_DECOUPLED = HParam("weight_decay", 0.01, 0.0, 10.0, ui_range=(0.0, 1.0),
                      help="Shrinks the weights by lr*weight_decay*w each step, outside the adaptive scaling.")
AMSGRAD = HParam("amsgrad", False, kind="bool",
                 help="Divide by the largest squared-gradient average seen so far, so steps never grow back.")
DECOUPLED = HParam("decoupled_weight_decay", False, kind="bool",
                   help="Apply weight decay directly to the weights (as AdamW) instead of adding it to the gradient.")


def _sgd_check(hp: dict) -> None:
    if hp["nesterov"] and (hp["momentum"] <= 0 or hp["dampening"] != 0):
        raise ValueError("sgd: nesterov=True requires momentum > 0 and dampening = 0 (torch's rule), got "
                         f"momentum={hp['momentum']!r}, dampening={hp['dampening']!r}")


def _rprop_check(hp: dict) -> None:
    minus, plus = hp["etas"]
    if not 0.0 < minus < 1.0 < plus:
        raise ValueError(f"rprop: etas must satisfy 0 < etas[0] < 1 < etas[1], got {hp['etas']!r}")
    lo, hi = hp["step_sizes"]
    if not 0.0 <= lo <= hi:
        raise ValueError("rprop: step_sizes must satisfy 0 <= step_sizes[0] <= step_sizes[1], "
                         f"got {hp['step_sizes']!r}")


_ADAM_LECTURE = ("v <- b1*v + (1-b1)*dL/dw;  G <- b2*G + (1-b2)*(dL/dw)^2\n"
                 "v^ = v/(1-b1^t);  G^ = G/(1-b2^t)\n"
                 "w <- w - alpha*v^/sqrt(G^ + eps)        (Kira; eps inside the root)")
_ADAM_SYMBOLS = {
    "lr": "alpha (Kira), mu (Hyp. & Reg.)",
    "betas": "(beta1, beta2)",
    "exp_avg m": "v: running mean of the gradient (first moment)",
    "exp_avg_sq v": "G (Kira) or s (Hyp. & Reg.): running mean of the squared gradient",
    "eps": "epsilon; torch adds it outside the root, the lecture inside (lecture eps ~ torch eps^2)",
    "weight_decay": "lambda of the L2 penalty (Hyp. & Reg.); torch adds weight_decay*w to g",
}
_ADAM_TORCH = ("g <- grad + weight_decay*w\n"
               "m <- b1*m + (1-b1)*g;  v <- b2*v + (1-b2)*g^2\n"
               "m^ = m/(1-b1^t);  v^ = v/(1-b2^t)      (amsgrad: v^ uses the running max of v)\n"
               "w <- w - lr*m^/(sqrt(v^) + eps)")


def _info(name, description, hparams, rule_torch, rule_lecture, symbols, surface_lr, checks=()):
    return OptimizerInfo(name=name, description=description, textbook=False,
                         hparams={h.name: h for h in hparams}, rule_torch=rule_torch,
                         rule_lecture=rule_lecture, symbols=symbols, surface_lr=surface_lr,
                         extra_checks=tuple(checks))


TORCH_INFOS = [
    _info("sgd", "Gradient descent, optionally with heavy-ball or Nesterov momentum (torch.optim.SGD).",
          [lr_spec(1e-3),
           momentum_spec(0.0, "How much of the previous step is kept: 0 is plain gradient descent, 0.9 a heavy ball."),
           HParam("dampening", 0.0, 0.0, 1.0, help="Scales down the new gradient added to the momentum buffer."),
           WD,
           HParam("nesterov", False, kind="bool",
                  help="Take the gradient step from where momentum is about to carry you (needs momentum > 0).")],
          "g <- grad + weight_decay*w\n"
          "b <- momentum*b + (1-dampening)*g      (b = g on the first step)\n"
          "w <- w - lr*(g + momentum*b)   if nesterov\n"
          "w <- w - lr*b                  otherwise (b = g when momentum = 0)",
          "Kira (torch with dampening 0):\n"
          "  v <- beta*v + dL/dw;  w <- w - alpha*v\n"
          "Hyp. & Reg., Dif (the EMA form, optimizer momentum-ema;\n"
          "  the same path as torch with lr = alpha*(1-beta)):\n"
          "  v <- beta*v + (1-beta)*dL/dw;  w <- w - alpha*v\n"
          "Kira's Nesterov (optimizer nesterov-lookahead;\n"
          "  torch's w is the look-ahead point w + beta*v):\n"
          "  v <- beta*v - alpha*dL/dw(w + beta*v);  w <- w + v",
          {"lr": "alpha (Kira), eta (Dif)", "momentum": "beta",
           "momentum_buffer b": "v in Kira's form; v_ema/(1-beta) in the EMA form",
           "dampening": "no lecture symbol (dampening=beta gives the EMA, except that torch's first b is g)",
           "weight_decay": "lambda of the L2 penalty (Hyp. & Reg.)"},
          0.01, [_sgd_check]),
    _info("adam", "Adam: momentum on the gradient divided by the root of a running mean of its square, bias-corrected.",
          [lr_spec(1e-3), betas_spec(), eps_spec(1e-8), WD, AMSGRAD],
          _ADAM_TORCH, _ADAM_LECTURE, _ADAM_SYMBOLS, 0.05),
    _info("adamw", "AdamW: Adam with weight decay applied to the weights directly (decoupled).",
          [lr_spec(1e-3), betas_spec(), eps_spec(1e-8), WD_DECOUPLED, AMSGRAD],
          "w <- w - lr*weight_decay*w               (decoupled: g is the plain gradient)\n"
          + _ADAM_TORCH.split("\n", 1)[1],
          _ADAM_LECTURE + "\nwith w <- (1 - alpha*lambda)*w first (decay outside the adaptive scaling)",
          _ADAM_SYMBOLS | {"weight_decay": "lambda, applied as w <- w - alpha*lambda*w (not through the gradient)"},
          0.05),
    _info("adamax", "Adamax: Adam with the root-mean-square replaced by a running maximum of |gradient|.",
          [lr_spec(2e-3), betas_spec(), eps_spec(1e-8, "to |g| inside"), WD],
          "g <- grad + weight_decay*w\n"
          "m <- b1*m + (1-b1)*g;  u <- max(b2*u, |g| + eps)\n"
          "w <- w - lr/(1-b1^t) * m/u",
          "Adam (Kira) with sqrt(G) replaced by the infinity norm u of past gradients:\n"
          "v <- b1*v + (1-b1)*dL/dw;  u <- max(b2*u, |dL/dw|);  w <- w - alpha*v/((1-b1^t)*u)",
          _ADAM_SYMBOLS | {"exp_inf u": "u: decaying maximum of |gradient| (replaces G)"}, 0.05),
    _info("nadam", "NAdam: Adam whose momentum term looks ahead as Nesterov's does.",
          [lr_spec(2e-3), betas_spec(), eps_spec(1e-8), WD,
           HParam("momentum_decay", 4e-3, 0.0, 1.0, log=True, ui_range=(1e-4, 1e-1),
                  help="How fast the momentum schedule mu_t warms up toward beta1."),
           DECOUPLED],
          "mu_t = b1*(1 - 0.5*0.96^(t*momentum_decay))\n"
          "m <- b1*m + (1-b1)*g;  v <- b2*v + (1-b2)*g^2;  v^ = v/(1-b2^t)\n"
          "w <- w - lr*[mu_{t+1}*m/(1-prod_{i<=t+1} mu_i) + (1-mu_t)*g/(1-prod_{i<=t} mu_i)]/(sqrt(v^) + eps)",
          "Adam (Kira) whose first moment v^ is replaced by a Nesterov look-ahead mix of v and the\n"
          "current gradient (Kira's 'go along the velocity first').",
          _ADAM_SYMBOLS | {"momentum_decay": "no lecture symbol: schedules beta1 over the first steps"}, 0.05),
    _info("radam", "RAdam: Adam that starts as momentum SGD until the squared-gradient average is reliable.",
          [lr_spec(1e-3), betas_spec(), eps_spec(1e-8), WD, DECOUPLED],
          "m, v as Adam;  m^ = m/(1-b1^t)\n"
          "rho_inf = 2/(1-b2) - 1;  rho_t = rho_inf - 2*t*b2^t/(1-b2^t)\n"
          "if rho_t > 5: r = sqrt((rho_t-4)(rho_t-2)rho_inf/((rho_inf-4)(rho_inf-2)rho_t));\n"
          "              w <- w - lr*m^*r/(sqrt(v/(1-b2^t)) + eps)\n"
          "else:         w <- w - lr*m^",
          "Adam (Kira) with a built-in warm-up: bias-corrected momentum steps (no division by sqrt(G))\n"
          "for the first steps, then Adam's step scaled by the rectification r.",
          _ADAM_SYMBOLS, 0.05),
    _info("rmsprop", "RMSprop: divide the gradient by the root of a running mean of its square.",
          [lr_spec(1e-2),
           HParam("alpha", 0.99, 0.0, 1.0, high_open=True,
                  help="Memory of the running mean of squared gradients (the lecture's rho); "
                       "closer to 1 remembers longer."),
           eps_spec(1e-8), WD,
           momentum_spec(0.0, "Adds heavy-ball momentum on top of the scaled step (0 = off)."),
           HParam("centered", False, kind="bool",
                  help="Divide by the gradient's running variance instead of its running mean square.")],
          "g <- grad + weight_decay*w\n"
          "v <- alpha*v + (1-alpha)*g^2;   centered: gbar <- alpha*gbar + (1-alpha)*g, v~ = v - gbar^2 (else v~ = v)\n"
          "momentum > 0: b <- momentum*b + g/(sqrt(v~) + eps);  w <- w - lr*b\n"
          "otherwise:    w <- w - lr*g/(sqrt(v~) + eps)",
          "v_t = rho*v_{t-1} + (1-rho)*g_t^2;  w <- w - mu*g_t/sqrt(v_t + eps)   (Hyp. & Reg.: rho 0.9, eps 1e-10)\n"
          "G <- beta*G + (1-beta)*(dL/dw)^2;  w <- w - alpha*dL/dw/sqrt(G + eps)  (Kira)\n"
          "= rmsprop-lecture; torch puts eps outside the root",
          {"alpha": "rho (Hyp. & Reg.), beta (Kira)", "lr": "mu (Hyp. & Reg.), alpha (Kira)",
           "square_avg v": "v_t (Hyp. & Reg.), G (Kira)",
           "eps": "epsilon; torch adds it outside the root, the lecture inside (lecture eps ~ torch eps^2)",
           "momentum": "no lecture symbol (momentum on top of RMSprop)"},
          0.01),
    _info("adagrad", "Adagrad: divide the gradient by the root of the sum of all past squared gradients.",
          [lr_spec(1e-2),
           HParam("lr_decay", 0.0, 0.0, 10.0, ui_range=(0.0, 1.0),
                  help="Time-based decay of lr: step t uses lr/(1 + (t-1)*lr_decay)."),
           eps_spec(1e-10), WD,
           HParam("initial_accumulator_value", 0.0, 0.0, 1e3, ui_range=(0.0, 10.0),
                  help="Starting value of the sum of squared gradients; larger makes the first steps smaller.")],
          "g <- grad + weight_decay*w;  lr_t = lr/(1 + (t-1)*lr_decay)\n"
          "G <- G + g^2      (G starts at initial_accumulator_value)\n"
          "w <- w - lr_t*g/(sqrt(G) + eps)",
          "G_i = G_{i-1} + (dL/dw)^2;  w_i = w_{i-1} - alpha/sqrt(G_i + eps) * dL/dw   (Kira)\n"
          "= adagrad-lecture; torch puts eps outside the root",
          {"lr": "alpha", "sum G": "G", "eps": "epsilon (inside the root in the lecture)",
           "lr_decay": "time-based decay d of Dif applied to alpha"},
          0.5),
    _info("adadelta", "Adadelta: RMSprop whose step size is the running RMS of its own past steps.",
          [lr_spec(1.0),
           HParam("rho", 0.9, 0.0, 1.0, help="Memory of both running means (squared gradients and squared steps)."),
           eps_spec(1e-6, "inside both"), WD],
          "g <- grad + weight_decay*w\n"
          "v <- rho*v + (1-rho)*g^2\n"
          "d = sqrt(u + eps)/sqrt(v + eps) * g;  u <- rho*u + (1-rho)*d^2\n"
          "w <- w - lr*d",
          "Not in the lectures: RMSProp (Hyp. & Reg.) with mu replaced by the RMS of past updates,\n"
          "so the step has the units of w and lr = 1 is the paper's setting.",
          {"rho": "rho of RMSProp (Hyp. & Reg.)", "square_avg v": "v_t of RMSProp",
           "acc_delta u": "running mean of squared updates (no lecture symbol)", "eps": "epsilon, inside the roots"},
          1.0),
    _info("asgd", "Averaged SGD: SGD with a slowly decaying lr, plus a running average of the iterates.",
          [lr_spec(1e-2),
           HParam("lambd", 1e-4, 0.0, 10.0, log=True, ui_range=(1e-6, 1.0),
                  help="Decay term: shrinks the weights and slows the lr decay eta_t."),
           HParam("alpha", 0.75, 0.0, 2.0, help="Power of the lr decay eta_t = lr/(1 + lambd*lr*t)^alpha."),
           HParam("t0", 1e6, 0.0, 1e9, ui_range=(0.0, 1e4),
                  help="Step after which the running average of the weights starts."),
           WD],
          "eta_t = lr/(1 + lambd*lr*(t-1))^alpha\n"
          "w <- w*(1 - lambd*eta_t) - eta_t*g\n"
          "ax <- ax + max(1, t-t0)^-1 * (w - ax)       (averaged weights, state['ax']; not used to step)",
          "SGD with a time-based decay of the rate (Dif: lr0/(1 + d*t), here to the power alpha)\n"
          "and Polyak averaging of the iterates after t0; the plotted w is the SGD iterate.",
          {"lr": "lr0 / eta", "lambd": "decay d of the time-based schedule (Dif)",
           "alpha": "power of the decay (no lecture symbol)", "t0": "start of averaging (no lecture symbol)"},
          0.01),
    _info("rprop", "Rprop: per-weight steps that grow while the gradient keeps its sign and shrink when it flips.",
          [lr_spec(1e-2),
           HParam("etas", (0.5, 1.2), 0.0, 10.0, kind="pair",
                  help="(shrink, grow) factors for a weight's step when its gradient flips sign or keeps it."),
           HParam("step_sizes", (1e-6, 50.0), 0.0, 1e3, kind="pair", log=True,
                  help="(smallest, largest) step a single weight may take.")],
          "per weight, s starts at lr:\n"
          "g*g_prev > 0: s <- min(s*etas[1], step_sizes[1])\n"
          "g*g_prev < 0: s <- max(s*etas[0], step_sizes[0]); g <- 0 (no move this step)\n"
          "w <- w - sign(g)*s",
          "Not in the lectures: uses only the sign of dL/dw; each weight has its own step size.",
          {"lr": "initial per-weight step size", "etas": "(eta-, eta+)", "step_size s": "per-weight step (state)"},
          0.01, [_rprop_check]),
]
