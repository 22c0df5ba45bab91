"""The 2-D loss surfaces: the :class:`Surface` base, the built-in catalogue, user formulas, the data surface.

Public API::

    from core.surfaces import get_surface, list_surfaces, parse_spec, surface_params, formula_surface

    s = get_surface("valley:kappa=100,angle=30")    # or "formula:x^2 + 3*y^2"
    s.value_and_grad(xy)                              # (N, 2) float64 points

Modules: ``registry`` (spec strings, listing), ``base`` (Surface, ParamSpec), ``catalog`` and
``multimodal`` (the built-in surfaces), ``formula`` and ``formula_parser`` (user-typed surfaces, never
``eval``), ``data_surface`` (a linear model's loss on a seeded dataset).
"""
from __future__ import annotations

from core.surfaces.base import DTYPE, ParamSpec, Surface
from core.surfaces.data_surface import DataSurface
from core.surfaces.formula import FormulaSurface
from core.surfaces.registry import formula_surface, get_surface, list_surfaces, parse_spec, surface_params

__all__ = ["DTYPE", "ParamSpec", "Surface", "DataSurface", "FormulaSurface", "formula_surface", "get_surface",
           "list_surfaces", "parse_spec", "surface_params"]
