"""The schedule grammar: ``NAME[:key=value,...]``, chained with ``+`` only after a warm-up.

``"cosine:T_max=500"``, ``"warmup:steps=50+cosine:T_max=500"``, ``"step:step_size=100,gamma=0.5"``.
Parsing is separate from building so a GUI or a scene file can check a spec without torch.
"""
from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class ScheduleKey:
    """One ``key=value`` of a schedule. ``default=None`` means derived from the run (see ``help``)."""

    name: str
    kind: type  # int or float
    default: float | int | None
    low: float
    high: float = math.inf
    low_open: bool = False
    high_open: bool = False
    help: str = ""

    def range_text(self) -> str:
        return f"{'(' if self.low_open else '['}{self.low:g}, {self.high:g}{')' if self.high_open else ']'}"


def _k(name, kind, default, low, high=math.inf, low_open=False, high_open=False, help=""):
    return ScheduleKey(name, kind, default, low, high, low_open, high_open, help)


# name -> (one-line description, keys). Order is the order of `list schedules`.
SCHEDULES: dict[str, tuple[str, tuple[ScheduleKey, ...]]] = {
    "constant": ("Keep lr fixed.", ()),
    "time": ("Time-based decay lr0/(1 + d*t).",
             (_k("d", float, 0.01, 0.0, help="decay rate per step"),)),
    "step": ("Multiply lr by gamma every step_size steps: lr0*gamma^floor(t/step_size).",
             (_k("step_size", int, 100, 1, help="steps between drops"),
              _k("gamma", float, 0.1, 0.0, 1.0, low_open=True, help="factor applied at each drop"))),
    "exp": ("Exponential decay lr0*exp(-k*t).",
            (_k("k", float, 0.01, 0.0, help="decay rate per step"),)),
    "invsqrt": ("Inverse square root lr0/sqrt(t+1) (lr0/sqrt(t) would be infinite at t=0).", ()),
    "cosine": ("Cosine annealing from lr0 to eta_min over T_max steps (torch's curve rises again after T_max).",
               (_k("T_max", int, None, 1, help="steps of the half cosine; default: the whole run"),
                _k("eta_min", float, 0.0, 0.0, help="lowest lr"))),
    "cyclic": ("Triangular cycles between base_lr and lr (the peak), step_size steps up then step_size down.",
               (_k("base_lr", float, None, 0.0, help="lowest lr; default lr/10"),
                _k("step_size", int, None, 1, help="steps from base_lr up to lr; default: a quarter of the run"))),
    "onecycle": ("One cycle: from lr/div_factor up to lr at pct_start of the run, then down to "
                 "lr/(div_factor*final_div_factor).",
                 (_k("pct_start", float, 0.3, 0.0, 1.0, True, True, help="fraction of the run spent rising"),
                  _k("div_factor", float, 25.0, 0.0, low_open=True, help="starting lr is lr/div_factor"),
                  _k("final_div_factor", float, 1e4, 0.0, low_open=True,
                     help="final lr is lr/(div_factor*final_div_factor)"))),
    "warmup": ("Linear warm-up from lr*start_factor to lr over steps, then the next schedule: warmup:steps=50+cosine.",
               (_k("steps", int, None, 1, help="warm-up length; default: a tenth of the run"),
                _k("start_factor", float, 0.01, 0.0, 1.0, low_open=True,
                   help="first lr as a fraction of lr (torch's LinearLR refuses 0)"))),
    "plateau": ("Multiply lr by factor when the loss has not improved for patience steps (needs step(metric)).",
                (_k("factor", float, 0.1, 0.0, 1.0, high_open=True, help="factor applied at each reduction"),
                 _k("patience", int, 10, 0, help="steps without improvement tolerated before reducing"),
                 _k("threshold", float, 1e-4, 0.0, help="relative improvement that counts as better"))),
}
SCHEDULE_NAMES: tuple[str, ...] = tuple(SCHEDULES)
_NAMES_TEXT = ", ".join(SCHEDULE_NAMES)


def schedule_keys(name: str) -> dict[str, ScheduleKey]:
    """The keys ``name`` accepts, in order. ValueError lists the valid names."""
    if name not in SCHEDULES:
        raise ValueError(f"unknown schedule {name!r}; valid names: {_NAMES_TEXT}")
    return {k.name: k for k in SCHEDULES[name][1]}


