"""Quadratic, valley, saddle and plateau surfaces (the conditioning and saddle lessons).

Each class documents its formula; ``_vg`` is the closed-form gradient, ``_f``
the plain value that autograd and ``hessian()`` differentiate.
"""
from __future__ import annotations

import math

import torch

from core.surfaces.base import ParamSpec, Surface, polish

_SQRT2 = math.sqrt(2.0)


class BowlSurface(Surface):
    r"""Quadratic bowl :math:`f(x, y) = \tfrac12 (x^2 + y^2)`.

    The Hessian is the identity, so gradient descent with ``lr = 1`` lands on
    the minimum in one step and ``lr = 2`` oscillates forever.
    """

    name = "bowl"
    description = "quadratic bowl (x^2 + y^2)/2: round contours, Hessian = identity"
    lesson = ("On a round bowl the gradient points straight at the minimum, so any stable learning rate "
              "heads directly there.")
    start = (-2.5, 2.0)
    minima = [(0.0, 0.0)]
    f_min = 0.0

    def _f(self, x, y):
        return 0.5 * (x * x + y * y)

    def _vg(self, x, y):
        return 0.5 * (x * x + y * y), x, y


class ValleySurface(Surface):
    r"""Ill-conditioned quadratic with Hessian eigenvalues 1 and kappa.

    .. math:: u = x\cos\theta + y\sin\theta,\quad v = -x\sin\theta + y\cos\theta,
              \quad f = \tfrac12 (u^2 + \kappa v^2)

    With ``angle = 0`` the valley floor is the x axis and the walls rise along y.
    Gradient descent is stable only for ``lr < 2 / kappa`` and then crawls along
    the floor at a rate set by the eigenvalue 1: the condition number is the cost.
    """

    name = "valley"
    description = "ill-conditioned quadratic (u^2 + kappa v^2)/2 rotated by angle: a long narrow valley"
    lesson = ("When the condition number is large, a learning rate small enough for the steep walls is "
              "far too small for the gentle floor, so gradient descent zig-zags.")
    param_specs = {
        "kappa": ParamSpec(10.0, 1.0, 1000.0, "condition number: ratio of the Hessian's eigenvalues", log=True),
        "angle": ParamSpec(0.0, -180.0, 180.0, "rotation of the valley in degrees"),
    }
    minima = [(0.0, 0.0)]
    f_min = 0.0

    def _setup(self):
        theta = math.radians(self.params["angle"])
        self._c, self._s = math.cos(theta), math.sin(theta)
        # Start at (u, v) = (-2.5, 1) in the valley's own frame: radius 2.69 stays in view at any angle.
        u, v = -2.5, 1.0
        self.start = (self._c * u - self._s * v, self._s * u + self._c * v)

    def _f(self, x, y):
        u = self._c * x + self._s * y
        v = self._c * y - self._s * x
        return 0.5 * (u * u + self.params["kappa"] * v * v)

    def _vg(self, x, y):
        c, s, k = self._c, self._s, self.params["kappa"]
        u = c * x + s * y
        kv = k * (c * y - s * x)
        return 0.5 * (u * u + kv * (c * y - s * x)), c * u - s * kv, s * u + c * kv


class RosenbrockSurface(Surface):
    r"""Rosenbrock's banana :math:`f = (a - x)^2 + b (y - x^2)^2`, minimum at :math:`(a, a^2)`."""

    name = "rosenbrock"
    description = "Rosenbrock banana (a - x)^2 + b (y - x^2)^2: a curved, flat-bottomed valley"
    lesson = ("Finding the curved valley is easy, but following its nearly flat floor to the minimum "
              "takes gradient descent thousands of steps.")
    param_specs = {
        "a": ParamSpec(1.0, -2.0, 2.0, "minimum at (a, a^2)"),
        "b": ParamSpec(100.0, 1.0, 1000.0, "steepness of the valley walls", log=True),
    }
    start = (-1.2, 1.0)
    f_min = 0.0

    def _setup(self):
        a = self.params["a"]
        self.minima = [(a, a * a)]
        self.domain = (min(-2.0, a - 1.0), max(2.0, a + 1.0), -1.0, max(3.0, a * a + 1.0))

    def _f(self, x, y):
        a, b = self.params["a"], self.params["b"]
        return (a - x) ** 2 + b * (y - x * x) ** 2

    def _vg(self, x, y):
        a, b = self.params["a"], self.params["b"]
        dx, dy = a - x, y - x * x
        return dx * dx + b * dy * dy, -2.0 * dx - 4.0 * b * x * dy, 2.0 * b * dy


