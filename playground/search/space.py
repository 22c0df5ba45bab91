"""Search spaces: which knobs of the training page a search varies, and over what.

A knob is one of three things: a range on a linear scale, a range on a log scale (an integer range
where the knob is a whole number), or a list of choices. The parameter names of a study are the
knob names below, so ``optuna.load_study`` shows ``lr``, ``batch_size``, ``width`` ...

Text form (``--param``)::

    lr=1e-4:1e-1:log          a log range
    dropout=0:0.5             a linear range
    lr=1e-4:1e-1:log:4        a range with 4 grid points (what ``grid`` needs of a range)
    batch_size=16,32,64       choices
    schedule=none|cosine|step:step_size=30,gamma=0.5      choices holding commas: separate by |

File form (``kind = "space"``, TOML)::

    kind = "space"
    version = 1
    [params]
    lr = { low = 1e-4, high = 1e-1, log = true }     # or the text form: lr = "1e-4:1e-1:log"
    optimizer = ["sgd", "adam"]
    momentum = { low = 0.0, high = 0.95 }             # conditional: only where the optimizer has one

Conditional knobs: ``momentum`` is sampled only for optimizers that have a momentum (sgd, rmsprop),
``beta1``/``beta2`` only for those with Adam's betas, ``weight_decay`` only for those with a weight
decay. Where the optimizer is fixed and lacks the knob, the space is refused.
"""
from __future__ import annotations

import json
import math
import tomllib
from dataclasses import dataclass
from pathlib import Path

from core.training.config import TrainConfig, parse_activation, parse_init

SPACE_VERSION = 1
MAX_SPACE_BYTES = 1_000_000
#: A grid larger than this is refused (a typo such as 1000 points would otherwise queue a day of runs).
MAX_GRID = 100_000


@dataclass(frozen=True)
class KnobInfo:
    """What a knob is: its value type and allowed interval (``None``: text choices only)."""

    name: str
    type: str             # "float", "int" or "text"
    minimum: float | None = None
    maximum: float | None = None
    max_open: bool = False  # maximum excluded
    help: str = ""


# Suggestion order: the optimizer first, since momentum, betas and weight decay depend on it.
KNOBS: dict[str, KnobInfo] = {k.name: k for k in (
    KnobInfo("optimizer", "text", help="registry name (sgd, adam, ...)"),
    KnobInfo("lr", "float", 0.0, None, help="learning rate (> 0)"),
    KnobInfo("batch_size", "int", 1, None, help="examples per step"),
    KnobInfo("width", "int", 1, 4096, help="units in every hidden layer"),
    KnobInfo("depth", "int", 0, 64, help="hidden layers (0: logistic/linear regression)"),
    KnobInfo("activation", "text", help="activation of every hidden layer"),
    KnobInfo("init", "text", help="weight initialization"),
    KnobInfo("dropout", "float", 0.0, 1.0, max_open=True, help="drop probability p of every hidden layer"),
    KnobInfo("l2", "float", 0.0, None, help="L2 penalty lambda"),
    KnobInfo("weight_decay", "float", 0.0, None, help="the optimizer's weight_decay (where it has one)"),
    KnobInfo("momentum", "float", 0.0, 1.0, max_open=True, help="momentum (where the optimizer has one)"),
    KnobInfo("beta1", "float", 0.0, 1.0, max_open=True, help="Adam's beta1 (where the optimizer has betas)"),
    KnobInfo("beta2", "float", 0.0, 1.0, max_open=True, help="Adam's beta2 (where the optimizer has betas)"),
    KnobInfo("schedule", "text", help="learning-rate schedule spec, or none"),
    KnobInfo("epochs", "int", 1, 100_000, help="epochs of training"),
)}
KNOB_NAMES = tuple(KNOBS)
# Knob -> the optimizer hyperparameter it needs (the registry says which optimizers have it).
CONDITIONAL = {"momentum": "momentum", "beta1": "betas", "beta2": "betas", "weight_decay": "weight_decay"}


def _num_text(v: float) -> str:
    return repr(v) if isinstance(v, float) else str(v)


