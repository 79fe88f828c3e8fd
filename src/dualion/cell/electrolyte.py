r"""Li+ transport in the liquid electrolyte between the working electrode and the bulk: small pure functions and a
1-D finite-volume block (units in the names; concentrations in mol L-1 = M, lengths in cm unless named µm).

Model (supporting-electrolyte limit; equations in ``docs/cell.md``)
-------------------------------------------------------------------
The electrolyte layer 0 ≤ x ≤ L (the glass-fibre separator, porosity ε) lies between the working electrode at
x = 0 (a plane sink: the ~20 µm electrode is thin against L = 675 µm) and the flooded electrolyte at x = L, held
at the bulk LiCl concentration c_b (the 400 µL reservoir; a finite reservoir would lower c_b by ≤ 10 % over one
discharge at 0.2 M, see ``benchmarks/rate_limits.py``). Li+ moves by diffusion only:

.. math:: \varepsilon\,\partial_t c = \partial_x (D_\mathrm{eff}\,\partial_x c),\qquad
          D_\mathrm{eff} = D\,\varepsilon^{b},\qquad
          -D_\mathrm{eff}\,\partial_x c|_{0} = -\frac{i_\mathrm{Li}^\mathrm{geo}}{F},\qquad c(L) = c_b

with :math:`i_\mathrm{Li}^\mathrm{geo}` the Li partial current per geometric electrode area (A cm-2, > 0 =
oxidation: Li+ released into the electrolyte; < 0 on discharge). Migration is neglected: the 0.2 M APC
(Mg2+/Al-complex ions) carries most of the current in the bulk, the supporting-electrolyte limit (at 0.2 M LiCl
with 0.2 M APC the Li+ transference number is not small; migration would add a flux t_Li i/F towards the
electrode and reduce the depletion: the fitted D is an effective value that absorbs it).

Finite volumes: ``n`` equal cells of width h = L/n, centres x_k = (k + 1/2) h; the state is c_k (M). Then
dc/dt = A c + s with A tridiagonal (constant), s_0 = 1e3·i_Li^geo/(F ε h) (M s-1, the electrode sink) and
s_{n−1} = 2 D_eff c_b/(ε h²) (the Dirichlet face at half a cell from the last centre).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from dualion.core.constants import FARADAY_C_PER_MOL

#: Whatman GF/D borosilicate glass-fibre separator (the paper's, Experimental): thickness 675 µm (Whatman
#: glass-microfibre data sheet, the GF/B and GF/D grades are 675 µm thick).
SEPARATOR_THICKNESS_UM: float = 675.0
#: ASSUMED porosity of the wet glass-fibre separator (glass-microfibre filters are ~90 % void).
SEPARATOR_POROSITY: float = 0.9
#: Bruggeman exponent b in D_eff = D ε^b (spheres/fibres; the common choice for battery separators).
BRUGGEMAN: float = 1.5
#: ASSUMED prior for D(Li+) in 0.2 M APC/THF, cm2 s-1: Stokes–Einstein with η(THF, 25 °C) = 0.46 mPa s and a
#: solvated Li(THF)4+ radius of ~0.45 nm gives 1.1e-5; APC raises the viscosity (×~2): 5e-6. Fitted to the rate data
#: (``dualion.model.paper_set``: D_Li_electrolyte_cm2_s).
D_LI_ELECTROLYTE_PRIOR_CM2_S: float = 5e-6


def effective_diffusivity_cm2_s(D_cm2_s: float, porosity: float, bruggeman: float = BRUGGEMAN) -> float:
    """D_eff = D ε^b (cm2 s-1): diffusion through the pores of a separator of porosity ε (Bruggeman)."""
    return D_cm2_s * porosity ** bruggeman


def geometric_current_A_cm2(current_mA_g: float, loading_mg_cm2: float) -> float:
    """Current per geometric electrode area (A cm-2) for a specific current (mA g-1) at an active loading
    (mg cm-2): I_g·m/A = current_mA_g·loading_mg_cm2·1e-6."""
    return current_mA_g * loading_mg_cm2 * 1e-6


def limiting_current_A_cm2(D_eff_cm2_s: float, c_M: float, L_cm: float, z: int = 1) -> float:
    """Steady diffusion-limited current density (A cm-2) of an ion of charge z through a layer of thickness L
    with the bulk c at the far side and c = 0 at the electrode: i_lim = z F D_eff c / L (c in mol L-1 → 1e-3 mol
    cm-3)."""
    return z * FARADAY_C_PER_MOL * D_eff_cm2_s * c_M * 1e-3 / L_cm


def sand_time_s(D_eff_cm2_s: float, porosity: float, c_M: float, i_A_cm2: float, z: int = 1) -> float:
    """Sand's time (s): a constant flux i/(zF) into a semi-infinite layer (porosity ε, effective D_eff) empties the
    surface after t = π ε D_eff (z F c)² / (4 i²) (c in mol L-1)."""
    D_app = D_eff_cm2_s / porosity           # ε ∂c/∂t = D_eff ∂²c/∂x²: apparent D = D_eff/ε
    cap = z * FARADAY_C_PER_MOL * c_M * 1e-3 * porosity
    return math.pi * D_app * cap ** 2 / (4.0 * i_A_cm2 ** 2)


def steady_profile_M(x_cm: np.ndarray, i_li_geo_A_cm2: float, D_eff_cm2_s: float, c_bulk_M: float,
                     L_cm: float) -> np.ndarray:
    """Steady profile under a constant Li partial current: linear, c(x) = c_b + (i_Li^geo/F)(L − x)/D_eff ·1e3
    (M; i < 0 on discharge → depleted at the electrode)."""
    return c_bulk_M + 1e3 * i_li_geo_A_cm2 / FARADAY_C_PER_MOL * (L_cm - np.asarray(x_cm, float)) / D_eff_cm2_s


@dataclass(frozen=True)
class ElectrolyteGrid:
    """The finite-volume block: ``n`` equal cells across a layer of ``L_cm`` (porosity ``porosity``, effective
    diffusivity ``D_eff_cm2_s``), bulk ``c_bulk_M`` at x = L, electrode at x = 0.

    dc/dt = A c + s(i): A is tridiagonal (:meth:`tridiagonal`), constant; s depends only on the Li current
    (first cell) and on c_b (last cell). The Jacobian of the block is A itself (plus ∂s_0/∂c_0 through the
    kinetics, supplied by the cell)."""

    L_cm: float
    n: int
    D_eff_cm2_s: float
    porosity: float
    c_bulk_M: float

    @property
    def h_cm(self) -> float:
        return self.L_cm / self.n

    @property
    def centres_cm(self) -> np.ndarray:
        return (np.arange(self.n) + 0.5) * self.h_cm

    def tridiagonal(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(sub, diag, sup) of A (s-1): sub[k] = A[k+1, k], sup[k] = A[k, k+1] (length n − 1), diag length n."""
        g = self.D_eff_cm2_s / (self.porosity * self.h_cm ** 2)
        sub = np.full(self.n - 1, g)
        sup = np.full(self.n - 1, g)
        diag = np.full(self.n, -2.0 * g)
        diag[0] = -g                          # zero diffusive flux through x = 0 (the electrode flux is s_0)
        diag[-1] = -g - 2.0 * g               # Dirichlet face at h/2 from the last centre
        if self.n == 1:
            diag[0] = -2.0 * g
        return sub, diag, sup

    def matrix(self) -> np.ndarray:
        """A as a dense (n, n) array (tests, small n)."""
        sub, diag, sup = self.tridiagonal()
        return np.diag(diag) + np.diag(sub, -1) + np.diag(sup, 1)

    def sink_coefficient(self) -> float:
        """s_0 per unit Li current: ds_0/di_Li^geo = 1e3/(F ε h) (M s-1 per A cm-2)."""
        return 1e3 / (FARADAY_C_PER_MOL * self.porosity * self.h_cm)

    def bulk_source(self) -> float:
        """s_{n−1} = 2 D_eff c_b/(ε h²) (M s-1)."""
        return 2.0 * self.D_eff_cm2_s * self.c_bulk_M / (self.porosity * self.h_cm ** 2)

    def jacobian(self, d_ili_geo_dc0: float = 0.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Analytic Jacobian ∂(dc/dt)/∂c of the block as (sub, diag, sup): A plus, in (0, 0), the sink's dependence
        on c_0 through the kinetics, sink_coefficient()·∂i_Li^geo/∂c_0 (``d_ili_geo_dc0`` in A cm-2 M-1, from the
        cell). The block's coupling to the particle (∂s_0/∂p, ∂s_0/∂q) is the cell's part of the Jacobian."""
        sub, diag, sup = self.tridiagonal()
        diag = diag.copy()
        diag[0] += self.sink_coefficient() * d_ili_geo_dc0
        return sub, diag, sup

    def rhs(self, c_M: np.ndarray, i_li_geo_A_cm2: float) -> np.ndarray:
        """dc/dt (M s-1) at concentrations ``c_M`` (n) and Li partial current per geometric area (A cm-2)."""
        sub, diag, sup = self.tridiagonal()
        out = diag * c_M
        out[1:] += sub * c_M[:-1]
        out[:-1] += sup * c_M[1:]
        out[0] += self.sink_coefficient() * i_li_geo_A_cm2
        out[-1] += self.bulk_source()
        return out

    def inventory_mol_cm2(self, c_M: np.ndarray) -> float:
        """Li+ held in the layer per geometric area, mol cm-2: Σ ε h c_k ·1e-3."""
        return float(self.porosity * self.h_cm * np.sum(c_M) * 1e-3)

    def bulk_inflow_mol_cm2_s(self, c_M: np.ndarray) -> float:
        """Li+ entering from the bulk at x = L, mol cm-2 s-1: D_eff (c_b − c_{n−1})/(h/2) ·1e-3."""
        return float(self.D_eff_cm2_s * (self.c_bulk_M - c_M[-1]) / (0.5 * self.h_cm) * 1e-3)
