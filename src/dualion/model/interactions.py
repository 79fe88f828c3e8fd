r"""Nearest-neighbour ion–ion interactions on one site type: quasi-chemical (Bethe) or mean-field (Bragg–Williams)
free energy, solved self-consistently with the rest of the model, with the two-phase (Maxwell) construction.

Lattice gas of one ion on the sites of one type (coordination z, pair energy J per nearest-neighbour pair of
ions, eV; J < 0 attraction). Per site, with θ the fraction of sites holding the ion, the excess free energy
over the ideal (Langmuir) one is

* mean field: :math:`\varphi(\theta) = \tfrac z2 J\theta^2`, :math:`h = \varphi'(\theta) = zJ\theta`;
* quasi-chemical (Bethe–Guggenheim): pair probabilities :math:`p_{11}, p_{10} = \theta - p_{11}, p_{00} = 1 - 2\theta + p_{11}`
  with :math:`p_{11}p_{00} = e^{-J/k_BT}p_{10}^2`,

  .. math:: \varphi = \tfrac z2 Jp_{11} + k_BT\big[\tfrac z2\textstyle\sum_{ab}p_{ab}\ln p_{ab} - z\,s(\theta)\big],\qquad
            h = \varphi'(\theta) = zk_BT\Big[\ln\frac{p_{10}}{p_{00}} - \ln\frac{\theta}{1-\theta}\Big]

  (:math:`s = \theta\ln\theta + (1-\theta)\ln(1-\theta)`; the sum counts 10 and 01). J → 0 gives φ = h = 0.

**Self-consistency.** The interacting sites see the field h(θ) as an energy shift of their ion state; every
other part of the model (other site types, the shared electron reservoir, disorder nodes) is unchanged. The
grand potential per fu at chemical potentials μ is the minimum over the self-consistent solutions θ* of

.. math:: \Omega(\mu) = -k_BT\ln\Xi(\mu; h(\theta^*)) + N_s\,[\varphi(\theta^*) - \theta^* h(\theta^*)],\qquad
          \theta^* = \theta_\mathrm{model}(\mu; h(\theta^*))

(stationary in θ: ∂/∂θ vanishes exactly at self-consistency, so x = −∂Ω/∂μ on each branch and the Maxwell
relations hold). The roots are bracketed on a grid of θ and refined by the Illinois method; an attractive J
beyond the critical value (mean field: zJ < −4k_BT) gives three roots over a range of μ — the outer two are the
metastable (spinodal-limited) branches, the one with the lower Ω is the equilibrium, and the switch between them
at equal Ω is the first-order (two-phase) plateau: the common tangent of the free energy, found by bisection in V.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np

from dualion.errors import DualionUserError

__all__ = ["LatticeInteraction", "excess_field", "excess_free_energy", "pair_probability"]

Approximation = Literal["bethe", "mean-field"]


@dataclass(frozen=True)
class LatticeInteraction:
    """Nearest-neighbour interaction of ``ion`` on the sites of type ``site``: pair energy ``J_eV`` (eV per pair,
    < 0 attractive), ``coordination`` z (anatase 4b octahedra share edges with 4 others: z = 4), ``approximation``
    ``"bethe"`` (quasi-chemical) or ``"mean-field"``."""

    site: str
    J_eV: float
    ion: str = "Li"
    coordination: int = 4
    approximation: Approximation = "bethe"

    def __post_init__(self) -> None:
        if not math.isfinite(self.J_eV):
            raise DualionUserError(f"interaction energy must be finite, got {self.J_eV!r}", field="J_eV")
        if not (isinstance(self.coordination, int) and self.coordination >= 1):
            raise DualionUserError(f"coordination must be an integer >= 1, got {self.coordination!r}",
                                   field="coordination")
        if self.approximation not in ("bethe", "mean-field"):
            raise DualionUserError(f"approximation must be 'bethe' or 'mean-field', got {self.approximation!r}",
                                   field="approximation")

    def field(self, theta: np.ndarray, kT: float) -> np.ndarray:
        return excess_field(theta, self.J_eV, self.coordination, kT, self.approximation)

    def slope(self, theta: np.ndarray, kT: float) -> np.ndarray:
        return excess_field_slope(theta, self.J_eV, self.coordination, kT, self.approximation)

    def phi(self, theta: np.ndarray, kT: float) -> np.ndarray:
        return excess_free_energy(theta, self.J_eV, self.coordination, kT, self.approximation)

    def describe(self) -> dict:
        return {"site": self.site, "ion": self.ion, "J_eV": self.J_eV, "coordination": self.coordination,
                "approximation": self.approximation}


def pair_probability(theta: np.ndarray, J_eV: float, kT: float) -> np.ndarray:
    """Quasi-chemical p11 (probability that a bond joins two ions) at filling θ: the root in [0, θ] of
    (1 − x) p² + (1 − 2θ(1 − x)) p − xθ² = 0, x = e^{−J/kT} (p11 = θ² for J = 0)."""
    th = np.asarray(theta, float)
    x = math.exp(-J_eV / kT)
    b = 1.0 - 2.0 * th * (1.0 - x)
    c = x * th ** 2
    D = np.sqrt(np.maximum(b * b + 4.0 * (1.0 - x) * c, 0.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        p_pos = 2.0 * c / (b + D)                         # stable for b >= 0
        p_neg = (D - b) / (2.0 * (1.0 - x)) if x != 1.0 else p_pos
    return np.clip(np.where(b >= 0, p_pos, p_neg), 0.0, th)


def _pairs(th: np.ndarray, J_eV: float, kT: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(p11, p10, p00) without cancellation: p00(θ) = p11(1 − θ) (particle–hole symmetry of the quadratic),
    p10 from the smaller of θ − p11 and (1 − θ) − p00."""
    p11 = pair_probability(th, J_eV, kT)
    p00 = pair_probability(1.0 - th, J_eV, kT)
    p10 = np.where(th < 0.5, th - p11, (1.0 - th) - p00)
    return p11, np.maximum(p10, 0.0), p00