@dataclass(frozen=True)
class Knob:
    """One dimension of a search space.

    Either a range ``[low, high]`` (``log``: sampled uniformly in log space, so
    :math:`\\log x \\sim U(\\log a, \\log b)`, the lectures' ``r = -4*rand(); alpha = 10**r``), with
    ``points`` grid values when a grid needs them, or a tuple of ``choices``.
    """

    name: str
    low: float | int | None = None
    high: float | int | None = None
    log: bool = False
    points: int | None = None
    choices: tuple | None = None

    @property
    def info(self) -> KnobInfo:
        return KNOBS[self.name]

    @property
    def is_range(self) -> bool:
        return self.choices is None

    def distribution(self):
        """The Optuna distribution of this knob (Float, Int or Categorical)."""
        from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution

        if not self.is_range:
            return CategoricalDistribution(self.choices)
        if self.info.type == "int":
            return IntDistribution(int(self.low), int(self.high), log=self.log)
        return FloatDistribution(float(self.low), float(self.high), log=self.log)

    def grid_values(self) -> list:
        """The values a grid tries: the choices, ``points`` values spaced evenly (in log space for a
        log range), or every integer of a short integer range."""
        if not self.is_range:
            return list(self.choices)
        if self.points is None:
            if self.info.type == "int" and int(self.high) - int(self.low) < 64:
                return list(range(int(self.low), int(self.high) + 1))
            raise ValueError(f"{self.name}: a grid needs values: give the range a number of points "
                             f"({self.name}={_num_text(self.low)}:{_num_text(self.high)}"
                             f"{':log' if self.log else ''}:5) or list choices")
        import numpy as np

        lo, hi, n = float(self.low), float(self.high), int(self.points)
        vals = np.geomspace(lo, hi, n) if self.log else np.linspace(lo, hi, n)
        vals[0], vals[-1] = lo, hi  # exact ends: GridSampler checks each value lies in the distribution
        if self.info.type == "int":
            return sorted({int(round(v)) for v in vals})
        return [float(v) for v in vals]

    def to_dict(self) -> dict:
        """Plain form (TOML/JSON): ``{low, high, log[, points]}`` or ``{choices}``."""
        if not self.is_range:
            return {"choices": list(self.choices)}
        d = {"low": self.low, "high": self.high, "log": self.log}
        if self.points is not None:
            d["points"] = self.points
        return d

    def text(self) -> str:
        """The ``--param`` form."""
        if not self.is_range:
            sep = "|" if any("," in str(c) for c in self.choices) else ","
            return f"{self.name}=" + sep.join("none" if c is None else str(c) for c in self.choices)
        out = f"{self.name}={_num_text(self.low)}:{_num_text(self.high)}"
        return out + (":log" if self.log else "") + (f":{self.points}" if self.points is not None else "")


# --------------------------------------------------------------------------- building knobs

def _check_name(name: str) -> KnobInfo:
    if name not in KNOBS:
        raise ValueError(f"unknown parameter {name!r}; knobs: {', '.join(KNOB_NAMES)}")
    return KNOBS[name]


def _number(name: str, v, info: KnobInfo):
    """``v`` as the knob's number type (text from the command line, or a TOML number)."""
    if isinstance(v, bool):
        raise ValueError(f"{name}: expected a number, got {v!r}")
    if isinstance(v, str):
        try:
            v = float(v.strip())
        except ValueError:
            raise ValueError(f"{name}: expected a number, got {v!r}") from None
    if not isinstance(v, (int, float)) or not math.isfinite(v):
        raise ValueError(f"{name}: expected a finite number, got {v!r}")
    if info.type == "int":
        if float(v) != int(v):
            raise ValueError(f"{name}: must be a whole number, got {v!r}")
        return int(v)
    return float(v)


def _check_bounds(name: str, v, info: KnobInfo) -> None:
    lo, hi = info.minimum, info.maximum
    if name == "lr" and not v > 0:
        raise ValueError(f"lr: the learning rate must be above 0 (got {v!r})")
    if lo is not None and v < lo:
        raise ValueError(f"{name}: must be at least {lo} (got {v!r})")
    if hi is not None and (v >= hi if info.max_open else v > hi):
        raise ValueError(f"{name}: must be {'below' if info.max_open else 'at most'} {hi} (got {v!r})")


