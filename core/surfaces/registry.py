"""Registry of the 2D loss surfaces: look-up by spec string, listing, parameter ranges.

A spec is ``name`` or ``name:key=value,key=value`` (``"valley:kappa=100,angle=30"``),
or ``formula:<expression>`` for a user-typed function (see :mod:`core.surfaces.formula`).
"""
from __future__ import annotations

from core.surfaces.base import ParamSpec, Surface
from core.surfaces.catalog import (BowlSurface, DecoySurface, MonkeySurface, PlateauSurface,
                                   RosenbrockSurface, SaddleSurface, ValleySurface)
from core.surfaces.data_surface import DataSurface
from core.surfaces.formula import formula_surface
from core.surfaces.multimodal import (AckleySurface, BealeSurface, CamelSurface, HimmelblauSurface,
                                      RastriginSurface)

__all__ = ["ParamSpec", "Surface", "formula_surface", "get_surface", "list_surfaces",
           "parse_spec", "surface_params"]

_CLASSES: dict[str, type[Surface]] = {cls.name: cls for cls in (
    BowlSurface, ValleySurface, RosenbrockSurface, SaddleSurface, MonkeySurface, PlateauSurface,
    DecoySurface, BealeSurface, HimmelblauSurface, RastriginSurface, AckleySurface, CamelSurface,
    DataSurface)}


def _valid_names() -> str:
    return ", ".join(_CLASSES) + ", formula:<expr>"


def _surface_class(name: str) -> type[Surface]:
    try:
        return _CLASSES[name]
    except KeyError:
        raise ValueError(f"unknown surface {name!r}; valid: {_valid_names()}") from None


def list_surfaces() -> list[tuple[str, str]]:
    """``(name, one-line description)`` for every built-in surface, in menu order.

    The custom formula is not listed (it needs an expression): use
    ``get_surface("formula:<expr>")`` or :func:`formula_surface`.
    """
    return [(name, cls.description) for name, cls in _CLASSES.items()]


def surface_params(name: str) -> dict[str, ParamSpec]:
    """Parameter specs (default, low, high, help, integer, log) of surface ``name``.

    Returns an empty dict for surfaces without parameters (and for ``formula``).

    Raises
    ------
    ValueError
        Unknown surface name.
    """
    if name == "formula":
        return {}
    return dict(_surface_class(name).param_specs)


def parse_spec(spec: str) -> tuple[str, dict[str, str]]:
    """Split ``"name:k=v,k=v"`` into the name and the raw (unvalidated) values.

    For ``formula:<expr>`` the second item is ``{"expr": <expr>}`` untouched, since
    an expression may itself contain ``:``, ``,`` and ``=``.
    """
    if not isinstance(spec, str):
        raise ValueError(f"surface spec must be a string, got {type(spec).__name__}")
    name, sep, rest = spec.strip().partition(":")
    name = name.strip()
    if name == "formula":
        return name, {"expr": rest}
    params: dict[str, str] = {}
    for item in rest.split(",") if rest.strip() else []:
        key, eq, value = item.partition("=")
        key = key.strip()
        if not eq or not key:
            raise ValueError(f"bad parameter {item.strip()!r} in surface spec {spec!r}; write key=value")
        if key in params:
            raise ValueError(f"parameter {key!r} given twice in surface spec {spec!r}")
        params[key] = value.strip()
    return name, params


def get_surface(spec: str) -> Surface:
    """Build a surface from its spec, e.g. ``"valley:kappa=100,angle=30"``.

    Parameters
    ----------
    spec : str
        ``name``, ``name:key=value,...`` or ``formula:<expression>``.

    Returns
    -------
    Surface
        Its ``spec`` attribute is the canonical form (every parameter, in order).

    Raises
    ------
    ValueError
        Unknown surface or parameter, non-numeric, NaN or out-of-range value, or a
        bad formula; the one-line message says what is valid.
    """
    name, params = parse_spec(spec)
    if name == "formula":
        if not params["expr"].strip():
            raise ValueError("surface 'formula' needs an expression: formula:<expr>, e.g. formula:x^2 + 3*y^2")
        return formula_surface(params["expr"])
    return _surface_class(name)(**params)
