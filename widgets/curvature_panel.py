"""What the Hessian says at a point: curvatures, their directions, the verdict, and on a quadratic
what theory predicts for gradient descent and momentum beside what the racers measured."""
from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from core.trajectories import (
    best_gd_lr,
    best_gd_rate,
    best_heavy_ball,
    curvature_report,
    heavy_ball_rate,
    measured_rate,
)
from widgets.theme import LIGHT, Theme
from widgets.theme_apply import fill_background

QUADRATIC_NAMES = ("bowl", "valley")


def _fmt(v: float) -> str:
    if v is None or not math.isfinite(v):
        return "—"
    return f"{v:.4g}"


def _signed(v: float) -> str:
    return ("+" if v >= 0 else "−") + f"{abs(v):.4g}"


def hessian_at(surface, x: float, y: float) -> np.ndarray:
    """The 2x2 Hessian of ``surface`` at (x, y) as a numpy array."""
    import torch

    h = surface.hessian(torch.tensor([[float(x), float(y)]], dtype=torch.float64))
    return np.asarray(h.detach().cpu().numpy() if hasattr(h, "detach") else h, float)[0]


def is_quadratic(surface, samples: int = 3) -> bool:
    """True for the bowl and valley, or where the Hessian is the same at ``samples``² points."""
    if getattr(surface, "name", "") in QUADRATIC_NAMES:
        return True
    import torch

    xmin, xmax, ymin, ymax = surface.domain
    gx, gy = np.meshgrid(np.linspace(xmin, xmax, samples), np.linspace(ymin, ymax, samples))
    pts = torch.tensor(np.column_stack([gx.ravel(), gy.ravel()]), dtype=torch.float64)
    h = surface.hessian(pts).detach().cpu().numpy()  # (S, 2, 2)
    if not np.all(np.isfinite(h)):
        return False
    scale = max(float(np.abs(h).max()), 1e-300)
    return bool(np.all(np.abs(h - h[0]) <= 1e-9 * scale))