def _text_choice(name: str, v) -> str | None:
    """Validate a text choice with the trainer's own parsers (so the message names the valid values)."""
    if not isinstance(v, str):
        raise ValueError(f"{name}: choices are names, got {v!r}")
    v = v.strip()
    if name == "activation":
        parse_activation(v)
    elif name == "init":
        parse_init(v)
    elif name == "optimizer":
        from core.optim import optimizer_info

        v = v.lower()
        optimizer_info(v)
        if v == "newton":
            raise ValueError("optimizer: 'newton' cannot train a network (it needs a 2-parameter surface)")
    elif name == "schedule":
        if v.lower() in ("none", "off", ""):
            return None
        from core.optim import parse_schedule

        parse_schedule(v)
    return v


def make_range(name: str, low, high, log: bool = False, points=None) -> Knob:
    """A range knob, validated (ValueError naming the knob: empty, reversed, log through 0, out of bounds)."""
    info = _check_name(name)
    if info.type == "text":
        raise ValueError(f"{name}: a range needs numbers; list choices instead, such as "
                         f"{name}={'relu,tanh' if name == 'activation' else 'a,b'}")
    lo, hi = _number(name, low, info), _number(name, high, info)
    if lo > hi:
        raise ValueError(f"{name}: reversed range {_num_text(lo)}:{_num_text(hi)} (low must be below high)")
    if lo == hi:
        raise ValueError(f"{name}: empty range {_num_text(lo)}:{_num_text(hi)}; for one value write "
                         f"{name}={_num_text(lo)}")
    if log and lo <= 0:
        raise ValueError(f"{name}: a log range must lie above 0, but {_num_text(lo)}:{_num_text(hi)} "
                         "includes 0 (use a linear range, or start at a small positive value)")
    _check_bounds(name, lo, info)
    _check_bounds(name, hi, info)
    if points is not None:
        if isinstance(points, bool) or not isinstance(points, int) or points < 2:
            raise ValueError(f"{name}: the number of grid points must be a whole number of at least 2 "
                             f"(got {points!r})")
    return Knob(name, lo, hi, bool(log), points)


def make_choices(name: str, values) -> Knob:
    """A knob of choices, each validated (ValueError naming the knob and the unknown choice)."""
    info = _check_name(name)
    values = list(values)
    if not values:
        raise ValueError(f"{name}: no choices given")
    out = []
    for v in values:
        if info.type == "text":
            c = _text_choice(name, v)
        else:
            c = _number(name, v, info)
            _check_bounds(name, c, info)
        if c in out:
            raise ValueError(f"{name}: choice {v!r} given twice")
        out.append(c)
    return Knob(name, choices=tuple(out))


def parse_param(text: str) -> Knob:
    """One ``--param NAME=SPEC`` (see the module docstring) as a :class:`Knob`."""
    name, sep, spec = text.partition("=")
    name, spec = name.strip(), spec.strip()
    if not sep or not name:
        raise ValueError(f"bad --param {text!r}: expected NAME=LOW:HIGH[:log][:POINTS] or NAME=A,B,C")
    _check_name(name)
    if not spec:
        raise ValueError(f"{name}: no range or choices after '='")
    if ":" in spec and KNOBS[name].type != "text":
        parts = [p.strip() for p in spec.split(":")]
        log, points = False, None
        rest = parts[2:]
        if rest and rest[0].lower() in ("log", "linear", "lin"):
            log = rest.pop(0).lower() == "log"
        if rest:
            try:
                points = int(rest.pop(0))
            except ValueError:
                raise ValueError(f"{name}: bad range {spec!r}: expected LOW:HIGH[:log][:POINTS]") from None
        if rest or len(parts) < 2:
            raise ValueError(f"{name}: bad range {spec!r}: expected LOW:HIGH[:log][:POINTS]")
        return make_range(name, parts[0], parts[1], log, points)
    sep = "|" if "|" in spec else ","
    return make_choices(name, [p.strip() for p in spec.split(sep)])