class SaddleSurface(Surface):
    r"""Saddle bounded below by a quartic :math:`f = x^2 - y^2 + y^4 / 4`.

    Saddle at the origin; the quartic term (without which escaping runs off to
    minus infinity) creates two wells at :math:`(0, \pm\sqrt 2)` with ``f = -1``.
    """

    name = "saddle"
    description = "saddle x^2 - y^2 + y^4/4: a saddle at the origin between two wells"
    lesson = ("Near a saddle the gradient almost vanishes, so plain gradient descent stalls there while "
              "momentum or noise lets it roll off into a well.")
    domain = (-2.5, 2.5, -2.5, 2.5)
    start = (-2.0, 0.01)
    minima = [(0.0, _SQRT2), (0.0, -_SQRT2)]
    saddles = [(0.0, 0.0)]
    f_min = -1.0

    def _f(self, x, y):
        y2 = y * y
        return x * x - y2 + 0.25 * y2 * y2

    def _vg(self, x, y):
        y2 = y * y
        return x * x - y2 + 0.25 * y2 * y2, 2.0 * x, y * (y2 - 2.0)


class MonkeySurface(Surface):
    r"""Monkey saddle bounded by a quartic :math:`f = x^3 - 3 x y^2 + (x^2 + y^2)^2 / 4`.

    In polar form :math:`f = r^3 \cos 3\theta + r^4/4`: three wells at radius 3
    and angles 60, 180 and 300 degrees (``f = -27/4``), and a degenerate saddle at
    the origin whose Hessian is zero, so the second-order test says nothing there.
    """

    name = "monkey"
    description = "monkey saddle x^3 - 3xy^2 + (x^2+y^2)^2/4: three wells around a flat saddle"
    lesson = ("At a monkey saddle even the curvature vanishes, so second-order methods see nothing and "
              "gradient descent creeps away only along the three downhill valleys.")
    domain = (-4.5, 4.5, -4.5, 4.5)
    start = (3.0, 0.05)
    minima = [(1.5, 1.5 * math.sqrt(3.0)), (-3.0, 0.0), (1.5, -1.5 * math.sqrt(3.0))]
    saddles = [(0.0, 0.0)]
    f_min = -6.75

    def _f(self, x, y):
        r2 = x * x + y * y
        return x * (x * x - 3.0 * y * y) + 0.25 * r2 * r2

    def _vg(self, x, y):
        x2, y2 = x * x, y * y
        r2 = x2 + y2
        return (x * (x2 - 3.0 * y2) + 0.25 * r2 * r2,
                3.0 * (x2 - y2) + r2 * x, y * (r2 - 6.0 * x))


def _well(x, y, cx, cy, sigma):
    """exp(-|p - c|^2 / (2 sigma^2)) and the offsets, shared by value and gradient."""
    dx, dy = x - cx, y - cy
    return torch.exp(-(dx * dx + dy * dy) / (2.0 * sigma * sigma)), dx, dy