def _xlogx(p: np.ndarray) -> np.ndarray:
    p = np.maximum(p, 0.0)
    return np.where(p > 0, p * np.log(np.where(p > 0, p, 1.0)), 0.0)


def excess_free_energy(theta: np.ndarray, J_eV: float, z: int, kT: float, approximation: Approximation = "bethe"
                       ) -> np.ndarray:
    """φ(θ), eV per site: the interacting lattice gas' free energy minus the ideal one (module docstring)."""
    th = np.clip(np.asarray(theta, float), 0.0, 1.0)
    if approximation == "mean-field":
        return 0.5 * z * J_eV * th ** 2
    p11, p10, p00 = _pairs(th, J_eV, kT)
    s = _xlogx(th) + _xlogx(1.0 - th)
    return 0.5 * z * J_eV * p11 + kT * (0.5 * z * (_xlogx(p11) + 2.0 * _xlogx(p10) + _xlogx(p00)) - z * s)


def excess_field(theta: np.ndarray, J_eV: float, z: int, kT: float, approximation: Approximation = "bethe"
                 ) -> np.ndarray:
    """h(θ) = φ'(θ), eV per ion: the shift of the ion's state energy on an interacting site."""
    th = np.clip(np.asarray(theta, float), 1e-300, 1.0 - 1e-16)
    if approximation == "mean-field":
        return z * J_eV * th
    if J_eV == 0:
        return np.zeros_like(th)
    p11, p10, p00 = _pairs(th, J_eV, kT)
    p10, p00 = np.maximum(p10, 1e-300), np.maximum(p00, 1e-300)
    return z * kT * (np.log(p10 / p00) - np.log(th / (1.0 - th)))


def excess_field_slope(theta: np.ndarray, J_eV: float, z: int, kT: float, approximation: Approximation = "bethe"
                       ) -> np.ndarray:
    """h'(θ) = φ''(θ), eV per ion per unit filling (analytic; dp11/dθ from the quasi-chemical quadratic)."""
    th = np.clip(np.asarray(theta, float), 1e-300, 1.0 - 1e-16)
    if approximation == "mean-field":
        return np.full_like(th, z * J_eV)
    if J_eV == 0:
        return np.zeros_like(th)
    x = math.exp(-J_eV / kT)
    p11, p10, p00 = _pairs(th, J_eV, kT)
    dp = (2 * (1 - x) * p11 + 2 * x * th) / (2 * (1 - x) * p11 + 1 - 2 * th * (1 - x))
    p10, p00 = np.maximum(p10, 1e-300), np.maximum(p00, 1e-300)
    return z * kT * ((1 - dp) / p10 - (dp - 2) / p00 - 1 / th - 1 / (1 - th))
