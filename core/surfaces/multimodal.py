"""Classic benchmark surfaces with several minima: Beale, Himmelblau, Rastrigin, Ackley, camel."""
from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
import torch

from core.surfaces.base import Surface, polish

_TWO_PI = 2.0 * math.pi


class BealeSurface(Surface):
    r"""Beale's function, minimum 0 at (3, 0.5).

    .. math:: f = (1.5 - x + xy)^2 + (2.25 - x + xy^2)^2 + (2.625 - x + xy^3)^2

    ``f`` is constant along ``x = 0``; ``(0, 1)`` is a saddle there, and a second
    saddle sits near ``(0.1005, -2.6445)``.
    """

    name = "beale"
    description = "Beale's function: flat middle, sharp ridges, minimum in a thin curved valley at (3, 0.5)"
    lesson = ("Gradients range over many orders of magnitude here, so a learning rate that is safe on the"
              " ridges stalls in the flat middle.")
    domain = (-4.5, 4.5, -4.5, 4.5)
    start = (-1.0, -1.5)
    minima = [(3.0, 0.5)]
    saddles = [(0.0, 1.0), (0.100538, -2.644514)]
    f_min = 0.0

    def _setup(self):
        self.saddles = _polished(type(self), tuple(self.saddles))

    def _f(self, x, y):
        y2 = y * y
        return (1.5 - x + x * y) ** 2 + (2.25 - x + x * y2) ** 2 + (2.625 - x + x * y2 * y) ** 2

    def _vg(self, x, y):
        y2 = y * y
        y3 = y2 * y
        g1, g2, g3 = 1.5 - x + x * y, 2.25 - x + x * y2, 2.625 - x + x * y3
        gx = 2.0 * (g1 * (y - 1.0) + g2 * (y2 - 1.0) + g3 * (y3 - 1.0))
        gy = 2.0 * x * (g1 + 2.0 * y * g2 + 3.0 * y2 * g3)
        return g1 * g1 + g2 * g2 + g3 * g3, gx, gy


class HimmelblauSurface(Surface):
    r"""Himmelblau's function :math:`f = (x^2 + y - 11)^2 + (x + y^2 - 7)^2`.

    Four global minima with ``f = 0``, four saddles and one local maximum.
    """

    name = "himmelblau"
    description = "Himmelblau's function (x^2 + y - 11)^2 + (x + y^2 - 7)^2: four equal minima"
    lesson = ("With several equally good minima, where you start (and the optimizer's path) decides which"
              " one you reach.")
    domain = (-5.0, 5.0, -5.0, 5.0)
    start = (-0.3, -0.9)  # next to the central maximum, so paths fan out
    minima = [(3.0, 2.0), (-2.805118, 3.131312), (-3.779310, -3.283186), (3.584428, -1.848126)]
    saddles = [(0.086677, 2.884254), (-3.073026, -0.081353), (3.385154, 0.073852), (-0.127961, -1.953715)]
    f_min = 0.0

    def _setup(self):
        self.minima = [(3.0, 2.0)] + _polished(type(self), tuple(self.minima[1:]))
        self.saddles = _polished(type(self), tuple(self.saddles))

    def _f(self, x, y):
        return (x * x + y - 11.0) ** 2 + (x + y * y - 7.0) ** 2

    def _vg(self, x, y):
        a, b = x * x + y - 11.0, x + y * y - 7.0
        return a * a + b * b, 4.0 * x * a + 2.0 * b, 2.0 * a + 4.0 * y * b


def _rastrigin_1d_points(kind: str) -> np.ndarray:
    """Critical points of g(t) = t^2 - 10 cos(2 pi t) in [-5.12, 5.12] by 1D Newton.

    ``kind='min'`` starts from the integers, ``'max'`` from the half-integers.
    """
    t = np.arange(-5, 6, dtype=np.float64) if kind == "min" else np.arange(-5.5, 6.0, 1.0)
    for _ in range(50):
        t = t - (2.0 * t + 20.0 * math.pi * np.sin(_TWO_PI * t)) / (2.0 + 40.0 * math.pi ** 2 * np.cos(_TWO_PI * t))
    return t[np.abs(t) <= 5.12]


class RastriginSurface(Surface):
    r"""Rastrigin's function :math:`f = 20 + \sum_{t \in \{x, y\}} (t^2 - 10 \cos 2\pi t)`.

    A lattice of 121 local minima near the integer points; the global one is at 0.
    Minima are listed by increasing value (saddles are not listed: there are 220).
    """

    name = "rastrigin"
    description = "Rastrigin's function: a bowl covered in an egg-crate of 121 local minima"
    lesson = ("Local minima everywhere trap plain gradient descent in the first dimple, while large steps"
              " or noise can hop toward the global minimum.")
    domain = (-5.12, 5.12, -5.12, 5.12)
    start = (-4.2, 3.7)
    f_min = 0.0

    def _setup(self):
        t = _rastrigin_1d_points("min")
        g = t * t - 10.0 * np.cos(_TWO_PI * t)
        pts = [(g[i] + g[j], float(t[i]), float(t[j])) for i in range(len(t)) for j in range(len(t))]
        pts.sort()
        self.minima = [(0.0, 0.0)] + [(a, b) for v, a, b in pts if (a, b) != (0.0, 0.0)]

    def _f(self, x, y):
        return 20.0 + x * x + y * y - 10.0 * (torch.cos(_TWO_PI * x) + torch.cos(_TWO_PI * y))

    def _vg(self, x, y):
        cx, cy = torch.cos(_TWO_PI * x), torch.cos(_TWO_PI * y)
        k = 20.0 * math.pi
        return (20.0 + x * x + y * y - 10.0 * (cx + cy),
                2.0 * x + k * torch.sin(_TWO_PI * x), 2.0 * y + k * torch.sin(_TWO_PI * y))