def _knob_from_toml(name: str, value) -> Knob:
    if isinstance(value, str):
        return parse_param(f"{name}={value}")
    if isinstance(value, list):
        return make_choices(name, value)
    if isinstance(value, dict):
        allowed = {"low", "high", "log", "points", "choices"}
        bad = sorted(set(value) - allowed)
        if bad:
            raise ValueError(f"unknown key {bad[0]!r}; allowed: low, high, log, points (a range) or choices")
        if "choices" in value:
            if set(value) != {"choices"} or not isinstance(value["choices"], list):
                raise ValueError("choices is a list, and comes alone (no low/high)")
            return make_choices(name, value["choices"])
        if "low" not in value or "high" not in value:
            raise ValueError("a range needs both low and high")
        log = value.get("log", False)
        if not isinstance(log, bool):
            raise ValueError(f"log must be true or false, got {log!r}")
        return make_range(name, value["low"], value["high"], log, value.get("points"))
    _check_name(name)
    raise ValueError(f"expected a range table {{low, high, log}}, a list of choices or a text such as "
                     f"'1e-4:1e-1:log' (got {value!r})")


# --------------------------------------------------------------------------- the space

@dataclass(frozen=True)
class SearchSpace:
    """A set of knobs (each at most once), kept in the suggestion order of :data:`KNOBS`."""

    knobs: tuple[Knob, ...]

    def __post_init__(self):
        names = [k.name for k in self.knobs]
        dup = [n for n in names if names.count(n) > 1]
        if dup:
            raise ValueError(f"{dup[0]}: given twice")
        if not self.knobs:
            raise ValueError("the search space is empty: give --space FILE or at least one --param")
        object.__setattr__(self, "knobs", tuple(sorted(self.knobs, key=lambda k: KNOB_NAMES.index(k.name))))

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(k.name for k in self.knobs)

    def __getitem__(self, name: str) -> Knob:
        for k in self.knobs:
            if k.name == name:
                return k
        raise KeyError(name)

    def __contains__(self, name: str) -> bool:
        return name in self.names

    def distributions(self) -> dict:
        """``{knob name: optuna distribution}``."""
        return {k.name: k.distribution() for k in self.knobs}

    def to_dict(self) -> dict:
        return {k.name: k.to_dict() for k in self.knobs}

    def key(self) -> str:
        """Canonical JSON of the space: two studies with equal keys search the same space."""
        return json.dumps(self.to_dict(), sort_keys=True)

    def grid(self) -> dict[str, list]:
        """``{name: values}`` for GridSampler; ValueError for a range without points or a huge grid."""
        g = {k.name: k.grid_values() for k in self.knobs}
        size = math.prod(len(v) for v in g.values())
        if size > MAX_GRID:
            raise ValueError(f"the grid has {size} points (at most {MAX_GRID}): use fewer points, or "
                             "random search")
        return g

    def grid_size(self) -> int:
        return math.prod(len(v) for v in self.grid().values())

    # ----------------------------------------------------------------- conditions
    def applies(self, name: str, optimizer: str) -> bool:
        """Whether knob ``name`` means something for ``optimizer`` (momentum only where it has one)."""
        hp = CONDITIONAL.get(name)
        if hp is None:
            return True
        from core.optim import optimizer_info

        return hp in optimizer_info(optimizer).hparams

    def is_conditional(self) -> bool:
        """True when some knob is sampled for some trials only (the optimizer varies and some knob
        depends on it): GPSampler then samples those knobs at random (and warns on every trial)."""
        if "optimizer" not in self:
            return False
        opts = self["optimizer"].choices
        return any(len({self.applies(k.name, o) for o in opts}) > 1 for k in self.knobs)

    def check_base(self, base: TrainConfig) -> None:
        """Refuse knobs that cannot apply to ``base`` (the fixed training options)."""
        opts = self["optimizer"].choices if "optimizer" in self else (base.optimizer,)
        for k in self.knobs:
            if k.name in CONDITIONAL and not any(self.applies(k.name, o) for o in opts):
                raise ValueError(f"{k.name}: optimizer {', '.join(opts)} has no {CONDITIONAL[k.name]}; "
                                 f"drop {k.name} or search the optimizer too (e.g. --param optimizer=sgd,adam)")
        if "width" in self or "depth" in self:
            if base.batchnorm not in (None, "before", "after") or not isinstance(base.activation, str) \
                    or isinstance(base.dropout, (tuple, list)):
                raise ValueError("width/depth: per-layer activation, dropout or batchnorm lists cannot follow a "
                                 "changing depth; give one value for all layers")

    def config(self, base: TrainConfig, params: dict) -> TrainConfig:
        """``base`` with the knobs' values ``params`` applied (a knob missing from ``params``, as a
        conditional one that does not apply, keeps the base value)."""
        ch: dict = {}
        hp = dict(base.hparams)
        opt = params.get("optimizer", base.optimizer)
        if opt != base.optimizer:
            from core.optim import optimizer_info

            known = optimizer_info(opt).hparams
            hp = {k: v for k, v in hp.items() if k in known}  # sgd's momentum means nothing to adam
            ch["optimizer"] = opt
            if base.weight_decay and "weight_decay" not in known:
                ch["weight_decay"] = None
        for name in ("lr", "batch_size", "activation", "init", "dropout", "l2", "weight_decay", "epochs"):
            if name in params:
                ch[name] = params[name]
        if "schedule" in params:
            ch["schedule"] = params["schedule"]
        if "momentum" in params:
            hp["momentum"] = float(params["momentum"])
        if "beta1" in params or "beta2" in params:
            from core.optim import optimizer_info

            b1, b2 = hp.get("betas", optimizer_info(opt).hparams["betas"].default)
            hp["betas"] = (float(params.get("beta1", b1)), float(params.get("beta2", b2)))
        if "width" in params or "depth" in params:
            width = params.get("width", max(base.layers) if base.layers else 8)
            depth = params.get("depth", len(base.layers) if base.layers else 1)
            ch["layers"] = (int(width),) * int(depth)
        ch["hparams"] = hp
        return base.replace(**ch)