class PlateauSurface(Surface):
    r"""Nearly flat plateau with one narrow basin.

    .. math:: f = 1 - \exp\!\Big(-\frac{d^2}{2\sigma^2}\Big) + t\, d^2,
              \quad d^2 = (x - 1)^2 + (y - 1)^2

    Far from the basin only the tiny tilt ``t`` gives any gradient.
    """

    name = "plateau"
    description = "flat plateau with a narrow Gaussian basin at (1, 1) and a tiny tilt toward it"
    lesson = ("On a plateau the gradient is nearly zero, so plain gradient descent barely moves while "
              "methods that normalize the step size (Adam, RMSprop) walk across it.")
    param_specs = {
        "width": ParamSpec(0.5, 0.05, 2.0, "width sigma of the basin"),
        "tilt": ParamSpec(0.002, 0.0, 0.1, "slope of the plateau toward the basin"),
    }
    domain = (-4.0, 4.0, -4.0, 4.0)
    start = (-3.0, -2.5)
    minima = [(1.0, 1.0)]
    f_min = 0.0

    def _f(self, x, y):
        w, dx, dy = _well(x, y, 1.0, 1.0, self.params["width"])
        return 1.0 - w + self.params["tilt"] * (dx * dx + dy * dy)

    def _vg(self, x, y):
        sigma, t = self.params["width"], self.params["tilt"]
        w, dx, dy = _well(x, y, 1.0, 1.0, sigma)
        k = w / (sigma * sigma) + 2.0 * t
        return 1.0 - w + t * (dx * dx + dy * dy), k * dx, k * dy


# Decoy wells: (depth, cx, cy, sigma). The shallow one sits on the way from the start; the deep one
# is wide enough (sigma 1.1) that a racer carried over the low ridge lands in its basin. (With sigma
# 0.35 its basin was a small disc that no racer from the default start ever reached.)
_DECOY = ((1.0, -1.5, 1.0, 1.0), (2.5, 1.8, -1.2, 1.1))


class DecoySurface(Surface):
    r"""A shallow decoy well on the way to a deeper global one, in a gentle bowl.

    .. math:: f = 0.05 (x^2 + y^2) - \exp\!\Big(-\frac{|p - (-1.5, 1)|^2}{2}\Big)
              - 2.5 \exp\!\Big(-\frac{|p - (1.8, -1.2)|^2}{2 \cdot 1.1^2}\Big)

    Minima and the saddle between them are found by Newton's method at construction. From the
    default start (-3.5, 3) gradient descent settles in the decoy, SGD with momentum 0.9 (lr 0.07 to
    0.14) rolls over the ridge into the global minimum, and Adam (lr 0.05 to 0.1) stops in the decoy
    (``tests/test_scenes_optimizer.py`` checks the bundled scene).
    """

    name = "decoy"
    description = "a shallow decoy well on the way to a deeper global minimum"
    lesson = ("Gradient descent settles in whichever basin it falls into first; only momentum, noise or "
              "luck carries it over the ridge to the deeper minimum.")
    domain = (-4.0, 4.0, -4.0, 4.0)
    start = (-3.5, 3.0)
    minima = [(1.7, -1.15), (-1.35, 0.9)]
    saddles = [(-0.2, 0.15)]

    _critical: tuple | None = None  # (minima, saddles, f_min): the surface has no parameters

    def _setup(self):
        # Newton's method once per process, not on every pick in the surface combo box (bench/bench_drawing.py).
        if DecoySurface._critical is None:
            points = polish(self, list(self.minima) + list(self.saddles))  # one Newton run for all three
            minima, saddles = points[:len(self.minima)], points[len(self.minima):]
            with torch.no_grad():
                f_min = float(self.f(torch.tensor([minima[0]], dtype=torch.float64))[0])
            DecoySurface._critical = (minima, saddles, f_min)
        minima, saddles, self.f_min = DecoySurface._critical
        self.minima, self.saddles = list(minima), list(saddles)

    def _f(self, x, y):
        out = 0.05 * (x * x + y * y)
        for depth, cx, cy, sigma in _DECOY:
            out = out - depth * _well(x, y, cx, cy, sigma)[0]
        return out

    def _vg(self, x, y):
        out, gx, gy = 0.05 * (x * x + y * y), 0.1 * x, 0.1 * y
        for depth, cx, cy, sigma in _DECOY:
            w, dx, dy = _well(x, y, cx, cy, sigma)
            k = depth * w / (sigma * sigma)
            out, gx, gy = out - depth * w, gx + k * dx, gy + k * dy
        return out, gx, gy