def _value(sched: str, key: ScheduleKey, text: str):
    where = f"schedule {sched}: {key.name}"
    try:
        v = float(text)
    except ValueError:
        raise ValueError(f"{where} must be a number in {key.range_text()}, got {text!r}") from None
    if not math.isfinite(v):
        raise ValueError(f"{where} must be finite, got {text!r}")
    if key.kind is int:
        if not v.is_integer():
            raise ValueError(f"{where} must be a whole number, got {text!r}")
        v = int(v)
    too_low = v <= key.low if key.low_open else v < key.low
    too_high = v >= key.high if key.high_open else v > key.high
    if too_low or too_high:
        raise ValueError(f"{where} must be in {key.range_text()}, got {text!r}")
    return v


def _parse_one(part: str) -> tuple[str, dict]:
    name, _, rest = part.partition(":")
    name = name.strip().lower()
    if not name:
        raise ValueError(f"schedule part {part!r} has no name; valid names: {_NAMES_TEXT}")
    keys = schedule_keys(name)
    out: dict = {}
    for item in filter(None, (s.strip() for s in rest.split(","))):
        k, eq, v = item.partition("=")
        k = k.strip()
        if not eq:
            raise ValueError(f"schedule {name}: expected key=value, got {item!r}; "
                             f"valid keys: {', '.join(keys) or '(none)'}")
        if k not in keys:
            raise ValueError(f"schedule {name}: unknown key {k!r}; valid keys: {', '.join(keys) or '(none)'}")
        if k in out:
            raise ValueError(f"schedule {name}: key {k!r} given twice")
        out[k] = _value(name, keys[k], v.strip())
    return name, out


def parse_schedule(spec: str) -> list[tuple[str, dict]]:
    """Parse a schedule spec into ``[(name, {key: value})]`` (only the keys given).

    Parameters
    ----------
    spec : str
        ``NAME[:key=value,...]``, or ``warmup[:...]+NAME[:...]``.

    Raises
    ------
    ValueError
        Empty spec or empty part (``a++b``), unknown name (lists the names), unknown key (lists the
        keys), a value that is not a number, not whole where it must be, or out of range; warmup not
        first, warmup without a follower, more than two parts, or a follower that cannot follow
        (``onecycle`` has its own warm-up; ``plateau`` needs a metric torch's SequentialLR cannot pass).
    """
    if not isinstance(spec, str) or not spec.strip():
        raise ValueError(f"empty schedule spec; valid names: {_NAMES_TEXT}")
    parts = [p.strip() for p in spec.split("+")]
    if any(not p for p in parts):
        raise ValueError(f"schedule {spec!r} has an empty part around '+'; write warmup:steps=N+NAME")
    parsed = [_parse_one(p) for p in parts]
    names = [n for n, _ in parsed]
    if "warmup" in names[1:]:
        raise ValueError(f"schedule {spec!r}: warmup can only come first, as in warmup:steps=50+cosine")
    if len(parsed) > 1 and names[0] != "warmup":
        raise ValueError(f"schedule {spec!r}: only a warmup can be chained, as in warmup:steps=50+{names[0]}")
    if len(parsed) > 2:
        raise ValueError(f"schedule {spec!r}: warmup is followed by exactly one schedule, got {len(parsed) - 1}")
    if names == ["warmup"]:
        raise ValueError("schedule warmup must be followed by a schedule, as in warmup:steps=50+constant")
    if len(parsed) == 2 and names[1] in ("onecycle", "plateau"):
        why = "has its own warm-up" if names[1] == "onecycle" else "needs a metric that SequentialLR cannot pass"
        raise ValueError(f"schedule {spec!r}: {names[1]} cannot follow warmup ({why})")
    return parsed


def format_schedule(parts: list[tuple[str, dict]]) -> str:
    """Inverse of :func:`parse_schedule`: ``[("cosine", {"T_max": 500})]`` -> ``"cosine:T_max=500"``."""
    out = []
    for name, kv in parts:
        args = ",".join(f"{k}={v!r}" for k, v in kv.items())
        out.append(f"{name}:{args}" if args else name)
    return "+".join(out)