class CurvaturePanel(QWidget):
    """A readable summary of the Hessian at one point.

    Shows the eigenvalues :math:`\\lambda_{min} \\le \\lambda_{max}` with signs and directions, the
    verdict (saddle / bowl / hilltop / flat) and, for a bowl, :math:`\\kappa`. On a quadratic (the
    Hessian is the same everywhere) it adds the theory of ``core.trajectories.curvature``: the best
    gradient-descent learning rate :math:`2/(\\lambda_{max}+\\lambda_{min})` with rate
    :math:`(\\kappa-1)/(\\kappa+1)`, the best heavy ball, and for each racer given to :meth:`set_measured`
    the predicted rate beside the measured one.

    Parameters
    ----------
    theme : Theme
    """

    def __init__(self, theme: Theme = LIGHT, parent: QWidget | None = None):
        super().__init__(parent)
        self._theme = theme
        self._surface = None
        self._quadratic = False
        self._quad_cache: dict[int, bool] = {}
        self._point = None
        self.report = None
        self._measured: dict[str, dict] = {}
        self.label = QLabel("Click a point on the surface to see its curvature.")
        self.label.setTextFormat(Qt.RichText)
        self.label.setWordWrap(True)
        self.label.setAlignment(Qt.AlignTop | Qt.AlignLeft)
        self.label.setTextInteractionFlags(Qt.TextSelectableByMouse)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(self.label, 1)
        self.set_theme(theme)

    # -- public API ------------------------------------------------------------
    def set_theme(self, theme: Theme) -> None:
        """Apply ``theme``."""
        self._theme = theme
        fill_background(self, theme)
        self.label.setStyleSheet(f"font-size: {theme.font_pt}pt; color: {theme.foreground};")
        self._render()

    def direction_colors(self) -> tuple[str, str]:
        """Colours of the :math:`\\lambda_{min}` and :math:`\\lambda_{max}` directions (text and overlay)."""
        return self._theme.racer_colors[2], self._theme.racer_colors[4]

    def set_point(self, surface, x: float, y: float) -> None:
        """Analyse ``surface``'s Hessian at (x, y) and show it.

        Measured rates from :meth:`set_measured` are kept while the surface stays the same object.
        """
        if surface is not self._surface:
            self._measured.clear()
            self._surface = surface
            key = id(surface)
            if key not in self._quad_cache:
                self._quad_cache = {key: is_quadratic(surface)}
            self._quadratic = self._quad_cache[key]
        self._point = (float(x), float(y))
        try:
            self.report = curvature_report(hessian_at(surface, x, y))
        except ValueError:
            self.report = None
        self._render()

    @property
    def quadratic(self) -> bool:
        """True when the current surface is a quadratic, so the rate theory is exact."""
        return self._quadratic

    def set_measured(self, racer_label: str, loss, lr: float | None = None, momentum: float = 0.0,
                     color: str | None = None) -> float:
        """Estimate a racer's per-step contraction from its loss curve and show it.

        Parameters
        ----------
        racer_label : str
            Row name; calling again with the same label replaces the row.
        loss : array_like (T+1,)
            The racer's loss per step. The rate is ``core.trajectories.measured_rate`` with the surface's
            ``f_min`` (0 if unknown): :math:`\\sqrt{\\text{loss ratio}}` per step, geometric mean over
            the tail.
        lr, momentum : float, optional
            The racer's settings (torch SGD: heavy ball). With ``lr`` the panel also shows the rate
            theory predicts, :math:`\\max_i |1 - \\alpha\\lambda_i|` for plain GD and the heavy-ball root
            modulus with momentum.
        color : str, optional
            The racer's colour.

        Returns
        -------
        float
            The measured rate (NaN when the curve is too short or flat).
        """
        f_min = getattr(self._surface, "f_min", None) if self._surface is not None else None
        rate = measured_rate(np.asarray(loss, float), f_min=float(f_min or 0.0))
        self._measured[racer_label] = dict(rate=rate, lr=lr, momentum=float(momentum or 0.0), color=color)
        self._render()
        return rate

    def clear_measured(self) -> None:
        """Forget all measured rates."""
        self._measured.clear()
        self._render()

    def predicted_rate(self, lr: float, momentum: float = 0.0) -> float:
        """Theory's per-step rate at the current point's curvatures (exact on a quadratic)."""
        if self.report is None:
            return float("nan")
        return heavy_ball_rate(lr, momentum, self.report.eigenvalues)

    def eigen_segments(self, length: float | None = None) -> list[tuple[np.ndarray, str, str]]:
        """Line segments along the eigen-directions through the current point, for an overlay.

        Parameters
        ----------
        length : float, optional
            Full length of each segment in surface units (default: 30 % of the domain's smaller side).

        Returns
        -------
        list of (ndarray (2, 2), str, str)
            ``(endpoints [[x0, y0], [x1, y1]], colour, label)``, the :math:`\\lambda_{min}` direction
            first; empty when there is no point.
        """
        if self.report is None or self._point is None:
            return []
        if length is None:
            xmin, xmax, ymin, ymax = self._surface.domain
            length = 0.3 * min(xmax - xmin, ymax - ymin)
        c = np.asarray(self._point)
        out = []
        for i, (col, name) in enumerate(zip(self.direction_colors(), ("λmin", "λmax"))):
            q = self.report.eigenvectors[:, i]
            seg = np.stack([c - 0.5 * length * q, c + 0.5 * length * q])  # (2, 2)
            out.append((seg, col, f"{name} = {_signed(float(self.report.eigenvalues[i]))}"))
        return out

    def text(self) -> str:
        """The panel's text without markup (for tests and the CLI)."""
        doc = self.label.text()
        from PySide6.QtGui import QTextDocument

        d = QTextDocument()
        d.setHtml(doc)
        return d.toPlainText()

    # -- rendering ---------------------------------------------------------------
    def _render(self) -> None:
        if self._point is None:
            return
        x, y = self._point
        t = self._theme
        big = t.title_pt + 2
        parts = [f"<div style='font-size:{t.title_pt}pt'>Curvature at ({x:.3g}, {y:.3g})</div>"]
        r = self.report
        if r is None:
            parts.append(f"<p style='font-size:{big}pt'><b>Hessian is not finite here</b></p>")
            self.label.setText("".join(parts))
            return
        parts.append(f"<p style='font-size:{big}pt; margin:4px 0'><b>{r.verdict}</b></p>")
        rows = []
        for i, (col, name) in enumerate(zip(self.direction_colors(), ("λ<sub>min</sub>", "λ<sub>max</sub>"))):
            q = r.eigenvectors[:, i]
            rows.append(f"<tr><td><span style='color:{col}'>&#9644;</span> {name}</td>"
                        f"<td align='right'><b>{_signed(float(r.eigenvalues[i]))}</b></td>"
                        f"<td>&nbsp;along ({q[0]:+.2f}, {q[1]:+.2f})</td></tr>")
        if r.condition_number is not None:
            rows.append(f"<tr><td>κ = λ<sub>max</sub>/λ<sub>min</sub></td>"
                        f"<td align='right'><b>{_fmt(r.condition_number)}</b></td><td></td></tr>")
        parts.append("<table cellspacing='3'>" + "".join(rows) + "</table>")
        if self._quadratic and r.positive_definite:
            parts.append(self._theory_html(r.eigenvalues))
        elif self._quadratic:
            parts.append("<p>No best learning rate: the quadratic is not a bowl.</p>")
        else:
            parts.append("<p>The Hessian changes from point to point: the rates below hold only "
                         "near here.</p>" if self._measured else "")
        if self._measured:
            parts.append(self._measured_html(r.eigenvalues))
        self.label.setText("".join(parts))

    def _theory_html(self, eigs) -> str:
        lr = best_gd_lr(eigs)
        hb = best_heavy_ball(eigs)
        return (
            "<p style='margin-top:6px'>Quadratic: the Hessian is the same everywhere, so theory is exact."
            "</p><table cellspacing='3'>"
            f"<tr><td>best GD lr = 2/(λ<sub>max</sub>+λ<sub>min</sub>)</td><td align='right'><b>{_fmt(lr)}</b>"
            f"</td></tr><tr><td>&nbsp;&nbsp;rate (κ−1)/(κ+1) per step</td><td align='right'>"
            f"<b>{_fmt(best_gd_rate(eigs))}</b></td></tr>"
            f"<tr><td>best momentum ((√κ−1)/(√κ+1))²</td><td align='right'><b>{_fmt(hb.momentum)}</b></td></tr>"
            f"<tr><td>&nbsp;&nbsp;with lr 4/(√λ<sub>max</sub>+√λ<sub>min</sub>)²</td><td align='right'>"
            f"<b>{_fmt(hb.lr)}</b></td></tr>"
            f"<tr><td>&nbsp;&nbsp;rate (√κ−1)/(√κ+1) per step</td><td align='right'><b>{_fmt(hb.rate)}</b>"
            "</td></tr></table>"
        )

    def _measured_html(self, eigs) -> str:
        rows = ["<tr><th align='left'>racer</th><th>theory</th><th>measured</th></tr>"]
        for name, m in self._measured.items():
            pred = heavy_ball_rate(m["lr"], m["momentum"], eigs) if m["lr"] is not None else float("nan")
            swatch = f"<span style='color:{m['color']}'>&#9632;</span> " if m["color"] else ""
            rows.append(f"<tr><td>{swatch}{name}</td><td align='right'>{_fmt(pred)}</td>"
                        f"<td align='right'><b>{_fmt(m['rate'])}</b></td></tr>")
        return ("<p style='margin-top:6px'>Error shrinks per step by this factor:</p>"
                "<table cellspacing='4'>" + "".join(rows) + "</table>")