_TINY = 1e-300
_ZERO = torch.zeros((), dtype=torch.float64)


def _radius(x, y):
    """sqrt((x^2 + y^2) / 2), exactly 0 at the origin with derivatives 0 there, not NaN.

    The clamp keeps sqrt's backward finite at 0 and ``where`` routes a zero
    gradient to it, so autograd and Hessians take the cone's subgradient 0.
    """
    s = 0.5 * (x * x + y * y)
    return torch.where(s > 0.0, torch.sqrt(torch.clamp_min(s, _TINY)), _ZERO)


class AckleySurface(Surface):
    r"""Ackley's function, minimum 0 at the origin.

    .. math:: f = 20\,\big(1 - e^{-0.2 r}\big) + e - \exp\!\big(\tfrac12(\cos 2\pi x + \cos 2\pi y)\big),
              \quad r = \sqrt{(x^2 + y^2)/2}

    The first term is a cone with no gradient at the origin: autograd gives NaN
    there (square root at 0), so both paths use the subgradient 0 and the Hessian
    there is that of the cosine term alone.
    """

    name = "ackley"
    description = "Ackley's function: a funnel with a sharp tip, riddled with shallow local minima"
    lesson = ("Many shallow local minima sit on a funnel, so the big-picture slope only helps an "
              "optimizer that does not stop in the first dimple.")
    domain = (-5.0, 5.0, -5.0, 5.0)
    start = (-4.3, 3.6)
    f_min = 0.0

    def _setup(self):
        self.minima = _ackley_minima(type(self))

    def _f(self, x, y):
        b = torch.exp(0.5 * (torch.cos(_TWO_PI * x) + torch.cos(_TWO_PI * y)))
        return -20.0 * torch.expm1(-0.2 * _radius(x, y)) + (math.e - b)

    def _vg(self, x, y):
        r = _radius(x, y)
        a = torch.exp(-0.2 * r)
        b = torch.exp(0.5 * (torch.cos(_TWO_PI * x) + torch.cos(_TWO_PI * y)))
        # d/dx of the cone term is 2 e^{-0.2 r} x / r; 0 (the subgradient) at r = 0.
        k = torch.where(r > 0.0, 2.0 * a / torch.clamp_min(r, _TINY), _ZERO)
        return (20.0 - 20.0 * a + (math.e - b),
                k * x + math.pi * b * torch.sin(_TWO_PI * x), k * y + math.pi * b * torch.sin(_TWO_PI * y))


@lru_cache(maxsize=None)
def _ackley_minima(cls) -> list[tuple[float, float]]:
    """Local minima near the integer lattice, found by Newton and kept only if genuine."""
    grid = [(float(i), float(j)) for i in range(-5, 6) for j in range(-5, 6) if (i, j) != (0, 0)]
    surf = cls.__new__(cls)  # bare instance: _f/_vg need no parameters
    pts = torch.tensor(polish(surf, grid), dtype=torch.float64)
    value, grad = surf.value_and_grad(pts)
    eig = torch.linalg.eigvalsh(surf.hessian(pts))
    ok = (grad.abs().amax(1) < 1e-9) & (eig[:, 0] > 0) & ((pts - torch.tensor(grid)).abs().amax(1) < 0.5)
    ok &= (pts[:, 0].abs() <= 5.0) & (pts[:, 1].abs() <= 5.0)
    order = torch.argsort(value[ok])
    return [(0.0, 0.0)] + [(float(a), float(b)) for a, b in pts[ok][order]]


class CamelSurface(Surface):
    r"""Six-hump camel :math:`f = (4 - 2.1 x^2 + x^4/3)\,x^2 + xy + (4y^2 - 4)\,y^2`.

    Six minima: two global (``f = -1.0316``) at about :math:`\pm(0.0898, -0.7126)`,
    two at :math:`\pm(-1.7036, 0.7961)` and two at :math:`\pm(1.6071, 0.5687)`.
    """

    name = "camel"
    description = "six-hump camel: two global minima, four local ones, and saddles between"
    lesson = "The two global minima are mirror images, and four shallower humps catch many starts on the way."
    domain = (-2.2, 2.2, -1.2, 1.2)
    start = (-1.9, 1.1)
    minima = [(0.089842, -0.712656), (-0.089842, 0.712656), (-1.703607, 0.796084),
              (1.703607, -0.796084), (1.607105, 0.568651), (-1.607105, -0.568651)]
    saddles = [(0.0, 0.0), (1.109205, -0.768283), (-1.109205, 0.768283),
               (1.638068, 0.228635), (-1.638068, -0.228635), (1.296069, 0.605106), (-1.296069, -0.605106)]
    f_min = -1.031628453489877

    def _setup(self):
        self.minima = _polished(type(self), tuple(self.minima))
        self.saddles = _polished(type(self), tuple(self.saddles))

    def _f(self, x, y):
        x2, y2 = x * x, y * y
        return (4.0 - 2.1 * x2 + x2 * x2 / 3.0) * x2 + x * y + (4.0 * y2 - 4.0) * y2

    def _vg(self, x, y):
        x2, y2 = x * x, y * y
        return ((4.0 - 2.1 * x2 + x2 * x2 / 3.0) * x2 + x * y + (4.0 * y2 - 4.0) * y2,
                x * (8.0 - 8.4 * x2 + 2.0 * x2 * x2) + y, x + y * (16.0 * y2 - 8.0))


@lru_cache(maxsize=None)
def _polished(cls, points: tuple) -> list[tuple[float, float]]:
    """Newton-polished copies of tabulated critical points, cached per class."""
    return polish(cls.__new__(cls), points)
