"""The source of a ``make_scheduler(optimizer, total)`` function for an exported script.

It builds exactly the torch.optim.lr_scheduler objects ``core.optim.schedules.build_scheduler``
builds for a spec, with the keys the spec leaves out filled with the app's defaults
(``core.optim.schedule_grammar``), so a script's learning rates equal the app's step for step.
"""
from __future__ import annotations

import inspect
import textwrap

from core.optim import schedules
from core.optim.schedule_grammar import parse_schedule, schedule_keys


def _one(name: str, kv: dict, total: str) -> tuple[str, bool]:
    """(constructor expression, needs the OneCycle class) of one part; ``total`` is an expression."""
    a = {k: kv.get(k, spec.default) for k, spec in schedule_keys(name).items()}
    if name == "constant":
        return "lr_scheduler.LambdaLR(optimizer, lambda t: 1.0)", False
    if name == "time":
        return f"lr_scheduler.LambdaLR(optimizer, lambda t: 1.0 / (1.0 + {a['d']!r} * t))", False
    if name == "invsqrt":
        return "lr_scheduler.LambdaLR(optimizer, lambda t: 1.0 / math.sqrt(t + 1.0))", False
    if name == "step":
        return f"lr_scheduler.StepLR(optimizer, step_size={a['step_size']!r}, gamma={a['gamma']!r})", False
    if name == "exp":
        return f"lr_scheduler.ExponentialLR(optimizer, gamma=math.exp(-{a['k']!r}))", False
    if name == "cosine":
        t_max = repr(a["T_max"]) if a["T_max"] else total
        return f"lr_scheduler.CosineAnnealingLR(optimizer, T_max={t_max}, eta_min={a['eta_min']!r})", False
    if name == "cyclic":
        base = "[x / 10.0 for x in lr0]" if a["base_lr"] is None else repr(a["base_lr"])
        size = repr(a["step_size"]) if a["step_size"] else f"max(1, ({total}) // 4)"
        return (f"lr_scheduler.CyclicLR(optimizer, base_lr={base}, max_lr=lr0, step_size_up={size},\n"
                "                                 mode=\"triangular\", cycle_momentum=False)"), False
    if name == "onecycle":
        return (f"OneCycleHold(optimizer, max_lr=lr0, total_steps=max({total}, 2), pct_start={a['pct_start']!r},\n"
                f"                        div_factor={a['div_factor']!r}, final_div_factor={a['final_div_factor']!r},"
                " anneal_strategy=\"cos\", cycle_momentum=False)"), True
    if name == "plateau":
        return (f"lr_scheduler.ReduceLROnPlateau(optimizer, mode=\"min\", factor={a['factor']!r}, "
                f"patience={a['patience']!r},\n                                          "
                f"threshold={a['threshold']!r}, threshold_mode=\"rel\")"), False
    raise ValueError(f"schedule {name!r} cannot be exported yet")


def needs_metric(spec: str | None) -> bool:
    """``plateau`` is stepped with the loss."""
    return bool(spec) and parse_schedule(spec)[0][0] == "plateau"


def uses_onecycle(spec: str | None) -> bool:
    return bool(spec) and any(name == "onecycle" for name, _ in parse_schedule(spec))


def onecycle_source() -> str:
    """The app's OneCycleLR that holds its final lr past its total (embedded once per script)."""
    cls = textwrap.dedent(inspect.getsource(schedules._OneCycleHold)).replace("(L.OneCycleLR)",
                                                                             "(lr_scheduler.OneCycleLR)")
    cls = cls.replace("class _OneCycleHold", "class OneCycleHold")
    return f"# From core.optim.schedules._OneCycleHold (unchanged but for its name).\n{cls}"


def scheduler_source(spec: str | None, name: str = "make_scheduler", with_helpers: bool = True) -> str:
    """Source defining ``name(optimizer, total)`` (returns None without a schedule); with
    ``with_helpers`` the OneCycle class it needs comes first."""
    head = [f"def {name}(optimizer, total):"]
    if not spec:
        return "\n".join(head + ['    """No schedule: the learning rate stays constant."""', "    return None"]) + "\n"
    parts = parse_schedule(spec)
    head.append(f'    """The schedule {spec!r} over `total` steps, as core.optim.schedules.build_scheduler '
                'builds it."""')
    body = ["    lr0 = [float(g[\"lr\"]) for g in optimizer.param_groups]  # taken before any scheduler lowers it"]
    part, kv = parts[0]
    if part != "warmup":
        expr, hold = _one(part, kv, "total")
        body.append(f"    return {expr}")
    else:
        steps = kv.get("steps")
        body.append(f"    w = {steps!r}  # warm-up steps" if steps else "    w = max(1, total // 10)  # warm-up steps")
        body.append(f"    first = lr_scheduler.LinearLR(optimizer, start_factor={kv.get('start_factor', 0.01)!r}, "
                    "end_factor=1.0, total_iters=w)")
        expr, hold = _one(*parts[1], "max(1, total - w)")
        body.append(f"    second = {expr}")
        body.append("    return lr_scheduler.SequentialLR(optimizer, [first, second], milestones=[w])")
    if not any("lr0" in line for line in body[1:]):
        body = body[1:]
    text = "\n".join(head + body) + "\n"
    if hold and with_helpers:
        text = onecycle_source() + "\n\n" + text
    return text