def space_from_params(texts: list[str]) -> SearchSpace:
    """A space from ``--param`` texts."""
    return SearchSpace(tuple(parse_param(t) for t in texts))


def parse_space(text: str, source: str = "<space>") -> SearchSpace:
    """Parse and validate a ``kind = "space"`` TOML text; errors name ``source`` and the key."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{source}: not valid TOML: {exc}") from None
    kind = data.get("kind")
    if kind != "space":
        raise ValueError(f"{source}: 'kind' must be 'space', got {kind!r}")
    version = data.get("version", SPACE_VERSION)
    if version != SPACE_VERSION:
        raise ValueError(f"{source}: 'version' must be {SPACE_VERSION}, got {version!r}")
    unknown = sorted(set(data) - {"kind", "version", "title", "params"})
    if unknown:
        raise ValueError(f"{source}: unknown key {unknown[0]!r}; allowed: kind, version, title, params")
    params = data.get("params")
    if not isinstance(params, dict) or not params:
        raise ValueError(f"{source}: [params] must be a table with at least one knob")
    knobs = []
    for name, value in params.items():
        try:
            knobs.append(_knob_from_toml(name, value))
        except ValueError as exc:
            msg = str(exc)
            raise ValueError(f"{source}: params.{name}: {msg.removeprefix(name + ': ')}") from None
    try:
        return SearchSpace(tuple(knobs))
    except ValueError as exc:
        raise ValueError(f"{source}: {exc}") from None


def load_space(path: str | Path) -> SearchSpace:
    """Read a space file (ValueError naming the file and the problem)."""
    path = Path(path)
    try:
        if path.stat().st_size > MAX_SPACE_BYTES:
            raise ValueError(f"{path}: larger than any real space file")
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ValueError(f"{path}: no such space file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path}: cannot read: {exc}") from None
    return parse_space(text, str(path))


def space_text(space: SearchSpace, title: str | None = None) -> str:
    """The TOML text of ``space`` (``parse_space`` reads it back)."""
    import tomli_w

    data: dict = {"kind": "space", "version": SPACE_VERSION}
    if title:
        data["title"] = title
    params = {}
    for k in space.knobs:
        d = k.to_dict()
        if "choices" in d:
            params[k.name] = ["none" if c is None else c for c in d["choices"]]
        else:
            params[k.name] = d
    data["params"] = params
    return tomli_w.dumps(data)
